"""Enumeration: Peppercorn on the compiled system, species classification, implementation CRN.

Peppercorn runs in a child process (see :mod:`dsdcrn.processes`), so every call
starts from empty singleton memory and a time-out can stop it.  Species are named
by structure, never by Peppercorn's generated names: fuels and initial signals keep
their input names, signals released by gates become ``X_<history domain>``, and
the remaining resting states are numbered ``i1, i2, ...`` (intermediates) and
``w1, w2, ...`` (wastes) in order of their canonical kernel string.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.crn import Reaction
from dsdcrn.model.domains import DomainSystem, to_kernel
from dsdcrn.options import EnumerationOptions
from dsdcrn.processes import ChildError, Timeout, run_isolated

log = logging.getLogger(__name__)


@dataclass
class Species:
    """A resting macrostate of the enumerated system.

    ``role`` is ``signal``, ``fuel``, ``intermediate`` or ``waste``; ``formal`` is
    the formal species a signal represents; ``kernel`` the canonical kernel string of
    its representative complex; ``strands`` that complex's strands (domain lists).
    """

    name: str
    role: str
    kernel: str
    strands: list[list[str]]
    structure: list[str]
    formal: str | None = None
    concentration_nM: float = 0.0


@dataclass
class Enumerated:
    """The enumeration stage's output.

    ``reactions`` are Peppercorn's condensed reactions between resting macrostates.
    Their :attr:`~dsdcrn.model.crn.Reaction.rate` is a physical rate constant in
    /nM^(n-1)/s (n reactant molecules: /s unimolecular, /nM/s bimolecular), *not*
    the formal units of a formal CRN's reactions.
    """

    system: DomainSystem
    species: dict[str, Species]
    reactions: list[Reaction]
    options: EnumerationOptions
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    #: Peppercorn's detailed reaction network as plain data (``enumerate_system(...,
    #: keep_detailed=True)``; :func:`_detailed`): condensing it again with other detailed
    #: rates (:func:`recondense`) costs a fraction of enumerating again.
    detailed: dict = field(default_factory=dict, repr=False)

    def by_role(self, role: str) -> list[Species]:
        return [s for s in self.species.values() if s.role == role]

    def interpretation(self) -> dict[str, list[str]]:
        """Every signal to its formal species and every waste to nothing."""
        inter = {s.name: [s.formal] for s in self.by_role("signal")}
        inter.update({s.name: [] for s in self.by_role("waste")})
        return inter

    def implementation_crn(self) -> list[Reaction]:
        """Condensed reactions with fuels removed, then trivial and duplicate reactions dropped.

        This is the CRN the verifier compares against the formal one.
        """
        fuels = {s.name for s in self.by_role("fuel")}
        out: dict[tuple, Reaction] = {}
        for r in self.reactions:
            rs = tuple(x for x in r.reactants if x not in fuels)
            ps = tuple(x for x in r.products if x not in fuels)
            if sorted(rs) != sorted(ps):
                rxn = Reaction(rs, ps, r.rate)
                out.setdefault((rxn.reactants, rxn.products), rxn)
        return list(out.values())

    def to_pil(self) -> str:
        """The enumerated system (resting species and condensed reactions) as PIL."""
        lines = [
            f"# Enumerated by peppercornenumerator (via dsdcrn); scheme {self.system.scheme}",
            f"# {self.counts.get('resting', 0)} resting complexes, "
            f"{self.counts.get('transient', 0)} transient complexes, "
            f"{self.counts.get('detailed_reactions', 0)} detailed reactions, "
            f"{len(self.reactions)} condensed reactions",
            "",
            "# Domains (nt)",
        ]
        lines += [f"length {d.name} = {d.length}" for d in self.system.domains.values()]
        for role in ("signal", "fuel", "intermediate", "waste"):
            lines += ["", f"# {role}s"]
            for s in self.by_role(role):
                conc = f" @initial {s.concentration_nM:g} nM" if role in ("signal", "fuel") else ""
                note = f"  # formal {s.formal}" if s.formal else ""
                lines.append(f"{s.name} = {s.kernel}{conc}{note}")
        lines += ["", "# Condensed reactions (rate constants in /nM/s and /s)"]
        for r in self.reactions:
            unit = "/nM/s" if len(r.reactants) == 2 else "/s"
            lines.append(
                f"reaction [condensed = {r.rate:.6g} {unit}] "
                f"{' + '.join(r.reactants)} -> {' + '.join(r.products)}"
            )
        return "\n".join(lines) + "\n"


def _reactions_consuming(complexes, reactions) -> dict:
    """Complex -> the reactions consuming it, in reaction order: what Peppercorn 1.1's
    ``condense.get_reactions_consuming`` returns, in one pass over the reactions instead
    of one per complex (that quadratic scan made condensing the default neuron's
    detailed network again take 3.0 s instead of 1.1 s)."""
    out: dict = {c: [] for c in complexes}
    for r in reactions:
        for c in dict.fromkeys(r.reactants):
            if c in out:
                out[c].append(r)
    return out


def _enumerator(complexes: list, reactions, opts: EnumerationOptions, named: list | None = None):
    """Peppercorn's ``Enumerator`` with dsdcrn's settings; ``named`` (default: every
    initial complex) the complexes preferred as names of resting macrostates."""
    from peppercornenumerator import Enumerator, condense

    condense.get_reactions_consuming = _reactions_consuming  # in the child process only
    enum = Enumerator(complexes, reactions, named_complexes=complexes if named is None else named)
    enum.max_complex_size = max(opts.max_complex_size, max(c.size for c in complexes))
    enum.max_complex_count = opts.max_complex_count
    enum.max_reaction_count = opts.max_reaction_count
    enum.release_cutoff = opts.release_cutoff
    enum.reject_remote = opts.reject_remote
    enum.max_helix = True
    return enum


def _peppercorn(
    pil: str,
    opts: EnumerationOptions,
    detailed_rates: Callable[[Any], None] | None = None,
    keep_detailed: bool = False,
) -> dict:
    """Child-process body: enumerate ``pil`` and return plain data.

    ``detailed_rates``, if given, is called with the ``Enumerator`` after enumeration
    and before condensation; it may reset detailed rate constants, never reactions.
    ``keep_detailed`` adds the detailed network (``"detailed"``, :func:`_detailed`, with
    the rates it was condensed with).
    """
    import logging

    from peppercornenumerator import PolymerizationError
    from peppercornenumerator.input import read_pil

    logging.getLogger("peppercornenumerator").setLevel(logging.ERROR)
    cxs, rxns = read_pil(pil)
    complexes = list(cxs.values())
    if len(complexes) > opts.max_complex_count:  # Peppercorn would fail an assertion
        return {"limit": f"{len(complexes)} complexes to start from, no room to enumerate"}
    enum = _enumerator(complexes, rxns, opts)
    try:
        enum.enumerate()
    except PolymerizationError as err:
        return {"limit": str(err)}
    if detailed_rates is not None:
        detailed_rates(enum)
    enum.condense()
    return _condensed(enum) | ({"detailed": _detailed(enum)} if keep_detailed else {})


def _detailed(enum) -> dict:
    """The detailed network of an ``Enumerator`` as plain data: domain lengths (nt), every
    complex (name, domain names with ``+`` between strands, dot-parens structure) and
    every reaction (type, reactant and product names, rate constant and its units)."""
    domains: dict[str, int] = {}
    complexes = []
    for cx in enum.complexes:
        seq = [str(d) for d in cx.sequence]
        for d in cx.sequence:
            if d != "+":
                domains[str(d).rstrip("*")] = len(d)
        complexes.append((cx.name, seq, list(cx.structure)))
    reactions = [
        (r.rtype, [x.name for x in r.reactants], [x.name for x in r.products], *r.rate_constant)
        for r in enum.reactions
    ]
    return {"domains": domains, "complexes": complexes, "reactions": reactions}


def _recondense(
    detailed: dict, initial: list[str], opts: EnumerationOptions, detailed_rates: Callable
) -> dict:
    """Child-process body: condense a detailed network (:func:`_detailed`) again, without
    enumerating, after ``detailed_rates`` reset its rate constants; ``initial`` names
    the complexes the enumeration started from (they name the resting macrostates)."""
    import logging

    from peppercornenumerator.objects import PepperComplex, PepperDomain, PepperReaction

    logging.getLogger("peppercornenumerator").setLevel(logging.ERROR)
    dom = {"+": "+"}
    for name, n in detailed["domains"].items():
        dom[name], dom[name + "*"] = (
            PepperDomain(name, length=n),
            PepperDomain(name + "*", length=n),
        )
    cxs = {
        name: PepperComplex([dom[d] for d in seq], structure, name=name)
        for name, seq, structure in detailed["complexes"]
    }
    rxns = []
    for rtype, reactants, products, k, units in detailed["reactions"]:
        r = PepperReaction([cxs[x] for x in reactants], [cxs[x] for x in products], rtype)
        r.rate_constant = (k, units)
        rxns.append(r)
    enum = _enumerator(list(cxs.values()), rxns, opts, named=[cxs[name] for name in initial])
    enum.dry_run()
    detailed_rates(enum)
    enum.condense()
    return _condensed(enum)


def _condensed(enum) -> dict:
    """The condensed network of a condensed ``Enumerator`` as plain data."""

    def canon(cx) -> tuple[list[str], list[str]]:
        seq, st = cx.canonical_form
        return [str(d) for d in seq], list(st)

    states = []
    for m in enum.resting_macrostates:
        states.append(
            {
                "name": m.name,
                "complexes": [(c.name, *canon(c)) for c in m.complexes],
            }
        )
    reactions = []
    for r in enum.condensed_reactions:
        order = r.arity[0]
        k = r.rateformat("/M" * (order - 1) + "/s")[0] if r.rate_constant[1] else r.rate_constant[0]
        reactions.append(
            ([x.name for x in r.reactants], [x.name for x in r.products], k * 1e-9 ** (order - 1))
        )
    return {
        "states": states,
        "reactions": reactions,
        "counts": {
            "resting": len(list(enum.resting_complexes)),
            "transient": len(list(enum.transient_complexes)),
            "detailed_reactions": len(list(enum.reactions)),
            "macrostates": len(states),
        },
    }


def _split(seq: list[str], st: list[str]) -> tuple[list[list[str]], list[str]]:
    strands: list[list[str]] = [[]]
    for d in seq:
        if d == "+":
            strands.append([])
        else:
            strands[-1].append(d)
    return strands, st


def enumerate_system(
    system: DomainSystem,
    options: EnumerationOptions | None = None,
    progress: bool = False,
    detailed_rates: Callable[[Any], None] | None = None,
    keep_detailed: bool = False,
) -> Enumerated:
    """Enumerate the compiled system with Peppercorn and classify its resting species.

    Every complex of the system is an initial complex, signals included whatever
    their concentration, so each formal species' reactions are enumerated.
    ``detailed_rates`` (in the child, before condensation) may change detailed rate
    constants, e.g. :class:`dsdcrn.kinetics.sequence_rates.OpeningRates`;
    ``keep_detailed`` keeps the detailed network (:attr:`Enumerated.detailed`)
    for :func:`recondense`.  Raises :class:`EnumerationLimitError` when a bound in
    ``options`` is hit.
    """
    opts = options or EnumerationOptions()
    pil = "\n".join(
        line.replace("@initial 0 nM", "@initial 1 nM") for line in system.to_pil().splitlines()
    )
    if progress:
        log.info(
            f"enumerating {len(system.complexes)} complexes with peppercorn "
            f"(limits: {opts.max_complex_count} complexes, {opts.max_reaction_count} reactions, "
            f"{opts.timeout_s:g} s) ..."
        )
    t0 = time.perf_counter()
    try:
        raw = run_isolated(
            _peppercorn, pil, opts, detailed_rates, keep_detailed, timeout=opts.timeout_s
        )
    except Timeout:
        raise EnumerationLimitError(
            f"enumeration of {system.formal.source} exceeded the time-out of {opts.timeout_s:g} s; "
            "raise --enum-timeout or compile a smaller circuit"
        ) from None
    except ChildError as err:
        raise EnumerationLimitError(f"peppercorn failed: {err.message or err.kind}") from None
    seconds = time.perf_counter() - t0
    if "limit" in raw:
        raise EnumerationLimitError(
            f"enumeration of {system.formal.source} stopped: {raw['limit']} "
            f"(limits: --max-complexes {opts.max_complex_count}, "
            f"--max-reactions {opts.max_reaction_count})"
        )
    result = _classify(system, raw, opts, seconds)
    result.detailed = raw.get("detailed", {})
    if progress:
        log.info(
            f"enumerated in {seconds:.2f} s: {raw['counts']['resting']} resting and "
            f"{raw['counts']['transient']} transient complexes, "
            f"{len(result.reactions)} condensed reactions"
        )
    return result


def recondense(enumerated: Enumerated, detailed_rates: Callable[[Any], None]) -> Enumerated:
    """``enumerated`` condensed again from its detailed network after ``detailed_rates``
    (in the child, like :func:`enumerate_system`'s) reset rate constants: the same
    species and reactions with new condensed rates, without enumerating again.  Needs
    :attr:`Enumerated.detailed` (``enumerate_system(..., keep_detailed=True)``)."""
    if not enumerated.detailed:
        raise ValueError("no detailed network kept: enumerate with keep_detailed=True")
    opts, system = enumerated.options, enumerated.system
    initial = [c.name for c in system.complexes]
    t0 = time.perf_counter()
    try:
        raw = run_isolated(
            _recondense, enumerated.detailed, initial, opts, detailed_rates,
            timeout=opts.timeout_s,
        )  # fmt: skip
    except Timeout:
        raise EnumerationLimitError(
            f"condensation of {system.formal.source} exceeded the time-out of "
            f"{opts.timeout_s:g} s; raise --enum-timeout"
        ) from None
    except ChildError as err:
        raise EnumerationLimitError(f"peppercorn failed: {err.message or err.kind}") from None
    return _classify(system, raw, opts, time.perf_counter() - t0)


class SignalIndex:
    """Which formal species' signal a strand is, by dictionary lookup.

    ``patterns`` maps each formal species to its signal strand's domains with ``None``
    for history domains; a strand is that species' signal when it agrees with the
    pattern everywhere but the history positions.
    """

    def __init__(self, patterns: dict[str, list[str | None]]) -> None:
        self.holes: dict[tuple[int, tuple[int, ...]], dict[tuple[str, ...], str]] = {}
        for x, pattern in patterns.items():
            holes = tuple(i for i, d in enumerate(pattern) if d is None)
            key = tuple(d for d in pattern if d is not None)
            self.holes.setdefault((len(pattern), holes), {})[key] = x

    def species(self, strand: Iterable[str]) -> str | None:
        """The formal species whose signal ``strand`` is, or None."""
        strand = tuple(strand)
        for (n, holes), table in self.holes.items():
            if n == len(strand):
                key = tuple(d for i, d in enumerate(strand) if i not in holes)
                if key in table:
                    return table[key]
        return None


def _match(strands: list[list[str]], st: list[str], pattern: list[str | None]) -> str | None:
    """The history domain if a complex is a lone unpaired strand matching ``pattern``."""
    if len(strands) != 1 or any(s != "." for s in st) or len(strands[0]) != len(pattern):
        return None
    if all(p is None or p == d for p, d in zip(pattern, strands[0], strict=True)):
        hist = [d for p, d in zip(pattern, strands[0], strict=True) if p is None]
        return "_".join(hist) if hist else ""
    return None


def _classify(system: DomainSystem, raw: dict, opts: EnumerationOptions, seconds: float):
    inputs = {c.name: c for c in system.complexes}
    index = SignalIndex(system.signal_patterns)
    names: dict[str, str] = {}  # macrostate name -> dsdcrn name
    species: dict[str, Species] = {}
    pending = []
    for state in raw["states"]:
        members = state["complexes"]
        rep = min(members, key=lambda m: to_kernel(*_split(m[1], m[2])))
        strands, st = _split(rep[1], rep[2])
        role, formal, name = None, None, None
        for cname, seq, cst in members:
            if cname in inputs and inputs[cname].role == "fuel":
                role, name = "fuel", cname
                strands, st = _split(seq, cst)
        if role is None:
            for cname, seq, cst in members:
                s_strands, s_st = _split(seq, cst)
                x = index.species(s_strands[0]) if len(s_strands) == 1 else None
                if x is not None:
                    hist = _match(s_strands, s_st, system.signal_patterns[x])
                    if hist is not None:
                        role, formal, strands, st = "signal", x, s_strands, s_st
                        initial = cname in inputs and inputs[cname].formal == x
                        name = x if initial else f"{x}_{hist}"
        kernel = to_kernel(strands, st)
        if role is None:
            pending.append((kernel, state["name"], strands, st))
            continue
        conc = inputs[name].concentration_nM if name in inputs else 0.0
        species[name] = Species(name, role, kernel, strands, st, formal, conc)
        names[state["name"]] = name
    # Nuskell's rule: a species is a non-waste if it reacts together with non-wastes only.
    nonwaste = set(names.values())
    temp = {p[1]: p for p in pending}
    changed = True
    while changed:
        changed = False
        for rs, _, _ in raw["reactions"]:
            for x in rs:
                if x in temp and x not in nonwaste:
                    others = list(rs)
                    others.remove(x)
                    if all(names.get(o, o) in nonwaste for o in others):
                        nonwaste.add(x)
                        changed = True
    counter = {"intermediate": 0, "waste": 0}
    for kernel, mname, strands, st in sorted(pending):
        role = "intermediate" if mname in nonwaste else "waste"
        counter[role] += 1
        name = f"{role[0]}{counter[role]}"
        names[mname] = name
        species[name] = Species(name, role, kernel, strands, st)
    reactions = [
        Reaction(tuple(names[x] for x in rs), tuple(names[x] for x in ps), k)
        for rs, ps, k in raw["reactions"]
    ]
    reactions.sort(key=lambda r: (r.reactants, r.products))
    order = {"signal": 0, "fuel": 1, "intermediate": 2, "waste": 3}
    species = dict(sorted(species.items(), key=lambda kv: (order[kv[1].role], kv[0])))
    return Enumerated(system, species, reactions, opts, seconds, dict(raw["counts"]))
