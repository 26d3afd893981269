"""Tests for dsdcrn.design.sequences on a small gate-shaped system (stickydesign + ViennaRNA)."""

from __future__ import annotations

import json

import pytest

from dsdcrn.design.constraints import FORBIDDEN_MOTIFS, default_kmer, find_motifs
from dsdcrn.design.sequences import (
    Settings,
    design_parameters,
    design_sequences,
    occlusion_entries,
    resolve_settings,
    target_structure,
    target_structures,
    validate_settings,
    validate_system,
)
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec, SequenceDesign
from dsdcrn.options import DesignOptions

TARGET_DG = -8.3  # Peppercorn's energy of a 6-nt toehold, in ViennaRNA context
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
        design_sequences(
            _domains(toehold_len=3), STRANDS, COMPLEXES, options=DesignOptions(toehold_dG=7.7)
        )
    msg = str(info.value)
    assert "\n" not in msg
    assert "no 3-nt toehold reaches -7.70" in msg and "choose toehold_dG near" in msg


def test_bad_structure_raises() -> None:
    bad = {"gate": (["G_top", "G_bot"], "( . + ) ) .")}
    with pytest.raises(DesignError, match="not complementary"):
        design_sequences(_domains(), STRANDS, bad)


def test_too_many_domains_for_the_alphabet() -> None:
    domains = [DomainSpec(f"x{i}", 20, "long") for i in range(160)]
    strands = {f"S{i}": [f"x{i}"] for i in range(160)}
    with pytest.raises(DesignError) as info:
        design_sequences(domains, strands, {}, options=DesignOptions(max_shared_kmer=7))
    msg = str(info.value)
    assert "\n" not in msg
    assert "alphabet" in msg and "max_shared_kmer=7" in msg and "2187" in msg
    # left to its default, k grows with the system instead
    assert default_kmer(domains, True) > 7 == default_kmer(_domains(), True)


def test_strict_toehold_spurious_limit_suggests_settings() -> None:
    domains = [DomainSpec(f"t{i}", 6, "toehold") for i in range(12)]
    strands = {f"S{i}": [f"t{i}"] for i in range(12)}
    with pytest.raises(DesignError) as info:
        design_sequences(domains, strands, {}, options=DesignOptions(toehold_maxspurious=0.4))
    msg = str(info.value)
    assert "\n" not in msg
    assert "maximum spurious 0.4" in msg and "12 toehold(s) of 6 nt" in msg
    assert "stickydesign finds" in msg and "toehold_maxspurious=0.5" in msg


def test_hard_toehold_windows_leave_no_strand_reading_a_toehold(design: SequenceDesign) -> None:
    # t1* lies unpaired on the gate's base strand: a strand reading 5 nt of t1 that is no
    # partner of the gate would bind there (about -6 kcal/mol)
    opts = DesignOptions(hard_toehold_windows=True)
    hard = design_sequences(_domains(), STRANDS, COMPLEXES, seed=0, options=opts, checks=False)
    for t in ("t1", "t2"):
        fives = _kmers(hard.domains[t], 5) | _kmers(_revcomp(hard.domains[t]), 5)
        for s, seq in hard.strands.items():
            own = hard.domains[t] in seq or _revcomp(hard.domains[t]) in seq
            found = _kmers(
                seq.replace(hard.domains[t], "-").replace(_revcomp(hard.domains[t]), "-"), 5
            )
            assert not found & fives, (t, s, own)
    assert hard.search["toehold_match_final"] == 0 and hard.parameters["hard_toehold_windows"]
    assert design.search["toehold_windows_after_draw"] <= design.search["toehold_windows_initial"]
    # toeholds avoid self-complementary 4-mers (AATT, ATAT, ...) when stickydesign allows
    for name in ("t1", "t2"):
        seq = design.domains[name]
        assert not any(k == _revcomp(k) for k in _kmers(seq, 4)), seq


def test_validate_system_names_the_first_problem() -> None:
    assert set(validate_system(_domains(), STRANDS, COMPLEXES)) == {"t1", "t2", "x1", "x2", "h1"}
    cases = [
        ([DomainSpec("a*", 5, "long")], {}, {}, "invalid domain name"),
        ([DomainSpec("a", 5, "long")] * 2, {}, {}, "defined twice"),
        ([DomainSpec("a", 5, "loop")], {}, {}, "kind must be"),
        ([DomainSpec("a", 0, "long")], {}, {}, "length must be >= 1"),
        ([DomainSpec("a", 5, "long")], {"S": []}, {}, "has no domains"),
        ([DomainSpec("a", 5, "long")], {"S": ["b*"]}, {}, "unknown domain 'b\\*'"),
        ([DomainSpec("a", 5, "long")], {"S": ["a"]}, {"C": (["T"], ".")}, "unknown strand"),
    ]
    for domains, strands, complexes, msg in cases:
        with pytest.raises(DesignError, match=msg):
            validate_system(domains, strands, complexes)


def test_resolve_and_validate_settings() -> None:
    s = resolve_settings(_domains(), COMPLEXES, DesignOptions())
    assert s == Settings(k=7, ssm_steps=90, defect_steps=16)
    explicit = DesignOptions(max_shared_kmer=9, ssm_steps=5, defect_steps=0)
    assert resolve_settings(_domains(), COMPLEXES, explicit) == Settings(9, 5, 0)
    validate_settings(_domains(), DesignOptions(), s, 0)
    bad = [
        (DesignOptions(gc_range=(0.7, 0.6)), s, 0, "gc_range must satisfy"),
        (DesignOptions(gc_range=(0.5, 0.52)), s, 0, "admits no GC count for 15-nt"),
        (DesignOptions(), Settings(1, 1, 1), 0, "max_shared_kmer must be >= 2"),
        (DesignOptions(toehold_dev=0), s, 0, "must be positive"),
        (DesignOptions(toehold_maxspurious=1.5), s, 0, "toehold_maxspurious must be in"),
        (DesignOptions(), Settings(7, -1, 1), 0, "ssm_steps must be >= 0"),
        (DesignOptions(defect_target=1.0), s, 0, "defect_target must be in"),
        (DesignOptions(), s, -1, "seed must be"),
        (DesignOptions(), Settings(7, 1, -1), 0, "defect_steps must be >= 0"),
    ]
    for opts, settings, seed, msg in bad:
        with pytest.raises(DesignError, match=msg):
            validate_settings(_domains(), opts, settings, seed)


def test_target_structure_expands_domains_to_nucleotides() -> None:
    by_name = {d.name: d for d in _domains()}
    assert target_structure("S1", ["S1"], ". . .", STRANDS, by_name) == "." * 36
    gate = target_structure("gate", ["G_top", "G_bot"], "( ( + ) ) .", STRANDS, by_name)
    assert gate == "(" * 21 + "&" + ")" * 21 + "." * 6
    assert target_structures(_domains(), STRANDS, {"gate": COMPLEXES["gate"]}) == {"gate": gate}
    errors = [
        ("( x + ) ) .", "bad symbol 'x'"),
        ("( ( ) ) .", "structure has 1 strands"),
        ("( ( + ) )", "has 3 domains but"),
        ("( ( + ) ( .", "unbalanced '\\('"),
        (") ( + ( ) .", "unbalanced '\\)'"),
    ]
    for db, msg in errors:
        with pytest.raises(DesignError, match=msg):
            target_structure("gate", ["G_top", "G_bot"], db, STRANDS, by_name)


def test_occlusion_entries_list_every_toehold_of_five_nt_or_more_both_ways() -> None:
    by_name = {d.name: d for d in _domains()}
    index = {d.name: i for i, d in enumerate(_domains())}
    assert occlusion_entries(by_name, index) == [(0, True), (0, False), (1, True), (1, False)]
    short = {d.name: d for d in _domains(toehold_len=4)}
    assert occlusion_entries(short, index) == []  # 4-nt toeholds have no 5-nt window


def test_design_parameters_record_resolved_settings() -> None:
    params = design_parameters(DesignOptions(salt_M=0.5), Settings(8, 10, 3), 0.45)
    assert params["max_shared_kmer"] == 8 and params["ssm_steps"] == 10
    assert params["defect_steps"] == 3 and params["salt_M"] == 0.5
    assert params["toehold_maxspurious"] == 0.45 and params["toehold_maxspurious_requested"] is None
    assert params["gc_range"] == [0.35, 0.65] and params["max_seconds"] == 120.0
    assert params["forbidden_motifs"] == list(FORBIDDEN_MOTIFS)


def test_without_checks_or_phases(design: SequenceDesign) -> None:
    opts = DesignOptions(defect_steps=0)
    bare = design_sequences(_domains(), STRANDS, COMPLEXES, seed=0, options=opts, checks=False)
    assert bare.complex_checks == [] and bare.strand_checks == []
    assert "defect_steps" not in bare.search and "defect_s" not in bare.timings
    assert "toehold_match_final" in bare.search  # the exposed-toehold phase still runs
    assert bare.parameters["defect_steps"] == 0
    # the phases before the defect phase draw the same random numbers
    assert bare.domains["t1"] == design.domains["t1"]


def test_conditions_are_options_and_recorded() -> None:
    assert DesignOptions().salt_equivalent_M() is None  # ViennaRNA's standard 1.021 M
    assert DesignOptions(salt_M=0.05).salt_equivalent_M() == 0.05
    mg = DesignOptions(salt_M=0.0, mg_mM=12.5)  # 1x TAE/Mg2+: 0.12 sqrt(12.5) M Na+ eq.
    assert mg.salt_equivalent_M() == pytest.approx(0.12 * 12.5**0.5)
    params = design_parameters(DesignOptions(mg_mM=12.5), Settings(8, 10, 3), 0.4)
    assert params["mg_mM"] == 12.5 and params["na_M"] is None
    assert params["salt_M"] == pytest.approx(1.021 + 0.12 * 12.5**0.5)
    for bad, word in (
        (DesignOptions(mg_mM=-1.0), "mg_mM"),
        (DesignOptions(temperature_C=120.0), "temperature_C"),
    ):
        with pytest.raises(DesignError, match=word):
            validate_settings(_domains(), bad, Settings(8, 10, 3), 0)
