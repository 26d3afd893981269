"""Modular enumeration and verification against whole-system results; counts; exports."""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor

import pytest

from dsdcrn.circuits import nagipogu_reif_neuron
from dsdcrn.cli.main import main
from dsdcrn.compile.counts import count
from dsdcrn.compile.translate import compile_crn
from dsdcrn.compile.visualdsd import to_visual_dsd
from dsdcrn.enumerate.modular import (
    canonical_complex,
    enumerate_modular,
    modules_of,
)
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.domains import to_kernel
from dsdcrn.options import EnumerationOptions
from dsdcrn.verify.modular import verify_modular
from dsdcrn.verify.whole import verify

OSCILLATOR = "A + B -> 2B\nB + C -> 2C\nC + A -> 2A\nA @initial 10\nB @initial 10\nC @initial 10\n"


def canonical(enumerated):
    """Species kernels (one rotation per complex), roles, and reactions with rates."""
    kern = {
        n: to_kernel(*canonical_complex(s.strands, s.structure))
        for n, s in enumerated.species.items()
    }
    roles = {kern[n]: s.role for n, s in enumerated.species.items()}
    rxns = {
        (
            tuple(sorted(kern[x] for x in r.reactants)),
            tuple(sorted(kern[x] for x in r.products)),
            round(r.rate, 9),
        )
        for r in enumerated.reactions
    }
    return roles, rxns


@pytest.fixture(scope="module")
def oscillator():
    crn = parse_crn(OSCILLATOR, name="rps")
    system = compile_crn(crn, "soloveichik2010")
    return crn, system, enumerate_system(system), enumerate_modular(system)


def test_modules_split_one_per_reaction(oscillator):
    _, system, _, _ = oscillator
    mods = modules_of(system)
    assert [m.index for m in mods] == [(1,), (2,), (3,)]
    assert mods[0].inputs == ["A", "B"]
    assert all(len(m.fuels) == 5 for m in mods)  # join, buffer, 2 helpers, fork


@pytest.mark.parametrize(
    "text", ["A + B -> C\n", "A -> B\n", "A + B -> C + D\n", "2A -> B\n", "A + B <=> C\n"]
)
def test_modular_equals_whole_system(text, enumerated):
    """Same species, roles, reactions and rate constants as whole-system enumeration."""
    crn, whole = next(v for k, v in enumerated.items() if k.split("\n")[0] == text.strip())
    mod = enumerate_modular(whole.system)
    assert canonical(mod.enumerated) == canonical(whole)
    assert [v.verdict for v in verify_modular(crn, mod)] == [True] * len(crn.reactions)


def test_oscillator_modular_equals_whole_with_history_variants(oscillator):
    crn, _, whole, mod = oscillator
    assert canonical(mod.enumerated) == canonical(whole)
    assert len(whole.reactions) == 60
    # every species has variants released by other modules: a second pass was needed
    assert mod.passes == 2 and not mod.merged
    # the helpers' exposed toeholds can bind other modules' gates, but react with nothing
    assert mod.pairs_checked > 0
    whole_verdict = verify(crn, whole, ("crn-bisimulation",)).verdict
    verdicts = verify_modular(crn, mod)
    assert whole_verdict is True and all(v.verdict is True for v in verdicts)
    # checking each module with every history variant's copies gives the same verdicts
    assert [v.verdict for v in verify_modular(crn, mod, copies=True)] == [True] * 3


def test_shape_cache_equals_direct_enumeration():
    """Repeated gate shapes come from the cache, renamed; the result equals enumerating
    every module directly."""
    crn = parse_crn("A -> B\nC -> D\nE -> F\nA + C -> E\nB + D -> F\n", name="shapes")
    system = compile_crn(crn, "soloveichik2010")
    cached = enumerate_modular(system, copies=False)
    direct = enumerate_modular(system, cache=False, copies=False)
    assert cached.cache_hits == 3 and cached.shapes == 2 < direct.shapes == len(crn.reactions)
    assert canonical(cached.enumerated) == canonical(direct.enumerated)
    verdicts = verify_modular(crn, cached)
    assert all(v.verdict is True for v in verdicts)
    assert any(v.cached for v in verdicts)  # same verification problem, answered once


@pytest.mark.slow
def test_default_circuit_modular_equals_whole_system():
    crn = nagipogu_reif_neuron()
    system = compile_crn(crn, "soloveichik2010")
    whole = enumerate_system(system)
    mod = enumerate_modular(system)
    assert canonical(mod.enumerated) == canonical(whole)
    assert verify(crn, whole, ("crn-bisimulation",)).verdict is True
    assert all(v.verdict is True for v in verify_modular(crn, mod))


def test_modular_verification_rejects_a_wrong_implementation():
    impl = parse_crn("A + B -> C + D\n", name="impl")
    spec = parse_crn("A + B -> C\n", name="spec")
    mod = enumerate_modular(compile_crn(impl, "soloveichik2010"))
    assert [v.verdict for v in verify_modular(spec, mod)] == [False]


LEAKY_SCHEME = """
NAME = "leaky"
REFERENCE = "a test scheme whose gates of different reactions react with each other"
LENGTHS = {"toehold": 6, "long": 15}
MAX_REACTANTS = 1
MAX_PRODUCTS = 1


def signal(x, module):
    t, b = module.domain(f"t_{x}", "toehold"), module.domain(f"b_{x}", "long")
    module.complex(x, f"{t} {b}")
    return [t, b]


def reaction(i, reactants, products, module):
    x, y = reactants[0], products[0]
    module.domain(f"t_{x}", "toehold"), module.domain(f"b_{x}", "long")
    module.domain(f"t_{y}", "toehold"), module.domain(f"b_{y}", "long")
    u = module.domain("u", "toehold")
    v = module.domain("v", "long")
    module.complex(f"r{i}_gate", f"t_{x}*( b_{x}*( + ) ) t_{y} b_{y}")
    # every gate also carries a leak: reaction 1 a free invader, reaction 2 its target
    if i == 1:
        module.complex("r1_leak", f"{u} {v}")
    else:
        module.complex(f"r{i}_leak", f"{v}( + ) {u}*")
"""


def test_crosstalk_between_modules_is_found_and_merged(tmp_path):
    scheme = tmp_path / "leaky.py"
    scheme.write_text(LEAKY_SCHEME)
    crn = parse_crn("A -> B\nC -> D\n", name="leaky")
    system = compile_crn(crn, str(scheme))
    whole = enumerate_system(system)
    mod = enumerate_modular(system)
    assert mod.merged == [(1, 2)]
    assert canonical(mod.enumerated) == canonical(whole)


def test_own_executor_and_copies_off(oscillator):
    """A caller's executor gives the same result; without the variants' copies the
    modules verify the same, and every reaction left is one of the full result's."""
    crn, system, _, mod = oscillator
    with ProcessPoolExecutor(max_workers=1) as pool:
        lean = enumerate_modular(system, executor=pool, copies=False)
    assert canonical(lean.enumerated)[1] < canonical(mod.enumerated)[1]
    assert [v.verdict for v in verify_modular(crn, lean)] == [True] * 3


def test_modular_time_out_is_a_clear_error(oscillator):
    _, system, _, _ = oscillator
    with pytest.raises(EnumerationLimitError, match="time-out"):
        enumerate_modular(system, EnumerationOptions(timeout_s=0.01))


def test_counts_from_templates_equal_enumerated_counts(enumerated, oscillator):
    """Strands, nucleotides and fuels counted from the compiled templates, without
    enumerating, equal those of the enumerated system."""
    cases = [e for _, e in enumerated.values()] + [oscillator[2]]
    for e in cases:
        c = count(e.system)
        length = {d.name: d.length for d in e.system.domains.values()}
        strands = {tuple(s) for sp in e.species.values() for s in sp.strands}
        assert c.strands == len(strands)
        assert c.nucleotides == sum(length[d.rstrip("*")] for s in strands for d in s)
        assert c.fuel_complexes == len(e.by_role("fuel"))
        assert c.signal_complexes == len({s.formal for s in e.by_role("signal")})


def test_visual_dsd_export(oscillator):
    _, system, _, _ = oscillator
    text = to_visual_dsd(system)
    assert "def A = <h_A a_A^ b_A c_A^>" in text
    join = next(line for line in text.splitlines() if line.startswith("def r1_join"))
    # every bond label appears exactly twice
    labels = re.findall(r"!(\d+)", join)
    assert labels and all(labels.count(x) == 2 for x in labels)
    assert "1000 r1_join" in text and "10 A" in text


def test_compare_command(tmp_path, capsys):
    crn = tmp_path / "abc.crn"
    crn.write_text("A + B -> C\nA @initial 10\nB @initial 10\n")
    out = tmp_path / "cmp.csv"
    main(["compare", str(crn), "--schemes", "soloveichik2010", "--csv", str(out)])
    table = capsys.readouterr().out
    assert "soloveichik2010" in table and "yes" in table
    rows = out.read_text().splitlines()
    assert rows[0].startswith("scheme,crn-bisimulation") and rows[1].startswith(
        "soloveichik2010,True"
    )


def test_verify_modular_command(tmp_path, capsys):
    crn = tmp_path / "abc.crn"
    crn.write_text("A + B -> C\n")
    main(["verify", str(crn), "--modular", "--methods", "crn-bisimulation"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("crn-bisimulation: True (")
    assert "modular (Johnson, Dong & Winfree 2019): 1 modules, 1 distinct checks" in out[0]


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["soloveichik2010", "srinivas2017"])
@pytest.mark.parametrize("circuit", ["nagipogu-reif", "kang-kim"])
def test_neural_circuits_verify_modularly(circuit, scheme):
    """Nagipogu-Reif d = 2 (feedforward + first-order training) and Kang-Kim 2-2-1:
    every module correct by CRN bisimulation (about 15-115 s each)."""
    from dsdcrn.neural import build

    net = (
        build("nagipogu-reif", dim=2, gradient="first-order")
        if circuit == "nagipogu-reif"
        else build("kang-kim", layers=(2, 2, 1))
    )
    crn = parse_crn(net.to_text(), name=circuit.replace("-", "_"))
    mod = enumerate_modular(compile_crn(crn, scheme), copies=False)
    verdicts = verify_modular(crn, mod, timeout_s=1200)
    assert len(verdicts) == len(crn.reactions) and all(v.verdict is True for v in verdicts)


def test_doubly_consumed_species_enumerated_pair_by_pair(monkeypatch):
    """``2A -> E`` with three history variants of A (from three other modules) is
    enumerated as three small jobs, one per pair of variants, of one shape; their
    union equals one job with every variant and the whole-system enumeration."""
    import dsdcrn.enumerate.modular as modular

    crn = parse_crn("B -> A\nC -> A\nD -> A\n2A -> E\n", name="homo")
    system = compile_crn(crn, "soloveichik2010")
    whole = enumerate_system(system)
    groups = []
    split = modular.variant_groups
    monkeypatch.setattr(
        modular, "variant_groups", lambda m, e: groups.append(split(m, e)) or split(m, e)
    )
    paired = enumerate_modular(system)
    assert [len(g) for g in groups if len(g) > 1] == [3]  # the 2A module's pairs
    assert all(len(job) == 2 for job in max(groups, key=len))
    monkeypatch.setattr(modular, "variant_groups", lambda m, e: [e])
    together = enumerate_modular(system)
    assert canonical(paired.enumerated) == canonical(together.enumerated) == canonical(whole)
    assert [v.verdict for v in verify_modular(crn, paired)] == [True] * 4


def test_checking_needs_one_mixed_pair_of_inert_variants():
    """Without copies (what verification checks) a species consumed twice brings one
    inert variant besides the representative: the other pairs are its renamings.  The
    modules still verify, with every method, and the 2A module is smaller."""
    from dsdcrn.verify.modular_pathways import verify_pathways_modular

    crn = parse_crn("B -> A\nC -> A\nD -> A\n2A -> E\n", name="homo")
    system = compile_crn(crn, "soloveichik2010")
    lean = enumerate_modular(system, copies=False)
    full = enumerate_modular(system, copies=True)
    assert len(lean.core_reactions[3]) < len(full.core_reactions[3])
    signals = {s.name for s in lean.enumerated.by_role("signal") if s.formal == "A"}
    used = {x for r in lean.core_reactions[3] for x in r.reactants} & signals
    assert len(used) == 2  # the representative and one variant
    assert all(v.verdict is True for v in verify_modular(crn, lean))
    for method in ("pathway-decomposition", "integrated-hybrid"):
        assert verify_pathways_modular(crn, lean, method).verdict is True


def _signal_totals(enumerated, t_end: float = 3600.0) -> dict:
    """Each formal species' free signal (nM, every variant summed) over time, from
    signals at 10 nM and fuels at 100 nM."""
    from dsdcrn.kinetics.massaction import simulate

    init = {s.name: 100.0 for s in enumerated.by_role("fuel")}
    init.update({s.name: 10.0 for s in enumerated.by_role("signal") if s.name == s.formal})
    traj = simulate(enumerated.reactions, init, t_end, n_points=11)
    out: dict = {}
    for s in enumerated.by_role("signal"):
        out[s.formal] = out.get(s.formal, 0.0) + traj.get(s.name)
    return out


@pytest.mark.parametrize(
    ("scheme", "merged"), [("cardelli2011_NM", True), ("soloveichik2010", False)]
)
def test_variants_merged_for_kinetics_only_where_exact(scheme, merged):
    """``lump=True`` merges a history variant into its representative when it reacts
    exactly as the representative does: the condensed CRN is smaller and its signals
    follow the full CRN's to the solver's tolerance.  soloveichik2010's forks take back
    the strand they released (by its history domain), so there every variant stays."""
    crn = parse_crn("A + B -> A + C\nC -> B\nB -> A\n2A -> C\n", name="lump")
    system = compile_crn(crn, scheme)
    full = enumerate_modular(system, copies=True).enumerated
    lumped = enumerate_modular(system, copies=True, lump=True).enumerated
    assert (len(lumped.reactions) < len(full.reactions)) is merged
    a, b = _signal_totals(full), _signal_totals(lumped)
    for x in ("A", "B", "C"):
        assert b[x] == pytest.approx(a[x], rel=1e-5, abs=1e-5)
    assert any(abs(a[x][-1] - a[x][0]) > 1 for x in a)  # the circuit did something
