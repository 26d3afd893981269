"""Reading domain-level PIL: each statement kind, strand naming, and errors."""

from __future__ import annotations

import pytest

from dsdcrn.design.pil import (
    PilComplex,
    name_strands,
    parse_complex,
    parse_concentration,
    parse_domain,
    parse_pil,
    read_pil,
)
from dsdcrn.errors import DesignError

W = "f.pil:3"


def test_parse_domain_statements() -> None:
    assert parse_domain("length a = 6", W) == ("a", 6)
    assert parse_domain("domain b = 15", W) == ("b", 15)
    assert parse_domain("sequence c = ACGTNN", W) == ("c", 6)
    assert parse_domain("X = a b", W) is None
    with pytest.raises(DesignError, match=r"^f.pil:3: domain 'a' must be 1 to 200 nt long"):
        parse_domain("length a = 201", W)


@pytest.mark.parametrize(
    ("rest", "conc", "kernel"),
    [
        ("a b", 0.0, "a b"),
        ("a b @initial 10 nM", 10.0, "a b"),
        ("a( b ) @constant 1 uM", 1000.0, "a( b )"),
        ("a @i 2 mM", 2e6, "a"),
        ("a @c 5e2 pM", 0.5, "a"),
        ("a @initial 3", 3.0, "a"),  # nM by default
    ],
)
def test_parse_concentration(rest: str, conc: float, kernel: str) -> None:
    got, text = parse_concentration(rest, "X", W)
    assert got == pytest.approx(conc) and text == kernel


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        ("a @initial 2 M", "must be finite and at most 1 M"),
        ("a @initial 1e400 nM", "must be finite and at most 1 M"),
        ("a @initial ten nM", "bad concentration '@initial ten nM'"),
    ],
)
def test_parse_concentration_errors(rest: str, message: str) -> None:
    with pytest.raises(DesignError, match=f"^{W}: .*{message}"):
        parse_concentration(rest, "X", W)


def test_parse_complex() -> None:
    cx = parse_complex("complex G = a( b( + ) ) @initial 1 uM", W, 3)
    assert cx == PilComplex("G", [["a", "b"], ["b*", "a*"]], ["(", "(", "+", ")", ")"], 1e3, 3)
    assert parse_complex("X = b a", W, 3).strands == [["b", "a"]]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("strand s = a b", "'strand' statements are not supported"),
        ("reaction r = X -> Y", "'reaction' statements are not supported"),
        ("X a b", "expected 'length NAME = N' or 'NAME = kernel'"),
        ("X = @initial 1 nM", "complex 'X' has no domains"),
        ("X = a( b", "unbalanced"),
        ("X = a + + b", "complex 'X' has an empty strand"),
    ],
)
def test_parse_complex_errors(line: str, message: str) -> None:
    with pytest.raises(DesignError, match=f"^{W}: .*{message}"):
        parse_complex(line, W, 3)


def test_name_strands_after_their_first_complex() -> None:
    complexes = [
        PilComplex("X", [["b", "a"]], [".", "."], 10.0, 1),
        PilComplex("G", [["a", "b"], ["b*", "a*"]], ["(", "(", "+", ")", ")"], 0.0, 2),
        PilComplex("H", [["b*", "a*"], ["b", "a"]], [".", ".", "+", ".", "."], 0.0, 3),
    ]
    strands, cx, concs = name_strands(complexes, {"a": 6, "b": 15}, "f.pil")
    assert strands == {"X": ["b", "a"], "G_s1": ["a", "b"], "G_s2": ["b*", "a*"]}
    assert cx["H"] == (["G_s2", "X"], ". . + . .")  # known strands keep their names
    assert cx["G"] == (["G_s1", "G_s2"], "( ( + ) )")
    assert concs == {"X": 10.0, "G": 0.0, "H": 0.0}
    with pytest.raises(DesignError, match=r"^f.pil:1: domain 'c' has no length"):
        name_strands([PilComplex("Y", [["c*"]], ["."], 0.0, 1)], {}, "f.pil")


def test_name_strands_avoids_a_taken_name() -> None:
    complexes = [
        PilComplex("G_s1", [["b"]], ["."], 0.0, 1),
        PilComplex("G", [["a"], ["a*"]], ["(", "+", ")"], 0.0, 2),
    ]
    strands, cx, _ = name_strands(complexes, {"a": 6, "b": 15}, "f.pil")
    assert list(strands) == ["G_s1", "G_s1_1", "G_s2"]
    assert cx["G"][0] == ["G_s1_1", "G_s2"]


def test_parse_pil_whole_file() -> None:
    text = (
        "# a gate\n"
        "length a = 6   # toehold\n"
        "length b = 15\n"
        "length unused = 20\n"
        "X = b a @initial 10 nM\n"
        "G = a( b( + ) ) @constant 1 uM\n"
    )
    problem = parse_pil(text, "g.pil")
    kinds = {d.name: (d.length, d.kind) for d in problem.domains}
    assert kinds == {"a": (6, "toehold"), "b": (15, "long")}  # unused domains dropped
    assert problem.strands == {"X": ["b", "a"], "G_s1": ["a", "b"], "G_s2": ["b*", "a*"]}
    assert problem.concentrations_nM == {"X": 10.0, "G": 1000.0}
    assert parse_pil(text, toehold_max_nt=5).domains[0].kind == "long"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# nothing\n", "^g.pil: no complexes$"),
        ("length a = 6\nlength a = 7\n", "^g.pil:2: domain 'a' defined again with 7 nt"),
        ("length a* = 6\n", "^g.pil:1: "),
        ("length a = 6\nX = a\nX = a*\n", "^g.pil:3: complex 'X' is defined twice"),
        ("length a = 6\nX = a b\n", "^g.pil:2: domain 'b' has no length"),
    ],
)
def test_parse_pil_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        parse_pil(text, "g.pil")


def test_read_pil(tmp_path) -> None:
    path = tmp_path / "c.pil"
    path.write_text("length a = 6\nlength b = 15\nX = b a\n", encoding="utf-8")
    assert read_pil(path).strands == {"X": ["b", "a"]}
    path.write_bytes(b"\xff\xfe bad")
    with pytest.raises(DesignError, match="c.pil"):
        read_pil(path)
