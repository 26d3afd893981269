"""Fuel per firing (hand counts from the scheme) and the fuel budget of a run (closed forms)."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.fuel import (
    firing_pathways,
    formal_fluxes,
    fuel_budget,
    fuel_per_firing,
)
from dsdcrn.kinetics.massaction import simulate
from dsdcrn.model.crn import parse_crn
from dsdcrn.verify.whole import verify

CASES = {
    "A -> B": "A -> B\nA @initial 10\n",
    "A + B -> C": "A + B -> C\nA @initial 10\nB @initial 20\n",
    "A + B -> C + D": "A + B -> C + D\nA @initial 10\nB @initial 20\n",
    "A -> A + B": "A -> A + B\nA @initial 10\n",
}

# Hand counts from the soloveichik2010 module doc, per firing (negative: released).
# Unimolecular gate G_i: X displaces the whole top strand -> one gate used.
# Join gate L_i: X displaces B_i (released: -1 buffer), Y releases O_i -> one join used.
# Translator T_i: O_i releases P_1 (one fork used); helper k releases P_(k+1) and the last
# one strips the cap, so n products use helpers 1..n (one each).
HAND = {
    "A -> B": {"r1_gate": 1, "r1_fork": 1, "r1_helper1": 1},
    "A + B -> C": {"r1_join": 1, "r1_buffer": -1, "r1_fork": 1, "r1_helper1": 1},
    "A + B -> C + D": {
        "r1_join": 1,
        "r1_buffer": -1,
        "r1_fork": 1,
        "r1_helper1": 1,
        "r1_helper2": 1,
    },
    "A -> A + B": {"r1_gate": 1, "r1_fork": 1, "r1_helper1": 1, "r1_helper2": 1},
}


@pytest.fixture(scope="module")
def built():
    """(formal CRN, enumeration, full interpretation) of each case with soloveichik2010."""
    out = {}
    for key, text in CASES.items():
        crn = parse_crn(text, name=key)
        e = enumerate_system(compile_crn(crn, "soloveichik2010"))
        v = verify(crn, e, ("crn-bisimulation",))
        assert v.verdict is True
        out[key] = (crn, e, v.full_interpretation)
    return out


def _initial(e) -> dict[str, float]:
    return {s.name: s.concentration_nM for s in e.species.values() if s.concentration_nM}


def _rate(e, reactants: tuple[str, ...]) -> float:
    (k,) = [r.rate for r in e.reactions if r.reactants == tuple(sorted(reactants))]
    return k


@pytest.mark.parametrize("key", list(CASES))
def test_fuel_per_firing_matches_the_hand_count(built, key):
    crn, e, inter = built[key]
    assert fuel_per_firing(crn, e, inter) == [pytest.approx(HAND[key], abs=1e-9)]
    (p,) = firing_pathways(crn, e, inter)
    assert p.found and p.note == ""
    # every step of the pathway runs once; the join's buffer step forth only
    assert set(p.steps.values()) == {1.0}


@pytest.mark.parametrize("key", ["A -> B", "A + B -> C", "A + B -> C + D"])
def test_a_run_to_completion_uses_fired_times_per_firing(built, key):
    """Independent check by simulation: A (10 nM) all fires; each fuel changes by 10 x count."""
    crn, e, inter = built[key]
    per = fuel_per_firing(crn, e, inter)[0]
    traj = simulate(e.reactions, _initial(e), 4000.0, n_points=51)
    assert traj.get("A")[-1] < 1e-3
    for fuel in e.by_role("fuel"):
        used = fuel.concentration_nM - traj.get(fuel.name)[-1]
        assert used == pytest.approx(10.0 * per.get(fuel.name, 0.0), abs=0.02), fuel.name


def _one_gate(built, gate_nM: float, a_nM: float):
    """A -> B with its gate at ``gate_nM`` and A at ``a_nM``; the gate's rate constant."""
    crn, e, inter = built["A -> B"]
    e = copy.deepcopy(e)
    e.species["r1_gate"].concentration_nM = gate_nM
    e.species["A"].concentration_nM = a_nM
    # the gate reacts with A only, irreversibly (so the closed form below holds)
    assert [r.reactants for r in e.reactions if "r1_gate" in r.species] == [("A", "r1_gate")]
    return crn, e, inter, _rate(e, ("A", "r1_gate"))


def _closed_form_half(k: float, a0: float, g0: float) -> float:
    """dG/dt = -k A G, A - G = a0 - g0 = d: G(t) = d g0 e^(-kdt) / (a0 - g0 e^(-kdt));
    G = g0 / 2 at t = ln((2 a0 - g0) / a0) / (k d)."""
    d = a0 - g0
    return math.log((2 * a0 - g0) / a0) / (k * d)


def test_half_time_matches_the_one_gate_closed_form(built):
    crn, e, inter, k = _one_gate(built, gate_nM=10.0, a_nM=15.0)
    t_half = _closed_form_half(k, 15.0, 10.0)
    traj = simulate(e.reactions, _initial(e), 3 * t_half, n_points=601, rtol=1e-10, atol=1e-9)
    b = fuel_budget(crn, e, inter, traj, time_unit_s=10.0)
    assert b.first_half_fuel == "r1_gate"
    assert b.first_half_s == pytest.approx(t_half, rel=2e-3)
    assert b.first_half_formal == pytest.approx(t_half / 10.0, rel=2e-3)
    # exactly one fuel crossed: one warning, naming it; no estimate needed
    assert len(b.warnings) == 1 and "r1_gate" in b.warnings[0]
    assert b.estimated_half_s is None
    gate = next(f for f in b.fuels if f.name == "r1_gate")
    g_end = traj.get("r1_gate")[-1]
    assert gate.initial_nM == 10.0 and gate.final_nM == pytest.approx(g_end)
    assert gate.fraction_left == pytest.approx(g_end / 10.0) and gate.fraction_left < 0.5
    assert b.below_half == ["r1_gate"]


def test_short_run_gives_no_half_time_and_an_early_estimate(built):
    """Stopped at 0.3 of the closed-form half time: None, no warning, estimate below it."""
    crn, e, inter, k = _one_gate(built, gate_nM=10.0, a_nM=15.0)
    t_half = _closed_form_half(k, 15.0, 10.0)
    traj = simulate(e.reactions, _initial(e), 0.3 * t_half, n_points=101, rtol=1e-10)
    b = fuel_budget(crn, e, inter, traj, time_unit_s=10.0)
    assert b.first_half_s is None and b.first_half_fuel is None
    assert b.warnings == []
    # D = k A(T) G(T) per firing of one gate; the linear extrapolation is its closed form
    a_t, g_t = traj.get("A")[-1], traj.get("r1_gate")[-1]
    expected = traj.times[-1] + (g_t - 5.0) / (k * a_t * g_t)
    assert b.estimated_fuel == "r1_gate"
    assert b.estimated_half_s == pytest.approx(expected, rel=1e-6)
    assert 0.7 * t_half < b.estimated_half_s < t_half


def test_no_fuel_below_half_gives_none_and_no_warnings(built):
    """A (10 nM) -> B with 1 uM fuels: 1% of a gate is used, and nothing goes on at the end."""
    crn, e, inter = built["A -> B"]
    traj = simulate(e.reactions, _initial(e), 4000.0, n_points=51)
    b = fuel_budget(crn, e, inter, traj, time_unit_s=100.0)
    assert b.first_half_s is None and b.warnings == []
    assert b.below_half == []
    assert b.estimated_half_s is None or b.estimated_half_s > 1e6  # A is used up
    left = {f.name: f.fraction_left for f in b.fuels}
    assert left["r1_gate"] == pytest.approx(0.99, abs=1e-4)


def test_catalytic_estimate_is_a_lower_bound_on_the_simulated_half_time(built):
    """A -> A + B drains its gate for ever; a short run's estimate comes before the real one."""
    crn, e, inter = built["A -> A + B"]
    long = simulate(e.reactions, _initial(e), 600.0, n_points=601)
    real = fuel_budget(crn, e, inter, long, time_unit_s=60.0)
    assert real.first_half_fuel == "r1_gate" and real.warnings
    short = simulate(e.reactions, _initial(e), 30.0, n_points=31)
    est = fuel_budget(crn, e, inter, short, time_unit_s=60.0)
    assert est.first_half_s is None and est.warnings == []
    assert est.estimated_fuel == "r1_gate"
    assert 0.6 * real.first_half_s < est.estimated_half_s < real.first_half_s
    assert est.notes == []  # the flux falls as the gate is used: the bound holds


def test_a_cascade_still_filling_up_is_flagged():
    """A -> B; B -> B + C stopped early: reaction 2's flux still rises, so no bound."""
    crn = parse_crn("A -> B\nB -> B + C\nA @initial 10\n")
    e = enumerate_system(compile_crn(crn, "soloveichik2010"))
    inter = verify(crn, e, ("crn-bisimulation",)).full_interpretation
    traj = simulate(e.reactions, _initial(e), 2.0, n_points=21)
    b = fuel_budget(crn, e, inter, traj, time_unit_s=1.0)
    assert b.first_half_s is None and b.estimated_half_s is not None
    assert len(b.notes) == 1 and "reaction 2 still rising" in b.notes[0]


def test_formal_flux_is_the_committing_steps_rate(built):
    crn, e, inter = built["A + B -> C"]
    held = next(s.name for s in e.by_role("intermediate") if "h_A" in s.kernel)
    conc = {"B": 3.0, held: 2.0, "A": 5.0, "r1_join": 1000.0}
    (flux,) = formal_fluxes(crn, e, inter, conc)
    assert flux == pytest.approx(_rate(e, ("B", held)) * 3.0 * 2.0)


def test_report_forms(built):
    crn, e, inter, _ = _one_gate(built, gate_nM=10.0, a_nM=15.0)
    traj = simulate(e.reactions, _initial(e), 2000.0, n_points=101)
    b = fuel_budget(crn, e, inter, traj, time_unit_s=10.0)
    data = json.loads(json.dumps(b.to_json_dict()))
    assert data["first_half_fuel"] == "r1_gate"
    assert data["per_firing"][0]["fuel"] == HAND["A -> B"]
    md = b.markdown()
    assert "| fuel | initial (nM) |" in md and "First fuel below 50%: r1_gate" in md
    rows = [line for line in md.splitlines() if line.startswith("| r1_")]
    assert rows[0].startswith("| r1_gate | 10 |")  # most depleted first
    assert len(rows) == 3


def test_bad_input_is_refused(built):
    crn, e, inter = built["A + B -> C"]
    signals_only = e.interpretation()
    with pytest.raises(DsdcrnError, match="full interpretation"):
        fuel_per_firing(crn, e, signals_only)
    traj = simulate(e.reactions, _initial(e), 10.0, n_points=5)
    with pytest.raises(DsdcrnError, match="time unit"):
        fuel_budget(crn, e, inter, traj, time_unit_s=0.0)
    projected = traj.project({"A": {"A": 1}}, ["A"])
    with pytest.raises(DsdcrnError, match="not in the trajectory"):
        fuel_budget(crn, e, inter, projected, time_unit_s=1.0)


def test_a_reaction_without_a_pathway_is_reported_not_invented(built):
    crn, e, inter = built["A -> B"]
    other = parse_crn("B -> A\n")
    (p,) = firing_pathways(other, e, inter)
    assert not p.found and p.fuel == {}
    assert np.all(formal_fluxes(other, e, inter, {"B": 1.0, "r1_gate": 1.0}) == 0)
