"""Sequence design of a compiled circuit (the acceptance checks of the first designer)."""

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.domains import complement
from dsdcrn.pipeline import design_inputs, design_system


@pytest.fixture(scope="module")
def system():
    return compile_crn(parse_crn("A + B -> C + D\nC -> A\n"), "soloveichik2010")


@pytest.fixture(scope="module")
def design(system):
    return design_system(system, seed=7)


def _revcomp(s):
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def test_toeholds_within_half_a_kcal(system, design):
    toeholds = [d.name for d in system.domains.values() if d.kind == "toehold"]
    assert sorted(design.toehold_dG) == sorted(toeholds)
    assert all(abs(g - 7.7) <= 0.5 for g in design.toehold_dG.values())


def test_no_two_long_domains_share_a_7mer_or_its_complement(system, design):
    longs = [design.domains[d.name] for d in system.domains.values() if d.kind == "long"]
    seen = {}
    for i, seq in enumerate(longs):
        for kmer in {seq[j : j + 7] for j in range(len(seq) - 6)}:
            for key in (kmer, _revcomp(kmer)):
                assert seen.get(key, i) == i, f"7-mer {kmer} shared"
            seen[kmer] = i
    assert design.max_shared_kmer_found < 7


def test_strands_assemble_from_domains(system, design):
    _, strands, _ = design_inputs(system)
    for name, doms in strands.items():
        want = "".join(
            _revcomp(design.domains[complement(d)]) if d.endswith("*") else design.domains[d]
            for d in doms
        )
        assert design.strands[name] == want


def test_every_intended_complex_has_its_ensemble_defect(system, design):
    checks = {c["name"]: c for c in design.complex_checks}
    assert set(checks) == {c.name for c in system.complexes}
    for c in checks.values():
        assert 0 <= c["ensemble_defect"] <= 1
    # the three-letter code keeps free strands nearly unstructured and gates as designed
    mean = sum(c["ensemble_defect"] for c in checks.values()) / len(checks)
    assert mean < 0.10
    assert checks["r1_join"]["mfe_equals_target"]


def test_same_seed_same_design(system, design):
    again = design_system(system, seed=7)
    assert again.strands == design.strands
    assert design_system(system, seed=8).strands != design.strands
