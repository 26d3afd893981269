"""Best of N: design candidates in parallel, score each, keep the meta-ranked winner.

Candidate ``i`` is designed with its own seed, drawn from ``numpy.random.SeedSequence(seed)``
spawned child ``i``, so it does not depend on how many candidates are made, on the
number of processes, or on the order they finish in: the winner is the same for the
same seed whatever the number of cores.  The winner is the meta-ranked best of the
candidates that miss the fewest items of the specification (:func:`spec_misses`): of
those that meet it, when any does.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dsdcrn.design.ranking import Ranking, rank_candidates
from dsdcrn.design.scores import METRICS, ScoreOptions, ScoreReport, score_design
from dsdcrn.design.sequences import design_sequences
from dsdcrn.design.vienna import vienna_checks
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DesignProblem, SequenceDesign
from dsdcrn.options import DesignOptions
from dsdcrn.processes import process_pool
from dsdcrn.progress import Progress, report

__all__ = [
    "DEFECT_SPEC",
    "OCCUPANCY_SPEC",
    "SPEC_TEXT",
    "YIELD_SPEC",
    "BestOf",
    "Candidate",
    "best_of",
    "candidate_seeds",
    "SPEC_WHY",
    "meets_spec",
    "spec_misses",
    "spec_summary",
]


@dataclass
class Candidate:
    """One candidate design and its scores."""

    index: int
    seed: int
    design: SequenceDesign
    scores: ScoreReport
    seconds: float


@dataclass
class BestOf:
    """Every candidate, the ranking, and the winner."""

    candidates: list[Candidate]
    ranking: Ranking
    seed: int
    weights: dict[str, float] = field(default_factory=dict)
    misses: list[int] = field(default_factory=list)  # specification items each misses

    def meets(self, i: int) -> bool:
        """Whether candidate ``i`` meets the whole specification."""
        return not self.misses or self.misses[i] == 0

    @property
    def winner(self) -> Candidate:
        return self.candidates[self.ranking.winner]

    def scores_csv(self) -> str:
        """One row per candidate: seed, every metric, meta-rank sum, the number of
        specification items it misses and whether it meets it (:func:`spec_misses`),
        winner flag."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        metrics = list(self.ranking.metrics)
        w.writerow(
            ["candidate", "seed", *metrics, "meta_rank_sum", "spec_misses", "meets_spec", "winner"]
        )
        for c, total in zip(self.candidates, self.ranking.total, strict=True):
            w.writerow(
                [
                    c.index,
                    c.seed,
                    *(f"{c.scores.metrics[m]:.6g}" for m in metrics),
                    int(total),
                    self.misses[c.index] if self.misses else 0,
                    int(self.meets(c.index)),
                    int(c.index == self.ranking.winner),
                ]
            )
        return buf.getvalue()

    def summary(self) -> str:
        """Markdown: how the winner was chosen."""
        r = self.ranking
        lines = [
            f"Best of {len(self.candidates)} candidate(s) (seed {self.seed}; candidate i uses "
            "seed SeedSequence(seed).spawn(N)[i]); meta-ranking as Piperine's selectseq "
            "(`dsdcrn.design.ranking`), among the candidates that miss the fewest items of "
            f"the specification ({SPEC_TEXT}).  Winner: candidate "
            f"{r.winner} (sum of meta-ranks {int(r.total[r.winner])}).",
            "",
            "| candidate | seed | items missed | sum of meta-ranks | "
            + " | ".join(_META_SHORT)
            + " |",
            "|---:|---:|---|---:|" + "---:|" * len(_META_SHORT),
        ]
        for c in self.candidates:
            mr = " | ".join(str(int(x)) for x in r.meta_ranks[c.index])
            n = self.misses[c.index] if self.misses else 0
            lines.append(f"| {c.index} | {c.seed} | {n} | {int(r.total[c.index])} | {mr} |")
        return "\n".join(lines) + "\n"


#: The specification in one phrase (:func:`spec_misses`).
SPEC_TEXT = (
    "every exposed toehold's in-context ΔG within the deviation, no toehold window elsewhere, "
    "toeholds < 10% occupied, SSTU >= 0.9, every ensemble defect < 5% and yield >= 99%"
)

_META_SHORT = ("worst", "worst w.", "sum", "sum w.", "excess", "excess w.", "bad %", "bad % w.")


#: Ensemble defect (fraction of nt) every intended complex must stay under (specification).
DEFECT_SPEC = 0.05
#: Predicted equilibrium yield (%) every intended complex must reach (specification).
YIELD_SPEC = 99.0
#: Occupancy (%) of an exposed toehold by unintended partners every site must stay under.
OCCUPANCY_SPEC = 10.0


def spec_misses(scores: ScoreReport, options: DesignOptions) -> list[tuple[str, str]]:
    """The items of the design specification a design misses, as (item, figures) pairs
    (empty: it meets it): every toehold's mean in-context ΔG within ``toehold_dev`` of
    its target (``toehold ΔG``, :mod:`dsdcrn.design.toehold_energy`), no strand window
    reading part of a toehold elsewhere (``toehold windows``), every exposed toehold under
    :data:`OCCUPANCY_SPEC` % occupied by unintended partners (``occupancy``), SSTU of
    every free strand at least ``options.sstu_min`` (``SSTU``), and every scored intended
    complex under :data:`DEFECT_SPEC` ensemble defect (``ensemble defect``) and at
    :data:`YIELD_SPEC` % predicted yield or more (``yield``).  :data:`SPEC_WHY` says why
    each item can stay missed."""
    m = scores.metrics
    out = []
    if m["dG dev max"] > options.toehold_dev + 1e-9:
        out.append(
            (
                "toehold ΔG",
                f"a toehold's in-context ΔG is {m['dG dev max']:.2f} kcal/mol "
                f"from its target (allowed {options.toehold_dev:g})",
            )
        )
    if m["Toehold windows"] > 0:
        twins = sum(t.get("twin_windows", 0) for t in scores.toeholds)
        inside = f", {twins} of them inside its twins" if twins else ""
        out.append(
            (
                "toehold windows",
                f"{int(m['Toehold windows'])} strand window(s) read 5 nt of a toehold "
                f"elsewhere{inside}",
            )
        )
    if m["Occupancy max"] >= OCCUPANCY_SPEC:
        out.append(
            (
                "occupancy",
                f"a toehold is {m['Occupancy max']:.1f}% occupied by unintended "
                f"partners (allowed < {OCCUPANCY_SPEC:g}%)",
            )
        )
    if m["SSTU min"] < options.sstu_min:
        out.append(("SSTU", f"SSTU min {m['SSTU min']:.2f} (required >= {options.sstu_min:g})"))
    rows = [c for c in scores.complexes if not c.get("skipped")]
    worst = max((c["ensemble_defect"] for c in rows), default=0.0)
    if worst >= DEFECT_SPEC:
        out.append(
            ("ensemble defect", f"worst ensemble defect {worst:.1%} (required < {DEFECT_SPEC:.0%})")
        )
    low = min((c["yield_pct"] for c in rows), default=100.0)
    if low < YIELD_SPEC:
        out.append(("yield", f"lowest yield {low:.1f}% (required >= {YIELD_SPEC:g}%)"))
    return out


#: Why an item of the specification can stay missed after the designer's phases.
SPEC_WHY = {
    "toehold ΔG": "a toehold whose flank is another toehold (or whose best flank would "
    "make a forbidden motif) cannot be pinned onto its target",
    "toehold windows": "in the A/C/T code with distinct k-mers and GC windows, removing "
    "every window costs ensemble defects; the designer penalises and removes them where "
    "no defect rises (--hard-toehold-windows forbids them at that cost)",
    "occupancy": "4-nt matches (and G-T wobbles) of a toehold's complement in the "
    "micromolar helper and signal strands bind weakly but add up; the 5-nt window rule "
    "cannot remove them",
    "SSTU": "weak A-T hairpins between a toehold and its own strand that no allowed change "
    "of the long domains removes",
    "ensemble defect": "the defect phase ran out of steps or allowed changes",
    "yield": "a sub-complex competes with the intended complex at equilibrium",
}


def meets_spec(scores: ScoreReport, options: DesignOptions) -> bool:
    """Whether a design meets the specification (:func:`spec_misses` is empty)."""
    return not spec_misses(scores, options)


#: Why, too, when toeholds are shared (a design with twins: ``--share-toeholds``).
SHARED_WHY = {
    "toehold ΔG": "a shared toehold has one sequence in several contexts",
    "toehold windows": "a shared toehold's twins read it by construction",
    "occupancy": "strands that carry a twin's complement bind a shared toehold whole",
}


def spec_summary(scores: ScoreReport, options: DesignOptions) -> str:
    """One line: the specification met, or each missed item with its figure and why."""
    misses = spec_misses(scores, options)
    if not misses:
        return f"**Specification: met** ({SPEC_TEXT})."
    shared = len({t["sequence"] for t in scores.toeholds}) < len(scores.toeholds)

    def why(item: str) -> str:
        return (
            f"{SHARED_WHY[item]}; {SPEC_WHY[item]}"
            if shared and item in SHARED_WHY
            else SPEC_WHY[item]
        )

    return (
        "**Specification: missed** "
        + "; ".join(f"{item}: {text} ({why(item)})" for item, text in misses)
        + "."
    )


def candidate_seeds(seed: int, n: int) -> list[int]:
    """Seed of each candidate: 32 bits from ``SeedSequence(seed).spawn(n)[i]``."""
    if int(seed) < 0:
        raise DesignError(f"seed must be a non-negative integer, got {seed}")
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(int(seed)).spawn(n)]


def _one(args: tuple) -> tuple[SequenceDesign, ScoreReport, float]:
    problem, seed, dopts, sopts, jobs = args
    t0 = time.perf_counter()
    design = design_sequences(
        problem.domains,
        problem.strands,
        problem.complexes,
        seed=seed,
        options=dopts,
        checks=False,
        concentrations_nM=problem.concentrations_nM,
    )
    scores = score_design(problem, design, sopts, jobs=jobs)
    return design, scores, time.perf_counter() - t0


def _counted(results: Iterable, n: int, progress: Progress | None) -> list:
    """The candidates' results in order, reporting each one done."""
    out = []
    for r in results:
        out.append(r)
        report(progress, "design candidates", len(out), n)
    return out


def best_of(
    problem: DesignProblem,
    n: int = 1,
    seed: int = 0,
    jobs: int = 1,
    design_options: DesignOptions | None = None,
    score_options: ScoreOptions | None = None,
    weights: dict[str, float] | None = None,
    checks: bool = True,
    progress: Progress | None = None,
) -> BestOf:
    """Design ``n`` candidates, score them, and choose one by meta-ranking.

    Parameters
    ----------
    problem : DesignProblem
        The domain-level system.
    n : int
        Candidates (>= 1).
    seed : int
        Master seed (>= 0); candidate seeds come from :func:`candidate_seeds`.
    jobs : int
        Processes: candidates run in parallel; with one candidate, its scoring does.
    design_options, score_options : DesignOptions, ScoreOptions
        Settings of the designer and of the scoring.
    weights : dict[str, float] or None
        Meta-ranking weights (percent); ``None``: :data:`dsdcrn.design.ranking.DEFAULT_WEIGHTS`.
    checks : bool
        Add ViennaRNA checks (``complex_checks``, ``strand_checks``) to the winner.
    progress : Progress or None
        Called with ("design candidates", done, n) as candidates finish.

    Returns
    -------
    BestOf
        Candidates in index order, the ranking, and the winner.
    """
    if n < 1:
        raise DesignError(f"number of candidates must be >= 1, got {n}")
    if jobs < 1:
        raise DesignError(f"jobs must be >= 1, got {jobs}")
    dopts = design_options or DesignOptions()
    sopts = score_options or ScoreOptions(
        temperature_C=dopts.temperature_C,
        salt_M=dopts.salt_equivalent_M(),
        toehold_dG=dopts.toehold_dG,
    )
    seeds = candidate_seeds(seed, n)
    workers = min(jobs, n)
    args = [(problem, s, dopts, sopts, 1 if workers > 1 else jobs) for s in seeds]
    if workers > 1:
        with process_pool(workers) as ex:
            results = _counted(ex.map(_one, args), n, progress)
    else:
        results = _counted(map(_one, args), n, progress)
    cands = [
        Candidate(i, s, d, sc, round(t, 3))
        for i, (s, (d, sc, t)) in enumerate(zip(seeds, results, strict=True))
    ]
    higher = {m: hb for m, (hb, _) in METRICS.items()}
    misses = [len(spec_misses(c.scores, dopts)) for c in cands]
    fewest = [m == min(misses) for m in misses]
    ranking = rank_candidates([c.scores.metrics for c in cands], higher, weights, fewest)
    best = cands[ranking.winner]
    if checks:  # the complexes were folded by the scoring, under the same model
        best.design.complex_checks = [_complex_check(r, sopts) for r in best.scores.complexes]
        _, best.design.strand_checks = vienna_checks(
            best.design.strands, {}, {}, dopts.temperature_C, dopts.salt_equivalent_M()
        )
    return BestOf(cands, ranking, int(seed), dict(ranking.weights), misses)


_CHECK_KEYS = ("mfe_structure", "mfe_dG", "mfe_equals_target", "ensemble_dG", "ensemble_defect")


def _complex_check(row: dict[str, Any], sopts: ScoreOptions) -> dict[str, Any]:
    """A :func:`vienna_checks` entry from a scored complex (same folds, same model)."""
    out = {k: row[k] for k in ("name", "strands", "domain_structure", "target", "skipped")}
    if row["skipped"]:
        out["reason"] = (
            f"{len(row['strands'])} strands; ViennaRNA checks run for up to "
            f"{sopts.max_complex_strands} strands"
        )
    else:  # (a complex without any connected structure has no finite energy)
        out.update(
            {
                k: None if isinstance(row[k], float) and not np.isfinite(row[k]) else row[k]
                for k in _CHECK_KEYS
            }
        )
    return out
