"""Tests for dsdcrn.design.long_domains: random draw, repair search and SSM."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.design.constraints import HardConstraints, Layout, encode, violations
from dsdcrn.design.kmers import SpuriousSearch
from dsdcrn.design.long_domains import (
    alphabet_codes,
    clear_toehold_windows,
    design_long_domains,
    draw_long_domains,
    gc_bounds,
    refine_ssm,
    repair,
)
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec

DOMAINS = [
    DomainSpec("t1", 6, "toehold"),
    DomainSpec("x1", 15, "long"),
    DomainSpec("x2", 15, "long"),
    DomainSpec("h1", 15, "long"),
]
STRANDS = {"S1": ["h1", "t1", "x1"], "B": ["x1*", "t1*"], "X2": ["x2"]}
TOEHOLD = "CATCAC"
GC = (0.35, 0.65)


def _start(k: int = 7) -> tuple[np.ndarray, Layout]:
    lay = Layout(DOMAINS, STRANDS, k)
    seq = np.zeros(lay.total, np.uint8)
    seq[:6] = encode(TOEHOLD)
    return seq, lay


def _repaired(seed: int) -> tuple[np.ndarray, Layout, tuple, np.random.Generator]:
    """A drawn and repaired sequence: (seq, layout, GC bounds, the generator after)."""
    seq, lay = _start()
    bounds = gc_bounds(lay, GC)
    rng = np.random.default_rng(seed)
    draw_long_domains(seq, lay, bounds, [1], rng)
    repair(seq, lay, bounds, True, rng, 30.0, "")
    return seq, lay, bounds, rng


def _gc(seq: np.ndarray, lay: Layout) -> np.ndarray:
    return np.add.reduceat(((seq == 1) | (seq == 2)).astype(int), lay.starts)


def test_alphabet_and_gc_bounds() -> None:
    assert alphabet_codes(True) == ([0, 1, 3], [1])
    assert alphabet_codes(False) == ([0, 1, 2, 3], [1, 2])
    _, lay = _start()
    low, high = gc_bounds(lay, GC)
    assert list(low) == [3, 6, 6, 6] and list(high) == [3, 9, 9, 9]  # 15 nt: 5.25..9.75
    low, high = gc_bounds(lay, (0.0, 1.0))
    assert list(low) == [0] * 4 and list(high) == list(lay.lengths)


def test_draw_fills_long_domains_inside_the_gc_window() -> None:
    seq, lay = _start()
    bounds = gc_bounds(lay, GC)
    draw_long_domains(seq, lay, bounds, [1], np.random.default_rng(3))
    assert list(seq[:6]) == list(encode(TOEHOLD))  # toehold untouched
    assert not (seq[6:] == 2).any()  # three-letter: no G
    gc = _gc(seq, lay)
    assert all(bounds[0][i] <= gc[i] <= bounds[1][i] for i in lay.long_ids)
    again, _ = _start()
    draw_long_domains(again, lay, bounds, [1], np.random.default_rng(3))
    assert (again == seq).all()


def test_repair_meets_every_hard_constraint() -> None:
    seq, lay = _start()
    bounds = gc_bounds(lay, GC)
    draw_long_domains(seq, lay, bounds, [1], np.random.default_rng(0))
    stats = repair(seq, lay, bounds, True, np.random.default_rng(0), 30.0, "test")
    assert stats["final_violations"] == 0 <= stats["initial_violations"]
    assert stats["iterations"] >= (1 if stats["initial_violations"] else 0)
    assert violations(seq, lay, bounds)[0] == 0
    assert list(seq[:6]) == list(encode(TOEHOLD))
    assert not (seq == 2).any()


def test_repair_times_out_with_advice() -> None:
    seq, lay = _start(k=3)  # 39 windows of 3 nt: more than the 27 three-letter 3-mers
    bounds = gc_bounds(lay, GC)
    draw_long_domains(seq, lay, bounds, [1], np.random.default_rng(0))
    with pytest.raises(DesignError, match="max_seconds=0 s") as info:
        repair(seq, lay, bounds, True, np.random.default_rng(0), 0.0, "max_shared_kmer=3")
    msg = str(info.value)
    assert "(max_shared_kmer=3)" in msg and "raise max_shared_kmer to 4" in msg


def test_repair_gives_up_when_only_toeholds_violate() -> None:
    domains = [DomainSpec("t1", 6, "toehold"), DomainSpec("t2", 6, "toehold")]
    lay = Layout(domains, {"S": ["t1"], "T": ["t2"]}, 4)
    seq = encode(TOEHOLD + TOEHOLD).copy()  # every 4-mer shared, nothing mutable
    with pytest.raises(DesignError, match="involve only toeholds"):
        repair(seq, lay, gc_bounds(lay, (0, 1)), True, np.random.default_rng(0), 9.0, "")


def test_ssm_never_raises_the_score_and_keeps_constraints() -> None:
    seq, lay, bounds, rng = _repaired(1)
    ssm = SpuriousSearch(lay.labels, seq)
    hard = HardConstraints(seq, lay, lay.unit_labels, bounds)
    stats = refine_ssm(seq, lay, ssm, hard, [0, 1, 3], rng, 120)
    assert stats["ssm_steps"] == 120 and 0 <= stats["ssm_accepted"] <= 120
    assert stats["ssm_final_score"] <= stats["ssm_initial_score"]
    assert violations(seq, lay, bounds)[0] == 0
    # the incremental states stay in step with the sequence
    assert ssm.score == pytest.approx(SpuriousSearch(lay.labels, seq).score)
    assert stats["ssm_final_score"] == pytest.approx(ssm.score + hard.soft_total(seq))
    assert (hard.gc == _gc(seq, lay)).all()


def test_design_long_domains_runs_both_phases_deterministically() -> None:
    def run(seed: int) -> tuple[np.ndarray, dict]:
        seq, lay = _start()
        out = design_long_domains(seq, lay, GC, np.random.default_rng(seed), 30.0, True, 90)
        return seq, out

    seq, (stats, timings, ssm, hard) = run(5)
    assert set(stats) >= {"iterations", "final_violations", "ssm_accepted", "ssm_final_score"}
    assert set(timings) == {"repair_s", "ssm_s"}
    assert hard.th is None  # no exposed toeholds given
    assert ssm.score == pytest.approx(SpuriousSearch(Layout(DOMAINS, STRANDS, 7).labels, seq).score)
    again, _ = run(5)
    other, _ = run(6)
    assert (again == seq).all() and not (other == seq).all()
    seq0, lay = _start()
    stats0, *_ = design_long_domains(seq0, lay, GC, np.random.default_rng(5), 30.0, True, 0)
    assert "ssm_steps" not in stats0  # no SSM steps asked for


def test_pair_check_agrees_with_the_whole_sequence_check() -> None:
    seq, lay, bounds, rng = _repaired(3)
    hard = HardConstraints(seq, lay, lay.unit_labels, bounds)
    mutable = np.flatnonzero(lay.mutable)
    verdicts = set()
    for _ in range(400):
        where = [int(p) for p in rng.choice(mutable, int(rng.integers(1, 3)), replace=False)]
        trial = seq.copy()
        trial[where] = rng.choice([0, 1, 3], len(where))
        whole = violations(trial, lay, bounds)[0] == 0
        assert hard.allows(trial, where) == whole
        verdicts.add(whole)
    assert verdicts == {True, False}  # both kinds of change were met


def test_toehold_window_clearing_stops_at_its_time_bound() -> None:
    def run(max_seconds: float) -> tuple[dict, np.ndarray]:
        seq, lay, bounds, rng = _repaired(0)
        hard = HardConstraints(seq, lay, lay.unit_labels, bounds, [(0, True), (0, False)])
        return clear_toehold_windows(seq, lay, hard, [0, 1, 3], rng, max_seconds), seq

    bounded, seq = run(0.0)  # no pass starts after 0 s
    assert bounded["toehold_windows_passes"] == 0 and bounded["toehold_windows_kept_changes"] == 0
    assert bounded["toehold_windows_after_draw"] == bounded["toehold_windows_initial"] > 0
    full, cleared = run(float("inf"))
    assert full["toehold_windows_passes"] >= 1
    assert full["toehold_windows_after_draw"] < full["toehold_windows_initial"]
    assert not (cleared == seq).all()
