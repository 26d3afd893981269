"""Tests for dsdcrn.design.refine: ensemble-defect and exposed-toehold refinement."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dsdcrn.design.constraints import Layout, encode, violations
from dsdcrn.design.kmers import SpuriousSearch
from dsdcrn.design.long_domains import design_long_domains, gc_bounds
from dsdcrn.design.refine import (
    Defects,
    SearchState,
    defect_trial,
    defects_stay,
    draw_defect_site,
    fix_toehold_window,
    refine_defects,
    refine_occupancy,
    refine_toehold_matches,
    spurious_gate,
    try_defect_change,
    try_toehold_change,
    worst_first,
)
from dsdcrn.design.sequences import (
    occlusion_entries,
    occupancy_setup,
    refine_design,
    target_structures,
)
from dsdcrn.design.vienna import vienna_dna_model
from dsdcrn.model.design import DomainSpec
from dsdcrn.options import DesignOptions

DOMAINS = [
    DomainSpec("t1", 6, "toehold"),
    DomainSpec("t2", 6, "toehold"),
    DomainSpec("x1", 15, "long"),
    DomainSpec("h1", 15, "long"),
]
STRANDS = {"S1": ["h1", "t1", "x1"], "G_top": ["x1", "t2"], "G_bot": ["t2*", "x1*", "t1*"]}
COMPLEXES = {
    "S1": (["S1"], ". . ."),
    "gate": (["G_top", "G_bot"], "( ( + ) ) ."),
    "S1_on_gate": (["S1", "G_top", "G_bot"], ". ( . + ( ( + ) ) )"),
}
GC = (0.35, 0.65)


def _state(seed: int = 0, ssm_steps: int = 0) -> tuple[SearchState, Defects]:
    """A repaired design of the gate system (toeholds fixed), and its defects."""
    lay = Layout(DOMAINS, STRANDS, 7)
    seq = np.zeros(lay.total, np.uint8)
    seq[:12] = encode("CATCAC" + "CTACCA")
    index = {n: i for i, n in enumerate(lay.names)}
    exposed = occlusion_entries({d.name: d for d in DOMAINS}, index)
    rng = np.random.default_rng(seed)
    _, _, ssm, hard = design_long_domains(seq, lay, GC, rng, 30.0, True, ssm_steps, exposed)
    st = SearchState(seq, lay, ssm, hard, [0, 1, 3], rng)
    targets = target_structures(DOMAINS, STRANDS, COMPLEXES)
    return st, Defects(seq, lay, STRANDS, COMPLEXES, targets, vienna_dna_model())


def _assert_in_step(st: SearchState, defects: Defects) -> None:
    """Every incremental state agrees with a fresh evaluation of ``st.seq``."""
    assert violations(st.seq, st.lay, gc_bounds(st.lay, GC))[0] == 0
    assert st.ssm.score == pytest.approx(SpuriousSearch(st.lay.labels, st.seq).score)
    gc = np.add.reduceat(((st.seq == 1) | (st.seq == 2)).astype(int), st.lay.starts)
    assert (st.hard.gc == gc).all()
    fresh = [defects.evaluate(st.seq, c)[0] for c in range(len(defects.names))]
    assert defects.defect == pytest.approx(fresh)


def test_spurious_gate_counts_long_matches_only() -> None:
    assert spurious_gate(SimpleNamespace(last_comp={6: 4, 8: 1, 11: 2})) == 3
    assert spurious_gate(SimpleNamespace(last_comp={})) == 0


def test_defects_cover_each_complex_and_domain() -> None:
    st, defects = _state()
    assert defects.names == list(COMPLEXES)
    assert all(0.0 <= d <= 1.0 for d in defects.defect)
    x1 = st.lay.names.index("x1")
    assert sorted(defects.by_domain[x1]) == [0, 1, 2]  # x1 is in every complex
    per_nt = defects.per_nt(st.seq, 1)
    assert per_nt.shape == (48,) and per_nt.mean() == pytest.approx(defects.defect[1], abs=1e-6)


def test_draw_defect_site_picks_a_mutable_nucleotide_of_a_complex_over_target() -> None:
    st, defects = _state()
    assert draw_defect_site(st, defects, 0.999, set(), {}) is None
    stuck: set[int] = set()
    cache: dict[int, np.ndarray] = {}
    c, g = draw_defect_site(st, defects, 0.0, stuck, cache)
    assert st.lay.mutable[g] and g in set((defects.labels[c] >> 1).tolist())
    assert c in cache and not stuck
    zeros = {a: np.zeros(len(defects.targets[a])) for a in range(3)}
    c, g = draw_defect_site(st, defects, 0.0, stuck, zeros)
    assert g is None and stuck == {c}


def test_defect_trial_only_returns_lower_defects() -> None:
    st, defects = _state()
    before = st.seq.copy()
    c = int(np.argmax(defects.defect))
    found = 0
    for g in np.flatnonzero(st.lay.mutable)[::5]:
        for b in (0, 1, 3):
            if b == st.seq[g]:
                continue
            out = defect_trial(st, defects, c, int(g), b)
            if out is None:
                continue
            found += 1
            trial, moves, ok, new_c = out
            assert new_c < defects.defect[c] and moves[0] == (g, b)
            assert (ok is None) == (len(moves) == 2)
            assert set(np.flatnonzero(trial != before).tolist()) == {p for p, _ in moves}
    assert (st.seq == before).all()  # trials never touch the state
    assert found


def test_try_defect_change_keeps_every_state_in_step() -> None:
    st, defects = _state()
    c = int(np.argmax(defects.defect))
    kept_any = False
    for g in np.flatnonzero(st.lay.mutable)[::3]:
        b = [x for x in (0, 1, 3) if x != st.seq[g]][0]
        old_excess = np.maximum(defects.defect - 0.0, 0).sum()
        kept, affected = try_defect_change(st, defects, c, int(g), b, 0.0)
        assert kept in (0, 1, 2) and (kept == 0) == (affected == [])
        if kept:
            kept_any = True
            assert np.maximum(defects.defect, 0).sum() < old_excess
    _assert_in_step(st, defects)
    assert kept_any


def test_refine_defects_lowers_the_worst_defect() -> None:
    st, defects = _state(seed=2)
    stats = refine_defects(st, defects, 6, 0.01)
    assert stats["defect_steps"] <= 6 and stats["defect_accepted"] <= stats["defect_steps"]
    assert stats["defect_final_max"] <= stats["defect_initial_max"]
    _assert_in_step(st, defects)
    done = refine_defects(st, defects, 5, 0.999)  # nothing above target: no step
    assert done["defect_steps"] == 0


def test_defects_stay_stops_at_a_rise_above_target() -> None:
    st, defects = _state()
    g = int(np.flatnonzero(st.lay.mutable)[0])
    trial = st.seq.copy()
    trial[g] = 1 if trial[g] != 1 else 0
    affected, vals = defects_stay(defects, trial, g, 1.0)
    assert sorted(affected) == sorted(defects.by_domain[int(defects.owner[g])])
    assert list(affected) == sorted(affected, key=lambda a: len(defects.targets[a]))
    assert vals == pytest.approx([defects.evaluate(trial, a)[0] for a in affected])
    defects.defect[:] = 0.0
    assert defects_stay(defects, trial, g, 0.0) is None


def _planted(seed: int = 0) -> tuple[SearchState, Defects]:
    """:func:`_state` with t1's first 5 nt written into x1 (read by S1 and G_top, and
    t1*'s by G_bot), the search state brought in step."""
    st, defects = _state(seed)
    assert int(st.hard.toehold_hits(st.seq).sum()) == 0  # cleared after the draw
    x1 = int(st.lay.starts[st.lay.names.index("x1")])
    for at in range(x1, x1 + 11):  # the first place the hard constraints still hold
        trial = st.seq.copy()
        trial[at : at + 5] = encode("CATCA")
        if violations(trial, st.lay, gc_bounds(st.lay, GC))[0] == 0:
            break
    st.seq[:] = trial
    st.hard.force(st.seq, list(range(at, at + 5)))
    st.ssm = SpuriousSearch(st.lay.labels, st.seq)
    defects.defect[:] = [defects.evaluate(st.seq, c)[0] for c in range(len(defects.names))]
    return st, defects


def test_toehold_phase_removes_windows_reading_a_toehold() -> None:
    st, defects = _planted(seed=0)
    start = int(st.hard.toehold_hits(st.seq).sum())
    assert start == 3  # S1 and G_top read CATCA, G_bot its complement
    stats = refine_toehold_matches(st, defects, 0.99)
    assert stats["toehold_match_initial"] == start and stats["toehold_match_final"] == 0
    assert stats["toehold_match_final"] == int(st.hard.toehold_hits(st.seq).sum())
    assert stats["toehold_match_accepted"] <= stats["toehold_match_steps"] <= 2 * start
    _assert_in_step(st, defects)


def test_single_toehold_changes_lower_the_hit_count() -> None:
    st, defects = _planted(seed=0)
    hits = np.flatnonzero(st.hard.toehold_hits(st.seq))
    assert len(hits) == 3
    g = int(np.flatnonzero(st.lay.mutable)[0])
    assert try_toehold_change(st, defects, g, int(st.seq[g]), 0.99) is False  # no change
    assert fix_toehold_window(st, defects, int(hits[0]), 0.99)
    assert int(st.hard.toehold_hits(st.seq).sum()) == 0  # one base, every copy of x1
    _assert_in_step(st, defects)


def test_refine_design_runs_the_defect_the_toehold_then_the_sstu_phase() -> None:
    st, _ = _state(seed=0)
    search, timings = refine_design(st, DOMAINS, STRANDS, COMPLEXES, DesignOptions(), 3)
    assert list(timings) == ["defect_s", "toehold_match_s", "sstu_s"]
    assert search["defect_steps"] <= 3 and search["toehold_match_final"] == 0
    assert list(search).index("defect_steps") < list(search).index("toehold_match_final")
    assert list(search).index("toehold_match_final") < list(search).index("sstu_final_min")
    assert search["sstu_final_min"] >= search["sstu_initial_min"]
    st, _ = _state(seed=0)
    search, timings = refine_design(st, DOMAINS, STRANDS, COMPLEXES, DesignOptions(), 0)
    assert list(timings) == ["toehold_match_s"] and "defect_steps" not in search
    st.lay.mutable[:] = False  # nothing left to change: every phase skipped
    assert refine_design(st, DOMAINS, STRANDS, COMPLEXES, DesignOptions(), 3) == ({}, {})


def test_occupancy_phase_breaks_a_bystanders_copy_of_a_toehold() -> None:
    # a strand Y = h1 added alone at 1 uM; h1 made to hold t1 (CATCAC), so Y sits on the
    # gate's exposed t1*; the phase changes h1 until the site is mostly free again
    strands = {**STRANDS, "Y": ["h1"]}
    complexes = {**COMPLEXES, "Y": (["Y"], ".")}
    lay = Layout(DOMAINS, strands, 7)
    seq = np.zeros(lay.total, np.uint8)
    seq[:12] = encode("CATCAC" + "CTACCA")
    index = {n: i for i, n in enumerate(lay.names)}
    rng = np.random.default_rng(1)
    exposed = occlusion_entries({d.name: d for d in DOMAINS}, index)
    _, _, ssm, hard = design_long_domains(seq, lay, GC, rng, 30.0, True, 0, exposed)
    h1 = int(lay.starts[lay.names.index("h1")])
    for at in range(h1, h1 + 10):  # the first place the hard constraints still hold
        trial = seq.copy()
        trial[at : at + 6] = encode("CATCAC")
        if violations(trial, lay, gc_bounds(lay, GC))[0] == 0:
            break
    seq[:] = trial
    hard.force(seq, list(range(at, at + 6)))
    st = SearchState(seq, lay, SpuriousSearch(lay.labels, seq), hard, [0, 1, 3], rng)
    md = vienna_dna_model()
    conc = {"gate": 100.0, "S1": 10.0, "Y": 1000.0}
    occ = occupancy_setup(lay, DOMAINS, strands, complexes, conc, md, DesignOptions())
    assert len(occ.sites) == 1 and sorted(occ.partners) == [0, 3]  # t1* on the gate; S1, Y
    assert occ.sites[0][2] == {0}  # S1 carries t1: its intended partner
    occ.fill(seq)
    before = float(occ.theta()[0])
    assert before > 0.5  # Y holds the site most of the time
    bounded = refine_occupancy(st, occ, 0.08, 20, None, 0.99, max_seconds=0.0)
    assert bounded["occupancy_steps"] == 0 and (st.seq == seq).all()  # no step past the bound
    stats = refine_occupancy(st, occ, 0.08, 20, None, 0.99)
    assert stats["occupancy_initial_max"] == pytest.approx(before, abs=1e-4)
    assert stats["occupancy_final_max"] < 0.08 and stats["occupancy_accepted"] >= 1
    fresh = occupancy_setup(lay, DOMAINS, strands, complexes, conc, md, DesignOptions())
    fresh.fill(st.seq)  # the kept state agrees with a fresh evaluation
    assert fresh.theta()[0] == pytest.approx(stats["occupancy_final_max"], abs=1e-4)
    assert violations(st.seq, lay, gc_bounds(lay, GC))[0] == 0
    assert st.ssm.score == pytest.approx(SpuriousSearch(lay.labels, st.seq).score)


def test_worst_first_says_its_progress_and_stops_at_its_time_bound(caplog) -> None:
    import time

    caplog.set_level("INFO", logger="dsdcrn.design.refine")
    left = list(range(60))

    def slow(_: int) -> bool:
        time.sleep(0.002)
        return True

    tried, kept = worst_first(60, lambda stuck: left.pop() if left else None, slow, label="x")
    assert (tried, kept) == (60, 60)
    lines = [r.message for r in caplog.records if r.message.startswith("x: step")]
    assert len(lines) == 2  # after 25 and 50 attempts
    assert lines[0].startswith("x: step 25 of 60, 25 kept (")
    assert lines[1].startswith("x: step 50 of 60, 50 kept (")
    caplog.clear()
    tried, _ = worst_first(60, lambda stuck: 0, slow, max_seconds=0.01, label="y")
    assert 1 <= tried < 60 and "y: stopped at its time bound of 0.01 s" in caplog.text
