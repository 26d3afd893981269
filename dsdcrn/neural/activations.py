"""Reaction fragments that compute activations and their derivatives.

Each function adds reactions to a :class:`~dsdcrn.neural.network.ReactionSet`; all
values are in formal units.  Mass action without the ``1/m!`` factor: ``2X -> X`` at
rate k gives ``dX/dt = -k X**2``.
"""

from __future__ import annotations

import math

from dsdcrn.neural.network import ReactionSet, rails

__all__ = [
    "relu",
    "relu_activation",
    "relu_derivative",
    "relu_derivative_switch",
    "sigma",
    "sigma_prime",
    "smooth_activation",
    "smooth_derivative",
]


def sigma(z: float, h: float) -> float:
    """Kang & Kim's smooth activation σ(z) = (z + sqrt(z² + 4h)) / 2 (→ ReLU as h → 0)."""
    return 0.5 * (z + math.sqrt(z * z + 4.0 * h))


def sigma_prime(z: float, h: float) -> float:
    """dσ/dz = σ² / (σ² + h) = σ / sqrt(z² + 4h)."""
    s = sigma(z, h)
    return s * s / (s * s + h)


def smooth_activation(rs: ReactionSet, z: str, x: str, source: str, module: str) -> None:
    """X settles at σ(z) for the signed value ``z`` (rails ``zp``, ``zm``).

    Reconstructed (Kang & Kim's full text was not at hand)::

        H -> H + X          (k = 1, H held at concentration h: the constant source)
        Zp + X -> Zp + 2X   (k = 1)
        Zm + X -> Zm        (k = 1)
        2X -> X             (k = 1)

    give dx/dt = h + z·x − x², whose unique positive fixed point is σ(z) and which
    attracts every x > 0 (the right-hand side is decreasing in x past the root).
    All reactions are uni- or bimolecular.
    """
    zp, zm = rails(z)
    rs.catalytic([source], x, 1.0, module)
    rs.catalytic([zp, x], x, 1.0, module)
    rs.add([zm, x], [zm], 1.0, module)
    rs.add([x, x], [x], 1.0, module)


def smooth_derivative(
    rs: ReactionSet, x: str, d: str, aux: str, source: str, module: str, kappa: float = 5.0
) -> None:
    """D settles at σ′ = X² / (X² + h) when X = σ(z) and the source H is at h.

    The derivative network of Kang & Kim as summarised secondhand::

        2X -> 2X + D   (κ1)      D + Q -> Q    (κ2)      Q -> (κ3)
        2X -> 2X + Q   (κ4)      H -> H + Q    (κ5)

    Q* = (κ4 X² + κ5 h) / κ3 and D* = κ1 X² / (κ2 Q*); with κ5 = κ4 and
    κ4 κ2 / κ3 = κ1 this is X² / (X² + h).  Here κ1 = κ4 = κ5 = ``kappa`` and
    κ2 = κ3 = 1, so D relaxes at rate κ1 (X² + h) (per formal time unit).
    """
    rs.catalytic([x, x], d, kappa, module)
    rs.add([d, aux], [aux], 1.0, module)
    rs.add([aux], [], 1.0, module)
    rs.catalytic([x, x], aux, kappa, module)
    rs.catalytic([source], aux, kappa, module)


def relu(z: float) -> float:
    """max(z, 0)."""
    return max(z, 0.0)


def relu_derivative(z: float, k_switch: float) -> float:
    """Steady state of the switch in :func:`relu_activation`: k relu(z) / (k relu(z) + 1)."""
    r = k_switch * relu(z)
    return r / (r + 1.0)


def relu_activation(
    rs: ReactionSet, z: str, x: str, xbar: str, module: str, k_cancel: float = 100.0
) -> None:
    """Non-smooth baseline: X settles near max(z, 0) by fast rail cancellation.

    ::

        Zp -> Zp + X      Zm -> Zm + Xbar      X ->      Xbar ->     (k = 1)
        X + Xbar ->                                                   (k = k_cancel)

    X − Xbar tracks z exactly; fast annihilation leaves only the positive part, up to
    a residue of order sqrt(|Z rails| / k_cancel) around z = 0.
    """
    zp, zm = rails(z)
    rs.catalytic([zp], x, 1.0, module)
    rs.catalytic([zm], xbar, 1.0, module)
    rs.add([x], [], 1.0, module)
    rs.add([xbar], [], 1.0, module)
    rs.add([x, xbar], [], k_cancel, module)


def relu_derivative_switch(
    rs: ReactionSet, x: str, d: str, doff: str, module: str, k_switch: float = 100.0
) -> None:
    """Non-smooth baseline derivative: a switch D + Doff = 1 turned on by X.

    ``X + Doff -> X + D`` (k_switch), ``D -> Doff`` (k = 1): D* = k X / (k X + 1), a
    near-step of X (Doff must start at 1 formal unit).
    """
    rs.add([x, doff], [x, d], k_switch, module)
    rs.add([d], [doff], 1.0, module)
