"""Counterexamples: the formal basis against the formal CRN, and irregular pathways."""

from __future__ import annotations

from dsdcrn.verify.counterexample import (
    basis_diff,
    format_reaction,
    irregular_pathway,
    reaction_key,
)

# A -> i; i -> B + j; B + j -> k; k -> A, and j decays: the released B is taken back.
IRREGULAR = [[["A"], ["i"]], [["i"], ["B", "j"]], [["B", "j"], ["k"]], [["k"], ["A"]], [["j"], []]]


def test_reaction_key_and_format():
    assert reaction_key(["B", "A"], ("C",)) == (("A", "B"), ("C",))
    assert reaction_key(["B", "A"], []) == reaction_key(("A", "B"), ())
    assert format_reaction((("A", "B"), ("C", "C"))) == "A + B -> C + C"
    assert format_reaction(((), ())) == "∅ -> ∅"


def test_basis_diff_names_what_is_implemented_and_what_is_missing():
    fcrn = [[["A"], ["B"]]]
    icrn = [[["A"], ["i"]], [["i"], ["C"]]]
    got = basis_diff(fcrn, icrn, {"A", "B", "C"}, set())
    assert got == (
        "implemented but not in the formal CRN: A -> C | "
        "in the formal CRN but not implemented: A -> B"
    )


def test_basis_diff_with_an_equal_basis_and_a_waste():
    fcrn = [[["A"], ["B"]]]
    icrn = [[["A"], ["i"]], [["i"], ["B", "W"]]]
    assert basis_diff(fcrn, icrn, {"A", "B"}, {"W"}) == "formal basis equals the formal CRN"
    only_missing = basis_diff([[["A"], ["B"]], [["B"], ["A"]]], icrn, {"A", "B"}, {"W"})
    assert only_missing == "in the formal CRN but not implemented: B -> A"


def test_irregular_pathway_releases_a_formal_species_and_takes_it_back():
    path = irregular_pathway(IRREGULAR, {"A", "B"})
    assert path == "A -> i; i -> B + j; B + j -> k; k -> A (releases B and takes it back)"
    # four steps are needed: with at most three there is none
    assert irregular_pathway(IRREGULAR, {"A", "B"}, max_steps=3) is None
    assert irregular_pathway(IRREGULAR, {"A", "B"}, max_states=1) is None


def test_irregular_pathway_ignores_a_reactant_that_only_unbinds():
    # A + g <=> i: A goes back in without anything having released it
    icrn = [[["A"], ["i"]], [["i"], ["A"]], [["i"], ["B"]]]
    assert irregular_pathway(icrn, {"A", "B"}) is None


def test_basis_diff_shows_the_irregular_pathway():
    got = basis_diff([[["A"], ["B"]]], IRREGULAR, {"A", "B"}, set(), (IRREGULAR, {"A", "B"}, set()))
    assert got.startswith("the implementation has no formal basis: ")
    assert "not regular" in got
    assert got.endswith(
        "e.g. the pathway A -> i; i -> B + j; B + j -> k; k -> A (releases B and takes it back)"
    )
    # without the raw implementation no pathway is searched for
    assert "e.g." not in basis_diff([[["A"], ["B"]]], IRREGULAR, {"A", "B"}, set())
