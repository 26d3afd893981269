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

import numpy as np

from ..errors import DsdcrnError
from . import activations
from .network import NeuralCRN, ReactionSet, rail, rails, signed

__all__ = ["build"]

ACTIVATIONS = ("smooth", "relu")
UPDATES = ("routed", "direct")
SOURCE = "Hsrc"  # constant source species held at h


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
    if len(sizes) < 2:
        raise DsdcrnError(f"kang-kim: need at least an input and an output layer, got {sizes}")
    for n in sizes:
        if not isinstance(n, int | np.integer) or n < 1:
            raise DsdcrnError(f"kang-kim: layer sizes must be positive integers, got {sizes}")
    if activation not in ACTIVATIONS:
        raise DsdcrnError(f"kang-kim: activation must be one of {ACTIVATIONS}, got {activation!r}")
    if updates not in UPDATES:
        raise DsdcrnError(f"kang-kim: updates must be one of {UPDATES}, got {updates!r}")
    rates = (("h", h), ("eta", eta), ("kappa", kappa), ("k_cancel", k_cancel))
    rates += (("k_rail", k_rail), ("k_route", k_route))
    for label, v in rates:
        if not v >= 0:
            raise DsdcrnError(f"kang-kim: {label} must be >= 0, got {v!r}")
    if activation == "smooth" and not h > 0:
        raise DsdcrnError(f"kang-kim: the smooth activation needs h > 0, got {h!r}")

    rs = ReactionSet()
    signs = (1, -1)
    n_layers = len(sizes) - 1
    rng = np.random.default_rng(seed)
    initial: dict[str, float] = {}
    parameters: dict[str, tuple[str, str]] = {}

    def unit_in(layer: int, i: int) -> str:
        return f"X{i}" if layer == 1 else f"H{layer - 1}_{i}"

    def pre(layer: int, j: int) -> str:
        return f"O{j}" if layer == n_layers else f"Z{layer}_{j}"

    def delta(layer: int, j: int) -> str:
        """Signed delta of a unit (what the layer below back-propagates)."""
        return f"E{j}" if layer == n_layers else f"V{layer}_{j}"

    def sign_of(layer: int, j: int) -> str:
        """Dual-rail species whose present rail gives the delta's sign (routed)."""
        return f"E{j}" if layer == n_layers else f"S{layer}_{j}"

    def size_of(layer: int, j: int) -> str:
        """Unsigned species that settles at |delta| (routed)."""
        return f"EA{j}" if layer == n_layers else f"VA{layer}_{j}"

    routed = updates == "routed"

    def cancel(name: str, module: str) -> None:
        if k_rail > 0:
            rs.add(rails(name), [], k_rail, module)

    def decay_rails(name: str, into: str | None, module: str) -> None:
        """Each rail of ``name`` decays at 1, into the magnitude species ``into``."""
        for s in signs:
            rs.add([rail(name, s)], [into] if into else [], 1.0, module)

    # ---------------------------------------------------------------- forward pass
    for layer in range(1, n_layers + 1):
        n_in, n_out = sizes[layer - 1], sizes[layer]
        w0 = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        for j in range(1, n_out + 1):
            z = pre(layer, j)
            for i in range(1, n_in + 1):
                w = f"W{layer}_{j}_{i}"
                parameters[w] = rails(w)
                initial[rail(w, 1)], initial[rail(w, -1)] = signed(w0[j - 1, i - 1])
                for s in signs:
                    rs.catalytic([rail(w, s), unit_in(layer, i)], rail(z, s), 1.0, "forward")
            b = f"B{layer}_{j}"
            parameters[b] = rails(b)
            initial[rail(b, 1)], initial[rail(b, -1)] = 0.0, 0.0
            for s in signs:
                rs.catalytic([rail(b, s)], rail(z, s), 1.0, "forward")
            decay_rails(z, None, "forward")
            cancel(z, "forward")
            if layer < n_layers:
                x = unit_in(layer + 1, j)
                if activation == "smooth":
                    activations.smooth_activation(rs, z, x, SOURCE, "activation")
                    activations.smooth_derivative(
                        rs, x, f"D{layer}_{j}", f"Q{layer}_{j}", SOURCE, "derivative", kappa
                    )
                else:
                    activations.relu_activation(rs, z, x, f"Xb{layer}_{j}", "activation", k_cancel)
                    activations.relu_derivative_switch(
                        rs, x, f"D{layer}_{j}", f"Doff{layer}_{j}", "derivative", k_switch
                    )
                    initial[f"Doff{layer}_{j}"] = 1.0
    if activation == "smooth":
        initial[SOURCE] = h

    # ---------------------------------------------------------------- error
    for k in range(1, sizes[-1] + 1):
        o, e = f"O{k}", f"E{k}"
        for s in signs:
            rs.catalytic([rail(o, s)], rail(e, s), 1.0, "error")
        rs.catalytic([f"Y{k}"], rail(e, -1), 1.0, "error")
        decay_rails(e, f"EA{k}" if routed else None, "error")
        rs.add(rails(e), [], max(k_rail, 1.0), "error")
        if routed:
            rs.add([f"EA{k}"], [], 1.0, "error")

    # ---------------------------------------------------------------- backpropagation
    for layer in range(n_layers - 1, 0, -1):
        for j in range(1, sizes[layer] + 1):
            sname, vname, dname = f"S{layer}_{j}", f"V{layer}_{j}", f"D{layer}_{j}"
            for k in range(1, sizes[layer + 1] + 1):
                w = f"W{layer + 1}_{k}_{j}"
                if routed:
                    # |δ_k|·|w| made by one reaction per rail of w, then routed to the
                    # rail of S given by the signs of w and δ_k (product species P)
                    above, prod = sign_of(layer + 1, k), f"P{layer}_{j}_{k}"
                    for s in signs:
                        rs.catalytic(
                            [size_of(layer + 1, k), rail(w, s)], rail(prod, s), 1.0, "backprop"
                        )
                        for r in signs:
                            rs.add(
                                [rail(prod, s), rail(above, r)],
                                [rail(above, r), rail(sname, s * r)],
                                k_route,
                                "backprop",
                            )
                    continue
                for s in signs:
                    for r in signs:
                        rs.catalytic(
                            [rail(w, s), rail(delta(layer + 1, k), r)],
                            rail(sname, s * r),
                            1.0,
                            "backprop",
                        )
            cancel(sname, "backprop")
            if not routed:
                decay_rails(sname, None, "backprop")
                for s in signs:
                    rs.catalytic([dname, rail(sname, s)], rail(vname, s), 1.0, "backprop")
                decay_rails(vname, None, "backprop")
                cancel(vname, "backprop")
                continue
            # |S| from the rails' decay flux, then VA = σ′ |S| (unsigned); the sign of
            # the delta stays on the rails of S
            sa, va = f"SA{layer}_{j}", f"VA{layer}_{j}"
            decay_rails(sname, sa, "backprop")
            rs.add([sa], [], 1.0, "backprop")
            rs.catalytic([dname, sa], va, 1.0, "backprop")
            rs.add([va], [], 1.0, "backprop")

    # ---------------------------------------------------------------- training (slow)
    def train(param: str, catalysts: list[str], layer: int, j: int) -> None:
        """Slow reactions moving ``param`` by −η·delta·Π(catalysts)."""
        if routed:
            token = f"T{param}"
            rs.catalytic([size_of(layer, j), *catalysts], token, eta, "training")
            sign = sign_of(layer, j)
            for s in signs:
                rs.add(
                    [token, rail(sign, s)], [rail(sign, s), rail(param, -s)], k_route, "training"
                )
        else:
            for s in signs:
                rs.catalytic(
                    [rail(delta(layer, j), s), *catalysts], rail(param, -s), eta, "training"
                )
        rs.add(rails(param), [], 1.0, "weight-cancel")

    for layer in range(1, n_layers + 1):
        for j in range(1, sizes[layer] + 1):
            for i in range(1, sizes[layer - 1] + 1):
                train(f"W{layer}_{j}_{i}", [unit_in(layer, i)], layer, j)
            train(f"B{layer}_{j}", [], layer, j)

    phases = {
        "inference": ("forward", "activation"),
        "settle": ("forward", "activation", "derivative", "error", "backprop"),
    }
    # Transient: everything the host may reset (not parameters, the source or the
    # baseline's conserved derivative switch D + Doff).
    held = {r for p in parameters for r in rails(p)} | {SOURCE}
    if activation == "relu":
        held |= {
            f"{s}{layer}_{j}"
            for s in ("D", "Doff")
            for layer in range(1, n_layers)
            for j in range(1, sizes[layer] + 1)
        }
    transient = sorted({s for r in rs.reactions for s in r.reactants + r.products} - held)
    name = "kang-kim-" + "-".join(map(str, sizes)) + ("" if activation == "smooth" else "-relu")
    return NeuralCRN(
        name=name,
        reactions=rs.reactions,
        modules=rs.modules,
        phases=phases,
        initial=initial,
        parameters=parameters,
        inputs=[f"X{i}" for i in range(1, sizes[0] + 1)],
        targets=[f"Y{k}" for k in range(1, sizes[-1] + 1)],
        outputs=[f"O{k}" for k in range(1, sizes[-1] + 1)],
        transient=transient,
        meta={
            "family": "kang-kim",
            "layers": sizes,
            "activation": activation,
            "h": h,
            "eta": eta,
            "kappa": kappa,
            "k_rail": k_rail,
            "updates": updates,
            "k_route": k_route,
        },
    )
