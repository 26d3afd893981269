"""Protocols: what the host does to a neural CRN, step by step, and a machine that runs them.

A :class:`Step` resets some species, injects others, then lets the reactions of one
phase run for a duration.  A protocol is a list of steps; it names formal species,
phases and formal time units only, so the same list can drive any backend that maps
formal species to its own (the formal-CRN :class:`Machine` here; a DSD-level backend
maps each formal species to its signal complexes and each phase to its gates).

Units: concentrations in formal units (1 = ``unit_nM`` nM in the wet lab), durations
in formal time units (1 = 1/k s for a unimolecular formal rate constant k = 1 /s).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dsdcrn.errors import DsdcrnError, SimulationBoundError
from dsdcrn.kinetics.massaction import DeadlinePassed, MassAction, solver
from dsdcrn.neural.network import NeuralCRN, rails, signed

__all__ = ["Machine", "Step", "end_state"]

#: Systems up to this many species are integrated by LSODA with a dense Jacobian.
DENSE_LIMIT = 400
#: Default bound on any concentration (formal units): a state past it has diverged.
MAX_CONC = 1e4


@dataclass(frozen=True)
class Step:
    """One host action: reset, inject, then run a phase.

    Attributes
    ----------
    phase : str
        Phase whose modules are active (``all`` for every reaction).
    duration : float
        Formal time units to run.
    inject : dict[str, float]
        Species set to these concentrations (formal units) after the reset.
    reset : tuple[str, ...]
        Species set to 0 first.
    """

    phase: str
    duration: float
    inject: Mapping[str, float] = field(default_factory=dict)
    reset: tuple[str, ...] = ()


def end_state(sol: Any, name: str, where: str = "") -> np.ndarray:
    """The last state of ``solve_ivp``'s solution ``sol``, clipped at 0; a failed solve
    or a non-finite value is a one-line :class:`SimulationBoundError` naming circuit
    ``name`` (and ``where``, e.g. the protocol step)."""
    if not sol.success or sol.y.shape[1] != 1:
        raise SimulationBoundError(f"{name}: simulation failed{where}: {sol.message}")
    y = sol.y[:, -1]
    if not np.all(np.isfinite(y)):
        raise SimulationBoundError(f"{name}: simulation produced non-finite values{where}")
    return np.clip(y, 0.0, None)


class Machine:
    """Runs protocol steps on the formal mass-action ODEs of a :class:`NeuralCRN`.

    Parameters
    ----------
    network : NeuralCRN
        The circuit; its ``initial`` concentrations are the starting state.
    method : str
        ``auto``: RK45 when ``stiff`` is False; otherwise LSODA with a dense Jacobian
        up to ``DENSE_LIMIT`` species and BDF with the sparse Jacobian beyond; or any
        ``solve_ivp`` method name.
    stiff : bool
        Whether the circuit has fast reactions (for ``auto`` on large systems).
    rtol, atol : float
        Solver tolerances (``atol`` in formal units).
    conc_noise : float
        σ of multiplicative log-normal noise on every injected concentration and on
        the initial state (0 for none).
    seed : int
        Seed of that noise.
    max_seconds : float or None
        Wall-time budget for all steps run by this machine (s), checked inside the
        integration too, so a run whose ODE turns stiff ends on time.
    max_conc : float
        Bound on every concentration (formal units); a step ending above it raises.

    Raises
    ------
    SimulationBoundError
        From :meth:`apply`, when a step hits ``max_seconds`` or ``max_conc``, or the
        integration fails.
    """

    def __init__(
        self,
        network: NeuralCRN,
        *,
        method: str = "auto",
        stiff: bool = True,
        rtol: float = 1e-6,
        atol: float = 1e-9,
        conc_noise: float = 0.0,
        seed: int = 0,
        max_seconds: float | None = None,
        max_conc: float = MAX_CONC,
    ) -> None:
        self.network = network
        self.species = network.species
        self.index = {s: i for i, s in enumerate(self.species)}
        self.method, self.stiff, self.rtol, self.atol = method, stiff, rtol, atol
        if conc_noise < 0:
            raise DsdcrnError(f"concentration noise σ must be >= 0, got {conc_noise!r}")
        self.conc_noise = float(conc_noise)
        self.rng = np.random.default_rng(seed)
        self.max_seconds = max_seconds
        self.max_conc = float(max_conc)
        self._start = time.monotonic()
        self._models: dict[str, MassAction] = {}
        self.state = np.zeros(len(self.species))
        for s, v in network.initial.items():
            if not (v >= 0 and np.isfinite(v)):
                raise DsdcrnError(f"{network.name}: initial concentration of {s} is {v!r}")
            self.state[self.index[s]] = v * self._noise()
        self.steps_run = 0

    # ---------------------------------------------------------------- helpers
    def _noise(self) -> float:
        if self.conc_noise == 0:
            return 1.0
        return float(np.exp(self.rng.normal(0.0, self.conc_noise)))

    def model(self, phase: str) -> MassAction:
        """The vectorised mass-action model of ``phase`` (built once, cached)."""
        if phase not in self._models:
            self._models[phase] = MassAction(self.network.in_phase(phase), species=self.species)
        return self._models[phase]

    def _solver(self, n: int) -> str:
        if self.method != "auto":
            return self.method
        if not self.stiff:
            return "RK45"
        return "LSODA" if n <= DENSE_LIMIT else "BDF"

    # ---------------------------------------------------------------- running
    def run(self, steps: Iterable[Step]) -> None:
        """Apply each step in turn to ``self.state``."""
        for step in steps:
            self.apply(step)

    def apply(self, step: Step) -> None:
        """Reset, inject, then integrate ``step.phase`` for ``step.duration``."""
        if self.max_seconds is not None and time.monotonic() - self._start > self.max_seconds:
            self._over_budget(step)
        y = self.state
        for s in step.reset:
            y[self.index[s]] = 0.0
        for s, v in step.inject.items():
            if s not in self.index:
                raise DsdcrnError(f"{self.network.name}: cannot inject unknown species {s!r}")
            if not (v >= 0 and np.isfinite(v)):
                raise DsdcrnError(f"{self.network.name}: injected concentration {s} = {v!r}")
            y[self.index[s]] = v * self._noise()
        if step.duration > 0:
            model = self.model(step.phase)
            if self.max_seconds is not None:
                model.deadline = self._start + self.max_seconds
            try:
                self.state = self._integrate(model, y, float(step.duration))
            except DeadlinePassed:
                self._over_budget(step)
            finally:
                model.deadline = None
            if self.state.size and self.state.max() > self.max_conc:
                top = int(np.argmax(self.state))
                raise SimulationBoundError(
                    f"{self.network.name}: diverged: {self.species[top]} reached "
                    f"{self.state[top]:.3g} formal units (bound {self.max_conc:g}) in "
                    f"protocol step {self.steps_run + 1} (phase {step.phase})"
                )
        self.steps_run += 1

    def _over_budget(self, step: Step) -> None:
        raise SimulationBoundError(
            f"{self.network.name}: training exceeded its {self.max_seconds:g} s budget in "
            f"protocol step {self.steps_run + 1} (phase {step.phase}); a run that slows down "
            "like this has usually turned stiff or is diverging"
        )

    def _integrate(self, model: MassAction, y0: np.ndarray, duration: float) -> np.ndarray:
        method = self._solver(model.n_species)
        opts: dict[str, Any] = {}
        if method == "LSODA":
            opts["jac"] = lambda _t, y: model.jacobian(y).toarray()
        elif method in ("BDF", "Radau"):
            opts["jac"] = lambda _t, y: model.jacobian(y)
        from scipy.integrate import solve_ivp  # 0.3 s to import: only when simulating

        sol = solve_ivp(
            lambda _t, y: model.rhs(y),
            (0.0, duration),
            y0,
            method=solver(method),
            t_eval=[duration],
            rtol=self.rtol,
            atol=self.atol,
            **opts,
        )
        return end_state(sol, self.network.name)

    # ---------------------------------------------------------------- reading
    def conc(self, name: str) -> float:
        """Concentration of one species (formal units)."""
        return float(self.state[self.index[name]])

    def value(self, name: str) -> float:
        """Signed value of a dual-rail pair ``name`` (p − m), or a plain species."""
        p, m = rails(name)
        if p in self.index:
            return self.conc(p) - (self.conc(m) if m in self.index else 0.0)
        return self.conc(name)

    def values(self, names: Sequence[str]) -> np.ndarray:
        return np.array([self.value(n) for n in names])

    def set_value(self, name: str, value: float) -> None:
        """Set the dual-rail pair ``name`` to the signed ``value`` (formal units): the
        inverse of :meth:`value`."""
        for rail_name, v in zip(rails(name), signed(value), strict=True):
            self.state[self.index[rail_name]] = v

    def snapshot(self) -> np.ndarray:
        return self.state.copy()

    def restore(self, state: np.ndarray) -> None:
        self.state = state.copy()
