"""Equilibrium solver, meta-ranking edge cases, and candidate seeds and specification."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.design.candidates import (
    SHARED_WHY,
    SPEC_WHY,
    candidate_seeds,
    meets_spec,
    spec_misses,
    spec_summary,
)
from dsdcrn.design.equilibrium import R_KCAL, equilibrium, rt
from dsdcrn.design.ranking import DEFAULT_WEIGHTS, rank_candidates
from dsdcrn.design.scores import METRICS, ScoreReport
from dsdcrn.errors import DesignError
from dsdcrn.options import DesignOptions


def test_rt_at_25_celsius() -> None:
    assert rt(25.0) == pytest.approx(0.5925, abs=1e-4)
    assert rt(0.0) == pytest.approx(R_KCAL * 273.15)


def test_equilibrium_conserves_mass_and_matches_the_homodimer_formula() -> None:
    x0, dG = 1e-6, -10.0
    aa, free = equilibrium(np.array([x0]), np.array([[2]]), np.array([dG]))
    assert 2 * aa + free == pytest.approx(x0, rel=1e-8)
    assert aa == pytest.approx(np.exp(-dG / rt(25.0)) * free**2, rel=1e-6)  # K = [AA]/[A]^2
    totals = np.array([1e-6, 2e-6, 5e-7])
    comps = np.array([[1, 1, 0], [0, 1, 1], [1, 1, 1]])
    conc = equilibrium(totals, comps, np.array([-9.0, -11.0, -25.0]))
    held = comps.T @ conc[:3] + conc[3:]
    assert held == pytest.approx(totals, rel=1e-7)
    assert conc[2] == pytest.approx(5e-7, rel=1e-3)  # the trimer takes all of C


def test_ranking_handles_zero_minimum_and_equal_values() -> None:
    higher = {"a": False, "b": True}
    r = rank_candidates([{"a": 0.0, "b": 1.0}, {"a": 2.0, "b": 1.0}], higher, {"a": 50})
    assert r.excess[:, 0].tolist() == [0.0, 2.0]  # |min| read as 1 when min is 0
    assert r.badness[:, 1].tolist() == [0.0, 0.0]  # max == min: no badness
    assert r.ranks[:, 1].tolist() == [0, 0] and r.winner == 0
    assert r.weights == {"a": 50.0, "b": 0.0}
    with pytest.raises(DesignError, match="not a finite number"):
        rank_candidates([{"a": float("nan"), "b": 1.0}], higher)
    with pytest.raises(DesignError, match="no candidate"):
        rank_candidates([], higher)


def test_default_weights_cover_every_metric() -> None:
    assert set(DEFAULT_WEIGHTS) == set(METRICS)
    assert all(w > 0 for w in DEFAULT_WEIGHTS.values())


def test_candidate_seeds_do_not_depend_on_the_number_of_candidates() -> None:
    assert candidate_seeds(7, 5)[:3] == candidate_seeds(7, 3)
    assert len(set(candidate_seeds(7, 5))) == 5 and candidate_seeds(8, 1) != candidate_seeds(7, 1)
    with pytest.raises(DesignError, match="non-negative"):
        candidate_seeds(-1, 2)


def _report(cx: list[dict], **metrics: float) -> ScoreReport:
    base = {
        "dG dev max": 0.2,
        "Toehold windows": 0.0,
        "Occupancy max": 5.0,
        "SSTU min": 0.95,
    }
    return ScoreReport(base | metrics, cx, options={"dimer_threshold": -6.0})


def test_spec_checks_every_item_and_says_which_it_misses() -> None:
    opts = DesignOptions()
    good_cx = {"ensemble_defect": 0.01, "yield_pct": 99.5, "skipped": False}
    bad_cx = {"ensemble_defect": 0.2, "yield_pct": 99.5, "skipped": False}
    low_cx = {"ensemble_defect": 0.01, "yield_pct": 90.0, "skipped": False}
    assert meets_spec(_report([good_cx, {"skipped": True}]), opts)
    cases = {
        "ensemble defect": _report([bad_cx]),
        "yield": _report([low_cx]),
        "toehold ΔG": _report([good_cx], **{"dG dev max": 0.6}),
        "toehold windows": _report([good_cx], **{"Toehold windows": 1.0}),
        "occupancy": _report([good_cx], **{"Occupancy max": 10.0}),
        "SSTU": _report([good_cx], **{"SSTU min": 0.89}),
    }
    for item, rep in cases.items():
        assert not meets_spec(rep, opts)
        assert [k for k, _ in spec_misses(rep, opts)] == [item]
        assert item in spec_summary(rep, opts) and SPEC_WHY[item] in spec_summary(rep, opts)
    assert spec_summary(_report([good_cx]), opts).startswith("**Specification: met**")
    # shared toeholds: the windows inside twins are counted and the reason says so
    rows = [
        {"name": "a", "sequence": "CATTCA", "windows": 5, "twin_windows": 4},
        {"name": "b", "sequence": "CATTCA", "windows": 3, "twin_windows": 2},
        {"name": "c", "sequence": "CTTTAC", "windows": 1, "twin_windows": 0},
    ]
    rep = _report([good_cx], **{"Toehold windows": 9.0})
    rep.toeholds = rows
    text = spec_summary(rep, opts)
    assert "9 strand window(s) read 5 nt of a toehold elsewhere, 6 of them inside its twins" in text
    assert SHARED_WHY["toehold windows"] in text and SPEC_WHY["toehold windows"] in text
    rep.toeholds = [rows[0], rows[2]]  # nothing shared
    assert SHARED_WHY["toehold windows"] not in spec_summary(rep, opts)
    assert meets_spec(_report([good_cx], **{"dG dev max": 0.7}), DesignOptions(toehold_dev=0.8))
