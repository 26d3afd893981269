"""Every stage's settings, each default defined once.

One options object a stage, validated where it enters (the command line's argument
types, :mod:`dsdcrn.validate`); the command line, the Python API and the pipeline all
take their defaults from here.  Units are in the field names or their comments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

#: Verification methods, in the order they run; CRN bisimulation decides first.
METHODS = ("crn-bisimulation", "pathway-decomposition", "integrated-hybrid")
UNIT_NM = 10.0  # nM per formal unit of concentration
#: Concentration of each read-out reporter in the mix, nM (dsdcrn.compile.reporters).
REPORTER_NM = 100.0
FUEL_NM = 1000.0  # fuel (gate, helper) concentration, nM
DURATION = 1.0  # formal time units simulated
#: ``train --level dsd --rates``: Peppercorn's length-only rate constants; those of a
#: sequence design at the concentrations realised for the former; the same rate
#: constants with the concentrations realised again for them.
DSD_RATES = ("domain", "sequence", "sequence-realised")
VERIFY_TIMEOUT_S = 120.0  # per verification method (whole system) or all modules, s
MODULAR_JOBS = 2  # worker processes of the modular stages when called from Python


def _all_cores() -> int:
    return os.cpu_count() or 1


@dataclass
class EnumerationOptions:
    """Peppercorn's bounds and settings (names as Peppercorn's command line uses them)."""

    max_complex_size: int = 10  # strands in one complex
    max_complex_count: int = 5000  # complexes enumerated before giving up
    max_reaction_count: int = 20000  # detailed reactions enumerated before giving up
    release_cutoff: int = 7  # nt; helices this short or shorter fall apart
    reject_remote: bool = True  # no remote toehold binding (keeps gate-rich systems small)
    timeout_s: float = 300.0  # wall-clock bound, s


@dataclass
class CheckOptions:
    """How to enumerate and verify (:mod:`dsdcrn.stages`); times in s."""

    enumeration: EnumerationOptions = field(default_factory=EnumerationOptions)
    methods: tuple[str, ...] = METHODS
    timeout_s: float = VERIFY_TIMEOUT_S  # per verification method
    modular: bool = False
    jobs: int = field(default_factory=_all_cores)  # with modular: worker processes
    shape_cache: bool = True  # with modular: each gate shape enumerated once
    # with modular: enumerate the history variants' renamed copies of the modules and
    # check each module with them, so that its bisimulation interprets every species
    # (what kinetics needs); verification alone needs neither (issue 17: 7.5x the time)
    module_copies: bool = False
    # with module_copies: merge the variants that react exactly as their representative
    # (enumerate_modular(lump=True)): the condensed CRN kinetics needs; off to list all
    lump_variants: bool = True
    # with modular: where the jobs run: "processes" (this machine's pool), "dask" (a
    # local Dask cluster) or "dask://HOST:PORT" (dsdcrn.executors)
    executor: str = "processes"


@dataclass
class DesignOptions:
    """Sequence-design settings shared by every candidate
    (:func:`dsdcrn.design.sequences.design_sequences`).

    Units: kcal/mol for energies, °C, M Na+, nt, s; ``None`` picks the designer's default.
    """

    # toehold target: in-context ViennaRNA ΔG magnitude at the scheme's toehold length,
    # kcal/mol (dsdcrn.design.toehold_energy); None: Peppercorn's energy of each length
    toehold_dG: float | None = None
    toehold_dev: float = 0.5  # allowed deviation of a toehold's in-context ΔG, kcal/mol
    toehold_maxspurious: float | None = None  # stickydesign, fraction; None: 0.4, relaxed
    temperature_C: float = 25.0
    salt_M: float | None = None  # M Na+; None: ViennaRNA's standard 1.021 M
    mg_mM: float = 0.0  # mM Mg2+, entered as a Na+ equivalent (salt_equivalent_M)
    gc_range: tuple[float, float] = (0.35, 0.65)  # GC fraction of long domains
    max_shared_kmer: int | None = None  # nt; None: by system size
    three_letter: bool = True  # Piperine's A/C/T code for every domain
    # no change may add a strand window reading 5 nt of a toehold elsewhere (default: such
    # windows are penalised and removed where the other constraints allow)
    hard_toehold_windows: bool = False
    # when stickydesign cannot supply one toehold a domain, domains that never meet in a
    # strand or intended complex share sequences (dsdcrn.design.toehold_sharing)
    share_toeholds: bool = False
    ssm_steps: int | None = None
    defect_target: float = 0.04  # ensemble defect below which a complex is left alone
    sstu_min: float = 0.9  # unpaired probability each toehold nt of a free strand should reach
    defect_steps: int | None = None
    max_seconds: float = 120.0  # wall-time budget of a design phase, s

    def salt_equivalent_M(self) -> float | None:
        """The Na+ concentration ViennaRNA is given (M): ``salt_M`` (None: its standard
        1.021 M) plus 0.12 sqrt(``mg_mM``) for Mg2+ (von Ahsen et al., Clin. Chem.
        47:1956, 2001: [Na+]eq = [Na+] + 120 sqrt([Mg2+]), both mM); None when neither
        is set."""
        if not self.mg_mM:
            return self.salt_M
        na = 1.021 if self.salt_M is None else float(self.salt_M)
        return na + 0.12 * float(self.mg_mM) ** 0.5


@dataclass
class RealiseOptions:
    """Bounds of rate realisation (:mod:`dsdcrn.kinetics.realise`); units in the names.

    The default maximum rate is the plateau of toehold-mediated strand displacement,
    about 1e6-3e6 /M/s for 6-7 nt toeholds (Zhang & Winfree, JACS 131:17303, 2009).
    """

    max_rate_per_M_s: float = 3e6  # largest delivered bimolecular rate constant, /M/s
    min_fuel_nM: float = 50.0  # smallest gate or buffer concentration a knob may take, nM
    max_fuel_nM: float = 2000.0  # largest concentration of one fuel complex, nM
    max_total_uM: float = 500.0  # largest total fuel concentration, µM
    min_toehold_nt: int = 2  # shortest toehold the toehold plan may give a species, nt
    max_toehold_nt: int = 7  # longest, nt (6-7 nt reach the plateau rate)
    tolerance: float = 0.01  # relative deviation of a delivered rate from its target
    max_rounds: int = 200  # knob iterations at one tau


@dataclass
class BuildOptions:
    """Settings of one build (:func:`dsdcrn.pipeline.build`); units in the names."""

    scheme: str = "soloveichik2010"
    seed: int = 0
    fuel_nM: float = FUEL_NM
    unit_nM: float = UNIT_NM  # nM per formal unit
    duration: float = DURATION  # formal time units simulated
    verify_methods: tuple[str, ...] = METHODS
    verify_timeout_s: float = VERIFY_TIMEOUT_S
    enumeration: EnumerationOptions = field(default_factory=EnumerationOptions)
    design: DesignOptions = field(default_factory=DesignOptions)
    candidates: int = 4  # sequence designs made (in parallel); the meta-ranked best is kept
    jobs: int = field(default_factory=_all_cores)  # processes for candidates and scoring
    weights: dict[str, float] | None = None  # meta-ranking weights, percent
    modular: bool = False  # enumerate and verify one formal reaction at a time
    enum_jobs: int = field(default_factory=_all_cores)  # with modular
    shape_cache: bool = True  # with modular: each gate shape enumerated once
    executor: str = "processes"  # with modular: where the jobs run (dsdcrn.executors)
    order_anyway: bool = False  # design sequences even when not verified correct
    realise: bool = True  # rate realisation (dsdcrn.kinetics.realise)
    realisation: RealiseOptions = field(default_factory=RealiseOptions)
    leak_per_s: float | None = None  # first-order leak of every gate, /s; None: literature
    sequence_rates: bool = True  # also predict the kinetics from the designed sequences
    # formal species read out by a reporter each, designed with the circuit; None: the
    # species it produces and consumes only by decay (dsdcrn.compile.reporters)
    readout: tuple[str, ...] | None = None
    reporter_nM: float = REPORTER_NM  # each reporter in the mix, nM (0: none)

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
            executor=self.executor,
        )
