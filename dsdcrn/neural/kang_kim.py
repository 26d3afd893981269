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
so V_j* = σ′(z_j) Σ_k w_kj δ_k.  Training reactions are bimolecular and slow (rate η ≪ 1,
the time-scale separation): ``δ^s + U_i -> δ^s + U_i + W^(−s)`` and
``δ^s -> δ^s + B^(−s)`` give dw/dt = −η δ u, db/dt = −η δ — gradient descent on ½|e|².
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DsdcrnError
from . import activations
from .network import NeuralCRN, ReactionSet, rail, rails, signed

__all__ = ["build"]

ACTIVATIONS = ("smooth", "relu")
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
    for label, v in (("h", h), ("eta", eta), ("kappa", kappa), ("k_cancel", k_cancel)):
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
        return f"E{j}" if layer == n_layers else f"V{layer}_{j}"

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
                rs.add([rail(z, s)], [], 1.0, "forward")
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
            rs.add([rail(e, s)], [], 1.0, "error")
        rs.catalytic([f"Y{k}"], rail(e, -1), 1.0, "error")
        rs.add(rails(e), [], 1.0, "error")

    # ---------------------------------------------------------------- backpropagation
    for layer in range(n_layers - 1, 0, -1):
        for j in range(1, sizes[layer] + 1):
            sname, vname, dname = f"S{layer}_{j}", f"V{layer}_{j}", f"D{layer}_{j}"
            for k in range(1, sizes[layer + 1] + 1):
                w = f"W{layer + 1}_{k}_{j}"
                for s in signs:
                    for r in signs:
                        rs.catalytic(
                            [rail(w, s), rail(delta(layer + 1, k), r)],
                            rail(sname, s * r),
                            1.0,
                            "backprop",
                        )
            for s in signs:
                rs.add([rail(sname, s)], [], 1.0, "backprop")
                rs.catalytic([dname, rail(sname, s)], rail(vname, s), 1.0, "backprop")
                rs.add([rail(vname, s)], [], 1.0, "backprop")

    # ---------------------------------------------------------------- training (slow)
    for layer in range(1, n_layers + 1):
        for j in range(1, sizes[layer] + 1):
            dl = delta(layer, j)
            for i in range(1, sizes[layer - 1] + 1):
                w = f"W{layer}_{j}_{i}"
                for s in signs:
                    rs.catalytic([rail(dl, s), unit_in(layer, i)], rail(w, -s), eta, "training")
                rs.add(rails(w), [], 1.0, "weight-cancel")
            b = f"B{layer}_{j}"
            for s in signs:
                rs.catalytic([rail(dl, s)], rail(b, -s), eta, "training")
            rs.add(rails(b), [], 1.0, "weight-cancel")

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
        },
    )
