"""Modular enumeration and verification: one formal reaction's gates at a time, shapes cached.

Whole-system enumeration of a gate-rich circuit explodes; a neural CRN has hundreds
of formal reactions of a handful of shapes.  Here every formal reaction is a
*module*: its fuels plus the signal strands of its reactants.  Modules are enumerated
on their own, each distinct *shape* once, and their results are combined.

Shapes.  A module's input complexes, listed in a fixed order (fuels as the scheme
declares them, then the reactants' signals), with every domain renamed ``c1, c2, ...``
in order of first appearance, and the domains' lengths, form its shape.  Peppercorn's
result depends on structure and lengths only, so a module of a known shape is the
cached result renamed back; :func:`enumerate_module` without the cache is what the
tests compare the renamed results against.

History variants.  A signal released by a gate carries that gate's history domain
(``X_<history>``) and enters every gate that consumes ``X``.  As Nuskell's modular
bisimulation showed, leaving variants out makes a modular verdict wrong, so each
module's implementation includes every variant of its reactants:

* a variant whose history domains (and their complements) occur nowhere in the
  module's input complexes cannot pair with anything there, so its reactions are the
  representative signal's reactions with the history domains renamed: the module's
  result is copied under that renaming, once for every combination of variants of
  its reactants;
* any other variant (its history occurs in the module's own gates, as when a catalyst
  is released by the gate it enters), and every variant of a species consumed twice
  by one reaction (``2A -> B``, where mixed pairs arise), is added to the module's
  input and enumerated by Peppercorn.

Variants are collected from the modules' results and the modules redone until no new
variant appears.

Crosstalk.  Two complexes of different modules can react only if one binds the
other, which needs an unpaired domain of one complementary to an unpaired domain of
the other.  After enumeration every pair of complexes from different modules with
complementary unpaired domains is checked: the pair is harmless when both complexes
belong to one module (its enumeration contains their reactions); otherwise the two
modules are merged and enumerated together.  So the combined result is the
whole-system enumeration (up to the naming of Peppercorn's transient states), which
the tests check on every circuit small enough for both.

Verification.  Each module is checked by CRN bisimulation against its formal
reaction (with the interpretation of every signal variant and waste given) and must
satisfy the modularity condition of Johnson, Dong & Winfree (2019, Definition 3.3)
for the species it shares with other modules; then, by their Theorem 3.4, the whole
implementation is a correct implementation of the formal CRN.  Module verifications
are cached under the module's canonical renaming.

Parallelism.  Shapes and module verifications are independent jobs submitted to a
:class:`concurrent.futures.Executor`; by default a process pool of ``jobs`` workers.
A user with a cluster passes their own executor, e.g. Dask's
``distributed.Client(...).get_executor()``, or any object with the same ``submit``.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from .crn import CRN, Reaction
from .dsd import Complex, DomainSystem, base, complement, to_kernel
from .enumeration import (
    Enumerated,
    EnumerationOptions,
    SignalIndex,
    _classify,
    _peppercorn,
    _split,
)
from .errors import EnumerationLimitError

__all__ = [
    "Module",
    "ModularEnumeration",
    "ModuleVerdict",
    "canonical_complex",
    "enumerate_modular",
    "modules_of",
    "verify_modular",
]

Strands = tuple[tuple[str, ...], ...]


# --------------------------------------------------------------------------- complexes
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


def _kernel(strands, structure) -> str:
    return to_kernel(*canonical_complex(strands, structure))


def _unpaired(strands: list[list[str]], structure: list[str]) -> set[str]:
    doms = [d for s in strands for d in s]
    st = [x for x in structure if x != "+"]
    return {d for d, x in zip(doms, st, strict=True) if x == "."}


def _rename(strands, mapping: dict[str, str]) -> list[list[str]]:
    out = []
    for s in strands:
        out.append([mapping.get(base(d), base(d)) + ("*" if d.endswith("*") else "") for d in s])
    return out


# --------------------------------------------------------------------------- modules
@dataclass
class Module:
    """One formal reaction's part of the compiled system.

    ``index`` is the formal reaction's 1-based index (several when crosstalk merged
    modules); ``reactions`` the reactions of the compiled (possibly rewritten) CRN it
    implements; ``fuels`` its fuel complexes' names; ``inputs`` the names of the signal
    complexes of its reactants (one representative each).
    """

    index: tuple[int, ...]
    reactions: list[Reaction]
    fuels: list[str]
    inputs: list[str]


def _compiled_reactions(system: DomainSystem) -> tuple[list[Reaction], list[int]]:
    rw = system.rewrite
    if rw is None:
        n = len(system.formal.reactions)
        return list(system.formal.reactions), list(range(1, n + 1))
    return list(rw.crn.reactions), list(rw.origin)


def modules_of(system: DomainSystem) -> list[Module]:
    """The compiled system split into one module per formal reaction."""
    reactions, origin = _compiled_reactions(system)
    by_formal: dict[str, Complex] = {}
    for cx in system.complexes:
        if cx.formal is not None:
            by_formal.setdefault(cx.formal, cx)
    fuel_species = {}
    if system.rewrite is not None:
        for cx in system.complexes:
            if cx.role == "fuel" and cx.name in system.signal_patterns:
                fuel_species[cx.name] = cx
    uses: dict[str, list[int]] = {}
    for i, names in system.module_fuels.items():
        for n in names:
            uses.setdefault(n, []).append(i)
    out: dict[int, Module] = {}
    for rxn, i in zip(reactions, origin, strict=True):
        m = out.setdefault(i, Module((i,), [], [], []))
        m.reactions.append(rxn)
        for x in dict.fromkeys(rxn.reactants):
            cx = by_formal.get(x) or fuel_species.get(x)
            if cx is None:
                cx = system.complex(x)
            if cx.role == "fuel":
                if cx.name not in m.fuels:
                    m.fuels.append(cx.name)
            elif cx.name not in m.inputs:
                m.inputs.append(cx.name)
    for cx in system.fuels:
        owners = [i for i in uses.get(cx.name, [cx.reaction]) if i in out]
        for i in owners:
            if cx.name not in out[i].fuels:
                out[i].fuels.append(cx.name)
    return [out[i] for i in sorted(out)]


# --------------------------------------------------------------------------- shapes
def _shape(cxs: list[tuple[str, list[list[str]], list[str]]], lengths: dict[str, int]):
    """(key, domain map actual -> canonical) of a list of (name, strands, structure)."""
    dmap: dict[str, str] = {}
    kernels = []
    for _, strands, st in cxs:
        for s in strands:
            for d in s:
                dmap.setdefault(base(d), f"c{len(dmap) + 1}")
        kernels.append(to_kernel(_rename(strands, dmap), st))
    key = (tuple(kernels), tuple(lengths[d] for d in dmap))
    return key, dmap


def _shape_pil(key) -> str:
    kernels, lengths = key
    lines = [f"length c{i} = {n}" for i, n in enumerate(lengths, start=1)]
    lines += [f"n{k} = {kern} @initial 1 nM" for k, kern in enumerate(kernels, start=1)]
    return "\n".join(lines) + "\n"


def _enumerate_shape(key, opts: EnumerationOptions) -> dict:
    """Worker body: Peppercorn on one shape, in a process of its own or a pool worker."""
    from peppercornenumerator.objects import clear_memory

    clear_memory()
    t0 = time.perf_counter()
    raw = _peppercorn(_shape_pil(key), opts)
    raw["seconds"] = time.perf_counter() - t0
    return raw


@dataclass
class _Result:
    """A module's enumeration in actual names.

    ``states``: state id (canonical kernel of its smallest member) -> members, each
    (complex name, strands, structure); ``reactions``: (reactant ids, product ids, k).
    """

    states: dict[str, list[tuple[str, list[list[str]], list[str]]]]
    reactions: list[tuple[tuple[str, ...], tuple[str, ...], float]]
    counts: dict[str, int]

    def renamed(self, mapping: dict[str, str], keep: set[str]) -> _Result:
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
                ns, nst = canonical_complex(_rename(strands, mapping), st)
                kern = to_kernel(ns, nst)
                new.append((name if name in keep and ns == strands else kern, ns, nst))
            nid = min(to_kernel(s, st) for _, s, st in new)
            ids[sid] = nid
            states[nid] = new
        rxns = [
            (tuple(ids[x] for x in rs), tuple(ids[x] for x in ps), k)
            for rs, ps, k in self.reactions
        ]
        return _Result(states, rxns, dict(self.counts))


def _from_raw(raw: dict, names: list[str], dmap: dict[str, str]) -> _Result:
    inv = {c: a for a, c in dmap.items()}
    input_name = {f"n{k}": n for k, n in enumerate(names, start=1)}
    ids: dict[str, str] = {}
    states: dict[str, list] = {}
    for state in raw["states"]:
        members = []
        for cname, seq, st in state["complexes"]:
            strands, _ = _split(seq, st)
            strands, st2 = canonical_complex(_rename(strands, inv), st)
            kern = to_kernel(strands, st2)
            members.append((input_name.get(cname, kern), strands, st2))
        sid = min(to_kernel(s, st) for _, s, st in members)
        ids[state["name"]] = sid
        states[sid] = members
    rxns = [
        (tuple(ids[x] for x in rs), tuple(ids[x] for x in ps), k) for rs, ps, k in raw["reactions"]
    ]
    return _Result(states, rxns, dict(raw["counts"]))


# --------------------------------------------------------------------------- the driver
@dataclass
class ModularEnumeration:
    """What :func:`enumerate_modular` produced.

    ``enumerated`` is the combined result, the same object whole-system enumeration
    returns (so verification, kinetics and counts take it unchanged); ``modules`` the
    modules as finally enumerated (merged where crosstalk required); ``module_species``
    and ``module_reactions`` each module's species names and condensed reactions, every
    history variant's copies included; ``core_reactions`` the reactions Peppercorn
    enumerated for the module itself (without the renamed copies); ``shapes`` the
    number of distinct shapes enumerated; ``cache_hits`` the module enumerations
    answered from the cache; ``merged`` the groups of formal reactions merged because of crosstalk;
    ``passes`` the rounds until no new history variant appeared; ``pairs_checked``
    the pairs of complexes of different modules that could bind (each distinct shape
    enumerated once to see whether they react).
    """

    enumerated: Enumerated
    modules: list[Module]
    module_species: list[set[str]]
    module_reactions: list[list[Reaction]]
    core_reactions: list[list[Reaction]]
    shapes: int
    cache_hits: int
    merged: list[tuple[int, ...]] = field(default_factory=list)
    passes: int = 0
    pairs_checked: int = 0
    seconds: float = 0.0
    enumeration_seconds: float = 0.0


class _Runner:
    """Submits jobs to an executor, with a wall-clock bound over all of them."""

    def __init__(self, executor: Executor | None, jobs: int, deadline: float, what: str):
        self.own = executor is None
        self.executor = executor or ProcessPoolExecutor(
            max_workers=max(1, jobs), mp_context=mp.get_context("fork")
        )
        self.deadline, self.what = deadline, what

    def map(self, func: Callable, items: list) -> list:
        futures: list[Future] = [self.executor.submit(func, *args) for args in items]
        out = []
        for f in futures:
            left = self.deadline - time.monotonic()
            try:
                out.append(f.result(timeout=max(left, 0.001)))
            except FutureTimeout:
                self.close(kill=True)
                raise EnumerationLimitError(
                    f"{self.what} exceeded its time-out; raise --enum-timeout or compile a "
                    "smaller circuit"
                ) from None
        return out

    def close(self, kill: bool = False) -> None:
        if not self.own:
            return
        if kill and isinstance(self.executor, ProcessPoolExecutor):
            for p in list(getattr(self.executor, "_processes", {}).values()):
                p.kill()
        self.executor.shutdown(wait=not kill, cancel_futures=True)


def _signal_match(strand: list[str], pattern: list[str | None]) -> tuple[str, ...] | None:
    if len(strand) != len(pattern):
        return None
    if all(p is None or p == d for p, d in zip(pattern, strand, strict=True)):
        return tuple(d for p, d in zip(pattern, strand, strict=True) if p is None)
    return None


def enumerate_modular(
    system: DomainSystem,
    options: EnumerationOptions | None = None,
    *,
    jobs: int = 2,
    executor: Executor | None = None,
    cache: bool = True,
    copies: bool = True,
    progress: bool = False,
    max_passes: int = 10,
) -> ModularEnumeration:
    """Enumerate ``system`` module by module (see the module docstring).

    Parameters
    ----------
    system : the compiled domain-level system.
    options : Peppercorn's bounds; ``timeout_s`` bounds the whole modular enumeration
        (s) and the complex and reaction limits apply to each module.
    jobs : worker processes of the default pool.
    executor : a :class:`concurrent.futures.Executor` to use instead of the pool.
    cache : reuse the enumeration of a shape seen before (False: enumerate every
        module, for testing the cache and measuring what it saves).
    copies : add each history variant's renamed copy of the modules that consume it
        (True: the result equals whole-system enumeration).  False keeps only what
        Peppercorn enumerated per module, which is all that :func:`verify_modular`
        checks and grows linearly with the circuit, where the copies grow with
        (variants x consumers); the crosstalk check still covers the copies, and makes
        them after all if a variant's history domain could pair with anything.
    progress : report progress on stderr.
    """
    opts = options or EnumerationOptions()
    t_start = time.monotonic()
    lengths = {d.name: d.length for d in system.domains.values()}
    by_name = {c.name: c for c in system.complexes}
    patterns = system.signal_patterns
    index = SignalIndex(patterns)
    modules = modules_of(system)
    formal_of = {c.name: c.formal for c in system.complexes if c.formal is not None}
    for c in system.complexes:
        if c.role == "fuel" and c.name in patterns:
            formal_of[c.name] = c.name
    rep_strand = {formal_of[n]: by_name[n].strands[0] for n in formal_of}
    runner = _Runner(executor, jobs, t_start + opts.timeout_s, "modular enumeration")
    shape_cache: dict[Any, dict] = {}
    pair_cache: dict[Any, bool] = {}
    stats = {"shapes": 0, "hits": 0, "enum_s": 0.0, "pairs": 0}

    def say(msg: str) -> None:
        if progress:
            print(msg, file=sys.stderr, flush=True)

    def inputs_of(m: Module, extra: list[tuple[str, list[str]]]):
        cxs = [(n, by_name[n].strands, by_name[n].structure) for n in m.fuels + m.inputs]
        cxs += [(f"{x}~{'_'.join(s)}", [list(s)], ["."] * len(s)) for x, s in extra]
        return cxs

    def run_modules(jobs_in: list[tuple[Module, list]]) -> list[_Result]:
        keyed = []
        for m, extra in jobs_in:
            cxs = inputs_of(m, extra)
            key, dmap = _shape(cxs, lengths)
            keyed.append((key, dmap, [c[0] for c in cxs]))
        todo, queued = [], set()
        for key, _, _ in keyed:
            if cache and (key in shape_cache or key in queued):
                stats["hits"] += 1
            else:
                todo.append((key, opts))
                queued.add(key)
        if todo:
            say(f"  enumerating {len(todo)} module shapes on {jobs} processes ...")
        raws = runner.map(_enumerate_shape, todo)
        fresh = {}
        for (key, _), raw in zip(todo, raws, strict=True):
            if "limit" in raw:
                runner.close(kill=True)
                raise EnumerationLimitError(
                    f"enumeration of a module of {system.formal.source} stopped: {raw['limit']} "
                    f"(limits: --max-complexes {opts.max_complex_count}, "
                    f"--max-reactions {opts.max_reaction_count})"
                )
            stats["shapes"] += 1
            stats["enum_s"] += raw["seconds"]
            fresh[key] = raw
            if cache:
                shape_cache[key] = raw
        return [
            _from_raw(fresh.get(key) or shape_cache[key], names, dmap) for key, dmap, names in keyed
        ]

    def variants_in(results: list[_Result]) -> dict[str, set[tuple[str, ...]]]:
        found: dict[str, set[tuple[str, ...]]] = {}
        for res in results:
            for members in res.states.values():
                for _, strands, st in members:
                    if len(strands) != 1 or any(x != "." for x in st):
                        continue
                    x = index.species(strands[0])
                    if x in rep_strand and strands[0] != rep_strand[x]:
                        found.setdefault(x, set()).add(tuple(strands[0]))
        return found

    def present(res: _Result) -> set[tuple[str, ...]]:
        return {
            tuple(strands[0])
            for ms in res.states.values()
            for _, strands, _ in ms
            if len(strands) == 1
        }

    with_copies = copies

    def expand(m: Module, base_res: _Result, variants, extra, inside) -> _Result:
        """The module's result with every inert variant's copy added."""
        if not with_copies:
            return base_res
        input_doms = {base(d) for _, strands, _ in inputs_of(m, extra) for s in strands for d in s}
        choices = []
        for name in m.inputs:
            x = formal_of[name]
            rep = rep_strand[x]
            rep_hist = _signal_match(rep, patterns[x]) or ()
            explicit = {tuple(s) for y, s in extra if y == x}
            opts_x = [None]
            for v in sorted(variants.get(x, ())):
                if v in explicit or v in inside:
                    continue
                hist = _signal_match(list(v), patterns[x]) or ()
                opts_x.append(dict(zip(rep_hist, hist, strict=True)))
            choices.append(opts_x)
        merged = _Result(dict(base_res.states), list(base_res.reactions), dict(base_res.counts))
        keep = set(m.fuels + m.inputs)
        for combo in itertools.product(*choices):
            mapping: dict[str, str] = {}
            for c in combo:
                if c:
                    mapping.update(c)
            if not mapping:
                continue
            assert not (set(mapping.values()) & input_doms)
            copy = base_res.renamed(mapping, keep)
            for sid, members in copy.states.items():
                merged.states.setdefault(sid, members)
            merged.reactions.extend(copy.reactions)
        return merged

    def explicit_for(m: Module, variants, inside) -> list[tuple[str, list[str]]]:
        """Variants of the module's reactants that must be enumerated, not renamed
        (``inside``: the strands the module releases itself, enumerated with it already)."""
        own = {base(d) for n in m.fuels + m.inputs for s in by_name[n].strands for d in s}
        fuel_doms = {base(d) for n in m.fuels for s in by_name[n].strands for d in s}
        homo = {x for r in m.reactions for x in r.reactants if r.reactants.count(x) > 1}
        extra = []
        for name in m.inputs:
            x = formal_of[name]
            rep_hist = set(_signal_match(rep_strand[x], patterns[x]) or ())
            rep_inert = not (rep_hist & fuel_doms)
            for v in sorted(variants.get(x, ())):
                if v in inside:
                    continue
                hist = set(_signal_match(list(v), patterns[x]) or ())
                if x in homo or not rep_inert or hist & own:
                    extra.append((x, list(v)))
        return extra

    # ---- pass 1: representatives only; then passes until no new variant appears
    say(f"modular enumeration: {len(modules)} modules")
    variants: dict[str, set[tuple[str, ...]]] = {}
    extras = [[] for _ in modules]
    results = run_modules([(m, e) for m, e in zip(modules, extras, strict=True)])
    own = [present(r) for r in results]
    passes = 1
    full = [
        expand(m, r, variants, e, o)
        for m, r, e, o in zip(modules, results, extras, own, strict=True)
    ]
    merged_groups: list[tuple[int, ...]] = []
    while True:
        found = variants_in(full)
        new = {x: v - variants.get(x, set()) for x, v in found.items()}
        new = {x: v for x, v in new.items() if v}
        if new:
            for x, v in new.items():
                variants.setdefault(x, set()).update(v)
            if passes >= max_passes:
                runner.close(kill=True)
                raise EnumerationLimitError(
                    f"modular enumeration of {system.formal.source}: history variants still "
                    f"appearing after {max_passes} passes"
                )
            passes += 1
            say(f"  pass {passes}: new history variants of {', '.join(sorted(new))}")
            redo = [k for k, m in enumerate(modules) if any(formal_of[n] in new for n in m.inputs)]
            new_extras = {k: explicit_for(modules[k], variants, own[k]) for k in redo}
            changed = [k for k in redo if new_extras[k] != extras[k]]
            for k in changed:
                extras[k] = new_extras[k]
            if changed:
                res2 = run_modules([(modules[k], extras[k]) for k in changed])
                for k, r in zip(changed, res2, strict=True):
                    results[k] = r
            for k in redo:
                full[k] = expand(modules[k], results[k], variants, extras[k], own[k])
            continue
        # ---- without copies, the check below sees every copy's unpaired domains except
        # the variants' history domains: if any could pair with anything, make the copies
        if not with_copies and _histories_exposed(full, variants, patterns):
            say("  history domains of variants could pair: adding the variants' copies")
            with_copies = True
            full = [
                expand(m, r, variants, e, o)
                for m, r, e, o in zip(modules, results, extras, own, strict=True)
            ]
        # ---- crosstalk between modules: complexes that can bind, then whether they react
        consumed = [{formal_of[n] for n in m.inputs} for m in modules]
        candidates = _crosstalk(full, consumed, lambda cx: _free_signal(cx, index))
        stats["pairs"] += len(candidates)
        checks = []
        for _, _, s_cx, t_cx in candidates:
            key, _ = _shape([("s", *s_cx), ("t", *t_cx)], lengths)
            checks.append(key)
        todo = [k for k in dict.fromkeys(checks) if k not in pair_cache]
        if todo:
            say(f"  checking {len(todo)} distinct cross-module pairs that could bind ...")
        for key, reacts in zip(
            todo, runner.map(_pair_reacts, [(k, opts) for k in todo]), strict=True
        ):
            pair_cache[key] = reacts
        hit = next(
            (
                (a, b)
                for (a, b, _, _), key in zip(candidates, checks, strict=True)
                if pair_cache[key]
            ),
            None,
        )
        if hit is None:
            break
        a, b = hit
        merged = Module(
            tuple(sorted(modules[a].index + modules[b].index)),
            modules[a].reactions + modules[b].reactions,
            list(dict.fromkeys(modules[a].fuels + modules[b].fuels)),
            list(dict.fromkeys(modules[a].inputs + modules[b].inputs)),
        )
        merged_groups.append(merged.index)
        say(f"  crosstalk between reactions {modules[a].index} and {modules[b].index}: merged")
        for k in sorted((a, b), reverse=True):
            del modules[k], results[k], full[k], extras[k], own[k]
        res = run_modules([(merged, [])])[0]
        inside = present(res)
        extra = explicit_for(merged, variants, inside)
        if extra:
            res = run_modules([(merged, extra)])[0]
        modules.append(merged)
        results.append(res)
        own.append(inside)
        extras.append(extra)
        full.append(expand(merged, res, variants, extra, inside))
    runner.close()

    # ---- combine: one raw result for the classifier, named as whole-system enumeration is
    states: dict[str, list] = {}
    reactions: dict[tuple, tuple] = {}
    for res in full:
        for sid, members in res.states.items():
            states.setdefault(sid, members)
        for rs, ps, k in res.reactions:
            reactions.setdefault((tuple(sorted(rs)), tuple(sorted(ps))), (rs, ps, k))
    for cx in system.complexes:  # signals no module consumes are resting on their own
        strands, st = canonical_complex(cx.strands, cx.structure)
        sid = to_kernel(strands, st)
        states.setdefault(sid, [(cx.name, strands, st)])
    counts = {"resting": 0, "transient": 0, "detailed_reactions": 0}
    for res in results:
        for k in counts:
            counts[k] += res.counts.get(k, 0)
    counts["macrostates"] = len(states)
    raw = {
        "states": [
            {
                "name": sid,
                "complexes": [
                    (n, [d for s in strands for d in s + ["+"]][:-1], st)
                    for n, strands, st in members
                ],
            }
            for sid, members in sorted(states.items())
        ],
        "reactions": [reactions[k] for k in sorted(reactions)],
        "counts": counts,
    }
    seconds = time.monotonic() - t_start
    enumerated = _classify(system, raw, opts, seconds)
    sid_name = _state_names(enumerated, raw)
    module_species = [{sid_name[s] for s in res.states} for res in full]

    def named(res: _Result) -> list[Reaction]:
        rx = {}
        for rs, ps, k in res.reactions:
            r = Reaction(tuple(sid_name[x] for x in rs), tuple(sid_name[x] for x in ps), k)
            rx.setdefault((r.reactants, r.products), r)
        return list(rx.values())

    module_reactions = [named(res) for res in full]
    core_reactions = [named(res) for res in results]
    say(
        f"modular enumeration: {len(modules)} modules, {stats['shapes']} shapes enumerated, "
        f"{stats['hits']} from the cache, {passes} passes, {stats['pairs']} cross-module "
        f"pairs checked, {len(enumerated.reactions)} "
        f"condensed reactions in {seconds:.2f} s"
    )
    return ModularEnumeration(
        enumerated,
        modules,
        module_species,
        module_reactions,
        core_reactions,
        stats["shapes"],
        stats["hits"],
        merged_groups,
        passes,
        stats["pairs"],
        seconds,
        stats["enum_s"],
    )


def _histories_exposed(results: list[_Result], variants, patterns) -> bool:
    """Whether the complement of some variant's history domain is unpaired in any
    complex (then the copies, which carry that history domain unpaired, may react)."""
    hist = set()
    for x, vs in variants.items():
        for v in vs:
            hist.update(d for p, d in zip(patterns[x], v, strict=True) if p is None)
    wanted = {complement(h) for h in hist}
    for res in results:
        for members in res.states.values():
            for _, strands, st in members:
                if _unpaired(strands, st) & wanted:
                    return True
    return False


def _state_names(enumerated: Enumerated, raw: dict) -> dict[str, str]:
    """State id -> the species name the classifier gave it."""
    by_kernel = {s.kernel: s.name for s in enumerated.species.values()}
    out = {}
    for state in raw["states"]:
        for _, seq, st in state["complexes"]:
            kern = to_kernel(_split(seq, st)[0], st)
            if kern in by_kernel:
                out[state["name"]] = by_kernel[kern]
                break
    return out


def _free_signal(cx: tuple, index: SignalIndex) -> str | None:
    """The formal species whose signal a lone unpaired strand is, if it is one."""
    strands, st = cx
    if len(strands) != 1 or any(x != "." for x in st):
        return None
    return index.species(strands[0])


def _crosstalk(
    results: list[_Result], consumed: list[set[str]], signal_of: Callable[[tuple], str | None]
) -> list[tuple[int, int, tuple, tuple]]:
    """Pairs of resting complexes of different modules that could bind each other
    (complementary unpaired domains) but share no module: (module, module, complex,
    complex), each complex as (strands, structure); one entry per pair of complexes.

    A signal strand (any history variant) of a species a module consumes belongs to
    that module: its reactions with the module's gates are the module's own."""
    where: dict[str, set[int]] = {}
    cx: dict[str, tuple] = {}
    exposed: dict[str, list[tuple[int, str]]] = {}
    for m, res in enumerate(results):
        for members in res.states.values():
            for _, strands, st in members:
                kern = to_kernel(strands, st)
                where.setdefault(kern, set()).add(m)
                cx[kern] = (strands, st)
                for d in _unpaired(strands, st):
                    exposed.setdefault(d, []).append((m, kern))
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


def _pair_reacts(key, opts: EnumerationOptions) -> bool:
    """Worker body: whether the two complexes of a pair shape have a condensed reaction
    together (Peppercorn's bimolecular reactions start from resting complexes only, so
    a pair that binds only transiently cannot make a cross-module reaction)."""
    raw = _enumerate_shape(key, opts)
    if "limit" in raw:
        return True
    state_of = {c[0]: st["name"] for st in raw["states"] for c in st["complexes"]}
    pair = sorted((state_of.get("n1"), state_of.get("n2")))
    return any(sorted(rs) == pair for rs, _, _ in raw["reactions"])


# --------------------------------------------------------------------------- verification
@dataclass
class ModuleVerdict:
    """A module's CRN-bisimulation verdict (with the modularity condition)."""

    index: tuple[int, ...]
    formal: list[str]
    verdict: bool | None
    seconds: float
    cached: bool = False
    detail: str = ""
    interpretation: dict[str, list[str]] | None = None  # the module's bisimulation, if True


def _fmt(rs, ps) -> str:
    return f"{' + '.join(rs) or '∅'} -> {' + '.join(ps) or '∅'}"


def _verify_module(fcrn, icrn, inter, formals, isc, fsc) -> tuple[bool, str, dict | None]:
    """Worker body: CRN bisimulations of one module until one is modular; returns the
    verdict, a detail and that bisimulation (species -> sorted formal species)."""
    from crnverifier.crn_bisimulation import crn_bisimulations, passes_modularity_condition

    for bisim in crn_bisimulations(fcrn, icrn, interpretation=inter, formals=set(formals)):
        if passes_modularity_condition(bisim, icrn, set(isc), set(fsc)):
            return True, "", {k: sorted(v) for k, v in bisim.items()}
    return False, "no CRN bisimulation of this module satisfies the modularity condition", None


def verify_modular(
    formal: CRN,
    modular: ModularEnumeration,
    *,
    jobs: int = 2,
    executor: Executor | None = None,
    timeout_s: float = 300.0,
    cache: bool = True,
    copies: bool = False,
    progress: bool = False,
) -> list[ModuleVerdict]:
    """Verify each module by CRN bisimulation with the modularity condition.

    The whole implementation is correct when every module is (JDW2019, Theorem 3.4).
    A module is checked on the reactions Peppercorn enumerated for it (its own
    signals and the history variants it releases itself); the copies made for other
    modules' history variants are renamings of these that map to the same formal
    species, so a bisimulation of the module extends to them by the same renaming.
    ``copies=True`` checks each module with every copy included instead (the tests
    compare both on small circuits).  A module's common (interface) species, in the
    sense of the modularity condition, are the signals, every history variant, of the
    formal species it shares with other modules.
    ``timeout_s`` bounds all module checks together (s); a module not answered in time
    gets verdict None.  A correct module's verdict carries its bisimulation (a module
    answered from the cache, the cached one renamed to its own species).
    """
    enum = modular.enumerated
    system = enum.system
    inter_all = enum.interpretation()
    rw = system.rewrite
    if rw is not None:
        meaning = rw.interpretation
        for s in enum.by_role("signal"):
            if s.formal in meaning:
                inter_all[s.name] = list(meaning[s.formal])
    fuels = {s.name for s in enum.by_role("fuel")}
    signals = {s.name for s in enum.by_role("signal")}
    # species shared between modules
    count: dict[str, int] = {}
    for sp in modular.module_species:
        for s in sp - fuels:
            count[s] = count.get(s, 0) + 1
    fcount: dict[str, int] = {}
    mod_formal = []
    for m in modular.modules:
        frx = [formal.reactions[i - 1] for i in m.index]
        mod_formal.append(frx)
        for x in {y for r in frx for y in r.species}:
            fcount[x] = fcount.get(x, 0) + 1
    jobs_in, keys = [], []
    per_module = modular.module_reactions if copies else modular.core_reactions
    for frx, rx in zip(mod_formal, per_module, strict=True):
        fcrn = [[list(r.reactants), list(r.products)] for r in frx]
        icrn = []
        for r in rx:
            rs = [x for x in r.reactants if x not in fuels]
            ps = [x for x in r.products if x not in fuels]
            if sorted(rs) != sorted(ps):
                icrn.append([rs, ps])
        names = {x for r in icrn for x in r[0] + r[1]}
        inter = {k: v for k, v in inter_all.items() if k in names}
        # every species with a signal is formal, also one the specification lacks
        formals = sorted(
            {x for r in frx for x in r.species} | {f for v in inter.values() for f in v}
        )
        fsc = sorted(x for x in formals if fcount.get(x, 0) > 1)
        # The interface: every signal (each history variant) of a formal species other
        # modules also use, and any other species present in more than one module.
        isc = sorted(
            s
            for s in names
            if s in inter and (count.get(s, 0) > 1 or (s in signals and set(inter[s]) & set(fsc)))
        )
        job = (fcrn, icrn, inter, formals, isc, fsc)
        jobs_in.append(job)
        keys.append(_canonical(job, enum) if cache else None)
    t0 = time.monotonic()
    todo, seen = [], {}
    for k, key in enumerate(keys):
        if key is not None and key[0] in seen:
            continue
        if key is not None:
            seen[key[0]] = k
        todo.append(k)
    if progress:
        print(
            f"verifying {len(jobs_in)} modules ({len(todo)} distinct) by CRN bisimulation ...",
            file=sys.stderr,
            flush=True,
        )
    runner = _Runner(executor, jobs, t0 + timeout_s, "modular verification")
    answers: dict[int, tuple[bool | None, str, dict | None, float]] = {}
    try:
        futures = [(k, runner.executor.submit(_timed, _verify_module, *jobs_in[k])) for k in todo]
        for k, f in futures:
            left = t0 + timeout_s - time.monotonic()
            try:
                answers[k] = f.result(timeout=max(left, 0.001))
            except FutureTimeout:
                answers[k] = (None, f"no answer within {timeout_s:g} s", None, timeout_s)
    finally:
        runner.close(kill=any(v[0] is None for v in answers.values()))
    out = []
    for k, (m, frx) in enumerate(zip(modular.modules, mod_formal, strict=True)):
        src = k if k in answers else seen[keys[k][0]]
        ok, detail, bisim, sec = answers[src]
        if bisim is not None and src != k:
            bisim = _renamed_bisimulation(bisim, keys[src], keys[k])
        out.append(
            ModuleVerdict(
                m.index,
                [_fmt(r.reactants, r.products) for r in frx],
                ok,
                0.0 if src != k else sec,
                cached=src != k,
                detail=detail,
                interpretation=bisim,
            )
        )
    return out


def _timed(func, *args):
    t0 = time.perf_counter()
    return (*func(*args), time.perf_counter() - t0)


def _renamed_bisimulation(bisim: dict, src, dst) -> dict[str, list[str]]:
    """Module ``src``'s bisimulation carried over to module ``dst`` of the same key:
    species matched by canonical kernel, formal species by canonical name."""
    _, fmap_s, imap_s = src
    _, fmap_d, imap_d = dst
    species_of = {c: n for n, c in imap_s.items()}
    formal_of = {c: f for f, c in fmap_d.items()}
    return {
        name: sorted(formal_of[fmap_s[f]] for f in bisim[species_of[c]])
        for name, c in imap_d.items()
    }


def _verification_key(job, enum: Enumerated):
    """The module's verification problem with every species renamed canonically
    (:func:`_canonical`'s key)."""
    return _canonical(job, enum)[0]


def _canonical(job, enum: Enumerated):
    """The module's verification problem with every species renamed canonically:
    (key, formal renaming, implementation renaming).

    Formal species become ``F1, F2, ...`` in order of appearance; implementation
    species are named by their kernel with domains renamed ``c1, c2, ...`` in order of
    appearance (species taken in order of their formal interpretation, then kernel).
    Two modules with equal keys are the same problem up to renaming.
    """
    fcrn, icrn, inter, formals, isc, fsc = job
    fmap: dict[str, str] = {}
    for r in fcrn:
        for x in r[0] + r[1]:
            fmap.setdefault(x, f"F{len(fmap) + 1}")
    for x in list(formals) + sorted({f for v in inter.values() for f in v}):
        fmap.setdefault(x, f"F{len(fmap) + 1}")
    names = sorted(
        {x for r in icrn for x in r[0] + r[1]},
        key=lambda s: (
            [fmap.get(f, f) for f in inter.get(s, ["~"])],
            enum.species[s].role,
            len(enum.species[s].kernel),
        ),
    )
    dmap: dict[str, str] = {}
    imap = {}
    for s in names:
        sp = enum.species[s]
        for strand in sp.strands:
            for d in strand:
                dmap.setdefault(base(d), f"c{len(dmap) + 1}")
        imap[s] = _kernel(_rename(sp.strands, dmap), sp.structure)

    def rx(crn, m):
        return tuple(
            sorted(
                (tuple(sorted(m[x] for x in r[0])), tuple(sorted(m[x] for x in r[1]))) for r in crn
            )
        )

    key = (
        rx(fcrn, fmap),
        rx(icrn, imap),
        tuple(sorted((imap[k], tuple(sorted(fmap[f] for f in v))) for k, v in inter.items())),
        tuple(sorted(fmap[x] for x in formals)),
        tuple(sorted(imap[x] for x in isc)),
        tuple(sorted(fmap[x] for x in fsc)),
    )
    return key, fmap, imap
