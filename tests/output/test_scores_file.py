"""scores.json of a design folder (dsdcrn.output.designfolder.scores_json): every pair
row of a small design, only the spurious dimers of a large one, and read back alike."""

from __future__ import annotations

import json

from dsdcrn.output import designfolder
from dsdcrn.output.designfolder import read_design_folder, scores_json


def _pair(a: str, b: str, dG: float | None) -> dict:
    return {"strand_a": a, "strand_b": b, "bind_dG_mfe": dG, "mfe_structure": "((&))"}


def _scores() -> dict:
    pairs = [_pair("s1", "s2", -7.5), _pair("s1", "s3", -2.0), _pair("s2", "s2", -9.0)]
    pairs += [_pair("s3", "s4", None), _pair("s2", "s4", -6.2)]
    return {"metrics": {"Spurious dimers": 2.0}, "pairs": pairs, "options": {}}


def test_small_designs_keep_every_pair_and_large_ones_their_dimers(tmp_path, monkeypatch):
    whole = json.loads(scores_json(_scores()))
    assert whole == _scores()  # at most MAX_PAIR_ROWS rows: unchanged
    monkeypatch.setattr(designfolder, "MAX_PAIR_ROWS", 4)
    cut = json.loads(scores_json(_scores()))
    kept = [(p["strand_a"], p["strand_b"]) for p in cut["pairs"]]
    assert kept == [("s1", "s2"), ("s2", "s4")]  # distinct strands below -6 kcal/mol
    assert cut["pairs_note"].startswith("2 of 5 scored pairs")
    assert cut["metrics"] == whole["metrics"]
    # what the sequence-level kinetics read back is the same either way
    for name, text in (("whole", json.dumps(whole)), ("cut", json.dumps(cut))):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "domains.txt").write_text("a ACGT\n")
        (folder / "scores.json").write_text(text)
    assert read_design_folder(tmp_path / "whole")[1] == read_design_folder(tmp_path / "cut")[1]
