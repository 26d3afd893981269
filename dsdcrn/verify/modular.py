"""Modular verification: each module of a modular enumeration by CRN bisimulation.

Each module is checked by CRN bisimulation against its formal reaction (with the
interpretation of every signal variant and waste given) and must satisfy the
modularity condition of Johnson, Dong & Winfree (2019, Definition 3.3) for the species
it shares with other modules; then, by their Theorem 3.4, the whole implementation is
a correct implementation of the formal CRN.  Module verifications are cached under the
module's canonical renaming (:func:`canonical_problem`), and run as independent jobs on
a :class:`concurrent.futures.Executor` (by default a process pool of ``jobs`` workers).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.modular import ModularEnumeration
from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.enumerate.shapes import kernel_of, rename_domains
from dsdcrn.model.crn import CRN, Reaction, drop_species
from dsdcrn.model.domains import base
from dsdcrn.options import MODULAR_JOBS, VERIFY_TIMEOUT_S
from dsdcrn.progress import Progress, report
from dsdcrn.verify.counterexample import format_reaction

__all__ = [
    "ModuleVerdict",
    "Problem",
    "canonical_problem",
    "distinct_problems",
    "module_problems",
    "problems_and_keys",
    "renamed_bisimulation",
    "verification_key",
    "verify_modular",
]

log = logging.getLogger(__name__)

# (fcrn, icrn, interpretation, formal species, implementation interface species,
#  formal interface species): one module's CRN-bisimulation problem
Problem = tuple[list, list, dict[str, list[str]], list[str], list[str], list[str]]
# (bisimulation verdict, detail, bisimulation or None, seconds)
Answer = tuple[bool | None, str, dict | None, float]


@dataclass
class ModuleVerdict:
    """A module's CRN-bisimulation verdict (with the modularity condition); ``seconds``
    the check's time (s, 0 when answered from the cache)."""

    index: tuple[int, ...]
    formal: list[str]
    verdict: bool | None
    seconds: float
    cached: bool = False
    detail: str = ""
    interpretation: dict[str, list[str]] | None = None  # the module's bisimulation, if True


# --------------------------------------------------------------------------- problems
def _full_interpretation(enum: Enumerated) -> dict[str, list[str]]:
    """Every signal and waste's interpretation, a rewrite's signals as the formal
    species they stand for."""
    inter_all = enum.interpretation()
    rw = enum.system.rewrite
    if rw is not None:
        meaning = rw.interpretation
        for s in enum.by_role("signal"):
            if s.formal in meaning:
                inter_all[s.name] = list(meaning[s.formal])
    return inter_all


def _shared_counts(
    modular: ModularEnumeration, mod_formal: list[list[Reaction]], fuels: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """(species -> modules it occurs in, fuels left out; formal species -> modules whose
    formal reactions mention it)."""
    count: dict[str, int] = {}
    for sp in modular.module_species:
        for s in sp - fuels:
            count[s] = count.get(s, 0) + 1
    fcount: dict[str, int] = {}
    for frx in mod_formal:
        for x in {y for r in frx for y in r.species}:
            fcount[x] = fcount.get(x, 0) + 1
    return count, fcount


def module_problems(
    modular: ModularEnumeration, mod_formal: list[list[Reaction]], copies: bool = False
) -> list[Problem]:
    """Each module's CRN-bisimulation problem: its formal reactions, its reactions
    without fuels (the core ones, or with every copy when ``copies``) and without
    reactions that change nothing, the interpretation of their species, the formal
    species, and the interface (common) species of the modularity condition."""
    enum = modular.enumerated
    inter_all = _full_interpretation(enum)
    fuels = {s.name for s in enum.by_role("fuel")}
    signals = {s.name for s in enum.by_role("signal")}
    count, fcount = _shared_counts(modular, mod_formal, fuels)
    out = []
    per_module = modular.module_reactions if copies else modular.core_reactions
    order = {k: i for i, k in enumerate(inter_all)}  # the module's in the circuit's order
    for frx, rx in zip(mod_formal, per_module, strict=True):
        fcrn = [[list(r.reactants), list(r.products)] for r in frx]
        icrn = drop_species(((r.reactants, r.products) for r in rx), fuels)
        names = {x for r in icrn for x in r[0] + r[1]}
        # linear in the module, not the circuit (it was 62 of 69 s at d = 64, issue 17)
        inter = {k: inter_all[k] for k in sorted(names & order.keys(), key=order.__getitem__)}
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
        out.append((fcrn, icrn, inter, formals, isc, fsc))
    return out


# --------------------------------------------------------------------------- canonical keys
def _rx_key(crn: list, m: dict[str, str]) -> tuple:
    return tuple(
        sorted((tuple(sorted(m[x] for x in r[0])), tuple(sorted(m[x] for x in r[1]))) for r in crn)
    )


def canonical_problem(job: Problem, enum: Enumerated) -> tuple[Any, dict, dict]:
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
    # ties are broken by shape (strand lengths and pairing) and last by name, never by
    # the order of a set of strings, which changes from process to process (the
    # distinct checks of one circuit were 29, 30 or 32 from run to run, issue 17)
    names = sorted(
        {x for r in icrn for x in r[0] + r[1]},
        key=lambda s: (
            [fmap.get(f, f) for f in inter.get(s, ["~"])],
            enum.species[s].role,
            len(enum.species[s].kernel),
            [len(st) for st in enum.species[s].strands],
            enum.species[s].structure,
            s,
        ),
    )
    dmap: dict[str, str] = {}
    imap = {}
    for s in names:
        sp = enum.species[s]
        for strand in sp.strands:
            for d in strand:
                dmap.setdefault(base(d), f"c{len(dmap) + 1}")
        imap[s] = kernel_of(rename_domains(sp.strands, dmap), sp.structure)
    key = (
        _rx_key(fcrn, fmap),
        _rx_key(icrn, imap),
        tuple(sorted((imap[k], tuple(sorted(fmap[f] for f in v))) for k, v in inter.items())),
        tuple(sorted(fmap[x] for x in formals)),
        tuple(sorted(imap[x] for x in isc)),
        tuple(sorted(fmap[x] for x in fsc)),
    )
    return key, fmap, imap


def problems_and_keys(
    modular: ModularEnumeration, mod_formal: list[list[Reaction]], copies: bool = False
) -> tuple[list[Problem], list]:
    """Each module's problem (:func:`module_problems`) and :func:`canonical_problem`
    triple, computed once per enumeration and reused by every method."""
    memo = modular.__dict__.setdefault("_problem_keys", {})
    key = (copies, tuple(tuple((r.reactants, r.products) for r in frx) for frx in mod_formal))
    if key not in memo:
        problems = module_problems(modular, mod_formal, copies)
        memo[key] = (problems, [canonical_problem(p, modular.enumerated) for p in problems])
    return memo[key]


def verification_key(job: Problem, enum: Enumerated) -> Any:
    """The module's verification problem with every species renamed canonically
    (:func:`canonical_problem`'s key)."""
    return canonical_problem(job, enum)[0]


def renamed_bisimulation(bisim: dict, src, dst) -> dict[str, list[str]]:
    """Module ``src``'s bisimulation carried over to module ``dst`` of the same key
    (each a :func:`canonical_problem` triple): species matched by canonical kernel,
    formal species by canonical name."""
    _, fmap_s, imap_s = src
    _, fmap_d, imap_d = dst
    species_of = {c: n for n, c in imap_s.items()}
    formal_of = {c: f for f, c in fmap_d.items()}
    return {
        name: sorted(formal_of[fmap_s[f]] for f in bisim[species_of[c]])
        for name, c in imap_d.items()
    }


# --------------------------------------------------------------------------- checking
def _verify_module(fcrn, icrn, inter, formals, isc, fsc) -> tuple[bool, str, dict | None]:
    """Worker body: CRN bisimulations of one module until one is modular; returns the
    verdict, a detail and that bisimulation (species -> sorted formal species)."""
    from crnverifier.crn_bisimulation import crn_bisimulations, passes_modularity_condition

    for bisim in crn_bisimulations(fcrn, icrn, interpretation=inter, formals=set(formals)):
        if passes_modularity_condition(bisim, icrn, set(isc), set(fsc)):
            return True, "", {k: sorted(v) for k, v in bisim.items()}
    return False, "no CRN bisimulation of this module satisfies the modularity condition", None


def _timed(func, *args):
    t0 = time.perf_counter()
    return (*func(*args), time.perf_counter() - t0)


def distinct_problems(keys: list) -> tuple[list[int], dict[Any, int]]:
    """(modules to check, key -> the module checked for it): the first module of each
    key, and every module without a key (None: not cached)."""
    todo, seen = [], {}
    for k, key in enumerate(keys):
        if key is not None and key[0] in seen:
            continue
        if key is not None:
            seen[key[0]] = k
        todo.append(k)
    return todo, seen


def _check(
    problems: list[Problem],
    todo: list[int],
    runner: JobRunner,
    timeout_s: float,
    labels: list[str],
) -> dict[int, Answer]:
    """Module index -> its answer, for the modules ``todo``; a module not answered by
    the runner's deadline (``timeout_s`` after the start) gets verdict None (the checks
    still running are cancelled); a check that fails is a
    :class:`~dsdcrn.errors.DsdcrnError` naming its module (``labels``)."""
    answers: dict[int, Answer] = {}
    futures = []
    try:
        futures = [(k, runner.executor.submit(_timed, _verify_module, *problems[k])) for k in todo]
        for k, f in futures:
            try:
                answers[k] = runner.wait(f)
                report(runner.progress, runner.what, len(answers), len(futures))
            except FutureTimeout:
                answers[k] = (None, f"no answer within {timeout_s:g} s", None, timeout_s)
            except Exception as err:  # a worker's failure, reported with its module
                label = f"the module of formal reaction(s) {labels[k]}"
                raise runner.failure([f for _, f in futures], label, err) from None
    finally:
        if any(v[0] is None for v in answers.values()):
            runner.cancel([f for _, f in futures])
    return answers


def _verdicts(
    modular: ModularEnumeration,
    mod_formal: list[list[Reaction]],
    keys: list,
    seen: dict,
    answers: dict[int, Answer],
) -> list[ModuleVerdict]:
    """Each module's verdict: its own answer, or its key's answer with the
    bisimulation renamed to its species."""
    out = []
    for k, (m, frx) in enumerate(zip(modular.modules, mod_formal, strict=True)):
        src = k if k in answers else seen[keys[k][0]]
        ok, detail, bisim, sec = answers[src]
        if bisim is not None and src != k:
            bisim = renamed_bisimulation(bisim, keys[src], keys[k])
        out.append(
            ModuleVerdict(
                m.index,
                [format_reaction((r.reactants, r.products)) for r in frx],
                ok,
                0.0 if src != k else sec,
                cached=src != k,
                detail=detail,
                interpretation=bisim,
            )
        )
    return out


def verify_modular(
    formal: CRN,
    modular: ModularEnumeration,
    *,
    jobs: int = MODULAR_JOBS,
    executor: Executor | None = None,
    timeout_s: float = VERIFY_TIMEOUT_S,
    cache: bool = True,
    copies: bool = False,
    progress: bool = False,
    on_progress: Progress | None = None,
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
    answered from the cache, the cached one renamed to its own species).  ``progress``
    logs (INFO) how many checks run; ``on_progress`` is called with ("modular
    verification", checks done, distinct checks).
    """
    mod_formal = [[formal.reactions[i - 1] for i in m.index] for m in modular.modules]
    problems, keys = problems_and_keys(modular, mod_formal, copies)
    if not cache:
        keys = [None] * len(problems)
    t0 = time.monotonic()
    todo, seen = distinct_problems(keys)
    if progress:
        log.info(
            f"verifying {len(problems)} modules ({len(todo)} distinct) by CRN bisimulation ..."
        )
    runner = JobRunner(executor, jobs, t0 + timeout_s, "modular verification", on_progress)
    labels = [",".join(map(str, m.index)) for m in modular.modules]
    answers = _check(problems, todo, runner, timeout_s, labels)
    return _verdicts(modular, mod_formal, keys, seen, answers)
