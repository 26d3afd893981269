"""The kinetics stage: everything the design folder reports about the circuit's behaviour.

One call, :func:`simulate_kinetics`, runs

* the headline fidelity: the implementation CRN (realised concentrations, finite
  fuels) against the formal CRN at its requested rates, one formal time unit lasting
  tau seconds (:func:`dsdcrn.kinetics.fidelity.simulate_fidelity`);
* the same with leaks, for its error and each formal species' leak fraction
  (:mod:`dsdcrn.kinetics.leaks`);
* the fuel budget of the leaky run (:mod:`dsdcrn.kinetics.fuel`);
* with a sequence design, the prediction from the sequences: sequence-derived rate
  constants and toehold-occlusion reactions (:mod:`dsdcrn.kinetics.sequence_rates`),
  simulated at the same tau.

Units: concentrations nM, times s, leak constant /s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.fidelity import Fidelity, simulate_fidelity
from dsdcrn.kinetics.fuel import FuelBudget, fuel_budget
from dsdcrn.kinetics.leaks import DEFAULT_LEAK_PER_S, find_leaks, leak_fraction
from dsdcrn.kinetics.sequence_rates import occlusion_reactions, sequence_rates
from dsdcrn.model.crn import CRN
from dsdcrn.model.design import SequenceDesign
from dsdcrn.options import DURATION, UNIT_NM, CheckOptions


@dataclass
class KineticsOptions:
    """How to simulate: formal unit (nM), run length (formal time units), tau (s per
    formal time unit; None: the best single rescale of the delivered rates), and the
    first-order leak constant of every gate (/s; 0: no leaks)."""

    unit_nM: float = UNIT_NM
    duration: float = DURATION
    time_unit_s: float | None = None
    leak_per_s: float = DEFAULT_LEAK_PER_S
    sequence_seconds: float = 60.0  # wall-time budget of the sequence-level prediction, s


@dataclass
class Kinetics:
    """The kinetics stage's results beyond the headline :class:`Fidelity`."""

    leak_per_s: float
    leaks: int  # leak reactions simulated
    leak_fraction: dict[str, float]  # formal species -> fraction of its final value
    leak_max_rel_error: float  # the headline figure with leaks
    fuel: FuelBudget | None
    sequence: Fidelity | None = None  # prediction from the designed sequences
    occlusions: int = 0  # sequestration reactions in that prediction
    notes: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        seq = self.sequence
        return {
            "leak_per_s": self.leak_per_s,
            "leak_reactions": self.leaks,
            "leak_fraction": self.leak_fraction,
            "max_rel_error_with_leaks": self.leak_max_rel_error,
            "fuel": self.fuel.to_json_dict() if self.fuel else None,
            "sequence_rates": None
            if seq is None
            else {
                "max_rel_error": seq.max_rel_error,
                "metrics": seq.metrics,
                "occlusion_reactions": self.occlusions,
            },
            "notes": self.notes,
        }


def simulate_kinetics(
    formal: CRN,
    enumerated: Enumerated,
    interpretation: dict[str, list[str]],
    options: KineticsOptions | None = None,
    design: SequenceDesign | None = None,
    dimers: Iterable[Mapping[str, Any]] | None = None,
    checks: CheckOptions | None = None,
) -> tuple[Fidelity, Kinetics]:
    """Run the kinetics stage (module doc); ``dimers`` are the design's unintended dimers
    (:meth:`dsdcrn.design.scores.ScoreReport.spurious_dimers`) for the occlusion reactions;
    ``checks`` say how ``enumerated`` was enumerated (module by module or whole), which
    the sequence-level prediction repeats with its rates."""
    o = options or KineticsOptions()
    leaks = find_leaks(enumerated, o.leak_per_s).reactions if o.leak_per_s > 0 else []

    def run(e: Enumerated, extra: list, tau: float | None, **budget) -> Fidelity:
        return simulate_fidelity(
            formal, e, interpretation, o.unit_nM, o.duration, None, time_unit_s=tau,
            extra=extra, **budget,
        )  # fmt: skip

    fid = run(enumerated, [], o.time_unit_s)
    tau = fid.time_unit_s
    leaky = run(enumerated, leaks, tau) if leaks else fid
    outputs = list(fid.reference.species)
    fraction = leak_fraction(leaky.implementation, fid.implementation, outputs) if leaks else {}
    fuel, notes = None, []
    try:
        fuel = fuel_budget(formal, enumerated, interpretation, leaky.raw, tau)
    except DsdcrnError as err:  # the budget needs a pathway per reaction; say why not
        notes.append(f"no fuel budget: {err}")
    kin = Kinetics(o.leak_per_s, len(leaks), fraction, leaky.max_rel_error, fuel, notes=notes)
    if design is not None:
        try:  # a prediction, not the headline: say why it is missing rather than fail
            rates = sequence_rates(enumerated, design, checks=checks)
            seq = dataclasses.replace(enumerated, reactions=rates)
            occl = occlusion_reactions(seq, design, dimers or [])
            kin.occlusions = len(occl)
            kin.sequence = run(seq, occl, tau, max_seconds=o.sequence_seconds)
        except DsdcrnError as err:
            kin.notes.append(f"no sequence-level prediction: {err}")
    return fid, kin


__all__ = ["Kinetics", "KineticsOptions", "simulate_kinetics"]
