"""Tests for dsdcrn.sequences on a small gate-shaped system (real stickydesign + ViennaRNA)."""

from __future__ import annotations

import json

import pytest

from dsdcrn.errors import DesignError
from dsdcrn.sequences import (
    FORBIDDEN_MOTIFS,
    DomainSpec,
    SequenceDesign,
    _default_kmer,
    design_sequences,
    find_motifs,
)

TARGET_DG = 7.7
DEV = 0.5


def _domains(toehold_len: int = 6) -> list[DomainSpec]:
    return [
        DomainSpec("t1", toehold_len, "toehold"),
        DomainSpec("t2", toehold_len, "toehold"),
        DomainSpec("x1", 15, "long"),
        DomainSpec("x2", 15, "long"),
        DomainSpec("h1", 15, "long"),
    ]


STRANDS = {
    "S1": ["h1", "t1", "x1"],
    "G_top": ["x1", "t2"],  # kernel: x1( t2( + ) ) t1*
    "G_bot": ["t2*", "x1*", "t1*"],
    "X2": ["x2"],
}
COMPLEXES = {
    "S1": (["S1"], ". . ."),
    "gate": (["G_top", "G_bot"], "( ( + ) ) ."),
    "S1_on_gate": (["S1", "G_top", "G_bot"], ". ( . + ( ( + ) ) )"),
    "four": (["S1", "G_top", "G_bot", "X2"], ". . . + ( ( + ) ) . + ."),
}


def _revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def _kmers(s: str, k: int) -> set[str]:
    return {s[i : i + k] for i in range(len(s) - k + 1)}


@pytest.fixture(scope="module")
def design() -> SequenceDesign:
    return design_sequences(_domains(), STRANDS, COMPLEXES, seed=0)


def test_toeholds_within_target(design: SequenceDesign) -> None:
    assert set(design.toehold_dG) == {"t1", "t2"}
    for name, dG in design.toehold_dG.items():
        assert abs(dG - TARGET_DG) <= DEV, (name, dG)
        assert len(design.domains[name]) == 6
        # the stickydesign end is context base + toehold + context base
        end = design.toehold_ends[name]
        assert end[2:-2] == design.domains[name]
        lo, hi = design.toehold_dG_range[name]
        assert lo <= dG <= hi


def test_long_domains_share_no_7mer(design: SequenceDesign) -> None:
    longs = {n: design.domains[n] for n in ("x1", "x2", "h1")}
    for n, s in longs.items():
        assert len(s) == 15
        gc = (s.count("G") + s.count("C")) / len(s)
        assert 0.35 <= gc <= 0.65, (n, s)
    names = list(longs)
    for i, a in enumerate(names):
        ka = _kmers(longs[a], 7)
        assert len(ka) == len(longs[a]) - 6  # no repeat inside the domain
        assert not ka & _kmers(_revcomp(longs[a]), 7)  # no self-complementary 7-mer
        for b in names[i + 1 :]:
            kb = _kmers(longs[b], 7)
            assert not ka & kb, (a, b)
            assert not ka & _kmers(_revcomp(longs[b]), 7), (a, b)
    assert design.max_shared_kmer_found <= 6


def test_strands_assembled_and_free_of_runs(design: SequenceDesign) -> None:
    d = design.domains
    assert design.strands["S1"] == d["h1"] + d["t1"] + d["x1"]
    assert design.strands["G_bot"] == _revcomp(d["t1"] + d["x1"] + d["t2"])
    for name, s in design.strands.items():
        assert "GGGG" not in s and "CCCC" not in s, (name, s)
        assert "AAAAA" not in s and "TTTTT" not in s, (name, s)
        assert not find_motifs(s, FORBIDDEN_MOTIFS), (name, s)  # also 6 A/T or 6 G/C in a row
    assert find_motifs("AATATTC", ("WWWWWW",)) == [(0, "WWWWWW")]


def test_three_phases_ran(design: SequenceDesign) -> None:
    s = design.search
    assert s["final_violations"] == 0
    assert s["ssm_steps"] == 2 * 45  # twice the long-domain nucleotides
    assert s["ssm_final_score"] <= s["ssm_initial_score"]
    assert s["defect_final_max"] <= s["defect_initial_max"]
    assert design.parameters["toehold_maxspurious"] == 0.4  # Srinivas 2017, not relaxed


def test_gate_duplex_folds_to_target(design: SequenceDesign) -> None:
    checks = {c["name"]: c for c in design.complex_checks}
    gate = checks["gate"]
    assert gate["target"] == "(" * 21 + "&" + ")" * 21 + "." * 6
    assert gate["mfe_structure"] == gate["target"]
    assert gate["mfe_equals_target"] is True
    assert gate["mfe_dG"] < -20.0
    assert 0.0 <= gate["ensemble_defect"] < 0.1


def test_multi_strand_complexes_checked(design: SequenceDesign) -> None:
    checks = {c["name"]: c for c in design.complex_checks}
    tri = checks["S1_on_gate"]
    assert tri["skipped"] is False
    assert tri["target"].count("&") == 2
    assert len(tri["mfe_structure"]) == len(tri["target"])
    assert 0.0 <= tri["ensemble_defect"] <= 1.0
    assert checks["four"]["skipped"] is False
    assert 0.0 <= checks["four"]["ensemble_defect"] <= 1.0
    strands = {c["name"]: c for c in design.strand_checks}
    assert set(strands) == set(STRANDS)
    for c in strands.values():
        assert 0.0 <= c["unpaired_fraction"] <= 1.0


def test_outputs_render(design: SequenceDesign) -> None:
    data = json.loads(json.dumps(design.to_json_dict()))
    assert data["seed"] == 0 and data["parameters"]["max_shared_kmer"] == 7
    assert design.domains_text().splitlines()[0] == f"t1 {design.domains['t1']}"
    fasta = design.strands_fasta().splitlines()
    assert fasta[0] == ">S1" and fasta[1] == design.strands["S1"]


def test_deterministic_and_seed_dependent(design: SequenceDesign) -> None:
    again = design_sequences(_domains(), STRANDS, COMPLEXES, seed=0)
    assert again.domains == design.domains
    assert again.to_json_dict() == design.to_json_dict()
    other = design_sequences(_domains(), STRANDS, COMPLEXES, seed=1)
    assert other.domains != design.domains


def test_infeasible_toehold_raises() -> None:
    with pytest.raises(DesignError) as info:
        design_sequences(_domains(toehold_len=3), STRANDS, COMPLEXES, toehold_dG=7.7)
    msg = str(info.value)
    assert "\n" not in msg
    assert "toehold" in msg and "3 nt" in msg and "7.7" in msg


def test_bad_structure_raises() -> None:
    bad = {"gate": (["G_top", "G_bot"], "( . + ) ) .")}
    with pytest.raises(DesignError, match="not complementary"):
        design_sequences(_domains(), STRANDS, bad)


def test_too_many_domains_for_the_alphabet() -> None:
    domains = [DomainSpec(f"x{i}", 20, "long") for i in range(160)]
    strands = {f"S{i}": [f"x{i}"] for i in range(160)}
    with pytest.raises(DesignError) as info:
        design_sequences(domains, strands, {}, max_shared_kmer=7)
    msg = str(info.value)
    assert "\n" not in msg
    assert "alphabet" in msg and "max_shared_kmer=7" in msg and "2187" in msg
    # left to its default, k grows with the system instead
    assert _default_kmer(domains, True) > 7 == _default_kmer(_domains(), True)


def test_strict_toehold_spurious_limit_suggests_settings() -> None:
    domains = [DomainSpec(f"t{i}", 6, "toehold") for i in range(12)]
    strands = {f"S{i}": [f"t{i}"] for i in range(12)}
    with pytest.raises(DesignError) as info:
        design_sequences(domains, strands, {}, toehold_maxspurious=0.4)
    msg = str(info.value)
    assert "\n" not in msg
    assert "maximum spurious 0.4" in msg and "12 toehold(s) of 6 nt" in msg
    assert "stickydesign finds" in msg and "toehold_maxspurious=0.5" in msg


def test_no_unrelated_strand_reads_an_exposed_toehold(design: SequenceDesign) -> None:
    # t1* lies unpaired on the gate's base strand: a strand reading 5 nt of t1 that is no
    # partner of the gate would bind there (about -6 kcal/mol)
    fives = _kmers(design.domains["t1"], 5)
    for s in ("G_top", "X2"):
        assert not _kmers(design.strands[s], 5) & fives, s
    assert design.search["toehold_match_final"] == 0
    # toeholds avoid self-complementary 4-mers (AATT, ATAT, ...) when stickydesign allows
    for name in ("t1", "t2"):
        seq = design.domains[name]
        assert not any(k == _revcomp(k) for k in _kmers(seq, 4)), seq
