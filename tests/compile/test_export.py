"""Counts of a compiled circuit and its Visual DSD export."""

from __future__ import annotations

import re

from dsdcrn.compile.counts import count
from dsdcrn.compile.translate import compile_crn
from dsdcrn.compile.visualdsd import logic_dsd, to_visual_dsd
from dsdcrn.model.crn import parse_crn


def test_counts_add_up_over_distinct_strands():
    system = compile_crn(parse_crn("A + B -> C\nC -> A\nA @initial 10"), "soloveichik2010")
    c = count(system)
    strands = system.strands()
    length = {d.name: d.length for d in system.domains.values()}
    assert c.strands == len(strands)
    assert c.nucleotides == sum(length[d.rstrip("*")] for s in strands.values() for d in s)
    assert c.complexes == c.fuel_complexes + c.signal_complexes == len(system.complexes)
    assert c.domains == len(system.domains)
    assert [r["index"] for r in c.per_reaction] == [1, 2]
    assert c.per_reaction[0]["reaction"] == "A + B -> C"
    assert sum(r["fuels"] for r in c.per_reaction) == c.fuel_complexes
    assert c.to_json_dict()["nucleotides"] == c.nucleotides


def test_counts_table_has_a_row_per_reaction_and_a_total():
    c = count(compile_crn(parse_crn("A -> B\nB -> A"), "soloveichik2010"))
    rows = c.table().splitlines()
    assert len(rows) == 2 + 2 + 1
    assert rows[2].startswith("| 1 | `A -> B` |")
    assert (
        rows[-1] == f"| total | 2 reactions | {c.fuel_complexes} | {c.strands} | {c.nucleotides} |"
    )


def test_logic_dsd_labels_each_bond_once_and_marks_toeholds():
    text = logic_dsd([["t", "x"], ["x*", "t*"]], ["(", "(", "+", ")", ")"], {"t"})
    assert text == "<t^!2 x!1> | <x*!1 t^*!2>"
    assert logic_dsd([["a", "b"]], [".", "."], set()) == "<a b>"


def test_visual_dsd_defines_every_complex_with_its_concentration():
    system = compile_crn(parse_crn("A -> B\nA @initial 10"), "soloveichik2010", fuel_nM=500)
    dna = to_visual_dsd(system, final_s=60)
    assert "directive simulation { final = 60; plots = [A; B] }" in dna
    defs = re.findall(r"^def (\w+) = ", dna, flags=re.M)
    assert defs == [c.name for c in system.complexes]
    assert "10 A" in dna and "0 B" in dna
    assert all(f"500 {c.name}" in dna for c in system.fuels)
    for d in system.domains.values():
        assert f"(* domain {d.name}: {d.length} nt, {d.kind} *)" in dna
