"""The whole pipeline: formal CRN -> verified, sequence-designed DSD circuit.

``build`` runs every stage in order and returns a :class:`Build` holding each
stage's output; :func:`dsdcrn.output.designfolder.write_design` turns it into files.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from dsdcrn.compile.counts import Counts, count
from dsdcrn.compile.reporters import Reporter, reporters
from dsdcrn.compile.translate import compile_crn, load_scheme
from dsdcrn.design.candidates import BestOf, best_of
from dsdcrn.design.sequences import design_sequences
from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.fidelity import Fidelity
from dsdcrn.kinetics.leaks import DEFAULT_LEAK_PER_S
from dsdcrn.kinetics.realise import (
    Realisation,
    default_toehold,
    delivered_only,
    knobs_of,
    order_reactants,
    plan_toeholds,
    realise_rates,
)
from dsdcrn.kinetics.run import Kinetics, KineticsOptions, simulate_kinetics
from dsdcrn.model.crn import CRN
from dsdcrn.model.design import DesignProblem, SequenceDesign
from dsdcrn.model.domains import DomainSystem
from dsdcrn.options import REPORTER_NM, BuildOptions
from dsdcrn.progress import Progress, report
from dsdcrn.stages import enumerate_checked, verify_checked
from dsdcrn.verify.whole import Verification

STAGES = ("compile", "count", "enumerate", "verify", "realise", "design", "simulate")
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
    realisation: Realisation | None = None
    kinetics: Kinetics | None = None  # leaks, fuel budget, sequence-level prediction

    def reporters(self) -> list[Reporter]:
        """The read-out reporters designed with the circuit (``options.readout``)."""
        o = self.options
        return reporters(self.system, o.readout, o.reporter_nM)

    @property
    def verified(self) -> bool:
        """Whether verification proved the implementation correct."""
        return self.verification.verdict is True


def design_inputs(system: DomainSystem, readout: Iterable[Reporter] = ()):
    """The sequence designer's inputs for a compiled system and its ``readout``
    reporters: domains, strands, complexes (a reporter's strands by its own names:
    dye-labelled oligos are separate orders)."""
    domains = list(system.domains.values())
    strands = system.strands()
    name_of = system.strand_names()
    complexes = {}
    for cx in system.complexes:
        names = [name_of[tuple(s)] for s in cx.strands]
        complexes[cx.name] = (names, " ".join(cx.structure))
    for r in readout:
        strands |= dict(zip((r.top_strand, r.bottom_strand), r.complex.strands, strict=True))
        complexes[r.name] = ([r.top_strand, r.bottom_strand], " ".join(r.complex.structure))
    return domains, strands, complexes


def design_problem(
    system: DomainSystem,
    readout: Iterable[str] | None = None,
    reporter_nM: float = REPORTER_NM,
) -> DesignProblem:
    """The system as a sequence-design problem, with each complex's concentration (nM),
    and the reporters of the species in ``readout`` (None: the default read-outs, those
    that have a reporter; :func:`dsdcrn.compile.reporters.reporters`) at ``reporter_nM``
    (0: none), designed and scored with it."""
    reps = reporters(system, readout, reporter_nM)
    domains, strands, complexes = design_inputs(system, reps)
    conc = {c.name: c.concentration_nM for c in system.complexes}
    conc |= {r.name: r.complex.concentration_nM for r in reps}
    mods = {s: m for r in reps for s, m in r.modifications().items()}
    return DesignProblem(domains, strands, complexes, conc, mods)


def roles_of(system: DomainSystem, problem: DesignProblem) -> dict[str, str]:
    """Each complex's role (signal, fuel, ...; ``reporter`` for an added reporter)."""
    roles = {c.name: c.role for c in system.complexes}
    return roles | {n: "reporter" for n in problem.complexes if n not in roles}


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
        design_problem(system, opts.readout, opts.reporter_nM),
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
    """Run compile, count, enumerate, verify, realise, design and simulate on ``formal``.

    Compilation takes the rate realisation's toehold lengths and, once the circuit is
    verified, realisation sets its gate and buffer concentrations and tau
    (:mod:`dsdcrn.kinetics.realise`; ``opts.realise`` False keeps the compiled ones).
    When verification does not prove the implementation correct the build stops
    there (no sequences, no kinetics) unless ``opts.order_anyway``.  ``progress``
    logs each stage (logger ``dsdcrn.pipeline``); ``on_progress`` is called with
    ("build", stages done, 7).
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
    system = stage("compile", compile_realisable, formal, opts)
    if opts.readout:  # a read-out the circuit cannot have fails before the long stages
        reporters(system, opts.readout, opts.reporter_nM)
    counts = stage("count", count, system)
    enumerated, mod = stage("enumerate", enumerate_checked, system, checks, progress, on_progress)
    verification, _ = stage(
        "verify", verify_checked, formal, enumerated, mod, checks, progress, on_progress
    )
    b = Build(formal, opts, system, counts, enumerated, verification, None, None, seconds)
    if not b.verified and not opts.order_anyway:
        return b
    if b.verified:
        b.realisation = stage("realise", realise_build, b)
        b.system = b.realisation.apply_system(system)
        b.enumerated = b.realisation.apply(enumerated)
    b.best = stage("design", design_best, b.system, opts, on_progress)
    b.design = b.best.winner.design
    # an implementation not proven correct may have no effective rates to simulate at:
    # its simulation may fail, quietly, and the report says so
    with contextlib.ExitStack() as quiet:
        if not b.verified:
            quiet.enter_context(warnings.catch_warnings())
            quiet.enter_context(np.errstate(all="ignore"))
            warnings.simplefilter("ignore")
        try:
            b.fidelity, b.kinetics = stage("simulate", simulate_build, b)
        except (DsdcrnError, ValueError, ArithmeticError) as err:
            if b.verified:
                raise
            b.simulation_error = str(err)
    return b


def compile_realisable(formal: CRN, opts: BuildOptions) -> DomainSystem:
    """Compile ``formal``, with the realisation's reactant order and toehold lengths when
    ``opts.realise`` and the scheme has a toehold knob (:mod:`dsdcrn.kinetics.realise`)."""
    plan, first = {}, {}
    if opts.realise and "toehold" in (knobs_of(load_scheme(opts.scheme)) or {}):
        first = order_reactants(formal)
        plan = plan_toeholds(formal, opts.scheme, opts.unit_nM, opts.realisation, first)
    return compile_crn(formal, opts.scheme, fuel_nM=opts.fuel_nM, domain_nt=plan, first=first)


def realise_build(b: Build) -> Realisation:
    """The build's rate realisation (:func:`realise_checked`)."""
    inter = b.verification.full_interpretation
    return realise_checked(b.formal, b.system, b.enumerated, inter, b.options)


def realise_checked(
    formal: CRN,
    system: DomainSystem,
    enumerated: Enumerated,
    interpretation: dict[str, list[str]],
    opts: BuildOptions,
) -> Realisation:
    """The rate realisation of a verified circuit compiled by :func:`compile_realisable`
    (with ``opts.realise`` off: its delivered rates at the best single tau)."""
    if not opts.realise:
        return delivered_only(formal, enumerated, interpretation, opts.unit_nM)
    default = default_toehold(opts.scheme)
    toeholds = {
        d.name: d.length
        for d in system.domains.values()
        if d.kind == "toehold" and d.length != default
    }
    return realise_rates(
        formal, enumerated, interpretation, opts.unit_nM, opts.realisation, toeholds
    )


def circuit_dimers(system: DomainSystem, dimers: list[dict]) -> list[dict]:
    """The spurious dimers between strands of the circuit itself: its kinetics are
    simulated without the read-out reporters, an add-on the designer also scores."""
    ours = set(system.strands())
    return [d for d in dimers if d["strand_a"] in ours and d["strand_b"] in ours]


def simulate_build(b: Build) -> tuple[Fidelity, Kinetics]:
    """The build's kinetics: fidelity at the requested rates (leaks included), leak
    fractions, fuel budget, and the prediction from the designed sequences."""
    o = b.options
    tau = b.realisation.tau_s if b.realisation else None
    leak = DEFAULT_LEAK_PER_S if o.leak_per_s is None else o.leak_per_s
    dimers = None
    if o.sequence_rates and b.best:
        dimers = circuit_dimers(b.system, b.best.winner.scores.spurious_dimers())
    return simulate_kinetics(
        b.formal,
        b.enumerated,
        b.verification.full_interpretation,
        KineticsOptions(o.unit_nM, o.duration, tau, leak),
        design=b.design if o.sequence_rates else None,
        dimers=dimers,
        checks=o.check_options(),
    )
