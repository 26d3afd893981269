"""What a lab orders and anneals: order sheet with plate layout, FASTA, structures.

The order sheet lists every distinct strand once, 5'->3', with its length, synthesis
scale (25 nmol up to :data:`SCALE_BREAK_NT` nt, else 100 nmol) and purification (PAGE for
strands of multi-stranded complexes, which must anneal cleanly, and for strands over
:data:`PAGE_ABOVE_NT` nt; desalting otherwise), and a well in 96-well plates filled
column by column (A1, B1, ... H1, A2, ...; plate 2 after H12), and any end label
(a reporter's fluorophore or quencher).
"""

from __future__ import annotations

import csv
import io

from dsdcrn.design.sequences import target_structures
from dsdcrn.model.design import DesignProblem, SequenceDesign

__all__ = [
    "ORDER_HEADER",
    "PAGE_ABOVE_NT",
    "SCALE_BREAK_NT",
    "complexes_text",
    "fasta",
    "order_csv",
    "order_rows",
    "plate_well",
]

SCALE_BREAK_NT = 60
PAGE_ABOVE_NT = 50
ORDER_HEADER = [
    "name",
    "sequence",
    "length",
    "scale",
    "purification",
    "plate",
    "well",
    "modification",
]


def plate_well(i: int) -> tuple[int, str]:
    """(plate number from 1, well) of the ``i``-th strand (0-based), column by column."""
    plate, k = divmod(i, 96)
    col, row = divmod(k, 8)
    return plate + 1, f"{'ABCDEFGH'[row]}{col + 1}"


def order_rows(problem: DesignProblem, design: SequenceDesign) -> list[list[str | int]]:
    """Order-sheet rows (:data:`ORDER_HEADER`), strands in the problem's order."""
    in_gates = {s for cs, _ in problem.complexes.values() if len(cs) > 1 for s in cs}
    rows: list[list[str | int]] = []
    for i, name in enumerate(problem.strands):
        seq = design.strands[name]
        n = len(seq)
        scale = "25 nmol" if n <= SCALE_BREAK_NT else "100 nmol"
        purification = "PAGE" if name in in_gates or n > PAGE_ABOVE_NT else "desalting"
        plate, well = plate_well(i)
        mod = problem.modifications.get(name, "")
        rows.append([name, seq, n, scale, purification, f"plate {plate}", well, mod])
    return rows


def order_csv(problem: DesignProblem, design: SequenceDesign) -> str:
    """The order sheet as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ORDER_HEADER)
    w.writerows(order_rows(problem, design))
    return buf.getvalue()


def fasta(design: SequenceDesign, names: list[str] | None = None) -> str:
    """FASTA of the strands (5'->3'), in ``names`` order (default: the design's)."""
    return "".join(f">{n}\n{design.strands[n]}\n" for n in names or design.strands)


def complexes_text(
    problem: DesignProblem,
    design: SequenceDesign,
    roles: dict[str, str] | None = None,
) -> str:
    """Every intended complex: strands, sequence and target dot-bracket (``+`` breaks).

    ``roles`` optionally labels complexes (e.g. signal, fuel).  Three lines a complex::

        # NAME (role, 1000 nM): strand1 + strand2
        ACGT...+TTGA...
        ((((...+))))...
    """
    targets = target_structures(problem.domains, problem.strands, problem.complexes)
    lines = [
        "# Intended complexes: name (role, concentration): strands 5'->3'; then the",
        "# sequence and the target secondary structure, '+' between strands.",
        "",
    ]
    for name, (cs, _) in problem.complexes.items():
        tags = [t for t in ((roles or {}).get(name),) if t]
        conc = problem.concentrations_nM.get(name, 0.0)
        tags.append(f"{conc:g} nM")
        lines.append(f"# {name} ({', '.join(tags)}): {' + '.join(cs)}")
        lines.append("+".join(design.strands[s] for s in cs))
        lines.append(targets[name].replace("&", "+"))
        lines.append("")
    return "\n".join(lines)
