"""Toehold sequences shared by several toehold domains, for circuits that need more
toeholds of one length than stickydesign supplies.

The Kang–Kim 2-2-1 network has 180 six-nt toeholds; at the designer's limits (A/C/T,
spurious <= 0.6 of the target) stickydesign finds 57.  Every toehold domain keeps its
own branch-migration domain beside it, so two domains may carry one sequence when they
never meet in one strand or one intended complex: a strand that binds the twin of its
toehold elsewhere finds no branch-migration domain to go on with and falls off again.
That binding is toehold occlusion, and the design's scores count it
(:mod:`dsdcrn.design.scores`); Peppercorn's enumeration does not see it.

:func:`share_toeholds` colours the domains onto the sequences (DSatur: the domain with
the most distinct sequences among its conflicts first), each taking the sequence that
makes no forbidden run across a toehold-toehold junction, reads part of a toehold across
such a junction least, is used least so far and, for a domain whose flank cannot be
pinned, binds nearest the target.  It then recolours until no two different pairs of
adjacent toeholds read the same two sequences (a shared 12-nt stretch no long domain
could break).  Energies in kcal/mol, lengths in nt.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping

import numpy as np

from dsdcrn.design.constraints import FORBIDDEN_RE, junction_reads, toehold_reads
from dsdcrn.design.toehold_energy import token_sequence
from dsdcrn.errors import DesignError

__all__ = ["RECOLOUR_TRIES", "adjacent_toeholds", "conflicts", "share_toeholds"]

#: Recolourings tried before adjacent toehold pairs that repeat are an error.
RECOLOUR_TRIES = 2000


def conflicts(
    names: list[str],
    strands: Mapping[str, list[str]],
    complexes: Mapping[str, tuple[list[str], str]],
) -> dict[str, set[str]]:
    """Name -> the names in ``names`` it shares a strand or an intended complex with."""
    out: dict[str, set[str]] = {n: set() for n in names}
    groups = [{t.rstrip("*") for t in toks} for toks in strands.values()]
    groups += [
        {t.rstrip("*") for s in snames for t in strands[s]} for snames, _ in complexes.values()
    ]
    for g in groups:
        members = g & out.keys()
        for n in members:
            out[n] |= members - {n}
    return out


def adjacent_toeholds(strands: Mapping[str, list[str]], toeholds: set[str]) -> set[tuple[str, str]]:
    """Every pair of adjacent tokens (5' first) that are both toeholds, in any strand."""
    return {
        (x, y)
        for toks in strands.values()
        for x, y in itertools.pairwise(toks)
        if x.rstrip("*") in toeholds and y.rstrip("*") in toeholds
    }


class _Junctions:
    """Cost of a sequence for a name at its toehold-toehold junctions: (forbidden runs,
    windows across the junction that read part of some toehold)."""

    def __init__(self, pairs: set[tuple[str, str]], fixed: Mapping[str, str], seqs: list[str]):
        self.of: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for x, y in sorted(pairs):
            self.of[x.rstrip("*")].append((x, y))
            self.of[y.rstrip("*")].append((x, y))
        self.fixed, self.seqs = fixed, seqs
        self.reads = set().union(*(toehold_reads(s) for s in [*seqs, *fixed.values()]))

    def cost(self, name: str, i: int, col: Mapping[str, int]) -> tuple[int, int]:
        bad = soft = 0
        for x, y in self.of.get(name, ()):
            parts = []
            for t in (x, y):
                b = t.rstrip("*")
                s = (
                    self.seqs[i]
                    if b == name
                    else (self.seqs[col[b]] if b in col else self.fixed.get(b))
                )
                parts.append(None if s is None else token_sequence({b: s}, t))
            if None in parts:
                continue
            a, c = parts
            bad += bool(FORBIDDEN_RE.search(a + c))
            soft += junction_reads(a, c, self.reads)
        return bad, soft


def share_toeholds(
    names: list[str],
    seqs: list[str],
    energies: list[float],
    target: float,
    strands: Mapping[str, list[str]],
    complexes: Mapping[str, tuple[list[str], str]],
    fixed: Mapping[str, str],
    pinned: set[str] | None,
    rng: np.random.Generator,
) -> dict[str, int]:
    """Index into ``seqs`` for every toehold name of one length.

    ``energies`` are the sequences' generic ΔG and ``target`` the length's target
    (kcal/mol); ``fixed`` holds the toeholds of other lengths already chosen (name ->
    sequence) and ``pinned`` the names whose flanks :func:`dsdcrn.design.toeholds.pin_flanks`
    can set (the others take the sequences nearest the target).  Raises
    :class:`DesignError` if the sequences cannot keep every strand's and complex's
    toeholds distinct, or adjacent toehold pairs keep repeating.
    """
    conf = conflicts(names, strands, complexes)
    pairs = adjacent_toeholds(strands, set(names) | set(fixed))
    junctions = _Junctions(pairs, fixed, seqs)
    col: dict[str, int] = {}
    use: Counter[int] = Counter()
    left = set(names)
    while left:
        n = max(left, key=lambda m: (len({col[x] for x in conf[m] if x in col}), len(conf[m]), m))
        banned = {col[x] for x in conf[n] if x in col}
        ok = [i for i in range(len(seqs)) if i not in banned]
        if not ok:
            raise DesignError(
                f"toehold sharing: {len(seqs)} sequences of {len(seqs[0])} nt cannot keep "
                f"{n}'s {len(conf[n])} strand and complex partners distinct"
            )
        near = pinned is not None and n not in pinned
        costs = {i: junctions.cost(n, i, col) for i in ok}
        pick = min(
            ok,
            key=lambda i: (
                costs[i][0],
                costs[i][1] > 0,
                use[i],
                abs(energies[i] - target) if near else 0.0,
                i,
            ),
        )
        col[n] = pick
        use[pick] += 1
        left.discard(n)
    _separate_pairs(col, conf, pairs, junctions, len(seqs), rng)
    return col


def _separate_pairs(
    col: dict[str, int],
    conf: Mapping[str, set[str]],
    pairs: set[tuple[str, str]],
    junctions: _Junctions,
    n_seqs: int,
    rng: np.random.Generator,
) -> None:
    """Recolour (in place) until no two different adjacent toehold pairs read the same
    two sequences, keeping conflicts apart and junctions free of forbidden runs."""

    def key(t: str) -> tuple:
        b = t.rstrip("*")
        return (col[b] if b in col else b, t.endswith("*"))

    for _ in range(RECOLOUR_TRIES):
        seen: dict[tuple, tuple[str, str]] = {}
        clash = None
        for x, y in sorted(pairs):
            k, pair = (key(x), key(y)), (x.rstrip("*"), y.rstrip("*"))
            if seen.setdefault(k, pair) != pair:
                clash = (pair, seen[k])
                break
        if clash is None:
            return
        movable = [m for m in set(clash[0]) ^ set(clash[1]) if m in col]
        if not movable:
            raise DesignError("toehold sharing: two adjacent toehold pairs of one sequence")
        n = sorted(movable)[int(rng.integers(len(movable)))]
        banned = {col[x] for x in conf[n] if x in col} | {col[n]}
        ok = [i for i in range(n_seqs) if i not in banned and junctions.cost(n, i, col)[0] == 0]
        if not ok:
            continue
        col[n] = int(rng.choice(ok))
    raise DesignError(
        f"toehold sharing: adjacent toehold pairs still repeat after {RECOLOUR_TRIES} recolourings"
    )
