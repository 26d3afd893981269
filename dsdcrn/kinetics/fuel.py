"""Fuel budget of a DSD implementation: fuel used per formal firing, and how far a run drains it.

Every firing of a formal reaction consumes fuel complexes (gates, translators, helpers)
and may release others (a join gate's buffer strand), so a circuit runs down.  This
module answers two questions.

Fuel per firing (:func:`firing_pathways`, :func:`fuel_per_firing`).  Derived from the
implementation CRN (Peppercorn's condensed reactions, fuels kept) and the verifier's
full interpretation, not from the scheme's templates.  Strip the fuels from an
implementation reaction and interpret both sides: the reaction *interprets to* formal
reaction r when the images are r's reactants and products, and is *trivial* when both
images are equal.  One complete firing of r is a flux vector v >= 0 over r's
reactions and all trivial ones with

* exactly one firing: the fluxes of the reactions interpreting to r sum to 1;
* from signals to signals: for each formal species X the net change of the free
  signal strands interpreted as exactly X (every history variant) equals X's net
  change in r, so the firing starts from the reactants' and ends at the products'
  representatives;
* nothing left half-done: every other species that stands for something
  (gate-bound states, translator outputs, a CRN rewrite's intermediates) has net
  change 0;
* wastes, and intermediates that stand for nothing (strands a gate releases, which
  only react back or with other such strands), may only accumulate; fuels, and
  signals that stand for nothing (a CRN rewrite's fuel and waste strands), are free.

Among those, the linear programme takes the pathway that leaves the fewest
intermediates behind, then the shortest: it minimises the total flux plus n + 1
per leftover intermediate, n the number of candidate reactions.  So a leftover
that fuel or another leftover can turn into waste is turned into waste, as in the
tube (the Soloveichik fork's leftover is stripped by its helper), and a reversible
step taken forth and back nets to zero and is dropped.  The fuel consumed
per firing is minus the fuels' net change along it: positive for a fuel used up,
negative for one released (the Soloveichik join gate's buffer comes back each time).
Whether every optimal pathway uses the same fuel is checked by minimising and
maximising a random (seeded) weighting of the fuel vector over them; when they
differ, the pathway's note says so (e.g. two formal reactions with the same
reactants and products, whose gates the interpretation cannot tell apart).

Fuel budget (:func:`fuel_budget`).  From an implementation trajectory (every
species, not the projection on formal species): each fuel's initial and final
concentration and fraction left, the first time a fuel falls below half its initial
concentration (linear interpolation between samples), and one warning line per fuel
that does so within the run.  When none does, an *earliest* time is estimated:
the formal fluxes at the end of the run (the summed mass-action rates of the
implementation reactions interpreting to each formal reaction, nM/s) times the fuel
per firing give each fuel's net consumption rate D_f (nM/s); fuel f reaches half
at ``t_end + (c_f(t_end) - c_f(0) / 2) / D_f`` if it keeps being consumed at that
rate.  This is a lower bound on the time whenever the formal fluxes do not rise
after the run: consumption then never runs faster than D_f.  Fuels deplete their
own consuming reactions, so the bound is usually early (one gate consumed by an
excess of its input, stopped at 0.3 of its half time: 0.79 of it).  When a formal
flux rose over the run's last sample interval the bound may fail (a cascade still
filling up: on the default neuron, a run of 1 formal time unit estimates 5.3 units
where the first fuel falls below half at 4.9), and a note says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.massaction import Trajectory
from dsdcrn.model.crn import CRN, Reaction

__all__ = [
    "Firing",
    "FuelBudget",
    "FuelLevel",
    "firing_pathways",
    "formal_fluxes",
    "fuel_budget",
    "fuel_per_firing",
]

#: Fluxes and fuel counts closer than this to an integer or to zero are rounded.
ROUND = 1e-9
#: A fuel "falls below half" at this fraction of its initial concentration.
HALF = 0.5


@dataclass
class Firing:
    """Fuel used by one complete firing of a formal reaction.

    ``fuel`` maps fuel complexes to molecules consumed per firing (negative:
    released); ``steps`` maps the implementation reactions of the shortest pathway
    (as text) to their flux per firing; ``found`` is False when no complete pathway
    exists in the implementation CRN; ``note`` says why, or that equally short
    pathways use different fuel.
    """

    index: int
    reaction: str
    fuel: dict[str, float]
    steps: dict[str, float] = field(default_factory=dict)
    found: bool = True
    note: str = ""


@dataclass
class FuelLevel:
    """One fuel over a run: concentrations in nM, ``half_time_s`` the interpolated time
    (s) it first fell below half its initial concentration, None if it did not."""

    name: str
    initial_nM: float
    final_nM: float
    fraction_left: float
    half_time_s: float | None = None


@dataclass
class FuelBudget:
    """Fuel levels of a run, the first half-depletion, and the fuel per firing.

    Times in s; ``time_unit_s`` is one formal time unit in s.  ``first_half_s`` is the
    first time any fuel fell below half (``first_half_fuel`` which one), None when none
    did within ``t_end_s``; then ``estimated_half_s`` is the earliest-time estimate of
    the module doc (None when no fuel is being consumed at the end of the run).
    """

    fuels: list[FuelLevel]
    per_firing: list[Firing]
    t_end_s: float
    time_unit_s: float
    first_half_s: float | None = None
    first_half_fuel: str | None = None
    estimated_half_s: float | None = None
    estimated_fuel: str | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def first_half_formal(self) -> float | None:
        """:attr:`first_half_s` in formal time units."""
        return None if self.first_half_s is None else self.first_half_s / self.time_unit_s

    @property
    def estimated_half_formal(self) -> float | None:
        """:attr:`estimated_half_s` in formal time units."""
        if self.estimated_half_s is None:
            return None
        return self.estimated_half_s / self.time_unit_s

    @property
    def below_half(self) -> list[str]:
        """Fuels below half their initial concentration at the end of the run."""
        return [f.name for f in self.fuels if f.fraction_left < HALF]

    def to_json_dict(self) -> dict:
        """Plain data for ``json.dump`` (None for absent times; NaN fractions as None)."""
        return {
            "t_end_s": self.t_end_s,
            "time_unit_s": self.time_unit_s,
            "first_half_s": self.first_half_s,
            "first_half_formal": self.first_half_formal,
            "first_half_fuel": self.first_half_fuel,
            "estimated_half_s": self.estimated_half_s,
            "estimated_half_formal": self.estimated_half_formal,
            "estimated_fuel": self.estimated_fuel,
            "below_half": self.below_half,
            "fuels": [
                {**f.__dict__, "fraction_left": _finite(f.fraction_left)} for f in self.fuels
            ],
            "per_firing": [f.__dict__ for f in self.per_firing],
            "warnings": self.warnings,
            "notes": self.notes,
        }

    def markdown(self) -> str:
        """A report section: summary line, fuels (most depleted first), fuel per firing."""
        u = self.time_unit_s
        lines = [
            f"Run of {self.t_end_s:.4g} s ({self.t_end_s / u:.4g} formal time units of "
            f"{u:.4g} s); {len(self.below_half)} of {len(self.fuels)} fuels below 50% at the end.",
            "",
            _summary(self),
            "",
            "| fuel | initial (nM) | final (nM) | left | below 50% at (s) |",
            "|---|---:|---:|---:|---:|",
        ]
        order = sorted(self.fuels, key=lambda f: (_sort_key(f.fraction_left), f.name))
        for f in order:
            half = "" if f.half_time_s is None else f"{f.half_time_s:.4g}"
            lines.append(
                f"| {f.name} | {f.initial_nM:.4g} | {f.final_nM:.4g} | "
                f"{_percent(f.fraction_left)} | {half} |"
            )
        lines += ["", "| formal reaction | fuel per firing (negative: released) |", "|---|---|"]
        for p in self.per_firing:
            used = ", ".join(f"{n} {x:g}" for n, x in sorted(p.fuel.items()))
            text = used if p.found else "no complete pathway"
            lines.append(f"| {p.reaction} | {text}{' (' + p.note + ')' if p.note else ''} |")
        if self.warnings or self.notes:
            lines += ["", *(f"- {w}" for w in self.warnings + self.notes)]
        return "\n".join(lines) + "\n"


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _sort_key(x: float) -> float:
    return x if math.isfinite(x) else math.inf


def _percent(x: float) -> str:
    return f"{x:.0%}" if math.isfinite(x) else "n/a"


def _summary(b: FuelBudget) -> str:
    if b.first_half_s is not None:
        return (
            f"**First fuel below 50%: {b.first_half_fuel} at {b.first_half_s:.4g} s "
            f"({b.first_half_formal:.3g} formal time units).**"
        )
    if b.estimated_half_s is not None:
        return (
            f"No fuel below 50% in the run; at the end-of-run consumption rate "
            f"{b.estimated_fuel} would reach 50% at {b.estimated_half_s:.4g} s "
            f"({b.estimated_half_formal:.3g} formal time units) at the earliest."
        )
    return "No fuel below 50% in the run, and none is being consumed at its end."


# --------------------------------------------------------------------- fuel per firing
@dataclass
class _Setup:
    """Species classes and reaction images under an interpretation."""

    fuels: list[str]
    endpoints: dict[str, Counter]  # species -> its formal image (signals of one species)
    interior: list[str]  # net zero in a complete firing
    wastes: list[str]  # net >= 0
    leftovers: list[str]  # intermediates standing for nothing: net >= 0, penalised
    images: list[tuple[tuple[str, ...], tuple[str, ...]]]  # per implementation reaction


def _setup(enumerated: Enumerated, interpretation: Mapping[str, Sequence[str]]) -> _Setup:
    fuels = [s.name for s in enumerated.by_role("fuel")]
    fuel_set = set(fuels)
    used = {n for r in enumerated.reactions for n in (*r.reactants, *r.products)}
    missing = sorted(n for n in used - fuel_set if n not in interpretation)
    if missing:
        raise DsdcrnError(
            f"species {missing[0]} has no interpretation ({len(missing)} without); "
            "pass the verifier's full interpretation (crn-bisimulation)"
        )
    endpoints, interior, wastes, leftovers = {}, [], [], []
    for name in sorted(used - fuel_set):
        role = enumerated.species[name].role if name in enumerated.species else "intermediate"
        image = list(interpretation[name])
        if role == "signal" and len(image) == 1:
            endpoints[name] = Counter(image)
        elif image:
            interior.append(name)
        elif role == "waste":
            wastes.append(name)
        elif role == "intermediate":
            leftovers.append(name)
        # a signal standing for nothing (a rewrite's fuel or waste strand) is free

    def image(names: Sequence[str]) -> tuple[str, ...]:
        return tuple(sorted(f for n in names if n not in fuel_set for f in interpretation[n]))

    images = [(image(r.reactants), image(r.products)) for r in enumerated.reactions]
    return _Setup(fuels, endpoints, interior, wastes, leftovers, images)


def _stoichiometry(reactions: Sequence[Reaction], names: Sequence[str]) -> np.ndarray:
    """Net stoichiometry (len(names), len(reactions)) of ``reactions`` on ``names``."""
    row = {n: i for i, n in enumerate(names)}
    mat = np.zeros((len(names), len(reactions)))
    for j, r in enumerate(reactions):
        for n in r.reactants:
            if n in row:
                mat[row[n], j] -= 1
        for n in r.products:
            if n in row:
                mat[row[n], j] += 1
    return mat


def _rounded(x: float) -> float:
    near = round(x)
    return float(near) if abs(x - near) < 1e-7 else float(x)


def _constraints(
    setup: _Setup, reactions: list[Reaction], formal: Reaction, commits: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Equality and inequality rows (A_eq, b_eq, A_ub, b_ub) of one firing of ``formal``."""
    ends = list(setup.endpoints)
    species = sorted({f for c in setup.endpoints.values() for f in c} | set(formal.species))
    ends_n = _stoichiometry(reactions, ends)
    count = np.array([[setup.endpoints[e][x] for e in ends] for x in species]).reshape(
        len(species), len(ends)
    )
    delta = Counter(formal.products)
    delta.subtract(Counter(formal.reactants))
    a_eq = [count @ ends_n, _stoichiometry(reactions, setup.interior), commits[None, :]]
    b_eq = [np.array([delta[x] for x in species], float), np.zeros(len(setup.interior)), [1.0]]
    a_ub = -_stoichiometry(reactions, setup.wastes + setup.leftovers)
    return np.vstack(a_eq), np.concatenate(b_eq), a_ub, np.zeros(a_ub.shape[0])


def _pathway(
    setup: _Setup, enumerated: Enumerated, index: int, formal: Reaction, weights: np.ndarray
) -> Firing:
    """The shortest complete firing of formal reaction ``index`` (1-based); see the module doc."""
    text = str(formal).rsplit(" [", 1)[0]
    target = (formal.reactants, formal.products)
    keep = [j for j, (rs, ps) in enumerate(setup.images) if (rs, ps) == target or rs == ps]
    commits = np.array([float(setup.images[j] == target) for j in keep])
    if not commits.any():
        return Firing(index, text, {}, found=False, note="no implementation reaction fires it")
    reactions = [enumerated.reactions[j] for j in keep]
    a_eq, b_eq, a_ub, b_ub = _constraints(setup, reactions, formal, commits)
    args = {"A_ub": a_ub if a_ub.size else None, "b_ub": b_ub if a_ub.size else None}
    penalty = (len(keep) + 1.0) * _stoichiometry(reactions, setup.leftovers).sum(axis=0)
    res = linprog(1.0 + penalty, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), **args)
    if res.status != 0:
        return Firing(index, text, {}, found=False, note="no complete pathway from its reactants")
    fuel_n = _stoichiometry(reactions, setup.fuels)
    used = -fuel_n @ res.x
    fuel = {f: _rounded(u) for f, u in zip(setup.fuels, used, strict=True) if abs(u) > ROUND}
    steps = {_show(r): _rounded(x) for r, x in zip(reactions, res.x, strict=True) if x > ROUND}
    # every shortest pathway: same fuel? (min and max of a random weighting over them)
    cost = (1.0 + penalty)[None, :]
    face_ub = np.vstack([a_ub, cost]) if a_ub.size else cost
    face_b = np.concatenate([b_ub, [res.fun * (1 + 1e-9) + ROUND]])
    span = []
    for sign in (1.0, -1.0):
        r2 = linprog(sign * (weights @ -fuel_n), A_ub=face_ub, b_ub=face_b, A_eq=a_eq, b_eq=b_eq)
        span.append(sign * r2.fun if r2.status == 0 else math.nan)
    note = ""
    if not abs(span[0] - span[1]) <= 1e-6 * (1 + abs(span[0])):
        note = "equally short pathways use different fuels; one is shown"
    return Firing(index, text, fuel, steps, True, note)


def _show(r: Reaction) -> str:
    return f"{' + '.join(r.reactants) or '0'} -> {' + '.join(r.products) or '0'}"


def firing_pathways(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: Mapping[str, Sequence[str]],
    seed: int = 0,
) -> list[Firing]:
    """The shortest complete firing of every formal reaction and the fuel it uses.

    Parameters
    ----------
    formal : the formal CRN (reactions in order).
    enumerated : the enumeration, fuels kept in its reactions.
    interpretation : implementation species -> formal species (multiset), every
        non-fuel species of the reactions included (the verifier's full interpretation).
    seed : seed of the random fuel weighting that checks the pathway's fuel is unique.

    Returns
    -------
    list[Firing]
        One per formal reaction, in order; see the module doc for the method.
    """
    setup = _setup(enumerated, interpretation)
    weights = np.random.default_rng(seed).uniform(1.0, 2.0, len(setup.fuels))
    return [
        _pathway(setup, enumerated, i, f, weights) for i, f in enumerate(formal.reactions, start=1)
    ]


def fuel_per_firing(
    formal: CRN, enumerated: Enumerated, interpretation: Mapping[str, Sequence[str]]
) -> list[dict[str, float]]:
    """Fuel molecules consumed per firing (per unit of formal flux) of each formal reaction.

    One dict per formal reaction, in order: fuel complex -> molecules consumed per
    firing (negative: released, e.g. a join gate's buffer); only fuels that change.
    Empty for a reaction with no complete pathway (:func:`firing_pathways` says why).
    """
    return [p.fuel for p in firing_pathways(formal, enumerated, interpretation)]


# ------------------------------------------------------------------------- the budget
def formal_fluxes(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: Mapping[str, Sequence[str]],
    concentrations: Mapping[str, float],
) -> np.ndarray:
    """Flux of each formal reaction (nM/s) at implementation concentrations (nM).

    The summed mass-action rates ``k prod c`` of the implementation reactions that
    interpret to it (the steps that commit a firing); absent species count 0 nM.
    Formal reactions with the same reactants and products cannot be told apart by
    the interpretation: their common flux is given to the last of them.
    """
    setup = _setup(enumerated, interpretation)
    index = {(r.reactants, r.products): i for i, r in enumerate(formal.reactions)}
    flux = np.zeros(len(formal.reactions))
    for r, image in zip(enumerated.reactions, setup.images, strict=True):
        i = index.get(image)
        if i is not None:
            flux[i] += r.rate * math.prod(float(concentrations.get(n, 0.0)) for n in r.reactants)
    return flux


def _half_time(times: np.ndarray, conc: np.ndarray) -> float | None:
    """First time (s) ``conc`` falls below HALF of ``conc[0]``, interpolated; None if never."""
    level = HALF * conc[0]
    below = np.flatnonzero(conc < level)
    if conc[0] <= 0 or below.size == 0:
        return None
    k = int(below[0])
    t0, t1, c0, c1 = times[k - 1], times[k], conc[k - 1], conc[k]
    return float(t0 + (c0 - level) * (t1 - t0) / (c0 - c1))


def _levels(enumerated: Enumerated, trajectory: Trajectory) -> list[FuelLevel]:
    fuels = [s.name for s in enumerated.by_role("fuel")]
    missing = [f for f in fuels if f not in trajectory.species]
    if missing:
        raise DsdcrnError(
            f"fuel {missing[0]} is not in the trajectory ({len(missing)} of {len(fuels)} "
            "fuels missing); pass the implementation trajectory, not its formal projection"
        )
    out = []
    for f in fuels:
        c = trajectory.get(f)
        frac = float(c[-1] / c[0]) if c[0] > 0 else math.nan
        out.append(FuelLevel(f, float(c[0]), float(c[-1]), frac, _half_time(trajectory.times, c)))
    return out


def _estimate(
    levels: list[FuelLevel], per_firing: list[Firing], flux: np.ndarray, t_end: float
) -> tuple[float | None, str | None]:
    """Earliest time (s) a fuel reaches half at the end-of-run consumption rate."""
    best: tuple[float | None, str | None] = (None, None)
    for lv in levels:
        rate = sum(j * p.fuel.get(lv.name, 0.0) for j, p in zip(flux, per_firing, strict=True))
        if lv.initial_nM > 0 and rate > 0:
            t = t_end + max(lv.final_nM - HALF * lv.initial_nM, 0.0) / rate
            if best[0] is None or t < best[0]:
                best = (t, lv.name)
    return best


def fuel_budget(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: Mapping[str, Sequence[str]],
    trajectory: Trajectory,
    time_unit_s: float,
) -> FuelBudget:
    """Fuel levels of an implementation run and when the first fuel falls below 50%.

    Parameters
    ----------
    formal, enumerated, interpretation : as for :func:`firing_pathways`.
    trajectory : the implementation run (every species, concentrations nM, times s),
        e.g. ``simulate(enumerated.reactions, initial, t_end)``.
    time_unit_s : one formal time unit, s (for the times in formal units).

    Returns
    -------
    FuelBudget
        With one warning per fuel that fell below 50% within the run, and otherwise
        the earliest-time estimate of the module doc.
    """
    if not (math.isfinite(time_unit_s) and time_unit_s > 0):
        raise DsdcrnError(f"time unit must be a positive number of s, got {time_unit_s!r}")
    if len(trajectory.times) < 2:
        raise DsdcrnError("the trajectory needs at least 2 time points")
    levels = _levels(enumerated, trajectory)
    per_firing = firing_pathways(formal, enumerated, interpretation)
    t_end = float(trajectory.times[-1])
    budget = FuelBudget(levels, per_firing, t_end, float(time_unit_s))
    crossed = sorted((lv for lv in levels if lv.half_time_s is not None), key=_crossing)
    for lv in crossed:
        budget.warnings.append(
            f"fuel {lv.name} fell below 50% at {lv.half_time_s:.4g} s "
            f"({lv.half_time_s / time_unit_s:.3g} formal time units); "
            f"{_percent(lv.fraction_left)} left at the end ({t_end:.4g} s)"
        )
    if crossed:
        budget.first_half_s, budget.first_half_fuel = crossed[0].half_time_s, crossed[0].name
    else:
        flux, rising = _end_fluxes(formal, enumerated, interpretation, trajectory)
        budget.estimated_half_s, budget.estimated_fuel = _estimate(levels, per_firing, flux, t_end)
        if rising and budget.estimated_half_s is not None:
            budget.notes.append(
                f"formal flux of reaction{'s' if len(rising) > 1 else ''} "
                f"{', '.join(map(str, rising))} still rising at the end of the run: "
                "the estimated 50% time is then no lower bound; run longer"
            )
    for p in per_firing:
        if p.note:
            budget.notes.append(f"reaction {p.index} ({p.reaction}): {p.note}")
    return budget


def _end_fluxes(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: Mapping[str, Sequence[str]],
    trajectory: Trajectory,
) -> tuple[np.ndarray, list[int]]:
    """Formal fluxes (nM/s) at the last sample, and the (1-based) reactions whose flux
    rose over the last sample interval."""
    at = [dict(zip(trajectory.species, row, strict=True)) for row in trajectory.values[-2:]]
    before, end = (formal_fluxes(formal, enumerated, interpretation, c) for c in at)
    rising = np.flatnonzero(end > before * (1 + 1e-6) + 1e-12)
    return end, [int(i) + 1 for i in rising]


def _crossing(lv: FuelLevel) -> tuple[float, str]:
    return (lv.half_time_s if lv.half_time_s is not None else math.inf, lv.name)
