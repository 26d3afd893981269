"""Sequence-aware rate constants and toehold-occlusion sequestration.

Peppercorn's rate model is length-only: a helix of ``L`` nt opens at
``k_open = k_bind(L) exp((L dG_bp + dG_assoc) / RT)`` with ``k_bind(L) = 3e5 L`` /M/s,
``dG_bp = -1.7`` kcal/mol and ``dG_assoc = +1.9`` kcal/mol (peppercornenumerator 1.1.1),
so every 6-nt toehold binds with ``-8.3`` kcal/mol whatever its sequence.  This module
replaces the energy of each *toehold* domain by its sequence's in-context duplex energy
(ViennaRNA, DNA Mathews 2004 parameters) and re-runs the enumeration with those opening
rates, so that a weaker toehold dissociates faster and its condensed displacement is
slower (the three-step model of Zhang & Winfree, JACS 131:17303, 2009).  Binding and
branch-migration rates stay Peppercorn's.

In-context toehold energy: the one model of :mod:`dsdcrn.design.toehold_energy` (the
designer aims at it, the report prints it), here over every context the enumeration
exposes a toehold in, intermediates included.
Energies in kcal/mol (negative = binding, standard state 1 M), temperatures in °C,
concentrations in nM, rate constants in /nM/s and /s unless the name says /M/s.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from dsdcrn.design.equilibrium import rt
from dsdcrn.design.scores import base_strands
from dsdcrn.design.toehold_energy import (
    Context,
    context_dG,
    peppercorn_constants,
    peppercorn_helix_dG,
    strand_contexts,
    toehold_context_energies,
)
from dsdcrn.design.vienna import vienna_dna_model
from dsdcrn.enumerate.peppercorn import Enumerated, recondense
from dsdcrn.errors import DsdcrnError
from dsdcrn.model.crn import Reaction
from dsdcrn.model.design import DesignProblem, SequenceDesign
from dsdcrn.model.domains import DomainSystem, base
from dsdcrn.options import CheckOptions

__all__ = [
    "DEFAULT_K_ON_PER_M_S",
    "PEPPERCORN_R",
    "OpeningRates",
    "context_dG",
    "occlusion_reactions",
    "peppercorn_helix_dG",
    "sequence_rates",
    "toehold_contexts",
    "toehold_energies",
]

#: Gas constant Peppercorn's ``opening_rate`` uses (kcal/mol/K); used here for opening
#: rates so that length-only energies reproduce Peppercorn's rates exactly.
PEPPERCORN_R = 0.001987

#: Default association rate constant of a sequestering dimer (/M/s): the order of
#: magnitude of toehold hybridisation (Zhang & Winfree 2009 fit a few 10^6 /M/s;
#: Peppercorn's 3e5 /M/s per nt gives 1.8e6 /M/s for 6 nt).
DEFAULT_K_ON_PER_M_S = 1e6


def _complexes(source: Enumerated | DomainSystem) -> Iterable[tuple[list[list[str]], list[str]]]:
    if isinstance(source, Enumerated):
        return [(s.strands, s.structure) for s in source.species.values()]
    return [(c.strands, c.structure) for c in source.complexes]


def _system(source: Enumerated | DomainSystem) -> DomainSystem:
    return source.system if isinstance(source, Enumerated) else source


def toehold_contexts(source: Enumerated | DomainSystem) -> dict[str, list[Context]]:
    """Where each toehold is exposed: distinct ``(5' flank, token, 3' flank)`` triples
    (:func:`dsdcrn.design.toehold_energy.strand_contexts`) over the resting species of an
    :class:`Enumerated` (intermediates included) or a system's complexes."""
    system = _system(source)
    toeholds = {d.name for d in system.domains.values() if d.kind == "toehold"}
    out: dict[str, list[Context]] = {t: [] for t in sorted(toeholds)}
    for strands, structure in _complexes(source):
        symbols = [s for s in structure if s != "+"]
        pos = 0
        for strand in strands:
            for c in strand_contexts(strand, symbols[pos : pos + len(strand)], toeholds):
                if c not in out[base(c[1])]:
                    out[base(c[1])].append(c)
            pos += len(strand)
    return out


def _conditions(
    design: SequenceDesign | None, temperature_C: float | None, salt_M: float | None
) -> tuple[float, float | None]:
    params = design.parameters if design is not None else {}
    t = params.get("temperature_C", 25.0) if temperature_C is None else temperature_C
    s = params.get("salt_M") if salt_M is None else salt_M
    return float(t), s


def toehold_energies(
    design: SequenceDesign,
    source: Enumerated | DomainSystem,
    temperature_C: float | None = None,
    salt_M: float | None = None,
) -> dict[str, float]:
    """In-context duplex ΔG of every toehold domain (kcal/mol, negative = binding).

    Parameters
    ----------
    design : SequenceDesign
        Domain sequences (5'->3').
    source : Enumerated or DomainSystem
        Which domains are toeholds (``DomainSpec.kind``) and where they are exposed
        (:func:`toehold_contexts`); an enumeration sees intermediates too.
    temperature_C, salt_M : float or None
        ViennaRNA conditions (°C, M Na+ equivalent); None: the design's own.

    Returns
    -------
    dict[str, float]
        Toehold name -> mean in-context ΔG over its exposure contexts, the generic
        energy when it has none (:mod:`dsdcrn.design.toehold_energy`); compare with
        :func:`peppercorn_helix_dG` (-8.3 kcal/mol for 6 nt).
    """
    t, s = _conditions(design, temperature_C, salt_M)
    md = vienna_dna_model(t, s)
    contexts = toehold_contexts(source)
    missing = {base(b) for ctx in contexts.values() for c in ctx for b in c if b}
    missing -= set(design.domains)
    if missing:
        raise DsdcrnError(f"the design has no sequence for domain {sorted(missing)[0]!r}")
    energies = toehold_context_energies(design.domains, contexts, md)
    return {name: sum(v) / len(v) for name, v in energies.items()}


# --------------------------------------------------------------------------- opening rates
def _paired_domains(cx: Any) -> tuple[Counter[str], dict[str, int]]:
    """Multiset of the paired domains (one count per pair) of a Peppercorn complex."""
    counts: Counter[str] = Counter()
    lengths: dict[str, int] = {}
    for si, strand in enumerate(list(cx.pair_table)):
        for di, partner in enumerate(strand):
            if partner is not None and (si, di) < tuple(partner):
                dom = cx.get_domain((si, di))
                name = base(str(dom))
                counts[name] += 1
                lengths[name] = len(dom)
    return counts, lengths


@dataclass(frozen=True)
class OpeningRates:
    """Detailed-reaction hook: opening rates from per-domain duplex energies.

    Called with Peppercorn's ``Enumerator`` after enumeration and before condensation
    (inside the enumeration child process); sets every ``open`` reaction's rate to
    ``k_bind(L) exp(dG / RT)``, ``dG = dG_assoc + sum_d (toehold_dG[d] - dG_assoc)``
    over the toehold domains of the opened helix, plus ``len(d) dG_bp`` for its other
    domains.  Reactions opening no listed domain keep Peppercorn's rate; no reaction is
    added or removed.

    Attributes
    ----------
    toehold_dG : Mapping[str, float]
        Domain -> duplex ΔG with initiation (kcal/mol), e.g. :func:`toehold_energies`.
    temperature_C : float
        Temperature of RT (°C); ``R`` is :data:`PEPPERCORN_R`.
    """

    toehold_dG: Mapping[str, float]
    temperature_C: float = 25.0

    def __call__(self, enumerator: Any) -> None:
        from peppercornenumerator.ratemodel import bimolecular_binding_rate, opening_rate

        dG_bp = float(enumerator.dG_bp)
        _, dG_assoc = peppercorn_constants()
        RT = PEPPERCORN_R * (self.temperature_C + 273.15)
        for rxn in list(enumerator.reactions):
            if rxn.rtype != "open":
                continue
            opened, lengths = _paired_domains(next(iter(rxn.reactants)))
            for product in rxn.products:
                opened -= _paired_domains(product)[0]
            if not any(d in self.toehold_dG for d in opened):
                continue
            length = sum(lengths[d] * n for d, n in opened.items())
            if not math.isclose(opening_rate(length, dG_bp=dG_bp), rxn.rate_constant[0]):
                raise DsdcrnError(f"could not identify the helix opened by {rxn}")
            dG = dG_assoc + sum(
                n * (self.toehold_dG[d] - dG_assoc if d in self.toehold_dG else lengths[d] * dG_bp)
                for d, n in opened.items()
            )
            rxn.rate_constant = (bimolecular_binding_rate(length) * math.exp(dG / RT), "/s")

    def renamed(self, mapping: Mapping[str, str]) -> OpeningRates:
        """The hook for domains renamed by ``mapping`` (old -> new), keeping only the
        toeholds it names: what one module shape of a modular enumeration is condensed
        with (:class:`dsdcrn.enumerate.shapes.DomainRates`)."""
        dG = {mapping[d]: g for d, g in self.toehold_dG.items() if d in mapping}
        return OpeningRates(dG, self.temperature_C)


def _same_structure(a: Enumerated, b: Enumerated) -> bool:
    kernels = {n: s.kernel for n, s in a.species.items()}
    if kernels != {n: s.kernel for n, s in b.species.items()}:
        return False
    keys = sorted((r.reactants, r.products) for r in a.reactions)
    return keys == sorted((r.reactants, r.products) for r in b.reactions)


def sequence_rates(
    enumerated: Enumerated,
    design: SequenceDesign | None,
    toehold_dG: Mapping[str, float] | None = None,
    temperature_C: float | None = None,
    salt_M: float | None = None,
    checks: CheckOptions | None = None,
) -> list[Reaction]:
    """The condensed reactions of ``enumerated`` with sequence-derived rate constants.

    Condenses ``enumerated``'s detailed network again with :class:`OpeningRates`
    (toehold opening rates from :func:`toehold_energies`, module doc), so species and
    reactions are identical to ``enumerated``'s and only the rates change: from the kept
    detailed network when there is one (:func:`dsdcrn.enumerate.peppercorn.recondense`,
    a few seconds), else by enumerating the same system again as ``checks`` say it was
    enumerated (:func:`dsdcrn.stages.enumerate_checked`; module by module with
    ``checks.modular``, each module condensed with its own toeholds' energies).

    Parameters
    ----------
    enumerated : Enumerated
        The domain-level enumeration (length-only rates).
    design : SequenceDesign or None
        Domain sequences; may be None when ``toehold_dG`` is given.
    toehold_dG : Mapping[str, float] or None
        Toehold -> in-context duplex ΔG (kcal/mol) to use instead of the design's;
        toeholds missing from it keep the length-only energy.
    temperature_C, salt_M : float or None
        °C and M Na+ of the energies and of RT; None: the design's (25 °C).
    checks : CheckOptions or None
        How ``enumerated`` was enumerated, when it kept no detailed network (None: the
        whole system at once).

    Returns
    -------
    list[Reaction]
        In the order of ``enumerated.reactions``; rates in /s and /nM/s.
    """
    if toehold_dG is None:
        if design is None:
            raise DsdcrnError("sequence rates need a sequence design or toehold energies")
        toehold_dG = toehold_energies(design, enumerated, temperature_C, salt_M)
    unknown = sorted(set(toehold_dG) - set(enumerated.system.domains))
    if unknown:
        raise DsdcrnError(f"toehold energies for domains not in the system: {', '.join(unknown)}")
    temp, _ = _conditions(design, temperature_C, salt_M)
    hook = OpeningRates(dict(toehold_dG), temp)
    if enumerated.detailed:
        again = recondense(enumerated, hook)
    else:
        from dsdcrn.stages import enumerate_checked

        how = replace(checks or CheckOptions(), enumeration=enumerated.options)
        again, _ = enumerate_checked(enumerated.system, how, rates=hook)
    if not _same_structure(enumerated, again):
        raise DsdcrnError(
            "the sequence-rate enumeration differs from the domain-level one; "
            "enumerate the system again with the same options"
        )
    rate = {(r.reactants, r.products): r.rate for r in again.reactions}
    return [
        Reaction(r.reactants, r.products, rate[(r.reactants, r.products)])
        for r in enumerated.reactions
    ]


# --------------------------------------------------------------------------- occlusion
def _problem(system: DomainSystem) -> DesignProblem:
    strands = system.strands()
    name_of = system.strand_names()
    complexes = {
        cx.name: ([name_of[tuple(s)] for s in cx.strands], " ".join(cx.structure))
        for cx in system.complexes
    }
    return DesignProblem(list(system.domains.values()), strands, complexes)


def _bound_tokens(system: DomainSystem, strand: list[str], part: str) -> set[int]:
    """Indices of ``strand``'s domains with a paired nucleotide in dot-bracket ``part``."""
    out, pos = set(), 0
    for i, tok in enumerate(strand):
        n = system.domains[base(tok)].length
        if any(ch in "()" for ch in part[pos : pos + n]):
            out.add(i)
        pos += n
    if pos != len(part):
        raise DsdcrnError(f"a dimer structure of {len(part)} nt does not fit a {pos}-nt strand")
    return out


def _strand_index(
    enumerated: Enumerated,
) -> dict[tuple[str, ...], list[tuple[str, str, list[int]]]]:
    """Strand (domain tuple) -> every (species, its domain-level structure without
    ``+``, offsets of that strand's copies in it), built once for :func:`_holders`."""
    index: dict[tuple[str, ...], list[tuple[str, str, list[int]]]] = {}
    for name, sp in enumerated.species.items():
        symbols = "".join(s for s in sp.structure if s != "+")
        at: dict[tuple[str, ...], list[int]] = {}
        pos = 0
        for s in sp.strands:
            at.setdefault(tuple(s), []).append(pos)
            pos += len(s)
        for key, offsets in at.items():
            index.setdefault(key, []).append((name, symbols, offsets))
    return index


def _holders(
    index: dict[tuple[str, ...], list[tuple[str, str, list[int]]]],
    strand: list[str],
    bound: set[int],
    gate: bool,
) -> list[str]:
    """Species that can bind through ``bound`` domains of ``strand`` (``index``:
    :func:`_strand_index`).

    A gate base strand: every species holding a copy of it with those domains unpaired;
    a free strand: the species that is that strand alone.
    """
    out = []
    for name, symbols, offsets in index.get(tuple(strand), []):
        if not gate:
            if len(symbols) == len(strand) and set(symbols) <= {"."}:
                out.append(name)
        elif any(all(symbols[p + i] == "." for i in bound) for p in offsets):
            out.append(name)
    return out


def occlusion_reactions(
    enumerated: Enumerated,
    design: SequenceDesign,
    dimers: Iterable[Mapping[str, Any]],
    k_on_per_M_s: float = DEFAULT_K_ON_PER_M_S,
    temperature_C: float | None = None,
    gates_only: bool = True,
) -> list[Reaction]:
    """Reversible sequestration ``S + G <-> occl_S_G`` for each unintended dimer.

    Parameters
    ----------
    enumerated : Enumerated
        The enumeration whose species bind (names as in its reactions).
    design : SequenceDesign
        The design the dimers were scored on (its temperature sets RT).
    dimers : iterable of dict
        Rows of :meth:`dsdcrn.design.scores.ScoreReport.spurious_dimers`: ``strand_a``,
        ``strand_b`` (strand names of :meth:`DomainSystem.strands`), ``bind_dG_mfe``
        (kcal/mol) and ``mfe_structure`` (dot-bracket, ``&`` between the strands).
    k_on_per_M_s : float
        Association rate constant (/M/s; default :data:`DEFAULT_K_ON_PER_M_S`).
    temperature_C : float or None
        °C of RT; None: the design's (25 °C).
    gates_only : bool
        Only dimers with a gate base strand (a free strand on a gate's exposed toehold);
        False: free-strand pairs too.

    Returns
    -------
    list[Reaction]
        Per mapped species pair: ``S + G -> occl_S_G`` at ``k_on`` (/nM/s) and
        ``occl_S_G -> S + G`` at ``k_off = k_on exp(ΔG / RT) 1e9 nM`` (/s), the
        strongest ΔG when several dimers map to one pair.  ``S`` (a free strand) is the
        lone-strand species with its domains; ``G`` every species holding the gate base
        strand with the bound domains unpaired.  Same-species pairs are left out.
    """
    if not k_on_per_M_s > 0:
        raise DsdcrnError(f"k_on must be positive, got {k_on_per_M_s:g} /M/s")
    system = enumerated.system
    strands = system.strands()
    gates = base_strands(_problem(system))
    index = _strand_index(enumerated)
    best: dict[tuple[str, str], float] = {}
    for row in dimers:
        a, b, dG, db = row["strand_a"], row["strand_b"], row["bind_dG_mfe"], row["mfe_structure"]
        if dG is None or db is None or a == b or (gates_only and not {a, b} & gates):
            continue
        if a not in strands or b not in strands:
            raise DsdcrnError(f"dimer {a} + {b}: strand not in the enumerated system")
        sides = []
        for name, part in zip((a, b), db.split("&"), strict=True):
            bound = _bound_tokens(system, strands[name], part)
            sides.append(_holders(index, strands[name], bound, name in gates))
        if a in gates and b not in gates:
            sides.reverse()
        for x in sides[0]:
            for y in sides[1]:
                if x != y:
                    key = (x, y) if (a in gates) != (b in gates) else tuple(sorted((x, y)))
                    best[key] = min(dG, best.get(key, math.inf))
    temp, _ = _conditions(design, temperature_C, None)
    k_on = k_on_per_M_s * 1e-9
    out = []
    for (x, y), dG in sorted(best.items()):
        name = f"occl_{x}_{y}"
        out.append(Reaction((x, y), (name,), k_on))
        out.append(Reaction((name,), (x, y), k_on * math.exp(dG / rt(temp)) * 1e9))
    return out
