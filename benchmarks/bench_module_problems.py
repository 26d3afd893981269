"""The main-process bookkeeping of modular verification: building every module's
verification problem (:func:`dsdcrn.verify.modular.module_problems`).

Each module's interpretation used to be filtered from the whole circuit's (quadratic:
62 of 69 s of verification at d = 64 with training, issue 17); it is now looked up
from the module's own species.  The old filter runs in the same process as the
baseline, on the same modules, and both must give the same problems.

    python benchmarks/bench_module_problems.py [--dim 32] [--copies]
"""

from __future__ import annotations

import argparse
import time

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.modular import enumerate_modular
from dsdcrn.model.crn import drop_species, parse_crn
from dsdcrn.neural import build
from dsdcrn.verify import modular as vm


def old_interpretations(modular, copies: bool) -> list[dict]:
    """The former per-module filter over the whole circuit's interpretation."""
    enum = modular.enumerated
    inter_all = vm._full_interpretation(enum)
    fuels = {s.name for s in enum.by_role("fuel")}
    out = []
    for rx in modular.module_reactions if copies else modular.core_reactions:
        icrn = drop_species(((r.reactants, r.products) for r in rx), fuels)
        names = {x for r in icrn for x in r[0] + r[1]}
        out.append({k: v for k, v in inter_all.items() if k in names})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--copies", action="store_true", help="modules with history copies")
    args = ap.parse_args()
    net = build("nagipogu-reif", dim=args.dim, gradient="first-order")
    crn = parse_crn(net.to_text(), name=f"nagipogu_reif_d{args.dim}")
    t0 = time.perf_counter()
    mod = enumerate_modular(compile_crn(crn, "soloveichik2010"), copies=args.copies)
    print(f"d = {args.dim}: {len(crn.reactions)} formal reactions, "
          f"{len(mod.enumerated.species)} species, modular enumeration "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    mod_formal = [[crn.reactions[i - 1] for i in m.index] for m in mod.modules]
    t0 = time.perf_counter()
    new = vm.module_problems(mod, mod_formal, args.copies)
    t_new = time.perf_counter() - t0
    t0 = time.perf_counter()
    old = old_interpretations(mod, args.copies)
    t_old = time.perf_counter() - t0
    assert [p[2] for p in new] == old and all(
        list(p[2]) == list(o) for p, o in zip(new, old, strict=True)
    ), "the problems differ"
    print(f"module problems: {t_new:.2f} s (the old interpretation filter alone: "
          f"{t_old:.2f} s; ratio {t_old / max(t_new, 1e-9):.1f}x); same problems")  # fmt: skip


if __name__ == "__main__":
    main()
