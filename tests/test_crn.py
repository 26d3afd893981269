import pytest

from dsdcrn.crn import Reaction, parse_crn, physical_rate, read_crn
from dsdcrn.errors import CRNParseError


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
