import time

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.model.crn import Reaction, parse_crn
from dsdcrn.options import METHODS
from dsdcrn.verify.whole import (
    MethodResult,
    Verification,
    build_problem,
    check_methods,
    collapse_signals,
    find_counterexample,
    interpretation_setup,
    pathway_target,
    run_method,
    verify,
)


@pytest.mark.parametrize(
    "key", ["A + B -> C", "A -> B", "A + B -> C + D", "2A -> B", "A + B <=> C"]
)
def test_acceptance_crns_are_correct(enumerated, key):
    crn, e = enumerated[key]
    v = verify(crn, e, timeout_s=60)
    verdicts = {r.method: r.verdict for r in v.results}
    # measured: every method proves each of the five acceptance CRNs correct
    assert verdicts == dict.fromkeys(METHODS, True), verdicts
    assert v.verdict is True and v.decided_by == "crn-bisimulation"


@pytest.mark.parametrize(
    "key, wrong",
    [
        ("A + B -> C", "A + B ->"),  # a missing product
        ("A + B -> C", "A + B -> 2C"),  # an extra product
        ("A + B -> C + D", "A + B -> C"),  # a missing product of two
        ("A + B -> C", "A + C -> B"),  # swapped species
        ("A -> B", "B -> A"),  # swapped species
    ],
)
def test_wrong_specification_is_incorrect_by_every_method(enumerated, key, wrong):
    _, e = enumerated[key]
    v = verify(parse_crn(wrong), e, timeout_s=60)
    assert [r.verdict for r in v.results] == [False, False, False]
    assert all(r.counterexample for r in v.results)
    assert "not in the formal CRN" in v.results[0].counterexample


def test_signal_only_interpretation_trap_is_avoided(enumerated):
    """A + B -> 2C must not pass: wastes are interpreted as nothing, not left free."""
    _, e = enumerated["A + B -> C"]
    inter = e.interpretation()
    assert all(inter[w.name] == [] for w in e.by_role("waste"))
    assert verify(parse_crn("A + B -> 2C"), e, ("crn-bisimulation",)).verdict is False


# --- the pieces of verify ------------------------------------------------------------


@pytest.fixture(scope="module")
def rewritten():
    """(formal CRN, enumeration) of circuits compiled through a CRN rewrite: a trimolecular
    reaction split through an intermediate, and products padded with a waste."""
    out = {}
    for scheme, text in [("soloveichik2010", "A + B + C -> D"), ("srinivas2017", "A + B -> C")]:
        crn = parse_crn(text)
        out[scheme] = (crn, enumerate_system(compile_crn(crn, scheme)))
    return out


def test_check_methods_refuses_an_unknown_method():
    check_methods(METHODS)
    with pytest.raises(ValueError, match="unknown verification method 'guess'"):
        check_methods(("crn-bisimulation", "guess"))


def test_interpretation_setup_without_a_rewrite(enumerated):
    crn, e = enumerated["A + B -> C + D"]
    formals, inter, meaning = interpretation_setup(crn, e)
    assert formals == {"A", "B", "C", "D"}
    assert inter == e.interpretation() and meaning == {}


def test_a_signal_missing_from_the_specification_is_still_formal(enumerated):
    _, e = enumerated["A + B -> C + D"]
    formals, _, _ = interpretation_setup(parse_crn("A + B -> C"), e)
    assert "D" in formals  # so D cannot pass as a waste


def test_interpretation_setup_reads_signals_of_the_rewrite_through_it(rewritten):
    crn, e = rewritten["soloveichik2010"]
    formals, inter, meaning = interpretation_setup(crn, e)
    assert meaning == {"i_r1": ["A", "B"]}
    assert formals == {"A", "B", "C", "D"}  # the rewrite's intermediate is not formal
    i_signals = [s.name for s in e.by_role("signal") if s.formal == "i_r1"]
    assert i_signals and all(inter[n] == ["A", "B"] for n in i_signals)


def test_collapse_signals_renames_variants_and_drops_what_stands_for_nothing():
    icrn = [
        Reaction(("A", "g"), ("i",)),
        Reaction(("i",), ("B_h", "w_r1", "B")),  # B is no signal here: it is renamed away
        Reaction(("i", "w_r1"), ("i",)),  # changes nothing once w_r1 is dropped
    ]
    collapsed, rename = collapse_signals(icrn, {"A": "A", "B_h": "B"}, {"A", "B"}, {"w_r1"})
    assert rename["B_h"] == "B" and rename["B"] == "B_impl" and rename["g"] == "g"
    assert collapsed == [[["A", "g"], ["i"]], [["i"], ["B_impl", "B"]]]


def test_pathway_target_without_a_rewrite_is_the_formal_crn(enumerated):
    crn, _ = enumerated["A -> B"]
    fcrn = crn.as_lists()
    assert pathway_target(crn, None, fcrn, {"A", "B"}) == (fcrn, {"A", "B"}, None)


def test_pathway_target_with_intermediates_is_the_rewritten_crn(rewritten):
    crn, e = rewritten["soloveichik2010"]
    rw = e.system.rewrite
    pd_fcrn, pd_formals, pd_rewrite = pathway_target(crn, rw, crn.as_lists(), {"A", "B", "C", "D"})
    assert pd_fcrn == [[["A", "B"], ["i_r1"]], [["i_r1"], ["A", "B"]], [["C", "i_r1"], ["D"]]]
    assert pd_formals == {"A", "B", "C", "D", "i_r1"} and pd_rewrite is rw
    # against another specification the rewrite does not apply
    other = parse_crn("A + B + C -> 2D")
    assert pathway_target(other, rw, other.as_lists(), {"A"})[2] is None


def test_pathway_target_with_only_a_waste_is_the_formal_crn(rewritten):
    crn, e = rewritten["srinivas2017"]
    assert e.system.rewrite.interpretation == {"w_r1": []}
    got = pathway_target(crn, e.system.rewrite, crn.as_lists(), {"A", "B", "C"})
    assert got == (crn.as_lists(), {"A", "B", "C"}, None)


def test_build_problem_collapses_history_variants(enumerated):
    crn, e = enumerated["A + B -> C"]
    p = build_problem(crn, e)
    assert p.fcrn == [[["A", "B"], ["C"]]] and p.formals == {"A", "B", "C"}
    assert len(p.icrn) == len(p.collapsed) == len(e.implementation_crn())
    names = {x for r in p.collapsed for side in r for x in side}
    variants = {s.name for s in e.by_role("signal")} - {"A", "B", "C"}
    assert variants and not (variants & names)
    assert p.wastes == {s.name for s in e.by_role("waste")}
    assert p.pd_fcrn == p.fcrn and p.pd_rewrite is None


def test_problem_job_picks_each_methods_inputs(rewritten):
    crn, e = rewritten["soloveichik2010"]
    p = build_problem(crn, e)
    bisim = p.job("crn-bisimulation")
    assert bisim[1:3] == (p.fcrn, p.icrn) and bisim[4] == p.interpretation
    rw = e.system.rewrite
    assert rw is not None
    assert p.job("pathway-decomposition")[1:] == (p.pd_fcrn, p.collapsed, p.pd_formals, rw)
    hybrid = p.job("integrated-hybrid")
    assert hybrid[1:4] == (p.fcrn, p.collapsed, p.formals) and hybrid[4] == {"i_r1": ["A", "B"]}
    srin = build_problem(*rewritten["srinivas2017"])
    assert srin.dropped == {"w_r1"} and srin.job("integrated-hybrid")[4] == {}


def test_run_method_gives_a_counterexample_when_incorrect(enumerated):
    _, e = enumerated["A + B -> C"]
    p = build_problem(parse_crn("A + B -> 2C"), e)
    res = run_method("pathway-decomposition", p, timeout_s=60)
    assert res.method == "pathway-decomposition" and res.verdict is False
    assert res.counterexample == find_counterexample(p, 60)
    assert "implemented but not in the formal CRN: A + B -> C" in res.counterexample
    assert res.seconds >= 0
    quick = run_method("pathway-decomposition", p, timeout_s=60, counterexample=False)
    assert quick.verdict is False and quick.counterexample is None


def test_run_method_without_an_answer_in_time(enumerated, monkeypatch):
    crn, e = enumerated["A + B -> C"]
    problem = build_problem(crn, e)
    # a method that takes 30 s, so the 0.2 s time-out is hit however loaded the machine
    monkeypatch.setattr(type(problem), "job", lambda self, method: (time.sleep, 30))
    t0 = time.perf_counter()
    res = run_method("crn-bisimulation", problem, timeout_s=0.2)
    assert res.verdict is None and res.counterexample is None
    assert res.detail == "no answer within the time-out of 0.2 s"
    assert time.perf_counter() - t0 < 10  # the child was killed, not waited for


def test_decided_by_names_a_method_that_disproved():
    def verification(*results):
        return Verification(list(results), [], [], {}, 1.0, known_issues="known")

    no = MethodResult("pathway-decomposition", False, 0.1)
    v = verification(MethodResult("crn-bisimulation", None, 1.0), no)
    assert v.verdict is False and v.decided_by == "pathway-decomposition"
    assert v.to_json_dict()["decided_by"] == "pathway-decomposition"
    assert v.known_issue_note == "known"
    none = verification(MethodResult("crn-bisimulation", None, 1.0))
    assert none.verdict is None and none.decided_by is None and none.known_issue_note == ""
