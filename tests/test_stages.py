"""The shared enumerate + verify stage: modular and whole-system give the same answers."""

from __future__ import annotations

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.kinetics.fidelity import simulate_fidelity
from dsdcrn.model.crn import parse_crn
from dsdcrn.options import CheckOptions
from dsdcrn.stages import enumerate_and_verify

NET = "A + B -> C\nC -> A + D\nA @initial 10\nB @initial 8\n"


@pytest.fixture(scope="module")
def both():
    crn = parse_crn(NET, name="net")
    system = compile_crn(crn, "soloveichik2010")
    whole = enumerate_and_verify(crn, system, CheckOptions(methods=("crn-bisimulation",)))
    opts = CheckOptions(methods=("crn-bisimulation",), modular=True, jobs=1, module_copies=True)
    modular = enumerate_and_verify(crn, system, opts)
    return crn, whole, modular


def test_modular_verdict_and_interpretation_equal_the_whole_systems(both):
    _, whole, modular = both
    assert whole.verification.verdict is True and modular.verification.verdict is True
    assert modular.verification.results[0].detail.startswith("modular (Johnson, Dong & Winfree")
    assert [v.verdict for v in modular.module_verdicts] == [True, True]
    fuels = {s.name for s in whole.enumerated.by_role("fuel")}
    wi = {k: v for k, v in whole.verification.full_interpretation.items() if k not in fuels}
    mi = modular.verification.full_interpretation
    assert set(whole.enumerated.species) - fuels == set(wi)
    assert {k: sorted(v) for k, v in wi.items()} == {k: sorted(mi[k]) for k in wi}


def test_modular_kinetics_equal_the_whole_systems(both):
    crn, whole, modular = both
    fw = simulate_fidelity(crn, whole.enumerated, whole.verification.full_interpretation)
    fm = simulate_fidelity(crn, modular.enumerated, modular.verification.full_interpretation)
    assert fw.max_rel_error == pytest.approx(fm.max_rel_error, rel=1e-6, abs=1e-9)
    assert [r.effective for r in fw.rates] == pytest.approx([r.effective for r in fm.rates])


def test_a_wrong_spec_fails_modularly_with_the_module_named():
    crn = parse_crn(NET, name="net")
    system = compile_crn(crn, "soloveichik2010")
    wrong = parse_crn("A + B -> C\nC -> A\n")
    opts = CheckOptions(methods=("crn-bisimulation",), modular=True, jobs=1)
    checked = enumerate_and_verify(crn, system, opts, spec=wrong)
    r = checked.verification.results[0]
    assert r.verdict is False and checked.verification.verdict is False
    assert "reaction 2 (C -> A)" in r.counterexample


def test_modular_stages_report_their_jobs():
    crn = parse_crn(NET, name="net")
    system = compile_crn(crn, "soloveichik2010")
    seen = []
    opts = CheckOptions(methods=("crn-bisimulation",), modular=True, jobs=1, shape_cache=False)
    enumerate_and_verify(crn, system, opts, on_progress=lambda *a: seen.append(a))
    enum = [(d, n) for what, d, n in seen if what == "modular enumeration"]
    checks = [(d, n) for what, d, n in seen if what == "modular verification"]
    assert enum and enum[0][0] == 1 and all(d <= n for d, n in enum)
    assert (2, 2) in enum  # two modules, two shapes without the cache
    assert checks == [(1, 2), (2, 2)]
