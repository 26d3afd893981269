"""Time each stage of ``dsdcrn build`` on the default circuit.

Prints seconds per stage, Peppercorn's complex and reaction counts, and, as a
baseline run in the same process, whole-system enumeration with remote toehold
binding allowed (Peppercorn's default) against dsdcrn's default of rejecting it.

    python benchmarks/bench_build.py [--baseline-timeout 120]
"""

from __future__ import annotations

import argparse
import time

from dsdcrn.circuits import nagipogu_reif_neuron
from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.options import BuildOptions, EnumerationOptions
from dsdcrn.pipeline import build


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-timeout", type=float, default=120.0, help="s")
    args = ap.parse_args()
    crn = nagipogu_reif_neuron()
    t0 = time.perf_counter()
    b = build(crn, BuildOptions(), progress=False)
    total = time.perf_counter() - t0
    print(f"default circuit: {len(crn.reactions)} formal reactions, scheme soloveichik2010")
    for stage, s in b.seconds.items():
        print(f"  {stage:10s} {s:8.2f} s")
    print(f"  {'total':10s} {total:8.2f} s")
    e = b.enumerated
    print(
        f"enumeration: {e.counts['resting']} resting + {e.counts['transient']} transient "
        f"complexes, {e.counts['detailed_reactions']} detailed -> {len(e.reactions)} condensed"
    )
    for r in b.verification.results:
        print(f"verify {r.method}: {r.verdict} in {r.seconds:.2f} s")

    system = compile_crn(crn, "soloveichik2010")
    t0 = time.perf_counter()
    enumerate_system(system, EnumerationOptions(reject_remote=True))
    fast = time.perf_counter() - t0
    opts = EnumerationOptions(
        reject_remote=False,
        timeout_s=args.baseline_timeout,
        max_complex_count=20000,
        max_reaction_count=200000,
    )
    t0 = time.perf_counter()
    try:
        base = enumerate_system(system, opts)
        slow = time.perf_counter() - t0
        print(
            f"baseline (remote binding allowed): {slow:.2f} s, {base.counts['resting']} resting "
            f"+ {base.counts['transient']} transient complexes; ratio {slow / fast:.1f}x"
        )
    except EnumerationLimitError as err:
        print(
            f"baseline (remote binding allowed): stopped ({err}); ratio > "
            f"{(time.perf_counter() - t0) / fast:.1f}x"
        )
    print(f"enumeration with remote binding rejected: {fast:.2f} s")


if __name__ == "__main__":
    main()
