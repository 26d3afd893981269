"""Tests for dsdcrn.design.toeholds (toeholds in the ViennaRNA model, pins, placement)."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.design import toeholds
from dsdcrn.design.constraints import FORBIDDEN_RE, Layout, decode, encode, revcomp
from dsdcrn.design.toehold_energy import flanked_dG, generic_dG
from dsdcrn.design.toeholds import (
    PIN_REACH,
    TOEHOLD_MAXSPURIOUS,
    Toehold,
    ToeholdShortage,
    check_toehold_space,
    describe_end,
    design_all_toeholds,
    design_toeholds,
    design_toeholds_default,
    pin_flanks,
    place_toeholds,
)
from dsdcrn.design.vienna import vienna_dna_model
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec
from dsdcrn.options import DesignOptions

MD = vienna_dna_model(25.0)


def test_toehold_space_check_rejects_unreachable_energies() -> None:
    check_toehold_space(6, -8.3, 0.5, 25.0)  # 6 nt reach Peppercorn's -8.3 kcal/mol
    with pytest.raises(DesignError, match="no 3-nt toehold reaches -20.00") as info:
        check_toehold_space(3, -20.0, 0.5, 25.0)
    assert "\n" not in str(info.value) and "3-nt toeholds bind with" in str(info.value)


def test_describe_end_reports_the_generic_vienna_energy_and_its_range() -> None:
    end = "GACTCCAA"  # context G, toehold ACTCCA, context A
    one_flank = [flanked_dG(b, "ACTCCA", "", MD) for b in "ACGT"]
    one_flank += [flanked_dG("", "ACTCCA", b, MD) for b in "ACGT"]
    t = describe_end(end, float(np.mean(one_flank)), 0.01, "test", MD)
    assert t == Toehold("ACTCCA", "G[ACTCCA]A", t.dG, t.dG_range)
    assert t.dG == pytest.approx(np.mean(one_flank))
    assert t.dG_range == (pytest.approx(min(one_flank)), pytest.approx(max(one_flank)))
    with pytest.raises(DesignError, match="outside"):
        describe_end(end, t.dG + 2.0, 0.5, "test", MD)


def test_design_toeholds_is_seeded_and_near_the_vienna_target() -> None:
    found = design_toeholds(["a", "b", "c"], 6, -8.3, 0.5, 25.0, seed=4, three_letter=True)
    assert len(found) == 3 and len({t.sequence for t in found}) == 3
    for t in found:
        assert abs(generic_dG(t.sequence, MD) - t.dG) < 1e-9
        assert abs(t.dG + 8.3) <= 0.5 + PIN_REACH and len(t.sequence) == 6
        assert set(t.sequence) <= set("ACT") and not FORBIDDEN_RE.search(t.sequence)
        assert t.end[2:-2] == t.sequence
    windows = [{t.sequence[i : i + 5] for i in range(2)} for t in found]
    assert not (windows[0] & windows[1]) and not (windows[1] & windows[2])
    again = design_toeholds(["a", "b", "c"], 6, -8.3, 0.5, 25.0, seed=4, three_letter=True)
    assert again == found


def test_shortage_is_a_design_error() -> None:
    names = [f"t{i}" for i in range(40)]
    with pytest.raises(ToeholdShortage, match="found only") as info:
        design_toeholds(names, 6, -8.3, 0.5, 25.0, 0, True, TOEHOLD_MAXSPURIOUS, advise=False)
    assert isinstance(info.value, DesignError)
    assert "stickydesign finds" not in str(info.value)  # no advice search without advise


def test_default_design_relaxes_only_on_shortage(monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[tuple[float, bool]] = []

    def fake(names, length, target, dev, temperature_C, seed, three_letter, ms, advise, salt):
        tried.append((ms, advise))
        if ms < 0.5:
            raise ToeholdShortage("found only 0")
        return ["ok"]

    monkeypatch.setattr(toeholds, "design_toeholds", fake)
    assert design_toeholds_default(["t"], 6, -8.3, 0.5, 25.0, 0, True) == (["ok"], 0.5)
    assert tried == [(0.4, False), (0.45, False), (0.5, False)]
    tried.clear()

    def never(*args, **kwargs):
        tried.append(args[7])
        raise ToeholdShortage("found only 0")

    monkeypatch.setattr(toeholds, "design_toeholds", never)
    with pytest.raises(ToeholdShortage):
        design_toeholds_default(["t"], 6, -8.3, 0.5, 25.0, 0, True)
    assert tried == [0.4, 0.45, 0.5, 0.55, 0.6]  # the last one is asked for advice


def test_default_design_does_not_relax_an_infeasible_energy() -> None:
    with pytest.raises(DesignError) as info:
        design_toeholds_default(["t"], 3, -20.0, 0.5, 25.0, 0, True)
    assert not isinstance(info.value, ToeholdShortage)


def test_pin_flanks_puts_each_exposed_toehold_on_its_target() -> None:
    domains = [DomainSpec("t", 6, "toehold"), DomainSpec("x", 15, "long")]
    strands = {"B": ["x*", "t*"], "T": ["x"]}
    lay = Layout(domains, strands, 7)
    seq = np.zeros(lay.total, np.uint8)
    seq[:6] = encode("CATCAC")
    contexts = {"t": [("x*", "t*", None)]}
    pins = pin_flanks(seq, lay, contexts, {"t": -8.3}, MD, [0, 1, 3])
    assert list(pins) == [6]  # x's first nucleotide is x*'s last, 5' of t*
    for g, b in pins.items():
        seq[g] = b
    flank = "ACGT"[3 - int(seq[6])]
    best = min(abs(flanked_dG("ACGT"[3 - b], revcomp("CATCAC"), "", MD) + 8.3) for b in (0, 1, 3))
    assert abs(flanked_dG(flank, revcomp("CATCAC"), "", MD) + 8.3) == pytest.approx(best)


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


def test_a_pin_that_completes_a_run_with_a_toehold_is_named() -> None:
    domains = [DomainSpec("t", 6, "toehold"), DomainSpec("x", 10, "long")]
    lay = Layout(domains, {"S": ["t", "x"], "B": ["x*", "t*"]}, 7)
    seq = np.zeros(lay.total, np.uint8)
    seq[:6] = encode("CTTATA")  # ends in four A/T
    x0 = int(lay.starts[1])
    # x's first base A: TTATA + A is six A/T in a row, every base fixed
    assert toeholds.clashing_pins(seq, lay, {x0: 0}) == [x0]
    assert toeholds.clashing_pins(seq, lay, {x0: 1}) == []  # C breaks it
    seq[:6] = encode("CTTCTA")
    seq[x0 + 1 : x0 + 4] = 0  # TA + A + AAA: the run goes through unpinned bases
    assert toeholds.clashing_pins(seq, lay, {x0: 0}) == []
