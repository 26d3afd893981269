import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsdcrn.compile.translate import available_schemes, compile_crn
from dsdcrn.errors import SchemeError
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.domains import parse_kernel, to_kernel


def test_kernel_round_trip():
    k = "b_A( c_A( a_B( + b_B( c_B( d_r1 + ) ) ) ) ) a_A*"
    strands, st = parse_kernel(k)
    assert strands == [
        ["b_A", "c_A", "a_B"],
        ["b_B", "c_B", "d_r1"],
        ["c_B*", "b_B*", "a_B*", "c_A*", "b_A*", "a_A*"],
    ]
    assert to_kernel(strands, st) == k


def test_soloveichik_join_gate_for_a_plus_b():
    s = compile_crn(parse_crn("A + B -> C\nA @initial 10"), "soloveichik2010")
    fuels = {c.name: c.kernel for c in s.fuels}
    assert fuels == {
        "r1_join": "b_A( c_A( a_B( + b_B( c_B( d_r1 + ) ) ) ) ) a_A*",
        "r1_buffer": "b_A c_A a_B",
        "r1_helper1": "a_C e_r1_1",
        "r1_fork": "d_r1( a_C( b_C c_C + e_r1_1( + ) ) ) c_B*",
    }
    assert [c.name for c in s.signals] == ["A", "B", "C"]
    assert s.complex("A").concentration_nM == 10
    assert s.complex("r1_join").concentration_nM == 1000
    assert s.signal_patterns["C"] == [None, "a_C", "b_C", "c_C"]


def test_forks_for_zero_one_two_products():
    s = compile_crn(parse_crn("A -> \nA -> B\nA -> B + C"), "soloveichik2010")
    names = [c.name for c in s.fuels]
    assert names == [
        "r1_gate",
        "r2_gate",
        "r2_helper1",
        "r2_fork",
        "r3_gate",
        "r3_helper1",
        "r3_helper2",
        "r3_fork",
    ]
    assert s.complex("r1_gate").kernel == "b_A( c_A( + ) ) a_A*"


PEPPERCORN = shutil.which("peppercorn") or str(Path(sys.executable).parent / "peppercorn")


def test_peppercorn_command_reads_the_pil_unchanged(tmp_path):
    s = compile_crn(parse_crn("A + B -> C\nA @initial 10\nB @initial 10"), "soloveichik2010")
    (tmp_path / "s.pil").write_text(s.to_pil())
    out = subprocess.run(
        [PEPPERCORN, "-c", "--reject-remote", str(tmp_path / "s.pil")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "# Condensed reactions (6)" in out


def test_unknown_scheme_and_user_scheme(tmp_path):
    assert "soloveichik2010" in available_schemes()
    crn = parse_crn("A -> B")
    with pytest.raises(SchemeError, match="unknown scheme 'nosuch'"):
        compile_crn(crn, "nosuch")
    mine = tmp_path / "mine.py"
    mine.write_text(
        "NAME = 'mine'\nREFERENCE = 'test'\nLENGTHS = {'toehold': 5, 'long': 12}\n"
        "MAX_REACTANTS = 1\n"
        "def signal(x, m):\n"
        "    m.domain('t_' + x, 'toehold'); m.domain('x_' + x, 'long')\n"
        "    m.complex(x, f't_{x} x_{x}'); return ['t_' + x, 'x_' + x]\n"
        "def reaction(i, rs, ps, m):\n"
        "    x = rs[0]; m.complex(f'g{i}', f'x_{x}( + ) t_{x}*')\n"
    )
    s = compile_crn(crn, str(mine))
    assert s.scheme == "mine" and s.complex("g1").kernel == "x_A( + ) t_A*"
    assert s.domains["t_A"].length == 5


@pytest.mark.parametrize(
    "text, words",
    [
        ("-> A\nf_r1 -> B", "'f_r1' is reserved for the CRN rewrite of reaction 1"),
        ("A -> A", "changes nothing"),
        ("r2_fork + A -> B", "reserved by scheme soloveichik2010"),
    ],
)
def test_what_the_scheme_cannot_build(text, words):
    with pytest.raises(SchemeError, match=words) as err:
        compile_crn(parse_crn(text, source="x.crn"), "soloveichik2010")
    assert str(err.value).startswith("x.crn:1: ")
