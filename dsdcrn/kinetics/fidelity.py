"""Kinetics of the DSD circuit against the abstract CRN.

A DSD gate runs its formal reaction at an *effective* rate set by its toeholds
and fuel concentrations, not at the requested one.  This module

1. derives each formal reaction's effective rate constant from Peppercorn's
   condensed rates and the fuel concentrations (:func:`effective_rates`);
2. simulates the formal CRN at those rates and the full implementation CRN
   (every condensed reaction, fuels as finite species);
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
r's effective rate constant (/nM^(n-1)/s).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dsdcrn.enumerate.peppercorn import Enumerated
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


@dataclass
class Fidelity:
    """Result of the kinetic comparison; errors per formal species."""

    rates: list[EffectiveRate]
    time_unit_s: float
    t_end_s: float
    metrics: dict[str, dict[str, float]]
    plot: str | None = None
    notes: list[str] = field(default_factory=list)
    reference: Trajectory | None = field(default=None, repr=False)
    implementation: Trajectory | None = field(default=None, repr=False)

    @property
    def max_rel_error(self) -> float:
        vals = [m["max_rel_error"] for m in self.metrics.values()]
        vals = [v for v in vals if np.isfinite(v)]
        return max(vals) if vals else float("nan")

    def to_json_dict(self) -> dict:
        return {
            "time_unit_s": self.time_unit_s,
            "t_end_s": self.t_end_s,
            "max_rel_error": self.max_rel_error,
            "metrics": self.metrics,
            "effective_rates": [r.__dict__ for r in self.rates],
            "plot": self.plot,
            "notes": self.notes,
        }


def _stationary(reps: list[str], edges: dict[tuple[str, str], float]) -> dict[str, float]:
    """Stationary distribution of the chain on ``reps`` (closed classes weighted equally)."""
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
    reps: dict[str, list[str]] = {}
    for name, image in interpretation.items():
        if len(image) == 1 and name not in fuel:
            reps.setdefault(image[0], []).append(name)
    rep_of = {s: x for x, names in reps.items() for s in names}

    def image(names) -> tuple[str, ...]:
        return tuple(sorted(f for n in names if n not in fuel for f in interpretation.get(n, [])))

    def fuel_factor(r: Reaction) -> float:
        return float(np.prod([fuel[n] for n in r.reactants if n in fuel]))

    edges: dict[str, dict[tuple[str, str], float]] = {x: {} for x in reps}
    for r in enumerated.reactions:
        movers = [n for n in r.reactants if n not in fuel]
        if len(movers) != 1 or movers[0] not in rep_of:
            continue
        x = rep_of[movers[0]]
        targets = [n for n in r.products if rep_of.get(n) == x]
        if image(r.products) == (x,) and len(targets) == 1 and targets[0] != movers[0]:
            key = (movers[0], targets[0])
            edges[x][key] = edges[x].get(key, 0.0) + r.rate * fuel_factor(r)
    pi = {}
    for x, names in reps.items():
        pi.update(_stationary(sorted(names), edges[x]))

    out = []
    for i, f in enumerate(formal.reactions, start=1):
        k_eff, paths = 0.0, 0
        for r in enumerated.reactions:
            movers = [n for n in r.reactants if n not in fuel]
            if not all(n in rep_of for n in movers):
                continue
            if image(movers) == f.reactants and image(r.products) == f.products:
                k_eff += r.rate * fuel_factor(r) * float(np.prod([pi[n] for n in movers]))
                paths += 1
        requested = f.rate / unit_nM ** max(len(f.reactants) - 1, 0)  # /nM^(n-1)/s
        out.append(
            EffectiveRate(i, str(f).rsplit(" [", 1)[0], len(f.reactants), requested, k_eff, paths)
        )
    return out


def simulate_fidelity(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: dict[str, list[str]],
    unit_nM: float = UNIT_NM,
    duration: float = DURATION,
    plot: str | Path | None = None,
    max_seconds: float = 300.0,
) -> Fidelity:
    """Simulate formal CRN (at the effective rates) and DSD implementation; compare them.

    Parameters
    ----------
    unit_nM : formal-unit concentration, nM (converts requested formal rates).
    duration : run length in formal time units; one unit is 1 / (k u) s for the
        median effective bimolecular rate constant k (/nM/s) and u = ``unit_nM``, or
        1 / k for the median unimolecular one (/s) when there is no bimolecular reaction.
    plot : PNG path for the trajectories, or None.
    """
    rates = effective_rates(formal, enumerated, interpretation, unit_nM)
    notes = []
    missing = [r for r in rates if r.effective <= 0]
    for r in missing:
        notes.append(f"reaction {r.index} ({r.reaction}) has no effective rate: no path found")
    bi = [r.effective for r in rates if r.order == 2 and r.effective > 0]
    uni = [r.effective for r in rates if r.order == 1 and r.effective > 0]
    time_unit = 1.0 / (float(np.median(bi)) * unit_nM) if bi else 1.0 / float(np.median(uni))
    t_end = duration * time_unit
    eff = [
        Reaction(f.reactants, f.products, r.effective)
        for f, r in zip(formal.reactions, rates, strict=True)
    ]
    ref = simulate(eff, formal.initial, t_end, constant=formal.constant, max_seconds=max_seconds)
    initial = {
        s.name: s.concentration_nM for s in enumerated.species.values() if s.concentration_nM
    }
    impl = simulate(enumerated.reactions, initial, t_end, max_seconds=max_seconds)
    mapping = {n: dict(Counter(v)) for n, v in interpretation.items() if v}
    proj = impl.project(mapping, ref.species)
    metrics = compare(ref, proj)
    result = Fidelity(rates, time_unit, t_end, metrics, None, notes, ref, proj)
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
        reference_label="formal CRN (effective rates)",
        other_label="DSD implementation",
    )
    result.plot = Path(path).name


__all__ = ["EffectiveRate", "Fidelity", "effective_rates", "simulate_fidelity", "write_plot"]
