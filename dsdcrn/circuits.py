"""Built-in reference circuits."""

from __future__ import annotations

from .crn import CRN, parse_crn


def nagipogu_reif_neuron(
    theta: float = 0.8,
    x: float = -0.5,
    h: float = 0.1,
    w: float = 1.0,
    unit_nM: float = 10.0,
) -> CRN:
    """Feedforward module of one Nagipogu-Reif dual-rail linear neuron, input dimension 1.

    Computes z' = theta*x + h and o -> w*z with every signed value a pair
    (``Vp``, ``Vm``), v = vp - vm.  All rate constants are 1 in formal units (one
    formal unit = ``unit_nM`` nM).  Initial concentrations (nM) encode the parameters
    and input: each rail is set so that its value is the positive or negative part,
    plus a common offset of 0.2 units on the parameter rails, so both rails are used.
    """
    text = [
        "# Nagipogu & Reif neural CRN: feedforward module of one linear neuron, d = 1",
        "# drive: P^s + X^r -> P^s + X^r + Z^(s*r)",
        "Pp + Xp -> Pp + Xp + Zp",
        "Pp + Xm -> Pp + Xm + Zm",
        "Pm + Xp -> Pm + Xp + Zm",
        "Pm + Xm -> Pm + Xm + Zp",
        "# bias: H^s -> H^s + Z^s",
        "Hp -> Hp + Zp",
        "Hm -> Hm + Zm",
        "# rail cancellation",
        "Zp + Zm ->",
        "# readout: Z^s + W^r -> Z^s + W^r + O^(s*r); O^s ->",
        "Zp + Wp -> Zp + Wp + Op",
        "Zp + Wm -> Zp + Wm + Om",
        "Zm + Wp -> Zm + Wp + Om",
        "Zm + Wm -> Zm + Wm + Op",
        "Op ->",
        "Om ->",
    ]

    def rails(v: float, offset: float) -> tuple[float, float]:
        return max(v, 0.0) + offset, max(-v, 0.0) + offset

    init = {}
    for name, value, off in (("P", theta, 0.2), ("X", x, 0.0), ("H", h, 0.0), ("W", w, 0.2)):
        p, m = rails(value, off)
        init[f"{name}p"], init[f"{name}m"] = p, m
    for s, v in init.items():
        if v > 0:
            text.append(f"{s} @initial {v * unit_nM:g} nM")
    return parse_crn(
        "\n".join(text) + "\n", source="<nagipogu-reif-neuron-d1>", name="nagipogu_reif_neuron_d1"
    )


DEFAULT = "nagipogu_reif_neuron_d1"
