"""Pathway decomposition and the integrated hybrid notion, module by module.

crnverifier finds the formal basis of an implementation CRN by cutting it into parts
that share no intermediate species and enumerating each part's prime pathways: the
basis is the union of the parts' bases (Shin, Thachuk & Winfree 2019).  The modules of
a modular enumeration share only formal species, fuels and wastes that nothing
consumes, once the modules that share any other consumed species are put in one group
(:func:`module_groups`).  So each group's basis is found on its own, in parallel, each
distinct module once (the canonical keys of :mod:`dsdcrn.verify.modular`, renamed
back), and the union is compared with the formal CRN as the whole-system call compares
it (:mod:`dsdcrn.verify.whole`): the verdict is the one that call would give, without
its cost (at d = 64 it did not answer in 120 s; issue 17).  The tests compare both.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass

from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.modular import ModularEnumeration
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.crn import CRN, drop_species
from dsdcrn.options import MODULAR_JOBS, VERIFY_TIMEOUT_S
from dsdcrn.progress import Progress
from dsdcrn.verify.counterexample import format_reaction
from dsdcrn.verify.modular import distinct_problems, problems_and_keys
from dsdcrn.verify.whole import (
    MethodResult,
    collapse_signals,
    interpretation_setup,
    pathway_target,
)

__all__ = [
    "PATHWAY_METHODS",
    "PathwayJob",
    "module_groups",
    "pathway_jobs",
    "verify_pathways_modular",
]

PATHWAY_METHODS = ("pathway-decomposition", "integrated-hybrid")


@dataclass
class PathwayJob:
    """One group of modules as the pathway-based methods see it.

    ``modules``: the group's module positions; ``target``: what its basis must equal
    (its formal reactions, or the rewrite's reactions for pathway decomposition);
    ``icrn``: its implementation reactions, fuels dropped and signals collapsed to the
    species they stand for; ``formals``: the formal species; ``extra``: the rewrite's
    intermediates in ``icrn`` and what they stand for (the hybrid's interpretation);
    ``key``: the canonical key of a single module's problem (None: not cached).
    """

    modules: list[int]
    target: list
    icrn: list
    formals: list[str]
    extra: dict[str, list[str]]
    key: tuple | None = None


def module_groups(crns: list[list], formals: set[str]) -> list[list[int]]:
    """Modules (by position) grouped so that no species other than a formal one or one
    nothing consumes occurs in two groups; each group in ascending order."""
    parent = list(range(len(crns)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    seen: dict[str, list[int]] = {}
    consumed: set[str] = set()
    for k, crn in enumerate(crns):
        for rs, ps in crn:
            consumed.update(x for x in rs if x not in formals)
            for x in {*rs, *ps} - formals:
                owners = seen.setdefault(x, [])
                if not owners or owners[-1] != k:
                    owners.append(k)
    for x in consumed:
        owners = seen[x]
        for k in owners[1:]:
            parent[root(k)] = root(owners[0])
    groups: dict[int, list[int]] = {}
    for k in range(len(crns)):
        groups.setdefault(root(k), []).append(k)
    return sorted(groups.values())


def pathway_jobs(
    formal: CRN, modular: ModularEnumeration, method: str, copies: bool = False
) -> list[PathwayJob]:
    """Each group's problem for ``method`` (``copies``: with the history variants'
    copies, as :func:`dsdcrn.verify.modular.verify_modular`)."""
    enum = modular.enumerated
    formals, _, meaning = interpretation_setup(formal, enum)
    dropped = {f for f, v in meaning.items() if not v}
    fuels = {s.name for s in enum.by_role("fuel")}
    signals = {s.name: s.formal for s in enum.by_role("signal")}
    rewrite = enum.system.rewrite
    _, pd_formals, pd_rewrite = pathway_target(formal, rewrite, formal.as_lists(), formals)
    use_rewrite = method == "pathway-decomposition" and pd_rewrite is not None
    fs = pd_formals if use_rewrite else formals
    per_module = modular.module_reactions if copies else modular.core_reactions
    mod_formal = [[formal.reactions[i - 1] for i in m.index] for m in modular.modules]
    crns, targets = [], []
    for m, frx, rx in zip(modular.modules, mod_formal, per_module, strict=True):
        icrn, _ = collapse_signals(rx, signals, fs, dropped | fuels)
        crns.append(icrn)
        reactions = m.reactions if use_rewrite else frx
        targets.append(drop_species(((r.reactants, r.products) for r in reactions), dropped))
    keys: list = [None] * len(crns)
    if rewrite is None:
        keys = problems_and_keys(modular, mod_formal, copies)[1]
    jobs = []
    for group in module_groups(crns, fs | set(meaning)):
        icrn = [r for k in group for r in crns[k]]
        target = [r for k in group for r in targets[k]]
        names = {x for r in icrn + target for x in r[0] + r[1]}
        extra = {} if use_rewrite else {x: v for x, v in meaning.items() if v and x in names}
        key = keys[group[0]] if len(group) == 1 else None
        jobs.append(PathwayJob(group, target, icrn, sorted(fs & names), extra, key))
    return jobs


def _basis(method: str, icrn: list, formals: list[str], extra: dict) -> list | None:
    """Worker body: the implementation's formal basis as crnverifier's method computes
    it (wastes interpreted as nothing), or None when it has none (a pathway is not
    regular)."""
    from crnverifier.pathway_decomposition import NoFormalBasisError, get_formal_basis
    from crnverifier.utils import assign_crn_species, clean_crn

    fs = set(formals)
    try:
        if method == "pathway-decomposition":
            _, wastes, _ = assign_crn_species(icrn, set(fs))
            basis, _ = get_formal_basis(icrn, fs | wastes, modular=True)
            return clean_crn(basis, inter={w: [] for w in wastes}) if wastes else basis
        inter = {f: [f] for f in fs} | dict(extra)
        _, wastes, _ = assign_crn_species(icrn, set(inter))
        inter.update({w: [] for w in wastes})
        _, basis = get_formal_basis(icrn, set(inter), modular=True, interpretation=inter)
        return clean_crn(basis)
    except NoFormalBasisError:
        return None


def _timed_basis(*args) -> tuple[list | None, float]:
    t0 = time.perf_counter()
    return _basis(*args), time.perf_counter() - t0


def _renamed(basis: list, src: tuple, dst: tuple) -> list:
    """A basis of module ``src`` in module ``dst``'s formal names (both
    :func:`~dsdcrn.verify.modular.canonical_problem` triples of one key)."""
    back = {c: f for f, c in dst[1].items()}
    fmap = src[1]
    return [[sorted(back[fmap[x]] for x in side) for side in r] for r in basis]


def _compare(jobs: list[PathwayJob], bases: list[list | None], modules) -> tuple[bool, str]:
    """(verdict, detail): the union of the bases against the union of the targets."""
    from crnverifier.utils import clean_crn

    missing = [j for j, b in zip(jobs, bases, strict=True) if b is None]
    if missing:
        where = "; ".join(
            "reaction " + ",".join(str(i) for k in j.modules for i in modules[k].index)
            for j in missing[:5]
        )
        return False, f"no formal basis (a pathway is not regular) in {where}"
    want = clean_crn([r for j in jobs for r in j.target])
    got = clean_crn([r for b in bases for r in b])
    if sorted(want) == sorted(got):
        return True, ""
    key = {(tuple(r[0]), tuple(r[1])) for r in want}
    have = {(tuple(r[0]), tuple(r[1])) for r in got}
    lines = [
        f"implemented but not in the formal CRN: {format_reaction(r)}" for r in sorted(have - key)
    ]
    lines += [
        f"in the formal CRN but not implemented: {format_reaction(r)}" for r in sorted(key - have)
    ]
    return False, "; ".join(lines)


def verify_pathways_modular(
    formal: CRN,
    modular: ModularEnumeration,
    method: str,
    *,
    jobs: int = MODULAR_JOBS,
    executor: Executor | None = None,
    timeout_s: float = VERIFY_TIMEOUT_S,
    copies: bool = False,
    on_progress: Progress | None = None,
) -> MethodResult:
    """``method`` (pathway decomposition or the integrated hybrid notion) on a modular
    enumeration, group by group (see the module docstring); ``timeout_s`` bounds all
    groups together (s), after which the verdict is None."""
    if method not in PATHWAY_METHODS:
        raise ValueError(f"{method!r} is not one of {', '.join(PATHWAY_METHODS)}")
    t0 = time.perf_counter()
    problems = pathway_jobs(formal, modular, method, copies)
    todo, seen = distinct_problems([j.key for j in problems])
    runner = JobRunner(
        executor, jobs, time.monotonic() + timeout_s, f"modular {method}", on_progress
    )
    args = [(method, problems[k].icrn, problems[k].formals, problems[k].extra) for k in todo]
    labels = [
        "the modules of formal reaction(s) "
        + ",".join(str(i) for m in problems[k].modules for i in modular.modules[m].index)
        for k in todo
    ]
    try:
        answers = dict(zip(todo, runner.map(_timed_basis, args, labels), strict=True))
    except EnumerationLimitError:
        return MethodResult(
            method, None, round(time.perf_counter() - t0, 3), f"no answer within {timeout_s:g} s"
        )
    finally:
        runner.close()
    bases = []
    for k, job in enumerate(problems):
        src = k if k in answers else seen[job.key[0]]
        basis = answers[src][0]
        if basis is not None and src != k:
            basis = _renamed(basis, problems[src].key, job.key)
        bases.append(basis)
    ok, diff = _compare(problems, bases, modular.modules)
    detail = (
        f"modular: {len(modular.modules)} modules in {len(problems)} groups, "
        f"{len(todo)} distinct checks"
    )
    rewrite = modular.enumerated.system.rewrite
    if method == "pathway-decomposition" and rewrite is not None:
        from dsdcrn.compile.rewrite import check_rewrite

        ok_rw = check_rewrite(rewrite)
        detail += f"; the rewrite against the formal CRN by CRN bisimulation: {ok_rw}"
        ok = ok and ok_rw
    seconds = round(time.perf_counter() - t0, 3)
    return MethodResult(method, ok, seconds, detail, diff or None if ok is False else None)
