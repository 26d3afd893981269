"""Training neural CRNs by simulating their reactions, with a scikit-learn-like API.

Every model owns a :class:`~dsdcrn.neural.network.NeuralCRN` and a
:class:`~dsdcrn.neural.protocol.Machine`; ``partial_fit`` presents one sample through
the model's protocol (the reactions do the learning), ``predict`` runs the inference
protocol from the current parameters.  Values are in formal units; durations in formal
time units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dsdcrn.errors import DsdcrnError
from dsdcrn.neural import kang_kim, nagipogu_reif
from dsdcrn.neural.network import NeuralCRN, catalysed, rail, signed
from dsdcrn.neural.protocol import Machine, Step

__all__ = ["KangKimModel", "NagipoguReifModel", "PROTOCOLS", "perturb_rates"]

PROTOCOLS = ("phased", "one-pot")


def perturb_rates(network: NeuralCRN, sigma: float, seed: int) -> NeuralCRN:
    """Multiply every rate constant by an independent log-normal factor exp(N(0, σ²))."""
    if sigma < 0:
        raise DsdcrnError(f"rate noise σ must be >= 0, got {sigma!r}")
    if sigma == 0:
        return network
    rng = np.random.default_rng(seed)
    return network.with_rates(np.exp(rng.normal(0.0, sigma, len(network.reactions))))


def _signed_inject(name: str, value: float) -> dict[str, float]:
    p, m = signed(value)
    return {rail(name, 1): p, rail(name, -1): m}


@dataclass
class _Base:
    """Shared fitting loop; subclasses build ``network_`` and the per-sample protocol."""

    seed: int = 0
    rate_noise: float = 0.0
    conc_noise: float = 0.0
    max_seconds: float | None = None
    history_: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)

    # subclasses set these
    network_: NeuralCRN = field(init=False, repr=False)
    machine_: Machine = field(init=False, repr=False)

    def _machine(self, network: NeuralCRN, stiff: bool, **solver: Any) -> None:
        self.network_ = perturb_rates(network, self.rate_noise, self.seed + 1)
        self.machine_ = Machine(
            self.network_,
            stiff=stiff,
            **solver,
            conc_noise=self.conc_noise,
            seed=self.seed + 2,
            max_seconds=self.max_seconds,
        )

    def fit(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        epochs: int = 1,
        *,
        shuffle: bool = True,
        callback: Callable[[int, _Base], None] | None = None,
    ) -> _Base:
        """Present every sample of (X, Y) ``epochs`` times (order seeded by ``seed``).

        Y has one column per output species (formal units).  ``callback(epoch, self)``
        runs after each epoch.
        """
        X, Y = np.asarray(X, float), np.asarray(Y, float).reshape(len(X), -1)
        rng = np.random.default_rng(self.seed + 3)
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            for n in order:
                self.partial_fit(X[n], Y[n])
            if callback is not None:
                callback(epoch, self)
        return self

    def partial_fit(self, x: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> dict[str, float]:
        """Current signed value of every trainable parameter (formal units)."""
        return {p: self.machine_.value(p) for p in self.network_.parameters}

    def set_parameters(self, values: dict[str, float]) -> None:
        """Set trainable parameters to signed values (formal units): the inverse of
        :meth:`parameters`, e.g. to score one run's parameters with another machine."""
        for p, v in values.items():
            self.machine_.set_value(p, v)


@dataclass
class NagipoguReifModel(_Base):
    """The Nagipogu-Reif neural CRN, run by the host-sequenced protocol of the reference.

    Per sample: reset the transient species, inject x (augmented to ``dim`` with
    ``augment``) as both X and the initial state Z and the target as Y, then run the
    phases feedforward (T), readout, error, adjoint, backward (T) and update, each of
    the relaxation phases for ``t_relax``.
    """

    dim: int = 2
    theta: str = "diagonal"
    nonlinearity: str | None = None
    gradient: str = "first-order"
    train_output: bool = False
    T: float = 0.5
    h: float = 0.1
    lr: float = 0.1
    k_nl: float = 1.0
    k_fast: float = 100.0  # rail cancellations; the signed values do not depend on it
    augment: float = 1.0
    t_relax: float = 20.0
    t_error: float = 3.0

    def __post_init__(self) -> None:
        if self.gradient not in ("first-order", "exact"):
            raise DsdcrnError(
                f"nagipogu-reif: gradient must be first-order or exact, not {self.gradient!r}"
            )
        net = nagipogu_reif.build(
            self.dim,
            theta=self.theta,
            nonlinearity=self.nonlinearity,
            gradient=self.gradient,
            train_output=self.train_output,
            h=self.h,
            lr=self.lr,
            k_nl=self.k_nl,
            k_fast=self.k_fast,
            seed=self.seed,
        )
        self._machine(net, stiff=True)

    def _augmented(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float).ravel()
        if x.size > self.dim:
            raise DsdcrnError(
                f"nagipogu-reif: {x.size} input features do not fit state dimension {self.dim}"
            )
        return np.concatenate([x, np.full(self.dim - x.size, self.augment)])

    def _forward_steps(self, x: np.ndarray, y: float | None) -> list[Step]:
        xa = self._augmented(x)
        inject: dict[str, float] = {}
        for j, v in enumerate(xa, start=1):
            inject.update(_signed_inject(f"X{j}", v))
            inject.update(_signed_inject(f"Z{j}", v))
        inject.update(_signed_inject("Y", 0.0 if y is None else float(y)))
        return [
            Step("feedforward", self.T, inject=inject, reset=tuple(self.network_.transient)),
            Step("readout", self.t_relax),
        ]

    def protocol(self, x: np.ndarray, y: float) -> list[Step]:
        """The steps that present one training sample."""
        return self._forward_steps(x, y) + [
            Step("error", self.t_error),
            Step("adjoint", self.t_relax),
            Step("backward", self.T),
            Step("update", self.t_relax),
        ]

    def partial_fit(self, x: np.ndarray, y: np.ndarray) -> None:
        self.machine_.run(self.protocol(x, float(np.ravel(y)[0])))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """ŷ = O⁺ − O⁻ after feedforward and readout, one row per sample."""
        out = []
        for x in np.asarray(X, float):
            saved = self.machine_.snapshot()
            self.machine_.run(self._forward_steps(x, None))
            out.append(self.machine_.value("O"))
            self.machine_.restore(saved)
        return np.array(out).reshape(-1, 1)


@dataclass
class KangKimModel(_Base):
    """Kang & Kim's network, trained in one pot or by settle-then-train phases.

    ``one-pot``: per sample, inject inputs X and targets Y and let every reaction run
    for ``t_sample``; learning happens throughout at the slow rate η.  ``phased``:
    first run everything except training for ``t_settle``, then every reaction for
    ``t_sample``.  ``predict`` runs the inference phase (forward pass only) for
    ``t_eval`` from the current state, one sample at a time.  ``updates``, ``k_rail``
    and ``k_route`` choose the training reactions and the fast rate constants
    (:func:`dsdcrn.neural.kang_kim.build`); ``catalysed`` gives every unimolecular
    reaction a catalyst (:func:`dsdcrn.neural.network.catalysed`: the same ODEs, the
    form a DNA circuit realises); the stiff circuits are integrated by BDF with the
    sparse Jacobian.
    """

    layers: Sequence[int] = (2, 5, 1)
    activation: str = "smooth"
    protocol_name: str = "one-pot"
    h: float = 0.1
    eta: float = 0.005
    kappa: float = 5.0
    updates: str = "routed"
    k_rail: float = 100.0
    k_route: float = 100.0
    t_sample: float = 20.0
    t_settle: float = 20.0
    t_eval: float = 30.0
    catalysed: bool = False

    def __post_init__(self) -> None:
        if self.protocol_name not in PROTOCOLS:
            raise DsdcrnError(
                f"unknown protocol {self.protocol_name!r}; choose one of {', '.join(PROTOCOLS)}"
            )
        for label in ("t_sample", "t_settle", "t_eval"):
            v = getattr(self, label)
            if not v > 0:
                raise DsdcrnError(f"kang-kim: {label} must be > 0 (formal time units), got {v!r}")
        net = kang_kim.build(
            tuple(self.layers),
            activation=self.activation,
            h=self.h,
            eta=self.eta,
            kappa=self.kappa,
            updates=self.updates,
            k_rail=self.k_rail,
            k_route=self.k_route,
            seed=self.seed,
        )
        if self.catalysed:
            net = catalysed(net)
        fast = max(self.k_rail, self.k_route if self.updates == "routed" else 0.0)
        stiff = self.activation == "relu" or fast > 10
        # BDF with the sparse Jacobian: on these circuits 2-10x faster than LSODA's dense
        # one and steadier; rtol 1e-5 changes trained parameters by < 1e-6
        self._machine(net, stiff, method="BDF" if stiff else "RK45", rtol=1e-5, atol=1e-8)

    def _inject(self, x: np.ndarray, y: np.ndarray | None) -> dict[str, float]:
        x = np.asarray(x, float).ravel()
        net = self.network_
        if x.size != len(net.inputs):
            raise DsdcrnError(f"{net.name}: expected {len(net.inputs)} inputs, got {x.size}")
        if np.any(x < 0):
            raise DsdcrnError(f"{net.name}: inputs are concentrations and must be >= 0")
        inject = dict(zip(net.inputs, x.tolist(), strict=True))
        if y is not None:
            inject.update(zip(net.targets, np.ravel(y).tolist(), strict=True))
        return inject

    def protocol(self, x: np.ndarray, y: np.ndarray) -> list[Step]:
        """The steps that present one training sample."""
        inject = self._inject(x, y)
        if self.protocol_name == "one-pot":
            return [Step("all", self.t_sample, inject=inject)]
        return [Step("settle", self.t_settle, inject=inject), Step("all", self.t_sample)]

    def partial_fit(self, x: np.ndarray, y: np.ndarray) -> None:
        self.machine_.run(self.protocol(x, y))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs O_k⁺ − O_k⁻ at the end of the inference phase, one row per sample."""
        out = []
        saved = self.machine_.snapshot()
        for x in np.asarray(X, float):
            self.machine_.restore(saved)
            self.machine_.apply(Step("inference", self.t_eval, inject=self._inject(x, None)))
            out.append(self.machine_.values(self.network_.outputs))
        self.machine_.restore(saved)
        return np.array(out)
