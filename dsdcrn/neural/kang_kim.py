"""Kang & Kim, *Noise-robust CRNs training artificial neural networks* (arXiv 2410.11919).

A layered network computed at steady state, trained in the same pot.  The full text
was not at hand; the construction below is reconstructed from the abstract and
secondhand summaries (``../shared/reference/neural-crns.md``), and each fragment's
fixed point is proved numerically in the tests.

Forward pass (all k = 1, formal units).  For layer l with inputs u_i (the input
species X_i for l = 1, the hidden activations of layer l−1 otherwise; all ≥ 0):

* pre-activation, dual rail: ``W^s + U_i -> W^s + U_i + Z^s``, ``B^s -> B^s + Z^s``,
  ``Z^s ->``, so z* = Σ_i w_i u_i + b;
* hidden activation σ(z) = (z + √(z² + 4h))/2 (:func:`activations.smooth_activation`)
  and its derivative σ′ = σ²/(σ² + h) (:func:`activations.smooth_derivative`), or, in
  the non-smooth baseline, ReLU by rail cancellation and a step-like switch;
* the output layer is linear: O = Z of the last layer.

Backward pass, in the same pot: error ``E = O − Y`` (``O^s -> O^s + E^s``,
``Y -> Y + E^m``, ``E^s ->``, ``Ep + Em ->``); back-propagated sums
``W^s + δ^r -> … + S^(s·r)``, ``S^s ->`` and deltas ``D + S^s -> … + V^s``, ``V^s ->``,
so V_j* = σ′(z_j) Σ_k w_kj δ_k (the ``direct`` form; ``routed`` below).  Every dual-rail
signal (pre-activations, outputs, errors, sums, deltas) also cancels its rails fast
(``Zp + Zm ->`` at ``k_rail``): this leaves every difference p − m unchanged and keeps the
common part of the two rails small.

Training reactions are bimolecular and slow (rate η ≪ 1, the time-scale separation),
in one of two forms (``updates``):

* ``direct``: ``δ^s + U_i -> δ^s + U_i + W^(−s)`` and ``δ^s -> δ^s + B^(−s)``, giving
  dw/dt = −η δ u, db/dt = −η δ: gradient descent on ½|e|².  Each weight is moved up and
  down by two different reactions, so under rate-constant noise (each reaction's k
  multiplied by its own factor) every weight sees positive and negative errors with
  different gains; the weights then have no common fixed point and drift along flat
  directions of the loss without bound (measured on Iris at σ = 0.1: without rail
  cancellation the network blows up within 8 epochs; with it, hidden biases and output
  weights keep growing and the accuracy falls to 0.67).
* ``routed`` (default; dsdcrn's construction): the size and the sign of each delta
  travel separately.  Each rail of a delta decays *into* an unsigned magnitude species
  (``E^s -> EA``, ``EA ->``; hidden units ``S^s -> SA``, ``SA ->``, then
  ``D + SA -> … + VA``, ``VA ->``), so the magnitude is the net flux, |δ|, whatever the
  two rails' rate constants.  One slow reaction per weight makes update tokens,
  ``EA + U_i -> EA + U_i + T`` (η), and fast catalytic routing sends each token to the
  weight rail opposite to the sign present, ``T + δ^s -> δ^s + W^(−s)`` (``k_route``).
  A token ends on one rail whatever the routing constants, so a weight's step is
  −η_w δ u with one gain η_w for both signs: rate noise rescales each weight's learning
  rate instead of biasing it.  The back-propagated sums are routed the same way:
  ``|δ_k| + W^s -> … + P^s`` makes the product of the magnitudes, one reaction per rail
  of the weight, and ``P^s + δ_k^r -> δ_k^r + S^(s·r)`` (``k_route``) gives it the sign
  of w·δ_k, so S_j = Σ_k g_kj w_kj δ_k with a gain g_kj that does not depend on the
  sign of δ_k.  (Four catalytic reactions ``W^s + δ^r -> … + S^(s·r)`` would give each
  weight a gain per sign of the delta; under rate noise a zero-mean error then
  back-propagates as a non-zero mean hidden error, and the hidden biases drift without
  bound: measured on Iris at σ = 0.1.)  Each hidden unit's delta keeps its sign on the
  rails of S and its size in ``VA`` = σ′|S|, which is all a lower layer needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dsdcrn.errors import DsdcrnError
from dsdcrn.neural.activations import (
    relu_activation,
    relu_derivative_switch,
    smooth_activation,
    smooth_derivative,
)
from dsdcrn.neural.network import NeuralCRN, ReactionSet, rail, rails, signed

__all__ = ["build"]

ACTIVATIONS = ("smooth", "relu")
UPDATES = ("routed", "direct")
SOURCE = "Hsrc"  # constant source species held at h
SIGNS = (1, -1)


def build(
    layers: Sequence[int] = (2, 5, 1),
    *,
    activation: str = "smooth",
    h: float = 0.1,
    eta: float = 0.005,
    kappa: float = 5.0,
    k_cancel: float = 100.0,
    k_switch: float = 100.0,
    k_rail: float = 100.0,
    updates: str = "routed",
    k_route: float = 100.0,
    seed: int = 0,
) -> NeuralCRN:
    """Build a Kang-Kim style network with the given layer sizes.

    Parameters
    ----------
    layers : sequence of int
        Sizes from input to output, e.g. (4, 5, 3); at least two, all >= 1.
    activation : {"smooth", "relu"}
        Kang & Kim's smooth σ, or the non-smooth ReLU baseline.
    h : float
        Smoothing constant of σ (formal units²), > 0; the source ``Hsrc`` is held at h.
    eta : float
        Rate constant of the training reactions (per formal unit per time unit): the
        time-scale separation; the forward pass relaxes at rates of order 1.
    kappa : float
        Rate constant κ1 = κ4 = κ5 of the derivative network.
    k_cancel, k_switch : float
        ReLU baseline: rail cancellation and derivative-switch rate constants.
    k_rail : float
        Rate constant of the fast rail cancellation of every dual-rail signal (per
        formal unit per time unit); 0 leaves only the error's at 1.
    updates : {"routed", "direct"}
        How the training reactions move the parameters (see the module docstring).
    k_route : float
        Rate constant of the token routing reactions (``routed`` only).
    seed : int
        Seed of the initial weights, N(0, 1/fan_in); biases start at 0.

    Returns
    -------
    NeuralCRN
        Phases ``all`` (one pot), ``settle`` (everything but training) and
        ``inference`` (forward pass only).
    """
    sizes = list(layers)
    rates = dict(h=h, eta=eta, kappa=kappa, k_cancel=k_cancel, k_rail=k_rail, k_route=k_route)
    check_options(sizes, activation, updates, rates)
    opts = dict(rates, activation=activation, k_switch=k_switch, updates=updates)
    rs, lay = ReactionSet(), Layout(tuple(sizes), routed=updates == "routed")
    net: dict[str, dict] = {"initial": {}, "parameters": {}}
    # ---------------------------------------------------------------- forward pass
    add_forward(rs, lay, np.random.default_rng(seed), net, opts)
    # ---------------------------------------------------------------- error
    add_error(rs, lay, k_rail)
    # ---------------------------------------------------------------- backpropagation
    add_backprop(rs, lay, k_rail, k_route)
    # ---------------------------------------------------------------- training (slow)
    add_training(rs, lay, eta, k_route)
    return assemble(rs, lay, net, opts)


def assemble(rs: ReactionSet, lay: Layout, net: dict[str, dict], opts: dict) -> NeuralCRN:
    """The :class:`NeuralCRN` of the reactions in ``rs``: phases, transient species and
    metadata; ``net`` holds the initial concentrations and parameters, ``opts``
    :func:`build`'s options."""
    sizes = list(lay.sizes)
    suffix = "" if opts["activation"] == "smooth" else "-relu"
    keys = ("activation", "h", "eta", "kappa", "k_rail", "updates", "k_route")
    return NeuralCRN(
        name="kang-kim-" + "-".join(map(str, sizes)) + suffix,
        reactions=rs.reactions,
        modules=rs.modules,
        phases={
            "inference": ("forward", "activation"),
            "settle": ("forward", "activation", "derivative", "error", "backprop"),
        },
        initial=net["initial"],
        parameters=net["parameters"],
        inputs=[f"X{i}" for i in range(1, sizes[0] + 1)],
        targets=[f"Y{k}" for k in range(1, sizes[-1] + 1)],
        outputs=[f"O{k}" for k in range(1, sizes[-1] + 1)],
        transient=transient_of(rs, net["parameters"], lay, opts["activation"]),
        meta={"family": "kang-kim", "layers": sizes, **{k: opts[k] for k in keys}},
    )


def check_options(sizes: list[int], activation: str, updates: str, rates: dict[str, float]) -> None:
    """Raise :class:`DsdcrnError` for an option :func:`build` cannot honour.

    ``rates`` maps each rate-like option's name (``h``, ``eta``, ...) to its value,
    which must be >= 0; the smooth activation also needs ``h`` > 0.
    """
    if len(sizes) < 2:
        raise DsdcrnError(f"kang-kim: need at least an input and an output layer, got {sizes}")
    for n in sizes:
        if not isinstance(n, int | np.integer) or n < 1:
            raise DsdcrnError(f"kang-kim: layer sizes must be positive integers, got {sizes}")
    if activation not in ACTIVATIONS:
        raise DsdcrnError(f"kang-kim: activation must be one of {ACTIVATIONS}, got {activation!r}")
    if updates not in UPDATES:
        raise DsdcrnError(f"kang-kim: updates must be one of {UPDATES}, got {updates!r}")
    for label, v in rates.items():
        if not v >= 0:
            raise DsdcrnError(f"kang-kim: {label} must be >= 0, got {v!r}")
    if activation == "smooth" and not rates["h"] > 0:
        raise DsdcrnError(f"kang-kim: the smooth activation needs h > 0, got {rates['h']!r}")


@dataclass(frozen=True)
class Layout:
    """Species names of a network with layer sizes ``sizes`` (input first).

    Layers are numbered 1 (first weights) to ``n_layers`` (the output layer); units
    from 1.  ``routed`` selects the sign-routed training reactions.
    """

    sizes: tuple[int, ...]
    routed: bool = True

    @property
    def n_layers(self) -> int:
        """Number of weight layers (layer sizes minus one)."""
        return len(self.sizes) - 1

    def unit_in(self, layer: int, i: int) -> str:
        """Input ``i`` of ``layer``: ``X<i>`` or the hidden activation ``H<layer-1>_<i>``."""
        return f"X{i}" if layer == 1 else f"H{layer - 1}_{i}"

    def pre(self, layer: int, j: int) -> str:
        """Signed pre-activation of unit ``j``: ``Z<layer>_<j>``, or ``O<j>`` at the output."""
        return f"O{j}" if layer == self.n_layers else f"Z{layer}_{j}"

    def delta(self, layer: int, j: int) -> str:
        """Signed delta of a unit (what the layer below back-propagates)."""
        return f"E{j}" if layer == self.n_layers else f"V{layer}_{j}"

    def sign_of(self, layer: int, j: int) -> str:
        """Dual-rail species whose present rail gives the delta's sign (routed)."""
        return f"E{j}" if layer == self.n_layers else f"S{layer}_{j}"

    def size_of(self, layer: int, j: int) -> str:
        """Unsigned species that settles at |delta| (routed)."""
        return f"EA{j}" if layer == self.n_layers else f"VA{layer}_{j}"


def cancel_rails(rs: ReactionSet, name: str, module: str, k_rail: float) -> None:
    """Fast rail cancellation ``<name>p + <name>m ->`` at ``k_rail`` (none when 0)."""
    if k_rail > 0:
        rs.add(rails(name), [], k_rail, module)


def decay_rails(rs: ReactionSet, name: str, into: str | None, module: str) -> None:
    """Each rail of ``name`` decays at 1, into the magnitude species ``into``."""
    for s in SIGNS:
        rs.add([rail(name, s)], [into] if into else [], 1.0, module)


def add_pre_activation(
    rs: ReactionSet,
    lay: Layout,
    layer: int,
    j: int,
    w0: np.ndarray,
    net: dict[str, dict],
    k_rail: float,
) -> None:
    """Pre-activation z_j = Σ_i w_ji u_i + b_j of unit ``j`` of ``layer`` (module
    ``forward``), recording its weights (initial ``w0[j-1]``) and bias (0) in
    ``net["initial"]`` and ``net["parameters"]``."""
    z = lay.pre(layer, j)
    initial, parameters = net["initial"], net["parameters"]
    for i in range(1, lay.sizes[layer - 1] + 1):
        w = f"W{layer}_{j}_{i}"
        parameters[w] = rails(w)
        initial[rail(w, 1)], initial[rail(w, -1)] = signed(w0[j - 1, i - 1])
        for s in SIGNS:
            rs.catalytic([rail(w, s), lay.unit_in(layer, i)], rail(z, s), 1.0, "forward")
    b = f"B{layer}_{j}"
    parameters[b] = rails(b)
    initial[rail(b, 1)], initial[rail(b, -1)] = 0.0, 0.0
    for s in SIGNS:
        rs.catalytic([rail(b, s)], rail(z, s), 1.0, "forward")
    decay_rails(rs, z, None, "forward")
    cancel_rails(rs, z, "forward", k_rail)


def add_activation(
    rs: ReactionSet,
    lay: Layout,
    layer: int,
    j: int,
    initial: dict[str, float],
    opts: dict,
) -> None:
    """Hidden unit ``j`` of ``layer``: activation and derivative (modules ``activation``,
    ``derivative``); ``opts`` holds ``activation``, ``kappa``, ``k_cancel``, ``k_switch``
    (more keys are ignored).
    The ReLU switch's ``Doff`` starts at 1 in ``initial``."""
    z, x = lay.pre(layer, j), lay.unit_in(layer + 1, j)
    if opts["activation"] == "smooth":
        smooth_activation(rs, z, x, SOURCE, "activation")
        smooth_derivative(
            rs, x, f"D{layer}_{j}", f"Q{layer}_{j}", SOURCE, "derivative", opts["kappa"]
        )
        return
    relu_activation(rs, z, x, f"Xb{layer}_{j}", "activation", opts["k_cancel"])
    relu_derivative_switch(
        rs, x, f"D{layer}_{j}", f"Doff{layer}_{j}", "derivative", opts["k_switch"]
    )
    initial[f"Doff{layer}_{j}"] = 1.0


def add_forward(
    rs: ReactionSet, lay: Layout, rng: np.random.Generator, net: dict[str, dict], opts: dict
) -> None:
    """Forward pass, layer by layer: each unit's pre-activation, then (hidden units) its
    activation and derivative; weights drawn from N(0, 1/fan_in) by ``rng``.

    ``net`` collects ``initial`` and ``parameters``; ``opts`` holds ``activation``,
    ``h``, ``kappa``, ``k_cancel``, ``k_switch`` and ``k_rail``.  The smooth
    activation's source ``Hsrc`` starts at h.
    """
    for layer in range(1, lay.n_layers + 1):
        n_in, n_out = lay.sizes[layer - 1], lay.sizes[layer]
        w0 = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        for j in range(1, n_out + 1):
            add_pre_activation(rs, lay, layer, j, w0, net, opts["k_rail"])
            if layer < lay.n_layers:
                add_activation(rs, lay, layer, j, net["initial"], opts)
    if opts["activation"] == "smooth":
        net["initial"][SOURCE] = opts["h"]


def add_error(rs: ReactionSet, lay: Layout, k_rail: float) -> None:
    """Error E_k = O_k − Y_k (module ``error``); routed, its rails decay into ``EA_k``."""
    for k in range(1, lay.sizes[-1] + 1):
        o, e = f"O{k}", f"E{k}"
        for s in SIGNS:
            rs.catalytic([rail(o, s)], rail(e, s), 1.0, "error")
        rs.catalytic([f"Y{k}"], rail(e, -1), 1.0, "error")
        decay_rails(rs, e, f"EA{k}" if lay.routed else None, "error")
        rs.add(rails(e), [], max(k_rail, 1.0), "error")
        if lay.routed:
            rs.add([f"EA{k}"], [], 1.0, "error")


def add_backprop_sums(rs: ReactionSet, lay: Layout, layer: int, j: int, k_route: float) -> None:
    """Back-propagated sum S_j of hidden unit ``j`` of ``layer`` over the units above.

    Routed: |δ_k|·|w| made by one reaction per rail of w (product species P), then
    routed to the rail of S given by the signs of w and δ_k.  Direct: four catalytic
    reactions ``W^s + δ^r -> … + S^(s·r)``.
    """
    sname = f"S{layer}_{j}"
    for k in range(1, lay.sizes[layer + 1] + 1):
        w = f"W{layer + 1}_{k}_{j}"
        if not lay.routed:
            for s in SIGNS:
                for r in SIGNS:
                    rs.catalytic(
                        [rail(w, s), rail(lay.delta(layer + 1, k), r)],
                        rail(sname, s * r),
                        1.0,
                        "backprop",
                    )
            continue
        above, prod = lay.sign_of(layer + 1, k), f"P{layer}_{j}_{k}"
        for s in SIGNS:
            rs.catalytic([lay.size_of(layer + 1, k), rail(w, s)], rail(prod, s), 1.0, "backprop")
            for r in SIGNS:
                rs.add(
                    [rail(prod, s), rail(above, r)],
                    [rail(above, r), rail(sname, s * r)],
                    k_route,
                    "backprop",
                )


def add_backprop_delta(rs: ReactionSet, lay: Layout, layer: int, j: int, k_rail: float) -> None:
    """Delta of hidden unit ``j`` of ``layer`` from its sum S_j and derivative D_j.

    Direct: signed V = σ′ S.  Routed: |S| from the rails' decay flux into SA, then
    VA = σ′ |S| (unsigned); the sign of the delta stays on the rails of S.
    """
    sname, vname, dname = f"S{layer}_{j}", f"V{layer}_{j}", f"D{layer}_{j}"
    cancel_rails(rs, sname, "backprop", k_rail)
    if not lay.routed:
        decay_rails(rs, sname, None, "backprop")
        for s in SIGNS:
            rs.catalytic([dname, rail(sname, s)], rail(vname, s), 1.0, "backprop")
        decay_rails(rs, vname, None, "backprop")
        cancel_rails(rs, vname, "backprop", k_rail)
        return
    sa, va = f"SA{layer}_{j}", f"VA{layer}_{j}"
    decay_rails(rs, sname, sa, "backprop")
    rs.add([sa], [], 1.0, "backprop")
    rs.catalytic([dname, sa], va, 1.0, "backprop")
    rs.add([va], [], 1.0, "backprop")


def add_backprop(rs: ReactionSet, lay: Layout, k_rail: float, k_route: float) -> None:
    """Back-propagated sums and deltas of every hidden unit, top layer first."""
    for layer in range(lay.n_layers - 1, 0, -1):
        for j in range(1, lay.sizes[layer] + 1):
            add_backprop_sums(rs, lay, layer, j, k_route)
            add_backprop_delta(rs, lay, layer, j, k_rail)


def add_parameter_training(
    rs: ReactionSet,
    lay: Layout,
    param: str,
    catalysts: list[str],
    unit: tuple[int, int],
    rates: tuple[float, float],
) -> None:
    """Slow reactions moving ``param`` by −η·delta·Π(catalysts) (module ``training``),
    then its rail cancellation (``weight-cancel``).

    ``unit`` is the (layer, j) whose delta drives the update; ``rates`` is
    (η, k_route).  Routed: tokens ``T<param>`` at η, routed to the rail opposite the
    delta's sign at k_route.  Direct: ``δ^s + … -> … + param^(−s)`` at η.
    """
    (layer, j), (eta, k_route) = unit, rates
    if lay.routed:
        token = f"T{param}"
        rs.catalytic([lay.size_of(layer, j), *catalysts], token, eta, "training")
        sign = lay.sign_of(layer, j)
        for s in SIGNS:
            rs.add([token, rail(sign, s)], [rail(sign, s), rail(param, -s)], k_route, "training")
    else:
        for s in SIGNS:
            rs.catalytic(
                [rail(lay.delta(layer, j), s), *catalysts], rail(param, -s), eta, "training"
            )
    rs.add(rails(param), [], 1.0, "weight-cancel")


def add_training(rs: ReactionSet, lay: Layout, eta: float, k_route: float) -> None:
    """Training reactions of every weight and bias, layer by layer."""
    rates = (eta, k_route)
    for layer in range(1, lay.n_layers + 1):
        for j in range(1, lay.sizes[layer] + 1):
            unit = (layer, j)
            for i in range(1, lay.sizes[layer - 1] + 1):
                w, u = f"W{layer}_{j}_{i}", lay.unit_in(layer, i)
                add_parameter_training(rs, lay, w, [u], unit, rates)
            add_parameter_training(rs, lay, f"B{layer}_{j}", [], unit, rates)


def transient_of(
    rs: ReactionSet, parameters: dict[str, tuple[str, str]], lay: Layout, activation: str
) -> list[str]:
    """Everything the host may reset: not the parameters, the source or the ReLU
    baseline's conserved derivative switch D + Doff (sorted)."""
    held = {r for p in parameters for r in rails(p)} | {SOURCE}
    if activation == "relu":
        held |= {
            f"{s}{layer}_{j}"
            for s in ("D", "Doff")
            for layer in range(1, lay.n_layers)
            for j in range(1, lay.sizes[layer] + 1)
        }
    return sorted({s for r in rs.reactions for s in r.reactants + r.products} - held)
