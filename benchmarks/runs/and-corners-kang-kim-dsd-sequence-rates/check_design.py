"""Check sequence design N of the recorded runs with code the designer does not use.

Compiles the run's circuit (as ``dsdcrn train and-corners --model kang-kim --level dsd``
does; from the cache when it is there), designs its sequences as ``--rates sequence
--design-seed N`` does, then checks, by hand and with ViennaRNA called directly:

- no strand and no intended complex holds two toehold domains of one sequence, and
  fewer distinct toehold sequences than toehold domains are used (they are shared);
- no strand holds GGGG, CCCC, AAAAA or TTTTT (junctions included);
- the designer's in-context energies of the 6-nt toeholds (the toehold's duplex
  stacked on its helix, ViennaRNA's evaluation of a given structure) follow the bare
  toeholds' duplex energies from RNA.duplexfold (another ViennaRNA route, no context):
  correlation above 0.7, and the stacked pair makes them stronger on average.

Usage: python check_design.py [N]  (default 1).  Prints one line a check; exit 1 on a
failed one.
"""

from __future__ import annotations

import re
import sys
from statistics import mean

import RNA

from dsdcrn.design.sequences import design_sequences
from dsdcrn.neural.dsd import KK_DSD, KK_REALISE, KK_UNIT_NM, compile_cached
from dsdcrn.neural.experiment import make_model
from dsdcrn.neural.sequence_level import SEQUENCE_DESIGN
from dsdcrn.neural.tasks import load_task
from dsdcrn.pipeline import design_inputs

COMP = str.maketrans("ACGT", "TGCA")


def rc(s: str) -> str:
    return s.translate(COMP)[::-1]


def main(seed: int) -> int:
    task = load_task("and-corners", seed=0)
    dsd, _ = make_model(task, "kang-kim", seed=0, **KK_DSD)
    compiled, _ = compile_cached(dsd.network_, unit_nM=KK_UNIT_NM, options=KK_REALISE)
    domains, strands, complexes = design_inputs(compiled.system)
    design = design_sequences(domains, strands, complexes, seed, SEQUENCE_DESIGN, checks=False)
    seqs = design.domains
    toeholds = {d.name for d in domains if d.kind == "toehold"}
    failed = 0

    def report(ok: bool, text: str) -> None:
        nonlocal failed
        failed += not ok
        print(("ok   " if ok else "FAIL ") + text)

    groups = [{t.rstrip("*") for t in toks} for toks in strands.values()]
    groups += [{t.rstrip("*") for s in sn for t in strands[s]} for sn, _ in complexes.values()]
    clashes = sum(len({seqs[t] for t in g & toeholds}) < len(g & toeholds) for g in groups)
    distinct = len({seqs[t] for t in toeholds})
    report(clashes == 0, f"{len(groups)} strands and complexes, {clashes} with a repeated toehold")
    report(distinct < len(toeholds), f"{len(toeholds)} toehold domains on {distinct} sequences")
    runs = sum(bool(re.search("GGGG|CCCC|AAAAA|TTTTT", s)) for s in design.strands.values())
    report(runs == 0, f"{len(design.strands)} strands, {runs} with a forbidden run")
    RNA.params_load_DNA_Mathews2004()
    RNA.cvar.temperature = 25.0  # the design's °C (duplexfold reads the global defaults)
    names = sorted(n for n in toeholds if len(seqs[n]) == 6 and n in design.toehold_dG)
    bare = [RNA.duplexfold(seqs[n], rc(seqs[n])).energy for n in names]
    ours = [design.toehold_dG[n] for n in names]
    mb, mo = mean(bare), mean(ours)
    cov = sum((b - mb) * (o - mo) for b, o in zip(bare, ours, strict=True))
    r = cov / (sum((b - mb) ** 2 for b in bare) * sum((o - mo) ** 2 for o in ours)) ** 0.5
    report(
        r > 0.7 and mo < mb,
        f"{len(names)} 6-nt toeholds: bare duplexfold {min(bare):.2f} to {max(bare):.2f} "
        f"kcal/mol (mean {mb:.2f}), the designer's in-context {min(ours):.2f} to "
        f"{max(ours):.2f} (mean {mo:.2f}, one stacked helix pair more); correlation {r:.2f}",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
