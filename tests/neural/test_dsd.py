"""Training at the DNA level (dsdcrn.neural.dsd): the Nagipogu-Reif d = 1 circuit with
first-order training, compiled, realised phase by phase and run through its protocol."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.neural.dsd import (
    _unblocked,
    compile_network,
    protocol_csv,
    species_modules,
    use_dsd,
)
from dsdcrn.neural.protocol import Step
from dsdcrn.neural.training import NagipoguReifModel

KW = dict(dim=1, k_fast=1.0, seed=0, t_relax=5.0)


LINES: list[str] = []  # what compile_network reported as it went


@pytest.fixture(scope="module")
def compiled():
    return compile_network(NagipoguReifModel(**KW).network_, jobs=1, progress=LINES.append)


def models(compiled, replenish: int = 1):
    formal = NagipoguReifModel(**KW)
    dsd = NagipoguReifModel(**KW)
    dsd.network_ = compiled.network
    return formal, use_dsd(dsd, compiled, replenish=replenish)


def test_every_phase_is_realised_at_its_own_time_scale(compiled):
    phases = {"feedforward", "readout", "error", "adjoint", "backward", "update"}
    assert set(compiled.realisations) == phases
    for real in compiled.realisations.values():
        assert real.realised and real.max_error < 0.01
    # the toehold plan keeps each species' length across phases: one system, verified
    assert compiled.enumerated.system is not None and len(compiled.formal.reactions) == 33


def test_compiling_reports_each_stage(compiled):
    """A compile shows where it is: the start, the enumerated circuit, each phase."""
    assert LINES[0].startswith(f"compiling {compiled.network.name} with soloveichik2010: 33 ")
    e = compiled.enumerated
    assert f"{len(e.species)} species, {len(e.reactions)} reactions" in LINES[1]
    realised = [line.split(":")[0] for line in LINES[2:]]
    assert realised == [f"realised {p}" for p in compiled.realisations]


def test_set_parameters_is_the_inverse_of_parameters(compiled):
    """Both machines take a run's parameters back (signed, formal units), the DNA one
    on each rail's free signal strand."""
    formal, dsd = models(compiled)
    for value in (-0.37, 0.52):  # the negative rail, then the positive one
        theta = dict.fromkeys(formal.parameters(), value)
        for model in (formal, dsd):
            model.set_parameters(theta)
            assert model.parameters() == pytest.approx(theta, abs=1e-12)


def test_gates_belong_to_their_own_module_and_signals_to_none(compiled):
    e = compiled.enumerated
    modules = species_modules(e)
    for i, fuels in e.system.module_fuels.items():
        assert all(modules[f] == {i} for f in fuels)  # even two gates sharing a base strand
    assert all(not modules[s.name] for s in e.by_role("signal"))
    # in the adjoint phase no signal binds a gate of another phase, but gates of other
    # phases still release what they hold (their reactions without a signal input run)
    nums = set(compiled.numbers["adjoint"])
    signal = {s.name for s in e.by_role("signal")}
    active = _unblocked(e, modules, compiled.numbers["adjoint"])
    for r in active:
        if signal & set(r.reactants):
            assert all(modules[x] <= nums for x in r.reactants)
    assert any(modules[x] - nums for r in active for x in r.reactants)


def test_feedforward_and_readout_follow_the_formal_machine(compiled):
    """Measured: Z 0.8993 vs 0.9003, O 0.855 vs 0.894 formal units."""
    formal, dsd = models(compiled)
    steps = formal.protocol(np.array([0.8]), 1.6)
    for step in steps[:2]:
        formal.machine_.apply(step)
        dsd.machine_.apply(step)
    assert dsd.machine_.value("Z1") == pytest.approx(formal.machine_.value("Z1"), rel=0.01)
    assert dsd.machine_.value("O") == pytest.approx(formal.machine_.value("O"), rel=0.08)
    assert dsd.machine_.value("P1") == pytest.approx(formal.machine_.value("P1"), rel=1e-9)


def test_one_training_sample_moves_theta_like_the_formal_circuit(compiled):
    """The DNA circuit learns: θ moves the formal way, within 30% of its step (measured
    0.0313 against 0.0254: the adjoint's decay gate is used up about 30% within the
    sample, so A overshoots)."""
    formal, dsd = models(compiled)
    x, y = np.array([0.8]), np.array([1.6])
    before = formal.parameters()["P1"]
    assert dsd.parameters()["P1"] == pytest.approx(before)
    formal.partial_fit(x, y)
    dsd.partial_fit(x, y)
    df, dd = formal.parameters()["P1"] - before, dsd.parameters()["P1"] - before
    assert df > 0 and dd > 0
    assert dd == pytest.approx(df, rel=0.30)


def test_reset_empties_the_carriers_and_injection_sets_the_free_strand(compiled):
    _, dsd = models(compiled, replenish=0)
    m = dsd.machine_
    m.apply(Step("feedforward", 0.5, inject={"X1p": 0.8, "Z1p": 0.8}))
    assert m.conc("Z1p") > 0.8
    m.apply(Step("readout", 0.0, reset=("Z1p", "Z1m", "X1p", "X1m")))
    # a gate caught mid-reaction that also holds a species not reset keeps its share
    assert m.conc("Z1p") < 1e-3 and m.conc("X1p") < 1e-3
    m.apply(Step("readout", 0.0, inject={"X1p": 0.3}))
    assert m.conc("X1p") == pytest.approx(0.3, abs=1e-3)  # + what a mid-reaction gate kept
    assert m.state[m.index["X1p"]] == pytest.approx(0.3 * compiled.unit_nM)
    # fuels: loaded once, topped up on request; each injection started a sample
    assert m.samples == 3
    used = min(m.fuel_left().values())
    assert used < 1.0
    m.top_up()
    assert min(m.fuel_left().values()) == pytest.approx(1.0)


def test_train_level_dsd_writes_both_runs_side_by_side(tmp_path, capsys):
    """``dsdcrn train line --model nagipogu-reif --level dsd``: per-sample parameters of
    the formal and the DNA circuit, the test metric of both, and the output folder."""
    import json

    from dsdcrn.cli.main import main

    out = tmp_path / "run"
    argv = ["train", "line", "--model", "nagipogu-reif", "--level", "dsd", "--n-train", "2"]
    main([*argv, "-q", "-o", str(out)])
    printed = capsys.readouterr().out
    assert "phase update: tau" in printed and "test mse: formal" in printed
    assert "rates at the end, delivered / requested, farthest from 1: " in printed
    result = json.loads((out / "result.json").read_text())
    off = result["off_rates_at_the_end"]  # the update phase's gates, at the end
    assert len(off) >= 1 and all(q > 0 for _, q in off)
    assert result["level"] == "dsd" and len(result["samples"]) == 2
    row = result["samples"][-1]
    theta0 = result["theta0"]["P1"]
    # both learn in the same direction (y = 2x from θ0 = 0.126)
    assert row["formal P1"] > theta0 and row["dsd P1"] > theta0
    assert (out / "samples.csv").read_text().startswith("sample,epoch,formal P1,dsd P1")
    assert (out / "samples.png").stat().st_size > 0


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--model", "kang-kim-sigmoid"], "runs the models nagipogu-reif, kang-kim"),
        (["--model", "nagipogu-reif", "--protocol", "phased"], "--protocol does not apply"),
        (["--model", "nagipogu-reif", "--rate-noise", "0.1"], "do not apply to --level dsd"),
        # refused before the circuit is compiled
        (
            ["--model", "kang-kim", "--volume-uL", "50", "--stock-fold", "1"],
            "must be a finite number > 1",
        ),
        (["--model", "kang-kim", "--unit-nM", "0"], "--unit-nM"),
        (["--model", "nagipogu-reif", "--min-fuel-nM", "3000"], "is above --max-fuel-nM 2000"),
    ],
)
def test_train_level_dsd_refuses_what_it_cannot_run(tmp_path, extra, words):
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "dsdcrn", "train", "line", "--level", "dsd", *extra, "-q"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert words in r.stderr and list(tmp_path.iterdir()) == []


def test_dna_circuit_learns_the_line_like_the_formal_one():
    """The issue's acceptance on a held-out seed: after 20 samples of y = 2x, the DSD
    circuit's θ is within 10% of the formal run's step and its test MSE within 20%
    (measured: seed 1 gap 0.073, MSE 0.266 against 0.234; seeds 0 and 2: 0.063 and
    0.061, +9.8% and +10.3%)."""
    from dsdcrn.neural.dsd import train_side_by_side

    res = train_side_by_side("line", seed=1, jobs=1)
    assert len(res.rows) == 20
    last, theta0 = res.rows[-1], res.theta0["P1"]
    assert last["formal P1"] - theta0 > 0.1  # the formal run learns
    assert res.gap() <= 0.10
    assert res.test_dsd <= 1.20 * res.test_formal


def test_fuel_per_sample_matches_a_hand_count(compiled):
    """Over one sample the readout's O+ decay gate fires once per O+ it removes: with W
    and Z fixed in the readout phase, O+ relaxes as z (1 - e^-t) (k = 1), so the gate
    fires z (t - 1 + e^-t) times in a phase of t time units (formal units; x 10 nM).
    The machine's measured use of that gate agrees, and samples per load follows."""
    import math

    formal, dsd = models(compiled, replenish=0)
    x, y = np.array([0.8]), np.array([1.6])
    steps = formal.protocol(x, y[0])
    for step in steps[:1]:
        formal.machine_.apply(step)
    z = formal.machine_.value("Z1")  # W = 1
    t = KW["t_relax"]
    hand_nM = z * (t - 1 + math.exp(-t)) * compiled.unit_nM
    dsd.partial_fit(x, y)
    dsd.machine_.apply(Step("feedforward", 0.0, reset=("Z1p",)))  # starts sample 2
    gate = next(f for f in compiled.system.module_fuels[12] if f.endswith("_gate"))
    assert compiled.formal.reactions[11].reactants == ("Op",)  # reaction 12: Op ->
    assert dsd.machine_.used[0][gate] == pytest.approx(hand_nM, rel=0.10)
    m = dsd.machine_
    n, fuel = m.samples_per_load()  # closes sample 2 too (nothing used yet)
    loaded = compiled.enumerated.species[fuel].concentration_nM
    per_sample = sum(u[fuel] for u in m.used) / len(m.used)
    assert n == pytest.approx(0.5 * loaded / per_sample, rel=1e-9)
    assert 1 <= n < 1000


def test_rates_in_context_account_for_every_committed_flux(compiled):
    """The fluxes the gates deliver, summed into each formal species' net change, are
    the implementation's own right-hand side (MassAction) projected by the
    interpretation: no committing path is missed.  In a fresh tube after one
    feedforward step every busy reaction runs within 5% of its requested rate
    (measured 0.986 and 0.998); a join gate drained to half then delivers about half."""
    from collections import Counter

    formal, dsd = models(compiled)
    m = dsd.machine_
    m.apply(formal.protocol(np.array([0.8]), 1.6)[0])  # the feedforward step
    rates = m.rates_in_context("feedforward")
    model, idx = m.model("feedforward")
    fuels = {s.name for s in compiled.enumerated.by_role("fuel")}
    projected: Counter = Counter()
    for name, d in zip(model.species, model.rhs(m.state[idx]), strict=True):
        for x in compiled.interpretation.get(name, []) if name not in fuels else ():
            projected[x] += d
    committed: Counter = Counter()
    for r in rates:
        f = compiled.formal.reactions[r.index - 1]
        committed.update(dict.fromkeys(f.products, 0.0))
        for x in f.products:
            committed[x] += r.delivered_nM_s
        for x in f.reactants:
            committed[x] -= r.delivered_nM_s
    scale = max(r.delivered_nM_s for r in rates)
    for x in set(projected) | set(committed):
        assert projected[x] == pytest.approx(committed[x], abs=1e-6 * scale), x
    tau = compiled.tau_s("feedforward")
    busy = [r for r in rates if r.requested_nM_s * tau > 0.01 * compiled.unit_nM]
    assert len(busy) == 2 and all(abs(r.ratio - 1) < 0.05 for r in busy)
    first = compiled.numbers["feedforward"][0]  # P1p + X1p -> P1p + X1p + Z1p
    before = next(r.ratio for r in rates if r.index == first)
    m.state[m.index[f"r{first}_join"]] *= 0.5
    m.apply(Step("feedforward", 0.5))
    after = next(r.ratio for r in m.rates_in_context("feedforward") if r.index == first)
    assert 0.4 < after / before < 0.6
    assert m.off_rates("feedforward", n=1)[0][0] == "P1p + X1p -> P1p + X1p + Z1p"


def test_wastes_are_left_out_and_change_nothing(compiled):
    """The machine does not integrate the wastes (no reaction consumes them, they carry
    no formal species: 562 of the 947 species).  A feedforward step with them integrated
    too ends in the same state for every other species, and does make wastes."""
    from scipy.integrate import solve_ivp

    from dsdcrn.kinetics.massaction import MassAction, sparse_bdf

    formal, dsd = models(compiled)
    m = dsd.machine_
    e = compiled.enumerated
    consumed = {x for r in e.reactions for x in r.reactants}
    assert len(m.untracked) == 562 and len(e.species) == 947
    assert not m.untracked & consumed
    assert not any(compiled.interpretation.get(x) for x in m.untracked)
    model, _ = m.model("feedforward")
    assert not set(model.species) & m.untracked
    step = formal.protocol(np.array([0.8]), 1.6)[0]
    m.apply(Step(step.phase, 0.0, inject=step.inject, reset=step.reset))
    full = MassAction(_unblocked(e, m._modules, compiled.numbers["feedforward"]))
    idx = np.array([m.index[x] for x in full.species])
    t_end = step.duration * compiled.tau_s("feedforward")
    sol = solve_ivp(lambda _t, y: full.rhs(y), (0.0, t_end), m.state[idx], method=sparse_bdf(),
                    jac=lambda _t, y: full.jacobian(y), rtol=1e-8, atol=1e-8)  # fmt: skip
    m.apply(Step(step.phase, step.duration))
    ends = dict(zip(full.species, sol.y[:, -1], strict=True))
    wastes = [x for x in full.species if x in m.untracked]
    assert max(ends[x] for x in wastes) > 0.1  # nM of waste made, not integrated
    kept = [x for x in full.species if x not in m.untracked]
    np.testing.assert_allclose([m.state[m.index[x]] for x in kept], [ends[x] for x in kept],
                               rtol=1e-3, atol=1e-3)  # fmt: skip


def test_kang_kim_dna_read_out_time_has_the_formal_pass_settled():
    """The DNA read-out waits 10 formal units (:data:`KK_DSD`), not the model's 30: at
    weights trained on and-corners the formal outputs then differ by < 0.02."""
    from dsdcrn.neural.dsd import KK_DSD
    from dsdcrn.neural.experiment import make_model
    from dsdcrn.neural.tasks import load_task

    task = load_task("and-corners", seed=0)
    short, _ = make_model(task, "kang-kim", seed=0, **KK_DSD)
    long, _ = make_model(task, "kang-kim", seed=0, **{**KK_DSD, "t_eval": 30.0})
    assert short.t_eval == 10.0 < long.t_eval
    short.fit(task.X_train, task.targets(task.y_train))
    long.set_parameters(short.parameters())
    a, b = short.predict(task.X_test), long.predict(task.X_test)
    assert np.max(np.abs(a - b)) < 0.02
    assert np.ptp(a) > 0.5  # it learnt something: the outputs spread


def test_the_protocol_file_alone_reproduces_the_run(tmp_path):
    """The run's folder holds its lab actions with times; doing exactly those actions
    (and nothing else) on the circuit gives the run's parameters."""
    from dsdcrn.errors import DsdcrnError
    from dsdcrn.neural.dsd import read_protocol, replay, train_side_by_side

    res = train_side_by_side("line", seed=0, n_train=3, jobs=1)
    out = res.write(tmp_path / "run")
    text = (out / "protocol.csv").read_text()
    rows = read_protocol(text, "protocol.csv")
    actions = {r["action"] for r in rows}
    assert actions == {"top up", "reset", "set", "gates", "wait"}
    waits = [r for r in rows if r["action"] == "wait"]
    assert len(waits) == 3 * 6 and all(r["unit"] == "min" and r["value"] > 0 for r in waits)
    m = replay(res.network, rows)
    assert m.value("P1") == pytest.approx(res.rows[-1]["dsd P1"], rel=1e-6)
    assert "| min | step | action |" in (out / "protocol.md").read_text()
    bad = text.replace(",wait,", ",wiat,", 1)
    with pytest.raises(DsdcrnError, match=r"protocol.csv:\d+: not a protocol row"):
        read_protocol(bad, "protocol.csv")
    negative = text.replace(",set,X1p,", ",set,X1p,-", 1)
    with pytest.raises(DsdcrnError, match="cannot be done"):
        read_protocol(negative, "protocol.csv")


def test_phase_groups_realise_disjoint_phases_apart_and_nested_ones_together():
    from dsdcrn.neural.dsd import phase_groups

    # Nagipogu-Reif: disjoint phases, each its own realisation; "all" is never run
    nr = {"feedforward": [1, 2], "update": [3], "all": [1, 2, 3]}
    assert phase_groups(nr) == {"feedforward": "feedforward", "update": "update"}
    # Kang-Kim: one pot, the smaller phases run at the pot's realisation
    kk = {"inference": [1], "settle": [1, 2], "all": [1, 2, 3]}
    assert phase_groups(kk) == {"inference": "all", "settle": "all", "all": "all"}
    assert phase_groups({"a": [1, 2], "b": [2, 3], "all": [1, 2, 3]})["b"] == "all"


def test_catalysed_network_runs_the_same_odes_without_unimolecular_reactions():
    """Every unimolecular reaction gets a catalyst of its own held at 1 formal unit:
    no unimolecular reaction is left and a Kang-Kim sample ends in the same state."""
    from dsdcrn.neural import kang_kim
    from dsdcrn.neural.network import catalysed
    from dsdcrn.neural.protocol import Machine, Step

    net = kang_kim.build((2, 2, 1), k_rail=1.0, k_route=1.0)
    cat = catalysed(net)
    uni = [r for r in net.reactions if len(r.reactants) == 1]
    assert uni and not [r for r in cat.reactions if len(r.reactants) == 1]
    catalysts = [x for x in cat.initial if x.startswith("Kcat")]
    assert len(catalysts) == len(uni)
    for k in catalysts:  # each opens one gate and comes back
        used = [r for r in cat.reactions if k in r.reactants]
        assert len(used) == 1 and k in used[0].products
    step = Step("all", 20.0, inject={"X1": 1.0, "X2": 0.9, "Y1": 1.0})
    a, b = Machine(net), Machine(cat)
    a.apply(step)
    b.apply(step)
    assert a.values(net.species) == pytest.approx(b.values(net.species), abs=1e-6)
    assert max(abs(b.conc(k) - 1.0) for k in catalysts) < 1e-9


def test_corner_tasks_label_the_truth_table():
    from dsdcrn.neural.tasks import load_task

    t = load_task("and-corners", seed=3)
    corner = np.round(np.clip(t.X_train, 0, 1))
    assert (t.y_train == (corner[:, 0] * corner[:, 1])).mean() > 0.95  # jitter blurs a few
    assert t.y_train.mean() == pytest.approx(0.25, abs=0.02)
    o = load_task("or-corners", seed=3)
    assert o.y_train.mean() == pytest.approx(0.75, abs=0.02)


def test_a_fuel_used_up_within_the_first_sample_is_one_line(compiled):
    import copy

    from dsdcrn.errors import DsdcrnError

    poor = copy.deepcopy(compiled)
    for s in poor.enumerated.by_role("fuel"):
        s.concentration_nM *= 0.002
    dsd = NagipoguReifModel(**KW)
    dsd.network_ = poor.network
    use_dsd(dsd, poor, replenish=1)
    with pytest.raises(DsdcrnError, match="within the first sample") as err:
        dsd.partial_fit(np.array([0.8]), np.array([1.6]))
    assert "\n" not in str(err.value)


def test_compiled_circuit_is_cached_between_runs(compiled, tmp_path, monkeypatch):
    """The second run loads what the first compiled (no compile), and a change to the
    network or the options is another entry."""
    from dsdcrn.neural import dsd

    calls = []
    monkeypatch.setattr(dsd, "compile_network", lambda *a, **k: calls.append(a) or compiled)
    net = compiled.network
    one, hit1 = dsd.compile_cached(net, folder=tmp_path)
    two, hit2 = dsd.compile_cached(net, folder=tmp_path)
    assert (hit1, hit2) == (False, True) and len(calls) == 1
    assert two.network is net and two.tau_s("update") == one.tau_s("update")
    assert len(two.enumerated.reactions) == len(compiled.enumerated.reactions)
    _, hit3 = dsd.compile_cached(net, unit_nM=20.0, folder=tmp_path)
    assert not hit3 and len(calls) == 2 and len(list(tmp_path.iterdir())) == 2
    (next(tmp_path.iterdir())).write_bytes(b"not a pickle")  # unreadable: compiled again
    dsd.compile_cached(net, folder=tmp_path)
    dsd.compile_cached(net, unit_nM=20.0, folder=tmp_path)
    assert len(calls) == 3


def test_volumes_dilute_the_tube_and_the_protocol_file_reproduces_them(compiled):
    """With a 50 uL tube and 100x stocks, each sample's premix (the top-up and the
    inputs) adds 50/99 uL and dilutes the learnt parameter; replaying the protocol's
    rows (volumes included) gives the same parameter and volume."""
    from dsdcrn.errors import DsdcrnError
    from dsdcrn.neural.dsd import read_protocol, replay

    plain, wet = NagipoguReifModel(**KW), NagipoguReifModel(**KW)
    for m, vol in ((plain, None), (wet, 50.0)):
        m.network_ = compiled.network
        use_dsd(m, compiled, replenish=1, volume_uL=vol, stock_fold=100.0)
        for x in (0.8, -0.5, 0.3):
            m.partial_fit(np.array([x]), np.array([2 * x]))
    machine = wet.machine_
    premixes = [r for r in machine.log if r["action"] == "add"]
    assert len(premixes) == 3  # one a sample
    assert machine.volume_uL == pytest.approx(50.0 * (100 / 99) ** 3)
    assert wet.parameters()["P1"] != pytest.approx(plain.parameters()["P1"], rel=1e-4)
    rows = read_protocol(protocol_csv(machine.log), "protocol.csv")
    again = replay(compiled, rows)
    assert again.volume_uL == pytest.approx(machine.volume_uL)
    assert again.value("P1") == pytest.approx(wet.parameters()["P1"], rel=1e-6)
    small = NagipoguReifModel(**KW)
    small.network_ = compiled.network
    use_dsd(small, compiled, volume_uL=50.0, max_volume_uL=50.4)
    with pytest.raises(DsdcrnError, match="would fill the tube to 50.51 uL"):
        small.partial_fit(np.array([0.8]), np.array([1.6]))


@pytest.mark.slow
def test_kang_kim_learns_and_at_the_dna_level():
    """Issue 13's acceptance: Kang-Kim in one pot learns AND at the DNA level to a test
    accuracy of at least 95% (and-corners, two epochs; seed 2 is held out: the README's
    figures are seeds 0 and 1).  Every k = 1 join gate is realised at 100 nM or more
    (with EA and VA finishing their fast gates, EA's decay gate was at 21 nM and used
    up within a sample: the DNA circuit did not learn)."""
    from dsdcrn.neural.dsd import KK_UNIT_NM, train_side_by_side

    res = train_side_by_side("and-corners", "kang-kim", seed=2, epochs=2)
    real = res.network.realisations["all"]
    assert res.network.unit_nM == KK_UNIT_NM and real.max_error < 0.01
    fast = [c for r in real.rates if r.requested == 1.0
            for n, c in r.knobs_nM.items() if n.endswith("_join")]  # fmt: skip
    assert min(fast) >= 100.0
    assert res.test_dsd >= 0.95
    assert res.samples_per_load[0] > 1.0  # one load of fuel carries a sample


@pytest.mark.slow
def test_kang_kim_xor_network_is_realised_at_the_dna_level():
    """The 2-5-1 network XOR needs compiles, verifies and realises (about 40 s) within
    the Kang-Kim bounds and 2,500 uM of fuel in all.  Its error rails open 3 of their
    13 join gates each (all 13 before: their cancellation could not be realised), and
    the slow training gates stay off the hidden units (whose toeholds serve the
    forward pass).  The learning itself is the recorded run
    benchmarks/runs/xor-corners-kang-kim-dsd."""
    from collections import Counter
    from dataclasses import replace

    from dsdcrn.kinetics.realise import order_reactants
    from dsdcrn.neural.dsd import KK_DSD, KK_REALISE, KK_UNIT_NM
    from dsdcrn.neural.experiment import make_model
    from dsdcrn.neural.tasks import load_task

    model, _ = make_model(load_task("xor-corners", seed=0), "kang-kim", seed=0, **KK_DSD)
    options = replace(KK_REALISE, max_total_uM=2500.0)
    c = compile_network(model.network_, unit_nM=KK_UNIT_NM, options=options, jobs=2)
    real = c.realisations["all"]
    assert len(c.formal.reactions) == 256 and real.max_error < 0.01
    total_uM = sum(s.concentration_nM for s in c.enumerated.by_role("fuel")) / 1000
    assert KK_REALISE.max_total_uM < total_uM <= 2500.0
    first = order_reactants(c.formal)
    opens = Counter(first.values())
    assert opens["E1p"] <= 3 and opens["E1m"] <= 3  # of 13 joins each
    rx = c.formal.reactions
    slow = [i for i in first if rx[i - 1].rate < 0.1]
    assert not any(first[i].startswith("H1_") for i in slow)  # hidden units stay fast


def test_train_fuel_bounds_start_from_the_models_own():
    """``--min-fuel-nM``/``--max-fuel-nM`` change only the bound given, on top of the
    model's realisation bounds (Kang-Kim's joins go down to 10 nM)."""
    from argparse import Namespace

    from dsdcrn.cli.neural import _realise_bounds
    from dsdcrn.neural.dsd import KK_REALISE

    def bounds(model, lo=None, hi=None):
        args = Namespace(model=model, min_fuel_nM=lo, max_fuel_nM=hi, max_total_uM=None)
        return _realise_bounds(args)

    assert bounds("nagipogu-reif") is None
    kk = bounds("kang-kim", hi=5000.0)
    assert (kk.min_fuel_nM, kk.max_fuel_nM, kk.max_total_uM) == (10.0, 5000.0, 1000.0)
    assert KK_REALISE.max_fuel_nM == 2000.0  # the module's bounds are left as they were
    nr = bounds("nagipogu-reif", lo=20.0)
    assert (nr.min_fuel_nM, nr.max_fuel_nM, nr.max_total_uM) == (20.0, 2000.0, 500.0)


def test_a_failed_or_non_finite_solve_is_one_line():
    """Both machines end a step through end_state: a failed solve or a non-finite value
    is a one-line SimulationBoundError naming the circuit and where; else the state,
    clipped at 0."""
    from types import SimpleNamespace

    from dsdcrn.errors import SimulationBoundError
    from dsdcrn.neural.protocol import end_state

    ok = SimpleNamespace(success=True, y=np.array([[0.5], [-1e-9]]), message="")
    assert end_state(ok, "net").tolist() == [0.5, 0.0]
    nan = SimpleNamespace(success=True, y=np.array([[np.nan], [1.0]]), message="")
    with pytest.raises(SimulationBoundError, match=r"^net: .*non-finite values in step 3$"):
        end_state(nan, "net", " in step 3")
    failed = SimpleNamespace(success=False, y=np.zeros((2, 0)), message="too stiff")
    with pytest.raises(SimulationBoundError, match="^net: simulation failed: too stiff$"):
        end_state(failed, "net")
