"""Crosstalk between modules: complexes of different modules that could bind, and
whether they react.

Two complexes of different modules can react only if one binds the other, which needs
an unpaired domain of one complementary to an unpaired domain of the other.  Each such
pair (:func:`crosstalk_pairs`) is enumerated on its own, each distinct pair shape once
(:class:`PairChecker`); a pair that reacts makes modular enumeration merge its modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.peppercorn import EnumerationOptions, SignalIndex
from dsdcrn.enumerate.shapes import (
    ModuleResult,
    enumerate_shape,
    rename_domains,
    shape_key,
    unpaired_domains,
)
from dsdcrn.model.domains import base, complement, to_kernel

__all__ = [
    "Exposure",
    "PairChecker",
    "crosstalk_pairs",
    "distinct_pairs",
    "free_signal",
    "pair_reacts",
]

log = logging.getLogger(__name__)

# one complex as (strands, structure)
Cx = tuple[list[list[str]], list[str]]
Pair = tuple[int, int, Cx, Cx]


def free_signal(cx: Cx, index: SignalIndex) -> str | None:
    """The formal species whose signal a lone unpaired strand is, if it is one."""
    strands, st = cx
    if len(strands) != 1 or any(x != "." for x in st):
        return None
    return index.species(strands[0])


class Exposure:
    """Every complex of the modules' results, by kernel: ``where`` the modules holding
    it, ``cx`` the complex, ``exposed`` per unpaired domain the (module, kernel) pairs
    exposing it."""

    def __init__(self, results: list[ModuleResult]) -> None:
        self.where: dict[str, set[int]] = {}
        self.cx: dict[str, Cx] = {}
        self.exposed: dict[str, list[tuple[int, str]]] = {}
        self._shapes: dict[str, tuple] = {}
        for m, res in enumerate(results):
            for members in res.states.values():
                for _, strands, st in members:
                    kern = to_kernel(strands, st)
                    self.where.setdefault(kern, set()).add(m)
                    self.cx[kern] = (strands, st)
                    for d in unpaired_domains(strands, st):
                        self.exposed.setdefault(d, []).append((m, kern))

    def candidates(
        self, consumed: list[set[str]], signal_of: Callable[[Cx], str | None]
    ) -> Iterator[tuple[int, int, str, str]]:
        """Each pair of complexes of different modules that could bind, once: (module,
        module, kernel exposing a domain, kernel exposing its complement).  A signal
        strand (any history variant) of a species a module consumes belongs to that
        module: its reactions with the module's gates are the module's own."""
        signal = {k: signal_of(c) for k, c in self.cx.items()}
        where, seen = self.where, set()
        for d, holders in self.exposed.items():
            if d.endswith("*"):
                continue
            partners = self.exposed.get(complement(d), [])
            for m, kern in holders:
                x = signal[kern]
                for m2, kern2 in partners:
                    if m2 == m or where[kern] & where[kern2] or (kern, kern2) in seen:
                        continue
                    y = signal[kern2]
                    if (x and x in consumed[m2]) or (y and y in consumed[m]):
                        continue
                    seen.add((kern, kern2))
                    yield m, m2, kern, kern2

    def _shape(self, kern: str, lengths: dict[str, int]) -> tuple:
        """(kernel with domains renamed in order of first appearance, their lengths,
        domain -> position in that order, the domains in that order) of one complex."""
        if kern not in self._shapes:
            strands, st = self.cx[kern]
            order = list(dict.fromkeys(base(d) for s in strands for d in s))
            names = {d: f"c{i}" for i, d in enumerate(order, start=1)}
            canon = to_kernel(rename_domains(strands, names), st)
            lens = tuple(lengths[d] for d in order)
            self._shapes[kern] = (canon, lens, {d: i for i, d in enumerate(order)}, order)
        return self._shapes[kern]

    def pair_key(self, kern: str, kern2: str, lengths: dict[str, int]) -> tuple:
        """A key of the pair's shape, from the two complexes' own shapes and which
        domains they share: equal keys mean equal :func:`shape_key` keys, at a fraction
        of its cost (3.8 million candidate pairs in Kang-Kim 64-20-10, issue 17)."""
        c1, l1, pos, _ = self._shape(kern, lengths)
        c2, l2, _, order2 = self._shape(kern2, lengths)
        return c1, l1, c2, l2, tuple(pos.get(d, -1) for d in order2)


def crosstalk_pairs(
    results: list[ModuleResult],
    consumed: list[set[str]],
    signal_of: Callable[[Cx], str | None],
) -> list[Pair]:
    """Pairs of resting complexes of different modules that could bind each other
    (complementary unpaired domains) but share no module (:meth:`Exposure.candidates`):
    (module, module, complex, complex), each complex as (strands, structure); one entry
    per pair of complexes."""
    ex = Exposure(results)
    return [
        (min(m, m2), max(m, m2), ex.cx[k], ex.cx[k2])
        for m, m2, k, k2 in ex.candidates(consumed, signal_of)
    ]


def distinct_pairs(
    results: list[ModuleResult],
    consumed: list[set[str]],
    signal_of: Callable[[Cx], str | None],
    lengths: dict[str, int],
) -> tuple[list[Pair], int]:
    """(one pair of :func:`crosstalk_pairs` for each pair shape, the number of pairs),
    streamed: the pairs themselves are never held."""
    ex = Exposure(results)
    first: dict[tuple, Pair] = {}
    n = 0
    for m, m2, k, k2 in ex.candidates(consumed, signal_of):
        n += 1
        key = ex.pair_key(k, k2, lengths)
        if key not in first:
            first[key] = (min(m, m2), max(m, m2), ex.cx[k], ex.cx[k2])
    return list(first.values()), n


def pair_reacts(key, opts: EnumerationOptions) -> bool:
    """Worker body: whether the two complexes of a pair shape have a condensed reaction
    together (Peppercorn's bimolecular reactions start from resting complexes only, so
    a pair that binds only transiently cannot make a cross-module reaction)."""
    raw = enumerate_shape(key, opts)
    if "limit" in raw:
        return True
    state_of = {c[0]: st["name"] for st in raw["states"] for c in st["complexes"]}
    pair = sorted((state_of.get("n1"), state_of.get("n2")))
    return any(sorted(rs) == pair for rs, _, _ in raw["reactions"])


class PairChecker:
    """Checks candidate pairs on a :class:`JobRunner`, each pair shape once (``known``:
    shape key -> whether it reacts); ``pairs`` counts the candidates checked."""

    def __init__(
        self,
        runner: JobRunner,
        opts: EnumerationOptions,
        lengths: dict[str, int],
        progress: bool = False,
    ) -> None:
        self.runner, self.opts, self.lengths, self.progress = runner, opts, lengths, progress
        self.known: dict[Any, bool] = {}
        self.pairs = 0

    def first_reacting(
        self, candidates: list[Pair], count: int | None = None
    ) -> tuple[int, int] | None:
        """The modules (a, b) of the first candidate pair that reacts, or None;
        ``count``: the candidates they stand for (default: as many as given)."""
        self.pairs += len(candidates) if count is None else count
        checks = [
            shape_key([("s", *s_cx), ("t", *t_cx)], self.lengths)[0]
            for *_, s_cx, t_cx in candidates
        ]
        todo = [k for k in dict.fromkeys(checks) if k not in self.known]
        if todo and self.progress:
            log.info(f"  checking {len(todo)} distinct cross-module pairs that could bind ...")
        answers = self.runner.map(pair_reacts, [(k, self.opts) for k in todo])
        for key, reacts in zip(todo, answers, strict=True):
            self.known[key] = reacts
        return next(
            (
                (a, b)
                for (a, b, _, _), key in zip(candidates, checks, strict=True)
                if self.known[key]
            ),
            None,
        )
