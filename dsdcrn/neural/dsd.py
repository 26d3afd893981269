"""Training at the DNA level: a neural CRN's protocol run on its compiled DSD circuit.

:func:`compile_network` compiles a :class:`~dsdcrn.neural.network.NeuralCRN` (modular
enumeration, modular CRN bisimulation with every history variant, so every
implementation species is interpreted) and realises its rates **one protocol phase at
a time** when its phases share no reaction (Nagipogu-Reif's run one after another, so
each has its own time scale tau, seconds per formal time unit, and its gates their own
concentrations), else once for the whole pot (Kang-Kim's one pot, whose smaller phases
only block some gates; :func:`phase_groups`).  A species' toehold is shared by the
gates of every phase; the toehold plans of the phases are merged, each keeping the
lengths an earlier one chose.  :func:`compile_cached` keeps a compiled circuit between
runs.  :func:`train_side_by_side` runs the Kang-Kim models in their catalysed form
(:data:`KK_DSD`, :func:`dsdcrn.neural.network.catalysed`).

:class:`DSDMachine` runs the same :class:`~dsdcrn.neural.protocol.Step` list as the
formal :class:`~dsdcrn.neural.protocol.Machine`, with the same reading methods, on the
implementation CRN (every condensed reaction, fuels finite):

* a step runs for ``duration`` x its phase's tau seconds with only that phase's gates
  taking inputs: in the lab the other phases' gates carry blockers on their input
  toeholds, and what they already hold moves on or falls back (:func:`_unblocked`);
  the fuels are loaded once and are used up across samples;
* a reset empties every implementation species that carries only reset formal species
  (free signals and the gate complexes holding them; a host action, as in the formal
  protocol; a gate caught mid-reaction that also holds a species not reset keeps it);
* an injection sets a formal species to ``value x unit_nM``: its carriers of it alone
  (history variants, gates holding only it) are emptied and the free signal strand
  takes the whole amount;
* a formal species' value is the sum of every implementation species that carries it,
  with multiplicity (the verifier's interpretation), in formal units;
* wastes (no reaction consumes them and they carry no formal species) are not
  integrated: nothing they do feeds back (:attr:`DSDMachine.untracked`).

Units: concentrations in nM inside the machine and formal units at its interface;
times in s inside and formal time units at the interface.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy.integrate import solve_ivp

from dsdcrn.compile.translate import compile_crn, load_scheme
from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.errors import DsdcrnError, SimulationBoundError
from dsdcrn.io import write_atomic
from dsdcrn.kinetics.fidelity import RateInContext, rates_in_context
from dsdcrn.kinetics.massaction import DeadlinePassed, MassAction, sparse_bdf
from dsdcrn.kinetics.realise import (
    Realisation,
    knobs_of,
    order_reactants,
    plan_toeholds,
    realise_rates,
    unimolecular_only,
)
from dsdcrn.model.crn import CRN
from dsdcrn.model.domains import DomainSystem
from dsdcrn.neural.network import NeuralCRN, rails, signed
from dsdcrn.neural.protocol import Step, end_state
from dsdcrn.options import DSD_RATES, FUEL_NM, UNIT_NM, CheckOptions, RealiseOptions
from dsdcrn.progress import terminal_bar
from dsdcrn.stages import enumerate_and_verify

__all__ = [
    "CompiledNetwork",
    "cache_dir",
    "compile_cached",
    "DSDMachine",
    "SideBySide",
    "compile_network",
    "phase_groups",
    "read_protocol",
    "replay",
    "species_modules",
    "train_side_by_side",
    "use_dsd",
]


@dataclass
class CompiledNetwork:
    """A neural CRN compiled, enumerated, verified and realised phase by phase.

    ``formal`` holds the network's reactions of nonzero rate, in its order; ``numbers``
    maps each phase to its reactions' numbers in ``formal`` (1-based: they name the
    gates); ``groups`` each phase the machine can run to the realised phase it runs at
    (:func:`phase_groups`); ``realisations`` holds each realised phase's tau and knob
    concentrations.
    """

    network: NeuralCRN
    formal: CRN
    system: DomainSystem
    enumerated: Enumerated
    interpretation: dict[str, list[str]]
    numbers: dict[str, list[int]]
    groups: dict[str, str]
    realisations: dict[str, Realisation] = field(default_factory=dict)
    unit_nM: float = UNIT_NM
    seconds: dict[str, float] = field(default_factory=dict)

    def tau_s(self, phase: str) -> float:
        """Seconds per formal time unit in ``phase``."""
        if phase not in self.groups:
            raise DsdcrnError(f"{self.network.name}: phase {phase!r} has no gates to run")
        return self.realisations[self.groups[phase]].tau_s

    def summary(self) -> str:
        e = self.enumerated
        fuels = [s.concentration_nM for s in e.by_role("fuel")]
        lines = [
            f"{self.network.name} compiled with {self.system.scheme}: {len(self.formal.reactions)} "
            f"formal reactions -> {len(e.species)} species, {len(e.reactions)} reactions; "
            f"{len(fuels)} fuel complexes, {sum(fuels) / 1000:.0f} µM in all"
        ]
        for phase, real in self.realisations.items():
            lines.append(
                f"  phase {phase}: tau {real.tau_s:.1f} s, largest rate deviation "
                f"{100 * real.max_error:.2f}%"
            )
        return "\n".join(lines)


def _phases(network: NeuralCRN) -> dict[str, list[int]]:
    """Phase -> numbers (1-based, among the reactions of nonzero rate) of its reactions."""
    live = [(r, m) for r, m in zip(network.reactions, network.modules, strict=True) if r.rate > 0]
    return {
        phase: [i for i, (_, m) in enumerate(live, start=1) if m in mods]
        for phase, mods in network.phases.items()
    }


def phase_groups(numbers: dict[str, list[int]]) -> dict[str, str]:
    """Phase -> the phase whose realisation (tau, gate concentrations) it runs at.

    Phases that share no reaction (Nagipogu-Reif's: the host runs them one after
    another) are each realised on their own, and ``all``, which such a protocol never
    runs, is left out.  Otherwise (Kang-Kim's ``inference`` within ``settle`` within
    ``all``: one pot whose gates are blocked in part) every phase runs at the
    realisation of the whole pot, ``all``.
    """
    parts = {p: frozenset(n) for p, n in numbers.items() if n and p != "all"}
    if all(not (parts[a] & parts[b]) for a in parts for b in parts if a < b):
        return {p: p for p in parts}
    return {p: "all" for p, n in numbers.items() if n}


def _sub_crn(formal: CRN, numbers: list[int], name: str) -> CRN:
    return CRN(
        reactions=[formal.reactions[i - 1] for i in numbers],
        initial={},
        name=name,
        source=f"<{name}>",
    )


def _merged_plan(
    formal: CRN,
    numbers: dict[str, list[int]],
    scheme: str,
    unit_nM: float,
    opts: RealiseOptions,
    first: dict[int, str],
) -> dict[str, int]:
    """The phases' toehold plans, each at its own tau, made one after another: a toehold
    an earlier phase chose keeps its length in the later ones (which choose their tau
    around it)."""
    plan: dict[str, int] = {}
    uni_only = unimolecular_only(formal)
    for phase, nums in numbers.items():
        local = {k: first[g] for k, g in enumerate(nums, start=1) if g in first}
        sub = _sub_crn(formal, nums, phase)
        plan.update(
            plan_toeholds(sub, scheme, unit_nM, opts, local, fixed=dict(plan), raise_gates=uni_only)
        )
    return plan


def species_modules(enumerated: Enumerated) -> dict[str, frozenset[int]]:
    """Implementation species -> the formal reactions (gate modules) it belongs to: a
    fuel to its own; another complex to the modules of its strands that only one
    module's fuels contain (two gates of one species may share a base strand), signal
    strands left out (a translator holds the signals it will release); signals to none
    (they pass between modules)."""
    system = enumerated.system
    signal_strands = {tuple(st) for s in enumerated.by_role("signal") for st in s.strands}
    cx = {c.name: c for c in system.complexes}
    module_of_fuel: dict[str, int] = {}
    owner: dict[tuple[str, ...], set[int]] = {}
    for i, names in system.module_fuels.items():
        for name in names:
            module_of_fuel[name] = i
            for strand in cx[name].strands:
                owner.setdefault(tuple(strand), set()).add(i)
    out = {}
    for s in enumerated.species.values():
        if s.name in module_of_fuel:
            out[s.name] = frozenset({module_of_fuel[s.name]})
            continue
        mods: set[int] = set()
        if s.role != "signal":
            for strand in map(tuple, s.strands):
                if strand not in signal_strands and len(owner.get(strand, ())) == 1:
                    mods |= owner[strand]
        out[s.name] = frozenset(mods)
    return out


def _restricted(enumerated: Enumerated, active: list) -> Enumerated:
    return replace(enumerated, reactions=active, species=dict(enumerated.species))


def compile_network(
    network: NeuralCRN,
    scheme: str = "soloveichik2010",
    unit_nM: float = UNIT_NM,
    options: RealiseOptions | None = None,
    jobs: int = 2,
    progress: Callable[[str], None] | None = None,
) -> CompiledNetwork:
    """Compile, enumerate (modularly), verify and realise ``network`` phase by phase;
    the toehold plan and realisation keep within ``options``' bounds.  ``progress``
    takes a line at each stage (and the modular jobs are logged and, on a terminal,
    shown as bars).

    Raises :class:`DsdcrnError` (one line) when the scheme cannot compile the network
    (e.g. trimolecular reactions), verification does not prove it correct, or a phase's
    rates cannot be realised within ``options``' bounds.
    """
    opts = options or RealiseOptions()
    if network.trimolecular:
        raise DsdcrnError(f"{network.name}: trimolecular reactions have no DSD scheme")
    t0 = time.perf_counter()
    live = [r for r in network.reactions if r.rate > 0]
    formal = CRN(reactions=live, initial={}, name=network.name, source=f"<{network.name}>")
    numbers = _phases(network)
    groups = phase_groups(numbers)
    realised_phases = {g: numbers[g] for g in dict.fromkeys(groups.values())}
    first, plan = {}, {}
    if "toehold" in (knobs_of(load_scheme(scheme)) or {}):
        first = order_reactants(formal)
        plan = _merged_plan(formal, realised_phases, scheme, unit_nM, opts, first)
    # one pot: its gates fire all the time, so they start at the ceiling and realisation
    # lowers only what it must (a buffer before its join)
    fuel_nM = opts.max_fuel_nM if set(realised_phases) == {"all"} else FUEL_NM
    system = compile_crn(formal, scheme, fuel_nM=fuel_nM, domain_nt=plan, first=first)
    say = progress or (lambda _line: None)
    say(
        f"compiling {network.name} with {scheme}: {len(live)} formal reactions, "
        f"{len(system.complexes)} complexes; enumerating and verifying module by module ..."
    )
    checked = enumerate_and_verify(
        formal, system, circuit_checks(jobs), progress=progress is not None,
        on_progress=terminal_bar() if progress is not None else None,
    )  # fmt: skip
    if checked.verification.verdict is not True:
        raise DsdcrnError(
            f"{network.name}: verification did not prove the {scheme} circuit correct "
            f"({checked.verification.results[0].detail[:120]})"
        )
    e, inter = checked.enumerated, checked.verification.full_interpretation
    t1 = time.perf_counter()
    say(
        f"enumerated and verified in {t1 - t0:.0f} s: {len(e.species)} species, "
        f"{len(e.reactions)} reactions; realising the rates ..."
    )
    out = CompiledNetwork(network, formal, system, e, inter, numbers, groups, unit_nM=unit_nM)
    realise_phases(out, e, opts, plan, say)
    out.seconds = {"compile and verify": t1 - t0, "realise": time.perf_counter() - t1}
    return out


def circuit_checks(jobs: int = 2) -> CheckOptions:
    """How a neural circuit is enumerated and verified: modular CRN bisimulation with
    every history variant's copies, so every implementation species is interpreted (and
    how :mod:`dsdcrn.neural.sequence_level` enumerates it again)."""
    return CheckOptions(methods=("crn-bisimulation",), modular=True, jobs=jobs, module_copies=True)


def realise_phases(
    out: CompiledNetwork,
    e: Enumerated,
    opts: RealiseOptions,
    plan: dict[str, int],
    progress: Callable[[str], None] | None = None,
) -> None:
    """Realise ``out``'s phases on ``e``'s rate constants (one realisation per group of
    :func:`phase_groups`, in order): sets ``out.realisations`` and ``out.enumerated``
    (``e`` with the realised concentrations).  ``plan``: the toehold plan (nt), for the
    report; ``progress`` takes a line per phase realised."""
    modules = species_modules(e)
    realised = e
    for phase in dict.fromkeys(out.groups.values()):
        nums = out.numbers[phase]
        active = _active(e, modules, nums)
        # only the species this phase's gates touch: a gate state of another phase would
        # be a closed class of its own in the held-fraction chain
        touched = {x for r in active for x in r.reactants + r.products}
        here = {n: v for n, v in out.interpretation.items() if n in touched}
        sub = _sub_crn(out.formal, nums, phase)
        real = realise_rates(
            sub, _restricted(realised, active), here, out.unit_nM, opts, plan, numbers=nums
        )
        out.realisations[phase] = real
        realised = real.apply(realised)
        if progress is not None:
            progress(f"realised {phase}: tau {real.tau_s:.4g} s, every rate within "
                     f"{real.max_error:.2%}")  # fmt: skip
    out.enumerated = realised


def _source_digest() -> str:
    """SHA-256 of dsdcrn's and the translation schemes' source: a cached circuit is
    used only by the code that made it."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for folder in (root / "dsdcrn", root / "translations"):
        for f in sorted(folder.rglob("*.py")):
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def cache_dir() -> Path:
    """Where compiled circuits are kept: ``$DSDCRN_CACHE``, else
    ``$XDG_CACHE_HOME/dsdcrn`` (default ``~/.cache/dsdcrn``)."""
    if os.environ.get("DSDCRN_CACHE"):
        return Path(os.environ["DSDCRN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dsdcrn"


def _compile_key(network: NeuralCRN, scheme: str, unit_nM: float, options) -> str:
    return "\0".join(
        [network.to_text(unit_nM), repr(network.initial), scheme, repr(unit_nM),
         repr(options), _source_digest()]
    )  # fmt: skip


def pickle_cached(key: str, make, folder: Path | str | None = None) -> tuple[Any, bool]:
    """``make()``, kept in ``folder`` (default :func:`cache_dir`) under the SHA-256 of
    ``key``; returns the object and whether it came from the cache.  A file is written
    whole (temporary file, then rename), an unreadable one is made again and a
    read-only cache only costs the next run its work."""
    import pickle

    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    path = Path(folder or cache_dir()) / f"compiled-{digest}.pickle"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh), True
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass
    out = make()
    try:
        write_atomic(path, pickle.dumps(out))
    except OSError:
        pass
    return out, False


def compile_cached(
    network: NeuralCRN,
    scheme: str = "soloveichik2010",
    unit_nM: float = UNIT_NM,
    options: RealiseOptions | None = None,
    jobs: int = 2,
    folder: Path | str | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[CompiledNetwork, bool]:
    """:func:`compile_network`, kept between runs (:func:`pickle_cached`), keyed by the
    network's text, the arguments and dsdcrn's source (:func:`_source_digest`);
    returns the circuit and whether it came from the cache."""
    key = _compile_key(network, scheme, unit_nM, options)
    out, hit = pickle_cached(
        key, lambda: compile_network(network, scheme, unit_nM, options, jobs, progress), folder
    )
    out.network = network
    return out, hit


def sequence_cached(
    compiled: CompiledNetwork,
    design_seed: int,
    scheme: str,
    options: RealiseOptions | None,
    jobs: int = 2,
    folder: Path | str | None = None,
) -> tuple[tuple[CompiledNetwork, Any], bool]:
    """:func:`dsdcrn.neural.sequence_level.sequence_circuit` of ``compiled`` (the
    :func:`compile_cached` circuit of its network with realisation ``options``), kept
    between runs like it."""
    from dsdcrn.neural.sequence_level import SEQUENCE_DESIGN, sequence_circuit

    network = compiled.network
    key = _compile_key(network, scheme, compiled.unit_nM, options)
    key += f"\0sequence design {design_seed}\0{SEQUENCE_DESIGN!r}"
    (out, rates), hit = pickle_cached(
        key, lambda: sequence_circuit(compiled, design_seed, jobs=jobs), folder
    )
    out.network = network
    return (out, rates), hit


def _active(e: Enumerated, modules: dict[str, frozenset[int]], numbers: list[int]) -> list:
    """The implementation reactions of the gates of ``numbers`` (and those between
    signals alone): what realisation calibrates one phase on."""
    mine = set(numbers)
    return [
        r
        for r in e.reactions
        if frozenset().union(*(modules[x] for x in r.reactants + r.products)) <= mine
    ]


def _unblocked(e: Enumerated, modules: dict[str, frozenset[int]], numbers: list[int]) -> list:
    """The implementation reactions that run while only the gates of ``numbers`` take
    inputs: every reaction but a signal binding a gate (fuel or intermediate) of another
    module.  In the lab, the other phases' gates carry blockers on their input toeholds;
    what they already hold still moves on or falls back (a join gate's buffer releases
    its first input), so no signal stays locked in a gate of a finished phase."""
    mine = set(numbers)
    signal = {s.name for s in e.by_role("signal")}
    return [
        r
        for r in e.reactions
        if not (signal & set(r.reactants) and any(modules[x] - mine for x in r.reactants))
    ]


#: A fuel below this fraction of its loaded concentration is used up.
EXHAUSTED = 0.05


class _Tracked(NamedTuple):
    """A reaction as the machine integrates it: its products without the wastes."""

    reactants: tuple[str, ...]
    products: tuple[str, ...]
    rate: float


class DSDMachine:
    """Runs protocol steps on a :class:`CompiledNetwork` (module doc); the interface of
    :class:`dsdcrn.neural.protocol.Machine`.

    Parameters
    ----------
    compiled : the compiled, realised network.
    rtol, atol : solver tolerances (``atol`` in nM).  The defaults change a trained
        parameter by 2e-5 of itself against 1e-6 and 1e-6 nM (ten samples of ``line``)
        and take half the time.
    max_seconds : wall-time budget for all steps (s), or None.
    replenish : every this many samples (a step with a reset or an injection starts
        one) every fuel is topped up to its loaded concentration, a lab action; 0:
        never (the fuels are loaded once).
    leak_per_s : first-order leak of every gate (/s, :mod:`dsdcrn.kinetics.leaks`),
        in every phase: a blocker on a gate's input toehold does not stop it leaking.
    volume_uL : the tube's starting volume (uL), or None: no volumes.  Each step that
        adds strands (a top-up, inputs) then pipettes one premix from stocks at
        ``stock_fold`` x their working concentrations, which dilutes everything already
        in the tube (the trained parameters too) by (stock_fold - 1) / stock_fold.
    max_volume_uL : the tube's capacity (uL); a step that would overfill it is a
        one-line :class:`DsdcrnError`.
    """

    def __init__(
        self,
        compiled: CompiledNetwork,
        *,
        rtol: float = 1e-4,
        atol: float = 1e-4,
        max_seconds: float | None = None,
        replenish: int = 0,
        leak_per_s: float = 0.0,
        volume_uL: float | None = None,
        stock_fold: float = 100.0,
        max_volume_uL: float | None = None,
    ) -> None:
        from dsdcrn.kinetics.leaks import find_leaks

        if volume_uL is not None and not (volume_uL > 0 and np.isfinite(volume_uL)):
            raise DsdcrnError(f"the reaction volume must be > 0 uL, got {volume_uL!r}")
        if not stock_fold > 1:
            raise DsdcrnError(f"stocks must be more concentrated than the mix, got {stock_fold!r}x")
        self.volume_uL, self.stock_fold, self.max_volume_uL = volume_uL, stock_fold, max_volume_uL
        self.compiled = compiled
        self.leaks = find_leaks(compiled.enumerated, leak_per_s).reactions
        self.replenish = int(replenish)
        self.samples = 0  # steps with a reset or an injection: each starts a sample
        self.network = compiled.network
        e = compiled.enumerated
        self.species = list(e.species)
        self.index = {s: i for i, s in enumerate(self.species)}
        self.unit = compiled.unit_nM
        self.rtol, self.atol, self.max_seconds = rtol, atol, max_seconds
        self._start = time.monotonic()
        self._modules = species_modules(e)
        self._models: dict[str, tuple[MassAction, np.ndarray]] = {}
        counts = {n: Counter(v) for n, v in compiled.interpretation.items() if v}
        self.carriers: dict[str, list[tuple[int, int]]] = {}
        for name, image in counts.items():
            if name in self.index and e.species[name].role != "fuel":
                for x, k in image.items():
                    self.carriers.setdefault(x, []).append((self.index[name], k))
        self._image = {n: set(c) for n, c in counts.items()}
        self._alone: dict[str, list[str]] = {}
        for name, image in self._image.items():
            if len(image) == 1 and name in self.index and e.species[name].role != "fuel":
                self._alone.setdefault(next(iter(image)), []).append(name)
        consumed = {x for r in (*e.reactions, *self.leaks) for x in r.reactants}
        #: Wastes: species no reaction consumes (leaks included) that carry no formal
        #: species.  Nothing they do feeds back, so the machine does not integrate them
        #: (their entries in :attr:`state` stay 0 nM): on the Kang-Kim 2-2-1 circuit
        #: 2,785 of 4,473 species, a training sample 1.4x faster, the same trajectory.
        self.untracked = frozenset(n for n in self.species if n not in consumed
                                   and n not in self._image)  # fmt: skip
        self.state = np.zeros(len(self.species))
        self._fuels = [s.name for s in e.by_role("fuel") if s.concentration_nM > 0]
        for s in e.species.values():
            if s.role == "fuel":
                self.state[self.index[s.name]] = s.concentration_nM
        self.used: list[dict[str, float]] = []  # fuel used per finished sample, nM
        self._at_start: dict[str, float] | None = None
        self._book: tuple | None = None
        self.log: list[dict] = []  # the lab actions of every step (:func:`protocol_csv`)
        self._gates_on: str | None = None
        if volume_uL is not None:
            self._note(0, "volume", "reaction", volume_uL, "uL")
            self._note(0, "volume", "stock fold", stock_fold, "x")
        for x, v in self.network.initial.items():
            self._set_free(x, v)
        self.steps_run = 0

    # ---------------------------------------------------------------- helpers
    def _set_free(self, x: str, value: float) -> None:
        """Set formal species ``x`` to ``value`` (formal units): empty every carrier of
        ``x`` alone (its history variants and the gates holding only it), then put the
        whole amount on its free signal strand."""
        if x not in self.index:
            raise DsdcrnError(f"{self.network.name}: species {x!r} has no signal strand")
        for name in self._alone.get(x, ()):
            self.state[self.index[name]] = 0.0
        self.state[self.index[x]] = value * self.unit

    def model(self, phase: str) -> tuple[MassAction, np.ndarray]:
        """The mass-action model of ``phase`` (built once, cached) over the species its
        reactions touch but the wastes (:attr:`untracked`), and their positions in
        :attr:`state` (the others stay put)."""
        if phase not in self._models:
            if phase not in self.compiled.groups:
                raise DsdcrnError(f"{self.network.name}: unknown phase {phase!r}")
            nums = self.compiled.numbers[phase]
            running = (*_unblocked(self.compiled.enumerated, self._modules, nums), *self.leaks)
            wastes = self.untracked
            reactions = [
                _Tracked(r.reactants, tuple(x for x in r.products if x not in wastes), r.rate)
                for r in running
            ]
            touched = list(dict.fromkeys(x for r in reactions for x in r.reactants + r.products))
            idx = np.array([self.index[x] for x in touched], dtype=int)
            self._models[phase] = (MassAction(reactions, species=touched), idx)
        return self._models[phase]

    # ---------------------------------------------------------------- running
    def run(self, steps) -> None:
        for step in steps:
            self.apply(step)

    def apply(self, step: Step, top_up: bool | None = None) -> None:
        """Reset, inject, then run ``step.phase``'s gates for ``step.duration`` x tau;
        a step that starts a sample first tops the fuels up when ``top_up`` says so
        (None: every ``replenish`` samples)."""
        n = self.steps_run + 1
        if top_up is None:
            top_up = bool(self.replenish and self.samples and self.samples % self.replenish == 0)
        if step.reset or step.inject:  # a sample starts: fresh inputs
            self._start_sample(n, step, top_up)
        for x, v in step.inject.items():
            if not (v >= 0 and np.isfinite(v)):
                raise DsdcrnError(f"{self.network.name}: injected concentration {x} = {v!r}")
            self._set_free(x, v)
            self._note(n, "set", x, v * self.unit, "nM")
        if step.duration > 0:
            self._wait(n, step)
            if self.samples <= 1:
                self._check_first_sample(n, step)
        self.steps_run += 1

    def _start_sample(self, n: int, step: Step, top_up: bool) -> None:
        """Close the last sample's fuel book, add this step's premix (with a volume),
        top the fuels up and reset."""
        self._close_sample()
        if self.volume_uL is not None and (top_up or step.inject):
            self._add_premix(n)
        if top_up:
            self.top_up()
            self._note(n, "top up", "every fuel")
        self.samples += 1
        self._at_start = self._fuel_state()
        reset = set(step.reset)
        for name, image in self._image.items():
            if name in self.index and image <= reset:
                self.state[self.index[name]] = 0.0
        for x in step.reset:
            self._note(n, "reset", x)

    def _wait(self, n: int, step: Step) -> None:
        """Integrate ``step.phase``'s unblocked reactions for its duration."""
        model, idx = self.model(step.phase)
        t_end = float(step.duration) * self.compiled.tau_s(step.phase)
        if step.phase != self._gates_on:
            self._note(n, "gates", step.phase)
            self._gates_on = step.phase
        self._note(n, "wait", step.phase, t_end / 60.0, "min")
        if self.max_seconds is not None:
            model.deadline = self._start + self.max_seconds
        try:
            sol = solve_ivp(
                lambda _t, y: model.rhs(y),
                (0.0, t_end),
                self.state[idx],
                method=sparse_bdf(),
                jac=lambda _t, y: model.jacobian(y),
                t_eval=[t_end],
                rtol=self.rtol,
                atol=self.atol,
            )
        except DeadlinePassed:
            raise SimulationBoundError(
                f"{self.network.name}: DSD-level training exceeded its "
                f"{self.max_seconds:g} s budget in protocol step {n}"
            ) from None
        finally:
            model.deadline = None
        self.state[idx] = end_state(sol, self.network.name, f" in protocol step {n}")

    def _add_premix(self, step: int) -> None:
        """Pipette one premix of what this step adds (fuel top-up, input strands), each
        strand at ``stock_fold`` x its working concentration: the volume grows by
        1 / (stock_fold - 1), everything in the tube is diluted by (stock_fold - 1) /
        stock_fold, and the added strands then reach their targets exactly (their
        amounts in the premix make up for the dilution)."""
        assert self.volume_uL is not None
        added = self.volume_uL / (self.stock_fold - 1.0)
        if self.max_volume_uL is not None and self.volume_uL + added > self.max_volume_uL:
            raise DsdcrnError(
                f"{self.network.name}: protocol step {step} would fill the tube to "
                f"{self.volume_uL + added:.4g} uL, above its {self.max_volume_uL:g} uL"
            )
        self.state *= self.volume_uL / (self.volume_uL + added)
        self.volume_uL += added
        self._note(step, "add", "premix", added, "uL")

    def _check_first_sample(self, n: int, step: Step) -> None:
        """A fuel used up before the first sample ends: no load could train anything."""
        left = self.fuel_left()
        name = min(left, key=left.get, default=None)
        if name is not None and left[name] < EXHAUSTED:
            raise DsdcrnError(
                f"{self.network.name}: fuel {name} is down to {left[name]:.1%} of its "
                f"{self.compiled.enumerated.species[name].concentration_nM:g} nM within the "
                f"first sample (protocol step {n}, phase {step.phase}); "
                "one load of fuel cannot carry one sample: raise the fuels "
                "(RealiseOptions.max_fuel_nM) or shorten the protocol"
            )

    # ---------------------------------------------------------------- reading
    def conc(self, name: str) -> float:
        """Total of formal species ``name`` over its carriers (formal units)."""
        return float(sum(self.state[i] * k for i, k in self.carriers.get(name, ()))) / self.unit

    def value(self, name: str) -> float:
        """Signed value of a dual-rail pair ``name`` (p - m), or a plain species."""
        p, m = rails(name)
        if p in self.carriers or m in self.carriers:
            return self.conc(p) - self.conc(m)
        return self.conc(name)

    def values(self, names) -> np.ndarray:
        return np.array([self.value(n) for n in names])

    def set_value(self, name: str, value: float) -> None:
        """Set the dual-rail pair ``name`` to the signed ``value`` (formal units), each
        rail on its free signal strand (:meth:`_set_free`): the inverse of :meth:`value`."""
        for rail_name, v in zip(rails(name), signed(value), strict=True):
            self._set_free(rail_name, v)

    @property
    def last_phase(self) -> str | None:
        """The phase whose gates ran last (None before any step ran)."""
        return self._gates_on

    def rates_in_context(self, phase: str) -> list[RateInContext]:
        """Each of ``phase``'s formal reactions: the flux its gates deliver now (blocked
        ones none) against the requested flux at the circuit's formal concentrations
        (:func:`dsdcrn.kinetics.fidelity.rates_in_context`)."""
        self.model(phase)  # an unknown phase is a one-line error
        c, e = self.compiled, self.compiled.enumerated
        running = _unblocked(e, self._modules, c.numbers[phase])
        state = {n: v for n, v in zip(self.species, self.state.tolist(), strict=True) if v}
        fuels = {s.name for s in e.by_role("fuel")}
        return rates_in_context(c.formal, running, c.interpretation, state, fuels, self.unit,
                                c.tau_s(phase), c.numbers[phase])  # fmt: skip

    def off_rates(self, phase: str, n: int = 8, floor: float = 1e-3) -> list[tuple[str, float]]:
        """The ``n`` formal reactions of ``phase`` whose delivered rate is farthest from
        the requested one now (:meth:`rates_in_context`; log ratio), among those whose
        requested flux is at least ``floor`` formal units per formal time unit."""
        tau = self.compiled.tau_s(phase)
        busy = [r for r in self.rates_in_context(phase)
                if r.requested_nM_s * tau >= floor * self.unit]  # fmt: skip
        busy.sort(key=lambda r: -abs(np.log(max(r.ratio, 1e-12))))
        return [(r.reaction, round(r.ratio, 4)) for r in busy[:n]]

    def snapshot(self) -> np.ndarray:
        """The state (nM); the sample bookkeeping is kept for the next :meth:`restore`
        (predictions between the two do not count as samples)."""
        self._book = (self.samples, len(self.used), self._at_start, len(self.log),
                      self._gates_on, self.steps_run, self.volume_uL)  # fmt: skip
        return self.state.copy()

    def restore(self, state: np.ndarray) -> None:
        self.state = state.copy()
        if self._book is not None:
            (self.samples, n, self._at_start, k, self._gates_on, self.steps_run,
             self.volume_uL) = self._book  # fmt: skip
            del self.used[n:]
            del self.log[k:]

    def _note(self, step: int, action: str, what: str, value=None, unit: str = "") -> None:
        self.log.append({"step": step, "action": action, "what": what, "value": value,
                         "unit": unit})  # fmt: skip

    def _fuel_state(self) -> dict[str, float]:
        return {n: float(self.state[self.index[n]]) for n in self._fuels}

    def _close_sample(self) -> None:
        """Record the fuel (nM) each gate used in the sample that ends here."""
        if self._at_start is not None:
            now = self._fuel_state()
            self.used.append({n: self._at_start[n] - now[n] for n in self._fuels})
            self._at_start = None

    def samples_per_load(self) -> tuple[float, str]:
        """How many samples one load of fuel lasts before any fuel falls below half of
        its loaded concentration, at the mean use per finished sample, and that fuel."""
        self._close_sample()
        if not self.used:
            raise DsdcrnError("no finished sample: run at least one sample first")
        loaded = {s.name: s.concentration_nM for s in self.compiled.enumerated.by_role("fuel")}
        per = {n: sum(u[n] for u in self.used) / len(self.used) for n in self._fuels}
        lasts = {n: 0.5 * loaded[n] / per[n] for n in self._fuels if per[n] > 1e-12}
        name = min(lasts, key=lasts.get)
        return lasts[name], name

    def top_up(self) -> None:
        """Every fuel back to its loaded concentration (a lab action: add what was used)."""
        for s in self.compiled.enumerated.by_role("fuel"):
            self.state[self.index[s.name]] = s.concentration_nM

    def fuel_left(self) -> dict[str, float]:
        """Each fuel's concentration as a fraction of its loaded one."""
        e = self.compiled.enumerated
        return {
            s.name: float(self.state[self.index[s.name]]) / s.concentration_nM
            for s in e.by_role("fuel")
            if s.concentration_nM > 0
        }


def use_dsd(model: Any, compiled: CompiledNetwork, **solver: Any) -> Any:
    """``model`` (a :mod:`dsdcrn.neural.training` model) with its machine replaced by a
    :class:`DSDMachine` on ``compiled``, which must be its own network compiled."""
    if compiled.network is not model.network_:
        raise DsdcrnError("the compiled network is not this model's network")
    model.machine_ = DSDMachine(compiled, **solver)
    return model


# --------------------------------------------------------------------------- protocol
#: What each action of a protocol file means at the bench.
ACTIONS = {
    "volume": "the reaction volume to start with (uL), and how concentrated the stocks are",
    "add": "pipette this step's premix (uL): every strand the step adds, each at the stock "
    "fold of its working concentration; the whole tube is diluted by it",
    "top up": "add every fuel back to its loaded concentration",
    "reset": "remove the species (sink strands; the formal protocol's reset)",
    "set": "add the signal strand to this concentration (nM)",
    "gates": "strip the blockers from this phase's gates; block the others' input toeholds",
    "wait": "incubate this long (min)",
}
PROTOCOL_FIELDS = ("step", "action", "what", "value", "unit")


def protocol_csv(log: list[dict]) -> str:
    """The lab actions of :attr:`DSDMachine.log` as CSV (:data:`PROTOCOL_FIELDS`)."""
    lines = [",".join(PROTOCOL_FIELDS)]
    for row in log:
        value = "" if row["value"] is None else repr(float(row["value"]))
        lines.append(f"{row['step']},{row['action']},{row['what']},{value},{row['unit']}")
    return "\n".join(lines) + "\n"


def protocol_markdown(log: list[dict], title: str) -> str:
    """The same actions as a schedule with clock times (min from the start)."""
    lines = [f"# {title}", "", "| min | step | action |", "|---:|---:|---|"]
    clock = 0.0
    for row in log:
        what = row["what"]
        if row["action"] == "set":
            text = f"add {what} to {row['value']:.3g} nM"
        elif row["action"] == "wait":
            text = f"wait {row['value']:.1f} min ({what} phase)"
        elif row["action"] == "gates":
            text = f"unblock the {what} gates, block the others"
        elif row["action"] == "add":
            text = f"pipette the premix, {row['value']:.3g} uL"
        elif row["action"] == "volume":
            unit = "uL" if row["unit"] == "uL" else "x the working concentrations"
            text = f"{what}: {row['value']:g} {unit}"
        else:
            text = f"{row['action']} {what}"
        lines.append(f"| {clock:.1f} | {row['step']} | {text} |")
        if row["action"] == "wait":
            clock += float(row["value"])
    lines += ["", f"Total: {clock / 60:.1f} h.", ""]
    lines += [f"- **{a}**: {d}" for a, d in ACTIONS.items()]
    return "\n".join(lines) + "\n"


def read_protocol(text: str, source: str = "<protocol>") -> list[dict]:
    """Rows of a protocol file written by :func:`protocol_csv`; a malformed line is a
    one-line :class:`DsdcrnError` naming the file and line."""
    lines = text.splitlines()
    if not lines or tuple(lines[0].split(",")) != PROTOCOL_FIELDS:
        raise DsdcrnError(f"{source}:1: expected the header {','.join(PROTOCOL_FIELDS)}")
    rows = []
    for i, line in enumerate(lines[1:], start=2):
        parts = line.split(",")
        if len(parts) != len(PROTOCOL_FIELDS) or parts[1] not in ACTIONS:
            raise DsdcrnError(f"{source}:{i}: not a protocol row: {line!r}")
        try:
            value = float(parts[3]) if parts[3] else None
            step = int(parts[0])
        except ValueError:
            raise DsdcrnError(f"{source}:{i}: not a number in {line!r}") from None
        if value is not None and not (value >= 0 and np.isfinite(value)):
            raise DsdcrnError(f"{source}:{i}: a {parts[1]} of {value:g} cannot be done")
        rows.append({"step": step, "action": parts[1], "what": parts[2], "value": value,
                     "unit": parts[4]})  # fmt: skip
    return rows


def replay(compiled: CompiledNetwork, rows: list[dict], **solver: Any) -> DSDMachine:
    """A fresh :class:`DSDMachine` on ``compiled`` that has done the lab actions
    ``rows`` (:func:`read_protocol`) in order: what the protocol file alone says."""
    volume = {r["what"]: r["value"] for r in rows if r["action"] == "volume"}
    if volume:
        solver = {**solver, "volume_uL": volume.get("reaction"),
                  "stock_fold": volume.get("stock fold", 100.0)}  # fmt: skip
    m = DSDMachine(compiled, **solver)
    steps: dict[int, list[dict]] = {}
    for row in rows:
        if row["action"] == "volume":
            continue
        steps.setdefault(row["step"], []).append(row)
    for _, actions in sorted(steps.items()):
        reset = tuple(a["what"] for a in actions if a["action"] == "reset")
        inject = {a["what"]: a["value"] / m.unit for a in actions if a["action"] == "set"}
        waits = [a for a in actions if a["action"] == "wait"]
        topping = any(a["action"] == "top up" for a in actions)
        phase = waits[0]["what"] if waits else next(iter(compiled.groups))
        minutes = sum(a["value"] for a in waits)
        duration = minutes * 60.0 / compiled.tau_s(phase) if waits else 0.0
        m.apply(Step(phase, duration, inject=inject, reset=reset), top_up=topping)
    return m


# --------------------------------------------------------------------------- training
@dataclass
class SideBySide:
    """A training run of the formal circuit and of its DSD circuit on the same samples.

    ``rows`` hold, per sample, every trainable parameter of both (``formal <name>``,
    ``dsd <name>``, formal units) and the seconds each took; ``curve`` the task's metric
    of both on its test set after each epoch (:attr:`test_formal`, :attr:`test_dsd`: at
    the end).
    """

    task: str
    model: str
    scheme: str
    metric: str
    theta0: dict[str, float]
    rows: list[dict[str, float]]
    curve: list[dict[str, float]]
    compiled: str
    lowest_fuels: list[tuple[str, float]]
    replenish: int
    leak_per_s: float = 0.0
    samples_per_load: tuple[float, str] = (float("nan"), "")
    protocol: list[dict] = field(default_factory=list)  # the DSD run's lab actions
    network: CompiledNetwork | None = field(default=None, repr=False)
    rates: str = "domain"  # the DSD circuit's rate constants, one of DSD_RATES
    sequence: dict[str, Any] | None = None  # SequenceRates.summary() unless "domain"
    #: at the end of the run, the formal reactions whose gates deliver a rate farthest
    #: from the requested one, with delivered / requested (:meth:`DSDMachine.off_rates`)
    off_rates: list[tuple[str, float]] = field(default_factory=list)

    @property
    def test_formal(self) -> float:
        return self.curve[-1][f"test {self.metric} formal"]

    @property
    def test_dsd(self) -> float:
        return self.curve[-1][f"test {self.metric} dsd"]

    def gap(self) -> float:
        """Largest |θ_DSD - θ_formal| / |θ_formal - θ₀| over the parameters, at the end."""
        last = self.rows[-1]
        out = 0.0
        for p, v0 in self.theta0.items():
            moved = abs(last[f"formal {p}"] - v0)
            out = max(out, abs(last[f"dsd {p}"] - last[f"formal {p}"]) / max(moved, 1e-12))
        return out

    def table(self) -> str:
        keys = list(self.rows[0]) if self.rows else []
        lines = ["  ".join(f"{k:>12}" for k in keys)]
        lines += ["  ".join(f"{r[k]:>12.5g}" for k in keys) for r in self.rows]
        return "\n".join(lines)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "model": self.model,
            "level": "dsd",
            "scheme": self.scheme,
            "metric": self.metric,
            "theta0": self.theta0,
            f"test_{self.metric}_formal": self.test_formal,
            f"test_{self.metric}_dsd": self.test_dsd,
            "theta_gap": self.gap(),
            "replenish_every": self.replenish,
            "leak_per_s": self.leak_per_s,
            "samples_per_load": self.samples_per_load[0],
            "first_fuel_below_half": self.samples_per_load[1],
            "lowest_fuels": self.lowest_fuels,
            "off_rates_at_the_end": self.off_rates,
            "compiled": self.compiled,
            "rates": self.rates,
            "sequence_rates": self.sequence,
            "curve": self.curve,
            "samples": self.rows,
        }

    def write(self, out, force: bool = False):
        """``samples.csv``, ``samples.png``, ``protocol.csv`` (the DSD run's lab actions,
        :func:`read_protocol`), ``protocol.md`` and ``result.json`` in folder ``out``."""
        import json

        from dsdcrn.io import write_folder

        keys = list(self.rows[0])
        csv = [",".join(keys)] + [",".join(f"{r[k]:g}" for k in keys) for r in self.rows]
        title = f"Training protocol: {self.model} on {self.task} ({self.scheme})"
        files = {
            "samples.csv": "\n".join(csv) + "\n",
            "result.json": json.dumps(self.to_json_dict(), indent=2) + "\n",
            "protocol.csv": protocol_csv(self.protocol),
            "protocol.md": protocol_markdown(self.protocol, title),
        }
        return write_folder(files, out, lambda tmp: self.plot(tmp / "samples.png"), force=force)

    def plot(self, path) -> None:
        """Parameters per sample (formal solid, DSD dashed) and the test metric per
        epoch of both."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=(3, 2))
        n = [r["sample"] for r in self.rows]
        for k, (p, v0) in enumerate(self.theta0.items()):
            c = f"C{k % 10}"
            ax.plot([0, *n], [v0] + [r[f"formal {p}"] for r in self.rows], "-", color=c,
                    label=f"{p} formal" if len(self.theta0) <= 4 else None)  # fmt: skip
            ax.plot([0, *n], [v0] + [r[f"dsd {p}"] for r in self.rows], "--", color=c,
                    label=f"{p} DSD" if len(self.theta0) <= 4 else None)  # fmt: skip
        ax.set_xlabel("training sample")
        ax.set_ylabel("parameter (formal units; solid formal, dashed DSD)")
        ax.set_title(f"{self.model} on {self.task}: formal CRN vs DSD circuit")
        if len(self.theta0) <= 4:
            ax.legend()
        epochs = [c["epoch"] for c in self.curve]
        for level, style in (("formal", "o-"), ("dsd", "s--")):
            bx.plot(epochs, [c[f"test {self.metric} {level}"] for c in self.curve], style,
                    label="DSD" if level == "dsd" else level)  # fmt: skip
        bx.set_xlabel("epoch")
        bx.set_ylabel(f"test {self.metric}")
        bx.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)


#: Models that run at the DNA level.
DSD_MODELS = ("nagipogu-reif", "kang-kim", "kang-kim-relu")
#: The Kang-Kim models at the DNA level (overridable): rail cancellation and token
#: routing at k = 1, not 100 (a signal meets the others and decays at similar formal
#: rates, which one toehold per species can serve; measured: AND-corners still learnt
#: to 98-100% in two epochs), the σ′ reactions at kappa = 1, not 5 (kappa sets only how
#: fast σ′ settles: D* = κH²/(κ(H² + h)); at 5 its 2H gates could not be realised beside
#: the slow training reactions: measured), every unimolecular reaction catalysed
#: (:func:`dsdcrn.neural.network.catalysed`), and the test read-out after 10 formal time
#: units, not 30: the gates keep firing while the tube waits and their joins run down
#: (the busiest XOR 2-5-1 joins lose 5% of their load in 5 units, 20% in 30), while the
#: formal forward pass has settled within 0.013 by 10 units (measured at the recorded XOR
#: run's weights; 4e-4 by 15).  With the same training, the DNA circuit's test accuracy
#: went from 0.50 at epoch 8, 0.97 at 10 and 0.93 at 20 (30 units) to 0.94 at epoch 8
#: and 1.00 from 9 to 20 (10 units; ``benchmarks/runs/xor-corners-kang-kim-dsd``).
KK_DSD = {"k_rail": 1.0, "k_route": 1.0, "kappa": 1.0, "catalysed": True, "t_eval": 10.0}
#: Realisation bounds of the Kang-Kim circuits: join gates down to 10 nM (a catalysed
#: decay's join and buffer span the ratio between the decays and the slow training
#: reactions, 200x), the toehold plan made within them too (within the default bounds
#: it shortened EA's and VA's toeholds to 4 nt, which held tau at 2673 s and the k = 1
#: joins at 23-24 nM: measured).
KK_REALISE = RealiseOptions(min_fuel_nM=10.0, max_total_uM=1000.0)
#: nM per formal unit of the Kang-Kim circuits: in one pot every gate fires about
#: k·x·T = 20 formal units a sample, so a gate's use per sample grows with the unit
#: while realisation keeps its concentration (tau grows instead).  Measured on
#: and-corners: at 10 nM EA's and Q's decay gates last 0.8 samples and the DNA circuit
#: learns at about 60% of the formal rate (test accuracy 0.68 against 0.98 after two
#: epochs); at 2.5 nM they last 2.4 samples and it reaches 1.00 against 0.98.
KK_UNIT_NM = 2.5


def _side_by_side(task, formal: Any, dsd: Any, epochs: int, progress) -> tuple:
    """Train both models sample by sample; their parameters per sample, the test metric
    of both per epoch, and the DSD machine's lab actions (predictions left out)."""
    Y = task.targets(task.y_train)
    rows: list[dict[str, float]] = []
    curve: list[dict[str, float]] = []
    log: list[dict] = []
    for epoch in range(1, epochs + 1):
        for n, (x, y) in enumerate(zip(task.X_train, Y, strict=True), start=1):
            t0 = time.perf_counter()
            formal.partial_fit(x, y)
            t1 = time.perf_counter()
            dsd.partial_fit(x, y)
            t2 = time.perf_counter()
            row: dict[str, float] = {"sample": len(rows) + 1, "epoch": epoch}
            row |= {f"formal {p}": v for p, v in formal.parameters().items()}
            row |= {f"dsd {p}": v for p, v in dsd.parameters().items()}
            row |= {"seconds formal": t1 - t0, "seconds dsd": t2 - t1}
            rows.append(row)
            if progress:
                progress(f"epoch {epoch}, sample {n}/{len(Y)}: " + ", ".join(
                    f"{p} formal {row[f'formal {p}']:.4f} DSD {row[f'dsd {p}']:.4f}"
                    for p in list(formal.parameters())[:3]
                ))  # fmt: skip
        log = list(dsd.machine_.log)  # before scoring: predictions are not part of it
        curve.append({
            "epoch": epoch,
            f"test {task.metric} formal": task.score(formal.predict(task.X_test), task.y_test),
            f"test {task.metric} dsd": task.score(dsd.predict(task.X_test), task.y_test),
        })  # fmt: skip
        if progress:
            progress(", ".join(f"{k} {v:.4g}" for k, v in curve[-1].items()))
    return rows, curve, log


def train_side_by_side(
    task,
    model: str = "nagipogu-reif",
    *,
    scheme: str = "soloveichik2010",
    seed: int = 0,
    n_train: int | None = None,
    epochs: int = 1,
    replenish: int = 1,
    leak_per_s: float = 0.0,
    options: RealiseOptions | None = None,
    jobs: int = 2,
    max_seconds: float | None = None,
    progress=None,
    cache: bool | str | Path = False,
    volume_uL: float | None = None,
    stock_fold: float = 100.0,
    unit_nM: float | None = None,
    rates: str = "domain",
    design_seed: int = 0,
    **overrides: Any,
) -> SideBySide:
    """Train ``model`` on ``task`` as a formal CRN and as its DSD circuit, sample by
    sample through the same protocol (``epochs`` passes over the training set, in
    order), scoring both on the test set after each pass.

    ``model`` is one of :data:`DSD_MODELS`; the Kang-Kim ones take :data:`KK_DSD` and
    :data:`KK_REALISE` unless overridden (the formal run uses the same network).
    ``replenish``: top every fuel up every this many samples (0: load once);
    ``leak_per_s``: every gate's first-order leak (/s; 0: none); ``cache``: keep the
    compiled circuit between runs (True: in :func:`cache_dir`; or a folder;
    :func:`compile_cached`); ``volume_uL``: model the tube, each step's additions one
    premix from stocks at ``stock_fold`` x (:meth:`DSDMachine._add_premix`; None: no
    volumes); ``unit_nM``: nM per formal unit (None: :data:`KK_UNIT_NM` for the
    Kang-Kim models, else :data:`dsdcrn.options.UNIT_NM`); ``rates``: "domain"
    (Peppercorn's, length only), "sequence" (those of a sequence design of the
    circuit, seed ``design_seed``: :mod:`dsdcrn.neural.sequence_level`) or
    "sequence-realised" (the same, realised again for them).  Other keyword arguments
    override the model's per-task defaults.
    """
    from dsdcrn.neural.experiment import make_model
    from dsdcrn.neural.tasks import Task, load_task

    _check_arguments(model, replenish, epochs, rates, unit_nM)
    if model.startswith("kang-kim"):
        overrides = {**KK_DSD, **overrides}
        options, unit_nM = options or KK_REALISE, unit_nM or KK_UNIT_NM
    t = task if isinstance(task, Task) else load_task(task, seed=seed, n_train=n_train)
    formal, _ = make_model(t, model, seed=seed, **overrides)
    dsd, _ = make_model(t, model, seed=seed, max_seconds=max_seconds, **overrides)
    how = dict(unit_nM=unit_nM or UNIT_NM, options=options, jobs=jobs)
    compiled, seq = _circuit(dsd.network_, scheme, how, cache, rates, design_seed, progress)
    use_dsd(dsd, compiled, replenish=replenish, max_seconds=max_seconds, leak_per_s=leak_per_s,
            volume_uL=volume_uL, stock_fold=stock_fold)  # fmt: skip
    theta0 = formal.parameters()
    rows, curve, log = _side_by_side(t, formal, dsd, epochs, progress)
    fuels = sorted(dsd.machine_.fuel_left().items(), key=lambda kv: kv[1])[:5]
    off = dsd.machine_.off_rates(dsd.machine_.last_phase)
    per_load = dsd.machine_.samples_per_load()
    return SideBySide(
        t.name,
        model,
        scheme,
        t.metric,
        theta0,
        rows,
        curve,
        compiled.summary(),
        [(n, round(v, 4)) for n, v in fuels],
        replenish,
        leak_per_s,
        per_load,
        log,
        compiled,
        rates,
        seq.summary() if seq is not None else None,
        off,
    )


def _check_arguments(model: str, replenish: int, epochs: int, rates: str, unit_nM) -> None:
    """One-line errors for what :func:`train_side_by_side` cannot run."""
    if model not in DSD_MODELS:
        raise DsdcrnError(f"--level dsd runs the models {', '.join(DSD_MODELS)}, not {model}")
    if replenish < 0:
        raise DsdcrnError(f"--replenish must be >= 0 samples, got {replenish}")
    if epochs < 1:
        raise DsdcrnError(f"--epochs must be >= 1, got {epochs}")
    if rates not in DSD_RATES:
        raise DsdcrnError(f"--rates must be one of {', '.join(DSD_RATES)}, got {rates!r}")
    if unit_nM is not None and not unit_nM > 0:
        raise DsdcrnError(f"--unit-nM must be > 0 nM, got {unit_nM!r}")


def _circuit(network, scheme: str, how: dict, cache, rates: str, design_seed: int, progress):
    """The compiled circuit of :func:`train_side_by_side`, at domain-level or sequence
    rates, and how the sequences moved its rates (None at domain level)."""
    folder = None if cache is True else cache or None
    if cache:
        compiled, hit = compile_cached(network, scheme, folder=folder, progress=progress, **how)
        if hit and progress:
            progress(f"compiled circuit from the cache: {compiled.summary()}")
    else:
        compiled = compile_network(network, scheme, progress=progress, **how)
    if rates == "domain":
        return compiled, None
    if progress:
        progress(f"designing sequences (seed {design_seed}) and condensing at their rates ...")
    from dsdcrn.neural.sequence_level import realised_again, sequence_circuit

    if cache:
        args = (compiled, design_seed, scheme, how["options"], how["jobs"])
        (out, seq), _ = sequence_cached(*args, folder=folder)
    else:
        out, seq = sequence_circuit(compiled, design_seed, jobs=how["jobs"])
    if rates == "sequence-realised":
        if progress:
            progress("realising the rates again for the sequences' rate constants ...")
        out, seq = realised_again(out, seq, how["options"] or RealiseOptions())
    if progress:
        progress(seq.text())
    return out, seq
