"""A neural CRN's DSD circuit at the rates its designed sequences deliver.

Domain-level rates (Peppercorn's, length only) give every toehold of one length one
energy, so every gate of one shape one rate.  Real toeholds differ: their in-context
duplex energies spread by a kcal/mol or more, and a toehold's opening rate goes with
exp(ΔG/RT).  :func:`sequence_circuit` asks the seeds' noise-robustness question
(Kang & Kim) of real sequences:

1. design sequences for the compiled circuit, seeded
   (:func:`dsdcrn.design.sequences.design_sequences`, :data:`SEQUENCE_DESIGN`);
2. take every toehold's in-context energy over the contexts the enumeration exposes
   it in (:func:`dsdcrn.kinetics.sequence_rates.toehold_energies`);
3. condense every module again with those energies
   (:func:`dsdcrn.kinetics.sequence_rates.sequence_rates`, module by module): the same
   species and reactions, other rate constants;
4. keep the realised concentrations (the lab mixes the gates at the concentrations
   realisation chose for the domain-level rates, and the sequences then deliver
   theirs), or, given realisation options, realise the rates again on the sequences'
   own rate constants (a lab that knows its sequences' rates sets its concentrations
   by them; ``train --rates sequence-realised``).

Energies in kcal/mol (negative = binding), °C, concentrations in nM, rate constants in
/nM/s and /s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dsdcrn.options import DesignOptions, RealiseOptions

__all__ = [
    "SEQUENCE_DESIGN",
    "SequenceRates",
    "realised_again",
    "sequence_circuit",
    "summary_text",
]

#: Design settings of ``train --rates sequence``: the designer's own (what ``dsdcrn
#: design`` would order) without the ensemble-defect refinement, which changes long
#: domains, not toeholds: the toeholds and the flanking bases their energies are
#: pinned with are fixed before it (measured on two small circuits, two seeds each: it
#: moved at most 2 of 12 toeholds' in-context energies, by at most 0.23 kcal/mol, at
#: 1.2-1.8x the time).  A circuit that needs more toeholds of one length than
#: stickydesign supplies (Kang-Kim 2-2-1: 180 of 6 nt, 57 found) shares them
#: (:mod:`dsdcrn.design.toehold_sharing`); smaller circuits are designed as before.
SEQUENCE_DESIGN = DesignOptions(defect_steps=0, share_toeholds=True)


@dataclass
class SequenceRates:
    """How one sequence design moved the circuit's rates.

    ``toehold_dG`` (kcal/mol) per toehold and ``shift`` (kcal/mol), its difference from
    Peppercorn's length-only energy of its length; ``ratio`` per condensed reaction, its
    sequence-derived rate constant over the domain-level one; ``seconds`` of design,
    condensing again and realising again; ``realised``: whether the concentrations were
    realised again for the sequences' rates; ``sequences``: distinct toehold sequences
    (fewer than the toeholds when they are shared, :mod:`dsdcrn.design.toehold_sharing`).
    """

    design_seed: int
    toehold_dG: dict[str, float]
    shift: dict[str, float]
    ratio: list[float]
    seconds: dict[str, float]
    realised: bool = False
    sequences: int | None = None

    def summary(self) -> dict[str, Any]:
        """Range of the toehold energies, spread of their shifts from the length-only
        energies (kcal/mol) and quantiles of the rate ratios."""
        g = np.array(list(self.toehold_dG.values()))
        d = np.array(list(self.shift.values()))
        r = np.array(self.ratio)
        q = np.quantile(r, [0.0, 0.05, 0.5, 0.95, 1.0])
        return {
            "design_seed": self.design_seed,
            "toeholds": len(g),
            "toehold_sequences": self.sequences or len(g),
            "toehold_dG_min": round(float(g.min()), 3),
            "toehold_dG_max": round(float(g.max()), 3),
            "shift_from_length_only_min": round(float(d.min()), 3),
            "shift_from_length_only_max": round(float(d.max()), 3),
            "shift_from_length_only_sd": round(float(d.std()), 3),
            "rate_ratio_quantiles_0_5_50_95_100": [round(float(x), 4) for x in q],
            "reactions": len(r),
            "reactions_changed_over_10pct": int(np.sum(np.abs(np.log(r)) > np.log(1.1))),
            "realised_for_these_rates": self.realised,
            "seconds": self.seconds,
        }

    def text(self) -> str:
        return summary_text(self.summary())


def summary_text(s: dict[str, Any]) -> str:
    """One line of :meth:`SequenceRates.summary` for people."""
    q = s["rate_ratio_quantiles_0_5_50_95_100"]
    again = s["realised_for_these_rates"]
    how = "realised again for these rates" if again else "as realised for domain-level rates"
    n = s.get("toehold_sequences", s["toeholds"])
    shared = f" on {n} sequences" if n < s["toeholds"] else ""
    return (
        f"sequence design {s['design_seed']}: {s['toeholds']} toeholds{shared}, "
        f"in-context ΔG "
        f"{s['toehold_dG_min']:.2f} to {s['toehold_dG_max']:.2f} kcal/mol, "
        f"{s['shift_from_length_only_min']:+.2f} to {s['shift_from_length_only_max']:+.2f} "
        f"from the length-only energies (sd {s['shift_from_length_only_sd']:.2f}); rate "
        f"constants x{q[1]:.2f} to x{q[3]:.2f} (5-95%, extremes x{q[0]:.3g} and "
        f"x{q[4]:.3g}), {s['reactions_changed_over_10pct']} of {s['reactions']} reactions "
        f"moved by more than 10%; concentrations {how}"
    )


def sequence_circuit(
    compiled: Any,
    design_seed: int = 0,
    options: DesignOptions | None = None,
    jobs: int = 2,
    realise: RealiseOptions | None = None,
) -> tuple[Any, SequenceRates]:
    """``compiled`` (a :class:`dsdcrn.neural.dsd.CompiledNetwork`) at the rates of a
    sequence design of its system (seed ``design_seed``, ``options``, default
    :data:`SEQUENCE_DESIGN`), with its realised concentrations, or with ``realise``
    (realisation bounds) realised again for those rates; and how the rates moved.

    Raises :class:`dsdcrn.errors.DesignError` (one line) when the design's constraints
    are infeasible for this circuit, :class:`dsdcrn.errors.RealisationError` when the
    sequences' rates cannot be realised within ``realise``.
    """
    from dsdcrn.design.sequences import design_sequences
    from dsdcrn.kinetics.sequence_rates import (
        peppercorn_helix_dG,
        sequence_rates,
        toehold_energies,
    )
    from dsdcrn.neural.dsd import circuit_checks
    from dsdcrn.pipeline import design_inputs

    t0 = time.perf_counter()
    domains, strands, complexes = design_inputs(compiled.system)
    o = options or SEQUENCE_DESIGN
    design = design_sequences(domains, strands, complexes, design_seed, o, checks=False)
    e = compiled.enumerated
    dG = toehold_energies(design, e)
    t1 = time.perf_counter()
    reactions = sequence_rates(e, design, toehold_dG=dG, checks=circuit_checks(jobs))
    t2 = time.perf_counter()
    ratio = [new.rate / old.rate for new, old in zip(reactions, e.reactions, strict=True)]
    out = replace(compiled, enumerated=replace(e, reactions=reactions))
    seconds = {"design": round(t1 - t0, 1), "condense": round(t2 - t1, 1)}
    shift = {t: g - peppercorn_helix_dG(compiled.system.domains[t].length) for t, g in dG.items()}
    distinct = len({design.domains[t] for t in dG})
    rates = SequenceRates(design_seed, dG, shift, ratio, seconds, sequences=distinct)
    if realise is not None:
        return realised_again(out, rates, realise)
    return out, rates


def realised_again(
    circuit: Any, rates: SequenceRates, options: RealiseOptions
) -> tuple[Any, SequenceRates]:
    """A :func:`sequence_circuit` result (``circuit``, ``rates``) with every phase
    realised again, within ``options``, on its own rate constants (copies; the toehold
    plan stays).  Raises :class:`dsdcrn.errors.RealisationError` when they cannot be."""
    from dsdcrn.neural.dsd import realise_phases

    t0 = time.perf_counter()
    plan = {t: n for r in circuit.realisations.values() for t, n in r.toeholds_nt.items()}
    out = replace(circuit, realisations={})
    realise_phases(out, circuit.enumerated, options, plan)
    seconds = rates.seconds | {"realise": round(time.perf_counter() - t0, 1)}
    return out, replace(rates, seconds=seconds, realised=True)
