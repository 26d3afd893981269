"""What rate realisation and the sequence-level kinetics cost on the default neuron.

Prints the seconds of the toehold plan (its one-gate calibrations), the knob settling,
the sequence-derived rates (the detailed network condensed again; the old way, a second
enumeration, beside it) and the kinetics simulations, next
to the enumeration and verification they add to (the baseline, run in the same process),
and the realised neuron's simulation time (target: under 2 s).

    python benchmarks/bench_realise.py
"""

from __future__ import annotations

import time

from dsdcrn.circuits import nagipogu_reif_neuron
from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.kinetics import realise
from dsdcrn.kinetics.fidelity import simulate_fidelity
from dsdcrn.kinetics.sequence_rates import sequence_rates
from dsdcrn.pipeline import design_best
from dsdcrn.verify.whole import verify


def timed(func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    crn = nagipogu_reif_neuron()
    first = realise.order_reactants(crn)
    plan, t_plan = timed(realise.plan_toeholds, crn, "soloveichik2010", 10.0, None, first)
    system = compile_crn(crn, "soloveichik2010", domain_nt=plan, first=first)
    e, t_enum = timed(enumerate_system, system, keep_detailed=True)  # as build does
    v, t_verify = timed(verify, crn, e)
    inter = v.full_interpretation
    r, t_realise = timed(realise.realise_rates, crn, e, inter, 10.0, None, plan)
    er = r.apply(e)
    f, t_sim = timed(simulate_fidelity, crn, er, inter, 10.0, 1.0, time_unit_s=r.tau_s)
    best, t_design = timed(design_best, r.apply_system(system))
    _, t_seq = timed(sequence_rates, er, best.winner.design)
    _, t_again = timed(sequence_rates, enumerate_system(system), best.winner.design)
    base = t_enum + t_verify + t_design
    print(f"toehold plan {t_plan:.2f} s (first call: one-gate calibrations), plan {plan}")
    print(f"knob settling {t_realise:.2f} s, tau {r.tau_s:.1f} s, rate error {r.max_error:.2%}")
    print(
        f"sequence-derived rates {t_seq:.2f} s (condensing the kept detailed network again; "
        f"enumerating again instead: {t_again:.2f} s)"
    )
    print(f"simulation of the realised neuron {t_sim:.2f} s (target < 2 s)")
    print(
        f"baseline: enumeration {t_enum:.1f} s + verification {t_verify:.1f} s + "
        f"design {t_design:.1f} s = {base:.1f} s"
    )
    added = t_plan + t_realise + t_seq
    print(f"realisation and sequence rates add {added:.1f} s = {added / base:.1%} of the baseline")
    print(f"fidelity at the requested rates: {f.max_rel_error:.1%}")


if __name__ == "__main__":
    main()
