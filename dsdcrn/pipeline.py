"""The whole pipeline: formal CRN -> verified, sequence-designed DSD circuit.

``build`` runs every stage in order and returns a :class:`Build` holding each
stage's output; :func:`dsdcrn.designfolder.write_design` turns it into files.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .candidates import BestOf, DesignOptions, best_of
from .counts import Counts, count
from .crn import CRN
from .dsd import DomainSystem
from .enumeration import Enumerated, EnumerationOptions
from .errors import DsdcrnError
from .fidelity import Fidelity, simulate_fidelity
from .sequences import DesignProblem, DomainSpec, SequenceDesign, design_sequences
from .stages import CheckOptions, enumerate_checked, verify_checked
from .translate import compile_crn
from .verify import METHODS, Verification


@dataclass
class BuildOptions:
    """Settings of one build; units in the names."""

    scheme: str = "soloveichik2010"
    seed: int = 0
    fuel_nM: float = 1000.0
    unit_nM: float = 10.0
    duration: float = 1.0  # formal time units simulated
    verify_methods: tuple[str, ...] = METHODS
    verify_timeout_s: float = 120.0
    enumeration: EnumerationOptions = field(default_factory=EnumerationOptions)
    toehold_dG: float = 7.7  # kcal/mol
    toehold_dev: float = 0.5  # kcal/mol
    toehold_maxspurious: float | None = None  # fraction of toehold_dG; None: 0.4, relaxed
    salt_M: float | None = None  # M Na+; None: ViennaRNA's standard 1.021 M
    three_letter: bool = True  # Piperine's A/C/T code for every domain
    design_seconds: float = 120.0
    candidates: int = 1  # sequence designs made; the meta-ranked best is kept
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    weights: dict[str, float] | None = None  # meta-ranking weights, percent
    modular: bool = False  # enumerate and verify one formal reaction at a time
    enum_jobs: int = field(default_factory=lambda: os.cpu_count() or 1)  # with modular
    shape_cache: bool = True  # with modular: each gate shape enumerated once
    order_anyway: bool = False  # design sequences even when not verified correct

    def check_options(self) -> CheckOptions:
        """The enumeration and verification settings."""
        return CheckOptions(
            enumeration=self.enumeration,
            methods=self.verify_methods,
            timeout_s=self.verify_timeout_s,
            modular=self.modular,
            jobs=self.enum_jobs,
            shape_cache=self.shape_cache,
            module_copies=True,  # the kinetics need every species interpreted
        )

    def design_options(self) -> DesignOptions:
        """The sequence designer's settings."""
        return DesignOptions(
            toehold_dG=self.toehold_dG,
            toehold_dev=self.toehold_dev,
            toehold_maxspurious=self.toehold_maxspurious,
            salt_M=self.salt_M,
            three_letter=self.three_letter,
            max_seconds=self.design_seconds,
        )


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
    domains = [DomainSpec(d.name, d.length, d.kind) for d in system.domains.values()]
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
    return design_sequences(
        domains, strands, complexes, seed=seed, **opts.design_options().kwargs()
    )


def design_best(system: DomainSystem, opts: BuildOptions | None = None) -> BestOf:
    """Best of ``opts.candidates`` scored designs of ``system`` (:func:`best_of`)."""
    opts = opts or BuildOptions()
    return best_of(
        design_problem(system),
        n=opts.candidates,
        seed=opts.seed,
        jobs=opts.jobs,
        design_options=opts.design_options(),
        weights=opts.weights,
    )


def build(formal: CRN, opts: BuildOptions | None = None, progress: bool = True) -> Build:
    """Run compile, count, enumerate, verify, design and simulate on ``formal``.

    When verification does not prove the implementation correct the build stops
    there (no sequences, no kinetics) unless ``opts.order_anyway``.
    """
    opts = opts or BuildOptions()
    seconds: dict[str, float] = {}

    def stage(name: str, func, *args, **kwargs):
        if progress:
            print(f"[dsdcrn] {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        out = func(*args, **kwargs)
        seconds[name] = round(time.perf_counter() - t0, 3)
        if progress:
            print(f"[dsdcrn] {name}: {seconds[name]:.2f} s", file=sys.stderr, flush=True)
        return out

    checks = opts.check_options()
    system = stage("compile", compile_crn, formal, opts.scheme, fuel_nM=opts.fuel_nM)
    counts = stage("count", count, system)
    enumerated, mod = stage("enumerate", enumerate_checked, system, checks, progress)
    verification, _ = stage("verify", verify_checked, formal, enumerated, mod, checks, progress)
    b = Build(formal, opts, system, counts, enumerated, verification, None, None, seconds)
    if not b.verified and not opts.order_anyway:
        return b
    b.best = stage("design", design_best, system, opts)
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
