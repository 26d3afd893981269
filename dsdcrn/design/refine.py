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
   hold and no defect rises above target.

Both phases change a :class:`SearchState` in place.  Defects are fractions of nt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dsdcrn.design.constraints import (
    BASES,
    HardConstraints,
    Layout,
    violations,
)
from dsdcrn.design.kmers import SpuriousSearch, codes
from dsdcrn.design.vienna import MAX_STRANDS_CHECKED

__all__ = [
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
    gc_counts: tuple[np.ndarray, np.ndarray],
    alphabet: list[int],
    rng: np.random.Generator,
) -> tuple[int, int] | None:
    """A second change, inside the windows ``others`` that the change at ``g`` repeats,
    after which every hard constraint holds again; ``None`` if none is found."""
    cand = [int(p) for p in rng.permutation(others) if lay.mutable[p] and p != g]
    for p in cand[:DEFECT_FIX_TRIES]:
        for b in rng.permutation([x for x in alphabet if x != trial[p]]):
            t2 = trial.copy()
            t2[p] = b
            if violations(t2, lay, gc_counts)[0] == 0:
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
    (:func:`compensate`).  Returns (trial sequence, the changes, the hard-constraint
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
        fix = compensate(trial, others, g, st.lay, (hard.low, hard.high), st.alphabet, st.rng)
        if fix is None:
            return None
        trial[fix[0]] = fix[1]
        moves.append(fix)
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
    for _ in range(steps):
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
    seq, hard, ssm = st.seq, st.hard, st.ssm
    trial = seq.copy()
    trial[g] = b
    ok = hard.check(trial, g, int(seq[g]))
    if ok is None:
        return False
    _, _, off, win, *_ = hard.th
    A = win[off[g] : off[g + 1]]
    if hard.toehold_hits(trial, A).sum() >= hard.toehold_hits(seq, A).sum():
        return False
    d, change = ssm.propose(g, int(b))
    if spurious_gate(ssm) > 0:
        return False
    stay = None if defects is None else defects_stay(defects, trial, g, target)
    if defects is not None and stay is None:
        return False
    ssm.accept(d, change)
    hard.apply(ok)
    seq[g] = b
    if stay is not None:
        defects.defect[stay[0]] = stay[1]
    return True


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
