"""Each Nagipogu-Reif module builder on its own: its mass-action drift is the formula
of the module's docstring (formal units), and the bookkeeping helpers of ``build``."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.errors import DsdcrnError
from dsdcrn.neural import nagipogu_reif as nr
from dsdcrn.neural.network import ReactionSet

RATES = dict(h=0.1, lr=0.1, k_nl=1.0, k_err=10.0, k_fast=100.0)


def _rails(conc: dict[str, float], name: str, value: float, common: float = 0.3) -> None:
    """Both rails of ``name`` present (common part ``common``), value ``value``."""
    conc[f"{name}p"], conc[f"{name}m"] = max(value, 0.0) + common, max(-value, 0.0) + common


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


# ------------------------------------------------------------------ options
@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((0, "diagonal", None, None, RATES), "dimension must be a positive integer"),
        ((2.0, "diagonal", None, None, RATES), "dimension must be a positive integer"),
        ((2, "upper", None, None, RATES), "theta must be one of"),
        ((2, "full", "tanh", None, RATES), "nonlinearity must be one of"),
        ((2, "full", None, "second-order", RATES), "gradient must be one of"),
        ((2, "full", "cubic", "exact", RATES), "4-molecular"),
        ((2, "full", None, None, dict(RATES, k_err=-1.0)), "k_err must be >= 0"),
        ((2, "full", None, None, dict(RATES, lr=float("nan"))), "lr must be >= 0"),
    ],
)
def test_check_options_names_the_bad_option(args, words):
    with pytest.raises(DsdcrnError, match=words):
        nr.check_options(*args)


def test_check_options_accepts_every_valid_combination():
    for nl in nr.NONLINEARITIES:
        for grad in nr.GRADIENTS:
            if not (nl == "cubic" and grad == "exact"):
                nr.check_options(3, "full", nl, grad, dict(RATES, h=0.0))


# ------------------------------------------------------------------ feedforward
@pytest.mark.parametrize("theta", nr.THETAS)
def test_drive_adds_theta_times_x_to_each_state_entry(theta, drift, rng):
    d = 3
    entries = nr._theta_entries(d, theta)
    rs = ReactionSet()
    nr.add_drive(rs, entries, theta)
    assert set(rs.modules) == {"drive"} and len(rs.reactions) == 4 * len(entries)
    th, x, conc = rng.normal(size=(d, d)), rng.normal(size=d), {}
    if theta == "diagonal":
        th = np.diag(np.diag(th))
    for i, j in entries:
        _rails(conc, nr._p(i, j, theta), th[i - 1, j - 1])
    for j in range(d):
        _rails(conc, f"X{j + 1}", x[j])
    got = [drift(rs, conc, f"Z{i}") for i in range(1, d + 1)]
    assert got == pytest.approx(th @ x)


def test_bias_adds_h_to_every_state_entry(drift):
    rs = ReactionSet()
    nr.add_bias(rs, 3)
    conc = {}
    _rails(conc, "H", -0.4)
    assert [drift(rs, conc, f"Z{i}") for i in (1, 2, 3)] == pytest.approx([-0.4] * 3)


@pytest.mark.parametrize(("nonlinearity", "power"), [("quadratic", 2), ("cubic", 3)])
@pytest.mark.parametrize("z", [0.7, -1.3])
def test_nonlinearity_gives_minus_k_z_abs_z_to_the_power(nonlinearity, power, z, drift):
    rs = ReactionSet()
    nr.add_nonlinearity(rs, 2, nonlinearity, 2.5)
    assert len(rs.reactions) == 4
    conc = {"Z1p": max(z, 0.0), "Z1m": max(-z, 0.0)}  # one rail: the cancelled state
    assert drift(rs, conc, "Z1") == pytest.approx(-2.5 * np.sign(z) * abs(z) ** power)


def test_no_nonlinearity_adds_nothing():
    rs = ReactionSet()
    nr.add_nonlinearity(rs, 4, None, 1.0)
    assert rs.reactions == []


def test_z_cancel_keeps_the_value_and_removes_the_common_part(drift):
    rs = ReactionSet()
    nr.add_z_cancel(rs, 2, 100.0)
    conc = {"Z2p": 0.5, "Z2m": 0.2}
    assert drift(rs, conc, "Z2") == 0.0
    assert drift(rs, conc, "Z2p") == pytest.approx(-100.0 * 0.5 * 0.2)
    assert [r.rate for r in rs.reactions] == [100.0, 100.0]


# ------------------------------------------------------------------ readout and error
def test_readout_relaxes_o_to_the_dot_product(drift, rng):
    d = 3
    rs = ReactionSet()
    nr.add_readout(rs, d)
    z, w, conc = rng.normal(size=d), rng.normal(size=d), {}
    for i in range(d):
        _rails(conc, f"Z{i + 1}", z[i])
        _rails(conc, f"W{i + 1}", w[i])
    _rails(conc, "O", 0.25)
    assert drift(rs, conc, "O") == pytest.approx(z @ w - 0.25)


def test_error_moves_o_minus_y_into_e(drift):
    rs = ReactionSet()
    nr.add_error(rs, 10.0, 100.0)
    conc: dict[str, float] = {}
    _rails(conc, "O", 0.9, common=0.0)
    _rails(conc, "Y", -0.4, common=0.0)
    assert drift(rs, conc, "E") == pytest.approx(10.0 * (0.9 - -0.4))
    assert drift(rs, conc, "O") == pytest.approx(-10.0 * 0.9)  # O is consumed
    assert rs.modules.count("error") == 5


# ------------------------------------------------------------------ training modules
def test_adjoint_init_relaxes_a_to_e_times_w(drift):
    rs = ReactionSet()
    nr.add_adjoint_init(rs, 2)
    conc: dict[str, float] = {}
    _rails(conc, "E", -0.6)
    _rails(conc, "W1", 1.5)
    _rails(conc, "W2", -0.5)
    _rails(conc, "A2", 0.1)
    assert drift(rs, conc, "A1") == pytest.approx(-0.6 * 1.5)
    assert drift(rs, conc, "A2") == pytest.approx(-0.6 * -0.5 - 0.1)


def test_output_gradient_relaxes_m_to_e_times_z(drift):
    rs = ReactionSet()
    nr.add_output_gradient(rs, 1)
    conc: dict[str, float] = {}
    _rails(conc, "E", 0.8)
    _rails(conc, "Z1", -0.7)
    assert drift(rs, conc, "M1") == pytest.approx(0.8 * -0.7)
    assert set(rs.modules) == {"output-gradient"}


@pytest.mark.parametrize("theta", nr.THETAS)
def test_gradient_accumulates_a_times_x(theta, drift):
    rs = ReactionSet()
    entries = nr._theta_entries(2, theta)
    nr.add_gradient(rs, entries, theta)
    conc: dict[str, float] = {}
    a, x = (0.3, -1.2), (0.5, 2.0)
    for k in range(2):
        _rails(conc, f"A{k + 1}", a[k])
        _rails(conc, f"X{k + 1}", x[k])
    for i, j in entries:
        assert drift(rs, conc, nr._g(i, j, theta)) == pytest.approx(a[i - 1] * x[j - 1])


def test_reversal_runs_drive_bias_and_quadratic_decay_backwards(drift):
    entries = nr._theta_entries(1, "diagonal")
    forward, backward = ReactionSet(), ReactionSet()
    nr.add_drive(forward, entries, "diagonal")
    nr.add_bias(forward, 1)
    nr.add_nonlinearity(forward, 1, "quadratic", 1.5)
    nr.add_reversal(backward, entries, "diagonal", 1, "quadratic", 1.5)
    conc = {"Z1p": 0.6, "Z1m": 0.0}
    for name, value in (("P1", -0.8), ("X1", 0.4), ("H", 0.1)):
        _rails(conc, name, value)
    assert drift(backward, conc, "Z1") == pytest.approx(-drift(forward, conc, "Z1"))
    assert drift(backward, conc, "Z1") != 0.0


def test_reversal_without_nonlinearity_has_no_decay_term():
    rs = ReactionSet()
    nr.add_reversal(rs, nr._theta_entries(2, "full"), "full", 2, None, 1.0)
    assert len(rs.reactions) == 4 * 4 + 2 * 2
    assert all(len(r.products) > len(r.reactants) for r in rs.reactions)


@pytest.mark.parametrize("z", [0.9, -0.9])
def test_adjoint_dynamics_decay_a_at_2k_abs_z(z, drift):
    rs = ReactionSet()
    nr.add_adjoint_dynamics(rs, 1, 1.5, 100.0)
    conc = {"Z1p": max(z, 0.0), "Z1m": max(-z, 0.0), "A1p": 0.4, "A1m": 0.0}
    assert drift(rs, conc, "A1") == pytest.approx(-2 * 1.5 * abs(z) * 0.4)
    assert rs.modules[-1] == "adjoint-dynamics" and rs.reactions[-1].rate == 100.0


def test_update_moves_the_parameter_by_minus_eta_over_1_plus_eta_times_g(drift):
    rs = ReactionSet()
    nr.add_update(rs, [("G1", "P1"), ("M1", "W1")], lr=0.25, k_fast=100.0)
    conc: dict[str, float] = {}
    _rails(conc, "G1", 0.8, common=0.0)
    _rails(conc, "M1", -0.4, common=0.0)
    # G is consumed at total rate 1, a fraction η/(1+η) of it ends on P's opposite rail
    assert drift(rs, conc, "G1") == pytest.approx(-0.8)
    assert drift(rs, conc, "P1") == pytest.approx(-0.25 / 1.25 * 0.8)
    assert drift(rs, conc, "W1") == pytest.approx(0.25 / 1.25 * 0.4)
    assert rs.modules == ["update"] * 4 + ["param-cancel"] + ["update"] * 4 + ["param-cancel"]


@pytest.mark.parametrize(
    ("gradient", "nonlinearity", "train_output", "backward"),
    [
        ("first-order", None, False, ("gradient",)),
        ("first-order", "cubic", True, ("gradient",)),
        ("exact", None, False, ("gradient", "reversal", "z-cancel")),
        ("exact", "quadratic", True, ("gradient", "reversal", "z-cancel", "adjoint-dynamics")),
    ],
)
def test_add_training_returns_the_backward_modules(gradient, nonlinearity, train_output, backward):
    rs = ReactionSet()
    opts = dict(
        gradient=gradient,
        nonlinearity=nonlinearity,
        train_output=train_output,
        lr=0.1,
        k_nl=1.0,
        k_fast=100.0,
    )
    got = nr.add_training(rs, nr._theta_entries(2, "diagonal"), "diagonal", 2, opts)
    assert got == backward
    assert ("output-gradient" in rs.modules) == train_output
    updates = [r for r, m in zip(rs.reactions, rs.modules, strict=True) if m == "update"]
    targets = {s for r in updates for s in r.products}
    assert ({"W1p", "W1m"} <= targets) == train_output
    assert {"P1p", "P1m", "P2p", "P2m"} <= targets


# ------------------------------------------------------------------ bookkeeping
def test_phases_of_lists_the_training_phases_only_with_a_gradient():
    assert nr.phases_of(None, None, False) == {
        "feedforward": ("drive", "bias", "z-cancel"),
        "readout": ("readout",),
        "error": ("error",),
    }
    full = nr.phases_of("cubic", "exact", True, ("gradient", "reversal"))
    assert full["feedforward"] == ("drive", "bias", "nonlinearity", "z-cancel")
    assert full["adjoint"] == ("adjoint-init", "output-gradient")
    assert full["backward"] == ("gradient", "reversal")
    assert full["update"] == ("update", "param-cancel")


def test_transient_of_resets_states_but_never_parameters():
    entries = nr._theta_entries(2, "full")
    plain = nr.transient_of(2, entries, "full", None, False)
    assert plain == ["Z1p", "Z1m", "Z2p", "Z2m", "Op", "Om", "Ep", "Em"]
    trained = nr.transient_of(2, entries, "full", "exact", True)
    assert {"A1p", "G1_2m", "G2_1p", "M2m"} <= set(trained)
    assert not any(s.startswith(("P", "W", "H", "X", "Y")) for s in trained)


def test_initial_parameters_are_seeded_and_encode_w_1_and_h():
    entries = nr._theta_entries(2, "diagonal")
    a, pa = nr.initial_parameters(2, entries, "diagonal", h=-0.3, train_output=False, seed=4)
    b, _ = nr.initial_parameters(2, entries, "diagonal", h=-0.3, train_output=False, seed=4)
    c, pc = nr.initial_parameters(2, entries, "diagonal", h=-0.3, train_output=True, seed=5)
    assert a == b and a != c
    expected = np.abs(np.random.default_rng(4).standard_normal(2)) / np.sqrt(2)
    assert [a["P1p"], a["P2p"]] == pytest.approx(expected)
    assert a["P1m"] == a["P2m"] == 0.0
    assert (a["W1p"], a["W1m"], a["Hp"], a["Hm"]) == (1.0, 0.0, 0.0, 0.3)
    assert pa == {"P1": ("P1p", "P1m"), "P2": ("P2p", "P2m")}
    assert set(pc) == {"P1", "P2", "W1", "W2"}


def test_network_name_lists_the_options():
    assert nr.network_name(2, "diagonal", None, None) == "nagipogu-reif-d2"
    assert nr.network_name(3, "full", "quadratic", "exact") == (
        "nagipogu-reif-d3-full-quadratic-exact"
    )
    assert nr.build(2, theta="full", gradient=None).name == "nagipogu-reif-d2-full"


def test_assemble_wraps_the_reactions_with_phases_parameters_and_metadata():
    rs = ReactionSet()
    entries = nr._theta_entries(1, "diagonal")
    nr.add_drive(rs, entries, "diagonal")
    nr.add_bias(rs, 1)
    nr.add_z_cancel(rs, 1, 100.0)
    nr.add_readout(rs, 1)
    nr.add_error(rs, 10.0, 100.0)
    opts = dict(RATES, theta="diagonal", nonlinearity=None, gradient=None)
    opts.update(train_output=False, seed=0)
    net = nr.assemble(rs, 1, entries, opts, ())
    assert net.name == "nagipogu-reif-d1" and net.reactions is rs.reactions
    assert list(net.phases) == ["feedforward", "readout", "error", "all"]
    assert net.meta == dict(
        family="nagipogu-reif",
        dim=1,
        theta="diagonal",
        entries=[(1, 1)],
        nonlinearity=None,
        gradient=None,
        train_output=False,
        h=0.1,
        lr=0.1,
    )
    assert (net.inputs, net.targets, net.outputs) == (["X1"], ["Y"], ["O"])
    assert net.to_text() == nr.build(1, gradient=None).to_text()
