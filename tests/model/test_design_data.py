"""Tests for dsdcrn.model.design: the plain data of sequence design."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.design import DesignProblem, DomainSpec, SequenceDesign, jsonable


def _design(**extra) -> SequenceDesign:
    return SequenceDesign(
        domains={"t": "ACTCCA", "x": "ACCTTACAT"},
        strands={"S": "ACTCCAACCTTACAT"},
        toehold_dG={"t": np.float64(7.6)},
        toehold_ends={"t": "A[ACTCCA]C"},
        toehold_dG_range={"t": (7.1, 8.2)},
        complex_checks=[],
        strand_checks=[],
        max_shared_kmer_found=np.int64(4),
        seed=3,
        **extra,
    )


def test_domain_spec_is_frozen_and_compares_by_value() -> None:
    d = DomainSpec("x", 15, "long")
    assert d == DomainSpec("x", 15, "long") and d != DomainSpec("x", 14, "long")
    assert {d, DomainSpec("x", 15, "long")} == {d}
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.length = 3  # type: ignore[misc]


def test_compiled_systems_hold_the_same_domain_class() -> None:
    system = compile_crn(parse_crn("A -> B\n"), "soloveichik2010")
    assert system.domains
    assert all(type(d) is DomainSpec for d in system.domains.values())
    assert {d.kind for d in system.domains.values()} == {"toehold", "long"}


def test_strand_concentrations_sum_over_complexes() -> None:
    problem = DesignProblem(
        [DomainSpec("x", 10, "long")],
        {"S": ["x"], "T": ["x*"], "U": ["x"]},
        {"S": (["S"], "."), "ST": (["S", "T"], "( + )"), "U": (["U"], ".")},
        {"S": 10.0, "ST": 100.0},
    )
    assert problem.strand_concentrations_nM() == {"S": 110.0, "T": 100.0, "U": 0.0}
    assert DesignProblem([], {"S": ["x"]}, {}).strand_concentrations_nM() == {"S": 0.0}


def test_json_dict_has_python_scalars_lists_and_no_timings() -> None:
    design = _design(timings={"repair_s": 0.5}, search={"steps": np.int32(2)})
    out = design.to_json_dict()
    assert "timings" not in out and design.timings == {"repair_s": 0.5}
    assert out["toehold_dG_range"] == {"t": [7.1, 8.2]}
    assert type(out["toehold_dG"]["t"]) is float and type(out["max_shared_kmer_found"]) is int
    assert type(out["search"]["steps"]) is int
    assert json.loads(json.dumps(out)) == out


def test_jsonable_converts_keys_tuples_and_numpy_scalars_only() -> None:
    assert jsonable({1: (np.float32(0.5), [np.bool_(True)])}) == {"1": [0.5, [True]]}
    arr = np.arange(3)
    assert jsonable(arr) is arr  # arrays are left alone (never in a design)
    assert jsonable("x") == "x" and jsonable(None) is None


def test_text_renderings() -> None:
    design = _design()
    assert design.domains_text() == "t ACTCCA\nx ACCTTACAT\n"
    assert design.strands_fasta() == ">S\nACTCCAACCTTACAT\n"


def test_module_imports_no_numerics() -> None:
    code = (
        "import sys, dsdcrn.model.design; "
        "print(any(m in sys.modules for m in ('numpy', 'RNA', 'stickydesign')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
