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
formal reactions its pathways implement), where pathway decomposition can compute it.
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


def _pathway(fcrn, icrn, formals):
    from crnverifier import pathway_decomposition_eq

    return pathway_decomposition_eq([fcrn, icrn], set(formals)), "", None


def _hybrid(fcrn, icrn, formals):
    from crnverifier import integrated_hybrid_test

    ok, _ = integrated_hybrid_test(fcrn, icrn, set(formals), {f: [f] for f in formals})
    return ok, "", None


def _basis_diff(fcrn, icrn, formals, wastes):
    """Counterexample: formal reactions implemented but not specified, and vice versa."""
    from crnverifier import get_formal_basis
    from crnverifier.pathway_decomposition import NoFormalBasisError
    from crnverifier.utils import clean_crn

    try:
        basis, _ = get_formal_basis(icrn, set(formals))
    except NoFormalBasisError as err:
        return f"the implementation has no formal basis: {err}"
    basis = clean_crn(basis, inter={w: [] for w in wastes})
    got = {_key(r, p) for r, p in basis}
    want = {_key(r, p) for r, p in fcrn}
    parts = []
    if got - want:
        parts.append("implemented but not in the formal CRN: " + "; ".join(map(_fmt, got - want)))
    if want - got:
        parts.append("in the formal CRN but not implemented: " + "; ".join(map(_fmt, want - got)))
    return " | ".join(parts) or "formal basis equals the formal CRN"


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
    # Formal species: the specification's and every species the implementation has a
    # signal for, so that a product missing from the specification cannot pass as waste.
    formals = set(formal.species) | {s.formal for s in enumerated.by_role("signal")}
    icrn_rxns = enumerated.implementation_crn()
    icrn = [[list(r.reactants), list(r.products)] for r in icrn_rxns]
    inter = enumerated.interpretation()
    # Collapse each signal variant to its formal name for the pathway-based methods;
    # other species whose name is also a formal name are renamed out of the way.
    signals = {s.name: s.formal for s in enumerated.by_role("signal")}
    rename = {
        n: (signals[n] if n in signals else (f"{n}_impl" if n in formals else n))
        for r in icrn_rxns
        for n in r.reactants + r.products
    }
    collapsed = []
    for rs, ps in icrn:
        r2, p2 = [rename[x] for x in rs], [rename[x] for x in ps]
        if sorted(r2) != sorted(p2):
            collapsed.append([r2, p2])
    wastes = {rename[s.name] for s in enumerated.by_role("waste") if s.name in rename}
    results = []
    for m in methods:
        t0 = time.perf_counter()
        if m == "crn-bisimulation":
            job = (_bisimulation, fcrn, icrn, formals, dict(inter))
        elif m == "pathway-decomposition":
            job = (_pathway, fcrn, collapsed, formals)
        else:
            job = (_hybrid, fcrn, collapsed, formals)
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
                    _basis_diff, fcrn, collapsed, formals, wastes, timeout=timeout_s
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
    )
