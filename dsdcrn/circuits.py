"""Built-in reference circuits."""

from __future__ import annotations

from dsdcrn.errors import DsdcrnError
from dsdcrn.model.crn import CRN, Reaction, parse_crn
from dsdcrn.neural import nagipogu_reif
from dsdcrn.neural.network import rail, signed
from dsdcrn.options import UNIT_NM

#: Phases of the Nagipogu-Reif builder (d = 1, no training) the neuron circuit keeps.
NEURON_PHASES = ("feedforward", "readout")
#: Common offset (formal units) on both rails of the parameters θ and w.
RAIL_OFFSET = 0.2
#: The d = 1 builder's signed values -> the neuron circuit's names (index dropped).
D1_NAMES = {"P1": "P", "X1": "X", "Z1": "Z", "W1": "W"}


def d1_name(species: str) -> str:
    """The neuron circuit's name of a d = 1 builder rail species (``P1p`` -> ``Pp``)."""
    value, suffix = species[:-1], species[-1:]
    return D1_NAMES[value] + suffix if value in D1_NAMES else species


def neuron_reactions(k_fast: float = 1.0) -> list[Reaction]:
    """Reactions of the :data:`NEURON_PHASES` of the d = 1 Nagipogu-Reif network.

    Built by :func:`dsdcrn.neural.nagipogu_reif.build` with ``dim=1`` and no gradient:
    every rate constant is 1 (formal units) but the rail cancellation ``Zm + Zp ->``'s,
    ``k_fast`` (the builder's own default is 100); species renamed by :func:`d1_name`.
    """
    net = nagipogu_reif.build(1, gradient=None, k_fast=k_fast)
    keep = {m for phase in NEURON_PHASES for m in net.phases[phase]}
    return [
        Reaction(tuple(map(d1_name, r.reactants)), tuple(map(d1_name, r.products)), r.rate)
        for r, m in zip(net.reactions, net.modules, strict=True)
        if m in keep
    ]


def nagipogu_reif_neuron(
    theta: float = 0.8,
    x: float = -0.5,
    h: float = 0.1,
    w: float = 1.0,
    unit_nM: float = UNIT_NM,
    k_fast: float = 1.0,
) -> CRN:
    """Feedforward module of one Nagipogu-Reif dual-rail linear neuron, input dimension 1.

    Computes z' = theta*x + h and o -> w*z with every signed value a pair
    (``Vp``, ``Vm``), v = vp - vm: the feedforward and readout phases of the
    Nagipogu-Reif builder (:func:`neuron_reactions`).  All rate constants are 1 in
    formal units (one formal unit = ``unit_nM`` nM), but the rail cancellation's,
    ``k_fast`` (the paper's fast reactions run at 100).  Initial concentrations (nM)
    encode the parameters and input: each rail is set so that its value is the
    positive or negative part, plus a common offset of :data:`RAIL_OFFSET` units on
    the parameter rails, so both rails are used.  The CRN is read back from its text
    form, so it is what reading ``dsdcrn default``'s output gives.
    """
    initial: dict[str, float] = {}
    for name, value, offset in (
        ("P", theta, RAIL_OFFSET),
        ("X", x, 0.0),
        ("H", h, 0.0),
        ("W", w, RAIL_OFFSET),
    ):
        for sign, part in zip((1, -1), signed(value), strict=True):
            if part + offset > 0:
                initial[rail(name, sign)] = (part + offset) * unit_nM
    name, source = "nagipogu_reif_neuron_d1", "<nagipogu-reif-neuron-d1>"
    crn = CRN(reactions=neuron_reactions(k_fast), initial=initial, name=name, source=source)
    return parse_crn(crn.to_text(), source=source, name=name)


DEFAULT = "nagipogu_reif_neuron_d1"


def rps_oscillator(unit_nM: float = UNIT_NM) -> CRN:
    """The rock-paper-scissors oscillator ``A + B -> 2B``, ``B + C -> 2C``,
    ``C + A -> 2A`` (rate constants 1 in formal units), the cyclic CRN Soloveichik,
    Seelig & Winfree (PNAS 2010) compile to DNA; initial concentrations 1, 0.5 and 0.2
    formal units (``unit_nM`` nM each) so that it cycles rather than sitting at its
    fixed point."""
    lines = ["A + B -> 2B [k = 1]", "B + C -> 2C [k = 1]", "C + A -> 2A [k = 1]"]
    for name, units in (("A", 1.0), ("B", 0.5), ("C", 0.2)):
        lines.append(f"{name} @initial {units * unit_nM:g} nM")
    text = "# rps_oscillator\n" + "\n".join(lines) + "\n"
    return parse_crn(text, source="<rps-oscillator>", name="rps_oscillator")


def kang_kim_2_2_1(unit_nM: float = UNIT_NM) -> CRN:
    """The Kang-Kim one-pot network with 2 inputs, 2 hidden units and 1 output as
    ``dsdcrn train and-corners --model kang-kim --level dsd`` compiles it: the smooth
    activation, sign-routed training, seed 0's weights, every rate constant 1 and each
    unimolecular reaction made bimolecular with a catalyst of its own
    (:data:`dsdcrn.neural.dsd.KK_DSD`, :func:`dsdcrn.neural.network.catalysed`), the
    variant whose rates DNA can realise (``unit_nM`` nM per formal unit; the DSD runs
    use :data:`dsdcrn.neural.dsd.KK_UNIT_NM`, 2.5 nM).  The network's inputs ``X1``,
    ``X2`` and target ``Y1`` start at 0: the lab adds them per sample."""
    from dsdcrn.neural.dsd import KK_DSD
    from dsdcrn.neural.experiment import make_model
    from dsdcrn.neural.tasks import load_task

    model, _ = make_model(load_task("and-corners", seed=0), "kang-kim", seed=0, **KK_DSD)
    text = "# kang_kim_2_2_1\n" + model.network_.to_text(unit_nM=unit_nM)
    return parse_crn(text, source="<kang-kim-2-2-1>", name="kang_kim_2_2_1")


#: Built-in circuits by name: ``dsdcrn build --circuit NAME`` (and ``dsdcrn default``).
BUILTIN = {
    DEFAULT: nagipogu_reif_neuron,
    "rps_oscillator": rps_oscillator,
    "kang_kim_2_2_1": kang_kim_2_2_1,
}


def builtin(name: str, unit_nM: float = UNIT_NM) -> CRN:
    """The built-in circuit ``name`` (:data:`BUILTIN`) at ``unit_nM`` nM per formal unit."""
    if name not in BUILTIN:
        raise DsdcrnError(
            f"unknown built-in circuit {name!r}; choose one of {', '.join(sorted(BUILTIN))}"
        )
    return BUILTIN[name](unit_nM=unit_nM)
