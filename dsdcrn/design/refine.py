"""Refinement after the long-domain search: ensemble defects, then exposed toeholds.

3. *ensemble defects* (:func:`refine_defects`): ViennaRNA-guided changes at the
   nucleotides that pair wrongly in any intended complex whose ensemble defect exceeds
   ``defect_target`` (every base tried; a change that would repeat a ``k``-mer is paired
   with a compensating change in the clashing window), kept when the hard constraints
   hold, no spurious complementary match of :data:`DEFECT_GATE_K` nt or more appears,
   and the defects above target fall;
4. *exposed toeholds* (:func:`refine_toehold_matches`): strand windows of
   :data:`dsdcrn.design.constraints.TOEHOLD_MATCH_NT` nt that read part of a toehold
   whose complement lies exposed in an intended complex are changed where the constraints
   hold and no defect rises above target;
5. *single-stranded toeholds* (:func:`refine_sstu`): the nucleotides that the toeholds
   of free strands pair with, folded alone, are changed until every toehold nucleotide
   is unpaired with probability ``sstu_min`` or more (SSTU), where the constraints allow;
6. *occupancy* (:func:`refine_occupancy`): the nucleotides with which the strongest
   unintended partners hold the most occupied exposed toehold are changed until every
   site is under its target occupancy, where the constraints allow.

The phases change a :class:`SearchState` in place.  Defects are fractions of nt.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from dsdcrn.design.constraints import (
    BASES,
    HardConstraints,
    Layout,
)
from dsdcrn.design.equilibrium import rt
from dsdcrn.design.kmers import SpuriousSearch, codes
from dsdcrn.design.vienna import MAX_STRANDS_CHECKED

log = logging.getLogger(__name__)

__all__ = [
    "OCCUPANCY_PARTNERS",
    "SSTU_PARTNERS",
    "Occupancy",
    "Unpaired",
    "refine_occupancy",
    "refine_sstu",
    "worst_first",
    "DEFECT_FIX_TRIES",
    "DEFECT_GATE_K",
    "TOEHOLD_MATCH_MAX_STEPS",
    "TOEHOLD_MATCH_STEPS",
    "Defects",
    "SearchState",
    "compensate",
    "defect_trial",
    "defects_stay",
    "draw_defect_site",
    "fix_toehold_window",
    "keep_moves",
    "refine_defects",
    "refine_toehold_matches",
    "spurious_gate",
    "try_defect_change",
    "try_toehold_change",
]

#: A defect-reducing change may not add spurious exact matches this long or longer (nt).
DEFECT_GATE_K = 8


class Defects:
    """Ensemble defects of the intended complexes, re-evaluated per changed domain."""

    def __init__(
        self,
        seq: np.ndarray,
        lay: Layout,
        strands: dict[str, list[str]],
        complexes: dict[str, tuple[list[str], str]],
        targets: dict[str, str],
        md: Any,
    ) -> None:
        self.md = md
        by_strand = dict(zip(strands, lay.labels, strict=True))
        self.names, self.labels, self.targets, self.cuts = [], [], [], []
        by_domain: dict[int, list[int]] = {}
        for cname, (snames, _) in complexes.items():
            if len(snames) > MAX_STRANDS_CHECKED:
                continue
            c = len(self.names)
            labs = [by_strand[s] for s in snames]
            self.names.append(cname)
            self.labels.append(np.concatenate(labs))
            self.targets.append(targets[cname].replace("&", ""))
            self.cuts.append(np.cumsum([len(x) for x in labs])[:-1])
            for i in np.unique(lay.owner[np.concatenate(labs) >> 1]):
                by_domain.setdefault(int(i), []).append(c)
        self.by_domain = by_domain
        self.owner = lay.owner
        self.defect = np.array([self.evaluate(seq, c)[0] for c in range(len(self.names))])

    def _fc(self, seq: np.ndarray, c: int) -> Any:
        import RNA

        s = "".join(BASES[x] for x in codes(seq, self.labels[c]))
        parts = np.split(np.array(list(s)), self.cuts[c])
        fc = RNA.fold_compound("&".join("".join(p) for p in parts), self.md)
        # ViennaRNA's default Boltzmann scaling suffices for these sizes; rescale to the
        # MFE (as everywhere else) only if the partition function over- or underflows
        if np.isfinite(fc.pf()[1]):
            return fc
        _, mfe = fc.mfe()
        if mfe >= 1e4:
            return None
        fc.exp_params_rescale(mfe)
        return fc if np.isfinite(fc.pf()[1]) else None

    def evaluate(self, seq: np.ndarray, c: int) -> tuple[float, Any]:
        """(ensemble defect as a fraction of nt, fold compound) of complex ``c``."""
        fc = self._fc(seq, c)
        if fc is None:
            return 1.0, None
        return float(fc.ensemble_defect(self.targets[c])), fc

    def per_nt(self, seq: np.ndarray, c: int) -> np.ndarray:
        """Defect of each nucleotide of complex ``c`` (probability it is not as targeted)."""
        fc = self._fc(seq, c)
        n = len(self.targets[c])
        if fc is None:
            return np.ones(n)
        P = np.array(fc.bpp())[1 : n + 1, 1 : n + 1]
        P = P + P.T
        partner = np.full(n, -1)
        stack: list[int] = []
        for i, ch in enumerate(self.targets[c]):
            if ch == "(":
                stack.append(i)
            elif ch == ")":
                j = stack.pop()
                partner[i], partner[j] = j, i
        paired = partner >= 0
        d = P.sum(axis=1)
        d[paired] = 1.0 - P[np.flatnonzero(paired), partner[paired]]
        return d


#: Positions of a clashing window tried for a compensating change (defect phase).
DEFECT_FIX_TRIES = 8


def compensate(
    trial: np.ndarray,
    others: np.ndarray,
    g: int,
    lay: Layout,
    alphabet: list[int],
    rng: np.random.Generator,
    hard: HardConstraints,
) -> tuple[int, int] | None:
    """A second change, inside the windows ``others`` that the change at ``g`` repeats,
    after which every hard constraint holds again; ``None`` if none is found.  ``hard``
    is in step with ``trial`` before the change at ``g``; only the windows holding the
    two changes are checked (:meth:`HardConstraints.allows`)."""
    cand = [int(p) for p in rng.permutation(others) if lay.mutable[p] and p != g]
    for p in cand[:DEFECT_FIX_TRIES]:
        for b in rng.permutation([x for x in alphabet if x != trial[p]]):
            t2 = trial.copy()
            t2[p] = b
            if hard.allows(t2, [g, p]):
                return p, int(b)
    return None


@dataclass
class SearchState:
    """What the refinement phases change and keep in step: the domain vector ``seq``
    (base codes, changed in place), its layout, the SSM score state, the hard-constraint
    checker, the base codes allowed in long domains, and the random generator."""

    seq: np.ndarray
    lay: Layout
    ssm: SpuriousSearch
    hard: HardConstraints
    alphabet: list[int]
    rng: np.random.Generator


def spurious_gate(ssm: SpuriousSearch) -> int:
    """Spurious exact matches of :data:`DEFECT_GATE_K` nt or more the last proposal adds."""
    return sum(n for k, n in ssm.last_comp.items() if k >= DEFECT_GATE_K)


def keep_moves(
    st: SearchState,
    moves: list[tuple[int, int]],
    trial: np.ndarray,
    ok: tuple | None,
    defects: Defects | None,
    defect_target: float,
) -> bool:
    """Make ``moves`` ((position, base); ``trial`` is ``st.seq`` with them) in place when
    they add no spurious match of :data:`DEFECT_GATE_K` nt or more and no defect rises
    above ``defect_target`` (:func:`defects_stay`); ``ok`` is :meth:`HardConstraints.check`
    of a single move (None: the hard-constraint state is rebuilt).  True if kept."""
    if len(moves) == 1:
        g, b = moves[0]
        d, change = st.ssm.propose(g, b)
        if spurious_gate(st.ssm) > 0:
            return False
        stay = None if defects is None else defects_stay(defects, trial, g, defect_target)
        if defects is not None and stay is None:
            return False
        st.ssm.accept(d, change)
    else:
        stay = None if defects is None else defects_stay(defects, trial, moves[0][0], defect_target)
        if defects is not None and stay is None:
            return False
        gate, done = 0, []
        for g, b in moves:  # applied in turn, undone below unless kept
            d, change = st.ssm.propose(g, b)
            gate += spurious_gate(st.ssm)
            done.append((g, int(st.seq[g])))
            st.ssm.accept(d, change)
        if gate > 0:
            for g, old in reversed(done):
                d, change = st.ssm.propose(g, old)
                st.ssm.accept(d, change)
            return False
    if ok is not None:
        st.hard.apply(ok)
    else:
        st.hard.force(trial, [g for g, _ in moves])
    st.seq[:] = trial
    if stay is not None:
        defects.defect[stay[0]] = stay[1]
    return True


def draw_defect_site(
    st: SearchState,
    defects: Defects,
    target: float,
    stuck: set[int],
    cache: dict[int, np.ndarray],
) -> tuple[int, int | None] | None:
    """Draw a complex above ``target`` (in proportion to its excess) and one of its
    long-domain nucleotides (in proportion to its defect).

    Returns (complex, domain-vector position), (complex, ``None``) for a complex without
    a mutable nucleotide (added to ``stuck``), or ``None`` when no complex is left above
    ``target``.  ``cache`` keeps per-nucleotide defects between draws.
    """
    over = np.array(
        [c for c in range(len(defects.defect)) if defects.defect[c] > target and c not in stuck],
        np.int64,
    )
    if not len(over):
        return None
    excess = defects.defect[over] - target
    c = int(over[st.rng.choice(len(over), p=excess / excess.sum())])
    if c not in cache:
        cache[c] = defects.per_nt(st.seq, c)
    w = cache[c] * st.lay.mutable[defects.labels[c] >> 1]
    if w.sum() <= 0:
        stuck.add(c)
        return c, None
    return c, int(defects.labels[c][st.rng.choice(len(w), p=w / w.sum())] >> 1)


def defect_trial(
    st: SearchState, defects: Defects, c: int, g: int, b: int
) -> tuple[np.ndarray, list[tuple[int, int]], tuple | None, float] | None:
    """``seq`` with base ``b`` at ``g``, if that lowers complex ``c``'s defect.

    A change that breaks a hard constraint is paired with a compensating change
    (:func:`compensate`), and with ``hard_windows`` the pair may not add a toehold
    window.  Returns (the trial, its moves, :meth:`HardConstraints.check`'s state
    update of a single change or ``None`` for a pair, ``c``'s new defect), or ``None``.
    """
    seq, hard = st.seq, st.hard
    old = int(seq[g])
    trial = seq.copy()
    trial[g] = b
    new_c = defects.evaluate(trial, c)[0]
    if new_c >= defects.defect[c]:
        return None
    ok = hard.check(trial, g, old)
    moves = [(g, b)]
    if ok is None:
        others = hard.collisions(trial, g, old)
        if others is None or not len(others):
            return None
        fix = compensate(trial, others, g, st.lay, st.alphabet, st.rng, hard)
        if fix is None:
            return None
        trial[fix[0]] = fix[1]
        moves.append(fix)
        if hard.hard_windows and hard.window_change(seq, trial, [g, fix[0]]) > 0:
            return None
        if fix[0] in set((defects.labels[c] >> 1).tolist()):
            new_c = defects.evaluate(trial, c)[0]
            if new_c >= defects.defect[c]:
                return None
    return trial, moves, ok, new_c


def _excess(defect: np.ndarray, target: float) -> float:
    return float(np.maximum(defect - target, 0).sum())


def try_defect_change(
    st: SearchState, defects: Defects, c: int, g: int, b: int, target: float
) -> tuple[int, list[int]]:
    """Try base ``b`` at ``g`` for complex ``c`` (:func:`defect_trial`); keep it when it
    adds no spurious match of :data:`DEFECT_GATE_K` nt or more and the summed excess of
    defects over ``target`` of every complex holding a changed domain falls.

    Returns (changes kept: 0, 1, or 2 for a compensated pair; the complexes whose defect
    changed).
    """
    found = defect_trial(st, defects, c, g, b)
    if found is None:
        return 0, []
    trial, moves, ok, new_c = found
    ssm = st.ssm
    if len(moves) == 1:
        d, change = ssm.propose(g, b)
        spurious_ok = spurious_gate(ssm) <= 0
    else:  # applied in turn, undone below unless kept
        gate = 0
        for p, bb in moves:
            dp, ch = ssm.propose(p, bb)
            gate += spurious_gate(ssm)
            ssm.accept(dp, ch)
        spurious_ok = gate <= 0
    affected = sorted(
        {a for p, _ in moves for a in defects.by_domain.get(int(defects.owner[p]), [])}
    )
    if spurious_ok:
        new = np.array([new_c if a == c else defects.evaluate(trial, a)[0] for a in affected])
        if _excess(new, target) < _excess(defects.defect[affected], target):
            if len(moves) == 1:
                ssm.accept(d, change)
                st.hard.apply(ok)
            else:
                st.hard.force(trial, [p for p, _ in moves])
            st.seq[:] = trial
            defects.defect[affected] = new
            return len(moves), affected
    if len(moves) > 1:
        for p, _ in reversed(moves):
            dp, ch = ssm.propose(p, int(st.seq[p]))
            ssm.accept(dp, ch)
    return 0, []


def refine_defects(st: SearchState, defects: Defects, steps: int, target: float) -> dict[str, Any]:
    """Lower the ensemble defects of intended complexes above ``target`` (in place).

    Each step draws a complex above ``target`` and one of its long-domain nucleotides
    (:func:`draw_defect_site`), and tries the other bases there in random order, each
    that lowers that complex's defect in turn, until one is kept
    (:func:`try_defect_change`).  Returns the phase statistics.
    """
    initial_max = float(defects.defect.max()) if len(defects.defect) else 0.0
    accepted = tried = paired = 0
    stuck: set[int] = set()  # complexes without a mutable nucleotide
    cache: dict[int, np.ndarray] = {}
    for step in range(steps):
        if step and step % max(1, steps // 10) == 0:
            worst = float(defects.defect.max())
            log.info("ensemble defects: step %d of %d, worst %.1f%%", step, steps, 100 * worst)
        site = draw_defect_site(st, defects, target, stuck, cache)
        if site is None:
            break
        c, g = site
        if g is None:
            continue
        tried += 1
        old = int(st.seq[g])
        for b in st.rng.permutation([x for x in st.alphabet if x != old]):
            kept, affected = try_defect_change(st, defects, c, g, int(b), target)
            if kept:
                for a in affected:
                    cache.pop(a, None)
                accepted += 1
                paired += int(kept == 2)
                break
    return {
        "defect_target": target,
        "defect_steps": tried,
        "defect_accepted": accepted,
        "defect_accepted_pairs": paired,
        "defect_initial_max": round(initial_max, 6),
        "defect_final_max": round(float(defects.defect.max()) if len(defects.defect) else 0.0, 6),
    }


#: Proposals of the toehold-match phase per matching window found at its start (at most
#: :data:`TOEHOLD_MATCH_MAX_STEPS` in all).
TOEHOLD_MATCH_STEPS = 2
TOEHOLD_MATCH_MAX_STEPS = 40


def defects_stay(
    defects: Defects, trial: np.ndarray, g: int, target: float
) -> tuple[list[int], np.ndarray] | None:
    """Defects of the complexes holding the domain of ``g`` after the change ``trial``,
    smallest complexes first, or ``None`` at the first one that ends above ``target``
    and above its current defect.  Returns (complexes, their new defects)."""
    affected = sorted(
        defects.by_domain.get(int(defects.owner[g]), []),
        key=lambda a: len(defects.targets[a]),
    )
    vals = []
    for a in affected:
        v = defects.evaluate(trial, a)[0]
        if v > max(defects.defect[a], target):
            return None
        vals.append(v)
    return affected, np.array(vals)


def try_toehold_change(
    st: SearchState, defects: Defects | None, g: int, b: int, target: float
) -> bool:
    """Set base ``b`` at ``g`` (in place) if the hard constraints hold, fewer strand
    windows read an exposed toehold, no spurious match of :data:`DEFECT_GATE_K` nt or more
    appears, and no defect rises above ``target`` (:func:`defects_stay`)."""
    seq, hard = st.seq, st.hard
    trial = seq.copy()
    trial[g] = b
    ok = hard.check(trial, g, int(seq[g]))
    if ok is None or hard.toehold_delta(trial, g, int(seq[g])) >= 0:
        return False
    return keep_moves(st, [(g, int(b))], trial, ok, defects, target)


def fix_toehold_window(st: SearchState, defects: Defects | None, w: int, target: float) -> bool:
    """Try the long-domain nucleotides of strand window ``w`` and their other bases in
    random order until one change is kept (:func:`try_toehold_change`)."""
    L = st.hard.th[0]
    pos = [int(p) for p in st.rng.permutation(np.unique(L[w] >> 1)) if st.lay.mutable[p]]
    for g in pos:
        old = int(st.seq[g])
        for b in st.rng.permutation([x for x in st.alphabet if x != old]):
            if try_toehold_change(st, defects, g, b, target):
                return True
    return False


def refine_toehold_matches(
    st: SearchState, defects: Defects | None, target: float
) -> dict[str, Any]:
    """Remove strand windows that match an exposed toehold complement (in place).

    A window of :data:`TOEHOLD_MATCH_NT` nt reading part of a toehold whose complement lies
    unpaired in an intended complex lets a strand that is no intended partner bind there
    (ViennaRNA: about -6 kcal/mol).  Each step takes such a window at random and changes
    one of its nucleotides (:func:`fix_toehold_window`): a change is kept when the hard
    constraints hold, the number of such windows falls, it adds no spurious complementary
    match of :data:`DEFECT_GATE_K` nt or more, and no intended complex holding the domain
    ends above ``target`` ensemble defect unless it was already (and then not higher).
    """

    def hits() -> np.ndarray:
        return np.flatnonzero(st.hard.toehold_hits(st.seq))

    start = hits()
    steps = min(TOEHOLD_MATCH_MAX_STEPS, TOEHOLD_MATCH_STEPS * len(start))
    accepted = tried = 0
    for _ in range(steps):
        bad = hits()
        if not len(bad):
            break
        tried += 1
        w = int(bad[st.rng.integers(len(bad))])
        accepted += int(fix_toehold_window(st, defects, w, target))
    return {
        "toehold_match_initial": int(len(start)),
        "toehold_match_steps": tried,
        "toehold_match_accepted": accepted,
        "toehold_match_final": int(len(hits())),
    }


#: Attempts between progress lines of :func:`worst_first`.
PROGRESS_EVERY = 25


def worst_first(
    steps: int,
    worst: Callable[[set[int]], int | None],
    attempt: Callable[[int], bool],
    max_seconds: float = math.inf,
    label: str = "",
) -> tuple[int, int]:
    """Up to ``steps`` times, ``attempt`` the worst item not yet stuck (``worst``; None:
    nothing left); an item whose attempt fails is stuck.  No attempt starts after
    ``max_seconds`` (s; said in a log line); with a ``label``, a progress line every
    :data:`PROGRESS_EVERY` attempts.  Returns (tried, kept)."""
    tried = kept = 0
    stuck: set[int] = set()
    t0 = time.monotonic()
    for _ in range(steps):
        if time.monotonic() - t0 > max_seconds:
            log.info(f"{label or 'refinement'}: stopped at its time bound of {max_seconds:g} s "
                     f"after {tried} of {steps} steps ({kept} kept)")  # fmt: skip
            break
        if label and tried and tried % PROGRESS_EVERY == 0:
            log.info(
                f"{label}: step {tried} of {steps}, {kept} kept ({time.monotonic() - t0:.0f} s)"
            )
        i = worst(stuck)
        if i is None:
            break
        tried += 1
        if attempt(i):
            kept += 1
        else:
            stuck.add(i)
    return tried, kept


class Unpaired:
    """Unpaired probabilities of the toehold nucleotides of free strands folded alone
    (SSTU, ViennaRNA ensemble), read off the domain vector."""

    def __init__(self, lay: Layout, free: dict[int, np.ndarray], md: Any) -> None:
        # free: strand index (in lay.labels) -> mask of its toehold nucleotides
        self.lay, self.md = lay, md
        self.free = {i: m for i, m in free.items() if m.any()}
        self.by_pos: dict[int, set[int]] = {}
        for i in self.free:
            for p in np.unique(lay.labels[i] >> 1):
                self.by_pos.setdefault(int(p), set()).add(i)
        self.value: dict[int, float] = {}

    def fold(self, seq: np.ndarray, i: int) -> tuple[float, int, np.ndarray]:
        """(SSTU min, index of that toehold nucleotide, pair probabilities) of strand ``i``."""
        import RNA

        s = "".join(BASES[b] for b in codes(seq, self.lay.labels[i]))
        fc = RNA.fold_compound(s, self.md)
        _, mfe = fc.mfe()
        fc.exp_params_rescale(mfe)
        fc.pf()
        n = len(s)
        P = np.array(fc.bpp())[1 : n + 1, 1 : n + 1]
        P = P + P.T
        unp = 1.0 - P.sum(axis=1)
        masked = np.where(self.free[i], unp, np.inf)
        k = int(np.argmin(masked))
        return float(masked[k]), k, P

    def sstu(self, seq: np.ndarray, i: int) -> float:
        return self.fold(seq, i)[0]


def refine_sstu(
    st: SearchState,
    up: Unpaired,
    threshold: float,
    steps: int,
    defects: Defects | None,
    defect_target: float,
    max_seconds: float = math.inf,
) -> dict[str, Any]:
    """Phase 5: raise the SSTU of free strands below ``threshold`` (in place); no step
    starts after ``max_seconds`` (s).

    Each step takes the free strand with the lowest SSTU, its least unpaired toehold
    nucleotide and the long-domain nucleotides it pairs with most (pair probability),
    and tries their other bases (alone, or with a second base beside it): a change is
    kept when the hard constraints hold, that strand's SSTU rises, no other free strand
    holding the domain falls below ``threshold`` (or below its value), no spurious match
    of :data:`DEFECT_GATE_K` nt or more appears and no defect rises above
    ``defect_target``.
    """
    up.value = {i: up.sstu(st.seq, i) for i in up.free}
    start = min(up.value.values(), default=1.0)

    def worst(stuck: set[int]) -> int | None:
        low = [i for i, v in up.value.items() if v < threshold and i not in stuck]
        return min(low, key=up.value.__getitem__, default=None)

    tried, kept = worst_first(
        steps,
        worst,
        lambda i: _raise_sstu(st, up, i, threshold, defects, defect_target),
        max_seconds,
        "single-stranded toeholds",
    )
    return {
        "sstu_initial_min": round(start, 4),
        "sstu_steps": tried,
        "sstu_accepted": kept,
        "sstu_final_min": round(min(up.value.values(), default=1.0), 4),
    }


def _raise_sstu(
    st: SearchState,
    up: Unpaired,
    i: int,
    threshold: float,
    defects: Defects | None,
    defect_target: float,
) -> bool:
    """One kept change that raises strand ``i``'s SSTU (:func:`refine_sstu`), if any: a
    base at a pairing partner of its worst toehold nucleotide, or, when that alone breaks
    a constraint or makes a spurious match, with a second base beside it."""
    seq = st.seq
    _, k, P = up.fold(seq, i)
    labels = up.lay.labels[i]
    partners = [int(j) for j in np.argsort(-P[k])[:SSTU_PARTNERS] if P[k, j] > 0.01]
    for j in partners:
        g = int(labels[j] >> 1)
        if not up.lay.mutable[g]:
            continue
        for b in st.rng.permutation([x for x in st.alphabet if x != int(seq[g])]):
            if _try_sstu_moves(st, up, i, [(g, int(b))], threshold, defects, defect_target):
                return True
        for g2 in (g - 1, g + 1):
            if not 0 <= g2 < len(seq) or not up.lay.mutable[g2]:
                continue
            if up.lay.owner[g2] != up.lay.owner[g]:
                continue
            for b in st.rng.permutation([x for x in st.alphabet if x != int(seq[g])]):
                for b2 in st.rng.permutation([x for x in st.alphabet if x != int(seq[g2])]):
                    moves = [(g, int(b)), (g2, int(b2))]
                    if _try_sstu_moves(st, up, i, moves, threshold, defects, defect_target):
                        return True
    return False


def _try_sstu_moves(
    st: SearchState,
    up: Unpaired,
    i: int,
    moves: list[tuple[int, int]],
    threshold: float,
    defects: Defects | None,
    defect_target: float,
) -> bool:
    """Keep ``moves`` (position, base) if strand ``i``'s SSTU rises, no other free strand
    falls below ``threshold`` (or its value), every hard constraint holds (toehold windows
    among them only when they are hard), no spurious match of :data:`DEFECT_GATE_K` nt or
    more is added and no defect rises above ``defect_target``."""
    seq, hard = st.seq, st.hard
    trial = seq.copy()
    for g, b in moves:
        trial[g] = b
    if len(moves) == 1:
        g, _ = moves[0]
        ok = hard.check(trial, g, int(seq[g]))  # toehold windows too, when they are hard
        if ok is None:
            return False
    else:
        ok = None
        where = [g for g, _ in moves]
        if not hard.allows(trial, where):
            return False
        if hard.hard_windows and hard.window_change(seq, trial, where) > 0:
            return False
    touched = set().union(*(up.by_pos.get(g, set()) for g, _ in moves))
    new = {h: up.sstu(trial, h) for h in touched}
    if new.get(i, 0.0) <= up.value[i] + 1e-6:
        return False
    if any(v < min(threshold, up.value[h]) - 1e-6 for h, v in new.items() if h != i):
        return False
    if not keep_moves(st, moves, trial, ok, defects, defect_target):
        return False
    up.value.update(new)
    return True


#: Pairing partners of the worst toehold nucleotide tried per SSTU step.
SSTU_PARTNERS = 8


class Occupancy:
    """Occupancy of exposed toehold sites by unintended partners, read off the domain
    vector: each site (a toehold with its flanking nucleotides, which its complex pairs,
    blocked from pairing) against every strand added alone to the mix, with ViennaRNA
    ensemble binding energies and independent binding, ``θ = ΣKc / (1 + ΣKc)`` (partners
    in excess; the scores solve the full mass balance)."""

    def __init__(
        self,
        lay: Layout,
        sites: list[tuple[np.ndarray, str, set[int]]],
        partners: dict[int, float],
        md: Any,
        temperature_C: float,
    ) -> None:
        # sites: (labels of the site's nucleotides, ViennaRNA constraint, strands that
        # are intended partners); partners: strand index -> concentration (M)
        self.lay, self.md, self.sites, self.partners = lay, md, sites, partners
        self.rt = rt(temperature_C)
        self.memo: dict[tuple[str, str], float] = {}  # (sequences, constraint) -> ΔG
        self.by_pos: dict[int, set[int]] = {}
        for j in partners:
            for p in np.unique(lay.labels[j] >> 1):
                self.by_pos.setdefault(int(p), set()).add(j)
        self.K = np.zeros((len(sites), max(partners, default=0) + 1))

    def _g(self, seqs: list[str], con: str) -> float:
        """Ensemble ΔG (kcal/mol) of ``seqs`` with ``con``'s blocked nucleotides, memoised:
        a site or strand alone recurs in every pair it is in."""
        import RNA

        key = ("&".join(seqs), con)
        if key not in self.memo:
            fc = RNA.fold_compound(key[0], self.md)
            fc.hc_add_from_db(con, RNA.CONSTRAINT_DB_DEFAULT)
            self.memo[key] = float(fc.pf()[1])
        return self.memo[key]

    def _site(self, seq: np.ndarray, s: int) -> str:
        return "".join(BASES[b] for b in codes(seq, self.sites[s][0]))

    def _strand(self, seq: np.ndarray, j: int) -> str:
        return "".join(BASES[b] for b in codes(seq, self.lay.labels[j]))

    def binding(self, seq: np.ndarray, s: int, j: int) -> float:
        """K (/M) of partner strand ``j`` on site ``s``."""
        if j in self.sites[s][2]:
            return 0.0
        site, con = self._site(seq, s), self.sites[s][1]
        strand = self._strand(seq, j)
        dG = (
            self._g([site, strand], con + "." * len(strand))
            - self._g([site], con)
            - self._g([strand], "." * len(strand))
        )
        return float(np.exp(-dG / self.rt))

    def fill(self, seq: np.ndarray) -> None:
        for s in range(len(self.sites)):
            for j in self.partners:
                self.K[s, j] = self.binding(seq, s, j)

    def theta(self, K: np.ndarray | None = None) -> np.ndarray:
        """Occupancy of every site (fraction)."""
        K = self.K if K is None else K
        c = np.zeros(K.shape[1])
        for j, x in self.partners.items():
            c[j] = x
        load = K @ c
        return load / (1.0 + load)


def refine_occupancy(
    st: SearchState,
    occ: Occupancy,
    target: float,
    steps: int,
    defects: Defects | None,
    defect_target: float,
    up: Unpaired | None = None,
    sstu_min: float = 0.9,
    max_seconds: float = math.inf,
) -> dict[str, Any]:
    """Phase 6: lower the occupancy of the most occupied exposed toehold (in place); no
    step starts after ``max_seconds`` (s).

    Each step takes the site with the highest occupancy above ``target`` (fraction), its
    :data:`OCCUPANCY_PARTNERS` strongest unintended partners, and each one's nucleotides
    paired with the site in their dimer's MFE structure, and tries their other bases: a
    change is kept when the hard constraints hold, that site's occupancy falls, the
    highest occupancy does not rise, the summed excess over ``target`` falls, no spurious
    match of :data:`DEFECT_GATE_K` nt or more appears, no defect rises above
    ``defect_target`` and no free strand's SSTU falls below the lower of its value and
    ``sstu_min`` (``up``).
    """
    occ.fill(st.seq)
    start = float(occ.theta().max(initial=0.0))

    def worst(stuck: set[int]) -> int | None:
        theta = occ.theta()
        order = [int(s) for s in np.argsort(-theta) if theta[s] > target and s not in stuck]
        return order[0] if order else None

    deadline = time.monotonic() + max_seconds  # an attempt may try many moves: it checks too
    limits = _Limits(target, defects, defect_target, up, sstu_min, deadline)

    def attempt(s: int) -> bool:
        return _lower_site(st, occ, s, occ.theta(), limits)

    tried, kept = worst_first(steps, worst, attempt, max_seconds, "occupancy")
    return {
        "occupancy_initial_max": round(start, 4),
        "occupancy_steps": tried,
        "occupancy_accepted": kept,
        "occupancy_final_max": round(float(occ.theta().max(initial=0.0)), 4),
    }


class _Limits(NamedTuple):
    """What an occupancy change must respect (:func:`refine_occupancy`)."""

    target: float
    defects: Defects | None
    defect_target: float
    up: Unpaired | None
    sstu_min: float
    deadline: float = math.inf  # time.monotonic() past which no move is tried


def _lower_site(st: SearchState, occ: Occupancy, s: int, theta: np.ndarray, lim: _Limits) -> bool:
    """One kept change that lowers site ``s``'s occupancy (:func:`refine_occupancy`)."""
    import RNA

    seq = st.seq
    conc = np.array([occ.partners.get(j, 0.0) for j in range(occ.K.shape[1])])
    for j in np.argsort(-(occ.K[s] * conc))[:OCCUPANCY_PARTNERS]:
        j = int(j)
        site, strand = occ._site(seq, s), occ._strand(seq, j)
        fc = RNA.fold_compound(f"{site}&{strand}", occ.md)
        fc.hc_add_from_db(occ.sites[s][1] + "." * len(strand), RNA.CONSTRAINT_DB_DEFAULT)
        db = fc.mfe()[0]
        # the strand's nucleotides paired (with the site, in a dimer) in the MFE
        paired = [k for k, ch in enumerate(db[len(site) :]) if ch != "."]
        labels = occ.lay.labels[j]
        for k in st.rng.permutation(paired):
            g = int(labels[int(k)] >> 1)
            if not occ.lay.mutable[g]:
                continue
            for b in st.rng.permutation([x for x in st.alphabet if x != int(seq[g])]):
                if time.monotonic() > lim.deadline:
                    return False
                if _try_occupancy_move(st, occ, s, g, int(b), theta, lim):
                    return True
    return False


def _try_occupancy_move(
    st: SearchState, occ: Occupancy, s: int, g: int, b: int, theta: np.ndarray, lim: _Limits
) -> bool:
    """Keep base ``b`` at ``g`` if it lowers site ``s`` as :func:`refine_occupancy` asks."""
    target, defects, defect_target, up = lim[:4]
    seq, hard = st.seq, st.hard
    trial = seq.copy()
    trial[g] = b
    ok = hard.check(trial, g, int(seq[g]))
    if ok is None:
        return False
    K = occ.K.copy()
    for j in occ.by_pos.get(g, ()):
        for t in range(len(occ.sites)):
            K[t, j] = occ.binding(trial, t, j)
    new = occ.theta(K)
    if new[s] >= theta[s] - 1e-9 or new.max() > theta.max() + 1e-9:
        return False
    if np.maximum(new - target, 0).sum() >= np.maximum(theta - target, 0).sum():
        return False
    sstu = {}
    if up is not None:
        sstu = {h: up.sstu(trial, h) for h in up.by_pos.get(g, ())}
        if any(v < min(up.value[h], lim.sstu_min) - 1e-6 for h, v in sstu.items()):
            return False
    if not keep_moves(st, [(g, b)], trial, ok, defects, defect_target):
        return False
    occ.K = K
    if up is not None:
        up.value.update(sstu)
    return True


#: Strongest unintended partners of a site tried per occupancy step.
OCCUPANCY_PARTNERS = 3
