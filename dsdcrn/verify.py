"""Verification: is the implementation CRN a correct implementation of the formal CRN?

Three of crnverifier's methods, each in a child process with a time-out:

``crn-bisimulation``
    Johnson, Dong & Winfree 2019.  Given a *full* interpretation: every signal
    species (each history variant) maps to its formal species and every waste to
    nothing; fuels are removed first, so only intermediates are left to the search.
``pathway-decomposition``
    Shin, Thachuk & Winfree 2019.  Signal variants are collapsed to their formal
    names; the implementation's formal basis must equal the formal CRN.
``integrated-hybrid``
    Shin et al.'s hybrid notion: pathway decomposition with the signal
    interpretation used while enumerating pathways.

When a method says the implementation is incorrect, the counterexample is the
difference between the formal CRN and the implementation's formal basis (the
formal reactions its pathways implement), where pathway decomposition can compute it;
when the implementation has no formal basis because a pathway releases a formal
species and takes it back (not regular), that pathway is the counterexample.

A circuit compiled through a CRN rewrite (:mod:`dsdcrn.rewrite`) is verified against
the original formal CRN: the signals of the rewrite's fuel and waste species stand for
nothing (they are dropped like fuels for the pathway-based methods) and those of its
intermediates for the formal species they replace (in the bisimulation's and the
hybrid method's interpretation).  Pathway decomposition, which takes no
interpretation, compares with the rewritten CRN instead, the rewrite's intermediates
as formal species, and the rewrite itself is checked against the formal CRN by CRN
bisimulation at the formal level (:func:`dsdcrn.rewrite.check_rewrite`); both must
hold.  A scheme's ``KNOWN_ISSUES`` are reported with a verdict of incorrect.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from .crn import CRN
from .enumeration import Enumerated
from .isolate import ChildError, Timeout, run_isolated

METHODS = ("crn-bisimulation", "pathway-decomposition", "integrated-hybrid")
ORDER = ("crn-bisimulation", "integrated-hybrid", "pathway-decomposition")

Rxn = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass
class MethodResult:
    """One method's answer: ``verdict`` True, False, or None when it timed out or failed."""

    method: str
    verdict: bool | None
    seconds: float
    detail: str = ""
    counterexample: str | None = None
    interpretation: dict[str, list[str]] | None = None


@dataclass
class Verification:
    """All methods' answers and what they were given."""

    results: list[MethodResult]
    formal_crn: list[str]
    implementation_crn: list[str]
    interpretation: dict[str, list[str]]
    timeout_s: float
    intermediates: list[str] = field(default_factory=list)
    rewrite: list[str] = field(default_factory=list)  # the CRN rewrite, as text lines
    known_issues: str = ""  # the scheme's KNOWN_ISSUES

    @property
    def known_issue_note(self) -> str:
        """The scheme's known issues when some method said incorrect, else ``""``."""
        if self.known_issues and any(r.verdict is False for r in self.results):
            return self.known_issues
        return ""

    @property
    def verdict(self) -> bool | None:
        """The answer of the strongest method that answered (bisimulation first)."""
        for m in ORDER:
            for r in self.results:
                if r.method == m and r.verdict is not None:
                    return r.verdict
        return None

    @property
    def full_interpretation(self) -> dict[str, list[str]]:
        """The bisimulation's interpretation of every species if one was found, else the
        interpretation given to the verifier (signals and wastes only)."""
        for r in self.results:
            if r.interpretation:
                return r.interpretation
        return self.interpretation

    @property
    def proved_by(self) -> str | None:
        for m in ORDER:
            for r in self.results:
                if r.method == m and r.verdict is not None:
                    return m
        return None

    def to_json_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "decided_by": self.proved_by,
            "timeout_s": self.timeout_s,
            "methods": [asdict(r) for r in self.results],
            "formal_crn": self.formal_crn,
            "implementation_crn": self.implementation_crn,
            "interpretation": self.interpretation,
            "intermediates": self.intermediates,
            "rewrite": self.rewrite,
            "known_issues": self.known_issue_note,
        }


def _fmt(r: Rxn) -> str:
    return f"{' + '.join(r[0]) or '∅'} -> {' + '.join(r[1]) or '∅'}"


def _key(rs, ps) -> Rxn:
    return tuple(sorted(rs)), tuple(sorted(ps))


def _bisimulation(fcrn, icrn, formals, inter):
    from crnverifier import crn_bisimulation_test

    ok, bisim = crn_bisimulation_test(fcrn, icrn, formals=formals, interpretation=inter)
    if not ok:
        return ok, "", None
    found = {k: v for k, v in bisim.items() if k not in inter}
    detail = "intermediates interpreted as: " + "; ".join(
        f"{k} -> {' + '.join(sorted(v)) or '∅'}" for k, v in sorted(found.items())
    )
    return ok, detail, {k: sorted(v) for k, v in bisim.items()}


def _pathway(fcrn, icrn, formals, rewrite=None):
    from crnverifier import pathway_decomposition_eq

    ok = pathway_decomposition_eq([fcrn, icrn], set(formals))
    if rewrite is None:
        return ok, "", None
    from .rewrite import check_rewrite

    ok_rw = check_rewrite(rewrite)
    detail = (
        "against the rewritten CRN, the rewrite's intermediates as formal species "
        f"(pathway decomposition: {ok}); the rewrite against the formal CRN by CRN "
        f"bisimulation: {ok_rw}"
    )
    return bool(ok and ok_rw), detail, None


def _hybrid(fcrn, icrn, formals, extra=None):
    from crnverifier import integrated_hybrid_test

    inter = {f: [f] for f in formals} | dict(extra or {})
    ok, _ = integrated_hybrid_test(fcrn, icrn, set(formals), inter)
    return ok, "", None


def _basis_diff(fcrn, icrn, formals, wastes, raw=None):
    """Counterexample: formal reactions implemented but not specified, and vice versa.

    ``raw`` is (implementation CRN with signal variants kept apart, their names, species
    to ignore), where to look for an irregular pathway when there is no formal basis."""
    from crnverifier import get_formal_basis
    from crnverifier.pathway_decomposition import NoFormalBasisError
    from crnverifier.utils import clean_crn

    try:
        basis, _ = get_formal_basis(icrn, set(formals))
    except NoFormalBasisError as err:
        path = None
        if "regular" in str(err) and raw is not None:
            path = _irregular_pathway(*raw)
        found = f"; e.g. the pathway {path}" if path else ""
        return f"the implementation has no formal basis: {err}{found}"
    basis = clean_crn(basis, inter={w: [] for w in wastes})
    got = {_key(r, p) for r, p in basis}
    want = {_key(r, p) for r, p in fcrn}
    parts = []
    if got - want:
        parts.append("implemented but not in the formal CRN: " + "; ".join(map(_fmt, got - want)))
    if want - got:
        parts.append("in the formal CRN but not implemented: " + "; ".join(map(_fmt, want - got)))
    return " | ".join(parts) or "formal basis equals the formal CRN"


def _irregular_pathway(
    icrn, formals: set[str], ignore=frozenset(), max_steps: int = 10, max_states: int = 20000
):
    """A shortest pathway from a formal state back to a formal state that releases a formal
    species it did not start with and consumes it again while intermediates remain (so it
    is not regular), as text, or None.  Breadth-first from every formal state of one or
    two species.  Given signal variants as the formal species, a released variant is one
    a gate made, so a reactant that unbinds again does not count; ``ignore`` (wastes) is
    left out of the states."""
    from collections import Counter, deque
    from itertools import combinations_with_replacement

    rxns = []
    for r, p in icrn:
        rxns.append((Counter(r), Counter(x for x in p if x not in ignore)))
    species = sorted({x for r, p in icrn for x in r + p} & formals)
    queue = deque()
    for k in (0, 1, 2):
        for start in combinations_with_replacement(species, k):
            queue.append((Counter(start), set(start), (), frozenset(), ""))
    seen = 0
    while queue and seen < max_states:
        state, start, path, released, back = queue.popleft()
        seen += 1
        if len(path) >= max_steps:
            continue
        for i, (r, p) in enumerate(rxns):
            if any(state[x] < n for x, n in r.items()):
                continue
            new = state - r + p
            inter = [x for x in new if x not in formals]
            taken = sorted(set(r) & released) if any(x not in formals for x in r) else []
            now = back or ", ".join(taken)
            rel = released | {x for x in p if x in formals and x not in start and inter}
            step = path + (i,)
            if now and not inter:
                steps = "; ".join(_fmt(_key(*icrn[j])) for j in step)
                return f"{steps} (releases {now} and takes it back)"
            queue.append((new, start, step, frozenset(rel), now))
    return None


def verify(
    formal: CRN,
    enumerated: Enumerated,
    methods: tuple[str, ...] = METHODS,
    timeout_s: float = 60.0,
) -> Verification:
    """Check ``enumerated`` against ``formal`` with each method, ``timeout_s`` seconds each."""
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"unknown verification method {m!r}; choose from {', '.join(METHODS)}")
    fcrn = [[list(r.reactants), list(r.products)] for r in formal.reactions]
    rewrite = enumerated.system.rewrite
    meaning = rewrite.interpretation if rewrite is not None else {}
    # Formal species: the specification's and every species the implementation has a
    # signal for, so that a product missing from the specification cannot pass as waste.
    formals = set(formal.species) | {
        s.formal for s in enumerated.by_role("signal") if s.formal not in meaning
    }
    icrn_rxns = enumerated.implementation_crn()
    icrn = [[list(r.reactants), list(r.products)] for r in icrn_rxns]
    inter = enumerated.interpretation()
    if meaning:  # signals of the rewrite's species stand for what the rewrite says
        inter = {n: sorted(y for x in v for y in meaning.get(x, [x])) for n, v in inter.items()}
    # Collapse each signal variant to its formal name for the pathway-based methods;
    # other species whose name is also a formal name are renamed out of the way.
    signals = {s.name: s.formal for s in enumerated.by_role("signal")}
    rename = {
        n: (signals[n] if n in signals else (f"{n}_impl" if n in formals else n))
        for r in icrn_rxns
        for n in r.reactants + r.products
    }
    dropped = {f for f, v in meaning.items() if not v}  # the rewrite's fuels and wastes
    quiet = {n for n, f in signals.items() if f in dropped}  # their signals
    collapsed = []
    for rs, ps in icrn:
        r2 = [rename[x] for x in rs if rename[x] not in dropped]
        p2 = [rename[x] for x in ps if rename[x] not in dropped]
        if sorted(r2) != sorted(p2):
            collapsed.append([r2, p2])
    wastes = {rename[s.name] for s in enumerated.by_role("waste") if s.name in rename}
    # Pathway decomposition has no interpretation: with a rewrite that introduced
    # intermediates it compares with the rewritten CRN (its intermediates formal, its
    # fuels and wastes dropped) and checks the rewrite itself against the formal CRN.
    pd_fcrn, pd_formals, pd_rewrite = fcrn, formals, None
    same = rewrite is not None and [(r.reactants, r.products) for r in formal.reactions] == [
        (r.reactants, r.products) for r in rewrite.original.reactions
    ]
    if same and any(meaning.values()):
        pd_rewrite = rewrite
        pd_formals = formals | {x for x, v in meaning.items() if v}
        pd_fcrn = []
        for r in rewrite.crn.reactions:
            rs = [x for x in r.reactants if x not in dropped]
            ps = [x for x in r.products if x not in dropped]
            if sorted(rs) != sorted(ps):
                pd_fcrn.append([rs, ps])
    results = []
    for m in methods:
        t0 = time.perf_counter()
        if m == "crn-bisimulation":
            job = (_bisimulation, fcrn, icrn, formals, dict(inter))
        elif m == "pathway-decomposition":
            job = (_pathway, pd_fcrn, collapsed, pd_formals, pd_rewrite)
        else:
            # the rewrite's intermediates stand for their formal species here too
            extra = {x: v for x, v in meaning.items() if v and x in rename.values()}
            job = (_hybrid, fcrn, collapsed, formals, extra)
        interp = None
        try:
            ok, detail, interp = run_isolated(*job, timeout=timeout_s)
        except Timeout:
            ok, detail = None, f"no answer within the time-out of {timeout_s:g} s"
        except ChildError as err:
            ok, detail = None, f"crnverifier failed: {err}"
        res = MethodResult(m, ok, round(time.perf_counter() - t0, 3), detail, None, interp)
        if ok is False:
            try:
                res.counterexample = run_isolated(
                    _basis_diff,
                    pd_fcrn,
                    collapsed,
                    pd_formals,
                    wastes,
                    (icrn, set(signals) - set(quiet), set(quiet) | set(inter) - set(signals)),
                    timeout=timeout_s,
                )
            except (Timeout, ChildError) as err:
                res.counterexample = f"no counterexample: formal basis not computed ({err})"
        results.append(res)
    return Verification(
        results,
        [str(r).rsplit(" [", 1)[0] for r in formal.reactions],
        [_fmt(_key(r.reactants, r.products)) for r in icrn_rxns],
        inter,
        timeout_s,
        [s.name for s in enumerated.by_role("intermediate")],
        list(enumerated.system.rewrites),
        enumerated.system.known_issues,
    )
