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
species and takes it back (not regular), that pathway is the counterexample
(:mod:`dsdcrn.verify.counterexample`).

A circuit compiled through a CRN rewrite (:mod:`dsdcrn.compile.rewrite`) is verified against
the original formal CRN: the signals of the rewrite's fuel and waste species stand for
nothing (they are dropped like fuels for the pathway-based methods) and those of its
intermediates for the formal species they replace (in the bisimulation's and the
hybrid method's interpretation).  Pathway decomposition, which takes no
interpretation, compares with the rewritten CRN instead, the rewrite's intermediates
as formal species, and the rewrite itself is checked against the formal CRN by CRN
bisimulation at the formal level (:func:`dsdcrn.compile.rewrite.check_rewrite`); both must
hold.  A scheme's ``KNOWN_ISSUES`` are reported with a verdict of incorrect.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from dsdcrn.compile.rewrite import Rewrite
from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.model.crn import CRN, Reaction, drop_species
from dsdcrn.options import METHODS, VERIFY_TIMEOUT_S
from dsdcrn.processes import ChildError, Timeout, run_isolated
from dsdcrn.verify.counterexample import basis_diff, format_reaction, reaction_key

ORDER = ("crn-bisimulation", "integrated-hybrid", "pathway-decomposition")


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
    def decided_by(self) -> str | None:
        """The strongest method that answered (bisimulation first), whichever its verdict."""
        for m in ORDER:
            for r in self.results:
                if r.method == m and r.verdict is not None:
                    return m
        return None

    def to_json_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "decided_by": self.decided_by,
            "timeout_s": self.timeout_s,
            "methods": [asdict(r) for r in self.results],
            "formal_crn": self.formal_crn,
            "implementation_crn": self.implementation_crn,
            "interpretation": self.interpretation,
            "intermediates": self.intermediates,
            "rewrite": self.rewrite,
            "known_issues": self.known_issue_note,
        }


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
    from dsdcrn.compile.rewrite import check_rewrite

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


@dataclass
class Problem:
    """What the verification methods are given, reactions as crnverifier's lists.

    Attributes
    ----------
    fcrn : the formal CRN.
    formals : formal species: the specification's and every one a signal stands for.
    icrn : the implementation CRN, signal variants kept apart (for the bisimulation).
    interpretation : every signal to its formal species, every waste to nothing.
    collapsed : the implementation CRN with signal variants collapsed to their formal
        names and the rewrite's fuels and wastes dropped (pathway-based methods).
    signals : signal species -> the formal (or rewrite) species it stands for.
    rename : implementation species -> its name in ``collapsed``.
    meaning : the rewrite's introduced species -> what they stand for (empty: none).
    wastes : names in ``collapsed`` of the enumeration's wastes.
    pd_fcrn, pd_formals, pd_rewrite : what pathway decomposition compares with
        (:func:`pathway_target`).
    """

    fcrn: list[list[list[str]]]
    formals: set[str]
    icrn: list[list[list[str]]]
    interpretation: dict[str, list[str]]
    collapsed: list[list[list[str]]]
    signals: dict[str, str]
    rename: dict[str, str]
    meaning: dict[str, list[str]]
    wastes: set[str]
    pd_fcrn: list[list[list[str]]]
    pd_formals: set[str]
    pd_rewrite: Rewrite | None = None

    @property
    def dropped(self) -> set[str]:
        """The rewrite's fuels and wastes: introduced species that stand for nothing."""
        return {f for f, v in self.meaning.items() if not v}

    def job(self, method: str) -> tuple:
        """(function, arguments) that run ``method`` in a child process."""
        if method == "crn-bisimulation":
            return (_bisimulation, self.fcrn, self.icrn, self.formals, dict(self.interpretation))
        if method == "pathway-decomposition":
            return (_pathway, self.pd_fcrn, self.collapsed, self.pd_formals, self.pd_rewrite)
        # the rewrite's intermediates stand for their formal species here too
        extra = {x: v for x, v in self.meaning.items() if v and x in self.rename.values()}
        return (_hybrid, self.fcrn, self.collapsed, self.formals, extra)


def check_methods(methods: tuple[str, ...]) -> None:
    """Raise ValueError for a method name that is not one of :data:`METHODS`."""
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"unknown verification method {m!r}; choose from {', '.join(METHODS)}")


def interpretation_setup(
    formal: CRN, enumerated: Enumerated
) -> tuple[set[str], dict[str, list[str]], dict[str, list[str]]]:
    """The formal species, the signals' and wastes' interpretation, and the rewrite's meaning.

    Formal species are the specification's and every species the implementation has a
    signal for (so a product missing from the specification cannot pass as waste),
    except the rewrite's introduced species; a signal of an introduced species is
    interpreted as what the rewrite says it stands for.

    Returns
    -------
    tuple
        (formal species, interpretation, introduced species -> formal species).
    """
    rewrite = enumerated.system.rewrite
    meaning = rewrite.interpretation if rewrite is not None else {}
    formals = set(formal.species) | {
        s.formal for s in enumerated.by_role("signal") if s.formal not in meaning
    }
    inter = enumerated.interpretation()
    if meaning:
        inter = {n: sorted(y for x in v for y in meaning.get(x, [x])) for n, v in inter.items()}
    return formals, inter, meaning


def collapse_signals(
    icrn: list[Reaction], signals: dict[str, str], formals: set[str], dropped: set[str]
) -> tuple[list[list[list[str]]], dict[str, str]]:
    """The implementation CRN for the pathway-based methods, and the renaming used.

    Each signal variant becomes its formal name; any other species whose name is also a
    formal name gets ``_impl`` appended; then the species in ``dropped`` (the rewrite's
    fuels and wastes) and the reactions that change nothing are removed.
    """
    rename = {
        n: (signals[n] if n in signals else (f"{n}_impl" if n in formals else n))
        for r in icrn
        for n in r.reactants + r.products
    }
    renamed = (([rename[x] for x in r.reactants], [rename[x] for x in r.products]) for r in icrn)
    return drop_species(renamed, dropped), rename


def pathway_target(
    formal: CRN, rewrite: Rewrite | None, fcrn: list, formals: set[str]
) -> tuple[list[list[list[str]]], set[str], Rewrite | None]:
    """What pathway decomposition compares the implementation with.

    Pathway decomposition takes no interpretation: when the circuit was compiled through
    a rewrite of ``formal`` that introduced intermediates, it compares with the
    rewritten CRN (the intermediates formal, the fuels and wastes dropped) and the
    rewrite itself is checked against the formal CRN, so the rewrite is returned too.
    Otherwise ``(fcrn, formals, None)``.
    """
    if rewrite is None:
        return fcrn, formals, None
    meaning = rewrite.interpretation
    same = [(r.reactants, r.products) for r in formal.reactions] == [
        (r.reactants, r.products) for r in rewrite.original.reactions
    ]
    if not (same and any(meaning.values())):
        return fcrn, formals, None
    dropped = {f for f, v in meaning.items() if not v}
    pd_formals = formals | {x for x, v in meaning.items() if v}
    pd_fcrn = drop_species(((r.reactants, r.products) for r in rewrite.crn.reactions), dropped)
    return pd_fcrn, pd_formals, rewrite


def build_problem(formal: CRN, enumerated: Enumerated) -> Problem:
    """Everything the three methods and the counterexample need, from the two CRNs."""
    formals, inter, meaning = interpretation_setup(formal, enumerated)
    icrn_rxns = enumerated.implementation_crn()
    signals = {s.name: s.formal for s in enumerated.by_role("signal")}
    dropped = {f for f, v in meaning.items() if not v}
    collapsed, rename = collapse_signals(icrn_rxns, signals, formals, dropped)
    fcrn = formal.as_lists()
    rewrite = enumerated.system.rewrite
    pd_fcrn, pd_formals, pd_rewrite = pathway_target(formal, rewrite, fcrn, formals)
    icrn = [[list(r.reactants), list(r.products)] for r in icrn_rxns]
    wastes = {rename[s.name] for s in enumerated.by_role("waste") if s.name in rename}
    return Problem(
        fcrn, formals, icrn, inter, collapsed, signals, rename, meaning, wastes,
        pd_fcrn, pd_formals, pd_rewrite,
    )  # fmt: skip


def run_method(
    method: str, problem: Problem, timeout_s: float, counterexample: bool = True
) -> MethodResult:
    """Run one method in a child process; on a verdict of incorrect, add a counterexample
    (unless ``counterexample`` is False).

    A time-out or a crnverifier failure gives a verdict of None with the reason.
    """
    t0 = time.perf_counter()
    interp = None
    try:
        ok, detail, interp = run_isolated(*problem.job(method), timeout=timeout_s)
    except Timeout:
        ok, detail = None, f"no answer within the time-out of {timeout_s:g} s"
    except ChildError as err:
        ok, detail = None, f"crnverifier failed: {err}"
    res = MethodResult(method, ok, round(time.perf_counter() - t0, 3), detail, None, interp)
    if ok is False and counterexample:
        res.counterexample = find_counterexample(problem, timeout_s)
    return res


def find_counterexample(problem: Problem, timeout_s: float) -> str:
    """The counterexample (:func:`dsdcrn.verify.counterexample.basis_diff`), in a child
    process with a time-out of ``timeout_s`` s, or why it could not be computed."""
    signals = set(problem.signals)
    quiet = {n for n, f in problem.signals.items() if f in problem.dropped}
    raw = (problem.icrn, signals - quiet, quiet | set(problem.interpretation) - signals)
    try:
        return run_isolated(
            basis_diff,
            problem.pd_fcrn,
            problem.collapsed,
            problem.pd_formals,
            problem.wastes,
            raw,
            timeout=timeout_s,
        )
    except (Timeout, ChildError) as err:
        return f"no counterexample: formal basis not computed ({err})"


def verify(
    formal: CRN,
    enumerated: Enumerated,
    methods: tuple[str, ...] = METHODS,
    timeout_s: float = VERIFY_TIMEOUT_S,
    counterexamples: bool = True,
) -> Verification:
    """Check ``enumerated`` against ``formal`` with each method, ``timeout_s`` seconds each;
    ``counterexamples`` adds one to each verdict of incorrect (a further child process)."""
    check_methods(methods)
    problem = build_problem(formal, enumerated)
    results = [run_method(m, problem, timeout_s, counterexamples) for m in methods]
    return Verification(
        results,
        [str(r).rsplit(" [", 1)[0] for r in formal.reactions],
        [format_reaction(reaction_key(r, p)) for r, p in problem.icrn],
        problem.interpretation,
        timeout_s,
        [s.name for s in enumerated.by_role("intermediate")],
        enumerated.system.rewrite_notes,
        enumerated.system.known_issues,
    )
