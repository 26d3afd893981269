import pytest

from dsdcrn.errors import CRNParseError
from dsdcrn.model.crn import Reaction, drop_species, parse_crn, physical_rate, read_crn


def test_syntax_of_nuskell_and_crnverifier():
    crn = parse_crn(
        "# comment\n"
        "A + B -> C [k = 2.5]\n"
        "2A -> B   # trailing comment\n"
        "C <=> D [kf = 1, kr = 3e-2]\n"
        "-> A; A ->\n"
        "A @initial 10\n"
        "D @constant 2 uM\n"
    )
    assert crn.reactions == [
        Reaction(("A", "B"), ("C",), 2.5),
        Reaction(("A", "A"), ("B",), 1.0),
        Reaction(("C",), ("D",), 1.0),
        Reaction(("D",), ("C",), 0.03),
        Reaction((), ("A",), 1.0),
        Reaction(("A",), (), 1.0),
    ]
    assert crn.initial == {"A": 10.0, "D": 2000.0}
    assert crn.constant == {"D"}
    assert crn.reactions[2].line == 4


def test_round_trip_through_text():
    crn = parse_crn("A + 2B -> C [k = 3]\nC <=> A [1, 2]\nA @initial 5\n")
    again = parse_crn(crn.to_text())
    assert again.reactions == crn.reactions
    assert again.initial == crn.initial


@pytest.mark.parametrize(
    "line, col, words",
    [
        ("A + -> B", 5, "bad species term"),
        ("A B -> C", 1, "bad species term"),
        ("A -> B [k = fast]", 8, "not a number"),
        ("A => B", 1, "no '->' or '<=>'"),
        ("A <=> B [k = 1]", 9, "unknown rate name"),
        ("A -> B [1, 2]", 8, "'->' takes one rate"),
        ("A @initial lots", 1, "expected 'NAME @initial VALUE"),
        ("A @initial 3 furlongs", 1, "unknown unit"),
        ("0A -> B", 1, "coefficient of 0"),
    ],
)
def test_malformed_line_names_file_line_and_column(line, col, words):
    with pytest.raises(CRNParseError) as err:
        parse_crn(f"A -> B\n{line}\n", source="net.crn")
    msg = str(err.value)
    assert msg.startswith(f"net.crn:2:{col}: ")
    assert words in msg
    assert "\n" not in msg


def test_separate_initial_file(tmp_path):
    (tmp_path / "n.crn").write_text("A -> B\n")
    (tmp_path / "n.init").write_text("A @initial 0.5 uM\n")
    crn = read_crn(tmp_path / "n.crn", tmp_path / "n.init")
    assert crn.initial == {"A": 500.0}
    assert crn.name == "n"


def test_physical_rate_uses_formal_unit():
    assert physical_rate(Reaction(("A", "B"), ("C",), 1.0), unit_nM=10) == pytest.approx(1e8)
    assert physical_rate(Reaction(("A",), ("C",), 2.0), unit_nM=10) == 2.0


def test_drop_species_removes_them_then_the_reactions_that_change_nothing():
    reactions = [
        (("A", "F"), ("B", "F")),  # A -> B once the fuel F is dropped
        (("F",), ("W",)),  # -> (nothing left on either side)
        (("B", "G"), ("G", "B")),  # B -> B
        (("A", "A"), ("A", "W")),  # 2A -> A
    ]
    assert drop_species(reactions, {"F", "W", "G"}) == [[["A"], ["B"]], [["A", "A"], ["A"]]]


def test_drop_species_keeps_order_and_multiplicity_and_drops_nothing_by_default():
    reactions = [(("B", "A"), ("C", "C")), ((), ("A",))]
    assert drop_species(reactions, set()) == [[["B", "A"], ["C", "C"]], [[], ["A"]]]
    # a reaction that already changes nothing goes
    assert drop_species([(("A", "B"), ("B", "A"))], set()) == []


def test_drop_species_takes_formal_reactions():
    crn = parse_crn("f + A -> f + B\nf -> f\nA -> 2B")
    pairs = ((r.reactants, r.products) for r in crn.reactions)
    assert drop_species(pairs, {"f"}) == [[["A"], ["B"]], [["A"], ["B", "B"]]]


def test_species_in_order_of_first_appearance_and_text_output():
    crn = parse_crn("B + A -> C\nD @constant 2\nE @initial 1", source="n.crn")
    assert crn.species == ["A", "B", "C", "D", "E"]
    assert crn.as_lists() == [[["A", "B"], ["C"]]]
    assert crn.where(crn.reactions[0]) == "n.crn:1"
    text = crn.to_text()
    assert "A + B -> C [k = 1]" in text
    assert "D @constant 2 nM" in text and "E @initial 1 nM" in text
    r = crn.reactions[0]
    assert r.arity == (2, 1) and r.species == {"A", "B", "C"}


@pytest.mark.parametrize(
    "line, words",
    [
        ("11A -> B", "above the maximum of 10"),
        ("6A + 5A -> B", "more than 10 times"),
        ("A @initial 2 M", "not a finite number <= 1 M"),
        ("A -> B [k = 0]", "finite number > 0"),
        ("A -> B [k = 1", "unclosed '\\['"),
    ],
)
def test_limits_are_refused_with_the_line(line, words):
    with pytest.raises(CRNParseError, match=words) as err:
        parse_crn(line, source="x.crn")
    assert str(err.value).startswith("x.crn:1:")


def test_an_initial_file_holds_no_reactions(tmp_path):
    (tmp_path / "n.crn").write_text("A -> B\n")
    (tmp_path / "n.init").write_text("A -> C\n")
    with pytest.raises(CRNParseError, match="holds no reactions"):
        read_crn(tmp_path / "n.crn", tmp_path / "n.init")
