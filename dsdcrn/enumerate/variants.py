"""History variants of signals: found in module results, then copied or enumerated.

A signal released by a gate carries that gate's history domain (``X_<history>``) and
enters every gate that consumes ``X``.  A variant whose history domains occur nowhere
in a module's inputs reacts there as the representative does, renamed: the module's
result is copied under that renaming (:meth:`SignalVariants.expand`).  Any other
variant, and every variant of a species consumed twice by one reaction, is added to the
module's input and enumerated (:meth:`SignalVariants.explicit_for`), split into
small jobs that hold every complex the module can form (:func:`variant_groups`).
"""

from __future__ import annotations

import itertools
from collections.abc import Set

from dsdcrn.enumerate.gates import GateModule, consumed_twice, module_inputs
from dsdcrn.enumerate.peppercorn import SignalIndex
from dsdcrn.enumerate.shapes import ModuleResult, unpaired_domains
from dsdcrn.model.domains import DomainSystem, base, complement

__all__ = ["SignalVariants", "released_strands", "signal_match", "variant_groups"]

Strand = tuple[str, ...]


def signal_match(strand: list[str], pattern: list[str | None]) -> Strand | None:
    """The history domains of ``strand`` if it is a signal of ``pattern`` (None marks a
    history position), else None."""
    if len(strand) != len(pattern):
        return None
    if all(p is None or p == d for p, d in zip(pattern, strand, strict=True)):
        return tuple(d for p, d in zip(pattern, strand, strict=True) if p is None)
    return None


def released_strands(res: ModuleResult) -> set[Strand]:
    """The single strands among a module result's complexes (what it releases)."""
    return {
        tuple(strands[0]) for ms in res.states.values() for _, strands, _ in ms if len(strands) == 1
    }


def variant_groups(
    m: GateModule, extra: list[tuple[str, list[str]]]
) -> list[list[tuple[str, list[str]]]]:
    """The module's explicit variants ``extra`` as the groups to enumerate, one
    Peppercorn job each, whose results together are the enumeration with all of them.

    A gate takes two strands of a species it consumes twice, so no complex of the
    module holds more than two of its strands, whichever variants they are.  One job
    per unordered pair of its variants (the representative and every other explicit
    variant in each job) therefore forms every complex and reaction, where one job with
    all n variants explores the mixtures of all of them (36 variants took minutes a
    shape, issue 17).  Most pairs have the same shape and come from the shape cache.
    Modules merged for crosstalk, and modules of several compiled reactions, stay one
    job.
    """
    if len(m.reactions) != 1 or len(m.index) != 1:
        return [extra]
    homo = consumed_twice(m)
    if len(homo) != 1:
        return [extra]
    twice = [(x, s) for x, s in extra if x in homo]
    if len(twice) < 3:
        return [extra]
    rest = [(x, s) for x, s in extra if x not in homo]
    return [rest + list(pair) for pair in itertools.combinations(twice, 2)]


class SignalVariants:
    """The history variants of each formal species' signal found so far (``found``:
    formal species -> variant strands), and what they mean for each module.

    ``formal_of`` maps a signal complex's name to its formal species (a rewrite's fuel
    species to itself); ``rep_strand`` each formal species' representative strand.
    """

    def __init__(self, system: DomainSystem) -> None:
        self.by_name = {c.name: c for c in system.complexes}
        self.patterns = system.signal_patterns
        self.index = SignalIndex(self.patterns)
        self.formal_of = {c.name: c.formal for c in system.complexes if c.formal is not None}
        for c in system.complexes:
            if c.role == "fuel" and c.name in self.patterns:
                self.formal_of[c.name] = c.name
        self.rep_strand = {self.formal_of[n]: self.by_name[n].strands[0] for n in self.formal_of}
        self.found: dict[str, set[Strand]] = {}

    def in_results(self, results: list[ModuleResult]) -> dict[str, set[Strand]]:
        """Formal species -> the variants (lone unpaired signal strands other than the
        representative) among the results' complexes."""
        found: dict[str, set[Strand]] = {}
        for res in results:
            for members in res.states.values():
                for _, strands, st in members:
                    if len(strands) != 1 or any(x != "." for x in st):
                        continue
                    x = self.index.species(strands[0])
                    if x in self.rep_strand and strands[0] != self.rep_strand[x]:
                        found.setdefault(x, set()).add(tuple(strands[0]))
        return found

    def add_new(self, results: list[ModuleResult]) -> dict[str, set[Strand]]:
        """Record the results' variants; returns those not seen before."""
        new = {x: v - self.found.get(x, set()) for x, v in self.in_results(results).items()}
        new = {x: v for x, v in new.items() if v}
        for x, v in new.items():
            self.found.setdefault(x, set()).update(v)
        return new

    def _history(self, x: str, strand) -> Strand:
        return signal_match(list(strand), self.patterns[x]) or ()

    def explicit_for(
        self, m: GateModule, inside: set[Strand], every_pair: bool = True
    ) -> list[tuple[str, list[str]]]:
        """Variants of the module's reactants that must be enumerated, not renamed
        (``inside``: the strands the module releases itself, enumerated with it already).

        Of a species consumed twice, every variant when ``every_pair``; otherwise its
        variants that are not inert and only the first inert one: a pair of inert
        variants (``va + vb``) reacts as that one's pair with the representative does,
        renamed, which is all a check of the module needs (the pairs grow as n², 49,222
        of them in Kang-Kim 64-20-10; issue 17).
        """
        by_name = self.by_name
        own = {base(d) for n in m.fuels + m.inputs for s in by_name[n].strands for d in s}
        fuel_doms = {base(d) for n in m.fuels for s in by_name[n].strands for d in s}
        homo = consumed_twice(m)
        extra = []
        for name in m.inputs:
            x = self.formal_of[name]
            rep_inert = not (set(self._history(x, self.rep_strand[x])) & fuel_doms)
            inert_taken = False
            for v in sorted(self.found.get(x, ())):
                if v in inside:
                    continue
                inert = rep_inert and not set(self._history(x, v)) & own
                if x in homo and inert and not every_pair:
                    if inert_taken:
                        continue
                    inert_taken = True
                if x in homo or not inert:
                    extra.append((x, list(v)))
        return extra

    def copy_choices(
        self,
        m: GateModule,
        extra: list[tuple[str, list[str]]],
        inside: set[Strand],
        skip: Set[Strand] = frozenset(),
    ) -> list[list[dict[str, str] | None]]:
        """For each input of ``m``: None (the representative) and, for every variant to
        copy (not in ``skip``), the renaming of the representative's history domains
        into the variant's."""
        choices = []
        for name in m.inputs:
            x = self.formal_of[name]
            rep_hist = self._history(x, self.rep_strand[x])
            explicit = {tuple(s) for y, s in extra if y == x}
            opts_x: list[dict[str, str] | None] = [None]
            for v in sorted(self.found.get(x, ())):
                if v in explicit or v in inside or v in skip:
                    continue
                opts_x.append(dict(zip(rep_hist, self._history(x, v), strict=True)))
            choices.append(opts_x)
        return choices

    def expand(
        self,
        m: GateModule,
        base_res: ModuleResult,
        extra: list[tuple[str, list[str]]],
        inside: set[Strand],
        skip: Set[Strand] = frozenset(),
    ) -> ModuleResult:
        """The module's result with every inert variant's copy (but those in ``skip``)
        added, one copy for each combination of variants of its reactants."""
        input_doms = {
            base(d)
            for _, strands, _ in module_inputs(m, extra, self.by_name)
            for s in strands
            for d in s
        }
        merged = ModuleResult(
            dict(base_res.states), list(base_res.reactions), dict(base_res.counts)
        )
        keep = set(m.fuels + m.inputs)
        for combo in itertools.product(*self.copy_choices(m, extra, inside, skip)):
            mapping: dict[str, str] = {}
            for c in combo:
                if c:
                    mapping.update(c)
            if not mapping:
                continue
            assert not (set(mapping.values()) & input_doms)
            copy = base_res.renamed(mapping, keep)
            for sid, members in copy.states.items():
                merged.states.setdefault(sid, members)
            merged.reactions.extend(copy.reactions)
        return merged

    def histories_exposed(self, results: list[ModuleResult]) -> bool:
        """Whether the complement of some variant's history domain is unpaired in any
        complex (then the copies, which carry that history domain unpaired, may react)."""
        hist = set()
        for x, vs in self.found.items():
            for v in vs:
                hist.update(d for p, d in zip(self.patterns[x], v, strict=True) if p is None)
        wanted = {complement(h) for h in hist}
        for res in results:
            for members in res.states.values():
                for _, strands, st in members:
                    if unpaired_domains(strands, st) & wanted:
                        return True
        return False
