"""The whole pipeline: formal CRN -> verified, sequence-designed DSD circuit.

``build`` runs every stage in order and returns a :class:`Build` holding each
stage's output; :func:`dsdcrn.output.designfolder.write_design` turns it into files.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np

from dsdcrn.compile.counts import Counts, count
from dsdcrn.compile.translate import compile_crn
from dsdcrn.design.candidates import BestOf, best_of
from dsdcrn.design.sequences import design_sequences
from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.fidelity import Fidelity, simulate_fidelity
from dsdcrn.model.crn import CRN
from dsdcrn.model.design import DesignProblem, SequenceDesign
from dsdcrn.model.domains import DomainSystem
from dsdcrn.options import BuildOptions
from dsdcrn.progress import Progress, report
from dsdcrn.stages import enumerate_checked, verify_checked
from dsdcrn.verify.whole import Verification

STAGES = ("compile", "count", "enumerate", "verify", "design", "simulate")
log = logging.getLogger(__name__)


@dataclass
class Build:
    """Every stage's output, and the seconds each stage took.

    ``design``, ``best`` and ``fidelity`` are None when the build stopped after a
    verification that did not prove the implementation correct (unless
    ``options.order_anyway``); ``fidelity`` is also None when the simulation failed,
    with the reason in ``simulation_error``.
    """

    formal: CRN
    options: BuildOptions
    system: DomainSystem
    counts: Counts
    enumerated: Enumerated
    verification: Verification
    design: SequenceDesign | None
    fidelity: Fidelity | None
    seconds: dict[str, float]
    best: BestOf | None = None  # every candidate design, their scores and the ranking
    simulation_error: str = ""

    @property
    def verified(self) -> bool:
        """Whether verification proved the implementation correct."""
        return self.verification.verdict is True


def design_inputs(system: DomainSystem):
    """The sequence designer's inputs for a compiled system: domains, strands, complexes."""
    domains = list(system.domains.values())
    strands = system.strands()
    name_of = system.strand_names()
    complexes = {}
    for cx in system.complexes:
        names = [name_of[tuple(s)] for s in cx.strands]
        complexes[cx.name] = (names, " ".join(cx.structure))
    return domains, strands, complexes


def design_problem(system: DomainSystem) -> DesignProblem:
    """The system as a sequence-design problem, with each complex's concentration (nM)."""
    domains, strands, complexes = design_inputs(system)
    return DesignProblem(
        domains, strands, complexes, {c.name: c.concentration_nM for c in system.complexes}
    )


def design_system(system: DomainSystem, seed: int, opts: BuildOptions | None = None):
    """Design sequences for every domain of ``system`` and check its intended complexes."""
    opts = opts or BuildOptions()
    domains, strands, complexes = design_inputs(system)
    return design_sequences(domains, strands, complexes, seed=seed, options=opts.design)


def design_best(
    system: DomainSystem, opts: BuildOptions | None = None, progress: Progress | None = None
) -> BestOf:
    """Best of ``opts.candidates`` scored designs of ``system`` (:func:`best_of`)."""
    opts = opts or BuildOptions()
    return best_of(
        design_problem(system),
        n=opts.candidates,
        seed=opts.seed,
        jobs=opts.jobs,
        design_options=opts.design,
        weights=opts.weights,
        progress=progress,
    )


def build(
    formal: CRN,
    opts: BuildOptions | None = None,
    progress: bool = True,
    on_progress: Progress | None = None,
) -> Build:
    """Run compile, count, enumerate, verify, design and simulate on ``formal``.

    When verification does not prove the implementation correct the build stops
    there (no sequences, no kinetics) unless ``opts.order_anyway``.  ``progress``
    logs each stage (logger ``dsdcrn.pipeline``); ``on_progress`` is called with
    ("build", stages done, 6).
    """
    opts = opts or BuildOptions()
    seconds: dict[str, float] = {}

    def stage(name: str, func, *args, **kwargs):
        if progress:
            log.info(f"[dsdcrn] {name} ...")
        t0 = time.perf_counter()
        out = func(*args, **kwargs)
        seconds[name] = round(time.perf_counter() - t0, 3)
        if progress:
            log.info(f"[dsdcrn] {name}: {seconds[name]:.2f} s")
        report(on_progress, "build", len(seconds), len(STAGES))
        return out

    checks = opts.check_options()
    system = stage("compile", compile_crn, formal, opts.scheme, fuel_nM=opts.fuel_nM)
    counts = stage("count", count, system)
    enumerated, mod = stage("enumerate", enumerate_checked, system, checks, progress, on_progress)
    verification, _ = stage(
        "verify", verify_checked, formal, enumerated, mod, checks, progress, on_progress
    )
    b = Build(formal, opts, system, counts, enumerated, verification, None, None, seconds)
    if not b.verified and not opts.order_anyway:
        return b
    b.best = stage("design", design_best, system, opts, on_progress)
    b.design = b.best.winner.design
    # an implementation not proven correct may have no effective rates to simulate at:
    # its simulation may fail, quietly, and the report says so
    with contextlib.ExitStack() as quiet:
        if not b.verified:
            quiet.enter_context(warnings.catch_warnings())
            quiet.enter_context(np.errstate(all="ignore"))
            warnings.simplefilter("ignore")
        try:
            b.fidelity = stage(
                "simulate",
                simulate_fidelity,
                formal,
                enumerated,
                verification.full_interpretation,
                unit_nM=opts.unit_nM,
                duration=opts.duration,
            )
        except (DsdcrnError, ValueError, ArithmeticError) as err:
            if b.verified:
                raise
            b.simulation_error = str(err)
    return b
