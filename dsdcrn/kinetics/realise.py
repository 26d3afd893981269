"""Rate realisation: choose toeholds and gate and buffer concentrations so that every
formal reaction runs at its requested rate times one global time scale tau.

A DSD gate delivers its formal reaction at a rate set by its toeholds and by the
concentrations of its fuels, not at the rate the formal CRN asks for.  Soloveichik,
Seelig & Winfree (PNAS 107:5393, 2010) realise each formal rate constant k_i by the
toehold strength q_i of its gate and the gate and buffer concentrations (q_i = k_i/(α·β)
for bimolecular and k_i/(α·C_max) for unimolecular reactions); one formal time unit then
lasts tau seconds.  This stage does the same in two steps:

1. **Toeholds** (:func:`plan_toeholds`, before enumeration).  A species whose every gate
   is unimolecular gets the shortest toehold that still lets its gates, at the highest
   allowed concentration, run at least as fast as asked at the time scale the
   bimolecular gates allow.  Toehold binding rates come from Peppercorn's rate model,
   measured on one-gate systems of the scheme (:func:`toehold_rates`): about 10× per nt
   below 6 nt, as Zhang & Winfree (JACS 131:17303, 2009) measured.
2. **Concentrations and tau** (:func:`realise_rates`, after enumeration and verification).
   Each reaction's knob, which the scheme declares in ``RATE_KNOBS`` (soloveichik2010: a
   bimolecular reaction's buffer, a unimolecular reaction's gate), is set by a damped
   fixed-point iteration on the delivered rates (:func:`dsdcrn.kinetics.fidelity.effective_rates`:
   Peppercorn's condensed rates, the fuel concentrations and how much of each species
   the gates hold), and tau is raised or lowered until every knob lies within the
   bounds.  A ratio no tau can meet within the bounds is a :class:`RealisationError`.

Units: concentrations in nM, tau in s, rate constants in /nM^(n-1)/s unless the name
says /M/s.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import asdict, dataclass, field
from types import ModuleType

from dsdcrn.compile.translate import compile_crn, load_scheme
from dsdcrn.enumerate.peppercorn import Enumerated, enumerate_system
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.fidelity import best_time_unit, effective_rates, first_order_steps
from dsdcrn.model.crn import CRN, parse_crn
from dsdcrn.model.domains import DomainSystem
from dsdcrn.options import FUEL_NM, RealiseOptions


class RealisationError(DsdcrnError):
    """The requested rates cannot be realised within the bounds."""


@dataclass
class RealisedRate:
    """One formal reaction's rate: requested (formal units), target and delivered
    (/nM^(n-1)/s at the chosen tau), and the knobs that set it with their concentrations."""

    index: int
    reaction: str
    order: int
    requested: float  # formal units: /(formal unit)^(n-1)/(formal time unit)
    target: float  # /nM^(n-1)/s
    delivered: float  # /nM^(n-1)/s
    knobs_nM: dict[str, float] = field(default_factory=dict)  # knob complexes, their nM

    @property
    def error(self) -> float:
        """Relative error of the delivered rate against the target."""
        return self.delivered / self.target - 1.0 if self.target > 0 else math.nan


@dataclass
class Realisation:
    """The realised circuit: tau, toehold lengths and concentrations, per-reaction rates."""

    scheme: str
    tau_s: float  # seconds per formal time unit
    unit_nM: float
    toeholds_nt: dict[str, int]  # domains shortened from the scheme's default
    concentrations_nM: dict[str, float]  # fuel complexes whose concentration changed
    rates: list[RealisedRate]
    realised: bool  # False when the scheme declares no knobs (rates as delivered)
    notes: list[str] = field(default_factory=list)

    @property
    def max_error(self) -> float:
        """Largest relative deviation of a delivered rate from its target."""
        errs = [abs(r.error) for r in self.rates if math.isfinite(r.error)]
        return max(errs) if errs else math.nan

    def hours(self, duration: float) -> float:
        """Wall-clock hours of a run of ``duration`` formal time units."""
        return self.tau_s * duration / 3600.0

    def apply(self, enumerated: Enumerated) -> Enumerated:
        """A copy of ``enumerated`` with the realised fuel concentrations."""
        out = _own_species(enumerated)
        for name, c in self.concentrations_nM.items():
            out.species[name].concentration_nM = c
        return out

    def apply_system(self, system: DomainSystem) -> DomainSystem:
        """A copy of ``system`` with the realised fuel concentrations (for the mix sheet)."""
        out = copy.copy(system)
        out.complexes = [copy.copy(c) for c in system.complexes]
        for c in out.complexes:
            if c.name in self.concentrations_nM:
                c.concentration_nM = self.concentrations_nM[c.name]
        return out

    def to_json_dict(self) -> dict:
        return {
            "scheme": self.scheme,
            "realised": self.realised,
            "tau_s": self.tau_s,
            "unit_nM": self.unit_nM,
            "max_rate_error": self.max_error,
            "toeholds_nt": self.toeholds_nt,
            "concentrations_nM": self.concentrations_nM,
            "rates": [asdict(r) | {"error": r.error} for r in self.rates],
            "notes": self.notes,
        }

    def markdown(self, duration: float) -> list[str]:
        """Report lines: tau, the run length, and a table of requested vs delivered rates."""
        how = "realised" if self.realised else "not realised"
        lines = [
            f"Rates {how}: one formal time unit is **tau = {self.tau_s:.1f} s**; a run of "
            f"{duration:g} tau takes {self.hours(duration):.2f} h.  Largest deviation of "
            f"a delivered rate constant from its target: {100 * self.max_error:.2f}%.",
            "",
            "| reaction | formal | requested (formal) | target | delivered | knob |",
            "|---:|---|---:|---:|---:|---|",
        ]
        for r in self.rates:
            unit = "/nM/s" if r.order == 2 else "/s" if r.order == 1 else f"/nM^{r.order - 1}/s"
            knob = ", ".join(f"{n} {c:.0f} nM" for n, c in r.knobs_nM.items()) or "none"
            lines.append(
                f"| {r.index} | `{r.reaction}` | {r.requested:g} | {r.target:.3g} {unit} | "
                f"{r.delivered:.3g} {unit} | {knob} |"
            )
        if self.toeholds_nt:
            short = ", ".join(f"{d} {n} nt" for d, n in sorted(self.toeholds_nt.items()))
            lines += ["", f"Shortened toeholds (unimolecular-only species): {short}."]
        lines += [f"- {n}" for n in self.notes]
        return lines


def _own_species(enumerated: Enumerated) -> Enumerated:
    """A copy of ``enumerated`` whose species (and so concentrations) are its own."""
    out = copy.copy(enumerated)
    out.species = {n: copy.copy(s) for n, s in enumerated.species.items()}
    return out


# ----------------------------------------------------------------------------- knobs
def default_toehold(scheme: str | ModuleType) -> int | None:
    """The scheme's toehold length (nt), or None when it has no ``toehold`` kind."""
    mod = load_scheme(scheme) if isinstance(scheme, str) else scheme
    n = mod.LENGTHS.get("toehold")
    return int(n) if n is not None else None


def knobs_of(scheme: ModuleType) -> dict | None:
    """The scheme's ``RATE_KNOBS``, or None when it declares none."""
    return getattr(scheme, "RATE_KNOBS", None)


def unimolecular_only(formal: CRN) -> list[str]:
    """Species that are reactants of unimolecular reactions and of no other reaction."""
    uses: dict[str, set[int]] = {}
    for r in formal.reactions:
        for x in set(r.reactants):
            uses.setdefault(x, set()).add(len(r.reactants))
    return sorted(x for x, orders in uses.items() if orders == {1})


@functools.lru_cache(maxsize=64)
def toehold_rates(
    scheme: str | ModuleType, toehold: str, lengths: tuple[int, ...]
) -> dict[int, float]:
    """Peppercorn's binding-and-displacement rate constant (/nM/s) of a one-gate system
    ``X -> Y`` of the scheme with the toehold ``toehold.format(x="X")`` of each length."""
    out = {}
    for n in lengths:
        crn = parse_crn("X -> Y\n", source="<toehold calibration>")
        e = enumerate_system(compile_crn(crn, scheme, domain_nt={toehold.format(x="X"): n}))
        fuels = {s.name for s in e.by_role("fuel")}
        first = [r.rate for r in e.reactions if "X" in r.reactants and set(r.reactants) & fuels]
        if not first:
            raise RealisationError(f"scheme {getattr(scheme, 'NAME', scheme)}: no gate step "
                                   f"found for a {n}-nt toehold")  # fmt: skip
        out[n] = max(first)
    return out


@functools.lru_cache(maxsize=16)
def bimolecular_rate(scheme: str | ModuleType, fuel_nM: float, unit_nM: float) -> float:
    """Delivered rate constant (/nM/s) of the scheme's ``X + Y -> Z`` gate with every fuel
    at ``fuel_nM``: the time scale the bimolecular gates allow."""
    from dsdcrn.verify.whole import verify  # the verifier sits downstream of this stage

    crn = parse_crn("X + Y -> Z\n", source="<rate calibration>")
    e = enumerate_system(compile_crn(crn, scheme, fuel_nM=fuel_nM))
    inter = verify(crn, e, ("crn-bisimulation",), 60, counterexamples=False).full_interpretation
    return effective_rates(crn, e, inter, unit_nM)[0].effective


def plan_toeholds(
    formal: CRN,
    scheme: str | ModuleType,
    unit_nM: float,
    fuel_nM: float = FUEL_NM,
    options: RealiseOptions | None = None,
) -> dict[str, int]:
    """Toehold lengths (nt) of the unimolecular-only species, by name of their domain.

    tau is estimated from the fastest requested bimolecular rate at the scheme's
    calibrated delivered rate (or, without bimolecular reactions, left to the gates);
    each unimolecular-only species then gets the shortest toehold whose gates, at
    ``options.max_fuel_nM``, run at least as fast as its fastest reaction asks at that
    tau, so that the gate's concentration can bring it down to the target.
    """
    opts = options or RealiseOptions()
    mod = load_scheme(scheme) if isinstance(scheme, str) else scheme
    knobs = knobs_of(mod)
    if not knobs or "toehold" not in knobs:
        return {}
    bi = [r.rate for r in formal.reactions if len(r.reactants) == 2]
    if not bi:
        return {}
    tau = max(bi) / unit_nM / bimolecular_rate(mod, fuel_nM, unit_nM)
    default = int(mod.LENGTHS["toehold"])
    lengths = tuple(range(opts.min_toehold_nt, default + 1))
    q = toehold_rates(mod, knobs["toehold"], lengths)
    plan = {}
    for x in unimolecular_only(formal):
        k = max(r.rate for r in formal.reactions if r.reactants == (x,))
        need = k / tau  # /s, at the highest gate concentration
        fits = [n for n in lengths if q[n] * opts.max_fuel_nM >= need]
        n = min(fits) if fits else default
        if n != default:
            plan[knobs["toehold"].format(x=x)] = n
    return plan


# ------------------------------------------------------------------ concentrations, tau
Knob = tuple[str, int]  # (fuel complex, +1: slower with more of it, -1: faster)


def _knob_names(formal: CRN, enumerated: Enumerated, knobs: dict) -> dict[int, list[Knob]]:
    """Formal reaction index -> its knobs in order of preference: the fuel complexes
    whose concentrations set its rate, each with the way its rate goes with more."""
    fuels = {s.name for s in enumerated.by_role("fuel")}
    own = enumerated.system.module_fuels  # a rewrite may number the gates otherwise
    kinds = {1: "unimolecular", 2: "bimolecular"}
    out = {}
    for i, r in enumerate(formal.reactions, start=1):
        kind = kinds.get(len(r.reactants))
        mine = set(own.get(i, fuels))
        found = [
            (pattern.format(i=i), 1 if how.startswith("slower") else -1)
            for pattern, how in knobs.get(kind, ())
            if pattern.format(i=i) in fuels and pattern.format(i=i) in mine
        ]
        if found:
            out[i] = found
    return out


def _turn(e: Enumerated, knobs: list[Knob], ratio: float, lo: float, hi: float) -> None:
    """Move the first of ``knobs`` that can still move towards a delivered/target
    ``ratio`` of 1 (damped multiplicative step), within [lo, hi] nM."""
    for name, sign in knobs:
        s = e.species[name]
        step = ratio ** (0.7 * sign)
        new = min(max(s.concentration_nM * step, lo), hi)
        if abs(new - s.concentration_nM) > 1e-9 * s.concentration_nM:
            s.concentration_nM = new
            return


def _latency_fuels(formal: CRN, enumerated: Enumerated, knobs: dict) -> list[str]:
    """Fuels that act after their reaction has committed (the scheme's ``latency``
    name prefixes, per reaction)."""
    prefixes = [p.format(i=i) for i in range(1, len(formal.reactions) + 1)
                for p in knobs.get("latency", ())]  # fmt: skip
    return [s.name for s in enumerated.by_role("fuel") if s.name.startswith(tuple(prefixes))]


def slowest_step_s(enumerated: Enumerated) -> tuple[float, str]:
    """The longest mean lifetime (s) of an intermediate, with fuels at their
    concentrations: 1 / (its total pseudo-first-order outflow), and its name."""
    out = {
        name: sum(k for _, k in steps)
        for name, steps in first_order_steps(enumerated).items()
        if enumerated.species[name].role == "intermediate"
    }
    if not out:
        return 0.0, ""
    name = min(out, key=out.get)
    return 1.0 / out[name], name


def _settle(
    formal: CRN,
    e: Enumerated,
    inter: dict[str, list[str]],
    unit_nM: float,
    tau: float,
    knobs: dict[int, list[Knob]],
    opts: RealiseOptions,
) -> tuple[list, dict[int, int]]:
    """Iterate the knobs towards the targets at ``tau``; return the delivered rates and,
    per reaction left off target, +1 (too slow at its fast bound) or -1 (too fast)."""
    lo, hi = opts.min_fuel_nM, opts.max_fuel_nM
    for _ in range(opts.max_rounds):
        rates = effective_rates(formal, e, inter, unit_nM)
        worst = 0.0
        for r in rates:
            if r.index not in knobs or r.effective <= 0:
                continue
            ratio = r.effective * tau / r.requested
            worst = max(worst, abs(ratio - 1))
            _turn(e, knobs[r.index], ratio, lo, hi)
        if worst < opts.tolerance / 4:
            break
    rates = effective_rates(formal, e, inter, unit_nM)
    off = {}
    for r in rates:
        ratio = r.effective * tau / r.requested if r.effective > 0 else 0.0
        if abs(ratio - 1) > opts.tolerance:
            off[r.index] = 1 if ratio < 1 else -1
    return rates, off


def realise_rates(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: dict[str, list[str]],
    unit_nM: float,
    options: RealiseOptions | None = None,
    toeholds_nt: dict[str, int] | None = None,
) -> Realisation:
    """Concentrations of the rate knobs and tau that deliver every formal rate.

    Raises :class:`RealisationError` (one line) when no tau brings every reaction within
    ``options.tolerance`` with its knob inside [``min_fuel_nM``, ``max_fuel_nM``], when
    the fastest delivered bimolecular rate constant would exceed
    ``options.max_rate_per_M_s``, or when the fuels exceed ``options.max_total_uM``.
    """
    opts = options or RealiseOptions()
    mod = load_scheme(enumerated.system.scheme)
    knobs = knobs_of(mod)
    e = _own_species(enumerated)  # its concentrations are the knobs turned below
    before = {s.name: s.concentration_nM for s in e.by_role("fuel")}
    if not knobs:
        out = delivered_only(formal, e, interpretation, unit_nM)
        out.notes.append(f"scheme {mod.NAME} declares no rate knobs (RATE_KNOBS)")
        return out
    for name in _latency_fuels(formal, e, knobs):
        e.species[name].concentration_nM = opts.max_fuel_nM
    knob = _knob_names(formal, e, knobs)
    rates = effective_rates(formal, e, interpretation, unit_nM)
    tau = best_time_unit(rates)
    for _ in range(40):
        rates, off = _settle(formal, e, interpretation, unit_nM, tau, knob, opts)
        if not off:
            break
        slow, fast = [i for i, s in off.items() if s > 0], [i for i, s in off.items() if s < 0]
        if slow and fast:
            _infeasible(formal, rates, tau, slow, fast, opts)
        ratios = [r.requested / (r.effective * tau) for r in rates if r.index in off]
        tau *= max(ratios) * 1.01 if slow else min(ratios) / 1.01
    else:
        raise RealisationError(f"rate realisation did not settle (tau {tau:.3g} s)")
    return _finish(formal, e, rates, knob, before, tau, unit_nM, opts, toeholds_nt or {})


def _infeasible(formal: CRN, rates, tau: float, slow, fast, opts: RealiseOptions) -> None:
    a, b = formal.reactions[slow[0] - 1], formal.reactions[fast[0] - 1]
    raise RealisationError(
        f"cannot realise the rate ratio of reaction {slow[0]} ({a}) to reaction {fast[0]} "
        f"({b}) with gates and buffers within {opts.min_fuel_nM:g}-{opts.max_fuel_nM:g} nM; "
        "widen --min-fuel-nM/--max-fuel-nM, change the requested rates, or --no-realise"
    )


def _finish(formal, e, rates, knob, before, tau, unit_nM, opts, toeholds_nt) -> Realisation:
    fastest = max((r.effective for r in rates if r.order == 2), default=0.0) * 1e9
    if fastest > opts.max_rate_per_M_s:
        raise RealisationError(
            f"a delivered bimolecular rate constant of {fastest:.3g} /M/s exceeds the "
            f"maximum of {opts.max_rate_per_M_s:.3g} /M/s; raise --max-rate or the formal unit"
        )
    total_uM = sum(s.concentration_nM for s in e.by_role("fuel")) / 1000
    if total_uM > opts.max_total_uM:
        raise RealisationError(
            f"the realised fuels total {total_uM:.1f} µM, above --max-total-uM "
            f"{opts.max_total_uM:g}"
        )
    changed = {
        s.name: round(s.concentration_nM, 3)
        for s in e.by_role("fuel")
        if abs(s.concentration_nM - before[s.name]) > 1e-9
    }
    out = [
        RealisedRate(
            r.index,
            r.reaction,
            r.order,
            formal.reactions[r.index - 1].rate,
            r.requested / tau,
            r.effective,
            {n: round(e.species[n].concentration_nM, 3) for n, _ in knob.get(r.index, [])},
        )
        for r in rates
    ]
    real = Realisation(e.system.scheme, tau, unit_nM, dict(toeholds_nt), changed, out, True)
    slow, name = slowest_step_s(e)
    real.notes.append(
        f"slowest step inside a gate: {name} lives {slow:.2f} s on average "
        f"({slow / tau:.1%} of tau); translators and helpers at {opts.max_fuel_nM:g} nM"
    )
    return real


def delivered_only(
    formal: CRN, e: Enumerated, inter: dict[str, list[str]], unit_nM: float
) -> Realisation:
    """The delivered rates and the best single tau (median ratio), nothing changed: for a
    scheme without knobs or a build with realisation off."""
    scheme = e.system.scheme
    rates = effective_rates(formal, e, inter, unit_nM)
    tau = best_time_unit(rates)
    out = [
        RealisedRate(
            r.index, r.reaction, r.order, formal.reactions[r.index - 1].rate,
            r.requested / tau, r.effective,
        )
        for r in rates
    ]  # fmt: skip
    note = "rates as delivered; tau is the best single rescale (median requested/delivered)"
    return Realisation(scheme, tau, unit_nM, {}, {}, out, False, [note])


__all__ = [
    "Realisation",
    "RealisationError",
    "RealisedRate",
    "default_toehold",
    "delivered_only",
    "plan_toeholds",
    "realise_rates",
    "toehold_rates",
    "unimolecular_only",
]
