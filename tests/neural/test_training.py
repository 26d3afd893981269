"""Training neural CRNs by simulation: acceptance runs, protocols, tasks and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from dsdcrn.errors import DsdcrnError, SimulationBoundError
from dsdcrn.neural.activations import ReactionSet
from dsdcrn.neural.experiment import train_task
from dsdcrn.neural.network import NeuralCRN
from dsdcrn.neural.noise import noise_sweep
from dsdcrn.neural.protocol import Machine, Step
from dsdcrn.neural.tasks import TASKS, load_task
from dsdcrn.neural.training import KangKimModel, NagipoguReifModel


def _numpy_gd(theta0, X, y, T, h, lr, epochs):
    """Reference: the same first-order update θ ← θ − η/(1+η)·T·e·x computed in NumPy."""
    th = np.array(theta0, float)
    X = np.hstack([X, np.ones((len(X), th.size - X.shape[1]))])  # augmentation entries = 1
    for _ in range(epochs):
        for x, target in zip(X, y, strict=True):
            z = x + T * (th * x + h)
            e = z.sum() - target
            th = th - lr / (1 + lr) * T * e * x
    return th


def test_linear_regression_meets_the_acceptance_figures():
    task = load_task("linear", seed=0)
    # d = 2 inputs, augmented with one constant entry as in the reference
    model = NagipoguReifModel(dim=3, T=0.5, lr=0.1, h=0.1, seed=0)
    theta0 = [model.parameters()[p] for p in ("P1", "P2", "P3")]
    model.fit(task.X_train, task.y_train, epochs=5, shuffle=False)
    mse = task.score(model.predict(task.X_test), task.y_test)
    assert mse < 1.5 * task.noise_variance, mse
    ref = _numpy_gd(theta0, task.X_train, task.y_train, 0.5, 0.1, 0.1, 5)
    got = np.array([model.parameters()[p] for p in ("P1", "P2", "P3")])
    # measured: |got - ref| ≤ 4.1e-8 per entry (θ1 ≈ -0.0047, so relative 4e-6 there)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-7)
    # it learnt something: θ2 moved from ~0.1 towards 2 (y has slope 2 in x2)
    assert got[1] > 1.5


def test_same_seed_same_result_and_seed_changes_the_order():
    a = train_task("linear", "nagipogu-reif", seed=3, epochs=1)
    b = train_task("linear", "nagipogu-reif", seed=3, epochs=1)
    c = train_task("linear", "nagipogu-reif", seed=4, epochs=1)
    assert a.parameters == b.parameters and a.final == b.final
    assert a.parameters != c.parameters


@pytest.mark.slow
def test_kang_kim_learns_and_with_learning_switched_off_does_not():
    task = load_task("and", seed=1, n_train=40)
    learnt = train_task(task, "kang-kim", seed=1, epochs=8, eta=0.01)
    frozen = train_task(task, "kang-kim", seed=1, epochs=2, eta=0.0)
    assert learnt.curve[-1]["train_loss"] < 0.5 * learnt.curve[0]["train_loss"]
    assert learnt.final >= 0.8
    assert frozen.curve[-1]["train_loss"] == pytest.approx(frozen.curve[0]["train_loss"], rel=1e-4)


def test_noise_is_seeded_and_perturbs_the_result():
    task = load_task("linear", seed=0, n_train=10)
    a = train_task(task, "nagipogu-reif", seed=2, epochs=1, rate_noise=0.1, conc_noise=0.1)
    b = train_task(task, "nagipogu-reif", seed=2, epochs=1, rate_noise=0.1, conc_noise=0.1)
    c = train_task(task, "nagipogu-reif", seed=2, epochs=1)
    assert a.parameters == b.parameters
    assert a.parameters != c.parameters


def test_noise_sweep_table_has_a_row_per_sigma():
    sweep = noise_sweep("linear", ["nagipogu-reif"], [0.0, 0.2], epochs=1)
    assert len(sweep.mean("nagipogu-reif")) == 2
    assert "0.200" in sweep.table()


@pytest.mark.slow
def test_noise_sweep_runs_in_parallel_with_the_same_results():
    kw = dict(epochs=1, repeats=2, n_train=20, hidden=(3,))
    one = noise_sweep("xor-corners", ["kang-kim"], [0.0, 0.1], jobs=1, **kw)
    two = noise_sweep("xor-corners", ["kang-kim"], [0.0, 0.1], jobs=2, **kw)
    assert one.results == two.results
    assert all(len(runs) == 2 for runs in one.results["kang-kim"])


def test_noise_sweep_records_failed_runs_and_goes_on():
    sweep = noise_sweep("xor-corners", ["kang-kim"], [0.1], epochs=1, max_seconds=0.0)
    assert np.isnan(sweep.results["kang-kim"][0][0])
    assert "budget" in sweep.failures["kang-kim"][0][0]
    assert "(1/1 failed)" in sweep.table()
    assert json.loads(json.dumps(sweep.to_json_dict()))["results"]["kang-kim"] == [[None]]


def _machine(reactions, initial, **kw) -> Machine:
    rs = ReactionSet()
    for reactants, products, k in reactions:
        rs.add(reactants, products, k, "m")
    return Machine(NeuralCRN("toy", rs.reactions, rs.modules, {}, initial=initial), **kw)


def test_a_diverging_step_stops_with_a_one_line_error():
    m = _machine([(["X"], ["X", "X"], 1.0)], {"X": 1.0}, stiff=False)
    m.apply(Step("all", 5.0))  # e^5, under the bound
    with pytest.raises(SimulationBoundError, match=r"diverged: X reached .* \(bound 10000\)"):
        m.apply(Step("all", 10.0))


def test_the_time_budget_is_checked_inside_a_long_step():
    # a fast Lotka-Volterra oscillator over a very long time: one step, many solver steps
    lv = [(["A"], ["A", "A"], 50.0), (["A", "B"], ["B", "B"], 50.0), (["B"], [], 50.0)]
    m = _machine(lv, {"A": 1.5, "B": 1.0}, stiff=False, max_seconds=0.5)
    with pytest.raises(SimulationBoundError, match="budget in protocol step 1") as err:
        m.apply(Step("all", 1e7))
    assert "\n" not in str(err.value)


def test_tasks_are_seeded_and_well_formed():
    for name in TASKS:
        t = load_task(name, seed=0, n_train=30 if name == "digits" else None)
        assert np.all(t.X_train >= 0) and np.all(t.X_test >= 0)
        assert len(t.X_train) == len(t.y_train) and len(t.X_test) == len(t.y_test)
    a, b = load_task("iris", seed=1), load_task("iris", seed=1)
    assert np.array_equal(a.X_train, b.X_train)
    assert len(a.y_train) == 120 and set(np.unique(a.y_test)) == {0, 1, 2}
    x = load_task("xor", seed=0)
    assert x.y_train.mean() == pytest.approx(0.5, abs=0.01)
    assert np.all(x.y_train == ((x.X_train[:, 0] > 0.5) ^ (x.X_train[:, 1] > 0.5)))
    c = load_task("xor-corners", seed=0)
    assert len(c.y_train) == 100 and len(c.y_test) == 100 and c.y_train.mean() == 0.5
    corner = np.round(np.clip(c.X_train, 0, 1))  # jitter σ = 0.1: the nearest corner
    assert np.mean(c.y_train == np.logical_xor(*corner.T.astype(bool))) > 0.97


@pytest.mark.parametrize(
    "call",
    [
        lambda: load_task("mnist"),
        lambda: train_task("iris", "nagipogu-reif", epochs=0),
        lambda: train_task("linear", "perceptron", epochs=0),
        lambda: train_task("xor", "kang-kim", epochs=0, hidden=(0,)),
        lambda: KangKimModel(layers=(2, 2, 1), protocol_name="two-pot"),
        lambda: KangKimModel(layers=(2, 2, 1), t_sample=0.0),
        lambda: train_task("linear", "nagipogu-reif", epochs=1, t_sample=60.0),
        lambda: NagipoguReifModel(dim=1).fit(np.ones((1, 2)), np.ones(1)),
        lambda: train_task("linear", "nagipogu-reif", epochs=1, rate_noise=-0.1),
        lambda: train_task("linear", "nagipogu-reif", epochs=1, max_seconds=0.0),
    ],
)
def test_bad_training_inputs_raise_one_line_errors(call):
    with pytest.raises(DsdcrnError) as err:
        call()
    assert "\n" not in str(err.value)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dsdcrn", *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_cli_neural_lists_builds_and_rejects(tmp_path):
    r = _cli("neural")
    assert r.returncode == 0 and "nagipogu-reif" in r.stdout and "kang-kim" in r.stdout
    out = tmp_path / "nr.crn"
    r = _cli("neural", "nagipogu-reif", "--dim", "2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "32 species, 59 reactions" in r.stderr and out.exists()
    routed = _cli("neural", "kang-kim", "--dim", "2", "--hidden", "2")
    direct = _cli("neural", "kang-kim", "--dim", "2", "--hidden", "2", "--updates", "direct")
    assert routed.returncode == direct.returncode == 0
    # 9 parameters: three reactions each routed, two direct
    assert "training                 27" in routed.stderr
    assert "training                 18" in direct.stderr
    for bad in (
        ("neural", "nope", "--dim", "2"),
        ("neural", "kang-kim", "--dim", "2", "--hidden", "0"),
        ("neural", "nagipogu-reif", "--dim", "0"),
        ("train", "nosuchtask", "--model", "kang-kim"),
        ("train", "linear", "--model", "kang-kim", "--conc-noise", "-1", "--epochs", "1"),
        ("train", "linear", "--model", "nagipogu-reif", "--updates", "direct"),
        ("noise", "iris", "--jobs", "0"),
        ("train", "linear", "--model", "kang-kim", "--updates", "sideways"),
    ):
        r = _cli(*bad)
        assert r.returncode == 2, bad
        assert r.stderr.startswith("dsdcrn: error:") and r.stderr.count("\n") == 1, r.stderr


def test_cli_train_writes_curve_and_parameters(tmp_path):
    out = tmp_path / "run"
    r = _cli("train", "linear", "--model", "nagipogu-reif", "--seed", "0", "-q", "-o", str(out))
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("mse ") and float(last.split()[1]) < 0.24
    res = json.loads((out / "result.json").read_text())
    assert res["metric"] == "mse" and len(res["curve"]) == 6  # epoch 0 and 5 epochs
    assert set(json.loads((out / "parameters.json").read_text())) == {"P1", "P2", "P3"}
    assert (out / "curve.png").stat().st_size > 1000


# ------------------------------------------------------------------ slow acceptance runs
@pytest.mark.slow
def test_iris_kang_kim_reaches_90_percent():
    res = train_task("iris", "kang-kim", seed=0)
    assert res.final >= 0.9, res.table()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["nagipogu-reif", "kang-kim"])
def test_xor_truth_table_reaches_95_percent(model):
    res = train_task("xor-corners", model, seed=0)
    assert res.final >= 0.95, res.table()


@pytest.mark.slow
def test_digits_subset_reaches_85_percent():
    """64-20-10 one pot on a stratified 600-sample subset, 3 epochs (about 20 min)."""
    res = train_task("digits", "kang-kim", seed=0, n_train=600, epochs=3)
    assert res.final >= 0.85, res.table()


@pytest.mark.slow
def test_iris_smooth_network_loses_at_most_5_points_at_sigma_0_1():
    """σ = 0.1 log-normal noise on every rate constant and concentration, 5 noise seeds
    (about 15 min on 2 cores); the recorded sweep is benchmarks/runs/noise-iris."""
    from dsdcrn.neural.noise import noise_sweep

    sweep = noise_sweep("iris", ["kang-kim"], [0.0, 0.1], repeats=5, jobs=2)
    clean, noisy = sweep.mean("kang-kim")
    assert sweep.n_failed("kang-kim") == [0, 0]
    assert clean >= 0.9 and clean - noisy <= 0.05, sweep.table()
