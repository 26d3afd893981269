"""Modular enumeration: one formal reaction's gates at a time, shapes cached.

Whole-system enumeration of a gate-rich circuit explodes; a neural CRN has hundreds
of formal reactions of a handful of shapes.  Here every formal reaction is a
*module*: its fuels plus the signal strands of its reactants
(:func:`~dsdcrn.enumerate.gates.modules_of`).  Modules are enumerated on their own,
each distinct *shape* once, and their results are combined.

Shapes (:mod:`dsdcrn.enumerate.shapes`).  A module's input complexes, listed in a fixed
order (fuels as the scheme declares them, then the reactants' signals), with every
domain renamed ``c1, c2, ...`` in order of first appearance, and the domains' lengths,
form its shape.  Peppercorn's result depends on structure and lengths only, so a module
of a known shape is the cached result renamed back; enumerating with ``cache=False`` is
what the tests compare the renamed results against.

History variants (:mod:`dsdcrn.enumerate.variants`).  A signal released by a gate
carries that gate's history domain (``X_<history>``) and enters every gate that
consumes ``X``.  As Nuskell's modular bisimulation showed, leaving variants out makes a
modular verdict wrong, so each module's implementation includes every variant of its
reactants:

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

Crosstalk (:mod:`dsdcrn.enumerate.crosstalk`).  Two complexes of different modules can
react only if one binds the other, which needs an unpaired domain of one complementary
to an unpaired domain of the other.  After enumeration every pair of complexes from
different modules with complementary unpaired domains is checked: the pair is harmless
when both complexes belong to one module (its enumeration contains their reactions);
otherwise the two modules are merged and enumerated together.  So the combined result
is the whole-system enumeration (up to the naming of Peppercorn's transient states),
which the tests check on every circuit small enough for both.

Verification of the modules (CRN bisimulation with the modularity condition of
Johnson, Dong & Winfree 2019) is :func:`dsdcrn.verify.modular.verify_modular`.

Parallelism.  Shapes are independent jobs submitted to a
:class:`concurrent.futures.Executor` (:class:`~dsdcrn.enumerate.jobs.JobRunner`); by
default a process pool of ``jobs`` workers.  A user with a cluster passes their own
executor, e.g. Dask's ``distributed.Client(...).get_executor()``, or any object with
the same ``submit``.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field

from dsdcrn.enumerate.crosstalk import PairChecker, distinct_pairs, free_signal
from dsdcrn.enumerate.gates import (
    GateModule,
    consumed_twice,
    merge_modules,
    module_inputs,
    modules_of,
)
from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.peppercorn import Enumerated, EnumerationOptions, _classify, _split
from dsdcrn.enumerate.shapes import (
    DomainRates,
    ModuleResult,
    ShapeEnumerator,
    canonical_complex,
)
from dsdcrn.enumerate.variants import SignalVariants, released_strands, variant_groups
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.crn import Reaction
from dsdcrn.model.domains import DomainSystem, to_kernel
from dsdcrn.options import MODULAR_JOBS
from dsdcrn.progress import Progress

__all__ = [
    "GateModule",
    "ModularEnumeration",
    "ModularEnumerator",
    "canonical_complex",
    "combined_raw",
    "enumerate_modular",
    "modules_of",
    "named_reactions",
    "state_names",
]

log = logging.getLogger(__name__)

Extra = list[tuple[str, list[str]]]


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
    answered from the cache; ``merged`` the groups of formal reactions merged because of
    crosstalk; ``passes`` the rounds until no new history variant appeared;
    ``pairs_checked`` the pairs of complexes of different modules that could bind (each
    distinct shape enumerated once to see whether they react); ``seconds`` the wall time
    (s) and ``enumeration_seconds`` Peppercorn's time summed over the shapes (s).
    """

    enumerated: Enumerated
    modules: list[GateModule]
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


# --------------------------------------------------------------------------- combining
def union(results: list[ModuleResult]) -> ModuleResult:
    """One result of several jobs of one module: states and reactions without repeats,
    counts summed."""
    if len(results) == 1:
        return results[0]
    states: dict[str, list] = {}
    reactions: dict[tuple, tuple] = {}
    counts: dict[str, int] = {}
    for res in results:
        for sid, members in res.states.items():
            states.setdefault(sid, members)
        for rs, ps, k in res.reactions:
            reactions.setdefault((tuple(sorted(rs)), tuple(sorted(ps))), (rs, ps, k))
        for key, n in res.counts.items():
            counts[key] = counts.get(key, 0) + n
    return ModuleResult(states, list(reactions.values()), counts)


def combined_raw(
    full: list[ModuleResult], results: list[ModuleResult], system: DomainSystem
) -> dict:
    """One raw result (as Peppercorn's) of the modules' results with copies (``full``):
    states and reactions without repeats, every complex of ``system`` resting on its own
    if no module has it, counts summed over the enumerated ``results``."""
    merged = union(full) if full else ModuleResult({}, [], {})
    states = dict(merged.states)
    reactions = {(tuple(sorted(r[0])), tuple(sorted(r[1]))): r for r in merged.reactions}
    for cx in system.complexes:  # signals no module consumes are resting on their own
        strands, st = canonical_complex(cx.strands, cx.structure)
        sid = to_kernel(strands, st)
        states.setdefault(sid, [(cx.name, strands, st)])
    counts = {"resting": 0, "transient": 0, "detailed_reactions": 0}
    for res in results:
        for k in counts:
            counts[k] += res.counts.get(k, 0)
    counts["macrostates"] = len(states)
    return {
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


def state_names(enumerated: Enumerated, raw: dict) -> dict[str, str]:
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


def named_reactions(res: ModuleResult, sid_name: dict[str, str]) -> list[Reaction]:
    """A module's reactions in species names, one per (reactants, products)."""
    rx = {}
    for rs, ps, k in res.reactions:
        r = Reaction(tuple(sid_name[x] for x in rs), tuple(sid_name[x] for x in ps), k)
        rx.setdefault((r.reactants, r.products), r)
    return list(rx.values())


# --------------------------------------------------------------------------- the driver
class ModularEnumerator:
    """One modular enumeration of ``system`` (parameters as :func:`enumerate_modular`).

    Per module ``k`` it keeps ``modules[k]``, ``extras[k]`` (the variants enumerated
    with it), ``results[k]`` (Peppercorn's result), ``own[k]`` (the strands it releases
    itself) and ``full[k]`` (the result with the variants' copies, when ``copies``).
    """

    def __init__(
        self,
        system: DomainSystem,
        opts: EnumerationOptions,
        *,
        jobs: int = MODULAR_JOBS,
        executor: Executor | None = None,
        cache: bool = True,
        copies: bool = True,
        lump: bool = False,
        progress: bool = False,
        max_passes: int = 10,
        on_progress: Progress | None = None,
        rates: DomainRates | None = None,
    ) -> None:
        self.system, self.opts = system, opts
        self.lump_wanted = copies and lump
        self.copies = copies and not lump
        self.progress, self.max_passes = progress, max_passes
        self.t_start = time.monotonic()
        lengths = {d.name: d.length for d in system.domains.values()}
        self.variants = SignalVariants(system)
        self.modules = modules_of(system)
        self.runner = JobRunner(
            executor, jobs, self.t_start + opts.timeout_s, "modular enumeration", on_progress
        )
        self.shapes = ShapeEnumerator(
            self.runner,
            opts,
            lengths,
            system.formal.source,
            cache=cache,
            jobs=jobs,
            progress=progress,
            rates=rates,
        )
        self.pairs = PairChecker(self.runner, opts, lengths, progress)
        self.extras: list[Extra] = []
        self.results: list[ModuleResult] = []
        self.own: list[set] = []
        self.full: list[ModuleResult] = []
        self.passes = 0
        self.merged: list[tuple[int, ...]] = []

    def say(self, msg: str) -> None:
        """Log ``msg`` (INFO) when reporting progress."""
        if self.progress:
            log.info(msg)

    def enumerate(self, jobs: list[tuple[GateModule, Extra]]) -> list[ModuleResult]:
        """Each (module, extra variants)'s result, by shape: the union of its variant
        groups' results (:func:`~dsdcrn.enumerate.variants.variant_groups`)."""
        by_name = self.variants.by_name
        groups = [variant_groups(m, e) for m, e in jobs]
        flat = [
            module_inputs(m, g, by_name)
            for (m, _), gs in zip(jobs, groups, strict=True)
            for g in gs
        ]
        results = iter(self.shapes.enumerate(flat))
        return [union([next(results) for _ in gs]) for gs in groups]

    def expanded(self, k: int) -> ModuleResult:
        """Module ``k``'s result with the variants' copies (as enumerated without them)."""
        if not self.copies:
            return self.results[k]
        return self.variants.expand(self.modules[k], self.results[k], self.extras[k], self.own[k])

    def first_pass(self) -> None:
        """Every module with its representative signals only."""
        self.say(f"modular enumeration: {len(self.modules)} modules")
        self.extras = [[] for _ in self.modules]
        self.results = self.enumerate([(m, []) for m in self.modules])
        self.own = [released_strands(r) for r in self.results]
        self.passes = 1
        self.full = [self.expanded(k) for k in range(len(self.modules))]

    def variant_pass(self, new: dict[str, set]) -> None:
        """Redo the modules consuming a species with ``new`` variants: enumerate those
        whose explicit variants changed, re-copy all of them."""
        if self.passes >= self.max_passes:
            self.runner.close(kill=True)
            raise EnumerationLimitError(
                f"modular enumeration of {self.system.formal.source}: history variants still "
                f"appearing after {self.max_passes} passes"
            )
        self.passes += 1
        names = sorted(new)
        more = f" and {len(names) - 8} more" if len(names) > 8 else ""
        self.say(f"  pass {self.passes}: new history variants of {', '.join(names[:8])}{more}")
        formal_of = self.variants.formal_of
        self.redo_extras(
            [k for k, m in enumerate(self.modules) if any(formal_of[n] in new for n in m.inputs)]
        )

    def copies_if_exposed(self) -> None:
        """Without copies, the crosstalk check sees every copy's unpaired domains except
        the variants' history domains: if any could pair with anything, make the copies."""
        if self.copies or not self.variants.histories_exposed(self.full):
            return
        self.say("  history domains of variants could pair: adding the variants' copies")
        self.copies = True
        self.redo_extras(range(len(self.modules)))

    def redo_extras(self, redo) -> None:
        """Enumerate again the modules ``redo`` whose explicit variants changed; make
        every one's copies again."""
        explicit = self.variants.explicit_for
        new_extras = {k: explicit(self.modules[k], self.own[k], self.copies) for k in redo}
        changed = [k for k in redo if new_extras[k] != self.extras[k]]
        for k in changed:
            self.extras[k] = new_extras[k]
        if changed:
            fresh = self.enumerate([(self.modules[k], self.extras[k]) for k in changed])
            for k, r in zip(changed, fresh, strict=True):
                self.results[k] = r
        for k in redo:
            self.full[k] = self.expanded(k)

    def crosstalk(self) -> tuple[int, int] | None:
        """The first two modules with complexes that react with each other, or None."""
        formal_of, index = self.variants.formal_of, self.variants.index
        consumed = [{formal_of[n] for n in m.inputs} for m in self.modules]
        lengths = self.pairs.lengths
        pairs, n = distinct_pairs(self.full, consumed, lambda cx: free_signal(cx, index), lengths)
        return self.pairs.first_reacting(pairs, n)

    def merge(self, a: int, b: int) -> None:
        """Replace modules ``a`` and ``b`` by their merged module, enumerated."""
        merged = merge_modules(self.modules[a], self.modules[b])
        self.merged.append(merged.index)
        self.say(
            f"  crosstalk between reactions {self.modules[a].index} and "
            f"{self.modules[b].index}: merged"
        )
        for k in sorted((a, b), reverse=True):
            del self.modules[k], self.results[k], self.full[k], self.extras[k], self.own[k]
        res = self.enumerate([(merged, [])])[0]
        inside = released_strands(res)
        extra = self.variants.explicit_for(merged, inside, self.copies)
        if extra:
            res = self.enumerate([(merged, extra)])[0]
        self.modules.append(merged)
        self.results.append(res)
        self.own.append(inside)
        self.extras.append(extra)
        self.full.append(self.expanded(len(self.modules) - 1))

    def settle(self) -> None:
        """Passes until no new variant appears and no modules cross-react."""
        while True:
            new = self.variants.add_new(self.full)
            if new:
                self.variant_pass(new)
                continue
            self.copies_if_exposed()
            hit = self.crosstalk()
            if hit is None:
                return
            self.merge(*hit)

    def run(self) -> ModularEnumeration:
        """Settled, lumped if asked (or every copy made where it cannot be), combined."""
        self.first_pass()
        self.settle()
        if self.lump_wanted and not self.copies and not self.lump():
            self.say("  variants cannot be merged exactly: adding every variant's copies")
            self.copies = True
            self.redo_extras(range(len(self.modules)))
            self.settle()
        self.runner.close()
        return self.combined()

    def lump(self) -> bool:
        """Merge each variant that every module consuming its species sees as inert
        into its representative signal, and copy only the others.

        Exact for mass action: such a variant's reactions are the representative's
        renamed, at the same rates, so the merged signal's concentration is the sum of
        theirs.  False (nothing done) when it may not be: a doubly consumed species has
        a variant to copy.  (Called only without copies, so no history domain can pair:
        :meth:`copies_if_exposed` would have made the copies.)
        """
        var = self.variants
        keep: set[tuple[str, ...]] = set()  # variants some module enumerates itself
        for k, m in enumerate(self.modules):
            keep.update(tuple(s) for _, s in self.extras[k])
            for name in m.inputs:
                keep.update(var.found.get(var.formal_of[name], set()) & self.own[k])
            # a variant that reacts in a module's own enumeration, e.g. rebinding the
            # gate that released it by its history domain, is not the representative
            reactants = {x for rs, _, _ in self.results[k].reactions for x in rs}
            for sid in reactants:
                for _, strands, st in self.results[k].states[sid]:
                    if len(strands) == 1 and all(c == "." for c in st):
                        keep.add(tuple(strands[0]))
        rep_of = {s: var.rep_strand[x] for x, vs in var.found.items() for s in vs if s not in keep}
        for k, m in enumerate(self.modules):
            enumerated = {tuple(s) for _, s in self.extras[k]} | self.own[k] | set(rep_of)
            if any(s not in enumerated for x in consumed_twice(m) for s in var.found.get(x, ())):
                return False
        names = {to_kernel(cx.strands, cx.structure): cx.name for cx in self.system.complexes}
        sid_map = {}
        for v, r in rep_of.items():
            r_sid = to_kernel([list(r)], ["."] * len(r))
            sid_map[to_kernel([list(v)], ["."] * len(v))] = (
                r_sid,
                (names.get(r_sid, r_sid), [list(r)], ["."] * len(r)),
            )
        skip = set(rep_of)
        self.copies = True
        self.full = [
            var.expand(m, res, extra, own, skip).relabelled(sid_map)
            for m, res, extra, own in zip(
                self.modules, self.results, self.extras, self.own, strict=True
            )
        ]
        self.results = [res.relabelled(sid_map) for res in self.results]
        self.say(f"  {len(rep_of)} history variants merged into their representatives")
        return True

    def combined(self) -> ModularEnumeration:
        """The modules' results as one :class:`Enumerated`, named as whole-system
        enumeration names them, with each module's species and reactions."""
        raw = combined_raw(self.full, self.results, self.system)
        seconds = time.monotonic() - self.t_start
        enumerated = _classify(self.system, raw, self.opts, seconds)
        sid_name = state_names(enumerated, raw)
        shapes, pairs = self.shapes, self.pairs
        self.say(
            f"modular enumeration: {len(self.modules)} modules, {shapes.shapes} shapes "
            f"enumerated, {shapes.hits} from the cache, {self.passes} passes, {pairs.pairs} "
            f"cross-module pairs checked, {len(enumerated.reactions)} "
            f"condensed reactions in {seconds:.2f} s"
        )
        return ModularEnumeration(
            enumerated,
            self.modules,
            [{sid_name[s] for s in res.states} for res in self.full],
            [named_reactions(res, sid_name) for res in self.full],
            [named_reactions(res, sid_name) for res in self.results],
            shapes.shapes,
            shapes.hits,
            self.merged,
            self.passes,
            pairs.pairs,
            seconds,
            shapes.seconds,
        )


def enumerate_modular(
    system: DomainSystem,
    options: EnumerationOptions | None = None,
    *,
    jobs: int = MODULAR_JOBS,
    executor: Executor | None = None,
    cache: bool = True,
    copies: bool = True,
    lump: bool = False,
    progress: bool = False,
    max_passes: int = 10,
    on_progress: Progress | None = None,
    rates: DomainRates | None = None,
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
        Peppercorn enumerated per module, which is all that
        :func:`dsdcrn.verify.modular.verify_modular` checks and grows linearly with the
        circuit, where the copies grow with (variants x consumers); the crosstalk check
        still covers the copies, and makes them after all if a variant's history domain
        could pair with anything.
    lump : with ``copies``, merge each history variant that every module consuming
        its species sees as inert into the representative signal instead of copying
        the modules for it (:meth:`ModularEnumerator.lump`): the condensed CRN a
        simulator needs, exact for mass action (the merged signal is the variants'
        sum), with every other variant's copies.
    progress : report progress (INFO records of this module's logger).
    max_passes : passes of new history variants before giving up.
    on_progress : called with ("modular enumeration", jobs done, jobs) per batch of jobs.
    rates : a detailed-rate hook keyed by domain
        (:class:`~dsdcrn.enumerate.shapes.DomainRates`, e.g. sequence-derived toehold
        opening rates) every module is condensed with; the species and reactions are
        those without it, only rate constants change.
    """
    run = ModularEnumerator(
        system,
        options or EnumerationOptions(),
        jobs=jobs,
        executor=executor,
        cache=cache,
        copies=copies,
        lump=lump,
        progress=progress,
        max_passes=max_passes,
        on_progress=on_progress,
        rates=rates,
    )
    return run.run()
