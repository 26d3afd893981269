"""Crosstalk between modules: complexes of different modules that could bind, and
whether they react.

Two complexes of different modules can react only if one binds the other, which needs
an unpaired domain of one complementary to an unpaired domain of the other.  Each such
pair (:func:`crosstalk_pairs`) is enumerated on its own, each distinct pair shape once
(:class:`PairChecker`); a pair that reacts makes modular enumeration merge its modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.peppercorn import EnumerationOptions, SignalIndex
from dsdcrn.enumerate.shapes import ModuleResult, enumerate_shape, shape_key, unpaired_domains
from dsdcrn.model.domains import complement, to_kernel

__all__ = ["PairChecker", "crosstalk_pairs", "free_signal", "pair_reacts"]

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


def _exposure(results: list[ModuleResult]):
    """(kernel -> modules holding it, kernel -> complex, unpaired domain -> [(module,
    kernel)]) over every complex of the results."""
    where: dict[str, set[int]] = {}
    cx: dict[str, Cx] = {}
    exposed: dict[str, list[tuple[int, str]]] = {}
    for m, res in enumerate(results):
        for members in res.states.values():
            for _, strands, st in members:
                kern = to_kernel(strands, st)
                where.setdefault(kern, set()).add(m)
                cx[kern] = (strands, st)
                for d in unpaired_domains(strands, st):
                    exposed.setdefault(d, []).append((m, kern))
    return where, cx, exposed


def crosstalk_pairs(
    results: list[ModuleResult],
    consumed: list[set[str]],
    signal_of: Callable[[Cx], str | None],
) -> list[Pair]:
    """Pairs of resting complexes of different modules that could bind each other
    (complementary unpaired domains) but share no module: (module, module, complex,
    complex), each complex as (strands, structure); one entry per pair of complexes.

    A signal strand (any history variant) of a species a module consumes belongs to
    that module: its reactions with the module's gates are the module's own."""
    where, cx, exposed = _exposure(results)
    out, seen = [], set()
    for d, holders in exposed.items():
        if d.endswith("*"):
            continue
        partners = exposed.get(complement(d), [])
        for m, kern in holders:
            for m2, kern2 in partners:
                if m2 == m or where[kern] & where[kern2] or (kern, kern2) in seen:
                    continue
                x, y = signal_of(cx[kern]), signal_of(cx[kern2])
                if (x and x in consumed[m2]) or (y and y in consumed[m]):
                    continue
                seen.add((kern, kern2))
                out.append((min(m, m2), max(m, m2), cx[kern], cx[kern2]))
    return out


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

    def first_reacting(self, candidates: list[Pair]) -> tuple[int, int] | None:
        """The modules (a, b) of the first candidate pair that reacts, or None."""
        self.pairs += len(candidates)
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
