"""Read-out reporters are part of the design problem: designed, scored, ordered labelled."""

from __future__ import annotations

import pytest

from dsdcrn.circuits import nagipogu_reif_neuron
from dsdcrn.compile.reporters import REPORTER_NM, default_outputs, reporters
from dsdcrn.compile.translate import compile_crn
from dsdcrn.design.candidates import best_of
from dsdcrn.design.scores import score_design
from dsdcrn.errors import DsdcrnError
from dsdcrn.model.crn import parse_crn
from dsdcrn.pipeline import circuit_dimers, design_problem, roles_of


def abc():
    return compile_crn(parse_crn("A + B -> C\nA @initial 10\nB @initial 10\n"), "soloveichik2010")


def test_the_neuron_reads_out_its_output_rails():
    system = compile_crn(nagipogu_reif_neuron(), "soloveichik2010")
    assert default_outputs(system) == ["Op", "Om"]
    reps = reporters(system)
    assert [r.name for r in reps] == ["rep_Op", "rep_Om"]
    assert [r.fluorophore for r in reps] == ["FAM", "HEX"]  # distinct channels
    assert reps[0].modifications() == {"rep_Op_Q": "3' Iowa Black FQ", "rep_Op_F": "5' FAM"}


def test_reporters_join_the_design_problem_at_their_concentration():
    system = abc()
    plain = design_problem(system, readout=())
    problem = design_problem(system)
    assert set(problem.complexes) - set(plain.complexes) == {"rep_C"}
    assert problem.complexes["rep_C"] == (["rep_C_Q", "rep_C_F"], "( + ) .")
    assert problem.strands["rep_C_Q"] == ["b_C"]
    assert problem.strands["rep_C_F"] == ["b_C*", "a_C*"]
    assert problem.concentrations_nM["rep_C"] == REPORTER_NM
    assert problem.modifications == {"rep_C_Q": "3' Iowa Black FQ", "rep_C_F": "5' FAM"}
    assert roles_of(system, problem)["rep_C"] == "reporter"


def test_reporters_are_designed_and_scored_with_the_circuit():
    problem = design_problem(abc())
    best = best_of(problem, n=1, seed=0, jobs=1)
    d, scores = best.winner.design, best.winner.scores
    # the quencher strand is the species' branch-migration domain, the dye strand its
    # complement with the toehold's: sequences of the designed domains
    assert d.strands["rep_C_Q"] == d.domains["b_C"]
    checked = {c["name"]: c for c in d.to_json_dict()["complex_checks"]}
    assert checked["rep_C"]["ensemble_defect"] < 0.05
    # its exposed toehold (C's, at 100 nM) is a scored site: no other complex exposes it
    occupancy = {t["name"]: t["occupancy_pct"] for t in scores.to_json_dict()["toeholds"]}
    without = score_design(design_problem(abc(), readout=()), d).to_json_dict()
    assert occupancy["a_C"] > 0.0
    assert {t["name"]: t["occupancy_pct"] for t in without["toeholds"]}["a_C"] == 0.0
    pairs = {frozenset((p["strand_a"], p["strand_b"])) for p in scores.to_json_dict()["pairs"]}
    assert frozenset(("A", "rep_C_F")) in pairs


def test_an_unknown_read_out_species_is_refused():
    with pytest.raises(DsdcrnError, match="no signal strand for output 'Q'"):
        reporters(abc(), ["Q"])
    assert reporters(abc(), ["Q"], strict=False) == []
    assert reporters(abc(), concentration_nM=0) == []


def test_the_circuit_kinetics_leave_the_reporters_out():
    system = abc()
    dimers = [
        {"strand_a": "A", "strand_b": "r1_helper1"},
        {"strand_a": "B", "strand_b": "rep_C_F"},
        {"strand_a": "rep_C_Q", "strand_b": "C"},
    ]
    assert circuit_dimers(system, dimers) == dimers[:1]
