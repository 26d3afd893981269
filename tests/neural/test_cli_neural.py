"""The ``neural``, ``train`` and ``noise`` parsers and commands, run in-process, and
:func:`dsdcrn.io.emit` that writes their text output."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from dsdcrn.cli import neural as cli
from dsdcrn.errors import DsdcrnError
from dsdcrn.io import emit
from dsdcrn.neural import kang_kim, nagipogu_reif


def _parser(register=cli.add_parsers) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dsdcrn")
    register(parser.add_subparsers(dest="command"))
    return parser


def test_add_parsers_registers_the_three_commands():
    parser = _parser()
    commands = {"neural": cli.cmd_neural, "train": cli.cmd_train, "noise": cli.cmd_noise}
    for name, func in commands.items():
        argv = {"neural": [name], "train": [name, "iris", "--model", "kang-kim"]}
        args = parser.parse_args(argv.get(name, [name, "iris"]))
        assert args.func is func


def test_neural_parser_defaults_and_checked_values():
    n = cli.add_neural_parser(argparse.ArgumentParser().add_subparsers())
    args = n.parse_args(["kang-kim", "--dim", "3", "--hidden", "4,2"])
    assert (args.builder, args.dim, args.hidden, args.outputs) == ("kang-kim", 3, (4, 2), 1)
    assert (args.theta, args.nonlinearity, args.gradient) == ("diagonal", "none", "first-order")
    assert (args.updates, args.phase, args.unit_nM, args.seed) == ("routed", "all", 10.0, 0)
    for bad in (["--dim", "0"], ["--theta", "upper"], ["--lr", "0"], ["--eta", "-1"]):
        with pytest.raises(SystemExit):
            n.parse_args(["nagipogu-reif", *bad])


def test_train_parser_leaves_model_defaults_to_the_model():
    t = cli.add_train_parser(argparse.ArgumentParser().add_subparsers())
    args = t.parse_args(["iris", "--model", "kang-kim", "--hidden", "7", "--t-sample", "30"])
    assert (args.task, args.model, args.hidden, args.t_sample) == ("iris", "kang-kim", (7,), 30.0)
    assert args.epochs is None and args.eta is None and args.updates is None
    assert (args.rate_noise, args.conc_noise, args.quiet, args.force) == (0.0, 0.0, False, False)
    with pytest.raises(SystemExit):
        t.parse_args(["iris"])  # --model is required


def test_noise_parser_parses_the_sigma_list():
    z = cli.add_noise_parser(argparse.ArgumentParser().add_subparsers())
    args = z.parse_args(["iris", "--sigmas", "0,0.1", "--jobs", "2"])
    assert (args.sigmas, args.jobs, args.repeats) == ((0.0, 0.1), 2, 1)
    assert args.models == "kang-kim,kang-kim-relu"
    with pytest.raises(SystemExit):
        z.parse_args(["iris", "--sigmas", "0,-0.1"])


def test_stderr_progress_writes_one_line_to_stderr(capsys):
    cli.stderr_progress("epoch 1/2: done")
    out, err = capsys.readouterr()
    assert (out, err) == ("", "epoch 1/2: done\n")


def test_emit_writes_the_file_and_reports_it(tmp_path, capsys):
    out = tmp_path / "sub" / "x.crn"
    emit("A -> B\n", str(out))
    assert out.read_text() == "A -> B\n"
    assert capsys.readouterr() == ("", f"wrote {out}\n")
    emit("C -> D\n", None)
    assert capsys.readouterr() == ("C -> D\n", "")
    assert [p.name for p in out.parent.iterdir()] == ["x.crn"]  # no temporary left


def test_cmd_neural_writes_the_builders_text(tmp_path, capsys):
    out = tmp_path / "kk.crn"
    args = _parser().parse_args(
        ["neural", "kang-kim", "--dim", "2", "--hidden", "2", "--eta", "0", "-o", str(out)]
    )
    args.func(args)
    assert out.read_text() == kang_kim.build((2, 2, 1), eta=0.0).to_text()
    assert "kang-kim-2-2-1:" in capsys.readouterr().err


def test_cmd_neural_prints_the_closed_form_and_the_phase(capsys):
    args = _parser().parse_args(
        ["neural", "nagipogu-reif", "--dim", "2", "--phase", "feedforward", "--h", "0.5"]
    )
    args.func(args)
    out, err = capsys.readouterr()
    assert out == nagipogu_reif.build(2, h=0.5).to_text(phase="feedforward")
    assert "closed form: 32 species, 59 reactions" in err


def test_cmd_neural_counts_table_has_a_row_per_dimension(capsys):
    args = _parser().parse_args(["neural", "nagipogu-reif", "--dim", "1", "--counts"])
    args.func(args)
    rows = capsys.readouterr().out.splitlines()
    assert [int(r.split()[0]) for r in rows[1:]] == list(cli.COUNT_DIMS)
    d2 = next(r for r in rows[1:] if r.split()[0] == "2").split()
    assert (int(d2[1]), int(d2[2])) == (32, 59)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["neural", "nagipogu-reif"], "--dim must be a positive integer"),
        (["neural", "hopfield", "--dim", "2"], "unknown neural CRN builder 'hopfield'"),
        (["train", "linear", "--model", "nagipogu-reif", "--updates", "direct"], "--updates"),
        (["noise", "iris", "--models", "kang-kim,perceptron"], "unknown model 'perceptron'"),
    ],
)
def test_commands_reject_bad_values_with_one_line(argv, words):
    args = _parser().parse_args(argv)
    with pytest.raises(DsdcrnError, match=words) as err:
        args.func(args)
    assert "\n" not in str(err.value)


def test_ints_and_floats_read_comma_separated_values():
    assert cli._ints("3, 4,", "--hidden") == (3, 4)
    assert cli._floats("0,0.5", "--sigmas") == (0.0, 0.5)
    with pytest.raises(DsdcrnError, match="--hidden is empty"):
        cli._ints(",", "--hidden")
    with pytest.raises(DsdcrnError, match="comma-separated numbers"):
        cli._floats("0,x", "--sigmas")


def test_cli_neural_does_not_import_the_main_cli():
    """No import cycle: cli.main imports cli.neural, never the other way round."""
    tree = ast.parse(Path(cli.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "dsdcrn.io" in imported
    assert not {m for m in imported if m and m.startswith("dsdcrn.cli")}
