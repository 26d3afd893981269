"""Modular compilation, enumeration and verification against circuit size.

For the Nagipogu-Reif circuit (feedforward plus first-order training, diagonal θ;
``dsdcrn.neural.build("nagipogu-reif", dim=d, gradient="first-order")``) at each input
dimension d: formal reactions, compile / enumerate / verify seconds with the shape
cache, and the implementation's size.  Then, in the same process:

* the ratio of modular (cached) to whole-system time for the feedforward neuron at
  d = 1 and 2 (whole-system enumeration of the training circuit exceeds Peppercorn's
  bounds, as it does for Nuskell; it is tried with ``--whole-timeout`` and reported);
* the ratio of modular cached to modular uncached time at d = 8;
* peak resident memory of this process and its workers (MB).

Modules are enumerated without the history variants' renamed copies (``copies=False``:
what modular verification checks; the copies multiply with variants x consumers and
are only needed to list the full implementation CRN); the whole-system comparison
uses ``copies=True`` so that both produce the same implementation CRN.

    python benchmarks/bench_modular.py [--dims 1,2,4,8,16,64] [--scheme soloveichik2010]
"""

from __future__ import annotations

import argparse
import resource
import time

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.modular import enumerate_modular
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.crn import parse_crn
from dsdcrn.neural import build
from dsdcrn.options import EnumerationOptions
from dsdcrn.verify.modular import verify_modular
from dsdcrn.verify.whole import verify


def circuit(d: int, training: bool = True):
    net = build("nagipogu-reif", dim=d, gradient="first-order" if training else None)
    return parse_crn(net.to_text(), name=f"nagipogu_reif_d{d}")


def modular_run(crn, scheme: str, jobs: int, cache: bool = True, copies: bool = False) -> dict:
    t0 = time.perf_counter()
    system = compile_crn(crn, scheme)
    t1 = time.perf_counter()
    mod = enumerate_modular(
        system, EnumerationOptions(timeout_s=3600), jobs=jobs, cache=cache, copies=copies
    )
    t2 = time.perf_counter()
    verdicts = verify_modular(crn, mod, jobs=jobs, timeout_s=3600, cache=cache)
    t3 = time.perf_counter()
    return {
        "reactions": len(crn.reactions),
        "compile": t1 - t0,
        "enumerate": t2 - t1,
        "verify": t3 - t2,
        "total": t3 - t0,
        "correct": all(v.verdict is True for v in verdicts),
        "distinct": sum(not v.cached for v in verdicts),
        "shapes": mod.shapes,
        "species": len(mod.enumerated.species),
        "impl_reactions": len(mod.enumerated.reactions),
    }


def whole_run(crn, scheme: str, timeout: float) -> float | None:
    t0 = time.perf_counter()
    system = compile_crn(crn, scheme)
    opts = EnumerationOptions(max_complex_count=100000, max_reaction_count=500000)
    opts.timeout_s = timeout
    try:
        enumerated = enumerate_system(system, opts)
    except EnumerationLimitError:
        return None
    verify(crn, enumerated, ("crn-bisimulation",), timeout)
    return time.perf_counter() - t0


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dims", default="1,2,4,8,16,64")
    ap.add_argument("--scheme", default="soloveichik2010")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--whole-timeout", type=float, default=300.0, help="s")
    args = ap.parse_args()
    dims = [int(x) for x in args.dims.split(",")]

    print(
        f"Nagipogu-Reif circuit (feedforward + first-order training), {args.scheme}, "
        f"{args.jobs} processes, shape cache on"
    )
    head = (
        f"{'d':>3} {'formal rxns':>11} {'compile s':>9} {'enumerate s':>11} {'verify s':>8} "
        f"{'total s':>8} {'s/rxn':>6} {'shapes':>6} {'checks':>6} {'species':>8} "
        f"{'impl rxns':>9} {'correct':>7}"
    )
    print(head)
    for d in dims:
        r = modular_run(circuit(d), args.scheme, args.jobs)
        print(
            f"{d:>3} {r['reactions']:>11} {r['compile']:>9.2f} {r['enumerate']:>11.2f} "
            f"{r['verify']:>8.2f} {r['total']:>8.2f} {r['total'] / r['reactions']:>6.3f} "
            f"{r['shapes']:>6} {r['distinct']:>6} {r['species']:>8} {r['impl_reactions']:>9} "
            f"{str(r['correct']):>7}",
            flush=True,
        )
    print(f"peak memory (this process or one worker): {peak_mb():.0f} MB")

    print("\nmodular (cached) against whole-system, enumerate + CRN bisimulation:")
    for d in (1, 2):
        for training in (False, True):
            crn = circuit(d, training)
            label = f"d = {d} {'with training' if training else 'feedforward'}"
            m = modular_run(crn, args.scheme, args.jobs, copies=True)["total"]
            w = whole_run(crn, args.scheme, args.whole_timeout)
            if w is None:
                print(
                    f"  {label}: modular {m:.1f} s; whole-system hit its bounds "
                    f"(> {args.whole_timeout:g} s or 100,000 complexes): ratio > "
                    f"{args.whole_timeout / m:.1f}x"
                )
            else:
                print(f"  {label}: modular {m:.1f} s, whole-system {w:.1f} s: {w / m:.1f}x")
    crn = circuit(8)
    cached = modular_run(crn, args.scheme, args.jobs)["total"]
    uncached = modular_run(crn, args.scheme, args.jobs, cache=False)["total"]
    print(f"\nd = 8: cached {cached:.1f} s, uncached {uncached:.1f} s: {uncached / cached:.1f}x")


if __name__ == "__main__":
    main()
