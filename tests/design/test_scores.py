"""Sequence scores on hand-made cases with known answers; ranking; equilibrium solver."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.design.equilibrium import equilibrium, rt
from dsdcrn.design.ranking import rank_candidates
from dsdcrn.design.scores import (
    DIMER_DG_THRESHOLD,
    METRICS,
    base_strands,
    score_design,
    unintended_pairs,
)
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DesignProblem, DomainSpec, SequenceDesign


def _rc(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def _design(problem: DesignProblem, domains: dict[str, str]) -> SequenceDesign:
    """A SequenceDesign with the given domain sequences (strands assembled from them)."""
    strands = {
        name: "".join(_rc(domains[t[:-1]]) if t.endswith("*") else domains[t] for t in toks)
        for name, toks in problem.strands.items()
    }
    return SequenceDesign(domains, strands, {}, {}, {}, [], [], 0, 0)


# three-letter long domains without shared 6-mers between them
X = "TCCTCATATCAACAACTC"
Y = "CATCTTACACTCTTCACA"


def _two_strands(x: str, y: str) -> tuple[DesignProblem, SequenceDesign]:
    problem = DesignProblem(
        [DomainSpec("x", len(x), "long"), DomainSpec("y", len(y), "long")],
        {"S1": ["x"], "S2": ["y"]},
        {"S1": (["S1"], "."), "S2": (["S2"], ".")},
        {"S1": 100.0, "S2": 100.0},
    )
    return problem, _design(problem, {"x": x, "y": y})


def test_fully_complementary_domains_give_a_large_tsi() -> None:
    problem, complementary = _two_strands(X, _rc(X))  # y is x* but not declared so
    bad = score_design(problem, complementary)
    ok = score_design(*_two_strands(X, Y))
    assert ("S1", "S2") in unintended_pairs(problem.strands)
    assert bad.metrics["TSI max"] > 90.0  # nearly every strand in the dimer at 1 µM
    assert ok.metrics["TSI max"] < 5.0
    assert bad.metrics["Dimer dG min"] < -20.0 < ok.metrics["Dimer dG min"]
    assert bad.metrics["Spurious dimers"] == 1 and ok.metrics["Spurious dimers"] == 0
    assert [(p["strand_a"], p["strand_b"]) for p in bad.spurious_dimers()] == [("S1", "S2")]
    assert bad.metrics["WSIS"] > 0 == ok.metrics["WSIS"]


def test_planted_gggg_is_caught_by_verboten() -> None:
    clean = score_design(*_two_strands(X, Y)).metrics["Verboten"]
    planted = score_design(*_two_strands(X[:7] + "GGGG" + X[11:], Y))
    assert clean < 1000 <= planted.metrics["Verboten"]
    assert {"strand": "S1", "position": 7, "motif": "GGGG"} in planted.verboten


def test_planted_shared_10mer_is_caught_by_max_bm() -> None:
    clean = score_design(*_two_strands(X, Y)).metrics
    shared = X[4:14]
    planted = score_design(*_two_strands(X, Y[:3] + shared + Y[13:])).metrics
    assert clean["Max-BM"] < 10 <= planted["Max-BM"]
    assert planted["WS-BM"] >= 2 ** (10 - 5)
    # a complementary stretch counts as well
    comp = score_design(*_two_strands(X, Y[:3] + _rc(shared) + Y[13:])).metrics
    assert comp["Max-BM"] >= 10


def test_designed_duplex_forms_and_base_strands_are_not_paired() -> None:
    problem = DesignProblem(
        [DomainSpec("t", 6, "toehold"), DomainSpec("x", len(X), "long")],
        {"top": ["x"], "bottom": ["x*", "t*"], "inv": ["t", "x"]},
        {
            "gate": (["top", "bottom"], "( + ) ."),
            "inv": (["inv"], ". ."),
        },
        {"gate": 100.0, "inv": 10.0},
    )
    report = score_design(problem, _design(problem, {"t": "CACCTA", "x": X}))
    gate = next(c for c in report.complexes if c["name"] == "gate")
    assert gate["ensemble_defect"] < 0.05 and gate["yield_pct"] > 99.0
    assert gate["mfe_equals_target"]
    assert base_strands(problem) == {"bottom"}
    pairs = {(p["strand_a"], p["strand_b"]) for p in report.pairs}
    # the base strand stays in its duplex; the free strands share no complementarity
    assert pairs == {("top", "top"), ("top", "inv"), ("inv", "inv")}
    (th,) = report.toeholds
    assert th["name"] == "t" and len(th["context_dG"]) == 1  # one sense occurrence, in inv
    assert 0 < report.metrics["SSTU min"] <= 1
    assert set(report.metrics) == set(METRICS)


def test_equilibrium_matches_the_two_strand_formula() -> None:
    for dG in (-20.0, -8.0, 0.0, 5.0):
        K = np.exp(-dG / rt(25.0))
        a0, b0 = 1e-6, 3e-7
        qb = K * (a0 + b0) + 1
        exact = 2 * K * a0 * b0 / (qb + np.sqrt(qb * qb - 4 * K * K * a0 * b0))
        got = equilibrium(np.array([a0, b0]), np.array([[1, 1]]), np.array([dG]))[0]
        assert got == pytest.approx(exact, rel=1e-8)
    c = equilibrium(np.array([1e-6, 1e-6, 2e-6]), np.eye(3)[[0, 1]] + np.eye(3)[[1, 2]], [-30, -2])
    assert c[0] == pytest.approx(1e-6, rel=1e-6)  # AB takes all of A and B
    with pytest.raises(DesignError):
        equilibrium(np.array([0.0]), np.zeros((0, 1)), np.zeros(0))


def test_meta_ranking_follows_piperine_definitions() -> None:
    higher = {"a": False, "b": False, "c": True}
    scores = [
        {"a": 1.0, "b": 5.0, "c": 0.9},  # best on everything
        {"a": 2.0, "b": 5.0, "c": 0.5},
        {"a": 4.0, "b": 9.0, "c": 0.5},
    ]
    r = rank_candidates(scores, higher, {"a": 10, "b": 20, "c": 30})
    assert r.winner == 0
    assert r.ranks[:, 1].tolist() == [0, 0, 1]  # ties share a dense rank
    assert r.excess[:, 0].tolist() == [0.0, 1.0, 3.0]  # (x - min) / |min|
    assert r.badness[:, 0] == pytest.approx([0.0, 1 / 3, 1.0])  # (x - min) / (max - min)
    assert r.meta[0].tolist() == [0] * 8
    # weights change the outcome when candidates trade off
    trade = [{"a": 1.0, "b": 9.0, "c": 0.5}, {"a": 2.0, "b": 5.0, "c": 0.5}]
    assert rank_candidates(trade, higher, {"a": 100, "b": 1}).winner == 0
    assert rank_candidates(trade, higher, {"a": 1, "b": 100}).winner == 1
    with pytest.raises(DesignError, match="unknown metric"):
        rank_candidates(scores, higher, {"nope": 1})


def test_strands_that_cannot_pair_score_zero() -> None:
    # A/C only: no base pair is possible, alone or as a dimer (no connected structure)
    problem = DesignProblem([DomainSpec("x", 10, "long")], {"S": ["x"]}, {"S": (["S"], ".")})
    report = score_design(problem, _design(problem, {"x": "CCACCAACCA"}))
    (pair,) = report.pairs
    assert pair["strand_a"] == pair["strand_b"] == "S" and pair["bind_dG_mfe"] is None
    assert report.metrics["TSI max"] == 0.0 and report.metrics["SSU min"] == pytest.approx(1.0)
    assert report.to_json_dict()["pairs"][0]["mfe_dG"] is None


def test_gate_base_strands_are_checked_in_their_duplex() -> None:
    toehold = "CACCTA"
    problem = DesignProblem(
        [
            DomainSpec("t", 6, "toehold"),
            DomainSpec("x", len(X), "long"),
            DomainSpec("y", len(Y), "long"),
            DomainSpec("z", len(Y), "long"),
        ],
        {"top": ["x"], "bottom": ["x*", "t*"], "reader": ["y"], "mimic": ["z"]},
        {
            "gate": (["top", "bottom"], "( + ) ."),
            "reader": (["reader"], "."),
            "mimic": (["mimic"], "."),
        },
        {"gate": 100.0, "reader": 10.0, "mimic": 10.0},
    )
    y = Y[:6] + toehold + Y[12:]  # reads the toehold: binds the exposed t* of the gate
    z = "CT" + X[2:16] + "TC"  # reads 14 nt of x, but x* is paired inside the gate
    report = score_design(problem, _design(problem, {"t": toehold, "x": X, "y": y, "z": z}))
    rows = {(p["strand_a"], p["strand_b"]): p for p in report.pairs}
    # every pair of distinct strands without designed complementarity is folded, the
    # gate base strand included; intended partners (top, bottom) are not
    distinct = {k for k in rows if k[0] != k[1]}
    assert distinct == {
        ("top", "reader"),
        ("top", "mimic"),
        ("reader", "mimic"),
        ("bottom", "reader"),
        ("bottom", "mimic"),
    }
    assert rows["bottom", "reader"]["base"] and not rows["top", "reader"]["base"]
    assert rows["bottom", "reader"]["bind_dG_mfe"] < DIMER_DG_THRESHOLD
    assert rows["bottom", "mimic"]["bind_dG_mfe"] > DIMER_DG_THRESHOLD  # x* is blocked
    assert [(p["strand_a"], p["strand_b"]) for p in report.spurious_dimers()] == [
        ("bottom", "reader")
    ]
    assert report.metrics["Spurious dimers"] == 1
    assert report.metrics["Dimer dG min"] == rows["bottom", "reader"]["bind_dG_mfe"]


def test_winner_is_the_best_candidate_that_meets_the_specification() -> None:
    higher = {"a": False, "b": False}
    scores = [{"a": 1.0, "b": 1.0}, {"a": 2.0, "b": 2.0}, {"a": 3.0, "b": 3.0}]
    assert rank_candidates(scores, higher).winner == 0
    r = rank_candidates(scores, higher, feasible=[False, True, True])
    assert r.winner == 1 and r.feasible == [False, True, True]
    # when no candidate meets it, the meta-ranking alone decides
    assert rank_candidates(scores, higher, feasible=[False] * 3).winner == 0
    with pytest.raises(DesignError, match="feasible"):
        rank_candidates(scores, higher, feasible=[True])
