"""Pick the best of N candidate designs by a meta-ranking over many metrics.

Piperine's ``selectseq`` (Srinivas et al. 2017), written from its definitions: for each
metric (flipped in sign when higher is better), every candidate gets

* a *rank*: dense, 0 for the best value, ties sharing a rank;
* a *fractional excess*: ``(x - min) / |min|`` (``|min|`` read as 1 when ``min`` is 0);
* a *percent badness*: ``(x - min) / (max - min)`` (``max - min`` read as 1 when 0).

Eight meta-scores then summarise each candidate: worst rank, worst weighted rank, sum
of ranks, sum of weighted ranks, sum of fractional excesses, weighted sum of fractional
excesses, sum of percent badnesses and their weighted sum (weights in percent, as
:data:`DEFAULT_WEIGHTS`).  Each meta-score is dense-ranked in turn; the candidate with
the smallest sum of meta-ranks wins, ties going to the lowest index.  When the caller
marks which candidates meet the design specification (``feasible``), the winner is the
best such candidate if there is one (dsdcrn's addition: a design that breaks the
specification is never preferred to one that meets it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dsdcrn.errors import DesignError

__all__ = ["DEFAULT_WEIGHTS", "META_SCORES", "Ranking", "rank_candidates"]

#: Metric weights (percent).  Piperine's 2017 weights for its twenty metrics; dsdcrn's
#: additions weigh like the nearest Piperine metric.
DEFAULT_WEIGHTS: dict[str, float] = {
    "TSI avg": 5,
    "TSI max": 20,
    "TO avg": 10,
    "TO max": 30,
    "WS-BM": 2,
    "Max-BM": 3,
    "SSU min": 30,
    "SSU avg": 10,
    "SSTU min": 50,
    "SSTU avg": 20,
    "BN% max": 10,
    "BN% avg": 5,
    "WSAS": 6,
    "WSIS": 4,
    "WSAS-M": 5,
    "WSIS-M": 3,
    "WSID": 4,
    "WSID-M": 3,
    "Verboten": 2,
    "Spurious": 8,
    "dG error": 10,
    "dG range": 20,
    "dG dev max": 20,  # like dG range
    "dG error (stickydesign)": 1,  # Piperine's own figure, reported for comparison
    "Occupancy max": 30,  # like TO max
    "Toehold windows": 10,  # like TO avg
    "Dimer dG min": 20,
    "Spurious dimers": 20,
    "Yield min": 10,
    "Yield avg": 5,
}

META_SCORES = (
    "worst rank",
    "worst weighted rank",
    "sum of ranks",
    "sum of weighted ranks",
    "fractional excess",
    "weighted fractional excess",
    "percent badness",
    "weighted percent badness",
)


def _dense_rank(x: np.ndarray) -> np.ndarray:
    """0 for the smallest value; equal values share a rank; no gaps."""
    return np.unique(x, return_inverse=True)[1].ravel()


@dataclass
class Ranking:
    """Result of :func:`rank_candidates`.

    Attributes
    ----------
    metrics : list[str]
        Metrics ranked, in column order.
    ranks, excess, badness : numpy.ndarray
        Per candidate and metric (N x M): dense rank, fractional excess, percent badness
        (as a fraction).
    meta : numpy.ndarray
        Per candidate, the eight meta-scores (N x 8, :data:`META_SCORES`).
    meta_ranks : numpy.ndarray
        Dense rank of each meta-score (N x 8).
    total : numpy.ndarray
        Sum of meta-ranks per candidate (N,).
    winner : int
        Index of the chosen candidate.
    weights : dict[str, float]
        Weights used (percent).
    feasible : list[bool]
        Whether each candidate meets the specification (all True when not given).
    """

    metrics: list[str]
    ranks: np.ndarray
    excess: np.ndarray
    badness: np.ndarray
    meta: np.ndarray
    meta_ranks: np.ndarray
    total: np.ndarray
    winner: int
    weights: dict[str, float] = field(default_factory=dict)
    feasible: list[bool] = field(default_factory=list)


def rank_candidates(
    scores: Sequence[Mapping[str, float]],
    higher_is_better: Mapping[str, bool],
    weights: Mapping[str, float] | None = None,
    feasible: Sequence[bool] | None = None,
) -> Ranking:
    """Meta-rank candidates (module doc) and choose one.

    Parameters
    ----------
    scores : Sequence[Mapping[str, float]]
        One metric -> value map per candidate (the same metrics for all).
    higher_is_better : Mapping[str, bool]
        Direction of each metric; metrics missing here are not ranked.
    weights : Mapping[str, float] or None
        Weight (percent) per metric; missing metrics get 0, ``None`` the defaults.
    feasible : Sequence[bool] or None
        Per candidate, whether it meets the design specification; the winner is the
        best feasible candidate when any is (``None``: all are).

    Returns
    -------
    Ranking
        Every intermediate table and the winner's index.
    """
    if not scores:
        raise DesignError("no candidate designs to rank")
    w_all = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = sorted(set(w_all) - set(higher_is_better))
    if weights is not None and unknown:
        raise DesignError(f"unknown metric in weights: {unknown[0]!r}")
    metrics = [m for m in higher_is_better if m in scores[0]]
    X = np.array([[float(s[m]) for m in metrics] for s in scores])
    if not np.all(np.isfinite(X)):
        bad = metrics[int(np.flatnonzero(~np.isfinite(X).all(axis=0))[0])]
        raise DesignError(f"metric {bad!r} is not a finite number for every candidate")
    sign = np.array([-1.0 if higher_is_better[m] else 1.0 for m in metrics])
    X = X * sign
    w = np.array([float(w_all.get(m, 0.0)) for m in metrics])
    ranks = np.stack([_dense_rank(X[:, j]) for j in range(len(metrics))], axis=1)
    lo, hi = X.min(axis=0), X.max(axis=0)
    excess = (X - lo) / np.where(lo == 0, 1.0, np.abs(lo))
    badness = (X - lo) / np.where(hi == lo, 1.0, hi - lo)
    meta = np.stack(
        [
            ranks.max(axis=1),
            (ranks * w / 100).max(axis=1),
            ranks.sum(axis=1),
            (ranks * w / 100).sum(axis=1),
            excess.sum(axis=1),
            (excess * w / 100).sum(axis=1),
            100 * badness.sum(axis=1),
            (badness * w).sum(axis=1),
        ],
        axis=1,
    )
    meta_ranks = np.stack([_dense_rank(meta[:, j]) for j in range(meta.shape[1])], axis=1)
    total = meta_ranks.sum(axis=1)
    ok = np.ones(len(scores), bool) if feasible is None else np.array(feasible, bool)
    if len(ok) != len(scores):
        raise DesignError(f"feasible has {len(ok)} entries for {len(scores)} candidates")
    pool = np.flatnonzero(ok) if ok.any() else np.arange(len(scores))
    return Ranking(
        metrics=metrics,
        ranks=ranks,
        excess=excess,
        badness=badness,
        meta=meta,
        meta_ranks=meta_ranks,
        total=total,
        winner=int(pool[np.argmin(total[pool])]),
        weights={m: float(w_all.get(m, 0.0)) for m in metrics},
        feasible=ok.tolist(),
    )
