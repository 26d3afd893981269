"""Enumerate and verify: the one wiring that ``build``, ``verify``, ``simulate`` and
``compare`` share.

With ``modular`` the system is enumerated one formal reaction at a time
(:func:`dsdcrn.enumerate.modular.enumerate_modular`, ``jobs`` processes, each gate
shape once unless ``shape_cache`` is off).  The history variants' renamed copies are
made only with ``module_copies``, which kinetics needs and verification does not; with
``lump_variants`` too, a variant that reacts exactly as its representative is merged
into it instead.  Every method is checked module by module: CRN bisimulation with the
modularity condition of Johnson, Dong & Winfree 2019
(:func:`dsdcrn.verify.modular.verify_modular`), pathway decomposition and the
integrated hybrid notion by each module's formal basis
(:func:`dsdcrn.verify.modular_pathways.verify_pathways_modular`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dsdcrn.enumerate.peppercorn import Enumerated, enumerate_system
from dsdcrn.enumerate.shapes import DomainRates
from dsdcrn.executors import executor_for
from dsdcrn.model.crn import CRN
from dsdcrn.model.domains import DomainSystem
from dsdcrn.options import CheckOptions
from dsdcrn.progress import Progress
from dsdcrn.verify.whole import MethodResult, Verification, verify


@dataclass
class Checked:
    """The enumeration and its verification; ``modular`` is the modular enumeration's
    record (:class:`dsdcrn.enumerate.modular.ModularEnumeration`) when it was modular."""

    enumerated: Enumerated
    verification: Verification
    modular: object | None = None
    module_verdicts: list = field(default_factory=list)


def enumerate_checked(
    system: DomainSystem,
    opts: CheckOptions,
    progress: bool = False,
    on_progress: Progress | None = None,
    rates: DomainRates | None = None,
):
    """Enumerate ``system`` whole or modularly; returns (Enumerated, ModularEnumeration | None).

    ``progress`` logs; ``on_progress`` (:mod:`dsdcrn.progress`) follows the modular jobs;
    ``rates`` resets detailed rate constants by domain before condensation (e.g.
    :class:`dsdcrn.kinetics.sequence_rates.OpeningRates`)."""
    if not opts.modular:
        e = enumerate_system(
            system, opts.enumeration, progress=progress, detailed_rates=rates, keep_detailed=True
        )
        return e, None
    from dsdcrn.enumerate.modular import enumerate_modular

    mod = enumerate_modular(
        system,
        opts.enumeration,
        jobs=opts.jobs,
        executor=executor_for(opts.executor, opts.jobs),
        cache=opts.shape_cache,
        copies=opts.module_copies,
        lump=opts.lump_variants,
        progress=progress,
        on_progress=on_progress,
        rates=rates,
    )
    return mod.enumerated, mod


def verify_checked(
    spec: CRN,
    enumerated: Enumerated,
    mod,
    opts: CheckOptions,
    progress: bool = False,
    on_progress: Progress | None = None,
) -> tuple[Verification, list]:
    """Verify ``enumerated`` against ``spec`` with ``opts.methods``.

    With a modular enumeration ``mod`` CRN bisimulation is checked module by module;
    returns the verification and the per-module verdicts (empty when not modular).
    """
    methods = opts.methods
    modular_result, verdicts = None, []
    shared = {  # how every modular method runs
        "jobs": opts.jobs,
        "executor": executor_for(opts.executor, opts.jobs) if mod is not None else None,
        "timeout_s": opts.timeout_s,
        "copies": opts.module_copies,
        "on_progress": on_progress,
    }
    if mod is not None and "crn-bisimulation" in methods:
        from dsdcrn.verify.modular import verify_modular

        t0 = time.perf_counter()
        verdicts = verify_modular(spec, mod, progress=progress, **shared)
        answers = [v.verdict for v in verdicts]
        ok = False if False in answers else None if None in answers else True
        bad = [v for v in verdicts if v.verdict is not True]
        modular_result = MethodResult(
            "crn-bisimulation",
            ok,
            round(time.perf_counter() - t0, 3),
            f"modular (Johnson, Dong & Winfree 2019): {len(verdicts)} modules, "
            f"{sum(not v.cached for v in verdicts)} distinct checks",
            "; ".join(
                f"reaction {','.join(map(str, v.index))} ({'; '.join(v.formal)}): "
                f"{v.detail or v.verdict}"
                for v in bad
            )
            if ok is False
            else None,
        )
        if ok is None and bad:
            modular_result.detail += "; " + "; ".join(
                f"reaction {','.join(map(str, v.index))}: {v.detail}" for v in bad
            )
        if ok:
            modular_result.interpretation = _combined(enumerated, verdicts)
        methods = tuple(m for m in methods if m != "crn-bisimulation")
    pathway_results = []
    if mod is not None:
        from dsdcrn.verify.modular_pathways import PATHWAY_METHODS, verify_pathways_modular

        for m in (m for m in methods if m in PATHWAY_METHODS):
            pathway_results.append(verify_pathways_modular(spec, mod, m, **shared))
        methods = tuple(m for m in methods if m not in PATHWAY_METHODS)
    v = verify(spec, enumerated, methods, opts.timeout_s)
    v.results[:0] = [r for r in [modular_result, *pathway_results] if r is not None]
    return v, verdicts


def _combined(enumerated: Enumerated, verdicts: list) -> dict[str, list[str]]:
    """One interpretation of every species from the modules' bisimulations (signals
    and wastes as verification interprets them; the rest from each module)."""
    inter = dict(enumerated.interpretation())
    for v in verdicts:
        inter.update(v.interpretation or {})
    return {k: inter[k] for k in sorted(inter)}


def enumerate_and_verify(
    formal: CRN,
    system: DomainSystem,
    opts: CheckOptions | None = None,
    *,
    spec: CRN | None = None,
    progress: bool = False,
    on_progress: Progress | None = None,
) -> Checked:
    """Enumerate ``system`` and verify it against ``spec`` (default: ``formal``);
    ``progress`` logs, ``on_progress`` follows the modular jobs (:mod:`dsdcrn.progress`)."""
    opts = opts or CheckOptions()
    enumerated, mod = enumerate_checked(system, opts, progress, on_progress)
    v, verdicts = verify_checked(spec or formal, enumerated, mod, opts, progress, on_progress)
    return Checked(enumerated, v, mod, verdicts)
