"""Rate realisation: toehold plan, knob settling, tau, bounds, and the realised kinetics."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsdcrn.circuits import nagipogu_reif_neuron
from dsdcrn.compile.translate import compile_crn, load_scheme
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.kinetics.fidelity import simulate_fidelity
from dsdcrn.kinetics.realise import (
    OPENER_SPREAD,
    RealisationError,
    order_reactants,
    plan_toeholds,
    realise_rates,
    toehold_rates,
)
from dsdcrn.kinetics.run import KineticsOptions, simulate_kinetics
from dsdcrn.model.crn import parse_crn
from dsdcrn.options import CheckOptions, RealiseOptions
from dsdcrn.stages import enumerate_and_verify
from dsdcrn.verify.whole import verify

MIXED = "A + B -> C [k = 1]\nC -> D [k = 0.5]\nA @initial 10\nB @initial 10\n"


def realised(text: str, scheme: str = "soloveichik2010", options=None, unit_nM=10.0):
    crn = parse_crn(text)
    first = order_reactants(crn)
    plan = plan_toeholds(crn, scheme, unit_nM, options=options, first=first)
    e = enumerate_system(compile_crn(crn, scheme, domain_nt=plan, first=first))
    inter = verify(crn, e, ("crn-bisimulation",)).full_interpretation
    return crn, e, inter, realise_rates(crn, e, inter, unit_nM, options, plan)


def test_toehold_rates_fall_about_tenfold_per_nt_below_six():
    q = toehold_rates("soloveichik2010", "a_{x}", (3, 4, 5, 6))
    assert q[3] < q[4] < q[5] < q[6]
    assert 5 < q[4] / q[3] < 30 and 5 < q[5] / q[4] < 30  # Zhang & Winfree's ~10x per nt
    assert q[6] == pytest.approx(1.65e-3, rel=0.05)  # Peppercorn, 6 nt, /nM/s


def test_toehold_rates_by_gate_role():
    """A join gate's first step (it releases the buffer strand) is slower than a
    unimolecular gate's at short toeholds; the second reactant binds like a gate input."""
    lengths = (3, 6)
    uni, first, last = (toehold_rates("soloveichik2010", "a_{x}", lengths, role)
                        for role in ("uni", "first", "last"))  # fmt: skip
    assert first[3] < uni[3] / 5  # measured 3.0e-7 vs 3.5e-6 /nM/s
    assert last[3] == pytest.approx(uni[3], rel=0.01)
    assert first[6] < uni[6] and last[6] == pytest.approx(uni[6], rel=0.01)


def test_plan_departs_from_the_default_only_where_a_gate_needs_it():
    plan = plan_toeholds(nagipogu_reif_neuron(), "soloveichik2010", 10.0)
    assert set(plan) == {"a_Hp", "a_Hm", "a_Op", "a_Om"}  # the unimolecular-only species
    assert all(2 <= n < 6 for n in plan.values())
    assert plan_toeholds(parse_crn("A -> B\n"), "soloveichik2010", 10.0) == {}
    assert plan_toeholds(parse_crn("A + B -> 2B\nB + A -> 2A\n"), "soloveichik2010", 10.0) == {}


def test_join_gates_take_first_the_reactant_whose_toehold_serves_similar_rates():
    """Fast rail cancellations among slow reactions: a slow join gate takes first the
    species that is in no fast cancellation (and has no unimolecular gate)."""
    text = (
        "Pm + Pp -> [k = 100]\nPm + X -> Pm + X + Z [k = 1]\nPp + X -> Y [k = 1]\n"
        "X -> [k = 1]\nPp + W -> Q [k = 1]\n"
    )
    first = order_reactants(parse_crn(text))
    assert first[1] == "Pm"  # the fast one first, the sorted first on a tie
    assert first[2] == "X"  # Pm is first at k = 100
    assert first[3] == "X"  # Pp is second at k = 100: a long toehold, too fast a first step
    assert first[5] == "W"
    compiled = compile_crn(parse_crn(text), "soloveichik2010", first=first)
    join = {c.name: c for c in compiled.complexes}["r2_join"]
    assert join.strands[-1][-1] == "a_X*"  # the exposed toehold: X binds first
    default = {c.name: c for c in compile_crn(parse_crn(text), "soloveichik2010").complexes}
    assert default["r2_join"].strands[-1][-1] == "a_Pm*"


def test_fast_gates_spread_over_openers_and_slow_ones_gather():
    """A species in many fast joins (error rails) opens a few and lets its partners
    open the rest: a join gate holds some of its opener, and Kang-Kim 2-5-1's error
    rails, opening 13 gates, could not be cancelled fast enough.  A slow join goes to
    the species that already opens slow ones (here, on equal cost, A over H2), which
    keeps H2's toehold fast."""
    text = (
        "Em + Ep -> [k = 1]\n"
        + "".join(f"Ep + P{i} -> Ep + S{i} [k = 1]\n" for i in range(1, 9))
        + "Wa + A -> Wa [k = 1]\nWb + H1 -> Wb + H1 + O [k = 1]\n"
        "Wc + H2 -> Wc + H2 + O [k = 1]\n"
        "A + H1 -> A + H1 + T1 [k = 0.005]\nA + H2 -> A + H2 + T2 [k = 0.005]\n"
    )
    first = order_reactants(parse_crn(text))
    assert sum(first[i] == "Ep" for i in range(2, 10)) == OPENER_SPREAD + 1  # of 8
    assert first[13] == "A" and first[14] == "A"


def test_plan_widens_the_rate_span_with_toeholds_of_every_role():
    """k = 100 rail cancellation among k = 1 reactions: the slow joins' first reactants
    (P, W) get shorter toeholds and the unimolecular-only species shorter still, within
    the bounds; the fast reaction's species keep the default."""
    fast = nagipogu_reif_neuron(k_fast=100)
    plan = plan_toeholds(fast, "soloveichik2010", 10.0)
    assert {d for d, n in plan.items() if n < 6} >= {"a_Pp", "a_Pm", "a_Wp", "a_Wm", "a_Hp"}
    assert "a_Zp" not in plan and "a_Zm" not in plan
    assert all(2 <= n <= 7 for n in plan.values())
    tight = RealiseOptions(min_toehold_nt=4, max_toehold_nt=6)
    assert all(4 <= n <= 6 for n in plan_toeholds(fast, "soloveichik2010", 10.0, tight).values())


def test_mixed_rates_are_delivered_at_one_time_scale_and_the_circuit_follows():
    crn, e, inter, r = realised(MIXED)
    assert r.realised and r.toeholds_nt == {"a_C": r.toeholds_nt["a_C"]}
    assert r.max_error < 0.01
    by = {x.index: x for x in r.rates}
    # requested 1 per formal unit (10 nM) per tau, and 0.5 per tau
    assert by[1].delivered == pytest.approx(1 / 10 / r.tau_s, rel=0.01)
    assert by[2].delivered == pytest.approx(0.5 / r.tau_s, rel=0.01)
    f = simulate_fidelity(crn, r.apply(e), inter, 10.0, 3.0, time_unit_s=r.tau_s)
    assert f.max_rel_error < 0.10, f.metrics
    # without realisation the same circuit is far off the requested rates
    crn0 = parse_crn(MIXED)
    e0 = enumerate_system(compile_crn(crn0, "soloveichik2010"))
    i0 = verify(crn0, e0, ("crn-bisimulation",)).full_interpretation
    assert simulate_fidelity(crn0, e0, i0, 10.0, 3.0).max_rel_error > 0.3


def test_knob_concentrations_stay_within_the_bounds():
    opts = RealiseOptions(min_fuel_nM=100, max_fuel_nM=1500)
    _, _, _, r = realised(MIXED, options=opts)
    assert r.concentrations_nM
    assert all(100 - 1e-6 <= c <= 1500 + 1e-6 for c in r.concentrations_nM.values())


def test_a_ratio_beyond_the_bounds_is_one_clear_error():
    text = "A + B -> C [k = 1000]\nC + D -> E [k = 1]\nA @initial 10\nB @initial 10\n"
    with pytest.raises(RealisationError, match="cannot realise the rate ratio") as err:
        realised(text, options=RealiseOptions(min_fuel_nM=900, max_fuel_nM=1100))
    assert "\n" not in str(err.value)


def test_physical_maximum_is_enforced():
    with pytest.raises(RealisationError, match="exceeds the maximum"):
        realised(MIXED, options=RealiseOptions(max_rate_per_M_s=1e3))


def test_a_scheme_without_knobs_reports_delivered_rates(monkeypatch):
    monkeypatch.delattr(load_scheme("srinivas2017"), "RATE_KNOBS")
    _, _, _, r = realised("A + B -> C\nA @initial 10\nB @initial 10\n", scheme="srinivas2017")
    assert not r.realised and r.concentrations_nM == {}
    assert any("declares no rate knobs" in n for n in r.notes)
    assert r.rates[0].delivered == pytest.approx(r.rates[0].target)  # tau: the best rescale


def test_kinetics_stage_reports_leaks_and_fuel():
    crn, e, inter, r = realised(MIXED)
    e = r.apply(e)
    f, k = simulate_kinetics(crn, e, inter, KineticsOptions(10.0, 3.0, r.tau_s, 1e-4))
    assert k.leaks > 0 and k.leak_fraction["D"] > 0
    f0, k0 = simulate_kinetics(crn, e, inter, KineticsOptions(10.0, 3.0, r.tau_s, 0.0))
    assert k0.leaks == 0 and k0.leak_fraction == {}
    assert f.max_rel_error == pytest.approx(f0.max_rel_error, rel=1e-9)  # headline: no leaks
    assert k.leak_max_rel_error > f.max_rel_error
    assert k.fuel is not None and k.fuel.time_unit_s == pytest.approx(r.tau_s)


def _realised_neuron(k_fast: float):
    """A neuron, realised (one enumeration; inputs change only signals); enumerated and
    verified modularly (equal to the whole system's, tests/test_stages.py)."""
    crn = nagipogu_reif_neuron(k_fast=k_fast)
    first = order_reactants(crn)
    plan = plan_toeholds(crn, "soloveichik2010", 10.0, first=first)
    system = compile_crn(crn, "soloveichik2010", domain_nt=plan, first=first)
    opts = CheckOptions(methods=("crn-bisimulation",), modular=True, jobs=1, module_copies=True)
    checked = enumerate_and_verify(crn, system, opts)
    e, inter = checked.enumerated, checked.verification.full_interpretation
    return crn, e, inter, realise_rates(crn, e, inter, 10.0, None, plan)


@pytest.fixture(scope="module")
def neuron():
    """The default neuron (every rate constant 1), realised."""
    return _realised_neuron(1.0)


@pytest.fixture(scope="module")
def fast_neuron():
    """The neuron with the paper's fast rail cancellation (k = 100 among k = 1), realised."""
    return _realised_neuron(100.0)


def _feedforward(realised, x: float, k_fast: float):
    """The realised neuron's feedforward run (1 formal unit) at input ``x``."""
    _, e, inter, r = realised
    crn = nagipogu_reif_neuron(x=x, k_fast=k_fast)
    e = r.apply(e)
    for s in e.species.values():
        if s.role == "signal":
            s.concentration_nM = crn.initial.get(s.name, 0.0)
    return simulate_fidelity(crn, e, inter, 10.0, 1.0, time_unit_s=r.tau_s)


def _output(traj) -> float:
    return traj.get("Op")[-1] - traj.get("Om")[-1]


@pytest.mark.parametrize("x", [-1.0, -0.5, 0.5, 1.0])
def test_realised_neuron_follows_the_requested_rates(neuron, x):
    """The issue's acceptance: every species within 10% of the formal CRN at the requested
    rates over the feedforward run (1 formal unit), the output O = Op - Om within 10%
    with the right sign (measured: species 4.4-6.6%, O 4.6-9.2%; with translators and
    helpers left at 1 uM, O was 6.8-11.7% off)."""
    f = _feedforward(neuron, x, 1.0)
    assert f.max_rel_error < 0.10, f.metrics
    o_formal, o_dsd = _output(f.reference), _output(f.implementation)
    assert o_dsd * o_formal > 0
    assert abs(o_dsd - o_formal) < 0.10 * abs(o_formal)
    # every rate within 1% of its target at one tau
    assert neuron[3].max_error < 0.01


@pytest.mark.parametrize("x", [-1.0, 1.0])
def test_realised_fast_neuron_spans_the_hundredfold_rate_ratio(fast_neuron, x):
    """The issue's acceptance: the k = 100 cancellation and the k = 1 reactions delivered
    within 10% of their requested ratio, and the circuit follows the formal CRN at the
    requested rates (measured: ratio 100.2, species 1.1-7.4%, O 1.1-6.3% off, tau 6288 s;
    unrealised, every gate delivers about the same rate)."""
    _, _, _, r = fast_neuron
    by = {x.index: x for x in r.rates}
    assert by[7].requested == 100 and by[1].requested == 1
    assert by[7].delivered / by[1].delivered == pytest.approx(100, rel=0.10)
    assert r.max_error < 0.01
    f = _feedforward(fast_neuron, x, 100.0)
    assert f.max_rel_error < 0.10, f.metrics
    o_formal, o_dsd = _output(f.reference), _output(f.implementation)
    assert o_dsd * o_formal > 0 and abs(o_dsd - o_formal) < 0.10 * abs(o_formal)


def _peaks(times, values):
    i = [j for j in range(1, len(values) - 1) if values[j - 1] < values[j] >= values[j + 1]]
    return times[i], values[i]


@pytest.mark.parametrize("scheme", ["soloveichik2010", "srinivas2017"])
def test_realised_rock_paper_scissors_keeps_period_and_amplitude(scheme):
    """30 formal time units, three cycles.  Measured: soloveichik2010 period +3%,
    amplitude 10.81-10.90 vs 10.94-10.96 nM (< 1.3%; unrealised, with the rates
    delivered 1 : 3 : 2, 10.13 nM, 7.5% low); srinivas2017 period +3%, amplitude
    10.76-10.88 nM (< 1.7%; unrealised 10.1 nM)."""
    text = "A + B -> 2B\nB + C -> 2C\nC + A -> 2A\nA @initial 10\nB @initial 5\nC @initial 2\n"
    crn, e, inter, r = realised(text, scheme=scheme)
    assert r.max_error < 0.01
    f = simulate_fidelity(crn, r.apply(e), inter, 10.0, 30.0, time_unit_s=r.tau_s)
    tf, af = _peaks(f.reference.times, f.reference.get("A"))
    td, ad = _peaks(f.implementation.times, f.implementation.get("A"))
    assert len(tf) >= 3 and len(td) >= 3
    period_f, period_d = (tf[2] - tf[0]) / 2, (td[2] - td[0]) / 2
    assert period_d == pytest.approx(period_f, rel=0.10)
    assert max(abs(a / af[0] - 1) for a in ad[:3]) < 0.03


def test_a_scheme_file_is_calibrated_from_its_own_module(tmp_path):
    """A user's scheme file (a path, not a built-in name) declaring RATE_KNOBS is planned."""
    text = Path(load_scheme("soloveichik2010").__file__).read_text()
    path = tmp_path / "myscheme.py"
    path.write_text(text.replace('NAME = "soloveichik2010"', 'NAME = "myscheme"'))
    plan = plan_toeholds(parse_crn(MIXED), str(path), 10.0)
    assert plan == plan_toeholds(parse_crn(MIXED), "soloveichik2010", 10.0) != {}


def test_a_species_that_opens_a_slow_gate_opens_all_of_its_gates():
    """Kang-Kim 2-2-1 in one pot: EA and VA open slow (k = 0.005) training gates, so
    their toeholds are short, and they open their fast gates too (EA's decay, the
    back-propagation products, VA's decays) instead of finishing them, but for the
    private catalysts that open a slow gate of their own.  (Finishing them, EA's decay
    gate sat at 21 nM and was used up within a sample: tests/neural/test_dsd.py.)"""
    from dsdcrn.model.crn import CRN
    from dsdcrn.neural import kang_kim
    from dsdcrn.neural.network import catalysed

    net = catalysed(kang_kim.build((2, 2, 1), k_rail=1.0, k_route=1.0, kappa=1.0))
    formal = CRN(reactions=[r for r in net.reactions if r.rate > 0], initial={}, name="kk")
    first = order_reactants(formal)
    for x in ("EA1", "VA1_1", "VA1_2"):
        gates = {i: r for i, r in enumerate(formal.reactions, 1) if x in r.reactants}
        fast = [i for i, r in gates.items() if r.rate == 1.0 and len(set(r.reactants)) == 2]
        slow = [i for i, r in gates.items() if r.rate < 0.01]
        assert fast and slow
        assert all(first[i] == x for i in fast)
        assert all(first[i] == x or first[i].startswith("Kcat") for i in slow)
