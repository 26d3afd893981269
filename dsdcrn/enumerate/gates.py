"""Gate modules: the compiled system split into one part per formal reaction.

A module is a formal reaction's fuels (gates, helpers, buffers) plus the signal
complexes of its reactants; modular enumeration enumerates each on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsdcrn.enumerate.shapes import InputComplex
from dsdcrn.model.crn import Reaction
from dsdcrn.model.domains import Complex, DomainSystem

__all__ = [
    "GateModule",
    "compiled_reactions",
    "consumed_twice",
    "merge_modules",
    "module_inputs",
    "modules_of",
]


@dataclass
class GateModule:
    """One formal reaction's part of the compiled system.

    ``index`` is the formal reaction's 1-based index (several when crosstalk merged
    modules); ``reactions`` the reactions of the compiled (possibly rewritten) CRN it
    implements; ``fuels`` its fuel complexes' names; ``inputs`` the names of the signal
    complexes of its reactants (one representative each).
    """

    index: tuple[int, ...]
    reactions: list[Reaction]
    fuels: list[str]
    inputs: list[str]


def consumed_twice(m: GateModule) -> set[str]:
    """The species some reaction of ``m`` consumes twice (``2H -> ...``)."""
    return {x for r in m.reactions for x in r.reactants if r.reactants.count(x) > 1}


def compiled_reactions(system: DomainSystem) -> tuple[list[Reaction], list[int]]:
    """The compiled CRN's reactions (rewritten, if the scheme rewrote the CRN) and the
    1-based index of the formal reaction each comes from."""
    rw = system.rewrite
    if rw is None:
        n = len(system.formal.reactions)
        return list(system.formal.reactions), list(range(1, n + 1))
    return list(rw.crn.reactions), list(rw.origin)


def _complex_of_species(system: DomainSystem) -> dict[str, Complex]:
    """Species name -> its representative complex: the first signal of each formal
    species and, when the CRN was rewritten, fuels that are species of the rewrite."""
    out: dict[str, Complex] = {}
    if system.rewrite is not None:
        for cx in system.complexes:
            if cx.role == "fuel" and cx.name in system.signal_patterns:
                out[cx.name] = cx
    by_formal: dict[str, Complex] = {}
    for cx in system.complexes:
        if cx.formal is not None:
            by_formal.setdefault(cx.formal, cx)
    out.update(by_formal)
    return out


def _fuel_users(system: DomainSystem) -> dict[str, list[int]]:
    """Fuel name -> the formal reactions whose modules use it (the scheme's declaration)."""
    uses: dict[str, list[int]] = {}
    for i, names in system.module_fuels.items():
        for n in names:
            uses.setdefault(n, []).append(i)
    return uses


def _add_reactants(m: GateModule, rxn: Reaction, system: DomainSystem, lookup: dict) -> None:
    """Add ``rxn`` and its reactants' complexes (fuel or input) to module ``m``."""
    m.reactions.append(rxn)
    for x in dict.fromkeys(rxn.reactants):
        cx = lookup.get(x) or system.complex(x)
        if cx.role == "fuel":
            if cx.name not in m.fuels:
                m.fuels.append(cx.name)
        elif cx.name not in m.inputs:
            m.inputs.append(cx.name)


def modules_of(system: DomainSystem) -> list[GateModule]:
    """The compiled system split into one module per formal reaction."""
    reactions, origin = compiled_reactions(system)
    lookup = _complex_of_species(system)
    uses = _fuel_users(system)
    out: dict[int, GateModule] = {}
    for rxn, i in zip(reactions, origin, strict=True):
        m = out.setdefault(i, GateModule((i,), [], [], []))
        _add_reactants(m, rxn, system, lookup)
    for cx in system.fuels:
        owners = [i for i in uses.get(cx.name, [cx.reaction]) if i in out]
        for i in owners:
            if cx.name not in out[i].fuels:
                out[i].fuels.append(cx.name)
    return [out[i] for i in sorted(out)]


def merge_modules(a: GateModule, b: GateModule) -> GateModule:
    """One module of two (crosstalk between them): indices sorted, lists concatenated
    without repeats."""
    return GateModule(
        tuple(sorted(a.index + b.index)),
        a.reactions + b.reactions,
        list(dict.fromkeys(a.fuels + b.fuels)),
        list(dict.fromkeys(a.inputs + b.inputs)),
    )


def module_inputs(
    m: GateModule, extra: list[tuple[str, list[str]]], by_name: dict[str, Complex]
) -> list[InputComplex]:
    """The module's input complexes in shape order: fuels, reactants' signals, then the
    ``extra`` signal variants (formal species, strand) as lone strands ``X~d1_d2...``."""
    cxs = [(n, by_name[n].strands, by_name[n].structure) for n in m.fuels + m.inputs]
    cxs += [(f"{x}~{'_'.join(s)}", [list(s)], ["."] * len(s)) for x, s in extra]
    return cxs
