"""Pathway decomposition and the integrated hybrid notion module by module: the same
verdicts as crnverifier on the whole implementation CRN, the groups, the cache."""

from __future__ import annotations

import pytest

from dsdcrn.cli.main import main
from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.modular import enumerate_modular
from dsdcrn.model.crn import parse_crn
from dsdcrn.neural import build
from dsdcrn.verify.modular_pathways import (
    PATHWAY_METHODS,
    module_groups,
    verify_pathways_modular,
)
from dsdcrn.verify.whole import verify

OSCILLATOR = "A + B -> 2B\nB + C -> 2C\nC + A -> 2A\n"
HOMO = "B -> A\nC -> A\nD -> A\n2A -> E\n"


@pytest.mark.parametrize("method", PATHWAY_METHODS)
@pytest.mark.parametrize(
    ("scheme", "text", "expected"),
    [
        ("soloveichik2010", OSCILLATOR, True),
        ("soloveichik2010", HOMO, True),
        ("srinivas2017", HOMO, True),  # compiled through a CRN rewrite
        ("qian2011_3D", OSCILLATOR, False),  # the published scheme's known flaw
    ],
)
def test_same_verdict_as_the_whole_implementation(scheme, text, expected, method):
    crn = parse_crn(text, name="t")
    mod = enumerate_modular(compile_crn(crn, scheme), copies=False)
    whole = verify(crn, mod.enumerated, (method,), counterexamples=False).results[0]
    modular = verify_pathways_modular(crn, mod, method)
    assert modular.verdict is whole.verdict is expected
    assert f"{len(crn.reactions)} modules" in modular.detail


@pytest.mark.parametrize("method", PATHWAY_METHODS)
def test_wrong_specification_names_the_reactions(method):
    impl = parse_crn("A + B -> C + D\nC -> A\n", name="impl")
    spec = parse_crn("A + B -> C\nC -> A\n", name="spec")
    mod = enumerate_modular(compile_crn(impl, "soloveichik2010"), copies=False)
    res = verify_pathways_modular(spec, mod, method)
    assert res.verdict is False
    assert res.counterexample == (
        "implemented but not in the formal CRN: A + B -> C + D; "
        "in the formal CRN but not implemented: A + B -> C"
    )


def test_groups_join_modules_that_share_a_consumed_species():
    crns = [
        [[["A"], ["i", "w"]], [["i"], ["B"]]],  # module 0: intermediate i, waste w
        [[["B"], ["j", "w"]], [["j"], ["C"]]],  # module 1: shares only the waste w
        [[["C", "i"], ["D"]]],  # module 2 consumes module 0's intermediate i
    ]
    assert module_groups(crns, {"A", "B", "C", "D"}) == [[0, 2], [1]]


def test_training_circuit_checked_once_per_distinct_module():
    """Nagipogu-Reif d = 2 with first-order training (59 formal reactions): every
    method modular, each distinct module once, the same verdict as the whole CRN."""
    net = build("nagipogu-reif", dim=2, gradient="first-order")
    crn = parse_crn(net.to_text(), name="nr2")
    mod = enumerate_modular(compile_crn(crn, "soloveichik2010"), copies=False)
    res = verify_pathways_modular(crn, mod, "pathway-decomposition")
    assert res.verdict is True
    distinct = int(res.detail.split(" distinct")[0].rsplit(" ", 1)[1])
    assert distinct < len(crn.reactions) == 59
    whole = verify(crn, mod.enumerated, ("pathway-decomposition",), counterexamples=False)
    assert whole.results[0].verdict is True


def test_time_out_gives_no_verdict():
    """The checks are queued behind a busy worker and not answered within 0.05 s."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    crn = parse_crn(OSCILLATOR, name="t")
    mod = enumerate_modular(compile_crn(crn, "soloveichik2010"), copies=False)
    with ThreadPoolExecutor(max_workers=1) as busy:
        busy.submit(time.sleep, 1.0)
        res = verify_pathways_modular(
            crn, mod, "pathway-decomposition", timeout_s=0.05, executor=busy
        )
    assert res.verdict is None and res.detail == "no answer within 0.05 s"


def test_verify_command_checks_every_method_modularly(tmp_path, capsys):
    crn = tmp_path / "rps.crn"
    crn.write_text(OSCILLATOR)
    main(["verify", str(crn), "--modular", "--enum-jobs", "1"])
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [
        "crn-bisimulation",
        "pathway-decomposition",
        "integrated-hybrid",
    ]
    assert all(": True (" in line and "3 modules" in line for line in out)
