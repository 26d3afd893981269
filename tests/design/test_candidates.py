"""Best of N on the rock-paper-scissors oscillator, and the ``dsdcrn design`` command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.design.candidates import best_of, candidate_seeds
from dsdcrn.design.scores import DIMER_DG_THRESHOLD, base_strands
from dsdcrn.model.crn import parse_crn
from dsdcrn.pipeline import design_problem

OSCILLATOR = "A + B -> 2B\nB + C -> 2C\nC + A -> 2A\nA @initial 10\nB @initial 10\nC @initial 10\n"


@pytest.fixture(scope="module")
def system():
    return compile_crn(parse_crn(OSCILLATOR, name="rps"), "soloveichik2010")


@pytest.fixture(scope="module")
def problem(system):
    return design_problem(system)


@pytest.fixture(scope="module")
def best(problem):
    return best_of(problem, n=4, seed=0, jobs=2)


@pytest.mark.slow
def test_oscillator_winner_meets_the_acceptance_criteria(problem, best) -> None:
    assert len(best.candidates) == 4
    w = best.winner
    # every toehold within the deviation of the target
    toeholds = [d.name for d in problem.domains if d.kind == "toehold"]
    assert sorted(w.design.toehold_dG) == sorted(toeholds)
    assert all(abs(g - 7.7) <= 0.5 for g in w.design.toehold_dG.values())
    # every intended complex (all of them, up to 4 strands here) under 5 % ensemble defect
    rows = w.scores.complexes
    assert len(rows) == len(problem.complexes) and not any(r["skipped"] for r in rows)
    assert max(r["ensemble_defect"] for r in rows) < 0.05
    assert max(c["ensemble_defect"] for c in w.design.complex_checks) < 0.05
    # no two distinct strands bind below the threshold except intended partners (a domain
    # of one complemented in the other): every other pair is folded, gate base strands
    # included (in their duplex: the nucleotides they pair in their gate are blocked)
    names = list(problem.strands)

    def partners(a: str, b: str) -> bool:
        comp = {t.rstrip("*") + ("" if t.endswith("*") else "*") for t in problem.strands[a]}
        return bool(comp & set(problem.strands[b]))

    expected = {(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if not partners(a, b)}
    distinct = {
        (p["strand_a"], p["strand_b"]): p for p in w.scores.pairs if p["strand_a"] != p["strand_b"]
    }
    assert set(distinct) == expected and len(expected) > 300
    bases = base_strands(problem)
    assert {s for pair in distinct for s in pair} == set(names)
    assert sum(p["base"] for p in distinct.values()) == sum(
        a in bases or b in bases for a, b in expected
    )
    assert all(
        p["bind_dG_mfe"] is None or p["bind_dG_mfe"] >= DIMER_DG_THRESHOLD
        for p in distinct.values()
    )
    assert w.scores.spurious_dimers() == [] and w.scores.metrics["Spurious dimers"] == 0
    # the winner misses no more items of the specification than any other candidate
    assert best.ranking.feasible[best.ranking.winner]
    assert best.misses[best.ranking.winner] == min(best.misses)
    assert w.scores.metrics["Yield min"] > 99.0
    # the ranking table has one row per candidate and marks the winner
    rows = list(csv.DictReader(best.scores_csv().splitlines()))
    assert [int(r["winner"]) for r in rows].count(1) == 1
    assert int(rows[best.ranking.winner]["winner"]) == 1
    assert [int(r["spec_misses"]) for r in rows] == best.misses
    assert [int(r["meets_spec"]) for r in rows] == [int(m == 0) for m in best.misses]


@pytest.mark.slow
def test_same_winner_whatever_the_number_of_cores(problem, best) -> None:
    serial = best_of(problem, n=4, seed=0, jobs=1)
    assert serial.ranking.winner == best.ranking.winner
    assert [c.seed for c in serial.candidates] == candidate_seeds(0, 4)
    for a, b in zip(serial.candidates, best.candidates, strict=True):
        assert a.design.strands == b.design.strands
        assert a.scores.metrics == b.scores.metrics
    assert serial.scores_csv() == best.scores_csv()
    # candidate i's seed does not depend on how many candidates are made
    assert candidate_seeds(0, 2) == candidate_seeds(0, 4)[:2]


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "dsdcrn", *args], capture_output=True, text=True, cwd=cwd
    )


def test_design_command_on_a_pil_writes_an_order_ready_folder(tmp_path, system) -> None:
    (tmp_path / "rps.pil").write_text(system.to_pil())
    r = _run("design", "rps.pil", "--candidates", "1", "--seed", "2", "-o", "seqs", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "seqs"
    assert {p.name for p in out.iterdir()} == {
        "system.pil",
        "domains.txt",
        "strands.fasta",
        "complexes.txt",
        "order.csv",
        "sequence_checks.json",
        "scores.json",
        "scores.md",
        "candidates.csv",
    }
    fasta = (out / "strands.fasta").read_text().split()
    seqs = dict(zip((n[1:] for n in fasta[::2]), fasta[1::2], strict=True))
    order = list(csv.DictReader((out / "order.csv").read_text().splitlines()))
    assert [r["name"] for r in order] == list(seqs) and len(order) == 30
    for i, row in enumerate(order):
        assert row["sequence"] == seqs[row["name"]] and int(row["length"]) == len(row["sequence"])
        assert row["plate"] == "plate 1" and row["well"] == "ABCDEFGH"[i % 8] + str(i // 8 + 1)
    # each complex: header, sequence and structure of equal shape
    blocks = [b.splitlines() for b in (out / "complexes.txt").read_text().split("\n\n")[1:] if b]
    assert len(blocks) == len(system.complexes)
    for header, seq, structure in blocks:
        assert header.startswith("# ")
        assert [len(x) for x in seq.split("+")] == [len(x) for x in structure.split("+")]
        assert structure.count("(") == structure.count(")")
    scores = json.loads((out / "scores.json").read_text())
    assert scores["candidate"] == 0 and "TSI max" in scores["metrics"]
    assert "| BN% max |" in (out / "scores.md").read_text()


@pytest.mark.parametrize(
    "text, extra, words",
    [
        ("length a = 6\nX = a b\n", [], "bad.pil:2: domain 'b' has no length"),
        ("length a = 6\nX = a( +\n", [], "bad.pil:2: unbalanced '('"),
        (
            "length a = 6\nlength b = 15\nX = b a\n",
            ["--toehold-dG", "20"],
            "toehold constraint infeasible: no 6-nt toehold reaches -20.00",
        ),
    ],
)
def test_design_command_bad_input_is_one_line(tmp_path, text, extra, words) -> None:
    (tmp_path / "bad.pil").write_text(text)
    r = _run("design", "bad.pil", "--candidates", "1", "-o", "out", *extra, cwd=tmp_path)
    assert r.returncode == 2
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("dsdcrn: error: ") and words in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pil"]


def test_best_of_reports_each_candidate_done() -> None:
    from dsdcrn.pipeline import design_problem

    problem = design_problem(compile_crn(parse_crn("A -> B\n"), "soloveichik2010"))
    seen = []
    out = best_of(problem, n=2, seed=1, progress=lambda *a: seen.append(a))
    assert len(out.candidates) == 2
    assert seen == [("design candidates", 1, 2), ("design candidates", 2, 2)]
