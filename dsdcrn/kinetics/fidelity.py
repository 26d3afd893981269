"""Kinetics of the DSD circuit against the abstract CRN.

A DSD gate runs its formal reaction at an *effective* rate set by its toeholds
and fuel concentrations, not at the requested one.  This module

1. derives each formal reaction's effective rate constant from Peppercorn's
   condensed rates and the fuel concentrations (:func:`effective_rates`);
2. simulates the formal CRN at its *requested* rates, one formal time unit lasting
   tau seconds (the rate realisation's, :mod:`dsdcrn.kinetics.realise`, or the best
   single rescale), the formal CRN at the delivered rates (a diagnostic), and the full
   implementation CRN (every condensed reaction, fuels as finite species);
3. sums the implementation species that represent each formal species (under the
   verifier's interpretation, with multiplicity) and reports RMSE and maximum
   relative error per formal species, with a plot.

Effective rates.  Let the representatives of formal species X be the
implementation species interpreted as exactly X (free signals, and gate-bound
states such as a join gate holding X).  Reactions between representatives of X
that interpret to nothing (``X -> X``) form a Markov chain, run with fuels at their
initial concentrations; its stationary distribution pi_X (closed classes weighted
equally) is the fraction of X held in each representative at quasi-equilibrium.
An implementation reaction rho that interprets to formal reaction r then
contributes ``k_rho * prod(fuel concentrations) * prod(pi of its reactants)`` to
r's effective rate constant (/nM^(n-1)/s).  A catalytic unimolecular reaction
(``X -> X + ...``) holds X inside its gate for a while after each firing (until the
translator releases it): with that mean delay d (s, :func:`_release_delay`) its rate
constant is k / (1 + k d).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.massaction import Trajectory, compare, plot_comparison, simulate
from dsdcrn.model.crn import CRN, Reaction
from dsdcrn.options import DURATION, UNIT_NM


@dataclass
class EffectiveRate:
    """Requested and effective rate constants of one formal reaction.

    ``requested`` is in /nM^(n-1)/s for the chosen formal unit; ``effective`` is
    what the DSD gates deliver, same units; ``paths`` counts the implementation
    reactions that interpret to this reaction.
    """

    index: int
    reaction: str
    order: int
    requested: float
    effective: float
    paths: int
    delay_s: float = 0.0  # a catalyst's mean time inside the gate after the reaction fired


@dataclass
class Fidelity:
    """Result of the kinetic comparison; errors per formal species.

    The headline (``metrics``, :attr:`max_rel_error`) compares the DSD implementation
    with the formal CRN at its *requested* rates, one formal time unit lasting
    ``time_unit_s`` (tau); ``metrics_delivered`` compares it with the formal CRN at the
    rates the gates deliver, a diagnostic of the kinetics beyond the rate constants
    (delays, depletion).  ``raw`` is the implementation's own trajectory (every species).
    """

    rates: list[EffectiveRate]
    time_unit_s: float
    t_end_s: float
    metrics: dict[str, dict[str, float]]
    plot: str | None = None
    notes: list[str] = field(default_factory=list)
    reference: Trajectory | None = field(default=None, repr=False)
    implementation: Trajectory | None = field(default=None, repr=False)
    metrics_delivered: dict[str, dict[str, float]] = field(default_factory=dict)
    raw: Trajectory | None = field(default=None, repr=False)

    @property
    def max_rel_error(self) -> float:
        vals = [m["max_rel_error"] for m in self.metrics.values()]
        vals = [v for v in vals if np.isfinite(v)]
        return max(vals) if vals else float("nan")

    @property
    def max_rel_error_delivered(self) -> float:
        """The diagnostic: largest relative error against the formal CRN at delivered rates."""
        vals = [m["max_rel_error"] for m in self.metrics_delivered.values()]
        vals = [v for v in vals if np.isfinite(v)]
        return max(vals) if vals else float("nan")

    def to_json_dict(self) -> dict:
        return {
            "time_unit_s": self.time_unit_s,
            "t_end_s": self.t_end_s,
            "reference": "formal CRN at the requested rates, one formal time unit = time_unit_s",
            "max_rel_error": self.max_rel_error,
            "metrics": self.metrics,
            "max_rel_error_delivered_rates": self.max_rel_error_delivered,
            "metrics_delivered_rates": self.metrics_delivered,
            "effective_rates": [r.__dict__ for r in self.rates],
            "plot": self.plot,
            "notes": self.notes,
        }


def _stationary(reps: list[str], edges: dict[tuple[str, str], float]) -> dict[str, float]:
    """Stationary distribution of the chain on ``reps`` (closed classes weighted equally)."""
    if len(reps) == 1:  # one closed class of one
        return {reps[0]: 1.0}
    idx = {s: i for i, s in enumerate(reps)}
    n = len(reps)
    reach = np.eye(n, dtype=bool)
    for (a, b), _ in edges.items():
        reach[idx[a], idx[b]] = True
    for k in range(n):  # transitive closure (Floyd-Warshall), n is small
        reach |= reach[:, [k]] & reach[[k], :]
    closed = []
    seen: set[int] = set()
    for i in range(n):
        if i in seen:
            continue
        cls = [j for j in range(n) if reach[i, j] and reach[j, i]]
        seen |= set(cls)
        if all(not reach[c, j] or j in cls for c in cls for j in range(n)):
            closed.append(cls)
    pi = dict.fromkeys(reps, 0.0)
    for cls in closed:
        q = np.zeros((len(cls), len(cls)))
        pos = {c: k for k, c in enumerate(cls)}
        for (a, b), rate in edges.items():
            if idx[a] in pos and idx[b] in pos:
                q[pos[idx[a]], pos[idx[b]]] += rate
                q[pos[idx[a]], pos[idx[a]]] -= rate
        a_mat = np.vstack([q.T, np.ones(len(cls))])
        rhs = np.zeros(len(cls) + 1)
        rhs[-1] = 1.0
        sol = np.linalg.lstsq(a_mat, rhs, rcond=None)[0]
        for c, v in zip(cls, sol, strict=True):
            pi[reps[c]] = max(float(v), 0.0) / len(closed)
    return pi


def effective_rates(
    formal: CRN, enumerated: Enumerated, interpretation: dict[str, list[str]], unit_nM: float
) -> list[EffectiveRate]:
    """Effective rate constant of every formal reaction (/nM^(n-1)/s); see the module doc."""
    fuel = {s.name: s.concentration_nM for s in enumerated.by_role("fuel")}
    rep_of = representatives(interpretation, set(fuel))
    reps: dict[str, list[str]] = {}
    for name, x in rep_of.items():
        reps.setdefault(x, []).append(name)
    image = image_reader(interpretation, set(fuel))

    def fuel_factor(r: Reaction) -> float:
        return math.prod(fuel[n] for n in r.reactants if n in fuel)

    steps = first_order_steps(enumerated)
    pi = _held_fractions(steps, reps, rep_of, image)

    by_image = committing_paths(enumerated.reactions, rep_of, set(fuel), image)
    out = []
    for i, f in enumerate(formal.reactions, start=1):
        k_eff, paths, delay = 0.0, 0, 0.0
        for r, movers in by_image.get((tuple(f.reactants), tuple(f.products)), ()):
            k = r.rate * fuel_factor(r) * math.prod(pi[n] for n in movers)
            k_eff, paths = k_eff + k, paths + 1
            if len(f.reactants) == 1 and f.reactants[0] in f.products:
                x = f.reactants[0]
                d = _release_delay(r, x, steps, interpretation, rep_of, set(fuel))
                delay += k * d  # weighted by the path's share, normalised below
        requested = f.rate / unit_nM ** max(len(f.reactants) - 1, 0)  # /nM^(n-1)/s
        if delay > 0:  # the catalyst is away for delay s after each firing
            delay /= k_eff
            k_eff /= 1.0 + k_eff * delay
        name = str(f).rsplit(" [", 1)[0]
        out.append(EffectiveRate(i, name, len(f.reactants), requested, k_eff, paths, delay))
    return out


def representatives(interpretation: dict[str, list[str]], fuels: set[str]) -> dict[str, str]:
    """Each implementation species (fuels left out) interpreted as exactly one formal
    species, to that species: a free signal or a gate holding it."""
    return {n: im[0] for n, im in interpretation.items() if len(im) == 1 and n not in fuels}


def image_reader(interpretation: dict[str, list[str]], fuels: set[str]):
    """The formal image of a tuple of implementation species, sorted, with multiplicity,
    fuels left out (cached)."""

    @functools.cache
    def image(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(f for n in names if n not in fuels for f in interpretation.get(n, [])))

    return image


def committing_paths(
    reactions: Sequence[Reaction], rep_of: dict[str, str], fuels: set[str], image
) -> dict[tuple, list[tuple[Reaction, list[str]]]]:
    """Each implementation reaction whose non-fuel reactants all represent one formal
    species each, with those reactants, by the formal reaction it reads as: (the
    image of its reactants, the image of its products), both sorted.  One pass, not one
    per formal reaction (256 x 11,000 on Kang-Kim 2-5-1)."""
    out: dict[tuple, list[tuple[Reaction, list[str]]]] = {}
    for r in reactions:
        movers = [n for n in r.reactants if n not in fuels]
        if all(n in rep_of for n in movers):
            out.setdefault((image(tuple(movers)), image(r.products)), []).append((r, movers))
    return out


@dataclass
class RateInContext:
    """One formal reaction's flux in a running circuit against its requested flux.

    ``requested_nM_s``: the requested rate constant times the formal concentrations
    the circuit holds (each formal species summed over its carriers), nM/s;
    ``delivered_nM_s``: the flux through the gate reactions that commit it, nM/s.
    Their ratio is the rate constant the gates deliver in context, relative to the
    requested one: below 1 when a gate's fuel is used up, off 1 when the signals are
    held in other gates than realisation counted on (e.g. some gates blocked).
    """

    index: int  # 1-based, among the formal CRN's reactions
    reaction: str
    requested_nM_s: float
    delivered_nM_s: float

    @property
    def ratio(self) -> float:
        return self.delivered_nM_s / self.requested_nM_s if self.requested_nM_s > 0 else math.nan


def rates_in_context(
    formal: CRN,
    reactions: Sequence[Reaction],
    interpretation: dict[str, list[str]],
    state_nM: dict[str, float],
    fuels: set[str],
    unit_nM: float,
    tau_s: float,
    numbers: Sequence[int] | None = None,
) -> list[RateInContext]:
    """Each formal reaction's delivered flux against its requested one at ``state_nM``
    (implementation species, nM), the circuit running ``reactions`` (/nM^(n-1)/s);
    ``fuels``: the fuel complexes; one formal time unit lasts ``tau_s`` s; ``numbers``:
    the formal reactions to report (1-based; None: all).  See :class:`RateInContext`."""
    totals: Counter = Counter()
    for name, image in interpretation.items():
        if name not in fuels and state_nM.get(name, 0.0):
            for x in image:
                totals[x] += state_nM[name]
    rep_of = representatives(interpretation, fuels)
    paths = committing_paths(reactions, rep_of, fuels, image_reader(interpretation, fuels))
    out = []
    for i in numbers if numbers is not None else range(1, len(formal.reactions) + 1):
        f = formal.reactions[i - 1]
        k = f.rate / unit_nM ** max(len(f.reactants) - 1, 0) / tau_s  # /nM^(n-1)/s
        want = k * math.prod(totals[x] for x in f.reactants)
        got = sum(
            r.rate * math.prod(state_nM.get(n, 0.0) for n in r.reactants)
            for r, _ in paths.get((tuple(f.reactants), tuple(f.products)), ())
        )
        out.append(RateInContext(i, str(f).rsplit(" [", 1)[0], want, got))
    return out


def _held_fractions(steps, reps: dict[str, list[str]], rep_of: dict[str, str], image) -> dict:
    """pi: the fraction of each formal species held in each of its representatives, the
    stationary distribution of the representative-to-representative steps (module doc)."""
    edges: dict[str, dict[tuple[str, str], float]] = {x: {} for x in reps}
    for mover, outs in steps.items():
        if mover not in rep_of:
            continue
        x = rep_of[mover]
        for r, k in outs:
            targets = [n for n in r.products if rep_of.get(n) == x]
            if image(r.products) == (x,) and len(targets) == 1 and targets[0] != mover:
                key = (mover, targets[0])
                edges[x][key] = edges[x].get(key, 0.0) + k
    pi = {}
    for x, names in reps.items():
        pi.update(_stationary(sorted(names), edges[x]))
    return pi


def first_order_steps(enumerated: Enumerated) -> dict[str, list[tuple[Reaction, float]]]:
    """For every species that is the only non-fuel reactant of some reactions: those
    reactions, in order, each with its pseudo-first-order rate constant (/s: the rate
    constant times the concentrations, nM, of its fuel reactants)."""
    fuel = {s.name: s.concentration_nM for s in enumerated.by_role("fuel")}
    out: dict[str, list[tuple[Reaction, float]]] = {}
    for r in enumerated.reactions:
        movers = [n for n in r.reactants if n not in fuel]
        if len(movers) == 1:
            k = r.rate * math.prod(fuel[n] for n in r.reactants if n in fuel)
            out.setdefault(movers[0], []).append((r, k))
    return out


def _release_delay(
    fired: Reaction,
    x: str,
    steps: dict[str, list[tuple[Reaction, float]]],
    interpretation: dict[str, list[str]],
    rep_of: dict[str, str],
    fuels: set[str],
    max_steps: int = 20,
) -> float:
    """Mean time (s) the catalyst ``x`` spends inside the gate after ``fired`` committed
    its formal reaction: the lifetimes (1 / pseudo-first-order outflow,
    :func:`first_order_steps`) of the intermediates that carry it, along the likeliest
    steps, until a representative of ``x`` is released."""

    def carriers(names) -> list[str]:
        return [n for n in names if n not in fuels and n not in rep_of
                and x in interpretation.get(n, [])]  # fmt: skip

    delay, here = 0.0, carriers(fired.products)
    for _ in range(max_steps):
        if not here or any(rep_of.get(p) == x for p in fired.products):
            return delay
        outs = steps.get(here[0], [])
        if not outs:
            return delay
        delay += 1.0 / sum(k for _, k in outs)
        fired = max(outs, key=lambda rk: rk[1])[0]
        here = carriers(fired.products)
    return delay


def best_time_unit(rates: list[EffectiveRate]) -> float:
    """The single time rescale (s per formal time unit) that best fits the delivered
    rates to the requested ones: the median of requested/delivered (geometric mean of the
    middle two for an even count)."""
    ratios = sorted(r.requested / r.effective for r in rates if r.effective > 0)
    if not ratios:
        raise DsdcrnError("no formal reaction has a delivered rate: nothing to simulate")
    n = len(ratios)
    return ratios[n // 2] if n % 2 else float(np.sqrt(ratios[n // 2 - 1] * ratios[n // 2]))


def simulate_fidelity(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: dict[str, list[str]],
    unit_nM: float = UNIT_NM,
    duration: float = DURATION,
    plot: str | Path | None = None,
    max_seconds: float = 300.0,
    time_unit_s: float | None = None,
    extra: Sequence[Reaction] = (),
) -> Fidelity:
    """Simulate the formal CRN at its requested rates and the DSD implementation; compare.

    Parameters
    ----------
    enumerated : the implementation, with the fuel concentrations to simulate (realised
        ones: :meth:`dsdcrn.kinetics.realise.Realisation.apply`).
    unit_nM : formal-unit concentration, nM (converts requested formal rates).
    duration : run length in formal time units.
    time_unit_s : tau, seconds per formal time unit (the realisation's); None: the best
        single rescale of the delivered rates (:func:`best_time_unit`).
    extra : reactions simulated with the implementation's (e.g. leaks), /nM^(n-1)/s.
    plot : PNG path for the trajectories, or None.
    """
    rates = effective_rates(formal, enumerated, interpretation, unit_nM)
    notes = []
    for r in rates:
        if r.effective <= 0:
            notes.append(f"reaction {r.index} ({r.reaction}) has no effective rate: no path found")
    tau = time_unit_s if time_unit_s is not None else best_time_unit(rates)
    t_end = duration * tau

    def formal_at(k: list[float]) -> Trajectory:
        rxns = [
            Reaction(f.reactants, f.products, v) for f, v in zip(formal.reactions, k, strict=True)
        ]
        return simulate(
            rxns, formal.initial, t_end, constant=formal.constant, max_seconds=max_seconds
        )

    ref = formal_at([r.requested / tau for r in rates])
    delivered = formal_at([r.effective for r in rates])
    initial = {
        s.name: s.concentration_nM for s in enumerated.species.values() if s.concentration_nM
    }
    impl = simulate([*enumerated.reactions, *extra], initial, t_end, max_seconds=max_seconds)
    mapping = {n: dict(Counter(v)) for n, v in interpretation.items() if v}
    proj = impl.project(mapping, ref.species)
    result = Fidelity(rates, tau, t_end, compare(ref, proj), None, notes, ref, proj)
    result.metrics_delivered, result.raw = compare(delivered, proj), impl
    if plot is not None:
        write_plot(result, plot, f"{formal.name}: formal CRN vs DSD ({enumerated.system.scheme})")
    return result


def write_plot(result: Fidelity, path: str | Path, title: str) -> None:
    """Plot formal (solid) and DSD (dashed) trajectories of ``result`` to a PNG."""
    assert result.reference is not None and result.implementation is not None
    plot_comparison(
        result.reference,
        result.implementation,
        path,
        title=title,
        reference_label="formal CRN (requested rates)",
        other_label="DSD implementation",
    )
    result.plot = Path(path).name


__all__ = [
    "EffectiveRate",
    "Fidelity",
    "best_time_unit",
    "effective_rates",
    "first_order_steps",
    "simulate_fidelity",
    "write_plot",
]
