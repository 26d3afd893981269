"""Domain-level systems: kernel notation, strands, the rewrite's notes and PIL output."""

from __future__ import annotations

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.errors import SchemeError
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.domains import base, complement, parse_kernel, to_kernel


@pytest.mark.parametrize("kernel", ["a( b + ) c*", "a b c", "x( y( + z + ) )"])
def test_kernel_strings_survive_a_round_trip(kernel):
    strands, structure = parse_kernel(kernel)
    assert to_kernel(strands, structure) == kernel
    assert len(structure) == sum(len(s) for s in strands) + len(strands) - 1


def test_a_closing_bracket_is_the_complement_of_its_opening_domain():
    strands, structure = parse_kernel("a( b* + ) c")
    assert strands == [["a", "b*"], ["a*", "c"]]
    assert structure == ["(", ".", "+", ")", "."]


@pytest.mark.parametrize(
    "kernel, words", [("a( b", "unbalanced '\\('"), ("a )", "unbalanced '\\)'")]
)
def test_unbalanced_kernels_are_scheme_errors(kernel, words):
    with pytest.raises(SchemeError, match=words):
        parse_kernel(kernel)


def test_complement_and_base():
    assert complement("x") == "x*" and complement("x*") == "x"
    assert base("x*") == "x" and base("x") == "x"


def test_rewrite_notes_derive_from_the_rewrite():
    plain = compile_crn(parse_crn("A -> B"), "soloveichik2010")
    assert plain.rewrite is None and plain.rewrite_notes == []
    rewritten = compile_crn(parse_crn("-> A"), "soloveichik2010")
    notes = rewritten.rewrite_notes
    assert notes == rewritten.rewrite.to_comment(prefix="").splitlines()
    assert notes[0].startswith("CRN rewrite")
    assert "  f_r1 (fuel) -> nothing" in notes
    pil = rewritten.to_pil()
    assert all(f"# rewrite: {n}" in pil for n in notes)
    assert "# rewrite:" not in plain.to_pil()


def test_strands_are_distinct_and_named_after_their_first_complex():
    system = compile_crn(parse_crn("A + B -> C"), "soloveichik2010")
    strands = system.strands()
    assert len({tuple(s) for s in strands.values()}) == len(strands)
    assert strands["A"] == system.complex("A").strands[0]
    names = system.strand_names()
    assert all(names[tuple(s)] == n for n, s in strands.items())
    # a multi-stranded complex names its strands _s1, _s2, ...
    assert "r1_join_s1" in strands


def test_pil_lists_domains_signals_and_fuels_with_concentrations():
    system = compile_crn(parse_crn("A -> B\nA @initial 5"), "soloveichik2010", fuel_nM=200)
    pil = system.to_pil()
    lengths = [line for line in pil.splitlines() if line.startswith("length ")]
    assert lengths == [f"length {d.name} = {d.length}" for d in system.domains.values()]
    assert "A = " in pil and "@initial 5 nM" in pil
    assert "@initial 0 nM" in pil  # B has no initial concentration
    fuels = pil.split("# Fuels (held in excess)")[1]
    assert all("@initial 200 nM" in line for line in fuels.splitlines() if " = " in line)
