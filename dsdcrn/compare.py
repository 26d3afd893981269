"""Compare translation schemes on one formal CRN: correctness, cost and time.

``compare_schemes(crn, ["soloveichik2010", "srinivas2017"])`` compiles, counts,
enumerates and verifies the CRN with each scheme and returns one
:class:`SchemeRow` per scheme; a scheme that fails at some stage (it cannot build a
reaction, enumeration hits a bound) gets a row that says where and why.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from dsdcrn.compile.counts import count
from dsdcrn.compile.translate import compile_crn
from dsdcrn.errors import DsdcrnError
from dsdcrn.model.crn import CRN
from dsdcrn.options import METHODS, CheckOptions
from dsdcrn.stages import enumerate_checked, verify_checked

__all__ = ["SchemeRow", "compare_schemes", "table", "to_csv"]


@dataclass
class SchemeRow:
    """One scheme's results; times in s; ``verdicts`` per method (None: no answer)."""

    scheme: str
    verdicts: dict[str, bool | None] = field(default_factory=dict)
    strands: int | None = None
    complexes: int | None = None  # resting species of the enumerated system
    nucleotides: int | None = None
    fuels: int | None = None
    reactions: int | None = None  # condensed enumerated reactions
    compile_s: float | None = None
    enumerate_s: float | None = None
    verify_s: float | None = None
    modular: bool = False
    error: str = ""


def compare_schemes(
    crn: CRN,
    schemes: Sequence[str],
    options: CheckOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> list[SchemeRow]:
    """Compile, count, enumerate and verify ``crn`` with each scheme in turn.

    ``options`` (:class:`dsdcrn.stages.CheckOptions`) say how to enumerate and verify;
    with ``options.modular`` CRN bisimulation is the modular check (reported as
    ``crn-bisimulation``) and the other methods run on the combined implementation.
    """
    opts = options or CheckOptions()
    rows = []
    for name in schemes:
        row = SchemeRow(name, modular=opts.modular)
        rows.append(row)
        try:
            t0 = time.perf_counter()
            system = compile_crn(crn, name)
            row.compile_s = time.perf_counter() - t0
            c = count(system)
            row.strands, row.nucleotides, row.fuels = c.strands, c.nucleotides, c.fuel_complexes
            t0 = time.perf_counter()
            enumerated, mod = enumerate_checked(system, opts)
            row.enumerate_s = time.perf_counter() - t0
            row.complexes = len(enumerated.species)
            row.reactions = len(enumerated.reactions)
            t0 = time.perf_counter()
            v, _ = verify_checked(crn, enumerated, mod, opts)
            row.verdicts.update({r.method: r.verdict for r in v.results})
            row.verify_s = time.perf_counter() - t0
        except DsdcrnError as err:
            row.error = str(err)
        if progress:
            progress(_line(row, opts.methods))
    return rows


def _fmt(x, spec: str = "") -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    return format(x, spec)


def _line(row: SchemeRow, methods: Sequence[str]) -> str:
    if row.error:
        return f"{row.scheme}: {row.error}"
    return f"{row.scheme}: " + ", ".join(f"{m} {_fmt(row.verdicts.get(m))}" for m in methods)


def table(rows: list[SchemeRow], methods: Sequence[str] = METHODS) -> str:
    """A fixed-width table, one row per scheme."""
    short = {"crn-bisimulation": "bisim", "pathway-decomposition": "pathway"}
    heads = ["scheme", *(short.get(m, m.split("-")[0]) for m in methods)]
    heads += ["strands", "complexes", "nt", "fuels", "reactions"]
    heads += ["compile s", "enumerate s", "verify s"]
    body = []
    for r in rows:
        if r.error:
            body.append([r.scheme, f"error: {r.error}"])
            continue
        cells = [r.scheme, *(_fmt(r.verdicts.get(m)) for m in methods)]
        cells += [_fmt(v) for v in (r.strands, r.complexes, r.nucleotides, r.fuels, r.reactions)]
        cells += [_fmt(v, ".2f") for v in (r.compile_s, r.enumerate_s, r.verify_s)]
        body.append(cells)
    widths = [max(len(h), *(len(b[i]) for b in body if len(b) > 2)) for i, h in enumerate(heads)]
    out = [
        "  ".join(
            h.rjust(w) if i else h.ljust(w)
            for i, (h, w) in enumerate(zip(heads, widths, strict=True))
        )
    ]
    for b in body:
        if len(b) == 2:
            out.append(f"{b[0].ljust(widths[0])}  {b[1]}")
        else:
            out.append(
                "  ".join(
                    c.rjust(w) if i else c.ljust(w)
                    for i, (c, w) in enumerate(zip(b, widths, strict=True))
                )
            )
    return "\n".join(out)


def to_csv(rows: list[SchemeRow], methods: Sequence[str] = METHODS) -> str:
    """The rows as CSV (one column per method's verdict; times in s)."""
    buf = io.StringIO()
    fields = ["scheme", *methods, "strands", "complexes", "nucleotides", "fuels", "reactions"]
    fields += ["compile_s", "enumerate_s", "verify_s", "modular", "error"]
    w = csv.DictWriter(buf, fieldnames=fields)
    w.writeheader()
    for r in rows:
        d = asdict(r)
        verdicts = d.pop("verdicts")
        d.update({m: verdicts.get(m) for m in methods})
        w.writerow(d)
    return buf.getvalue()
