"""Tests of dsdcrn.kinetics.massaction against analytic mass-action solutions."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.massaction import (
    KLUFactoriser,
    MassAction,
    Trajectory,
    check_simulation_input,
    compare,
    initial_state,
    integrate,
    plot_comparison,
    simulate,
    solution_values,
    sparse_bdf,
    species_order,
)
from dsdcrn.model.crn import Reaction


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def test_first_order_decay() -> None:
    traj = simulate([Reaction(("A",), ("B",), 0.1)], {"A": 10.0}, 50.0, atol=1e-10)
    exact = 10.0 * np.exp(-0.1 * traj.times)
    assert traj.times[0] == 0.0 and traj.times[-1] == 50.0 and len(traj.times) == 201
    assert _rel(traj.get("A"), exact) < 1e-4
    np.testing.assert_allclose(traj.get("A") + traj.get("B"), 10.0, rtol=1e-8)


def test_bimolecular_equal_initial() -> None:
    k, a0 = 1e-3, 50.0  # /nM/s, nM
    traj = simulate([Reaction(("A", "B"), ("C",), k)], {"A": a0, "B": a0}, 100.0, atol=1e-10)
    exact = a0 / (1 + k * a0 * traj.times)
    assert _rel(traj.get("A"), exact) < 1e-4
    assert _rel(traj.get("B"), exact) < 1e-4
    assert _rel(traj.get("C")[1:], a0 - exact[1:]) < 1e-4


def test_dimerisation_has_no_factorial() -> None:
    k, a0 = 2e-3, 20.0
    traj = simulate([Reaction(("A", "A"), ("B",), k)], {"A": a0}, 200.0, atol=1e-10)
    exact = a0 / (1 + 2 * k * a0 * traj.times)  # dA/dt = -2 k A^2
    assert _rel(traj.get("A"), exact) < 1e-4
    np.testing.assert_allclose(traj.get("B"), (a0 - exact) / 2, rtol=1e-6, atol=1e-8)


def test_constant_catalyst() -> None:
    k, c = 0.05, 3.0
    rxn = Reaction(("C",), ("C", "X"), k)
    other = Reaction(("C",), (), 1.0)  # would drain C if it were not held constant
    traj = simulate([rxn, other], {"C": c}, 40.0, constant={"C"})
    np.testing.assert_array_equal(traj.get("C"), c)
    np.testing.assert_allclose(traj.get("X"), k * c * traj.times, rtol=1e-6, atol=1e-9)


def test_accepts_duck_typed_reactions_and_extra_species() -> None:
    rxn = SimpleNamespace(reactants=["A"], products=["B", "B"], rate=1.0)
    traj = simulate([rxn], {"A": 1.0, "Z": 7.0}, 5.0, n_points=11)
    assert traj.species == ["A", "B", "Z"]
    assert traj.values.shape == (11, 3)
    np.testing.assert_allclose(traj.get("Z"), 7.0)
    np.testing.assert_allclose(traj.get("B")[-1], 2 * (1 - math.exp(-5.0)), rtol=1e-5)


def _random_reactions(n_species: int, n_reactions: int, rng: np.random.Generator) -> list:
    names = [f"S{i}" for i in range(n_species)]
    out = []
    for _ in range(n_reactions):
        reactants = tuple(rng.choice(names, rng.integers(0, 4)))
        products = tuple(rng.choice(names, rng.integers(0, 4)))
        out.append(Reaction(reactants, products, float(rng.uniform(0.05, 2.0))))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jacobian_matches_finite_differences(seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = MassAction(_random_reactions(8, 15, rng), species=[f"S{i}" for i in range(8)])
    y = rng.uniform(0.5, 2.0, model.n_species)
    jac = model.jacobian(y)
    assert jac.format == "csr" and jac.shape == (8, 8)
    analytic = jac.toarray()
    numeric = np.empty_like(analytic)
    for i in range(model.n_species):
        h = 1e-6 * y[i]
        e = np.zeros_like(y)
        e[i] = h
        numeric[:, i] = (model.rhs(y + e) - model.rhs(y - e)) / (2 * h)
    scale = max(np.max(np.abs(analytic)), 1e-12)
    assert np.max(np.abs(analytic - numeric)) / scale < 1e-6
    # Every non-zero lies inside the advertised sparsity pattern.
    assert np.all((np.abs(analytic) > 0) <= (model.sparsity.toarray() > 0))


def test_jacobian_exact_at_zero_concentration() -> None:
    model = MassAction([Reaction(("A", "A", "B"), ("C",), 2.0)], species=["A", "B", "C"])
    jac = model.jacobian(np.array([0.0, 3.0, 1.0])).toarray()
    np.testing.assert_array_equal(jac, 0.0)
    jac = model.jacobian(np.array([2.0, 0.0, 1.0])).toarray()  # d/dB of 2*A^2*B = 8
    np.testing.assert_allclose(jac[:, 1], [-16.0, -8.0, 8.0])


def test_project_sums_with_multiplicities() -> None:
    times = np.array([0.0, 1.0])
    traj = Trajectory(times, ["x", "y", "junk"], np.array([[1.0, 2.0, 9.0], [3.0, 4.0, 9.0]]))
    proj = traj.project({"x": {"A": 1}, "y": {"A": 2, "B": 1}}, ["A", "B", "C"])
    assert proj.species == ["A", "B", "C"]
    np.testing.assert_allclose(proj.values, [[5.0, 2.0, 0.0], [11.0, 4.0, 0.0]])
    np.testing.assert_array_equal(proj.times, times)


def test_compare_identical_and_offset() -> None:
    times = np.linspace(0.0, 10.0, 5)
    ref = Trajectory(times, ["A", "B", "Z"], np.column_stack([times, 10 - times, 0 * times]))
    same = compare(ref, ref)
    assert set(same) == {"A", "B", "Z"}
    assert same["A"]["rmse_nM"] == 0.0 and same["A"]["max_rel_error"] == 0.0
    assert same["A"]["peak_nM"] == 10.0
    assert math.isnan(same["Z"]["max_rel_error"])  # peak below 1e-9 nM
    shifted = Trajectory(times, ["B", "A"], np.column_stack([10 - times, times + 0.5]))
    res = compare(ref, shifted)
    assert set(res) == {"A", "B"}
    assert res["A"]["rmse_nM"] == pytest.approx(0.5)
    assert res["A"]["max_rel_error"] == pytest.approx(0.05)
    assert res["B"]["rmse_nM"] == 0.0
    with pytest.raises(DsdcrnError):
        compare(ref, Trajectory(times + 1, ["A"], times[:, None]))


def test_plot_comparison_writes_png(tmp_path) -> None:
    rxns = [Reaction(("A",), ("B",), 0.1)]
    ref = simulate(rxns, {"A": 10.0}, 20.0, n_points=21)
    other = simulate(rxns, {"A": 9.5}, 20.0, n_points=21)
    out = tmp_path / "cmp.png"
    plot_comparison(ref, other, out, title="A -> B")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    assert [p.name for p in tmp_path.iterdir()] == ["cmp.png"]  # no temporary left behind


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reactions": [Reaction(("A",), ("B",), -1.0)]},
        {"reactions": [Reaction(("A",), ("B",), float("nan"))]},
        {"initial": {"A": -1.0}},
        {"t_end": 0.0},
        {"method": "NoSuchMethod"},
    ],
)
def test_bad_input_raises(kwargs) -> None:
    args = {"reactions": [Reaction(("A",), ("B",), 1.0)], "initial": {"A": 1.0}, "t_end": 1.0}
    args.update(kwargs)
    with pytest.raises(DsdcrnError) as err:
        simulate(args.pop("reactions"), args.pop("initial"), args.pop("t_end"), **args)
    assert "\n" not in str(err.value)


def test_time_budget() -> None:
    rxns = [Reaction(("A",), ("B",), 1.0), Reaction(("B",), ("A",), 1.0)]
    with pytest.raises(DsdcrnError, match="exceeded"):
        simulate(rxns, {"A": 1.0}, 1e7, method="RK45", max_seconds=0.05)


def test_large_sparse_network() -> None:
    rng = np.random.default_rng(0)
    names = [f"S{i}" for i in range(400)]
    rxns = []
    for _ in range(800):  # molecule-count conserving, so concentrations stay bounded
        if rng.random() < 0.5:
            a, b, c, d = rng.choice(names, 4)
            rxns.append(Reaction((a, b), (c, d), 1e-3))
        else:
            a, b = rng.choice(names, 2)
            rxns.append(Reaction((a,), (b,), 0.01))
    init = {s: float(rng.uniform(0, 100)) for s in names}
    traj = simulate(rxns, init, 600.0, n_points=11, max_seconds=60)
    total = traj.values.sum(axis=1)
    np.testing.assert_allclose(total, total[0], rtol=1e-6)


def test_sparse_bdf_factorises_with_klu_and_solves_the_same() -> None:
    """:func:`sparse_bdf` integrates a stiff reversible network (fast binding and
    unbinding beside slow steps) to plain BDF's (SuperLU's) states.  Its KLU factors
    solve as SuperLU's do; a second matrix of the same pattern reuses the ordering, a
    new pattern is analysed anew, and a singular matrix is an error, not an answer."""
    from scipy.integrate import solve_ivp
    from scipy.sparse.linalg import splu

    rng = np.random.default_rng(1)
    names = [f"S{i}" for i in range(300)]
    rxns = []
    for _ in range(300):
        a, b, c = rng.choice(names, 3, replace=False)
        rxns += [Reaction((a, b), (c,), 1e-2), Reaction((c,), (a, b), 10.0)]
        rxns.append(Reaction((c,), (str(rng.choice(names)),), 1e-3))
    model = MassAction(rxns)
    y0 = rng.uniform(0, 100, model.n_species)

    def run(method):
        return solve_ivp(lambda _t, y: model.rhs(y), (0.0, 500.0), y0, method=method,
                         jac=lambda _t, y: model.jacobian(y), rtol=1e-8, atol=1e-8)  # fmt: skip

    plain, fast = run("BDF"), run(sparse_bdf())
    assert fast.success and fast.nlu > 0
    np.testing.assert_allclose(fast.y[:, -1], plain.y[:, -1], rtol=1e-5, atol=1e-6)
    factorise = KLUFactoriser()
    eye = sp.identity(model.n_species)
    for c, y in ((0.1, y0), (3.0, fast.y[:, -1])):  # one pattern: analysed once
        a = (eye - c * model.jacobian(y)).tocsc()
        np.testing.assert_allclose(factorise(a).solve(y0), splu(a).solve(y0), rtol=1e-8)
    assert factorise.analyses == 1
    a = (eye - 0.1 * sp.diags(model.jacobian(y0).diagonal())).tocsc()
    np.testing.assert_allclose(factorise(a).solve(y0), y0 / a.diagonal(), rtol=1e-12)
    assert factorise.analyses == 2
    with pytest.raises(RuntimeError, match="singular"):
        factorise(sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 4.0]])))


# --- the pieces of simulate ----------------------------------------------------------


@pytest.mark.parametrize(
    "initial, t_end, n_points, words",
    [
        ({}, float("inf"), 5, "end time must be a positive number"),
        ({}, -1.0, 5, "end time must be a positive number"),
        ({}, 1.0, 1, "n_points must be at least 2"),
        ({"A": float("nan")}, 1.0, 5, "initial concentration of A"),
    ],
)
def test_check_simulation_input_refuses(initial, t_end, n_points, words) -> None:
    with pytest.raises(DsdcrnError, match=words):
        check_simulation_input(initial, t_end, n_points)


def test_check_simulation_input_returns_the_end_time_as_float() -> None:
    assert check_simulation_input({"A": 0}, 3, 2) == 3.0
    assert isinstance(check_simulation_input({}, 3, 2), float)


def test_species_order_reactions_then_initial_then_constant() -> None:
    rxns = [Reaction(("B", "A"), ("C",), 1.0), Reaction(("C",), ("D",), 1.0)]
    order = species_order(rxns, {"E": 1.0, "A": 2.0}, {"Z", "D", "Y"})
    assert order == ["A", "B", "C", "D", "E", "Y", "Z"]


def test_initial_state_places_concentrations_by_species_index() -> None:
    model = MassAction([Reaction(("A",), ("B",), 1.0)], species=["B", "A", "C"])
    assert initial_state(model, {"A": 4.0, "C": 1.5}).tolist() == [0.0, 4.0, 1.5]


@pytest.mark.parametrize("method", ["BDF", "LSODA"])
def test_integrate_solves_first_order_decay(method: str) -> None:
    model = MassAction([Reaction(("A",), ("B",), 0.5)])
    t = np.linspace(0.0, 4.0, 9)
    sol = integrate(model, np.array([10.0, 0.0]), t, method=method, rtol=1e-10, atol=1e-10)
    assert sol.success and model.deadline is None  # the budget is cleared afterwards
    np.testing.assert_allclose(sol.y[0], 10.0 * np.exp(-0.5 * t), rtol=1e-6)
    np.testing.assert_allclose(sol.y.sum(axis=0), 10.0, rtol=1e-8)


def test_integrate_reports_an_unknown_method_and_the_spent_budget() -> None:
    model = MassAction([Reaction(("A",), ("B",), 1.0), Reaction(("B",), ("A",), 1.0)])
    y0, t = np.array([1.0, 0.0]), np.linspace(0.0, 1e7, 3)
    with pytest.raises(DsdcrnError, match="could not start"):
        integrate(model, y0, t, method="NoSuchMethod")
    with pytest.raises(DsdcrnError, match=r"exceeded 0.01 s of wall time \(2 species"):
        integrate(model, y0, t, method="RK45", max_seconds=0.01)
    assert model.deadline is None


def _solution(y, success=True, message="ok"):
    y = np.asarray(y, dtype=float)
    return SimpleNamespace(
        success=success, y=y, t=np.arange(y.shape[1], dtype=float), message=message
    )


def test_solution_values_clips_undershoots_and_transposes() -> None:
    values = solution_values(_solution([[1.0, -1e-12, 0.5], [0.0, 2.0, 3.0]]), 3, 2.0)
    assert values.shape == (3, 2)
    assert values[:, 0].tolist() == [1.0, 0.0, 0.5]


@pytest.mark.parametrize(
    "sol, words",
    [
        (_solution([[1.0, 2.0]], success=False, message="step\nsize too small"), "failed at t = 1"),
        (_solution([[1.0, 2.0]]), "failed at t = 1 s of 5 s"),  # fewer points than asked
        (_solution([[1.0, np.nan, 3.0]]), "non-finite"),
    ],
)
def test_solution_values_refuses_failed_or_non_finite_solutions(sol, words) -> None:
    with pytest.raises(DsdcrnError, match=words) as err:
        solution_values(sol, 3, 5.0)
    assert "\n" not in str(err.value)
