"""Tests for dsdcrn.design.toeholds (stickydesign toeholds and their placement)."""

from __future__ import annotations

import numpy as np
import pytest
import stickydesign

from dsdcrn.design import toeholds
from dsdcrn.design.constraints import FORBIDDEN_RE, Layout, decode
from dsdcrn.design.toeholds import (
    TOEHOLD_MAXSPURIOUS,
    Toehold,
    ToeholdShortage,
    check_toehold_space,
    describe_end,
    design_all_toeholds,
    design_toeholds,
    design_toeholds_default,
    place_toeholds,
)
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec
from dsdcrn.options import DesignOptions

ENERGETICS = stickydesign.EnergeticsDAOE(temperature=25.0)


def test_toehold_space_check_rejects_unreachable_energies() -> None:
    check_toehold_space(6, 7.7, 0.5, 25.0, ENERGETICS)  # 6 nt can reach 7.7 kcal/mol
    check_toehold_space(12, 99.0, 0.1, 25.0, ENERGETICS)  # longer: not enumerated
    with pytest.raises(DesignError, match="no 3-nt toehold reaches 20 ± 0.5") as info:
        check_toehold_space(3, 20.0, 0.5, 25.0, ENERGETICS)
    assert "\n" not in str(info.value) and "toehold length" in str(info.value)


def test_describe_end_reports_energy_and_context_range() -> None:
    end = "GACTCCAA"  # context G, toehold ACTCCA, context A
    dG = float(
        ENERGETICS.matching_uniform(
            stickydesign.EndArray(np.array([[2, 0, 1, 3, 1, 1, 0, 0]], np.uint8), "DT")
        )[0]
    )
    t = describe_end(end, dG, 0.01, "test", ENERGETICS)
    assert t == Toehold("ACTCCA", "G[ACTCCA]A", t.dG, t.dG_range)
    assert t.dG == pytest.approx(dG)
    assert t.dG_range[0] <= t.dG <= t.dG_range[1]
    with pytest.raises(DesignError, match="outside"):
        describe_end(end, dG + 1.0, 0.5, "test", ENERGETICS)


def test_design_toeholds_is_seeded_and_within_target() -> None:
    found = design_toeholds(["a", "b", "c"], 6, 7.7, 0.5, 25.0, seed=4, three_letter=True)
    assert len(found) == 3 and len({t.sequence for t in found}) == 3
    for t in found:
        assert abs(t.dG - 7.7) <= 0.5 and len(t.sequence) == 6
        assert set(t.sequence) <= set("ACT") and not FORBIDDEN_RE.search(t.sequence)
        assert t.end[2:-2] == t.sequence
    again = design_toeholds(["a", "b", "c"], 6, 7.7, 0.5, 25.0, seed=4, three_letter=True)
    assert again == found


def test_shortage_is_a_design_error() -> None:
    names = [f"t{i}" for i in range(12)]
    with pytest.raises(ToeholdShortage, match="found only") as info:
        design_toeholds(names, 6, 7.7, 0.5, 25.0, 0, True, TOEHOLD_MAXSPURIOUS, advise=False)
    assert isinstance(info.value, DesignError)
    assert "stickydesign finds" not in str(info.value)  # no advice search without advise


def test_default_design_relaxes_only_on_shortage(monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[tuple[float, bool]] = []

    def fake(names, length, target, dev, temperature_C, seed, three_letter, ms, advise):
        tried.append((ms, advise))
        if ms < 0.5:
            raise ToeholdShortage("found only 0")
        return ["ok"]

    monkeypatch.setattr(toeholds, "design_toeholds", fake)
    assert design_toeholds_default(["t"], 6, 7.7, 0.5, 25.0, 0, True) == (["ok"], 0.5)
    assert tried == [(0.4, False), (0.45, False), (0.5, False)]
    tried.clear()

    def never(*args, **kwargs):
        tried.append(args[-1])
        raise ToeholdShortage("found only 0")

    monkeypatch.setattr(toeholds, "design_toeholds", never)
    with pytest.raises(ToeholdShortage):
        design_toeholds_default(["t"], 6, 7.7, 0.5, 25.0, 0, True)
    assert tried == [0.4, 0.45, 0.5, 0.55, 0.6]  # the last one is asked for advice


def test_default_design_does_not_relax_an_infeasible_energy() -> None:
    with pytest.raises(DesignError) as info:
        design_toeholds_default(["t"], 3, 20.0, 0.5, 25.0, 0, True)
    assert not isinstance(info.value, ToeholdShortage)


def test_design_all_toeholds_groups_by_length() -> None:
    domains = [
        DomainSpec("a", 6, "toehold"),
        DomainSpec("x", 15, "long"),
        DomainSpec("b", 7, "toehold"),
        DomainSpec("c", 6, "toehold"),
    ]
    chosen, by_len, used = design_all_toeholds(domains, DesignOptions(), seed=0)
    assert by_len == {6: ["a", "c"], 7: ["b"]}
    assert set(chosen) == {"a", "b", "c"} and len(chosen["b"].sequence) == 7
    assert used == TOEHOLD_MAXSPURIOUS
    one = [DomainSpec("a", 6, "toehold")]
    _, _, explicit = design_all_toeholds(one, DesignOptions(toehold_maxspurious=0.5), 0)
    assert explicit == 0.5


def _toehold(seq: str) -> Toehold:
    return Toehold(seq, f"A[{seq}]A", 7.7, (7.0, 8.0))


def test_place_toeholds_permutes_to_avoid_junction_runs() -> None:
    domains = [DomainSpec("t1", 6, "toehold"), DomainSpec("t2", 6, "toehold")]
    strands = {"S": ["t1", "t2"]}
    lay = Layout(domains, strands, 7)
    chosen = {"t1": _toehold("CTCAAA"), "t2": _toehold("AACTCT")}  # t1 t2: AAAAA
    seq = np.zeros(lay.total, np.uint8)
    place_toeholds(
        chosen, {6: ["t1", "t2"]}, lay, seq, {"t1": 0, "t2": 1}, strands, np.random.default_rng(0)
    )
    assert decode(seq) == "AACTCTCTCAAA"  # swapped
    assert chosen["t1"].sequence == "AACTCT"


def test_place_toeholds_gives_up_when_no_order_helps() -> None:
    domains = [DomainSpec("t1", 6, "toehold"), DomainSpec("t2", 5, "toehold")]
    strands = {"S": ["t1", "t2"]}
    lay = Layout(domains, strands, 7)
    chosen = {"t1": _toehold("CTCAAA"), "t2": _toehold("AACTC")}
    with pytest.raises(DesignError, match="junction"):
        place_toeholds(
            chosen,
            {6: ["t1"], 5: ["t2"]},
            lay,
            np.zeros(11, np.uint8),
            {"t1": 0, "t2": 1},
            strands,
            np.random.default_rng(0),
        )
