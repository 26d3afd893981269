"""Sequence design of a compiled circuit (the acceptance checks of the first designer)."""

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.design.toeholds import PIN_REACH
from dsdcrn.design.vienna import vienna_dna_model
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


def test_toeholds_near_peppercorns_energy_in_context(system, design):
    toeholds = [d.name for d in system.domains.values() if d.kind == "toehold"]
    assert sorted(design.toehold_dG) == sorted(toeholds)
    # recomputed here from the strands' sequences: each exposed toehold (t* at the end of
    # a gate strand next to a paired domain) with that neighbour's nucleotide stacked on
    # it, mean over its places, against L x -1.7 + 1.9 kcal/mol (Peppercorn)
    import RNA

    md = vienna_dna_model(25.0)
    at = RNA.param(md).TerminalAU / 100.0
    for name, dG in design.toehold_dG.items():
        n = len(design.domains[name])
        assert abs(dG - (-1.7 * n + 1.9)) <= 0.5 + PIN_REACH, name
    site = _revcomp(design.domains["a_A"])
    flank = _revcomp(design.domains["b_A"])[-1]  # b_A* a_A* on the join gate of A + B
    top = flank + site
    hand = RNA.fold_compound(f"{top}&{_revcomp(top)}", md).eval_structure(
        "(" * len(top) + ")" * len(top)
    ) - (at if flank in "AT" else 0.0)
    assert design.toehold_dG["a_A"] == pytest.approx(hand, abs=1e-6)
    assert abs(hand + 8.3) <= 0.5  # pinned onto the target


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
