"""Input validation at the edge: bad files and bad numbers are one line, exit 2, no output."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsdcrn import validate
from dsdcrn.cli.main import main, parser
from dsdcrn.errors import CRNParseError, EnumerationLimitError
from dsdcrn.model.crn import MAX_COEFFICIENT, parse_crn, read_crn
from dsdcrn.processes import ChildError

ROOT = Path(__file__).resolve().parents[1]
AB = "A + B -> C\nA @initial 10\nB @initial 10\n"


def fails(capsys, argv: list[str], *words: str) -> str:
    """Run the CLI in-process; assert exit 2 and one ``dsdcrn: error:`` line with ``words``."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("dsdcrn: error: "), err
    for w in words:
        assert w in err, err
    return err


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- 1. text files: strict UTF-8, binary files refused --------------------------------

BAD_BYTES = [
    (b"A -> B\nC + \xff\xfeD -> E\n", ":2:5: not UTF-8 text: byte 0xff"),
    (b"A -> B\n# caf\xe9\n", ":2:6: not UTF-8 text"),
    (b"A -> B\x00\x01\x02", ":1:7: a binary file, not a CRN"),
    (b"\xff\xfeA\x00 \x00-\x00>\x00", ":1:1: not UTF-8 text: UTF-16"),
]


@pytest.mark.parametrize("data, words", BAD_BYTES)
def test_bad_crn_file_is_one_line_naming_the_line(tmp_path, capsys, data, words):
    (tmp_path / "bad.crn").write_bytes(data)
    out = tmp_path / "out.pil"
    fails(capsys, ["compile", str(tmp_path / "bad.crn"), "-o", str(out)], "bad.crn" + words)
    assert files(tmp_path) == ["bad.crn"]


@pytest.mark.parametrize("data, words", BAD_BYTES[:3:2])
def test_bad_init_and_spec_files(tmp_path, capsys, data, words):
    (tmp_path / "ab.crn").write_text(AB)
    (tmp_path / "bad.crn").write_bytes(data)
    ab, bad = str(tmp_path / "ab.crn"), str(tmp_path / "bad.crn")
    fails(capsys, ["count", ab, "--init", bad], "bad.crn" + words)
    out = tmp_path / "v.json"
    fails(capsys, ["verify", ab, "--spec", bad, "-o", str(out)], "bad.crn" + words)
    assert files(tmp_path) == ["ab.crn", "bad.crn"]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"length a = 6\nX = a \xc3(\n", "bad.pil:2:7: not UTF-8 text"),
        (b"length a = 6\n\x00\x00", "bad.pil:2:1: a binary file, not a PIL file"),
    ],
)
def test_bad_pil_input_to_design(tmp_path, capsys, data, words):
    (tmp_path / "bad.pil").write_bytes(data)
    out = tmp_path / "seqs"
    fails(capsys, ["design", str(tmp_path / "bad.pil"), "-o", str(out)], words)
    assert files(tmp_path) == ["bad.pil"]


def test_utf8_with_bom_and_non_ascii_comment_read_fine(tmp_path):
    path = tmp_path / "ok.crn"
    path.write_bytes("\ufeffA -> B  # µ, naïve\nA @initial 2 µM\n".encode())
    crn = read_crn(path)
    assert [str(r) for r in crn.reactions] == ["A -> B [k = 1]"]
    assert crn.initial == {"A": 2000.0}


def test_missing_file_is_one_line(tmp_path, capsys):
    fails(capsys, ["count", str(tmp_path / "nope.crn")], "nope.crn: cannot read file")


# --- 2. numbers in a CRN file ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, where, words",
    [
        ("A -> B [k = 0]", "1:8", "rate constant must be a finite number > 0, got '0'"),
        ("A -> B [k = 1e-400]", "1:8", "finite number > 0, got '1e-400'"),
        ("A -> B [k = 1e400]", "1:8", "finite number > 0, got '1e400'"),
        ("A <=> B [kf = 1, kr = 0.0]", "1:9", "got '0.0'"),
        ("A -> B\nA @initial 1e400", "2:1", "not a finite number <= 1 M"),
        ("A -> B\nA @initial 1e400 pM", "2:1", "not a finite number <= 1 M"),
        ("A -> B\nA @initial 2 M", "2:1", "concentration 2 M of A"),
        ("99999999999999999999A -> B", "1:1", f"above the maximum of {MAX_COEFFICIENT}"),
        ("A -> 100000B", "1:6", "stoichiometric coefficient 100000 is above the maximum"),
        ("B + 11A -> C", "1:5", "coefficient 11 is above"),
        ("6A + 5A -> B", "1:6", f"A appears more than {MAX_COEFFICIENT} times"),
    ],
)
def test_bad_numbers_in_crn_refused_with_position(text, where, words):
    with pytest.raises(CRNParseError) as e:
        parse_crn(text + "\n", source="net.crn")
    assert str(e.value).startswith(f"net.crn:{where}: "), str(e.value)
    assert words in str(e.value)


def test_limits_themselves_are_accepted():
    crn = parse_crn(f"{MAX_COEFFICIENT}A -> B [k = 1e-9]\nA @initial 1 M\n")
    assert crn.reactions[0].reactants == ("A",) * MAX_COEFFICIENT
    assert crn.reactions[0].rate == 1e-9
    assert crn.initial == {"A": 1e9}


def test_huge_coefficient_is_refused_fast_by_the_cli(tmp_path, capsys):
    (tmp_path / "big.crn").write_text("100000A -> B\n")
    t0 = time.perf_counter()
    fails(capsys, ["count", str(tmp_path / "big.crn")], "big.crn:1:1: stoichiometric")
    assert time.perf_counter() - t0 < 2


def test_readme_states_the_coefficient_limit():
    readme = (ROOT / "README.md").read_text()
    assert f"at most\n{MAX_COEFFICIENT} times" in readme or f"at most {MAX_COEFFICIENT} times" in (
        readme.replace("\n", " ")
    )


# --- 3. command-line numbers ----------------------------------------------------------

BAD_OPTIONS = [
    (["compile", "{crn}", "--fuel-nM", "nan"], "--fuel-nM", "finite number > 0, got 'nan'"),
    (["compile", "{crn}", "--fuel-nM", "inf"], "--fuel-nM", "got 'inf'"),
    (["compile", "{crn}", "--fuel-nM", "-5"], "--fuel-nM", "got '-5'"),
    (["default", "--unit-nM", "0"], "--unit-nM", "> 0, got '0'"),
    (["simulate", "{crn}", "--unit-nM", "0"], "--unit-nM", "> 0"),
    (["simulate", "{crn}", "--duration", "nan"], "--duration", "> 0"),
    (["simulate", "{crn}", "--verify-timeout", "0"], "--verify-timeout", "> 0"),
    (["enumerate", "{crn}", "--max-complexes", "0"], "--max-complexes", "integer >= 1"),
    (["enumerate", "{crn}", "--max-reactions", "1.5"], "--max-reactions", "integer >= 1"),
    (["enumerate", "{crn}", "--max-complex-size", "0"], "--max-complex-size", ">= 1"),
    (["enumerate", "{crn}", "--release-cutoff", "-1"], "--release-cutoff", ">= 1"),
    (["enumerate", "{crn}", "--enum-timeout", "0"], "--enum-timeout", "> 0"),
    (["enumerate", "{crn}", "--enum-jobs", "0"], "--enum-jobs", ">= 1"),
    (["verify", "{crn}", "--verify-timeout", "-1"], "--verify-timeout", "> 0"),
    (["design", "{crn}", "--seed", "-1"], "--seed", "integer >= 0"),
    (["design", "{crn}", "--toehold-dG", "0"], "--toehold-dG", "> 0"),
    (["design", "{crn}", "--toehold-dev", "nan"], "--toehold-dev", "> 0"),
    (["design", "{crn}", "--toehold-maxspurious", "1.5"], "--toehold-maxspurious", "x <= 1"),
    (["design", "{crn}", "--toehold-maxspurious", "0"], "--toehold-maxspurious", "0 < x"),
    (["design", "{crn}", "--salt-M", "0"], "--salt-M", "> 0"),
    (["design", "{crn}", "--candidates", "0"], "--candidates", ">= 1"),
    (["design", "{crn}", "--jobs", "0"], "--jobs", ">= 1"),
    (["design", "{crn}", "--toehold-max-nt", "3"], "--toehold-max-nt", "integer >= 4"),
    (["design", "{crn}", "--weight", "TSI max=nan"], "--weight", "got 'nan'"),
    (["build", "{crn}", "--duration", "0"], "--duration", "> 0"),
    (["neural", "kang-kim", "--dim", "0"], "--dim", ">= 1"),
    (["neural", "kang-kim", "--dim", "2", "--outputs", "0"], "--outputs", ">= 1"),
    (["neural", "kang-kim", "--dim", "2", "--eta", "-1"], "--eta", ">= 0"),
    (["neural", "kang-kim", "--dim", "2", "--h", "nan"], "--h", ">= 0"),
    (["neural", "nagipogu-reif", "--dim", "1", "--lr", "0"], "--lr", "> 0"),
    (["neural", "nagipogu-reif", "--dim", "1", "--unit-nM", "0"], "--unit-nM", "> 0"),
    (["neural", "nagipogu-reif", "--dim", "1", "--seed", "-2"], "--seed", ">= 0"),
    (["train", "xor", "--model", "kang-kim", "--epochs", "0"], "--epochs", ">= 1"),
    (["train", "xor", "--model", "kang-kim", "--n-train", "0"], "--n-train", ">= 1"),
    (["train", "xor", "--model", "kang-kim", "--t-sample", "0"], "--t-sample", "> 0"),
    (["train", "xor", "--model", "kang-kim", "--T", "inf"], "--T", "> 0"),
    (["train", "xor", "--model", "kang-kim", "--rate-noise", "-0.1"], "--rate-noise", ">= 0"),
    (["train", "xor", "--model", "kang-kim", "--conc-noise", "nan"], "--conc-noise", ">= 0"),
    (["train", "xor", "--model", "kang-kim", "--max-seconds", "0"], "--max-seconds", "> 0"),
    (["train", "xor", "--model", "kang-kim", "--hidden", "0"], "--hidden", ">= 1"),
    (["noise", "xor", "--sigmas", "0,nan"], "--sigmas", "got 'nan' in '0,nan'"),
    (["noise", "xor", "--sigmas", "0,-0.1"], "--sigmas", ">= 0"),
    (["noise", "xor", "--repeats", "0"], "--repeats", ">= 1"),
    (["noise", "xor", "--jobs", "0"], "--jobs", ">= 1"),
]


@pytest.mark.parametrize("argv, flag, words", BAD_OPTIONS)
def test_bad_numeric_option_is_a_usage_error(tmp_path, capsys, argv, flag, words):
    (tmp_path / "ab.crn").write_text(AB)
    out = tmp_path / "out"
    argv = [a.replace("{crn}", str(tmp_path / "ab.crn")) for a in argv] + ["-o", str(out)]
    err = fails(capsys, argv, f"argument {flag}: must be", words)
    assert err.endswith("--help)")
    assert files(tmp_path) == ["ab.crn"]


def _numeric_actions():
    """(subcommand, action) for every option of every subcommand."""
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.option_strings and not isinstance(action, argparse._HelpAction):
                yield name, action


def test_every_numeric_option_has_a_checking_type():
    bare = [
        (name, a.option_strings[-1])
        for name, a in _numeric_actions()
        if a.type in (int, float)
        or (a.type is None and isinstance(a.default, int | float) and a.default is not False)
    ]
    assert bare == []
    checked = {(n, a.option_strings[-1]) for n, a in _numeric_actions() if a.type is not None}
    assert ("noise", "--sigmas") in checked and ("build", "--fuel-nM") in checked


def test_numeric_type_callables():
    assert validate.positive_float(" 2.5 ") == 2.5
    assert validate.nonnegative_float("0") == 0.0
    assert validate.temperature_C("37") == 37.0
    assert validate.fraction("1") == 1.0
    assert validate.positive_int("3") == 3
    assert validate.nonnegative_int("0") == 0
    assert validate.int_at_least(4)("4") == 4
    assert validate.positive_int_list("20, 10") == (20, 10)
    assert validate.nonnegative_float_list("0,0.05") == (0.0, 0.05)
    for func, text, words in [
        (validate.positive_float, "nan", "must be a finite number > 0, got 'nan'"),
        (validate.positive_float, "abc", "got 'abc'"),
        (validate.nonnegative_float, "-inf", ">= 0, got '-inf'"),
        (validate.temperature_C, "120", "in [0, 95] °C, got '120'"),
        (validate.positive_int, "1e3", "must be an integer >= 1, got '1e3'"),
        (validate.nonnegative_int, "-1", ">= 0"),
        (validate.positive_int_list, "", "comma-separated integers >= 1"),
        (validate.weight_item, "TSI max", "must be METRIC=W, got 'TSI max'"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError) as e:
            func(text)
        assert words in str(e.value)


def test_peppercorn_failure_without_message_names_the_exception(monkeypatch):
    from dsdcrn.compile.translate import compile_crn
    from dsdcrn.enumerate import peppercorn as enumeration

    def boom(*args, **kwargs):
        raise ChildError("RecursionError", "")

    monkeypatch.setattr(enumeration, "run_isolated", boom)
    crn = parse_crn("A -> B\n")
    with pytest.raises(EnumerationLimitError, match=r"^peppercorn failed: RecursionError$"):
        enumeration.enumerate_system(compile_crn(crn, "soloveichik2010"))


# --- 4. scheme lookup: built-in names win over files in the working folder -----------


def _count_line(capsys, argv) -> str:
    main(argv)
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_builtin_scheme_name_wins_over_a_file_or_folder_of_that_name(tmp_path, capsys, monkeypatch):
    (tmp_path / "ab.crn").write_text(AB)
    monkeypatch.chdir(tmp_path)
    want_srinivas = _count_line(capsys, ["count", "ab.crn", "--scheme", "srinivas2017"])
    want_default = _count_line(capsys, ["count", "ab.crn"])
    assert want_srinivas != want_default
    (tmp_path / "srinivas2017").mkdir()
    (tmp_path / "soloveichik2010").write_text("raise SystemExit('not a scheme')\n")
    assert _count_line(capsys, ["count", "ab.crn", "--scheme", "srinivas2017"]) == want_srinivas
    assert _count_line(capsys, ["count", "ab.crn"]) == want_default
    fails(capsys, ["count", "ab.crn", "--scheme", "./srinivas2017"], "is not a file")
    fails(capsys, ["count", "ab.crn", "--scheme", "nosuch.py"], "'nosuch.py' does not exist")
    fails(capsys, ["count", "ab.crn", "--scheme", "nosuch"], "unknown scheme 'nosuch'")


def test_scheme_files_are_loaded_by_path_and_kept_apart(tmp_path, capsys, monkeypatch):
    from dsdcrn.compile.translate import load_scheme

    (tmp_path / "ab.crn").write_text(AB)
    for folder, name in [("one", "X_ONE"), ("two", "X_TWO")]:
        (tmp_path / folder).mkdir()
        text = (ROOT / "translations" / "srinivas2017.py").read_text()
        (tmp_path / folder / "mine.py").write_text(text + f"\nNAME = {name!r}\n")
    monkeypatch.chdir(tmp_path / "one")
    assert load_scheme("mine.py").NAME == "X_ONE"
    assert load_scheme(str(tmp_path / "two" / "mine.py")).NAME == "X_TWO"
    want = _count_line(capsys, ["count", "../ab.crn", "--scheme", "srinivas2017"])
    assert _count_line(capsys, ["count", "../ab.crn", "--scheme", "mine.py"]) == want


def test_readme_warns_that_a_scheme_file_is_code():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "A scheme file is Python code and runs with your rights" in readme


# --- 5. neural layer sizes are checked before --dim -----------------------------------


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["neural", "kang-kim", "--hidden", "abc"], "--hidden"),
        (["neural", "kang-kim", "--hidden", "5,0"], "--hidden"),
        (["neural", "kang-kim", "--layers", "2,x,1"], "--layers"),
    ],
)
def test_neural_layer_sizes_named_before_dim(tmp_path, capsys, argv, flag):
    out = tmp_path / "n.crn"
    err = fails(capsys, [*argv, "-o", str(out)], f"argument {flag}: ", "integers >= 1")
    assert "--dim" not in err
    assert not out.exists()


def test_neural_eta_zero_is_allowed(capsys):
    main(["neural", "kang-kim", "--dim", "1", "--hidden", "1", "--eta", "0"])
    assert "@initial" in capsys.readouterr().out


# --- real processes ----------------------------------------------------------------------


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "dsdcrn", *args], capture_output=True, text=True, cwd=cwd
    )


def test_subprocess_binary_crn_file(tmp_path):
    shutil.copy(sys.executable, tmp_path / "prog.crn")
    r = run("compile", "prog.crn", "-o", "out.pil", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("dsdcrn: error: prog.crn:") and len(r.stderr.splitlines()) == 1
    assert "a binary file, not a CRN" in r.stderr or "not UTF-8 text" in r.stderr
    assert "Traceback" not in r.stderr
    assert files(tmp_path) == ["prog.crn"]


def test_subprocess_nan_fuel(tmp_path):
    (tmp_path / "ab.crn").write_text(AB)
    r = run("compile", "ab.crn", "--fuel-nM", "nan", "-o", "out.pil", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (
        "dsdcrn: error: argument --fuel-nM: must be a finite number > 0, got 'nan' "
        "(see dsdcrn compile --help)\n"
    )
    assert files(tmp_path) == ["ab.crn"]


@pytest.mark.parametrize(
    "line, words",
    [
        ("X = a b @initial 1e400 nM", "concentration of 'X' must be finite and at most 1 M"),
        ("X = a b @initial 2 M", "concentration of 'X' must be finite and at most 1 M"),
        ("length c = 99999999", "domain 'c' must be 1 to 200 nt long, got 99999999"),
    ],
)
def test_bad_numbers_in_a_pil_file(tmp_path, capsys, line, words):
    (tmp_path / "s.pil").write_text(f"length a = 6\nlength b = 15\n{line}\n")
    fails(capsys, ["design", str(tmp_path / "s.pil"), "-o", str(tmp_path / "out")], words)
    assert files(tmp_path) == ["s.pil"]


def test_a_neural_crn_with_learning_off_compiles(tmp_path, capsys):
    """eta = 0 switches training off: those reactions are left out, not written at k = 0."""
    out = tmp_path / "n.crn"
    main(["neural", "kang-kim", "--dim", "2", "--eta", "0", "-o", str(out)])
    text = out.read_text()
    assert "[k = 0]" not in text and "reaction(s) of rate 0 left out" in text
    crn = read_crn(out)
    assert crn.reactions and all(r.rate > 0 for r in crn.reactions)
    main(["count", str(out)])
    assert "strands" in capsys.readouterr().out
