"""Long (branch-migration) domains: random draw, repair search, sequence symmetry
minimisation.

1. *repair* (:func:`repair`): random draw, then mutate-and-check until the hard
   constraints hold: no forbidden motif in any strand, GC content of every long domain
   inside ``gc_range``, and no ``k``-mer shared between two positions of the domains or
   their complements (:mod:`dsdcrn.design.constraints`);
2. *sequence symmetry minimisation* (:func:`refine_ssm`): single-base proposals, most at
   positions that take part in a spurious match, each accepted when it keeps the hard
   constraints and does not raise the weighted count of spurious complementary and
   identical k-mers (:class:`dsdcrn.design.kmers.SpuriousSearch`) plus the soft penalties
   of :meth:`dsdcrn.design.constraints.HardConstraints.soft_total`.

Every random choice comes from the generator passed in.  Lengths in nt, times in s.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from dsdcrn.design.constraints import FORBIDDEN_MOTIFS, HardConstraints, Layout, violations
from dsdcrn.design.kmers import SpuriousSearch
from dsdcrn.errors import DesignError

log = logging.getLogger(__name__)

__all__ = [
    "SSM_HOT_SHARE",
    "SSM_REFRESH",
    "alphabet_codes",
    "design_long_domains",
    "draw_long_domains",
    "gc_bounds",
    "refine_ssm",
    "repair",
]


def alphabet_codes(three_letter: bool) -> tuple[list[int], list[int]]:
    """(base codes a long domain may use, its G/C codes): A/C/T with ``three_letter``."""
    return ([0, 1, 3], [1]) if three_letter else ([0, 1, 2, 3], [1, 2])


def gc_bounds(lay: Layout, gc_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) G/C count per domain inside the fraction window ``gc_range``."""
    lo, hi = gc_range
    low = np.ceil(lo * lay.lengths - 1e-9).astype(np.int64)
    high = np.floor(hi * lay.lengths + 1e-9).astype(np.int64)
    return low, high


def draw_long_domains(
    seq: np.ndarray,
    lay: Layout,
    gc_counts: tuple[np.ndarray, np.ndarray],
    strong: list[int],
    rng: np.random.Generator,
) -> None:
    """Fill every long domain of ``seq`` with random bases (in place), its G/C count drawn
    uniformly inside ``gc_counts``; G/C positions take a base of ``strong``, the rest A/T."""
    low, high = gc_counts
    for i in lay.long_ids:
        n = int(lay.lengths[i])
        n_gc = int(rng.integers(low[i], high[i] + 1))
        gcmask = np.zeros(n, bool)
        gcmask[rng.choice(n, n_gc, replace=False)] = True
        seq[lay.starts[i] : lay.starts[i] + n] = np.where(
            gcmask, rng.choice(strong, n), rng.choice([0, 3], n)
        )


#: Repair steps without improvement after which one offending long domain is redrawn.
REPAIR_STALL = 400


def _repair_trial(
    seq: np.ndarray,
    lay: Layout,
    bad: np.ndarray,
    redraw: bool,
    gc_counts: tuple[np.ndarray, np.ndarray],
    alphabet: list[int],
    strong: list[int],
    rng: np.random.Generator,
) -> np.ndarray:
    """``seq`` with one offending long domain redrawn (``redraw``) or one offending base
    changed, toward the GC window when the domain lies outside it."""
    cand = np.flatnonzero(bad)
    trial = seq.copy()
    if redraw:
        i = int(lay.owner[rng.choice(cand)])
        sl = slice(lay.starts[i], lay.starts[i] + lay.lengths[i])
        trial[sl] = np.where(lay.mutable[sl], rng.choice(alphabet, int(lay.lengths[i])), seq[sl])
        return trial
    low, high = gc_counts
    p = int(rng.choice(cand))
    old = int(seq[p])
    i = int(lay.owner[p])
    sl = slice(lay.starts[i], lay.starts[i] + lay.lengths[i])
    gc = int(np.count_nonzero((seq[sl] == 1) | (seq[sl] == 2)))
    if gc < low[i] and old in (0, 3):
        choices = strong
    elif gc > high[i] and old in (1, 2):
        choices = [0, 3]
    else:
        choices = [b for b in alphabet if b != old]
    trial[p] = int(rng.choice(choices))
    return trial


def repair(
    seq: np.ndarray,
    lay: Layout,
    gc_counts: tuple[np.ndarray, np.ndarray],
    three_letter: bool,
    rng: np.random.Generator,
    max_seconds: float,
    limits: str,
) -> dict[str, Any]:
    """Mutate-and-check the long domains of ``seq`` (in place) until no hard constraint
    (:func:`dsdcrn.design.constraints.violations`) is violated.

    A change is kept when it does not raise the violation score.  Raises
    :class:`DesignError` after ``max_seconds`` (s), naming ``limits`` (the constraint
    settings) and what to relax, or when only toeholds take part in the violations left.
    Returns the iterations and the initial and final violation counts.
    """
    alphabet, strong = alphabet_codes(three_letter)
    score, bad = violations(seq, lay, gc_counts)
    initial = score
    t0 = time.monotonic()
    it = stall = 0
    while score > 0:
        it += 1
        if it % 64 == 0 and time.monotonic() - t0 > max_seconds:
            raise DesignError(
                f"long-domain search exceeded max_seconds={max_seconds:g} s with {score} "
                f"constraint violation(s) left ({limits}); raise max_shared_kmer to "
                f"{lay.k + 1}, widen gc_range or raise max_seconds"
            )
        if not bad.any():  # violations only among fixed toeholds: nothing to mutate
            raise DesignError(
                "sequence constraints cannot be met: remaining violations involve only "
                f"toeholds (shared {lay.k}-mer or forbidden motif across toehold junctions); "
                "raise max_shared_kmer or change toehold lengths"
            )
        redraw = stall > REPAIR_STALL
        trial = _repair_trial(seq, lay, bad, redraw, gc_counts, alphabet, strong, rng)
        stall = 0 if redraw else stall
        new_score, new_bad = violations(trial, lay, gc_counts)
        if new_score <= score:
            stall = stall + 1 if new_score == score else 0
            seq[:] = trial
            score, bad = new_score, new_bad
        else:
            stall += 1
    return {"iterations": it, "initial_violations": initial, "final_violations": score}


def design_long_domains(
    seq: np.ndarray,
    lay: Layout,
    gc_range: tuple[float, float],
    rng: np.random.Generator,
    max_seconds: float,
    three_letter: bool = False,
    ssm_steps: int = 0,
    exposed: list[tuple[int, bool]] | None = None,
    pins: dict[int, int] | None = None,
    hard_windows: bool = False,
) -> tuple[dict[str, Any], dict[str, float], SpuriousSearch, HardConstraints]:
    """Design the long domains in ``seq`` (in place): random draw, repair, then SSM.

    With ``three_letter`` the long domains use A, C and T only (no G); ``exposed`` lists
    the toeholds whose windows no other place may read (the SSM score penalises such
    reads, :func:`dsdcrn.design.sequences.occlusion_entries`); ``pins`` fixes bases
    (position -> code) that ``lay.mutable`` marks as fixed; ``hard_windows`` makes the
    toehold windows a hard constraint.  Returns (search
    statistics, wall-clock seconds per phase, the SSM score state, the hard-constraint
    checker), the last two in step with ``seq`` for further refinement.
    """
    alphabet, strong = alphabet_codes(three_letter)
    gc_counts = gc_bounds(lay, gc_range)
    draw_long_domains(seq, lay, gc_counts, strong, rng)
    for p, b in (pins or {}).items():  # fixed long-domain bases (toehold flanks)
        seq[p] = b
    t0 = time.monotonic()
    limits = f"max_shared_kmer={lay.k}, gc_range={gc_range}, no {'/'.join(FORBIDDEN_MOTIFS)}"
    stats = repair(seq, lay, gc_counts, three_letter, rng, max_seconds, limits)
    timings = {"repair_s": round(time.monotonic() - t0, 3)}
    t1 = time.monotonic()
    hard = HardConstraints(seq, lay, lay.unit_labels, gc_counts, exposed, hard_windows)
    if hard.th is not None:
        stats.update(clear_toehold_windows(seq, lay, hard, alphabet, rng, max_seconds))
        timings["toehold_windows_s"] = round(time.monotonic() - t1, 3)
    t1 = time.monotonic()
    ssm = SpuriousSearch(lay.labels, seq)
    if ssm_steps and lay.mutable.any():
        stats.update(refine_ssm(seq, lay, ssm, hard, alphabet, rng, ssm_steps))
    timings["ssm_s"] = round(time.monotonic() - t1, 3)
    return stats, timings, ssm, hard


def clear_toehold_windows(
    seq: np.ndarray,
    lay: Layout,
    hard: HardConstraints,
    alphabet: list[int],
    rng: np.random.Generator,
    max_seconds: float = float("inf"),
) -> dict[str, Any]:
    """Remove strand windows reading part of a toehold or its complement outside its own
    domain (toehold occlusion, :meth:`HardConstraints.toehold_hits`), in place: each
    pass tries, for every flagged window, its long-domain nucleotides and their other
    bases in random order and keeps the first change the hard constraints allow that
    lowers the count.  No pass starts after ``max_seconds`` (s; the windows left are
    penalised later).  Returns the initial and final counts, the changes kept and the
    passes made."""
    L = hard.th[0]
    start = int(hard.toehold_hits(seq).sum())
    kept = passes = 0
    t0 = time.monotonic()
    for _ in range(CLEAR_PASSES):
        bad = np.flatnonzero(hard.toehold_hits(seq))
        if not len(bad) or time.monotonic() - t0 > max_seconds:
            break
        passes += 1
        log.info(
            "toehold windows: pass %d, %d left (%.0f s)",
            passes,
            len(bad),
            time.monotonic() - t0,
        )
        for w in rng.permutation(bad):
            if not hard.toehold_hits(seq, np.array([w]))[0]:
                continue
            if _clear_window(seq, lay, hard, alphabet, rng, L[w] >> 1):
                kept += 1
            else:  # a neutral step, so that the next pass starts elsewhere
                _clear_window(seq, lay, hard, alphabet, rng, L[w] >> 1, lower=False)
    return {
        "toehold_windows_initial": start,
        "toehold_windows_kept_changes": kept,
        "toehold_windows_after_draw": int(hard.toehold_hits(seq).sum()),
        "toehold_windows_passes": passes,
    }


def _clear_window(
    seq: np.ndarray,
    lay: Layout,
    hard: HardConstraints,
    alphabet: list[int],
    rng: np.random.Generator,
    positions: np.ndarray,
    lower: bool = True,
) -> bool:
    """One change among ``positions`` that lowers the toehold-window count (``lower``;
    with the compensating change that keeps every ``k``-mer distinct if it needs one),
    or, with ``lower`` False, any change the hard constraints allow that does not raise
    it (a neutral step).  True if a change was kept."""
    from dsdcrn.design.refine import compensate

    for g in rng.permutation(np.unique(positions)):
        g = int(g)
        if not lay.mutable[g]:
            continue
        old = int(seq[g])
        for b in rng.permutation([x for x in alphabet if x != old]):
            trial = seq.copy()
            trial[g] = b
            if hard.toehold_delta(trial, g, old) >= (0 if lower else 1):
                continue
            ok = hard.check(trial, g, old)
            if ok is not None:
                hard.apply(ok)
                seq[g] = b
                return True
            others = hard.collisions(trial, g, old) if lower else None
            if others is None or not len(others):
                continue
            fix = compensate(trial, others, g, lay, alphabet, rng, hard)
            if fix is None:
                continue
            trial[fix[0]] = fix[1]
            if hard.window_change(seq, trial, [g, fix[0]]) < 0:
                hard.force(trial, [g, fix[0]])
                seq[:] = trial
                return True
    return False


#: Passes of :func:`clear_toehold_windows` over the windows still flagged.
CLEAR_PASSES = 60
#: Share of SSM proposals drawn from positions in a spurious match (the rest: uniform).
SSM_HOT_SHARE = 0.8
#: Steps between refreshes of the list of positions in spurious matches.
SSM_REFRESH = 100


def refine_ssm(
    seq: np.ndarray,
    lay: Layout,
    ssm: SpuriousSearch,
    hard: HardConstraints,
    alphabet: list[int],
    rng: np.random.Generator,
    steps: int,
) -> dict[str, Any]:
    """Sequence symmetry minimisation of the long domains (in place; hard constraints kept).

    Each step proposes one base change and accepts it when the hard constraints hold and
    the score does not rise: the weighted spurious k-mer count
    (:class:`dsdcrn.design.kmers.SpuriousSearch`) plus :data:`AVOIDED_MOTIF_WEIGHT` per
    distinct strand window holding an avoided motif (GGG, CCC).
    """
    initial = score = ssm.score + hard.soft_total(seq)
    mut = np.flatnonzero(lay.mutable)
    hot = mut
    accepted = 0
    for step in range(steps):
        if step % SSM_REFRESH == 0:
            hot = np.intersect1d(np.union1d(ssm.hot_positions(), hard.soft_hot(seq)), mut)
        pool = hot if len(hot) and rng.random() < SSM_HOT_SHARE else mut
        p = int(pool[rng.integers(len(pool))])
        old = int(seq[p])
        choices = [b for b in alphabet if b != old]
        b = choices[int(rng.integers(len(choices)))]
        trial = seq.copy()
        trial[p] = b
        ok = hard.check(trial, p, old)
        if ok is None:
            continue
        d, change = ssm.propose(p, b)
        soft = hard.soft_delta(seq, trial, p)
        if d + soft <= 0:
            ssm.accept(d, change)
            hard.apply(ok)
            seq[p] = b
            score += d + soft
            accepted += 1
    return {
        "ssm_steps": steps,
        "ssm_accepted": accepted,
        "ssm_initial_score": float(initial),
        "ssm_final_score": float(score),
    }
