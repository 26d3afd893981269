"""Neural circuits with training, compiled, enumerated and verified modularly: time,
time per formal reaction and peak memory of the whole process tree.

Each circuit goes the way ``dsdcrn verify CRN --modular`` takes it
(:func:`dsdcrn.stages.enumerate_and_verify` with every verification method, each
checked module by module, and no history-variant copies): Nagipogu-Reif with
first-order training at each dimension d, then Kang-Kim networks (2-2-1, 4-5-3 Iris,
64-20-10 digits).  Memory is sampled every 0.1 s over this process and its workers:
the sum of their proportional set sizes (PSS: a page shared by n processes counts 1/n,
so forked workers are not counted n times) and, as an upper bound, of their resident
set sizes.  The issue 17 targets are printed beside the figures.

    python benchmarks/bench_scale.py [--dims 8,64] [--kang-kim 2-2-1,4-5-3,64-20-10]
                                     [--scheme soloveichik2010] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

from dsdcrn.compile.translate import compile_crn
from dsdcrn.model.crn import parse_crn
from dsdcrn.neural import build
from dsdcrn.options import METHODS, CheckOptions, EnumerationOptions
from dsdcrn.stages import enumerate_and_verify

TARGETS = {  # issue 17: (s, MB of the whole process tree)
    "nagipogu-reif d=64": (30.0, 1024.0),
    "kang-kim 4-5-3": (30.0, None),
    "kang-kim 64-20-10": (300.0, 2048.0),
}


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append(int(entry.name))
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(_children(p))
    return seen


def _memory_mb(pids: list[int]) -> tuple[float, float]:
    """(sum of PSS, sum of RSS) in MB over ``pids``."""
    pss = rss = 0
    for p in pids:
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                pss += int(line.split()[1])
            elif line.startswith("Rss:"):
                rss += int(line.split()[1])
    return pss / 1024, rss / 1024


class TreeMemory:
    """Peak memory of this process and its descendants, sampled every ``every`` s."""

    def __init__(self, every: float = 0.1) -> None:
        self.every, self.peak_pss, self.peak_rss = every, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pss, rss = _memory_mb(_tree(os.getpid()))
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run(label: str, text: str, scheme: str, jobs: int) -> dict:
    crn = parse_crn(text, name=label.replace(" ", "_").replace("=", ""))
    opts = CheckOptions(
        enumeration=EnumerationOptions(timeout_s=3600),
        methods=METHODS,
        timeout_s=3600,
        modular=True,
        jobs=jobs,
    )
    with TreeMemory() as mem:
        t0 = time.perf_counter()
        system = compile_crn(crn, scheme)
        t1 = time.perf_counter()
        checked = enumerate_and_verify(crn, system, opts)
        t2 = time.perf_counter()
    verdicts = {r.method: r.verdict for r in checked.verification.results}
    return {
        "label": label,
        "reactions": len(crn.reactions),
        "compile": t1 - t0,
        "check": t2 - t1,
        "total": t2 - t0,
        "impl": len(checked.enumerated.reactions),
        "verdicts": verdicts,
        "pss": mem.peak_pss,
        "rss": mem.peak_rss,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dims", default="8,64")
    ap.add_argument("--kang-kim", default="2-2-1,4-5-3,64-20-10")
    ap.add_argument("--scheme", default="soloveichik2010")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    circuits = [
        (f"nagipogu-reif d={d}", build("nagipogu-reif", dim=d, gradient="first-order"))
        for d in (int(x) for x in args.dims.split(",") if x)
    ]
    circuits += [
        (f"kang-kim {layers}", build("kang-kim", layers=tuple(int(n) for n in layers.split("-"))))
        for layers in args.kang_kim.split(",")
        if layers
    ]
    print(
        f"modular compile + enumerate + verify ({', '.join(METHODS)}), {args.scheme}, "
        f"{args.jobs} worker processes"
    )
    print(
        f"{'circuit':<20} {'formal rxns':>11} {'total s':>8} {'ms/rxn':>7} {'impl rxns':>9} "
        f"{'tree PSS MB':>11} {'tree RSS MB':>11}  verdicts; target"
    )
    for label, net in circuits:
        r = run(label, net.to_text(), args.scheme, args.jobs)
        verdicts = "/".join(str(v) for v in r["verdicts"].values())
        target = TARGETS.get(label)
        goal = ""
        if target:
            sec, mb = target
            goal = f"< {sec:g} s" + (f", < {mb:g} MB" if mb else "")
            met = r["total"] < sec and (mb is None or r["pss"] < mb)
            goal += ": met" if met else ": MISSED"
        print(
            f"{label:<20} {r['reactions']:>11} {r['total']:>8.1f} "
            f"{1000 * r['total'] / r['reactions']:>7.1f} {r['impl']:>9} {r['pss']:>11.0f} "
            f"{r['rss']:>11.0f}  {verdicts}; {goal}",
            flush=True,
        )


if __name__ == "__main__":
    main()
