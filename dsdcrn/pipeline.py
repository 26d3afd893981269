"""The whole pipeline: formal CRN -> verified, sequence-designed DSD circuit.

``build`` runs every stage in order and returns a :class:`Build` holding each
stage's output; :func:`dsdcrn.designfolder.write_design` turns it into files.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

from .candidates import BestOf, DesignOptions, best_of
from .counts import Counts, count
from .crn import CRN
from .dsd import DomainSystem
from .enumeration import Enumerated, EnumerationOptions, enumerate_system
from .fidelity import Fidelity, simulate_fidelity
from .sequences import DesignProblem, DomainSpec, SequenceDesign, design_sequences
from .translate import compile_crn
from .verify import METHODS, Verification, verify


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
    modular: bool = False  # enumerate one formal reaction at a time (dsdcrn.modular)

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
    """Every stage's output, and the seconds each stage took."""

    formal: CRN
    options: BuildOptions
    system: DomainSystem
    counts: Counts
    enumerated: Enumerated
    verification: Verification
    design: SequenceDesign
    fidelity: Fidelity
    seconds: dict[str, float]
    best: BestOf | None = None  # every candidate design, their scores and the ranking


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
    """Run compile, count, enumerate, verify, design and simulate on ``formal``."""
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

    system = stage("compile", compile_crn, formal, opts.scheme, fuel_nM=opts.fuel_nM)
    counts = stage("count", count, system)
    if opts.modular:
        from .modular import enumerate_modular

        mod = stage(
            "enumerate",
            enumerate_modular,
            system,
            opts.enumeration,
            jobs=opts.jobs,
            progress=progress,
        )
        enumerated = mod.enumerated
    else:
        enumerated = stage(
            "enumerate", enumerate_system, system, opts.enumeration, progress=progress
        )
    verification = stage(
        "verify", verify, formal, enumerated, opts.verify_methods, opts.verify_timeout_s
    )
    best = stage("design", design_best, system, opts)
    fidelity = stage(
        "simulate",
        simulate_fidelity,
        formal,
        enumerated,
        verification.full_interpretation,
        unit_nM=opts.unit_nM,
        duration=opts.duration,
    )
    return Build(
        formal,
        opts,
        system,
        counts,
        enumerated,
        verification,
        best.winner.design,
        fidelity,
        seconds,
        best,
    )
