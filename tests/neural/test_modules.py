"""Neural CRN builders: counts against a hand count, and each module's fixed point."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.errors import DsdcrnError
from dsdcrn.model.crn import parse_crn
from dsdcrn.neural import build, kang_kim, nagipogu_reif
from dsdcrn.neural.activations import (
    ReactionSet,
    sigma,
    sigma_prime,
    smooth_activation,
    smooth_derivative,
)
from dsdcrn.neural.network import NeuralCRN, signed
from dsdcrn.neural.protocol import Machine, Step

Z_GRID = np.linspace(-3.0, 3.0, 13)


def _net(rs: ReactionSet, initial: dict[str, float]) -> NeuralCRN:
    return NeuralCRN("t", rs.reactions, rs.modules, {}, initial=initial)


# ------------------------------------------------------------------ counts
def test_nagipogu_reif_d1_matches_hand_count():
    # Hand count, d = 1, diagonal θ, first-order training:
    # drive 4, bias 2, cancel 1, readout 4 + 2 decays, error 4 + 1,
    # adjoint init 4 + 2 decays, gradient 4, update 4 + 1 cancel = 33 reactions;
    # species X±, Z±, P±, W±, H±, O±, Y±, E±, A±, G± = 20.
    net = nagipogu_reif.build(1)
    c = net.counts()
    assert (c["species"], c["reactions"]) == (20, 33)
    assert c["trimolecular"] == 0
    assert nagipogu_reif.expected_counts(1) == {"species": 20, "reactions": 33}


@pytest.mark.parametrize("theta", ["diagonal", "full"])
@pytest.mark.parametrize("nl", [None, "quadratic"])
@pytest.mark.parametrize("grad", [None, "first-order", "exact"])
def test_nagipogu_reif_counts_follow_closed_form(theta, nl, grad):
    for d in (1, 2, 3, 5):
        net = nagipogu_reif.build(d, theta=theta, nonlinearity=nl, gradient=grad)
        exp = nagipogu_reif.expected_counts(d, theta, nl, grad)
        assert net.counts()["species"] == exp["species"]
        assert net.counts()["reactions"] == exp["reactions"]


def test_full_theta_grows_quadratically_and_diagonal_linearly():
    diag = [nagipogu_reif.build(d).counts()["reactions"] for d in (2, 4, 8)]
    full = [nagipogu_reif.build(d, theta="full").counts()["reactions"] for d in (2, 4, 8)]
    assert diag[2] - diag[1] == 2 * (diag[1] - diag[0])  # linear in d
    assert full[2] - full[1] > 3 * (full[1] - full[0])  # quadratic in d


def test_cubic_nonlinearity_is_marked_trimolecular():
    net = nagipogu_reif.build(2, nonlinearity="cubic")
    assert net.trimolecular and net.counts()["trimolecular"] == 4
    assert "trimolecular" in net.to_text().splitlines()[2]
    assert not nagipogu_reif.build(2, nonlinearity="quadratic").trimolecular


def test_kang_kim_counts_for_2_5_1():
    net = kang_kim.build((2, 5, 1))
    # weights 2*5 + 5*1 = 15, biases 6 -> 21 parameters
    assert len(net.parameters) == 21
    mods = net.module_counts()
    # catalysis, bias, rail decay, rail cancellation
    assert mods["forward"] == 2 * 15 + 2 * 6 + 2 * 6 + 6
    assert mods["activation"] == 4 * 5 and mods["derivative"] == 5 * 5
    # routed: per parameter one token reaction and two routing reactions
    assert mods["training"] == 3 * 21
    # per weight of W2: |E|·|w| made per rail of w and routed by the sign of E (2 + 4);
    # per hidden unit S decay into SA, S cancel, SA decay, VA make / decay
    assert mods["backprop"] == 6 * 5 + 5 * (2 + 1 + 1 + 2)
    assert all(len(r.reactants) <= 2 for r in net.reactions)
    direct = kang_kim.build((2, 5, 1), updates="direct", k_rail=0).module_counts()
    assert direct["training"] == 2 * 21
    assert direct["backprop"] == 4 * 5 + 5 * 2 * 3  # W2·E sums, then S decay, V make/decay


def test_kang_kim_two_hidden_layers_route_the_upper_deltas():
    net = kang_kim.build((2, 3, 3, 1))
    species = set(net.species)
    # the lower layer's sums take |δ| of the upper unit (VA2) and its sign (rails of S2)
    assert {"P1_1_1p", "P1_1_1m", "P2_1_1p", "VA2_1", "S2_1p"} <= species
    products = [r for r in net.reactions if "P1_1_1p" in r.products]
    assert [sorted(r.reactants) for r in products] == [["VA2_1", "W2_1_1p"]]
    assert not {s for s in species if s.startswith(("V1_", "V2_", "VT"))}
    assert {"TW1_1_1", "TW3_1_1", "TB2_3"} <= species


def test_written_crn_parses_back():
    net = build("kang-kim", (2, 2, 1))
    crn = parse_crn(net.to_text(unit_nM=10.0))
    assert len(crn.reactions) == len(net.reactions)
    w = next(p for p in net.parameters if p.startswith("W"))
    assert crn.initial[f"{w}p"] + crn.initial.get(f"{w}m", 0) == pytest.approx(
        10.0 * (net.initial[f"{w}p"] + net.initial[f"{w}m"])
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: build("nope", 2),
        lambda: nagipogu_reif.build(0),
        lambda: nagipogu_reif.build(2, lr=-1.0),
        lambda: nagipogu_reif.build(2, nonlinearity="cubic", gradient="exact"),
        lambda: kang_kim.build((2, 0, 1)),
        lambda: kang_kim.build((3,)),
        lambda: kang_kim.build((2, 2, 1), h=-0.1),
    ],
)
def test_bad_builder_arguments_raise(call):
    with pytest.raises(DsdcrnError):
        call()


# ------------------------------------------------------------------ fixed points
@pytest.mark.parametrize("h", [0.05, 0.1, 0.5])
def test_sigma_fixed_point_over_a_grid(h):
    for z in Z_GRID:
        rs = ReactionSet()
        smooth_activation(rs, "Z", "X", "H", "act")
        zp, zm = signed(z)
        m = Machine(_net(rs, {"Zp": zp, "Zm": zm, "H": h, "X": 0.01}), rtol=1e-9, atol=1e-12)
        m.apply(Step("all", 200.0))
        assert m.conc("X") == pytest.approx(sigma(z, h), rel=1e-5), z


@pytest.mark.parametrize("h", [0.05, 0.1])
def test_sigma_prime_fixed_point_over_a_grid(h):
    for z in Z_GRID:
        rs = ReactionSet()
        smooth_activation(rs, "Z", "X", "H", "act")
        smooth_derivative(rs, "X", "D", "Q", "H", "der")
        zp, zm = signed(z)
        m = Machine(_net(rs, {"Zp": zp, "Zm": zm, "H": h, "X": 0.01}), rtol=1e-9, atol=1e-12)
        m.apply(Step("all", 300.0))
        assert m.conc("D") == pytest.approx(sigma_prime(z, h), rel=1e-4), z
        # and σ' is the derivative of σ
        eps = 1e-6
        assert sigma_prime(z, h) == pytest.approx(
            (sigma(z + eps, h) - sigma(z - eps, h)) / (2 * eps), rel=1e-5
        )


def _settled_nr(d=2, theta=None, x=None, y=0.7, w=None):
    net = nagipogu_reif.build(d, theta="full")
    rng = np.random.default_rng(5)
    theta = rng.normal(size=(d, d)) if theta is None else theta
    x = rng.uniform(-1, 1, d) if x is None else x
    w = rng.normal(size=d) if w is None else w
    m = Machine(net, rtol=1e-9, atol=1e-12)
    for i in range(d):
        for j in range(d):
            p, q = signed(theta[i, j])
            m.state[m.index[f"P{i + 1}_{j + 1}p"]], m.state[m.index[f"P{i + 1}_{j + 1}m"]] = p, q
        p, q = signed(w[i])
        m.state[m.index[f"W{i + 1}p"]], m.state[m.index[f"W{i + 1}m"]] = p, q
    inject = {}
    for j in range(d):
        for name in ("X", "Z"):
            p, q = signed(x[j])
            inject[f"{name}{j + 1}p"], inject[f"{name}{j + 1}m"] = p, q
    inject["Yp"], inject["Ym"] = signed(y)
    return net, m, theta, x, w, inject


def test_nagipogu_reif_dot_product_error_and_update_fixed_points():
    d, T, h = 3, 0.5, 0.1
    net, m, theta, x, w, inject = _settled_nr(d)
    m.apply(Step("feedforward", T, inject=inject))
    z = x + T * (theta @ x + h)  # linear f: exact
    assert m.values([f"Z{i}" for i in range(1, d + 1)]) == pytest.approx(z, abs=1e-6)
    m.apply(Step("readout", 30.0))
    assert m.value("O") == pytest.approx(w @ z, abs=1e-6)  # dot product
    m.apply(Step("error", 5.0))
    e = w @ z - 0.7
    assert m.value("E") == pytest.approx(e, abs=1e-6)
    assert min(m.conc("Ep"), m.conc("Em")) < 1e-3  # rails cancelled
    m.apply(Step("adjoint", 30.0))
    assert m.values([f"A{i}" for i in range(1, d + 1)]) == pytest.approx(e * w, abs=1e-6)
    m.apply(Step("backward", T))
    g = T * np.outer(e * w, x)
    m.apply(Step("update", 30.0))
    lr = net.meta["lr"]
    got = np.array([[m.value(f"P{i}_{j}") for j in range(1, d + 1)] for i in range(1, d + 1)])
    assert got == pytest.approx(theta - lr / (1 + lr) * g, abs=1e-5)


def test_quadratic_nonlinearity_gives_minus_z_abs_z():
    # dz/dt = c - k z|z| from z0: compare with a fine numerical integration of that ODE
    from scipy.integrate import solve_ivp

    # rail cancellation made fast (k = 1e4): with the default k = 100 the residue of
    # both rails during a sign change shifts z(T) by about 0.006 here
    net = nagipogu_reif.build(1, nonlinearity="quadratic", gradient=None, h=0.0, k_fast=1e4)
    for x0, th in ((0.8, -1.5), (0.3, 2.0), (0.5, -0.2)):
        m = Machine(net, rtol=1e-10, atol=1e-12)
        m.state[m.index["P1p"]], m.state[m.index["P1m"]] = signed(th)
        m.apply(Step("feedforward", 1.0, inject={"X1p": x0, "Z1p": x0}))
        ref = solve_ivp(
            lambda t, z, c=th * x0: c - z * abs(z), (0, 1), [x0], rtol=1e-11, atol=1e-12
        )
        assert m.value("Z1") == pytest.approx(ref.y[0, -1], abs=1e-3)


@pytest.mark.parametrize("updates", ["routed", "direct"])
def test_kang_kim_forward_and_backward_fixed_points(updates):
    from dsdcrn.neural.training import KangKimModel

    model = KangKimModel(layers=(3, 4, 2), eta=0.0, seed=3, updates=updates)
    m = model.machine_
    m.rtol, m.atol = 1e-9, 1e-12
    x, y = np.array([0.2, 0.9, 0.4]), np.array([1.0, 0.0])
    m.apply(Step("all", 80.0, inject=model._inject(x, y)))
    h = model.h
    W1 = np.array([[m.value(f"W1_{j}_{i}") for i in range(1, 4)] for j in range(1, 5)])
    b1 = np.array([m.value(f"B1_{j}") for j in range(1, 5)])
    W2 = np.array([[m.value(f"W2_{k}_{j}") for j in range(1, 5)] for k in range(1, 3)])
    b2 = np.array([m.value(f"B2_{k}") for k in range(1, 3)])
    z = W1 @ x + b1
    a = np.array([sigma(v, h) for v in z])
    o = W2 @ a + b2
    e = o - y
    s = W2.T @ e
    v = np.array([sigma_prime(zz, h) for zz in z]) * s
    assert m.values([f"H1_{j}" for j in range(1, 5)]) == pytest.approx(a, abs=1e-6)
    assert m.values(["O1", "O2"]) == pytest.approx(o, abs=1e-6)
    assert m.values(["E1", "E2"]) == pytest.approx(e, abs=1e-6)
    if updates == "direct":
        assert m.values([f"V1_{j}" for j in range(1, 5)]) == pytest.approx(v, abs=1e-6)
        return
    assert m.values([f"S1_{j}" for j in range(1, 5)]) == pytest.approx(s, abs=1e-6)
    # magnitudes from the rails' decay flux: |e| and σ′|W2ᵀe|, up to the rails' common
    # part (fast cancellation leaves about sqrt(production / k_rail) on each rail)
    common = [min(m.conc(f"E{k}p"), m.conc(f"E{k}m")) for k in (1, 2)]
    assert max(common) < 0.05
    ea = m.values(["EA1", "EA2"])
    assert ea == pytest.approx(np.abs(e) + 2 * np.array(common), abs=1e-6)
    assert m.values([f"VA1_{j}" for j in range(1, 5)]) == pytest.approx(np.abs(v), abs=0.1)


@pytest.mark.parametrize("updates", ["routed", "direct"])
def test_kang_kim_training_reactions_descend_the_gradient(updates):
    from dsdcrn.neural.training import KangKimModel

    eta, dt = 1e-3, 5.0
    model = KangKimModel(layers=(2, 3, 1), eta=eta, seed=4, updates=updates)
    m = model.machine_
    m.rtol, m.atol = 1e-10, 1e-13
    x, y = np.array([0.6, 0.3]), np.array([1.0])
    m.apply(Step("settle", 80.0, inject=model._inject(x, y)))
    before = model.parameters()
    e = m.value("E1")
    a = m.values([f"H1_{j}" for j in range(1, 4)])
    W2 = np.array([before[f"W2_1_{j}"] for j in range(1, 4)])
    z = np.array([m.value(f"Z1_{j}") for j in range(1, 4)])
    vdelta = np.array([sigma_prime(zz, model.h) for zz in z]) * W2 * e
    m.apply(Step("all", dt))
    after = model.parameters()
    for j in range(1, 4):
        assert after[f"W2_1_{j}"] - before[f"W2_1_{j}"] == pytest.approx(
            -eta * dt * e * a[j - 1], rel=0.05
        )
        for i in range(1, 3):
            assert after[f"W1_{j}_{i}"] - before[f"W1_{j}_{i}"] == pytest.approx(
                -eta * dt * vdelta[j - 1] * x[i - 1], rel=0.05
            )


def test_routed_updates_have_one_gain_per_weight_under_rate_noise():
    """Under rate noise a routed weight moves by −g·c(sign δ)·δ·u: its own gain g for both
    signs of the output's δ, times a factor c shared by every weight, so all of them agree
    on where the error balances.  That holds for the hidden weights too, whose deltas come
    through the routed back-propagated sums.  A direct weight's gains for the two signs
    differ weight by weight."""
    from dsdcrn.neural.training import KangKimModel

    x = np.array([0.5, 0.3])
    hidden = [f"W1_{j}_{i}" for j in (1, 2) for i in (1, 2)]
    output = ["W2_1_1", "W2_1_2"]

    def gains(updates: str) -> np.ndarray:
        ratios = []
        for y in (0.0, 2.0):  # output above, then below, the target: both signs of δ
            model = KangKimModel(
                layers=(2, 2, 1), eta=1e-3, seed=5, updates=updates, rate_noise=0.3
            )
            m = model.machine_
            m.rtol, m.atol = 1e-10, 1e-13
            m.apply(Step("settle", 80.0, inject=model._inject(x, [y])))
            before = model.parameters()
            e, a = m.value("E1"), m.values(["H1_1", "H1_2"])
            m.apply(Step("all", 5.0))
            after = model.parameters()
            # tokens still in flight go to the rail opposite the sign now present
            sign = {w: np.sign(m.value(f"S1_{w[3]}")) for w in hidden}  # sign of S1_j
            sign.update({w: np.sign(e) for w in output})
            flight = {w: m.conc(f"T{w}") if updates == "routed" else 0.0 for w in sign}
            step = np.array([after[w] - before[w] - sign[w] * flight[w] for w in output + hidden])
            u = np.concatenate([a, np.tile(x, 2)])
            ratios.append(step / (-5e-3 * e * u))
        return np.array(ratios)

    routed, direct = gains("routed"), gains("direct")
    r, d = routed[0] / routed[1], direct[0] / direct[1]  # per weight: gain(+) / gain(−)
    assert np.all(routed > 0)  # every step goes down the gradient
    assert r[1:] == pytest.approx(np.full(5, r[0]), rel=0.01)
    assert abs(d[0] / d[1] - 1) > 0.1
    assert np.ptp(d[2:]) / np.mean(d[2:]) > 0.1  # hidden: the four-gain sums differ
