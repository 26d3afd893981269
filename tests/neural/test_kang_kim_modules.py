"""Each Kang-Kim module builder on its own: species names, and mass-action drifts that
are the formulas of the module docstrings (formal units)."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.errors import DsdcrnError
from dsdcrn.neural import kang_kim as kk
from dsdcrn.neural.activations import sigma
from dsdcrn.neural.network import ReactionSet, signed

RATES = dict(h=0.1, eta=0.005, kappa=5.0, k_cancel=100.0, k_rail=100.0, k_route=100.0)


def _set(conc: dict[str, float], name: str, value: float) -> None:
    conc[f"{name}p"], conc[f"{name}m"] = signed(value)


# ------------------------------------------------------------------ options and names
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (([3], "smooth", "routed", RATES), "at least an input and an output"),
        (([2, 0, 1], "smooth", "routed", RATES), "positive integers"),
        (([2, 1.5, 1], "smooth", "routed", RATES), "positive integers"),
        (([2, 1], "tanh", "routed", RATES), "activation must be one of"),
        (([2, 1], "smooth", "sideways", RATES), "updates must be one of"),
        (([2, 1], "smooth", "routed", dict(RATES, k_route=-1.0)), "k_route must be >= 0"),
        (([2, 1], "smooth", "routed", dict(RATES, h=0.0)), "needs h > 0"),
    ],
)
def test_check_options_names_the_bad_option(args, words):
    with pytest.raises(DsdcrnError, match=words):
        kk.check_options(*args)


def test_check_options_lets_relu_run_without_smoothing():
    kk.check_options([2, 3, 1], "relu", "direct", dict(RATES, h=0.0))


def test_layout_names_inputs_outputs_and_deltas():
    lay = kk.Layout((2, 3, 4, 1))
    assert lay.n_layers == 3
    assert (lay.unit_in(1, 2), lay.unit_in(3, 4)) == ("X2", "H2_4")
    assert (lay.pre(1, 3), lay.pre(3, 1)) == ("Z1_3", "O1")
    assert (lay.delta(2, 1), lay.delta(3, 1)) == ("V2_1", "E1")
    assert (lay.sign_of(2, 1), lay.sign_of(3, 1)) == ("S2_1", "E1")
    assert (lay.size_of(1, 2), lay.size_of(3, 1)) == ("VA1_2", "EA1")


def test_cancel_rails_is_switched_off_by_a_zero_rate(drift):
    rs = ReactionSet()
    kk.cancel_rails(rs, "Z1_1", "forward", 0.0)
    assert rs.reactions == []
    kk.cancel_rails(rs, "Z1_1", "forward", 50.0)
    conc = {"Z1_1p": 0.4, "Z1_1m": 0.1}
    assert drift(rs, conc, "Z1_1") == 0.0
    assert drift(rs, conc, "Z1_1p") == pytest.approx(-50.0 * 0.04)


def test_decay_rails_feeds_the_magnitude_species(drift):
    rs = ReactionSet()
    kk.decay_rails(rs, "E1", "EA1", "error")
    conc = {"E1p": 0.3, "E1m": 0.5}
    assert drift(rs, conc, "EA1") == pytest.approx(0.8)
    assert drift(rs, conc, "E1") == pytest.approx(-0.3 + 0.5)
    plain = ReactionSet()
    kk.decay_rails(plain, "E1", None, "error")
    assert all(r.products == () for r in plain.reactions)


# ------------------------------------------------------------------ forward pass
def test_pre_activation_relaxes_to_w_u_plus_b_and_records_parameters(drift):
    lay = kk.Layout((3, 2, 1))
    rs, net = ReactionSet(), {"initial": {}, "parameters": {}}
    w0 = np.array([[0.5, -1.0, 0.25], [2.0, 0.0, -0.3]])
    kk.add_pre_activation(rs, lay, 1, 2, w0, net, k_rail=100.0)
    assert set(net["parameters"]) == {"W1_2_1", "W1_2_2", "W1_2_3", "B1_2"}
    assert net["initial"]["W1_2_3m"] == pytest.approx(0.3) and net["initial"]["B1_2p"] == 0.0
    conc = {"X1": 0.2, "X2": 0.7, "X3": 1.1, **net["initial"]}
    _set(conc, "B1_2", 0.4)
    _set(conc, "Z1_2", 0.1)
    assert drift(rs, conc, "Z1_2") == pytest.approx(2.0 * 0.2 - 0.3 * 1.1 + 0.4 - 0.1)
    assert rs.modules == ["forward"] * len(rs.reactions)


def test_output_pre_activation_is_the_output_species():
    lay = kk.Layout((1, 1))
    rs, net = ReactionSet(), {"initial": {}, "parameters": {}}
    kk.add_pre_activation(rs, lay, 1, 1, np.ones((1, 1)), net, k_rail=0.0)
    assert {s for r in rs.reactions for s in r.products} >= {"O1p", "O1m"}
    assert not any(len(r.reactants) == 2 and r.products == () for r in rs.reactions)


def test_smooth_activation_settles_at_sigma(drift):
    lay, rs, initial = kk.Layout((1, 1, 1)), ReactionSet(), {}
    opts = dict(activation="smooth", kappa=5.0, k_cancel=100.0, k_switch=100.0)
    kk.add_activation(rs, lay, 1, 1, initial, opts)
    assert initial == {} and set(rs.modules) == {"activation", "derivative"}
    for z in (-1.0, 0.0, 0.8):
        conc = {kk.SOURCE: 0.1, "H1_1": sigma(z, 0.1)}
        _set(conc, "Z1_1", z)
        assert drift(rs, conc, "H1_1") == pytest.approx(0.0, abs=1e-12)
        conc["H1_1"] *= 1.2  # above the fixed point it falls back
        assert drift(rs, conc, "H1_1") < 0


def test_relu_activation_starts_its_switch_off():
    lay, rs, initial = kk.Layout((1, 2, 1)), ReactionSet(), {}
    opts = dict(activation="relu", kappa=5.0, k_cancel=100.0, k_switch=100.0)
    kk.add_activation(rs, lay, 1, 2, initial, opts)
    assert initial == {"Doff1_2": 1.0}
    species = {s for r in rs.reactions for s in r.reactants + r.products}
    assert {"Xb1_2", "D1_2", "Doff1_2", "H1_2"} <= species and kk.SOURCE not in species


# ------------------------------------------------------------------ error and backprop
@pytest.mark.parametrize("routed", [True, False])
def test_error_relaxes_to_o_minus_y(routed, drift):
    rs = ReactionSet()
    kk.add_error(rs, kk.Layout((2, 2), routed=routed), k_rail=100.0)
    conc = {"Y2": 1.0}
    _set(conc, "O2", 0.3)
    _set(conc, "E2", -0.2)
    assert drift(rs, conc, "E2") == pytest.approx(0.3 - 1.0 + 0.2)
    assert ("EA2" in {s for r in rs.reactions for s in r.products}) == routed
    if routed:
        conc["EA2"] = 0.05
        assert drift(rs, conc, "EA2") == pytest.approx(0.2 - 0.05)


def test_direct_backprop_sums_are_w_transpose_delta(drift):
    lay = kk.Layout((2, 2, 3), routed=False)
    rs = ReactionSet()
    kk.add_backprop_sums(rs, lay, 1, 2, k_route=100.0)
    w, e, conc = (0.5, -1.5, 2.0), (0.2, 0.4, -0.1), {}
    for k in range(3):
        _set(conc, f"W2_{k + 1}_2", w[k])
        _set(conc, f"E{k + 1}", e[k])
    assert drift(rs, conc, "S1_2") == pytest.approx(float(np.dot(w, e)))


def test_routed_backprop_sums_make_magnitudes_then_route_by_sign(drift):
    lay = kk.Layout((2, 2, 1))
    rs = ReactionSet()
    kk.add_backprop_sums(rs, lay, 1, 1, k_route=100.0)
    conc = {"EA1": 0.3}
    _set(conc, "W2_1_1", -2.0)
    assert drift(rs, conc, "P1_1_1") == pytest.approx(0.3 * -2.0)  # |δ|·w
    routing = {"P1_1_1m": 0.1}
    _set(routing, "E1", 0.5)  # δ > 0: the product keeps the sign of w
    assert drift(rs, routing, "S1_1") == pytest.approx(-100.0 * 0.1 * 0.5)


def test_direct_backprop_delta_is_derivative_times_sum(drift):
    rs = ReactionSet()
    kk.add_backprop_delta(rs, kk.Layout((2, 2, 1), routed=False), 1, 1, k_rail=100.0)
    conc = {"D1_1": 0.6}
    _set(conc, "S1_1", -0.5)
    _set(conc, "V1_1", 0.1)
    assert drift(rs, conc, "V1_1") == pytest.approx(0.6 * -0.5 - 0.1)


def test_routed_backprop_delta_keeps_the_size_unsigned(drift):
    rs = ReactionSet()
    kk.add_backprop_delta(rs, kk.Layout((2, 2, 1)), 1, 1, k_rail=0.0)
    conc = {"S1_1p": 0.0, "S1_1m": 0.5, "SA1_1": 0.2, "D1_1": 0.6, "VA1_1": 0.1}
    assert drift(rs, conc, "SA1_1") == pytest.approx(0.5 - 0.2)  # |S| from the decay flux
    assert drift(rs, conc, "VA1_1") == pytest.approx(0.6 * 0.2 - 0.1)
    assert "V1_1p" not in {s for r in rs.reactions for s in r.products}


# ------------------------------------------------------------------ training
def test_direct_parameter_training_descends_minus_eta_delta_u(drift):
    rs, lay = ReactionSet(), kk.Layout((2, 1), routed=False)
    kk.add_parameter_training(rs, lay, "W1_1_2", ["X2"], (1, 1), (0.01, 100.0))
    conc = {"X2": 0.8}
    _set(conc, "E1", -0.5)
    assert drift(rs, conc, "W1_1_2") == pytest.approx(-0.01 * -0.5 * 0.8)
    assert rs.modules[-1] == "weight-cancel"


def test_routed_parameter_training_makes_tokens_and_routes_them(drift):
    rs, lay = ReactionSet(), kk.Layout((2, 1))
    kk.add_parameter_training(rs, lay, "B1_1", [], (1, 1), (0.01, 100.0))
    conc = {"EA1": 0.5}
    assert drift(rs, conc, "TB1_1") == pytest.approx(0.01 * 0.5)
    conc = {"TB1_1": 0.2}
    _set(conc, "E1", -0.4)  # δ < 0: the token goes to the positive rail
    assert drift(rs, conc, "B1_1") == pytest.approx(100.0 * 0.2 * 0.4)


@pytest.mark.parametrize(("routed", "per_param"), [(True, 4), (False, 3)])
def test_add_training_covers_every_weight_and_bias(routed, per_param):
    rs, lay = ReactionSet(), kk.Layout((2, 3, 1), routed=routed)
    kk.add_training(rs, lay, 0.005, 100.0)
    n_params = 2 * 3 + 3 + 3 * 1 + 1
    assert len(rs.reactions) == per_param * n_params
    assert rs.modules.count("weight-cancel") == n_params


def test_transient_of_holds_parameters_source_and_relu_switches():
    net = kk.build((2, 2, 1), activation="relu")
    lay = kk.Layout((2, 2, 1))
    rs = ReactionSet()
    rs.reactions, rs.modules = net.reactions, net.modules
    transient = kk.transient_of(rs, net.parameters, lay, "relu")
    assert transient == sorted(transient) and transient == net.transient
    held = {"W1_1_1p", "B2_1m", kk.SOURCE, "D1_1", "Doff1_2"}
    assert not held & set(transient)
    assert {"O1p", "E1m", "Z1_2p", "H1_1"} <= set(transient)
    smooth = kk.transient_of(rs, net.parameters, lay, "smooth")
    assert {"D1_1", "Doff1_2"} <= set(smooth)


@pytest.mark.parametrize("activation", kk.ACTIVATIONS)
def test_add_forward_draws_seeded_weights_layer_by_layer(activation):
    lay = kk.Layout((2, 3, 1))
    opts = dict(RATES, activation=activation, k_switch=100.0)
    rs, net = ReactionSet(), {"initial": {}, "parameters": {}}
    kk.add_forward(rs, lay, np.random.default_rng(7), net, opts)
    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((3, 2)) / np.sqrt(2)
    w2 = rng.standard_normal((1, 3)) / np.sqrt(3)
    value = {p: net["initial"][f"{p}p"] - net["initial"][f"{p}m"] for p in net["parameters"]}
    assert value["W1_3_2"] == pytest.approx(w1[2, 1])
    assert value["W2_1_2"] == pytest.approx(w2[0, 1])
    assert len(net["parameters"]) == 2 * 3 + 3 + 3 + 1
    assert rs.modules.count("activation") > 0 and "error" not in rs.modules
    assert (kk.SOURCE in net["initial"]) == (activation == "smooth")
    assert ("Doff1_3" in net["initial"]) == (activation == "relu")


@pytest.mark.parametrize("routed", [True, False])
def test_add_backprop_covers_every_hidden_unit_but_not_the_inputs(routed):
    rs, lay = ReactionSet(), kk.Layout((2, 3, 2, 1), routed=routed)
    kk.add_backprop(rs, lay, 100.0, 100.0)
    products = {s for r in rs.reactions for s in r.products}
    assert {f"S{layer}_{j}p" for layer, n in ((1, 3), (2, 2)) for j in range(1, n + 1)} <= products
    assert not any(s.startswith("S0") for s in products) and set(rs.modules) == {"backprop"}
    # the layer-2 sums come first: top layer first
    first_sum = next(s for r in rs.reactions for s in r.products if s.startswith("S"))
    assert first_sum.startswith("S2_")


def test_assemble_names_the_network_and_records_the_options():
    net = kk.build((3, 4, 2), activation="relu", eta=0.01, updates="direct")
    assert net.name == "kang-kim-3-4-2-relu"
    assert net.meta == dict(
        family="kang-kim",
        layers=[3, 4, 2],
        activation="relu",
        h=0.1,
        eta=0.01,
        kappa=5.0,
        k_rail=100.0,
        updates="direct",
        k_route=100.0,
    )
    assert net.inputs == ["X1", "X2", "X3"] and net.outputs == ["O1", "O2"]
    assert net.targets == ["Y1", "Y2"] and set(net.phases) == {"inference", "settle", "all"}
    rs = ReactionSet()
    rs.reactions, rs.modules = net.reactions, net.modules
    opts = dict(net.meta, k_cancel=100.0, k_switch=100.0)
    again = kk.assemble(
        rs, kk.Layout((3, 4, 2), routed=False), {"initial": {}, "parameters": {}}, opts
    )
    assert again.name == net.name and again.meta == net.meta and again.initial == {}
