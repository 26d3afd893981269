"""The pieces of compile_crn: declarations, the complex collector, scheme variants."""

from __future__ import annotations

import pytest

from dsdcrn.compile.rewrite import rewrite_crn
from dsdcrn.compile.translate import (
    ComplexCollector,
    Declarations,
    check_unique_names,
    check_variant,
    compile_crn,
    declare_reactions,
    declare_signals,
    load_scheme,
)
from dsdcrn.errors import SchemeError
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.domains import Complex


def decl(**variant) -> Declarations:
    return Declarations(
        {"toehold": 5, "long": 12, "clamp": 2}, kinds={"clamp": "long"}, variant=variant
    )


def test_declarations_record_domains_and_complexes():
    d = decl()
    assert d.domain("t", "toehold") == "t"
    d.domain("c", "clamp")
    d.complex("X", "t x", "signal")
    assert d.domains["t"].length == 5 and d.domains["t"].kind == "toehold"
    assert d.domains["c"].length == 2 and d.domains["c"].kind == "long"  # DESIGN_KINDS
    assert d.parts == [("X", "t x", "signal")]
    with pytest.raises(SchemeError, match="unknown kind 'huge'"):
        d.domain("h", "huge")


def test_check_variant_accepts_only_the_schemes_options():
    chen = load_scheme("chen2013_2D")
    assert check_variant(chen, None) == {}
    assert check_variant(chen, {"corrected": True}) == {"corrected": True}
    with pytest.raises(SchemeError, match="no variant option 'CORRECTED'.*corrected"):
        check_variant(chen, {"CORRECTED": True})
    with pytest.raises(SchemeError, match=r"its options: none"):
        check_variant(load_scheme("soloveichik2010"), {"corrected": True})


def test_variant_is_a_parameter_not_a_global():
    crn = parse_crn("A -> B")
    fixed = {c.name for c in compile_crn(crn, "chen2013_2D", variant={"corrected": True}).fuels}
    plain = {c.name for c in compile_crn(crn, "chen2013_2D").fuels}
    assert {"r1_buffer1", "r1_forkbuffer"} <= fixed - plain
    # the scheme module is unchanged: compiling again without a variant is as published
    assert {c.name for c in compile_crn(crn, "chen2013_2D").fuels} == plain
    assert not hasattr(load_scheme("chen2013_2D"), "CORRECTED")
    two = compile_crn(crn, "cardelli2013_2D", variant={"three_domain": False})
    assert "r1_fuel" in {c.name for c in two.fuels}
    assert "r1_commit" in {c.name for c in compile_crn(crn, "cardelli2013_2D").fuels}


def test_collector_sets_concentrations_by_role():
    col = ComplexCollector("s", {"A": 7.0}, fuel_nM=300.0)
    d = decl()
    d.domain("a", "long")
    d.complex("A", "a")
    col.add(d, "signal", formal="A")
    g = decl()
    g.domain("a", "long")
    g.complex("g1", "a( + )", "gate")
    col.add(g, "fuel", index=1)
    assert [(c.name, c.role, c.concentration_nM) for c in col.complexes] == [
        ("A", "signal", 7.0),
        ("g1", "fuel", 300.0),
    ]
    assert col.complexes[1].reaction == 1 and col.complexes[1].part == "gate"
    assert col.module_fuels == {1: ["g1"]}


def test_collector_keeps_one_copy_of_a_shared_fuel_used_by_both_reactions():
    col = ComplexCollector("s", {}, fuel_nM=100.0)
    for i in (1, 2):
        d = decl()
        d.domain("h", "long")
        d.complex(f"r{i}_helper", "h")
        d.complex(f"r{i}_gate{i}", "h*" + " h*" * i)
        col.add(d, "fuel", index=i)
    assert [c.name for c in col.complexes] == ["r1_helper", "r1_gate1", "r2_gate2"]
    assert col.module_fuels == {1: ["r1_helper", "r1_gate1"], 2: ["r1_helper", "r2_gate2"]}


def test_collector_refuses_undeclared_and_conflicting_domains():
    col = ComplexCollector("mine", {}, 100.0)
    d = decl()
    d.complex("X", "x")
    with pytest.raises(SchemeError, match="scheme mine: complex X uses undeclared 'x'"):
        col.add(d, "signal", formal="X")
    d1, d2 = decl(), decl()
    d1.domain("x", "long")
    d2.domain("x", "toehold")
    col.add(d1, "signal")
    with pytest.raises(SchemeError, match="declares domain 'x' twice, differently"):
        col.add(d2, "signal")


def test_declare_signals_and_reactions_follow_the_rewritten_crn():
    scheme = load_scheme("soloveichik2010")
    rewrite = rewrite_crn(parse_crn("-> A\nA + B -> C"), scheme)
    col = ComplexCollector(scheme.NAME, {}, 1000.0)
    patterns = declare_signals(scheme, rewrite, decl, col)
    assert list(patterns) == rewrite.crn.species == ["f_r1", "A", "B", "C"]
    (f,) = [c for c in col.complexes if c.name == "f_r1"]
    assert f.role == "fuel" and f.reaction == 1  # the rewrite's fuel species
    assert {c.name for c in col.complexes if c.role == "signal"} == {"A", "B", "C"}
    declare_reactions(scheme, rewrite, decl, col)
    gates = {c.reaction for c in col.complexes if c.role == "fuel"}
    assert gates == {1, 2}
    assert col.module_fuels[1][0] == "f_r1"


def test_check_unique_names():
    a = Complex("X", [["x"]], ["."], "signal", 0.0)
    check_unique_names([a, Complex("Y", [["y"]], ["."], "fuel", 1.0)], "s")
    with pytest.raises(SchemeError, match="scheme s names two complexes 'X'"):
        check_unique_names([a, a], "s")


def test_a_user_scheme_with_variants(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text(
        "NAME = 'mine'\nREFERENCE = 'test'\nLENGTHS = {'toehold': 5, 'long': 12}\n"
        "MAX_REACTANTS = 1\nVARIANTS = {'long_gate': 'a longer gate'}\n"
        "def signal(x, m):\n"
        "    m.domain('t_' + x, 'toehold'); m.domain('x_' + x, 'long')\n"
        "    m.complex(x, f't_{x} x_{x}'); return ['t_' + x, 'x_' + x]\n"
        "def reaction(i, rs, ps, m):\n"
        "    x = rs[0]; extra = ' t_' + x if m.variant.get('long_gate') else ''\n"
        "    m.complex(f'g{i}', f'x_{x}( + ) t_{x}*' + extra)\n"
    )
    crn = parse_crn("A -> B")
    assert compile_crn(crn, str(mine)).complex("g1").kernel == "x_A( + ) t_A*"
    longer = compile_crn(crn, str(mine), variant={"long_gate": True})
    assert longer.complex("g1").kernel == "x_A( + ) t_A* t_A"
