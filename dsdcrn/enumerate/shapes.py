"""Module shapes: complexes up to domain renaming, enumerated once each and renamed back.

A module's input complexes, listed in a fixed order, with every domain renamed
``c1, c2, ...`` in order of first appearance, and the domains' lengths, form its
*shape*.  Peppercorn's result depends on structure and lengths only, so a module of a
known shape is the cached result renamed back (:class:`ShapeEnumerator`).

With sequence-dependent rates (a :class:`DomainRates` hook, e.g.
:class:`dsdcrn.kinetics.sequence_rates.OpeningRates`) a shape also carries the
energies of its domains, so two modules share a result only when their energies agree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.peppercorn import EnumerationOptions, _peppercorn, _split
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.domains import base, to_kernel
from dsdcrn.options import MODULAR_JOBS

__all__ = [
    "DomainRates",
    "InputComplex",
    "ModuleResult",
    "ShapeEnumerator",
    "canonical_complex",
    "enumerate_shape",
    "kernel_of",
    "rename_domains",
    "result_from_raw",
    "shape_key",
    "shape_pil",
    "unpaired_domains",
]

log = logging.getLogger(__name__)

# (name, strands, structure) of one complex: a module input or a state's member
InputComplex = tuple[str, list[list[str]], list[str]]


class DomainRates(Protocol):
    """A detailed-rate hook keyed by domain: called with Peppercorn's ``Enumerator``
    before condensation (it may reset rate constants, never reactions); ``toehold_dG``
    holds its per-domain energies (kcal/mol) and ``renamed`` the same hook for renamed
    domains, restricted to those of ``mapping`` (old name -> new name)."""

    toehold_dG: Any

    def __call__(self, enumerator: Any) -> None: ...

    def renamed(self, mapping: dict[str, str]) -> DomainRates: ...


# --------------------------------------------------------------------------- complexes
def _pair_table(strands: list[list[str]], structure: list[str]) -> dict:
    """(strand, domain) position -> the position it pairs with."""
    structure = [s for s in structure if s != "+"]
    pos = [(i, j) for i, s in enumerate(strands) for j in range(len(s))]
    pair: dict[tuple[int, int], tuple[int, int]] = {}
    stack = []
    for p, sym in zip(pos, structure, strict=True):
        if sym == "(":
            stack.append(p)
        elif sym == ")":
            q = stack.pop()
            pair[p], pair[q] = q, p
    return pair


def canonical_complex(
    strands: Iterable[Iterable[str]], structure: Iterable[str]
) -> tuple[list[list[str]], list[str]]:
    """The rotation of a complex's strands whose kernel string is smallest.

    A multi-strand complex is a circular list of strands; Peppercorn picks one
    rotation by its own order, which depends on domain names.  Every complex here is
    normalised to this rotation so that a complex has one kernel string whatever
    produced it.
    """
    strands = [list(s) for s in strands]
    if len(strands) == 1:
        return strands, list(structure)
    pair = _pair_table(strands, list(structure))
    best: tuple[str, list[list[str]], list[str]] | None = None
    n = len(strands)
    for r in range(n):
        order = [(r + k) % n for k in range(n)]
        rank = {}
        for i in order:
            for j in range(len(strands[i])):
                rank[(i, j)] = len(rank)
        new_strands = [strands[i] for i in order]
        new_st: list[str] = []
        for k, i in enumerate(order):
            if k:
                new_st.append("+")
            for j in range(len(strands[i])):
                q = pair.get((i, j))
                new_st.append("." if q is None else "(" if rank[q] > rank[(i, j)] else ")")
        kernel = to_kernel(new_strands, new_st)
        if best is None or kernel < best[0]:
            best = (kernel, new_strands, new_st)
    assert best is not None
    return best[1], best[2]


def kernel_of(strands: Iterable[Iterable[str]], structure: Iterable[str]) -> str:
    """The kernel string of a complex's canonical rotation."""
    return to_kernel(*canonical_complex(strands, structure))


def unpaired_domains(strands: list[list[str]], structure: list[str]) -> set[str]:
    """The domains (``x`` or ``x*``) left unpaired in a complex."""
    doms = [d for s in strands for d in s]
    st = [x for x in structure if x != "+"]
    return {d for d, x in zip(doms, st, strict=True) if x == "."}


def rename_domains(strands: Iterable[Iterable[str]], mapping: dict[str, str]) -> list[list[str]]:
    """Strands with base domains renamed by ``mapping`` (complements stay complements)."""
    out = []
    for s in strands:
        out.append([mapping.get(base(d), base(d)) + ("*" if d.endswith("*") else "") for d in s])
    return out


# --------------------------------------------------------------------------- shapes
def shape_key(
    cxs: list[InputComplex], lengths: dict[str, int], rates: DomainRates | None = None
) -> tuple[Any, dict[str, str]]:
    """(key, domain map actual -> canonical) of a list of (name, strands, structure).

    The key is the complexes' kernels with domains renamed ``c1, c2, ...`` in order of
    first appearance, and those domains' lengths (nt); with ``rates``, also the energies
    of the hook renamed to the canonical domains (:meth:`DomainRates.renamed`).
    """
    dmap: dict[str, str] = {}
    kernels = []
    for _, strands, st in cxs:
        for s in strands:
            for d in s:
                dmap.setdefault(base(d), f"c{len(dmap) + 1}")
        kernels.append(to_kernel(rename_domains(strands, dmap), st))
    key = (tuple(kernels), tuple(lengths[d] for d in dmap))
    if rates is not None:
        key += (tuple(sorted(rates.renamed(dmap).toehold_dG.items())),)
    return key, dmap


def shape_pil(key) -> str:
    """The PIL text of a shape: its lengths (nt) and complexes ``n1, n2, ...`` at 1 nM."""
    kernels, lengths = key[:2]
    lines = [f"length c{i} = {n}" for i, n in enumerate(lengths, start=1)]
    lines += [f"n{k} = {kern} @initial 1 nM" for k, kern in enumerate(kernels, start=1)]
    return "\n".join(lines) + "\n"


def enumerate_shape(key, opts: EnumerationOptions, rates: DomainRates | None = None) -> dict:
    """Worker body: Peppercorn on one shape, in a process of its own or a pool worker,
    with ``rates`` (the shape's :class:`DomainRates` hook, in canonical domains).

    Returns Peppercorn's raw result with ``seconds`` (s of enumeration) added.
    """
    from peppercornenumerator.objects import clear_memory

    clear_memory()
    t0 = time.perf_counter()
    raw = _peppercorn(shape_pil(key), opts, rates)
    raw["seconds"] = time.perf_counter() - t0
    return raw


# --------------------------------------------------------------------------- results
@dataclass
class ModuleResult:
    """A module's enumeration in actual names.

    ``states``: state id (canonical kernel of its smallest member) -> members, each
    (complex name, strands, structure); ``reactions``: (reactant ids, product ids, k);
    ``counts``: Peppercorn's counts (resting, transient, detailed reactions).
    """

    states: dict[str, list[InputComplex]]
    reactions: list[tuple[tuple[str, ...], tuple[str, ...], float]]
    counts: dict[str, int]

    def relabelled(self, sid_map: dict[str, tuple[str, InputComplex]]) -> ModuleResult:
        """The result with each state of ``sid_map`` (state id -> (new id, the new
        state's member)) replaced by the new one; reactions that then coincide are one
        with the sum of their rate constants, those that change nothing are dropped."""
        if not sid_map:
            return self
        states: dict[str, list[InputComplex]] = {}
        for sid, members in self.states.items():
            if sid in sid_map:
                new, member = sid_map[sid]
                states.setdefault(new, [member])
            else:
                states.setdefault(sid, members)
        unique: dict[tuple, tuple] = {}  # a copy repeats the reactions it does not rename
        for r in self.reactions:
            unique.setdefault((tuple(sorted(r[0])), tuple(sorted(r[1]))), r)
        out: dict[tuple, tuple] = {}
        for rs, ps, k in unique.values():
            rs2 = tuple(sid_map[x][0] if x in sid_map else x for x in rs)
            ps2 = tuple(sid_map[x][0] if x in sid_map else x for x in ps)
            key = (tuple(sorted(rs2)), tuple(sorted(ps2)))
            if key[0] == key[1]:
                continue
            old = out.get(key)
            out[key] = (rs2, ps2, k if old is None else old[2] + k)
        return ModuleResult(states, list(out.values()), dict(self.counts))

    def renamed(self, mapping: dict[str, str], keep: set[str]) -> ModuleResult:
        """The result with base domains renamed; input names in ``keep`` survive only if
        their complex is unchanged.  States without a renamed domain are shared."""
        ids: dict[str, str] = {}
        states: dict[str, list] = {}
        for sid, members in self.states.items():
            if not any(base(d) in mapping for _, strands, _ in members for s in strands for d in s):
                ids[sid] = sid
                states[sid] = members
                continue
            new = []
            for name, strands, st in members:
                ns, nst = canonical_complex(rename_domains(strands, mapping), st)
                kern = to_kernel(ns, nst)
                new.append((name if name in keep and ns == strands else kern, ns, nst))
            nid = min(to_kernel(s, st) for _, s, st in new)
            ids[sid] = nid
            states[nid] = new
        rxns = [
            (tuple(ids[x] for x in rs), tuple(ids[x] for x in ps), k)
            for rs, ps, k in self.reactions
        ]
        return ModuleResult(states, rxns, dict(self.counts))


def result_from_raw(raw: dict, names: list[str], dmap: dict[str, str]) -> ModuleResult:
    """A shape's raw Peppercorn result in a module's names: domains renamed back by
    ``dmap`` (actual -> canonical) and input ``n1, n2, ...`` named ``names``."""
    inv = {c: a for a, c in dmap.items()}
    input_name = {f"n{k}": n for k, n in enumerate(names, start=1)}
    ids: dict[str, str] = {}
    states: dict[str, list] = {}
    for state in raw["states"]:
        members = []
        for cname, seq, st in state["complexes"]:
            strands, _ = _split(seq, st)
            strands, st2 = canonical_complex(rename_domains(strands, inv), st)
            kern = to_kernel(strands, st2)
            members.append((input_name.get(cname, kern), strands, st2))
        sid = min(to_kernel(s, st) for _, s, st in members)
        ids[state["name"]] = sid
        states[sid] = members
    rxns = [
        (tuple(ids[x] for x in rs), tuple(ids[x] for x in ps), k) for rs, ps, k in raw["reactions"]
    ]
    return ModuleResult(states, rxns, dict(raw["counts"]))


# --------------------------------------------------------------------------- the cache
class ShapeEnumerator:
    """Enumerates modules by shape on a :class:`JobRunner`, each shape once with ``cache``.

    ``shapes`` counts the shapes enumerated, ``hits`` the modules answered from the
    cache (or from a shape queued with them), ``seconds`` Peppercorn's time (s) summed
    over the shapes.  ``rates``: a :class:`DomainRates` hook (actual domain names)
    every shape is condensed with.
    """

    def __init__(
        self,
        runner: JobRunner,
        opts: EnumerationOptions,
        lengths: dict[str, int],
        source: str,
        *,
        cache: bool = True,
        jobs: int = MODULAR_JOBS,
        progress: bool = False,
        rates: DomainRates | None = None,
    ) -> None:
        self.runner, self.opts, self.lengths, self.source = runner, opts, lengths, source
        self.cache, self.jobs, self.progress, self.rates = cache, jobs, progress, rates
        self.known: dict[Any, dict] = {}
        self.shapes, self.hits, self.seconds = 0, 0, 0.0

    def _to_enumerate(self, keys: list) -> list:
        """The keys to enumerate, counting the others as cache hits."""
        todo, queued = [], set()
        for key in keys:
            if self.cache and (key in self.known or key in queued):
                self.hits += 1
            else:
                todo.append(key)
                queued.add(key)
        return todo

    def _check_limit(self, raw: dict) -> None:
        if "limit" in raw:
            self.runner.close(kill=True)
            raise EnumerationLimitError(
                f"enumeration of a module of {self.source} stopped: {raw['limit']} "
                f"(limits: --max-complexes {self.opts.max_complex_count}, "
                f"--max-reactions {self.opts.max_reaction_count})"
            )

    def enumerate(self, modules: list[list[InputComplex]]) -> list[ModuleResult]:
        """Each module's result (given as its input complexes), in actual names."""
        keyed = []
        for cxs in modules:
            key, dmap = shape_key(cxs, self.lengths, self.rates)
            keyed.append((key, dmap, [c[0] for c in cxs]))
        todo = self._to_enumerate([key for key, _, _ in keyed])
        if todo and self.progress:
            log.info(f"  enumerating {len(todo)} module shapes on {self.jobs} processes ...")
        first, hook = {}, {}
        for key, dmap, names in keyed:
            first.setdefault(key, names)
            if self.rates is not None and key not in hook:
                hook[key] = self.rates.renamed(dmap)
        labels = [f"the module of {', '.join(first[key][:4])}" for key in todo]
        args = [(key, self.opts, hook.get(key)) for key in todo]
        raws = self.runner.map(enumerate_shape, args, labels)
        fresh = {}
        for key, raw in zip(todo, raws, strict=True):
            self._check_limit(raw)
            self.shapes += 1
            self.seconds += raw["seconds"]
            fresh[key] = raw
            if self.cache:
                self.known[key] = raw
        return [
            result_from_raw(fresh.get(key) or self.known[key], names, dmap)
            for key, dmap, names in keyed
        ]
