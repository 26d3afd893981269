"""Modular verification's pieces: module problems, canonical keys, the cache's renamed
bisimulations, distinct checks, time-outs and progress."""

from __future__ import annotations

import logging
import time

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.modular import enumerate_modular
from dsdcrn.model.crn import parse_crn
from dsdcrn.verify.modular import (
    canonical_problem,
    distinct_problems,
    module_problems,
    renamed_bisimulation,
    verification_key,
    verify_modular,
)

TWIN = "A -> B\nC -> D\n"  # two modules of one shape
CHAIN = "A -> B\nB -> C\n"  # B shared between the modules


def modular(text: str):
    crn = parse_crn(text, name="t")
    return crn, enumerate_modular(compile_crn(crn, "soloveichik2010"), copies=False)


@pytest.fixture(scope="module")
def twin():
    return modular(TWIN)


def formal_of(crn, mod):
    return [[crn.reactions[i - 1] for i in m.index] for m in mod.modules]


def test_module_problems_without_shared_species(twin):
    crn, mod = twin
    problems = module_problems(mod, formal_of(crn, mod))
    assert [p[0] for p in problems] == [[[["A"], ["B"]]], [[["C"], ["D"]]]]
    for (fcrn, icrn, inter, formals, isc, fsc), species in zip(
        problems, mod.module_species, strict=True
    ):
        assert icrn and all(sorted(rs) != sorted(ps) for rs, ps in icrn)
        fuels = {s.name for s in mod.enumerated.by_role("fuel")}
        assert not {x for r in icrn for x in r[0] + r[1]} & fuels
        assert set(inter) <= species
        assert sorted(formals) == formals and set(fcrn[0][0] + fcrn[0][1]) <= set(formals)
        assert isc == [] and fsc == []  # nothing shared between the two modules


def test_module_problems_interface_of_a_shared_species():
    crn, mod = modular(CHAIN)
    problems = module_problems(mod, formal_of(crn, mod))
    for _, _, inter, _, isc, fsc in problems:
        assert fsc == ["B"]
        # the interface: B's signals (every history variant), nothing else
        assert isc and all(inter[s] == ["B"] for s in isc)
    assert [v.verdict for v in verify_modular(crn, mod)] == [True, True]


def test_canonical_keys_are_equal_for_modules_of_one_shape(twin):
    crn, mod = twin
    enum = mod.enumerated
    first, second = module_problems(mod, formal_of(crn, mod))
    key1, fmap1, imap1 = canonical_problem(first, enum)
    key2, fmap2, imap2 = canonical_problem(second, enum)
    assert key1 == key2
    assert fmap1 == {"A": "F1", "B": "F2"} and fmap2 == {"C": "F1", "D": "F2"}
    assert sorted(imap1.values()) == sorted(imap2.values())
    assert verification_key(first, enum) == key1
    chain_crn, chain = modular(CHAIN)
    other = module_problems(chain, formal_of(chain_crn, chain))[0]
    assert verification_key(other, chain.enumerated) != key1  # B is an interface there


def test_renamed_bisimulation_maps_species_and_formal_names():
    src = (None, {"A": "F1", "B": "F2"}, {"a1": "k1", "b1": "k2", "i1": "k3"})
    dst = (None, {"C": "F1", "D": "F2"}, {"c1": "k1", "d1": "k2", "j1": "k3"})
    bisim = {"a1": ["A"], "b1": ["B"], "i1": ["A", "B"]}
    assert renamed_bisimulation(bisim, src, dst) == {
        "c1": ["C"],
        "d1": ["D"],
        "j1": ["C", "D"],
    }


def test_cached_verdict_carries_the_renamed_bisimulation(twin):
    crn, mod = twin
    cached = verify_modular(crn, mod)
    direct = verify_modular(crn, mod, cache=False)
    assert [v.cached for v in cached] == [False, True]
    assert [v.cached for v in direct] == [False, False]
    assert cached[1].seconds == 0.0 and direct[1].seconds > 0
    assert [v.verdict for v in cached] == [v.verdict for v in direct] == [True, True]
    # the renamed bisimulation interprets module 2's own species as C and D
    inter = cached[1].interpretation
    assert inter and {f for v in inter.values() for f in v} <= {"C", "D"}
    assert inter == direct[1].interpretation
    assert [v.formal for v in cached] == [["A -> B"], ["C -> D"]]
    assert [v.index for v in cached] == [(1,), (2,)]


def test_distinct_problems_checks_each_key_once():
    keys = [("k1", {}, {}), None, ("k1", {}, {}), ("k2", {}, {}), None]
    todo, seen = distinct_problems(keys)
    assert todo == [0, 1, 3, 4]
    assert seen == {"k1": 0, "k2": 3}


def test_unanswered_modules_get_no_verdict(twin):
    """The check is queued behind a busy worker and not answered within 0.05 s."""
    from concurrent.futures import ThreadPoolExecutor

    crn, mod = twin
    with ThreadPoolExecutor(max_workers=1) as busy:
        busy.submit(time.sleep, 1.0)
        verdicts = verify_modular(crn, mod, timeout_s=0.05, executor=busy)
    assert [v.verdict for v in verdicts] == [None, None]
    assert verdicts[0].detail == "no answer within 0.05 s"
    assert verdicts[1].cached and verdicts[1].interpretation is None


def test_progress_is_logged_only_when_asked(twin):
    crn, mod = twin
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("dsdcrn.verify.modular")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        verify_modular(crn, mod)
        assert records == []
        verify_modular(crn, mod, progress=True)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    assert [r.getMessage() for r in records] == [
        "verifying 2 modules (1 distinct) by CRN bisimulation ..."
    ]


def test_distinct_checks_do_not_change_from_process_to_process(tmp_path):
    """Canonical keys never depend on the order of a set of strings (which changes with
    Python's hash seed): Kang-Kim 2-2-1 gave 29, 30 or 32 distinct checks from run to
    run before; the same number under two hash seeds now."""
    import os
    import re
    import subprocess
    import sys

    crn = tmp_path / "kk.crn"
    dsdcrn = [sys.executable, "-m", "dsdcrn"]
    subprocess.run([*dsdcrn, "neural", "kang-kim", "--dim", "2", "--hidden", "2",
                    "--outputs", "1", "-o", str(crn)], check=True, capture_output=True)  # fmt: skip
    counts = []
    for seed in ("1", "2"):
        r = subprocess.run(
            [*dsdcrn, "verify", str(crn), "--modular", "--methods", "crn-bisimulation"],
            capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed},
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        counts.append(int(re.search(r"(\d+) distinct checks", r.stdout + r.stderr).group(1)))
    assert counts[0] == counts[1] < 112
