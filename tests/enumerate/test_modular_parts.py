"""The pieces of modular enumeration on their own: complexes and shapes, the shape
cache, job runner, gate modules, history variants, crosstalk and the combined result."""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.crosstalk import (
    PairChecker,
    crosstalk_pairs,
    distinct_pairs,
    free_signal,
    pair_reacts,
)
from dsdcrn.enumerate.gates import (
    GateModule,
    compiled_reactions,
    merge_modules,
    module_inputs,
    modules_of,
)
from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.modular import (
    ModularEnumerator,
    enumerate_modular,
    named_reactions,
    state_names,
)
from dsdcrn.enumerate.peppercorn import SignalIndex
from dsdcrn.enumerate.shapes import (
    ModuleResult,
    ShapeEnumerator,
    canonical_complex,
    enumerate_shape,
    kernel_of,
    rename_domains,
    result_from_raw,
    shape_key,
    shape_pil,
    unpaired_domains,
)
from dsdcrn.enumerate.variants import SignalVariants, released_strands, signal_match
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.crn import Reaction, parse_crn
from dsdcrn.options import EnumerationOptions

OSCILLATOR = "A + B -> 2B\nB + C -> 2C\nC + A -> 2A\n"


def system_of(text: str, name: str = "t"):
    return compile_crn(parse_crn(text, name=name), "soloveichik2010")


def lengths_of(system) -> dict[str, int]:
    return {d.name: d.length for d in system.domains.values()}


@pytest.fixture(scope="module")
def first_pass():
    """The oscillator's modular enumeration after its first pass (representatives only)."""
    run = ModularEnumerator(system_of(OSCILLATOR, "rps"), EnumerationOptions(), jobs=2)
    run.first_pass()
    run.runner.close()
    return run


# --------------------------------------------------------------------------- complexes
def test_canonical_complex_is_the_same_for_every_rotation():
    one = canonical_complex([["x", "y"], ["y*", "z"]], [".", "(", "+", ")", "."])
    other = canonical_complex([["y*", "z"], ["x", "y"]], ["(", ".", "+", ".", ")"])
    assert one == other
    assert kernel_of([["y*", "z"], ["x", "y"]], ["(", ".", "+", ".", ")"]) == "x y( + ) z"
    assert canonical_complex([["b", "a"]], [".", "."]) == ([["b", "a"]], [".", "."])


def test_unpaired_domains_and_renaming_keep_complements():
    assert unpaired_domains([["x", "y"], ["y*", "z"]], [".", "(", "+", ")", "."]) == {"x", "z"}
    assert rename_domains([["x", "y*"], ["z"]], {"y": "q"}) == [["x", "q*"], ["z"]]


# --------------------------------------------------------------------------- shapes
def test_shape_keys_are_equal_for_renamed_modules():
    system = system_of("A + B -> C\n")
    m = modules_of(system)[0]
    by_name = {c.name: c for c in system.complexes}
    cxs = module_inputs(m, [], by_name)
    lengths = lengths_of(system)
    key, dmap = shape_key(cxs, lengths)
    mapping = {d: f"z{d}" for d in lengths}
    renamed = [(n, rename_domains(s, mapping), st) for n, s, st in cxs]
    key2, dmap2 = shape_key(renamed, {mapping[d]: n for d, n in lengths.items()})
    assert key2 == key
    assert {mapping[a]: c for a, c in dmap.items()} == dmap2
    assert sorted(dmap.values(), key=lambda c: int(c[1:])) == [
        f"c{i}" for i in range(1, len(dmap) + 1)
    ]
    # the lengths belong to the shape: one domain longer is another shape
    longer = dict(lengths, **{next(iter(dmap)): 99})
    assert shape_key(cxs, longer)[0] != key


def test_shape_pil_lists_lengths_then_complexes():
    pil = shape_pil((("c1( c2 )", "c2*"), (15, 6)))
    assert pil.splitlines() == [
        "length c1 = 15",
        "length c2 = 6",
        "n1 = c1( c2 ) @initial 1 nM",
        "n2 = c2* @initial 1 nM",
    ]


def test_a_shape_enumerated_and_renamed_back():
    system = system_of("A -> B\n")
    m = modules_of(system)[0]
    cxs = module_inputs(m, [], {c.name: c for c in system.complexes})
    key, dmap = shape_key(cxs, lengths_of(system))
    raw = enumerate_shape(key, EnumerationOptions())
    assert raw["seconds"] > 0 and raw["reactions"]
    res = result_from_raw(raw, [c[0] for c in cxs], dmap)
    names = {n for ms in res.states.values() for n, _, _ in ms}
    assert {c[0] for c in cxs} <= names  # inputs keep their names
    domains = {d.rstrip("*") for ms in res.states.values() for _, s, _ in ms for x in s for d in x}
    assert domains <= set(system.domains)  # every domain renamed back
    assert all(x in res.states for rs, ps, _ in res.reactions for x in rs + ps)
    # the signal B is released with the fork's history domain: a lone strand of the result
    released = released_strands(res)
    b_pattern = system.signal_patterns["B"]
    assert any(signal_match(list(s), b_pattern) for s in released)


def test_a_renamed_result_shares_untouched_states():
    res = ModuleResult(
        {
            "a b": [("A", [["a", "b"]], [".", "."])],
            "g": [("G", [["g"]], ["."])],
        },
        [(("a b", "g"), ("g",), 2.0)],
        {"resting": 2},
    )
    copy = res.renamed({"a": "q"}, keep={"A", "G"})
    assert copy.states["g"] == res.states["g"]
    assert copy.states["q b"] == [("q b", [["q", "b"]], [".", "."])]  # changed: no input name
    assert copy.reactions == [(("q b", "g"), ("g",), 2.0)]
    assert copy.counts == {"resting": 2} and copy.counts is not res.counts


def test_shape_enumerator_counts_cache_hits():
    system = system_of(OSCILLATOR, "rps")
    by_name = {c.name: c for c in system.complexes}
    inputs = [module_inputs(m, [], by_name) for m in modules_of(system)]
    runner = JobRunner(None, 2, time.monotonic() + 120, "test")
    try:
        cached = ShapeEnumerator(runner, EnumerationOptions(), lengths_of(system), "rps")
        first = cached.enumerate(inputs)
        assert cached.shapes + cached.hits == 3 and cached.shapes < 3
        again = cached.enumerate(inputs)
        assert cached.hits == 6 - cached.shapes and again == first
        direct = ShapeEnumerator(
            runner, EnumerationOptions(), lengths_of(system), "rps", cache=False
        )
        assert direct.enumerate(inputs) == first
        assert (direct.shapes, direct.hits) == (3, 0) and direct.seconds > 0
    finally:
        runner.close()


def test_shape_enumerator_limit_is_a_clear_error():
    system = system_of("A -> B\n")
    by_name = {c.name: c for c in system.complexes}
    inputs = [module_inputs(m, [], by_name) for m in modules_of(system)]
    opts = EnumerationOptions(max_complex_count=5)  # the module has 4 inputs
    runner = JobRunner(None, 1, time.monotonic() + 120, "test")
    shapes = ShapeEnumerator(runner, opts, lengths_of(system), "abc.crn")
    with pytest.raises(EnumerationLimitError, match="module of abc.crn stopped.*--max-complexes 5"):
        shapes.enumerate(inputs)


# --------------------------------------------------------------------------- jobs
def test_job_runner_keeps_order_and_leaves_a_callers_executor_open():
    with ThreadPoolExecutor(max_workers=2) as pool:
        runner = JobRunner(pool, 2, time.monotonic() + 30, "test")
        assert runner.map(pow, [(2, 3), (3, 2), (5, 0)]) == [8, 9, 1]
        runner.close(kill=True)
        assert pool.submit(abs, -4).result() == 4  # not shut down


def test_stages_share_one_pool_until_a_time_out():
    """Enumeration and verification reuse one pool (forked while the process is small);
    a time-out kills it and the next stage forks a fresh one."""
    import os

    first = JobRunner(None, 2, time.monotonic() + 30, "enumeration")
    pids = set(first.map(os.getpid, [()] * 4))
    first.close()
    second = JobRunner(None, 2, time.monotonic() + 30, "verification")
    assert second.executor is first.executor
    assert set(second.map(os.getpid, [()] * 4)) | pids <= set(second.executor._processes)
    assert os.getpid() not in pids
    second.close(kill=True)
    third = JobRunner(None, 2, time.monotonic() + 30, "again")
    assert third.executor is not second.executor and third.map(abs, [(-3,)]) == [3]
    third.close()


def test_job_runner_time_out_names_the_stage():
    with ThreadPoolExecutor(max_workers=1) as pool:
        runner = JobRunner(pool, 1, time.monotonic() + 0.05, "shape enumeration")
        with pytest.raises(EnumerationLimitError, match="shape enumeration exceeded its time-out"):
            runner.map(time.sleep, [(0.5,)])


# --------------------------------------------------------------------------- gate modules
def test_modules_of_without_rewrite():
    system = system_of("A -> B\nB + C -> A\n")
    reactions, origin = compiled_reactions(system)
    assert origin == [1, 2] and reactions == list(system.formal.reactions)
    mods = modules_of(system)
    assert [m.inputs for m in mods] == [["A"], ["B", "C"]]
    for i, m in enumerate(mods, start=1):
        assert m.fuels and all(system.complex(f).reaction == i for f in m.fuels)


def test_merge_modules_and_extra_inputs():
    a = GateModule((2,), [Reaction(("A",), ("B",), 1.0)], ["g2", "h"], ["A"])
    b = GateModule((1,), [Reaction(("C",), ("D",), 1.0)], ["g1", "h"], ["C", "A"])
    merged = merge_modules(a, b)
    assert merged.index == (1, 2)
    assert merged.fuels == ["g2", "h", "g1"] and merged.inputs == ["A", "C"]
    assert len(merged.reactions) == 2
    system = system_of("A -> B\n")
    m = modules_of(system)[0]
    by_name = {c.name: c for c in system.complexes}
    cxs = module_inputs(m, [("A", ["x", "a_A", "b_A", "c_A"])], by_name)
    assert [c[0] for c in cxs] == m.fuels + ["A", "A~x_a_A_b_A_c_A"]
    assert cxs[-1][1:] == ([["x", "a_A", "b_A", "c_A"]], [".", ".", ".", "."])


# --------------------------------------------------------------------------- variants
def test_signal_match_gives_the_history_domains():
    pattern = [None, "a", "b"]
    assert signal_match(["h", "a", "b"], pattern) == ("h",)
    assert signal_match(["h", "a", "x"], pattern) is None
    assert signal_match(["a", "b"], pattern) is None


def test_variants_found_once(first_pass):
    found = first_pass.variants.in_results(first_pass.full)
    # each species is released by one other gate, by its fork's two strands
    assert sorted(found) == ["A", "B", "C"] and all(len(v) == 2 for v in found.values())
    variants = SignalVariants(first_pass.system)
    assert variants.add_new(first_pass.full) == found
    assert variants.add_new(first_pass.full) == {}  # nothing new the second time
    assert variants.found == found


def test_variant_expansion_copies_each_combination(first_pass):
    variants = SignalVariants(first_pass.system)
    variants.add_new(first_pass.full)
    m, res, own = first_pass.modules[0], first_pass.results[0], first_pass.own[0]
    assert variants.explicit_for(m, own) == []  # every variant of A and B is inert
    choices = variants.copy_choices(m, [], own)
    # A + B -> 2B: A's two variants are copied; B's are released by the module itself
    assert [len(c) for c in choices] == [3, 1]
    assert {frozenset(c.items()) for c in choices[0] if c} == {
        frozenset({("h_A", "d_r3")}),
        frozenset({("h_A", "e_r3_1")}),
    }
    full = variants.expand(m, res, [], own)
    assert len(full.reactions) == len(res.reactions) * math.prod(len(c) for c in choices)
    assert set(res.states) < set(full.states)


def test_explicit_variants_of_a_doubly_consumed_species():
    system = system_of("2A -> B\n")
    variants = SignalVariants(system)
    variants.found = {"A": {("zz", "a_A", "b_A", "c_A")}}
    m = modules_of(system)[0]
    assert variants.explicit_for(m, set()) == [("A", ["zz", "a_A", "b_A", "c_A"])]
    assert variants.copy_choices(m, variants.explicit_for(m, set()), set()) == [[None]]
    # the same variant of a species consumed once is copied, not enumerated
    once = system_of("A + B -> C\n")
    variants = SignalVariants(once)
    variants.found = {"A": {("zz", "a_A", "b_A", "c_A")}}
    m = modules_of(once)[0]
    assert variants.explicit_for(m, set()) == []
    assert variants.copy_choices(m, [], set())[0] == [None, {"h_A": "zz"}]
    # ...unless its history domain is one of the module's own domains
    own_domain = next(d for d in once.domains if d.startswith("d_r1"))
    variants.found = {"A": {(own_domain, "a_A", "b_A", "c_A")}}
    assert variants.explicit_for(m, set()) == [("A", [own_domain, "a_A", "b_A", "c_A"])]


def test_histories_exposed_when_a_complement_is_unpaired():
    system = system_of("A -> B\n")
    variants = SignalVariants(system)
    variants.found = {"A": {("zz", "a_A", "b_A", "c_A")}}
    quiet = ModuleResult({"g": [("G", [["a_A"]], ["."])]}, [], {})
    sticky = ModuleResult({"g": [("G", [["zz*", "a_A"]], [".", "."])]}, [], {})
    assert not variants.histories_exposed([quiet])
    assert variants.histories_exposed([quiet, sticky])


# --------------------------------------------------------------------------- crosstalk
def _module_of(*cxs) -> ModuleResult:
    return ModuleResult({to: [(to, s, st)] for to, s, st in cxs}, [], {})


def test_crosstalk_pairs_need_complements_in_different_modules():
    p = ("p q", [["p", "q"]], [".", "."])
    q = ("q*", [["q*"]], ["."])
    no_signal = lambda cx: None  # noqa: E731
    pairs = crosstalk_pairs([_module_of(p), _module_of(q)], [set(), set()], no_signal)
    assert pairs == [(0, 1, ([["p", "q"]], [".", "."]), ([["q*"]], ["."]))]
    # a complex both modules hold: its reactions are in each module's enumeration
    both = [_module_of(p, q), _module_of(q)]
    assert crosstalk_pairs(both, [set(), set()], no_signal) == []
    # a signal of a species module 1 consumes belongs to module 1
    signal = lambda cx: "X" if cx[0] == [["p", "q"]] else None  # noqa: E731
    assert crosstalk_pairs([_module_of(p), _module_of(q)], [set(), {"X"}], signal) == []


def test_distinct_pairs_group_as_shape_keys_do():
    """The cheap pair key groups the candidate pairs exactly as :func:`shape_key` of
    the pair does (Kang-Kim 2-2-1 after one pass: hundreds of candidates)."""
    from dsdcrn.neural import build

    crn = parse_crn(build("kang-kim", layers=(2, 2, 1)).to_text(), name="kk")
    system = compile_crn(crn, "soloveichik2010")
    run = ModularEnumerator(system, EnumerationOptions(), jobs=1, copies=False)
    run.first_pass()
    index, formal_of = run.variants.index, run.variants.formal_of
    consumed = [{formal_of[n] for n in m.inputs} for m in run.modules]
    lengths = lengths_of(system)
    sig = lambda cx: free_signal(cx, index)  # noqa: E731
    run.runner.close()
    everything = crosstalk_pairs(run.full, consumed, sig)
    reps, n = distinct_pairs(run.full, consumed, sig, lengths)
    assert n == len(everything) > 100
    keys = [shape_key([("s", *p[2]), ("t", *p[3])], lengths)[0] for p in everything]
    rep_keys = [shape_key([("s", *p[2]), ("t", *p[3])], lengths)[0] for p in reps]
    assert len(set(rep_keys)) == len(rep_keys) == len(set(keys))
    # each representative is the first pair of its shape
    first = {}
    for p, k in zip(everything, keys, strict=True):
        first.setdefault(k, p)
    assert reps == [first[k] for k in rep_keys]


def test_free_signal_only_for_lone_unpaired_strands():
    index = SignalIndex({"A": [None, "a", "b"]})
    assert free_signal(([["h", "a", "b"]], [".", ".", "."]), index) == "A"
    assert free_signal(([["h", "a", "b"]], [".", "(", ")"]), index) is None
    assert free_signal(([["x"], ["y"]], [".", "+", "."]), index) is None


def test_pair_reacts_and_pair_checker_cache():
    system = system_of("A -> B\nC -> D\n")
    lengths = lengths_of(system)
    sig_a, sig_c = system.complex("A"), system.complex("C")
    gate = next(c for c in system.complexes if c.reaction == 1 and len(c.strands) > 1)
    a = (sig_a.strands, sig_a.structure)
    g = (gate.strands, gate.structure)
    c = (sig_c.strands, sig_c.structure)
    opts = EnumerationOptions()
    assert pair_reacts(shape_key([("s", *a), ("t", *g)], lengths)[0], opts) is True
    assert pair_reacts(shape_key([("s", *c), ("t", *g)], lengths)[0], opts) is False
    runner = JobRunner(None, 1, time.monotonic() + 120, "test")
    try:
        checker = PairChecker(runner, opts, lengths)
        assert checker.first_reacting([(0, 1, c, g)]) is None
        assert checker.first_reacting([(0, 1, c, g), (1, 2, a, g)]) == (1, 2)
        assert checker.pairs == 3 and len(checker.known) == 2  # c + g answered once
    finally:
        runner.close()


# --------------------------------------------------------------------------- the driver
def test_named_reactions_and_state_names():
    mod = enumerate_modular(system_of("A -> B\n"), copies=False)
    enum = mod.enumerated
    assert {n for sp in mod.module_species for n in sp} <= set(enum.species)
    raw = {"states": [{"name": "s1", "complexes": [("A", ["x"], ["."])]}]}
    kernel = enum.species["A"].kernel
    raw["states"][0]["complexes"] = [("A", kernel.split(), ["."] * len(kernel.split()))]
    assert state_names(enum, raw) == {"s1": "A"}
    res = ModuleResult({}, [(("s1",), ("s2",), 1.0), (("s1",), ("s2",), 2.0)], {})
    named = named_reactions(res, {"s1": "A", "s2": "B"})
    assert named == [Reaction(("A",), ("B",), 1.0)]  # one per reactants and products


def test_progress_is_logged_only_when_asked():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("dsdcrn.enumerate")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        system = system_of("A -> B\n")
        enumerate_modular(system, copies=False)
        assert records == []
        enumerate_modular(system, copies=False, progress=True)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    messages = [r.getMessage() for r in records]
    assert messages[0] == "modular enumeration: 1 modules"
    assert messages[1] == "  enumerating 1 module shapes on 2 processes ..."
    assert messages[-1].startswith("modular enumeration: 1 modules, 1 shapes enumerated, 0 from")
    assert all(r.levelno == logging.INFO for r in records)


def test_variant_pass_redoes_the_consumers_and_passes_are_bounded():
    system = system_of(OSCILLATOR, "rps")
    run = ModularEnumerator(system, EnumerationOptions(), jobs=2)
    try:
        run.first_pass()
        before = [len(r.reactions) for r in run.full]
        run.variant_pass(run.variants.add_new(run.full))
        assert run.passes == 2
        assert all(len(r.reactions) > n for r, n in zip(run.full, before, strict=True))
    finally:
        run.runner.close()
    with pytest.raises(EnumerationLimitError, match="still appearing after 1 passes"):
        enumerate_modular(system, max_passes=1)
