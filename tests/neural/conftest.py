"""Shared helpers of the neural-CRN tests: mass-action drift of a reaction set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

import pytest

from dsdcrn.neural.network import ReactionSet

Drift = Callable[[ReactionSet, Mapping[str, float], str], float]


def _species_drift(rs: ReactionSet, conc: Mapping[str, float]) -> dict[str, float]:
    """d[species]/dt under mass action (formal units) at concentrations ``conc``."""
    out: Counter[str] = Counter()
    for r in rs.reactions:
        flux = r.rate
        for s, n in Counter(r.reactants).items():
            flux *= conc.get(s, 0.0) ** n
        for s in r.reactants:
            out[s] -= flux
        for s in r.products:
            out[s] += flux
    return dict(out)


@pytest.fixture
def drift() -> Drift:
    """``drift(rs, conc, name)``: d/dt of ``name`` under mass action at ``conc``.

    ``name`` is a species, or a signed value whose rails ``<name>p``/``<name>m`` give
    d(p − m)/dt.
    """

    def value_drift(rs: ReactionSet, conc: Mapping[str, float], name: str) -> float:
        d = _species_drift(rs, conc)
        if name in d or not (f"{name}p" in d or f"{name}m" in d):
            return d.get(name, 0.0)
        return d.get(f"{name}p", 0.0) - d.get(f"{name}m", 0.0)

    return value_drift
