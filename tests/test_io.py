"""Never lose a user's files: output folders, signals, locks, umask, verdict exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dsdcrn.errors import DsdcrnError
from dsdcrn.io import check_output_folder, claim_folder, write_folder

AB = "A + B -> C\nA @initial 10\nB @initial 10\n"


def run(*args, cwd, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "dsdcrn", *args], capture_output=True, text=True, cwd=cwd, **kwargs
    )


def one_line_error(r, words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("dsdcrn: error: ") and words in err, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project folder with an input CRN, notes and a subfolder."""
    proj = tmp_path / "proj"
    (proj / "data").mkdir(parents=True)
    (proj / "ab.crn").write_text(AB)
    (proj / "notes.txt").write_text("my notes\n")
    (proj / "data" / "x.csv").write_text("1,2\n")
    return proj


def test_design_into_the_parent_of_the_working_folder_deletes_nothing(project):
    before = snapshot(project.parent)
    for target in ("..", "../proj", "."):
        r = run("design", "ab.crn", "-o", target, cwd=project)
        one_line_error(r, "is the working folder or contains it")
        assert snapshot(project.parent) == before
    r = run("build", "ab.crn", "-o", ".", "-q", "--force", cwd=project)
    one_line_error(r, "is the working folder or contains it")
    assert snapshot(project.parent) == before


@pytest.mark.parametrize("command", ["build", "design", "train"])
def test_a_folder_with_other_files_is_refused_even_with_force(project, command):
    target = project / "data"
    before = snapshot(project)
    args = ["train", "linear", "--model", "nagipogu-reif"] if command == "train" else [command]
    if command != "train":
        args.append("ab.crn")
    r = run(*args, "-o", "data", "--force", cwd=project)
    one_line_error(r, "holds files dsdcrn did not write (x.csv)")
    assert snapshot(project) == before and target.is_dir()


def test_a_file_at_o_is_refused_and_left_alone(project):
    before = snapshot(project)
    r = run("build", "ab.crn", "-o", "notes.txt", "-q", cwd=project)
    one_line_error(r, "notes.txt: is a file, not a folder")
    assert snapshot(project) == before  # no hidden .out.old.* either


def test_output_checks_come_before_any_work(project):
    t0 = time.monotonic()
    r = run("build", "-o", "/proc/dsdcrn-test/out", "-q", cwd=project)  # the 2.5 min default
    one_line_error(r, "cannot write in /proc")
    r = run("default", "-o", "data", cwd=project)
    one_line_error(r, "data: is a folder")
    r = run("compile", "ab.crn", "-o", "ab.crn", cwd=project)
    one_line_error(r, "is an input of this command")
    r = run("simulate", "ab.crn", "--sbml", "ab.crn", cwd=project)  # the SBML export too
    one_line_error(r, "is an input of this command")
    assert time.monotonic() - t0 < 60  # each refusal came before compiling anything
    assert (project / "ab.crn").read_text() == AB


def test_replacing_an_earlier_output_needs_force_and_swaps_atomically(tmp_path):
    out = tmp_path / "run"
    write_folder({"result.json": "1\n"}, out)
    with pytest.raises(DsdcrnError, match="pass --force to replace it"):
        write_folder({"result.json": "2\n"}, out)
    assert (out / "result.json").read_text() == "1\n"
    write_folder({"result.json": "2\n", "curve.csv": "x\n"}, out, force=True)
    assert snapshot(out) == {"curve.csv": b"x\n", "result.json": b"2\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # nothing hidden kept


def test_a_failing_writer_leaves_the_old_folder_and_nothing_else(tmp_path):
    out = tmp_path / "run"
    write_folder({"result.json": "1\n"}, out)

    def fail(tmp: Path) -> None:
        (tmp / "curve.png").write_bytes(b"half")
        raise RuntimeError("plot failed")

    with pytest.raises(RuntimeError):
        write_folder({"result.json": "2\n"}, out, fail, force=True)
    assert snapshot(out) == {"result.json": b"1\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_an_empty_folder_and_new_parents_are_fine_and_a_failed_claim_removes_parents(tmp_path):
    (tmp_path / "empty").mkdir()
    assert check_output_folder(tmp_path / "empty") == tmp_path / "empty"
    with pytest.raises(RuntimeError), claim_folder(tmp_path / "a" / "b" / "out"):
        assert (tmp_path / "a" / "b").is_dir()
        raise RuntimeError("the run failed")
    assert not (tmp_path / "a").exists()


def test_a_second_run_on_the_same_folder_is_refused(project):
    with claim_folder(project / "out"):
        r = run("build", "ab.crn", "-o", "out", "-q", cwd=project)
        one_line_error(r, "another dsdcrn run (pid")
    assert not (project / "out").exists()
    assert not list(project.glob(".out*"))  # the lock file went with the claim


_WRITER = textwrap.dedent(
    """
    import os, sys
    from dsdcrn.io import write_atomic, write_folder
    write_atomic(sys.argv[1] + "/file.crn", "A -> B\\n")
    write_folder({"result.json": "{}\\n"}, sys.argv[1] + "/run")
    """
)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_follow_the_umask(tmp_path, umask):
    subprocess.run(
        [sys.executable, "-c", _WRITER, str(tmp_path)],
        check=True,
        preexec_fn=lambda: os.umask(umask),
    )
    mode = lambda p: p.stat().st_mode & 0o777  # noqa: E731
    assert mode(tmp_path / "file.crn") == 0o666 & ~umask
    assert mode(tmp_path / "run") == 0o777 & ~umask
    assert mode(tmp_path / "run" / "result.json") == 0o666 & ~umask


def _terminated_build(cwd: Path, when: str, sig: int = signal.SIGTERM) -> tuple[int, str]:
    """Run ``dsdcrn build`` and send ``sig`` once its progress shows ``when``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsdcrn", "build", "ab.crn", "-o", "out", "--seed", "1"],
        cwd=cwd,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if when in line:
            time.sleep(0.3)
            proc.send_signal(sig)
            break
    rest = proc.stderr.read()
    proc.wait(timeout=120)
    return proc.returncode, "".join(seen) + rest


@pytest.mark.parametrize(
    "when, sig",
    [
        ("[dsdcrn] enumerate ...", signal.SIGTERM),
        ("[dsdcrn] design ...", signal.SIGTERM),
        ("[dsdcrn] verify ...", signal.SIGHUP),
    ],
)
def test_a_signal_mid_build_leaves_no_hidden_or_partial_folder(project, when, sig):
    before = snapshot(project)
    code, err = _terminated_build(project, when, sig)
    assert code == 128 + sig, err
    assert err.strip().splitlines()[-1].startswith(f"dsdcrn: stopped by {sig.name}"), err
    assert snapshot(project) == before  # no out/, no .out.new-*, no lock file


def test_a_signal_while_the_folder_is_written_leaves_nothing(tmp_path):
    """The third point: SIGTERM inside write_folder, between files."""
    script = textwrap.dedent(
        """
        import os, signal, sys, time
        from dsdcrn.cli.main import main
        from dsdcrn.io import install_signal_handlers, write_folder
        install_signal_handlers()
        def extra(tmp):
            (tmp / "curve.csv").write_text("partial")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        try:
            write_folder({"result.json": "{}"}, sys.argv[1] + "/run", extra)
        except KeyboardInterrupt as err:
            sys.exit(128 + err.signum)
        """
    )
    r = subprocess.run([sys.executable, "-c", script, str(tmp_path)], timeout=60)
    assert r.returncode == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_an_incorrect_build_exits_1_with_the_failure_first_and_no_order_sheet(tmp_path):
    (tmp_path / "ab.crn").write_text("A -> B\nA @initial 10\n")
    r = run("build", "ab.crn", "--scheme", "qian2011_3D", "-o", "out", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "RuntimeWarning" not in r.stderr
    out = tmp_path / "out"
    report = (out / "report.md").read_text().splitlines()
    assert report[2].startswith("**INCORRECT: this DSD implementation is not a proven")
    assert any("counterexample" in x or "->" in x for x in report[4:8]), report[:10]
    assert not (out / "order.csv").exists() and not (out / "strands.fasta").exists()
    assert json.loads((out / "verification.json").read_text())["verdict"] is False
    r = run(
        "build", "ab.crn", "--scheme", "qian2011_3D", "-o", "out", "-q", "--force",
        "--order-anyway", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 1 and "Warning" not in r.stderr and "Traceback" not in r.stderr
    assert (out / "order.csv").exists()
    assert "do not order them expecting a correct circuit" in (out / "report.md").read_text()


@pytest.mark.parametrize("cache", [True, False])
def test_build_modular_verifies_modularly_with_its_options(tmp_path, cache):
    (tmp_path / "ab.crn").write_text(AB + "D + E -> F\nD @initial 5\nE @initial 5\n")
    args = ["build", "ab.crn", "--modular", "--enum-jobs", "1", "--methods", "crn-bisimulation"]
    args += ["--candidates", "1"]  # the design is not under test here
    r = run(*args, *([] if cache else ["--no-shape-cache"]), "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # two reactions of one gate shape: enumerated once with the cache, twice without
    assert ("1 shapes enumerated, 1 from the cache" in r.stderr) == cache, r.stderr
    assert ("2 shapes enumerated, 0 from the cache" in r.stderr) != cache, r.stderr
    v = json.loads((tmp_path / "out" / "verification.json").read_text())
    assert v["verdict"] is True
    assert v["methods"][0]["detail"].startswith("modular (Johnson, Dong & Winfree 2019): 2 mod")
    k = json.loads((tmp_path / "out" / "kinetics.json").read_text())
    assert k["max_rel_error"] < 0.1  # every species interpreted: kinetics as whole-system


def test_simulate_modular_is_modular(tmp_path):
    (tmp_path / "ab.crn").write_text(AB)
    r = run("simulate", "ab.crn", "--modular", "--enum-jobs", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "verifying 1 modules" in r.stderr and "max relative error" in r.stdout


def test_compare_with_an_unknown_scheme_stops_before_any_work(tmp_path):
    (tmp_path / "ab.crn").write_text(AB)
    r = run("compare", "ab.crn", "--schemes", "soloveichik2010,nosuch", cwd=tmp_path)
    one_line_error(r, "unknown scheme 'nosuch'")
    assert r.stdout == ""


def test_a_symbolic_link_at_o_is_refused_and_its_target_kept(tmp_path):
    target = tmp_path / "real"
    write_folder({"result.json": "1\n"}, target)
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(DsdcrnError, match="is a symbolic link"):
        write_folder({"result.json": "2\n"}, tmp_path / "link", force=True)
    assert snapshot(target) == {"result.json": b"1\n"}
