"""Best of N: design candidates in parallel, score each, keep the meta-ranked winner.

Candidate ``i`` is designed with its own seed, drawn from ``numpy.random.SeedSequence(seed)``
spawned child ``i``, so it does not depend on how many candidates are made, on the
number of processes, or on the order they finish in: the winner is the same for the
same seed whatever the number of cores.  The winner is the meta-ranked best of the
candidates that meet the specification (:func:`meets_spec`), or of all when none does.
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
from dsdcrn.design.toeholds import toehold_targets
from dsdcrn.design.vienna import vienna_checks
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DesignProblem, SequenceDesign
from dsdcrn.options import DesignOptions
from dsdcrn.processes import process_pool
from dsdcrn.progress import Progress, report

__all__ = [
    "DEFECT_SPEC",
    "YIELD_SPEC",
    "BestOf",
    "Candidate",
    "best_of",
    "candidate_seeds",
    "meets_spec",
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

    @property
    def winner(self) -> Candidate:
        return self.candidates[self.ranking.winner]

    def scores_csv(self) -> str:
        """One row per candidate: seed, every metric, meta-rank sum, whether it meets the
        specification (:func:`meets_spec`), winner flag."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        metrics = list(self.ranking.metrics)
        w.writerow(["candidate", "seed", *metrics, "meta_rank_sum", "meets_spec", "winner"])
        spec = self.ranking.feasible or [True] * len(self.candidates)
        for c, total, ok in zip(self.candidates, self.ranking.total, spec, strict=True):
            w.writerow(
                [
                    c.index,
                    c.seed,
                    *(f"{c.scores.metrics[m]:.6g}" for m in metrics),
                    int(total),
                    int(ok),
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
            "(`dsdcrn.design.ranking`), among the candidates that meet the specification (toeholds "
            f"within the deviation, every ensemble defect < {DEFECT_SPEC:.0%} and yield >= "
            f"{YIELD_SPEC:g} %, no spurious dimer) when any does.  Winner: candidate "
            f"{r.winner} (sum of meta-ranks {int(r.total[r.winner])}).",
            "",
            "| candidate | seed | meets spec | sum of meta-ranks | "
            + " | ".join(_META_SHORT)
            + " |",
            "|---:|---:|---|---:|" + "---:|" * len(_META_SHORT),
        ]
        spec = r.feasible or [True] * len(self.candidates)
        for c in self.candidates:
            mr = " | ".join(str(int(x)) for x in r.meta_ranks[c.index])
            ok = "yes" if spec[c.index] else "no"
            lines.append(f"| {c.index} | {c.seed} | {ok} | {int(r.total[c.index])} | {mr} |")
        return "\n".join(lines) + "\n"


_META_SHORT = ("worst", "worst w.", "sum", "sum w.", "excess", "excess w.", "bad %", "bad % w.")


#: Ensemble defect (fraction of nt) every intended complex must stay under (specification).
DEFECT_SPEC = 0.05
#: Predicted equilibrium yield (%) every intended complex must reach (specification).
YIELD_SPEC = 99.0


def meets_spec(design: SequenceDesign, scores: ScoreReport, options: DesignOptions) -> bool:
    """The design specification: every toehold within ``toehold_dev`` of its length's
    target (:func:`dsdcrn.design.toeholds.toehold_targets` of ``toehold_dG``, kcal/mol),
    every scored intended complex under :data:`DEFECT_SPEC` ensemble defect and at
    :data:`YIELD_SPEC` % predicted yield or more, and no spurious dimer
    (:meth:`dsdcrn.design.scores.ScoreReport.spurious_dimers`)."""
    length = {t: len(design.domains[t]) for t in design.toehold_dG}
    target = toehold_targets(length.values(), options.toehold_dG)
    toeholds = all(
        abs(g - target[length[t]]) <= options.toehold_dev + 1e-9
        for t, g in design.toehold_dG.items()
    )
    defects = all(
        c["ensemble_defect"] < DEFECT_SPEC and c["yield_pct"] >= YIELD_SPEC
        for c in scores.complexes
        if not c.get("skipped")
    )
    return toeholds and defects and not scores.spurious_dimers()


def candidate_seeds(seed: int, n: int) -> list[int]:
    """Seed of each candidate: 32 bits from ``SeedSequence(seed).spawn(n)[i]``."""
    if int(seed) < 0:
        raise DesignError(f"seed must be a non-negative integer, got {seed}")
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(int(seed)).spawn(n)]


def _one(args: tuple) -> tuple[SequenceDesign, ScoreReport, float]:
    problem, seed, dopts, sopts, jobs = args
    t0 = time.perf_counter()
    design = design_sequences(
        problem.domains, problem.strands, problem.complexes, seed=seed, options=dopts, checks=False
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
        temperature_C=dopts.temperature_C, salt_M=dopts.salt_M, toehold_dG=dopts.toehold_dG
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
    feasible = [meets_spec(c.design, c.scores, dopts) for c in cands]
    ranking = rank_candidates([c.scores.metrics for c in cands], higher, weights, feasible)
    best = cands[ranking.winner]
    if checks:  # the complexes were folded by the scoring, under the same model
        best.design.complex_checks = [_complex_check(r, sopts) for r in best.scores.complexes]
        _, best.design.strand_checks = vienna_checks(
            best.design.strands, {}, {}, dopts.temperature_C, dopts.salt_M
        )
    return BestOf(cands, ranking, int(seed), dict(ranking.weights))


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
