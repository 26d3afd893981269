"""Tests for dsdcrn.design.vienna: ViennaRNA DNA model and design checks."""

from __future__ import annotations

import pytest

from dsdcrn.design.vienna import MAX_STRANDS_CHECKED, vienna_checks, vienna_dna_model
from dsdcrn.errors import DesignError

TOP = "ACTTCACTCATCCTA"
BOT = TOP[::-1].translate(str.maketrans("ACGT", "TGCA"))


def test_model_sets_temperature_and_salt() -> None:
    md = vienna_dna_model(37.0, 0.5)
    assert md.temperature == pytest.approx(37.0) and md.salt == pytest.approx(0.5)
    with pytest.raises(DesignError, match="salt must be in"):
        vienna_dna_model(25.0, 0.0)


def test_duplex_folds_to_its_target_and_strands_stay_open() -> None:
    target = "(" * 15 + "&" + ")" * 15
    complexes, strands = vienna_checks(
        {"T": TOP, "B": BOT}, {"D": (["T", "B"], "( + )")}, {"D": target}
    )
    (duplex,) = complexes
    assert duplex["name"] == "D" and duplex["skipped"] is False
    assert duplex["mfe_structure"] == target and duplex["mfe_equals_target"] is True
    assert duplex["mfe_dG"] < -15.0 and duplex["ensemble_dG"] <= duplex["mfe_dG"]
    assert 0.0 <= duplex["ensemble_defect"] < 0.05
    assert [s["name"] for s in strands] == ["T", "B"]
    for s in strands:
        assert s["length"] == 15 and s["unpaired_fraction"] > 0.5


def test_salt_lowers_duplex_stability() -> None:
    args = ({"T": TOP, "B": BOT}, {"D": (["T", "B"], "( + )")}, {"D": "(" * 15 + "&" + ")" * 15})
    strong = vienna_checks(*args)[0][0]["mfe_dG"]
    weak = vienna_checks(*args, salt_M=0.05)[0][0]["mfe_dG"]
    assert weak > strong


def test_large_complexes_are_skipped_with_a_reason() -> None:
    n = MAX_STRANDS_CHECKED + 1
    names = [f"s{i}" for i in range(n)]
    db = " + ".join(["."] * n)
    complexes, _ = vienna_checks(
        {s: "ACTTCA" for s in names}, {"big": (names, db)}, {"big": "&".join(["." * 6] * n)}
    )
    assert complexes[0]["skipped"] is True and f"{n} strands" in complexes[0]["reason"]
    assert "mfe_structure" not in complexes[0]
