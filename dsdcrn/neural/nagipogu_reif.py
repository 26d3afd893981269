"""Nagipogu & Reif, *Neural CRNs* (arXiv 2409.00034): a neural ODE in concentrations.

The state z (dimension d) starts at the augmented input x and evolves for a time T as
dz_i/dt = Σ_j θ_ij x_j + h − k z_i|z_i| (the last term only with the quadratic
nonlinearity); the output is ŷ = w·z(T), the error e = ŷ − y.  Every signed value is
a dual-rail pair; a catalytic reaction on rails (s, r) makes the (s·r) rail of its
product.  Training computes the gradient of ½e² and updates θ ← θ − η/(1+η)·g.

Module list as in the reference code (rajiv256/NeuralCRNGen), written from its
description; rate constants in formal units (k = 1 unless stated).
"""

from __future__ import annotations

import numpy as np

from ..errors import DsdcrnError
from .network import NeuralCRN, ReactionSet, rail, rails, signed

__all__ = ["build", "expected_counts"]

NONLINEARITIES = (None, "quadratic", "cubic")
GRADIENTS = (None, "first-order", "exact")
THETAS = ("diagonal", "full")


def _theta_entries(dim: int, theta: str) -> list[tuple[int, int]]:
    if theta == "diagonal":
        return [(i, i) for i in range(1, dim + 1)]
    return [(i, j) for i in range(1, dim + 1) for j in range(1, dim + 1)]


def _p(i: int, j: int, theta: str) -> str:
    return f"P{i}" if theta == "diagonal" else f"P{i}_{j}"


def build(
    dim: int = 2,
    *,
    theta: str = "diagonal",
    nonlinearity: str | None = None,
    gradient: str | None = "first-order",
    train_output: bool = False,
    h: float = 0.1,
    lr: float = 0.1,
    k_nl: float = 1.0,
    k_err: float = 10.0,
    k_fast: float = 100.0,
    seed: int = 0,
) -> NeuralCRN:
    """Build the Nagipogu-Reif neural CRN for state dimension ``dim``.

    Parameters
    ----------
    dim : int
        State dimension d (inputs plus augmentation entries), >= 1.
    theta : {"diagonal", "full"}
        θ diagonal (d parameters, the regression models) or full (d² parameters).
    nonlinearity : {None, "quadratic", "cubic"}
        ``2Z^s -> Z^s`` at ``k_nl`` (f gains −k·z|z|) or the trimolecular
        ``3Z^s -> 2Z^s`` (f gains −k·z³; marked ``trimolecular``).
    gradient : {None, "first-order", "exact"}
        No training, the first-order approximation g_ij ≈ T·e·w_i·x_j (no state
        reversal, no adjoint dynamics), or the exact adjoint (state reversal and
        adjoint dynamics; quadratic or no nonlinearity).
    train_output : bool
        Also train the output weights w (gradient e·z_i).  The paper kept w = 1.
    h : float
        Bias drive (formal units per time unit), the concentration of H⁺.
    lr : float
        η; the update reactions run at η/(1+η) and 1/(1+η) per time unit.
    k_nl, k_err, k_fast : float
        Rate constants of the nonlinearity, the error module and rail cancellation.
    seed : int
        Seed of the initial θ ~ |N(0, 1)|/√d (the reference's initialisation).

    Returns
    -------
    NeuralCRN
        Phases ``feedforward``, ``readout``, ``error`` and, with a gradient,
        ``adjoint``, ``backward`` and ``update``.
    """
    if not isinstance(dim, int | np.integer) or dim < 1:
        raise DsdcrnError(f"nagipogu-reif: dimension must be a positive integer, got {dim!r}")
    if theta not in THETAS:
        raise DsdcrnError(f"nagipogu-reif: theta must be one of {THETAS}, got {theta!r}")
    if nonlinearity not in NONLINEARITIES:
        raise DsdcrnError(
            f"nagipogu-reif: nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}"
        )
    if gradient not in GRADIENTS:
        raise DsdcrnError(f"nagipogu-reif: gradient must be one of {GRADIENTS}, got {gradient!r}")
    if gradient == "exact" and nonlinearity == "cubic":
        raise DsdcrnError(
            "nagipogu-reif: the exact adjoint of the cubic nonlinearity needs a "
            "4-molecular reaction; use gradient='first-order' or nonlinearity='quadratic'"
        )
    for label, v in (("h", h), ("lr", lr), ("k_nl", k_nl), ("k_err", k_err), ("k_fast", k_fast)):
        if not v >= 0:
            raise DsdcrnError(f"nagipogu-reif: {label} must be >= 0, got {v!r}")

    d = int(dim)
    idx = range(1, d + 1)
    entries = _theta_entries(d, theta)
    rs = ReactionSet()
    signs = (1, -1)

    # ---- feedforward: drive, bias, nonlinearity, cancellation
    for i, j in entries:
        for s in signs:
            for r in signs:
                p, x = rail(_p(i, j, theta), s), rail(f"X{j}", r)
                rs.catalytic([p, x], rail(f"Z{i}", s * r), 1.0, "drive")
    for i in idx:
        for s in signs:
            rs.catalytic([rail("H", s)], rail(f"Z{i}", s), 1.0, "bias")
    for i in idx:
        for s in signs:
            z = rail(f"Z{i}", s)
            if nonlinearity == "quadratic":
                rs.add([z, z], [z], k_nl, "nonlinearity")
            elif nonlinearity == "cubic":
                rs.add([z, z, z], [z, z], k_nl, "nonlinearity")
    for i in idx:
        rs.add(rails(f"Z{i}"), [], k_fast, "z-cancel")

    # ---- readout O = w·z and error E = O - Y
    for i in idx:
        for s in signs:
            for r in signs:
                rs.catalytic([rail(f"Z{i}", s), rail(f"W{i}", r)], rail("O", s * r), 1.0, "readout")
    for s in signs:
        rs.add([rail("O", s)], [], 1.0, "readout")
    for s in signs:
        rs.add([rail("O", s)], [rail("E", s)], k_err, "error")
        rs.add([rail("Y", -s)], [rail("E", s)], k_err, "error")
    rs.add(rails("E"), [], k_fast, "error")

    phases: dict[str, tuple[str, ...]] = {
        "feedforward": ("drive", "bias")
        + (("nonlinearity",) if nonlinearity else ())
        + ("z-cancel",),
        "readout": ("readout",),
        "error": ("error",),
    }
    transient = [s for i in idx for s in rails(f"Z{i}")] + [*rails("O"), *rails("E")]

    if gradient:
        # adjoint initialisation A_i = e·w_i (and output-weight gradient M_i = e·z_i)
        for i in idx:
            for s in signs:
                for r in signs:
                    rs.catalytic(
                        [rail("E", s), rail(f"W{i}", r)], rail(f"A{i}", s * r), 1.0, "adjoint-init"
                    )
                rs.add([rail(f"A{i}", s)], [], 1.0, "adjoint-init")
        if train_output:
            for i in idx:
                for s in signs:
                    for r in signs:
                        rs.catalytic(
                            [rail("E", s), rail(f"Z{i}", r)],
                            rail(f"M{i}", s * r),
                            1.0,
                            "output-gradient",
                        )
                    rs.add([rail(f"M{i}", s)], [], 1.0, "output-gradient")
        # gradient dG_ij/ds = a_i x_j
        for i, j in entries:
            g = _p(i, j, theta).replace("P", "G", 1)
            for s in signs:
                for r in signs:
                    rs.catalytic(
                        [rail(f"A{i}", s), rail(f"X{j}", r)], rail(g, s * r), 1.0, "gradient"
                    )
        backward = ["gradient"]
        if gradient == "exact":
            # state reversal dz/ds = -f
            for i, j in entries:
                for s in signs:
                    for r in signs:
                        p, x = rail(_p(i, j, theta), s), rail(f"X{j}", r)
                        rs.catalytic([p, x], rail(f"Z{i}", -s * r), 1.0, "reversal")
            for i in idx:
                for s in signs:
                    rs.catalytic([rail("H", s)], rail(f"Z{i}", -s), 1.0, "reversal")
                    if nonlinearity == "quadratic":
                        z = rail(f"Z{i}", s)
                        rs.add([z, z], [z, z, z], k_nl, "reversal")
            backward += ["reversal", "z-cancel"]
            if nonlinearity == "quadratic":
                # da_i/ds = -2k|z_i| a_i (df_i/dz_i = -2k|z_i|, rails exclusive)
                for i in idx:
                    for s in signs:
                        for r in signs:
                            a = rail(f"A{i}", s)
                            rs.add(
                                [a, rail(f"Z{i}", r)],
                                [a, rail(f"Z{i}", r), rail(f"A{i}", -s)],
                                2.0 * k_nl,
                                "adjoint-dynamics",
                            )
                    rs.add(rails(f"A{i}"), [], k_fast, "adjoint-dynamics")
                backward.append("adjoint-dynamics")
        # update θ <- θ - η/(1+η) g, w likewise; then cancel parameter rails
        k1, k2 = lr / (1.0 + lr), 1.0 / (1.0 + lr)
        for i, j in entries:
            g, p = _p(i, j, theta).replace("P", "G", 1), _p(i, j, theta)
            for s in signs:
                rs.add([rail(g, s)], [rail(p, -s)], k1, "update")
                rs.add([rail(g, s)], [], k2, "update")
            rs.add(rails(p), [], k_fast, "param-cancel")
        if train_output:
            for i in idx:
                for s in signs:
                    rs.add([rail(f"M{i}", s)], [rail(f"W{i}", -s)], k1, "update")
                    rs.add([rail(f"M{i}", s)], [], k2, "update")
                rs.add(rails(f"W{i}"), [], k_fast, "param-cancel")
        phases["adjoint"] = ("adjoint-init",) + (("output-gradient",) if train_output else ())
        phases["backward"] = tuple(backward)
        phases["update"] = ("update", "param-cancel")
        transient += [s for i in idx for s in rails(f"A{i}")]
        transient += [s for i, j in entries for s in rails(_p(i, j, theta).replace("P", "G", 1))]
        if train_output:
            transient += [s for i in idx for s in rails(f"M{i}")]

    rng = np.random.default_rng(seed)
    theta0 = np.abs(rng.standard_normal(len(entries))) / np.sqrt(d)
    initial: dict[str, float] = {}
    parameters: dict[str, tuple[str, str]] = {}
    for (i, j), v in zip(entries, theta0, strict=True):
        p = _p(i, j, theta)
        initial[rail(p, 1)], initial[rail(p, -1)] = signed(v)
        parameters[p] = rails(p)
    for i in idx:
        initial[rail(f"W{i}", 1)], initial[rail(f"W{i}", -1)] = 1.0, 0.0
        if train_output:
            parameters[f"W{i}"] = rails(f"W{i}")
    initial["Hp"], initial["Hm"] = signed(h)

    name = f"nagipogu-reif-d{d}" + ("-full" if theta == "full" else "")
    if nonlinearity:
        name += f"-{nonlinearity}"
    if gradient:
        name += f"-{gradient}"
    return NeuralCRN(
        name=name,
        reactions=rs.reactions,
        modules=rs.modules,
        phases=phases,
        initial=initial,
        parameters=parameters,
        inputs=[f"X{j}" for j in idx],
        targets=["Y"],
        outputs=["O"],
        transient=transient,
        meta={
            "family": "nagipogu-reif",
            "dim": d,
            "theta": theta,
            "entries": entries,
            "nonlinearity": nonlinearity,
            "gradient": gradient,
            "train_output": train_output,
            "h": h,
            "lr": lr,
        },
    )


def expected_counts(
    dim: int,
    theta: str = "diagonal",
    nonlinearity: str | None = None,
    gradient: str | None = "first-order",
    train_output: bool = False,
) -> dict[str, int]:
    """Species and reaction counts as closed-form functions of d.

    n_θ = d (diagonal) or d² (full).  Reactions: drive 4n_θ, bias 2d, nonlinearity 2d,
    cancellation d, readout 4d + 2, error 5; adjoint init 6d; gradient 4n_θ; update
    2n_θ·2 + n_θ; exact mode adds reversal 4n_θ + 2d (+ 2d quadratic) and adjoint
    dynamics 5d; output training 6d + 5d.  Species: X, Z, A, W, M rails (2d each), P
    and G rails (2n_θ each), H, O, Y, E rails.
    """
    n = dim if theta == "diagonal" else dim * dim
    nl = 2 * dim if nonlinearity else 0
    reactions = 4 * n + 2 * dim + nl + dim + (4 * dim + 2) + 5
    species = 2 * dim + 2 * dim + 2 * n + 2 * dim + 8  # X, Z, P, W, H/O/Y/E
    if gradient:
        reactions += 6 * dim + 4 * n + 5 * n
        species += 2 * dim + 2 * n  # A, G
        if gradient == "exact":
            reactions += 4 * n + 2 * dim + (2 * dim if nonlinearity else 0)
            reactions += 5 * dim if nonlinearity else 0
        if train_output:
            reactions += 6 * dim + 5 * dim
            species += 2 * dim  # M
    return {"species": species, "reactions": reactions}
