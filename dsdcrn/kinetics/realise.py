"""Rate realisation: choose toeholds and gate and buffer concentrations so that every
formal reaction runs at its requested rate times one global time scale tau.

A DSD gate delivers its formal reaction at a rate set by its toeholds and by the
concentrations of its fuels, not at the rate the formal CRN asks for.  Soloveichik,
Seelig & Winfree (PNAS 107:5393, 2010) realise each formal rate constant k_i by the
toehold strength q_i of its gate and the gate and buffer concentrations (q_i = k_i/(α·β)
for bimolecular and k_i/(α·C_max) for unimolecular reactions); one formal time unit then
lasts tau seconds.  This stage does the same in two steps:

1. **Gate plan** (before enumeration).  A species' toehold is shared by every gate it
   enters, so one toehold length must serve all of that species' rates.  Each join gate
   takes first the reactant whose toehold already serves similar rates
   (:func:`order_reactants`: a fast rail cancellation and a slow reaction of the same
   species put different species first), and each species gets a toehold length
   between ``min_toehold_nt`` and ``max_toehold_nt`` that leaves its gates room to reach
   their rates with concentrations inside the bounds (:func:`plan_toeholds`).  Toehold
   rates by length and role come from Peppercorn's rate model, measured on one-gate
   systems of the scheme (:func:`toehold_rate`): about 10x per nt below 6 nt, as Zhang &
   Winfree (JACS 131:17303, 2009) measured, and up to 2.1e6 /M/s at 7 nt.
2. **Concentrations and tau** (:func:`realise_rates`, after enumeration and verification).
   Each reaction's knob, which the scheme declares in ``RATE_KNOBS`` (soloveichik2010: a
   bimolecular reaction's buffer, a unimolecular reaction's gate), is set by a damped
   fixed-point iteration on the delivered rates (:func:`dsdcrn.kinetics.fidelity.effective_rates`:
   Peppercorn's condensed rates, the fuel concentrations and how much of each species
   the gates hold), and tau is moved, then bisected, until every knob lies within the
   bounds.  A ratio no tau can meet within the bounds is a :class:`RealisationError`
   naming the two reactions.

Units: concentrations in nM, tau in s, rate constants in /nM^(n-1)/s unless the name
says /M/s.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from types import ModuleType

from dsdcrn.compile.translate import compile_crn, load_scheme
from dsdcrn.enumerate.peppercorn import Enumerated, enumerate_system
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.fidelity import best_time_unit, effective_rates, first_order_steps
from dsdcrn.model.crn import CRN, parse_crn
from dsdcrn.model.domains import DomainSystem
from dsdcrn.options import RealiseOptions


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
            lines += [
                "",
                f"Toeholds the realisation's plan changed from the scheme's length (a "
                f"species' toehold serves all of its gates): {short}.",
            ]
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


#: Per role, the one-gate reaction and the species whose toehold is measured: a
#: unimolecular gate's input, a join gate's first reactant, and its second.
ROLE_SYSTEMS = {"uni": ("X -> Y", "X"), "first": ("X + Y -> Z", "X"), "last": ("X + Y -> Z", "Y")}


@functools.lru_cache(maxsize=512)
def toehold_rate(scheme: str | ModuleType, toehold: str, length: int, role: str = "uni") -> float:
    """Peppercorn's binding-and-displacement rate constant (/nM/s) of the toehold
    ``toehold`` of ``length`` nt in a one-gate system of the scheme (:data:`ROLE_SYSTEMS`;
    a system of its own: enumerating several together costs more than apart): ``uni`` a
    unimolecular gate's input, ``first`` a join gate's first reactant (its condensed
    step releases the buffer strand, about 10x slower than ``uni`` at 3 nt), ``last``
    the second reactant binding the opened join gate."""
    text, x = ROLE_SYSTEMS[role]
    crn = parse_crn(text + "\n", source="<toehold calibration>")
    e = enumerate_system(compile_crn(crn, scheme, domain_nt={toehold.format(x=x): length}))
    signals = {s.name for s in e.by_role("signal")}
    steps = [
        r.rate
        for r in e.reactions
        if x in r.reactants and len(r.reactants) == 2 and not set(r.reactants) <= signals
    ]
    if not steps:
        raise RealisationError(f"scheme {getattr(scheme, 'NAME', scheme)}: no gate step "
                               f"found for a {length}-nt toehold ({role})")  # fmt: skip
    return max(steps)


def toehold_rates(
    scheme: str | ModuleType, toehold: str, lengths: tuple[int, ...], role: str = "uni"
) -> dict[int, float]:
    """:func:`toehold_rate` of each length (nt) in one role."""
    return {n: toehold_rate(scheme, toehold, n, role) for n in lengths}


def unimolecular_only(formal: CRN) -> frozenset[str]:
    """Species that only unimolecular gates take (their gates are used up one per firing)."""
    orders: dict[str, set[int]] = {}
    for r in formal.reactions:
        for x in r.reactants:
            orders.setdefault(x, set()).add(len(r.reactants))
    return frozenset(x for x, o in orders.items() if o == {1})


def order_reactants(formal: CRN) -> dict[int, str]:
    """Which reactant each bimolecular join gate takes first, by formal reaction number,
    so that every species' toehold serves similar rates.

    A species' toehold sets how fast every join gate it opens first can run (slower
    ones are held back by their buffers, over a bounded span) and how fast the second
    step of any gate it enters second can be (an upper bound).  Reactions are taken
    fastest first; each puts first the reactant for which that adds the least
    disagreement (in decades) with the rates its toehold already serves, the sorted
    first on ties; a species with a unimolecular gate counts one decade against going
    first (that gate, at 50 nM or more, outruns a join's first step on the same toehold
    about 25-fold).  E.g. a fast rail cancellation ``Pm + Pp ->`` and a slow
    ``Pm + X ->``: the slow one takes X first.  On a tie, the reactant whose own slowest
    reaction is nearest goes first (``EA + W ->`` at k = 1 takes W first when EA has a
    reaction at k = 0.005 to come: EA's toehold can then open that one's gate); then,
    for a fast gate, the one that opens fewer gates past :data:`OPENER_SPREAD`, and for
    a slow gate the one that opens more slow gates already.
    Finally a species that opens a slow gate opens all of its gates
    (:func:`_slow_openers_first`).
    """
    first_of: dict[str, list[float]] = {}
    last_of: dict[str, list[float]] = {}
    uni = {r.reactants[0] for r in formal.reactions if len(r.reactants) == 1}

    def as_first(x: str, k: float) -> float:
        worse = [abs(math.log10(k / j)) for j in first_of.get(x, [])]
        worse += [math.log10(j / k) for j in last_of.get(x, []) if j > k]
        return max(worse, default=0.0) + (1.0 if x in uni else 0.0)

    def as_last(x: str, k: float) -> float:
        return max((math.log10(k / j) for j in first_of.get(x, []) if j < k), default=0.0)

    out = {}
    bimolecular = [
        (i, r)
        for i, r in enumerate(formal.reactions, start=1)
        if len(r.reactants) == 2 and r.reactants[0] != r.reactants[1] and r.rate > 0
    ]
    slowest: dict[str, float] = {}  # each species' slowest bimolecular reaction
    for _, r in bimolecular:
        for x in r.reactants:
            slowest[x] = min(slowest.get(x, math.inf), r.rate)

    top = max((r.rate for _, r in bimolecular), default=0.0)

    def load(x: str, k: float) -> int:
        # a fast gate goes to the species that opens fewer gates so far past
        # OPENER_SPREAD (each join gate holds some of its opener: Kang-Kim 2-5-1's error
        # rails opened 13 and their cancellation could not be realised), a slow one to
        # the species that opens more slow gates (the others keep their toeholds fast)
        if k > SLOW_GATE * top:
            return max(len(first_of.get(x, ())) - OPENER_SPREAD, 0)
        return -sum(1 for j in first_of.get(x, ()) if j <= SLOW_GATE * top)

    def cost(o: tuple[str, str], k: float) -> tuple[float, float, int]:
        # on a tie, the reactant whose slowest reaction is nearest k goes first, so a
        # species with slow reactions to come stays free to open their gates; then load
        return (max(as_first(o[0], k), as_last(o[1], k)),
                round(math.log10(k / slowest[o[0]]), 9), load(o[0], k))  # fmt: skip

    for i, r in sorted(bimolecular, key=lambda ir: -ir[1].rate):
        a, b = r.reactants
        x, y = min(((a, b), (b, a)), key=lambda o: cost(o, r.rate))
        first_of.setdefault(x, []).append(r.rate)
        last_of.setdefault(y, []).append(r.rate)
        out[i] = x
    return _slow_openers_first(formal, out)


#: A join gate is *slow* when its formal rate constant is at most this fraction of the
#: circuit's fastest (:func:`_slow_openers_first`).
SLOW_GATE = 0.1
#: On equal cost a species opens this many fast join gates before its partners open
#: the rest (:func:`order_reactants`): a few gates hold little of it, and the small
#: circuits (the default neuron, the oscillator) keep the gates they were designed with.
OPENER_SPREAD = 2


def _slow_openers_first(formal: CRN, first: dict[int, str]) -> dict[int, str]:
    """``first`` with every species that opens a slow join gate (:data:`SLOW_GATE`) also
    first in each of its other gates whose partner opens none.

    Such a species gets a short toehold (it must open its slow gate with the join
    within the fuel bounds).  First, that toehold sets how fast each of its gates
    opens, and a slow opening keeps the join gate high.  Second, it would slow the
    gate's second step against its buffer's return, so the gate would deliver more per
    nM of join and the join would have to drop.  Measured on the Kang-Kim 2-2-1 one-pot
    circuit: EA's decay gate at 21 nM was used up within a sample, and DNA-level
    training ran away; with this rule every k = 1 join is at least 134 nM.
    """
    rx = formal.reactions
    top = max((r.rate for r in rx), default=0.0)
    openers = {x for i, x in first.items() if rx[i - 1].rate <= SLOW_GATE * top}
    out = dict(first)
    for i, x in first.items():
        a, b = rx[i - 1].reactants
        other = b if x == a else a
        if other in openers and x not in openers:
            out[i] = other
    return out


def _demands(
    formal: CRN, unit_nM: float, first: dict[int, str] | None = None
) -> dict[str, list[tuple[str, float]]]:
    """Per species, the gate roles it plays and each role's requested rate constant
    (/nM^(n-1) per formal time unit): ``first`` (a join gate's first reactant: ``first``
    of the reaction's number, else the sorted first), ``last`` (the second reactant,
    which binds the gate the first one opened) or ``uni``."""
    out: dict[str, list[tuple[str, float]]] = {}
    for i, r in enumerate(formal.reactions, start=1):
        k = r.rate / unit_nM ** max(len(r.reactants) - 1, 0)
        if len(r.reactants) == 1:
            out.setdefault(r.reactants[0], []).append(("uni", k))
        elif len(r.reactants) == 2:
            a = (first or {}).get(i, r.reactants[0])
            b = r.reactants[1] if a == r.reactants[0] else r.reactants[0]
            out.setdefault(a, []).append(("first", k))
            out.setdefault(b, []).append(("last", k))
    return out


#: The largest join-to-buffer ratio the toehold plan counts on: the buffer strand, not the
#: second reactant, must take an opened join gate back, or the join saturates (its rate
#: falls by the second reactant's share, [Y] / ([Y] + [buffer])).
JOIN_RATIO_MAX = 2.0


def _slack(
    roles: list[tuple[str, float]], q: dict[str, float], tau: float, opts: RealiseOptions
) -> float:
    """How far (a factor, >= 1 is within) gates with toehold rates ``q`` (/nM/s, by role,
    :func:`toehold_rates`) can reach each of ``roles``' targets at ``tau`` with their
    knobs inside the fuel bounds: a unimolecular gate's rate is q times its
    concentration; a join gate's first step q times its join-to-buffer ratio (at most
    :data:`JOIN_RATIO_MAX`); its second step can be no faster than q."""
    span = opts.max_fuel_nM / opts.min_fuel_nM
    out = math.inf
    for role, k in roles:
        t, rate = k / tau, q[role]
        if role == "uni":
            out = min(out, rate * opts.max_fuel_nM / t, t / (rate * opts.min_fuel_nM))
        elif role == "first":
            out = min(out, rate * JOIN_RATIO_MAX / t, t * span / rate)
        else:
            out = min(out, rate / t)
    return out


#: The factor of headroom the toehold plan leaves every gate: held fractions and the
#: release delays make the delivered rates differ from the one-gate calibration.
PLAN_MARGIN = 1.5


def _plans(
    formal: CRN,
    mod: ModuleType,
    unit_nM: float,
    opts: RealiseOptions,
    first: dict[int, str] | None = None,
    fixed: dict[str, int] | None = None,
    raise_gates: frozenset[str] | None = None,
) -> Iterator[tuple[float, dict[str, int], float, float]]:
    """For a grid of taus (1 ms to 1e9 s, 20 a decade): the toehold plan at that tau, its
    headroom (the smallest :func:`_slack` of any species) and the level of the gates of
    the species in ``raise_gates`` (default: those with unimolecular gates only), the
    smallest of their concentrations as a fraction of ``max_fuel_nM`` (they are used up
    one per firing).  Each species keeps the default length when that
    leaves :data:`PLAN_MARGIN` on all of its gates, and otherwise takes the allowed
    length with the most; a toehold in ``fixed`` keeps that length."""
    knobs = knobs_of(mod) or {}
    default = int(mod.LENGTHS["toehold"])
    lo, hi = min(opts.min_toehold_nt, default), max(opts.max_toehold_nt, default)
    lengths = range(lo, hi + 1)

    @functools.cache
    def rates(n: int, roles: frozenset[str]) -> dict[str, float] | None:
        """The roles' toehold rates at ``n`` nt (calibrated when first asked for), None
        when one is faster than the physical maximum (the default length never is)."""
        q = {role: toehold_rate(mod, knobs["toehold"], n, role) for role in roles}
        fast = max(q.values()) * 1e9 > opts.max_rate_per_M_s
        return None if fast and n != default else q

    demands = _demands(formal, unit_nM, first)
    if raise_gates is None:
        raise_gates = unimolecular_only(formal)
    for step in range(-60, 181):
        tau = 10 ** (step / 20)
        plan, worst, level = {}, math.inf, 1.0
        for x, roles in demands.items():
            used = frozenset(role for role, _ in roles)
            domain = knobs["toehold"].format(x=x)
            n = (fixed or {}).get(domain, default)
            best = _slack(roles, rates(n, used) or rates(default, used), tau, opts)
            if best < PLAN_MARGIN and domain not in (fixed or {}):
                slack = {m: _slack(roles, rates(m, used), tau, opts)
                         for m in lengths if rates(m, used) is not None}  # fmt: skip
                n = max(slack, key=lambda m: (slack[m], -abs(m - default)))
                best = slack[n]
            worst = min(worst, best)
            q_uni = rates(n, used) if x in raise_gates else None
            for role, k in roles:
                if role == "uni" and q_uni is not None:
                    level = min(level, k / tau / (q_uni["uni"] * opts.max_fuel_nM))
            if n != default:
                plan[domain] = n
        yield tau, plan, worst, level


def plan_toeholds(
    formal: CRN,
    scheme: str | ModuleType,
    unit_nM: float,
    options: RealiseOptions | None = None,
    first: dict[int, str] | None = None,
    fixed: dict[str, int] | None = None,
    raise_gates: frozenset[str] | None = None,
) -> dict[str, int]:
    """Toehold lengths (nt) of the species whose gates cannot reach their rates with the
    scheme's default toehold, by name of their toehold domain; ``first``: the reactant
    each join gate takes first (:func:`order_reactants`; default the sorted first);
    ``fixed``: toeholds whose lengths are already chosen (by another phase);
    ``raise_gates``: the species whose gates are kept as high as the plan allows
    (default: those with unimolecular gates only; :func:`_plans`).

    A species' toehold sets the speed of every gate it enters (:func:`_slack`): the
    unimolecular gates that take it, the join gates where it comes first and those where
    it comes second.  Lengths range over ``options.min_toehold_nt`` to
    ``options.max_toehold_nt``, no faster than ``options.max_rate_per_M_s``
    (:func:`_plans`).  Of the taus at which every species has its margin, the plan is
    the one with the fewest departures from the default, then the highest unimolecular
    gates (the fuel a run uses up), then the smallest tau (the fastest run); when no tau
    has, the one with the most headroom (realisation then says which ratio it cannot
    meet).
    """
    opts = options or RealiseOptions()
    mod = load_scheme(scheme) if isinstance(scheme, str) else scheme
    knobs = knobs_of(mod)
    if not knobs or "toehold" not in knobs:
        return {}
    plans = list(_plans(formal, mod, unit_nM, opts, first, fixed, raise_gates))
    fits = [(plan, level) for _, plan, worst, level in plans if worst >= PLAN_MARGIN]
    if fits:  # max keeps the first (smallest tau) of equal rank
        return max(fits, key=lambda p: (-len(p[0]), round(p[1], 2)))[0]
    return max(plans, key=lambda p: p[2])[1]


# ------------------------------------------------------------------ concentrations, tau
Knob = tuple[str, int]  # (fuel complex, +1: slower with more of it, -1: faster)


def _knob_names(
    formal: CRN, enumerated: Enumerated, knobs: dict, numbers: list[int]
) -> dict[int, list[Knob]]:
    """Formal reaction index -> its knobs in order of preference: the fuel complexes
    whose concentrations set its rate, each with the way its rate goes with more
    (``numbers``: each reaction's number in the compiled CRN, which names its gates)."""
    fuels = {s.name for s in enumerated.by_role("fuel")}
    own = enumerated.system.module_fuels  # a rewrite may number the gates otherwise
    kinds = {1: "unimolecular", 2: "bimolecular"}
    out = {}
    for i, r in enumerate(formal.reactions, start=1):
        kind, g = kinds.get(len(r.reactants)), numbers[i - 1]
        mine = set(own.get(g, fuels))
        found = [
            (pattern.format(i=g), 1 if how.startswith("slower") else -1)
            for pattern, how in knobs.get(kind, ())
            if pattern.format(i=g) in fuels and pattern.format(i=g) in mine
        ]
        if found:
            out[i] = found
    return out


def _turn(
    e: Enumerated, knobs: list[Knob], ratio: float, lo: float, hi: float, home: dict[str, float]
) -> bool:
    """Move one of ``knobs`` towards a delivered/target ``ratio`` of 1 (damped
    multiplicative step), within [lo, hi] nM: first one that moving brings back towards
    its ``home`` (compiled) concentration, else the first that can still move.  A join
    gate moved because its buffer hit a bound so returns to the user's fuel
    concentration before the buffer moves the other way: the join, used up as it
    fires, stays as high as the rate allows (a path-dependent low join gate was used up
    within a run).  Returns whether a knob moved."""
    for back in (True, False):
        for name, sign in knobs:
            s = e.species[name]
            step = ratio ** (0.7 * sign)
            new = min(max(s.concentration_nM * step, lo), hi)
            if back:
                towards = (home[name] - s.concentration_nM) * (new - s.concentration_nM) > 0
                if not towards:
                    continue
                new = min(new, home[name]) if new > s.concentration_nM else max(new, home[name])
            if abs(new - s.concentration_nM) > 1e-9 * s.concentration_nM:
                s.concentration_nM = new
                return True
    return False


def _latency_fuels(enumerated: Enumerated, knobs: dict, numbers: list[int]) -> list[str]:
    """Fuels that act after their reaction has committed (the scheme's ``latency``
    name prefixes, per reaction number)."""
    prefixes = [p.format(i=i) for i in numbers for p in knobs.get("latency", ())]
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
    home: dict[str, float],
) -> tuple[list, dict[int, int]]:
    """Iterate the knobs towards the targets at ``tau`` (``home``: their compiled
    concentrations, nM, which they return to first, :func:`_turn`); return the
    delivered rates and, per reaction left off target, +1 (too slow at its fast bound)
    or -1 (too fast)."""
    lo, hi = opts.min_fuel_nM, opts.max_fuel_nM
    for _ in range(opts.max_rounds):
        rates = effective_rates(formal, e, inter, unit_nM)
        worst = 0.0  # over the reactions whose knobs can still move
        for r in rates:
            if r.index not in knobs or r.effective <= 0:
                continue
            ratio = r.effective * tau / r.requested
            if _turn(e, knobs[r.index], ratio, lo, hi, home):
                worst = max(worst, abs(ratio - 1))
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
    numbers: list[int] | None = None,
) -> Realisation:
    """Concentrations of the rate knobs and tau that deliver every formal rate.

    ``formal`` may be part of the compiled CRN (one phase of a protocol, with
    ``enumerated`` holding only that phase's reactions): ``numbers`` are then its
    reactions' numbers in the compiled CRN, which name their gates (default 1, 2, ...).

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
    numbers = numbers or list(range(1, len(formal.reactions) + 1))
    for name in _latency_fuels(e, knobs, numbers):
        e.species[name].concentration_nM = opts.max_fuel_nM
    knob = _knob_names(formal, e, knobs, numbers)
    rates = effective_rates(formal, e, interpretation, unit_nM)
    tau = best_time_unit(rates)
    low: tuple[float, list[int]] = (0.0, [])  # a tau too short for some reactions
    high: tuple[float, list[int]] = (math.inf, [])  # a tau too long for some reactions
    for _ in range(60):
        rates, off = _settle(formal, e, interpretation, unit_nM, tau, knob, opts, before)
        if not off:
            break
        slow, fast = [i for i, s in off.items() if s > 0], [i for i, s in off.items() if s < 0]
        if slow and fast:
            _infeasible(formal, slow, fast, opts)
        ratios = [r.requested / (r.effective * tau) for r in rates if r.index in off]
        if slow:
            low = (tau, slow)
            tau *= max(ratios) * 1.01
        else:
            high = (tau, fast)
            tau *= min(ratios) / 1.01
        if high[0] < math.inf and low[0] > 0:  # bracketed: bisect
            if high[0] <= low[0] * (1 + opts.tolerance):
                _infeasible(formal, low[1], high[1], opts)
            tau = math.sqrt(low[0] * high[0])
    else:
        raise RealisationError(f"rate realisation did not settle (tau {tau:.3g} s)")
    return _finish(formal, e, rates, knob, before, tau, unit_nM, opts, toeholds_nt or {})


def _infeasible(formal: CRN, slow: list[int], fast: list[int], opts: RealiseOptions) -> None:
    a, b = formal.reactions[slow[0] - 1], formal.reactions[fast[0] - 1]
    raise RealisationError(
        f"cannot realise the rate ratio of reaction {slow[0]} ({a}) to reaction {fast[0]} "
        f"({b}) with gates and buffers within {opts.min_fuel_nM:g}-{opts.max_fuel_nM:g} nM; "
        "widen --min-fuel-nM/--max-fuel-nM, raise --unit-nM, change the requested rates, "
        "or --no-realise"
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
    "order_reactants",
    "delivered_only",
    "plan_toeholds",
    "realise_rates",
    "toehold_rate",
    "toehold_rates",
    "unimolecular_only",
]
