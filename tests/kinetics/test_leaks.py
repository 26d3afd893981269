"""Leak reactions of fuel complexes (dsdcrn.kinetics.leaks)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.leaks import (
    DEFAULT_LEAK_PER_S,
    REFERENCE_INVADER_NM,
    TOELESS_LEAK_PER_M_PER_S,
    find_leaks,
    leak_fraction,
    leak_rate_per_s,
    leak_reactions,
)
from dsdcrn.kinetics.massaction import Trajectory, simulate


def _fuels(e) -> dict[str, float]:
    return {s.name: s.concentration_nM for s in e.by_role("fuel")}


def _rate(e, reactants: tuple[str, ...]) -> float:
    """Rate constant of the one condensed reaction with these reactants."""
    (k,) = [r.rate for r in e.reactions if r.reactants == tuple(sorted(reactants))]
    return k


def _leaked_output_nM(t, k, gate_nM, fork_nM, k_fork_nM):
    """Output leaked by ``gate -> i`` and ``fork -> out`` (both at k, /s) with ``i + fork ->
    out`` at pseudo-first-order ``k_fork_nM * fork_nM`` (/s).

    The output strand lives only in the fork and the free output, so out = F0 - F with
    dF/dt = -k F - (rate i meets the fork); with i produced at k G0 exp(-k t) and
    converted at kf, F = exp(-k t) [F0 - k G0 kf/(kf - k) (t - (1 - exp(-(kf - k) t))/(kf - k))].
    """
    kf = k_fork_nM * fork_nM
    d = kf - k
    consumed = k * gate_nM * kf / d * (t - (1 - np.exp(-d * t)) / d)
    return fork_nM - np.exp(-k * t) * (fork_nM - consumed)


def test_default_constant_and_its_meaning():
    """1 /M/s at 1 uM invading strands is 1e-6 /s: a 1 uM gate leaks 3.59 nM in 1 h."""
    assert TOELESS_LEAK_PER_M_PER_S == 1.0 and REFERENCE_INVADER_NM == 1000.0
    assert DEFAULT_LEAK_PER_S == pytest.approx(1e-6, rel=1e-12)
    assert 1000 * (1 - math.exp(-DEFAULT_LEAK_PER_S * 3600)) == pytest.approx(3.5935, abs=1e-4)
    assert leak_rate_per_s(82, 1000) == pytest.approx(8.2e-5, rel=1e-12)
    assert leak_rate_per_s() == DEFAULT_LEAK_PER_S


def test_one_gate_leak_follows_the_closed_form(enumerated):
    """A -> B with A absent: gate -> i1 and fork -> B at k; i1 passes the fork."""
    _, e = enumerated["A -> B"]
    k = 1e-6
    leaks = leak_reactions(e, k)
    assert sorted((r.reactants, r.products) for r in leaks) == [
        (("r1_fork",), ("B_d_r1", "w3")),
        (("r1_gate",), ("i1",)),
    ]
    assert all(r.rate == k for r in leaks)
    k_fork = _rate(e, ("i1", "r1_fork"))  # /nM/s
    traj = simulate(e.reactions + leaks, _fuels(e), 3600, n_points=61, atol=1e-10)
    t = traj.times[1:]
    expected = _leaked_output_nM(t, k, 1000.0, 1000.0, k_fork)
    leaked_b = traj.get("B_d_r1")[1:]  # B (history h_B) only comes from A
    np.testing.assert_allclose(leaked_b, expected, rtol=1e-4, atol=0)
    assert leaked_b[-1] == pytest.approx(7.18, abs=0.01)  # 1 h at 1e-6 /s, two 1 uM fuels
    # without leaks nothing moves
    dry = simulate(e.reactions, _fuels(e), 3600, n_points=61)
    assert np.max(dry.get("B_d_r1")) == 0.0


def test_zero_constant_turns_leaks_off(enumerated):
    _, e = enumerated["A -> B"]
    assert leak_reactions(e, 0) == []
    assert find_leaks(e, 0.0).skipped == []
    init = {**_fuels(e), "A": 10.0}
    a = simulate(e.reactions + leak_reactions(e, 0.0), init, 600, n_points=11)
    b = simulate(e.reactions, init, 600, n_points=11)
    assert a.species == b.species
    assert np.array_equal(a.values, b.values)


def test_leak_fraction_with_input_present(enumerated):
    """A0 = 100 nM uses 100 nM of gate and fork; the other 900 nM of each leak for 1 h."""
    _, e = enumerated["A -> B"]
    k, a0, t_end = 1e-6, 100.0, 3600.0
    init = {**_fuels(e), "A": a0}
    wet = simulate(e.reactions + leak_reactions(e, k), init, t_end, n_points=11, atol=1e-10)
    dry = simulate(e.reactions, init, t_end, n_points=11, atol=1e-10)
    mapping = {"B": {"B": 1}, "B_d_r1": {"B": 1}}
    frac = leak_fraction(wet.project(mapping, ["B"]), dry.project(mapping, ["B"]), ["B"])
    leaked = _leaked_output_nM(t_end, k, 1000 - a0, 1000 - a0, _rate(e, ("i1", "r1_fork")))
    assert leaked == pytest.approx(6.46, abs=0.01)
    assert frac["B"] == pytest.approx(leaked / (a0 + leaked), rel=2e-4)  # 0.0607
    assert dry.get("B_d_r1")[-1] == pytest.approx(a0, rel=1e-6)


def _trajectory(end: dict[str, float], t_end: float = 10.0) -> Trajectory:
    names = list(end)
    return Trajectory(
        np.array([0.0, t_end]), names, np.array([[0.0] * len(names), list(end.values())])
    )


def test_leak_fraction_edge_cases():
    wet = _trajectory({"X": 110.0, "Y": 0.0, "Z": 0.0, "V": 50.0})
    dry = _trajectory({"X": 100.0, "Y": 0.0, "Z": 3.0, "V": 60.0})
    frac = leak_fraction(wet, dry, ["X", "Y", "Z", "V"])
    assert frac["X"] == pytest.approx(10 / 110, rel=1e-12)
    assert frac["Y"] == 0.0  # both zero
    assert math.isnan(frac["Z"])  # the leak consumed all of it
    assert frac["V"] == pytest.approx(-0.2, rel=1e-12)  # leak lowered the output
    with pytest.raises(DsdcrnError, match="same end time"):
        leak_fraction(wet, _trajectory({"X": 1.0}, t_end=5.0), ["X"])
    with pytest.raises(DsdcrnError, match="not in the trajectory"):
        leak_fraction(wet, dry, ["Q"])


def test_every_triggered_fuel_leaks_or_is_counted(enumerated):
    """Each fuel with a trigger reaction (F + non-fuel) gets a leak or a skipped entry."""
    expected = {
        "A -> B": ({"r1_gate", "r1_fork"}, {"r1_helper1"}),
        "A + B -> C": ({"r1_join", "r1_fork"}, {"r1_buffer", "r1_helper1"}),
    }
    for key, (leaky, skipped) in expected.items():
        _, e = enumerated[key]
        fuels = {s.name for s in e.by_role("fuel")}
        triggered = {
            f
            for r in e.reactions
            for f in r.reactants
            if f in fuels and any(x not in fuels for x in r.reactants)
        }
        found = find_leaks(e)
        assert {r.reactants[0] for r in found.reactions} == leaky, key
        assert {f for f, _ in found.skipped} == skipped, key
        assert leaky | skipped == triggered == fuels, key
        assert all(r.rate == DEFAULT_LEAK_PER_S for r in found.reactions)


def test_join_gate_leaks_its_output_strand(enumerated):
    """A + B -> C: the join leaks i1 (its output) and the buffer strand; single-step
    (max_triggers=1) gives the buffer strand only; the fork releases C."""
    _, e = enumerated["A + B -> C"]
    found = find_leaks(e)
    leaks = {r.reactants[0]: r.products for r in found.reactions}
    assert leaks == {"r1_join": ("i1", "r1_buffer"), "r1_fork": ("C_d_r1", "w3")}
    assert found.triggers[("r1_join", ("i1", "r1_buffer"))] == ("A", "B")
    single = {r.reactants[0]: r.products for r in leak_reactions(e, max_triggers=1)}
    assert single["r1_join"] == ("r1_buffer",)
    # i1 (the join's output strand b_B c_B d_r1) is the fork's trigger
    assert e.species["i1"].strands == [["b_B", "c_B", "d_r1"]]


def test_two_output_fork_releases_both_outputs(enumerated):
    """A + B -> C + D: the fork's second output needs a helper step; the leak follows it."""
    _, e = enumerated["A + B -> C + D"]
    fork = [r.products for r in leak_reactions(e) if r.reactants == ("r1_fork",)]
    assert len(fork) == 1
    assert {"C_d_r1", "D_e_r1_1"} <= set(fork[0])


def test_leaks_release_only_the_gates_own_strands(enumerated):
    """Strand conservation, checked from the species' strands: every leaked product is
    made of strands of the leaking fuel, and each (fuel, products) appears once."""
    for key, (_, e) in enumerated.items():
        leaks = leak_reactions(e, 1e-5)
        assert leaks, key
        assert len({(r.reactants, r.products) for r in leaks}) == len(leaks), key
        for r in leaks:
            (fuel,) = r.reactants
            own = {tuple(s) for s in e.species[fuel].strands}
            for p in r.products:
                assert {tuple(s) for s in e.species[p].strands} <= own, (key, r)
            assert any(e.species[p].role != "waste" for p in r.products), (key, r)


def test_no_fuels_no_leaks(enumerated):
    _, e = enumerated["A -> B"]
    species = {
        n: dataclasses.replace(s, role="intermediate") if s.role == "fuel" else s
        for n, s in e.species.items()
    }
    bare = dataclasses.replace(e, species=species)
    assert leak_reactions(bare) == []
    assert find_leaks(bare).skipped == []


@pytest.mark.parametrize("bad", [-1e-6, float("nan"), float("inf"), "fast", None])
def test_bad_constants_raise(enumerated, bad):
    _, e = enumerated["A -> B"]
    with pytest.raises(DsdcrnError, match="finite number >= 0"):
        leak_reactions(e, bad)
    with pytest.raises(DsdcrnError, match="finite number >= 0"):
        leak_rate_per_s(bad)


def test_bad_chain_depth_raises(enumerated):
    _, e = enumerated["A -> B"]
    with pytest.raises(DsdcrnError, match="max_triggers"):
        leak_reactions(e, max_triggers=0)
