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

from dsdcrn.errors import DsdcrnError
from dsdcrn.neural.network import NeuralCRN, ReactionSet, rail, rails, signed

__all__ = ["build", "expected_counts"]

NONLINEARITIES = (None, "quadratic", "cubic")
GRADIENTS = (None, "first-order", "exact")
THETAS = ("diagonal", "full")
SIGNS = (1, -1)


def _theta_entries(dim: int, theta: str) -> list[tuple[int, int]]:
    if theta == "diagonal":
        return [(i, i) for i in range(1, dim + 1)]
    return [(i, j) for i in range(1, dim + 1) for j in range(1, dim + 1)]


def _p(i: int, j: int, theta: str) -> str:
    return f"P{i}" if theta == "diagonal" else f"P{i}_{j}"


def _g(i: int, j: int, theta: str) -> str:
    """Gradient species of the parameter ``_p(i, j, theta)``."""
    return _p(i, j, theta).replace("P", "G", 1)


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
    rates = dict(h=h, lr=lr, k_nl=k_nl, k_err=k_err, k_fast=k_fast)
    check_options(dim, theta, nonlinearity, gradient, rates)
    d, rs = int(dim), ReactionSet()
    entries = _theta_entries(d, theta)
    # ---- feedforward: drive, bias, nonlinearity, cancellation
    add_drive(rs, entries, theta)
    add_bias(rs, d)
    add_nonlinearity(rs, d, nonlinearity, k_nl)
    add_z_cancel(rs, d, k_fast)
    # ---- readout O = w·z and error E = O - Y
    add_readout(rs, d)
    add_error(rs, k_err, k_fast)
    # ---- adjoint, backward and update phases
    opts = dict(rates, theta=theta, nonlinearity=nonlinearity, gradient=gradient)
    opts.update(train_output=train_output, seed=seed)
    backward = add_training(rs, entries, theta, d, opts) if gradient else ()
    return assemble(rs, d, entries, opts, backward)


def assemble(
    rs: ReactionSet,
    dim: int,
    entries: list[tuple[int, int]],
    opts: dict,
    backward: tuple[str, ...],
) -> NeuralCRN:
    """The :class:`NeuralCRN` of the reactions in ``rs``: phases, seeded initial
    parameters, transient species and metadata.

    ``opts`` holds :func:`build`'s options (``theta``, ``nonlinearity``, ``gradient``,
    ``train_output``, ``h``, ``lr``, ``seed``); ``backward`` the backward phase's modules.
    """
    theta, nonlinearity, gradient = opts["theta"], opts["nonlinearity"], opts["gradient"]
    train_output = opts["train_output"]
    initial, parameters = initial_parameters(
        dim, entries, theta, h=opts["h"], train_output=train_output, seed=opts["seed"]
    )
    meta = dict(family="nagipogu-reif", dim=dim, theta=theta, entries=entries)
    meta.update({k: opts[k] for k in ("nonlinearity", "gradient", "train_output", "h", "lr")})
    return NeuralCRN(
        name=network_name(dim, theta, nonlinearity, gradient),
        reactions=rs.reactions,
        modules=rs.modules,
        phases=phases_of(nonlinearity, gradient, train_output, backward),
        initial=initial,
        parameters=parameters,
        inputs=[f"X{j}" for j in range(1, dim + 1)],
        targets=["Y"],
        outputs=["O"],
        transient=transient_of(dim, entries, theta, gradient, train_output),
        meta=meta,
    )


def check_options(
    dim: int,
    theta: str,
    nonlinearity: str | None,
    gradient: str | None,
    rates: dict[str, float],
) -> None:
    """Raise :class:`DsdcrnError` for an option :func:`build` cannot honour.

    ``rates`` maps each rate-like option's name (``h``, ``lr``, ``k_nl``...) to its
    value, which must be >= 0.
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
    for label, v in rates.items():
        if not v >= 0:
            raise DsdcrnError(f"nagipogu-reif: {label} must be >= 0, got {v!r}")


def _product(rs: ReactionSet, a: str, b: str, out: str, module: str, flip: int = 1) -> None:
    """``a^s + b^r -> a^s + b^r + out^(flip·s·r)`` at rate 1 for all four rail pairs."""
    for s in SIGNS:
        for r in SIGNS:
            rs.catalytic([rail(a, s), rail(b, r)], rail(out, flip * s * r), 1.0, module)


def add_drive(rs: ReactionSet, entries: list[tuple[int, int]], theta: str) -> None:
    """Drive dz_i/dt += θ_ij x_j: ``P^s + X^r -> P^s + X^r + Z^(s·r)``."""
    for i, j in entries:
        _product(rs, _p(i, j, theta), f"X{j}", f"Z{i}", "drive")


def add_bias(rs: ReactionSet, dim: int) -> None:
    """Bias dz_i/dt += h: ``H^s -> H^s + Z_i^s``."""
    for i in range(1, dim + 1):
        for s in SIGNS:
            rs.catalytic([rail("H", s)], rail(f"Z{i}", s), 1.0, "bias")


def add_nonlinearity(rs: ReactionSet, dim: int, nonlinearity: str | None, k_nl: float) -> None:
    """``2Z^s -> Z^s`` (quadratic) or ``3Z^s -> 2Z^s`` (cubic) at ``k_nl``; none for None."""
    for i in range(1, dim + 1):
        for s in SIGNS:
            z = rail(f"Z{i}", s)
            if nonlinearity == "quadratic":
                rs.add([z, z], [z], k_nl, "nonlinearity")
            elif nonlinearity == "cubic":
                rs.add([z, z, z], [z, z], k_nl, "nonlinearity")


def add_z_cancel(rs: ReactionSet, dim: int, k_fast: float) -> None:
    """Rail cancellation ``Zp + Zm ->`` of every state entry at ``k_fast``."""
    for i in range(1, dim + 1):
        rs.add(rails(f"Z{i}"), [], k_fast, "z-cancel")


def add_readout(rs: ReactionSet, dim: int) -> None:
    """Readout O = w·z: ``Z^s + W^r -> … + O^(s·r)`` and ``O^s ->`` at rate 1."""
    for i in range(1, dim + 1):
        _product(rs, f"Z{i}", f"W{i}", "O", "readout")
    for s in SIGNS:
        rs.add([rail("O", s)], [], 1.0, "readout")


def add_error(rs: ReactionSet, k_err: float, k_fast: float) -> None:
    """Error E = O − Y: ``O^s -> E^s``, ``Y^(−s) -> E^s`` at ``k_err``, ``Ep + Em ->``."""
    for s in SIGNS:
        rs.add([rail("O", s)], [rail("E", s)], k_err, "error")
        rs.add([rail("Y", -s)], [rail("E", s)], k_err, "error")
    rs.add(rails("E"), [], k_fast, "error")


def add_adjoint_init(rs: ReactionSet, dim: int) -> None:
    """Adjoint initialisation A_i = e·w_i: ``E^s + W_i^r -> … + A_i^(s·r)``, ``A_i^s ->``."""
    for i in range(1, dim + 1):
        for s in SIGNS:
            for r in SIGNS:
                rs.catalytic(
                    [rail("E", s), rail(f"W{i}", r)], rail(f"A{i}", s * r), 1.0, "adjoint-init"
                )
            rs.add([rail(f"A{i}", s)], [], 1.0, "adjoint-init")


def add_output_gradient(rs: ReactionSet, dim: int) -> None:
    """Output-weight gradient M_i = e·z_i: ``E^s + Z_i^r -> … + M_i^(s·r)``, ``M_i^s ->``."""
    for i in range(1, dim + 1):
        for s in SIGNS:
            for r in SIGNS:
                rs.catalytic(
                    [rail("E", s), rail(f"Z{i}", r)], rail(f"M{i}", s * r), 1.0, "output-gradient"
                )
            rs.add([rail(f"M{i}", s)], [], 1.0, "output-gradient")


def add_gradient(rs: ReactionSet, entries: list[tuple[int, int]], theta: str) -> None:
    """Gradient dG_ij/ds = a_i x_j: ``A_i^s + X_j^r -> … + G_ij^(s·r)``."""
    for i, j in entries:
        _product(rs, f"A{i}", f"X{j}", _g(i, j, theta), "gradient")


def add_reversal(
    rs: ReactionSet,
    entries: list[tuple[int, int]],
    theta: str,
    dim: int,
    nonlinearity: str | None,
    k_nl: float,
) -> None:
    """State reversal dz/ds = −f: drive and bias with the product rail flipped, and the
    quadratic decay reversed (``2Z^s -> 3Z^s`` at ``k_nl``)."""
    for i, j in entries:
        _product(rs, _p(i, j, theta), f"X{j}", f"Z{i}", "reversal", flip=-1)
    for i in range(1, dim + 1):
        for s in SIGNS:
            rs.catalytic([rail("H", s)], rail(f"Z{i}", -s), 1.0, "reversal")
            if nonlinearity == "quadratic":
                z = rail(f"Z{i}", s)
                rs.add([z, z], [z, z, z], k_nl, "reversal")


def add_adjoint_dynamics(rs: ReactionSet, dim: int, k_nl: float, k_fast: float) -> None:
    """Adjoint dynamics da_i/ds = −2k|z_i| a_i (df_i/dz_i = −2k|z_i|, rails exclusive),
    then ``Ap + Am ->`` at ``k_fast``."""
    for i in range(1, dim + 1):
        for s in SIGNS:
            for r in SIGNS:
                a = rail(f"A{i}", s)
                rs.add(
                    [a, rail(f"Z{i}", r)],
                    [a, rail(f"Z{i}", r), rail(f"A{i}", -s)],
                    2.0 * k_nl,
                    "adjoint-dynamics",
                )
        rs.add(rails(f"A{i}"), [], k_fast, "adjoint-dynamics")


def add_update(
    rs: ReactionSet,
    pairs: list[tuple[str, str]],
    lr: float,
    k_fast: float,
) -> None:
    """Update p ← p − η/(1+η)·g for each (gradient, parameter) pair, then cancel the
    parameter's rails: ``G^s -> P^(−s)`` at η/(1+η), ``G^s ->`` at 1/(1+η), ``Pp + Pm ->``."""
    k1, k2 = lr / (1.0 + lr), 1.0 / (1.0 + lr)
    for g, p in pairs:
        for s in SIGNS:
            rs.add([rail(g, s)], [rail(p, -s)], k1, "update")
            rs.add([rail(g, s)], [], k2, "update")
        rs.add(rails(p), [], k_fast, "param-cancel")


def add_training(
    rs: ReactionSet,
    entries: list[tuple[int, int]],
    theta: str,
    dim: int,
    opts: dict,
) -> tuple[str, ...]:
    """The adjoint, backward and update modules of ``gradient`` (``opts`` holds
    ``gradient``, ``nonlinearity``, ``train_output``, ``lr``, ``k_nl``, ``k_fast``; more
    keys are ignored).

    Returns the modules of the backward phase, in order.
    """
    add_adjoint_init(rs, dim)
    if opts["train_output"]:
        add_output_gradient(rs, dim)
    add_gradient(rs, entries, theta)
    backward = ["gradient"]
    if opts["gradient"] == "exact":
        add_reversal(rs, entries, theta, dim, opts["nonlinearity"], opts["k_nl"])
        backward += ["reversal", "z-cancel"]
        if opts["nonlinearity"] == "quadratic":
            add_adjoint_dynamics(rs, dim, opts["k_nl"], opts["k_fast"])
            backward.append("adjoint-dynamics")
    pairs = [(_g(i, j, theta), _p(i, j, theta)) for i, j in entries]
    if opts["train_output"]:
        pairs += [(f"M{i}", f"W{i}") for i in range(1, dim + 1)]
    add_update(rs, pairs, opts["lr"], opts["k_fast"])
    return tuple(backward)


def phases_of(
    nonlinearity: str | None,
    gradient: str | None,
    train_output: bool,
    backward: tuple[str, ...] = (),
) -> dict[str, tuple[str, ...]]:
    """Phase name -> its modules; the training phases only with a ``gradient``."""
    phases: dict[str, tuple[str, ...]] = {
        "feedforward": ("drive", "bias")
        + (("nonlinearity",) if nonlinearity else ())
        + ("z-cancel",),
        "readout": ("readout",),
        "error": ("error",),
    }
    if gradient:
        phases["adjoint"] = ("adjoint-init",) + (("output-gradient",) if train_output else ())
        phases["backward"] = backward
        phases["update"] = ("update", "param-cancel")
    return phases


def transient_of(
    dim: int, entries: list[tuple[int, int]], theta: str, gradient: str | None, train_output: bool
) -> list[str]:
    """Species the host resets between samples: Z, O, E and, with training, A, G, M."""
    idx = range(1, dim + 1)
    transient = [s for i in idx for s in rails(f"Z{i}")] + [*rails("O"), *rails("E")]
    if gradient:
        transient += [s for i in idx for s in rails(f"A{i}")]
        transient += [s for i, j in entries for s in rails(_g(i, j, theta))]
        if train_output:
            transient += [s for i in idx for s in rails(f"M{i}")]
    return transient


def initial_parameters(
    dim: int,
    entries: list[tuple[int, int]],
    theta: str,
    *,
    h: float,
    train_output: bool,
    seed: int,
) -> tuple[dict[str, float], dict[str, tuple[str, str]]]:
    """Initial concentrations (formal units) and the trainable parameters' rails.

    θ ~ |N(0, 1)|/√d seeded by ``seed``, w = 1, H = h.
    """
    rng = np.random.default_rng(seed)
    theta0 = np.abs(rng.standard_normal(len(entries))) / np.sqrt(dim)
    initial: dict[str, float] = {}
    parameters: dict[str, tuple[str, str]] = {}
    for (i, j), v in zip(entries, theta0, strict=True):
        p = _p(i, j, theta)
        initial[rail(p, 1)], initial[rail(p, -1)] = signed(v)
        parameters[p] = rails(p)
    for i in range(1, dim + 1):
        initial[rail(f"W{i}", 1)], initial[rail(f"W{i}", -1)] = 1.0, 0.0
        if train_output:
            parameters[f"W{i}"] = rails(f"W{i}")
    initial["Hp"], initial["Hm"] = signed(h)
    return initial, parameters


def network_name(dim: int, theta: str, nonlinearity: str | None, gradient: str | None) -> str:
    """``nagipogu-reif-d<dim>[-full][-<nonlinearity>][-<gradient>]``."""
    name = f"nagipogu-reif-d{dim}" + ("-full" if theta == "full" else "")
    if nonlinearity:
        name += f"-{nonlinearity}"
    if gradient:
        name += f"-{gradient}"
    return name


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
