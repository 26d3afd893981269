"""Time sequence design: best of N for the oscillator and a Nagipogu-Reif circuit (d = 2).

For the rock-paper-scissors oscillator (soloveichik2010) and the Nagipogu-Reif linear
circuit with input dimension 2: wall time of best-of-N design on ``--jobs`` processes,
designs per minute, seconds per scoring of one candidate, and the winner's acceptance
figures (toehold energies, worst ensemble defect and its complex, strongest unintended
dimer over every pair of distinct strands that are not intended partners); for the
oscillator also the same design on one process as a baseline (and whether the winner is
the same).  Then the speed-up of the vectorised spurious k-mer scoring over the plain
Python reference implementation of the same score, on each winner, in this process
(interleaved rounds, best of each).  The load average is printed: other processes may
share the cores.

    python benchmarks/bench_design.py [--candidates 4] [--jobs 2] [--d2-candidates 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from dsdcrn.compile.translate import compile_crn
from dsdcrn.design.candidates import best_of
from dsdcrn.design.constraints import domain_layout
from dsdcrn.design.kmers import (
    SpuriousScorer,
    count_spurious,
    strand_labels,
)
from dsdcrn.design.scores import score_design
from dsdcrn.model.crn import CRN, parse_crn
from dsdcrn.model.design import DesignProblem
from dsdcrn.pipeline import design_problem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from oracles.kmers_reference import count_spurious_reference  # noqa: E402  (test oracle)

OSCILLATOR = "A + B -> 2B\nB + C -> 2C\nC + A -> 2A\nA @initial 10\nB @initial 10\nC @initial 10\n"


def linear_circuit_d2(unit_nM: float = 10.0) -> CRN:
    """Nagipogu-Reif linear circuit, input dimension 2, dual rail (p/m), per-input Z_i."""
    lines = []
    for i in (1, 2):
        for s in "pm":
            for r in "pm":
                z = "p" if s == r else "m"
                lines.append(f"P{i}{s} + X{i}{r} -> P{i}{s} + X{i}{r} + Z{i}{z}")
        lines += [f"Hp -> Hp + Z{i}p", f"Hm -> Hm + Z{i}m", f"Z{i}p + Z{i}m ->"]
        for s in "pm":
            for r in "pm":
                o = "p" if s == r else "m"
                lines.append(f"Z{i}{s} + W{i}{r} -> Z{i}{s} + W{i}{r} + O{o}")
    lines += ["Op ->", "Om ->"]
    init = {"P1p": 1.0, "P1m": 0.2, "P2p": 0.2, "P2m": 0.6, "X1p": 0.5, "X2m": 0.3}
    init |= {"Hp": 0.1, "W1p": 1.2, "W1m": 0.2, "W2p": 0.8, "W2m": 0.2}
    lines += [f"{s} @initial {v * unit_nM:g} nM" for s, v in init.items()]
    return parse_crn("\n".join(lines) + "\n", source="<bench>", name="nagipogu_reif_d2")


def _time(f, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def kmer_speedup(problem: DesignProblem, design, rounds: int = 3) -> None:
    """Vectorised against plain Python k-mer scoring of one design (same counts).

    Interleaved rounds (one plain Python run, then the vectorised ones), best of each, so
    that load from other processes affects both alike.
    """
    spans = domain_layout(problem.domains)
    vec = np.zeros(sum(n for _, n in spans.values()), np.uint8)
    for name, (start, n) in spans.items():
        vec[start : start + n] = ["ACGT".index(b) for b in design.domains[name]]
    labels = strand_labels(spans, problem.strands)
    t_ref = t_full = t_call = float("inf")
    scorer = SpuriousScorer(labels)
    for _ in range(rounds):
        t, ref = _time(lambda: count_spurious_reference(vec, labels), 1)
        t_ref = min(t_ref, t)
        t, fast = _time(lambda: count_spurious(vec, labels), 3)
        t_full = min(t_full, t)
        t, again = _time(lambda: scorer(vec), 5)
        t_call = min(t_call, t)
        assert ref.counts == fast.counts == again.counts, "vectorised and reference disagree"
    n_win = sum(len(x) for x in labels)
    print(
        f"  k-mer scoring (k = 6..12, one-mismatch k = 8..12, {len(labels)} strands, "
        f"{n_win} nt; same counts): plain Python {t_ref * 1e3:.0f} ms; vectorised "
        f"{t_call * 1e3:.1f} ms with the label index built once: speed-up x{t_ref / t_call:.1f} "
        f"({t_full * 1e3:.1f} ms building it too: x{t_ref / t_full:.1f})"
    )


def run(name: str, problem: DesignProblem, n: int, jobs: int, serial: bool) -> None:
    print(
        f"{name}: {len(problem.strands)} strands, "
        f"{sum(len(t) for t in problem.strands.values())} domain tokens, "
        f"{sum(d.length for d in problem.domains)} nt to design"
    )
    t0 = time.perf_counter()
    best = best_of(problem, n=n, seed=0, jobs=jobs)
    wall = time.perf_counter() - t0
    w = best.winner
    print(
        f"  best of {n} on {jobs} process(es): {wall:.1f} s, {60 * n / wall:.2f} designs/min "
        f"(per candidate: design + scoring {np.mean([c.seconds for c in best.candidates]):.1f} s)"
    )
    if serial and jobs > 1:
        t0 = time.perf_counter()
        base = best_of(problem, n=n, seed=0, jobs=1)
        w1 = time.perf_counter() - t0
        same = base.ranking.winner == best.ranking.winner and all(
            a.design.strands == b.design.strands
            for a, b in zip(base.candidates, best.candidates, strict=True)
        )
        print(
            f"  baseline, 1 process: {w1:.1f} s; speed-up x{w1 / wall:.2f}; "
            f"same candidates and winner: {same}"
        )
    t1, _ = _time(lambda: score_design(problem, w.design, jobs=1), 1)
    tj, _ = _time(lambda: score_design(problem, w.design, jobs=jobs), 1)
    print(f"  scoring one candidate: {t1:.2f} s on 1 process, {tj:.2f} s on {jobs}")
    m = w.scores.metrics
    cx = [r for r in w.scores.complexes if not r.get("skipped")]
    worst = max(cx, key=lambda r: r["ensemble_defect"])
    dG = list(w.design.toehold_dG.values())
    bad = w.scores.spurious_dimers()
    n_pairs = sum(p["strand_a"] != p["strand_b"] for p in w.scores.pairs)
    strongest = min(
        (p for p in w.scores.pairs if p["strand_a"] != p["strand_b"] and p["bind_dG_mfe"]),
        key=lambda p: p["bind_dG_mfe"],
    )
    print(
        f"  winner {w.index} (meets spec: {best.meets(w.index)}; "
        f"{sum(best.meets(i) for i in range(n))} of {n} candidates do): toeholds in context "
        f"{min(dG):.2f} to {max(dG):.2f} kcal/mol, at most {m['dG dev max']:.2f} from target; "
        f"occupancy max {m['Occupancy max']:.1f} %, SSTU min {m['SSTU min']:.2f}, "
        f"{m['Toehold windows']:.0f} toehold windows; worst ensemble defect "
        f"{worst['ensemble_defect']:.1%} ({worst['name']}, {len(worst['strands'])} strand(s)) "
        f"over {len(cx)} complexes, {sum(r['ensemble_defect'] >= 0.05 for r in cx)} at 5 % "
        "or more"
    )
    print(
        f"  unintended pairs of distinct strands folded: {n_pairs} (gate base strands in "
        f"their duplex); strongest {m['Dimer dG min']:.2f} kcal/mol "
        f"({strongest['strand_a']} + {strongest['strand_b']}); {len(bad)} below "
        f"{w.scores.options['dimer_threshold']:g}; TSI max {m['TSI max']:.2f} %; "
        f"Max-BM {m['Max-BM']:.0f}"
    )
    kmer_speedup(problem, w.design)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=4, help="oscillator candidates")
    ap.add_argument("--d2-candidates", type=int, default=2, help="d = 2 circuit candidates")
    ap.add_argument("--jobs", type=int, default=2, help="processes")
    ap.add_argument("--skip-d2", action="store_true", help="oscillator only")
    args = ap.parse_args()
    print(f"load average at start (other processes share the cores): {_load()}")
    osc = compile_crn(parse_crn(OSCILLATOR, name="rps"), "soloveichik2010")
    run("rock-paper-scissors oscillator", design_problem(osc), args.candidates, args.jobs, True)
    if not args.skip_d2:
        d2 = compile_crn(linear_circuit_d2(), "soloveichik2010")
        run(
            "Nagipogu-Reif linear circuit, d = 2",
            design_problem(d2),
            args.d2_candidates,
            args.jobs,
            False,
        )
    print(f"load average at end: {_load()}")


def _load() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:
        return "n/a"


if __name__ == "__main__":
    main()
