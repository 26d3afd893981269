"""The order sheet: synthesis scale, purification and 96-well plate layout.

The rules (``dsdcrn.design.ordering``): 25 nmol up to 60 nt, else 100 nmol; PAGE for strands
of multi-stranded complexes and for strands over 50 nt, desalting otherwise; wells
column by column, A1, B1, ... H1, A2, ... H12, then plate 2.  Expectations here are
computed from those rules, not by calling the functions under test.
"""

from __future__ import annotations

import csv
import io
import random

import pytest

from dsdcrn.design.ordering import (
    ORDER_HEADER,
    PAGE_ABOVE_NT,
    SCALE_BREAK_NT,
    order_csv,
    order_rows,
    plate_well,
)
from dsdcrn.model.design import DesignProblem, DomainSpec, SequenceDesign

SCALE_NT = 60  # 25 nmol up to and including this length
PAGE_NT = 50  # PAGE above this length
N = 203  # strands: two full plates and 11 wells of a third
LENGTHS = [20, 49, 50, 51, 52, 59, 60, 61, 62, 100, 33, 150, 45]


def _synthetic(seed: int = 0) -> tuple[DesignProblem, SequenceDesign, set[str]]:
    """A design of N one-domain strands of LENGTHS (cycled); every third pair is a gate.

    Returns the problem, its design (strands in reverse order, so the sheet's order must
    come from the problem) and the names of the strands in multi-stranded complexes.
    """
    rng = random.Random(seed)
    names = [f"s{i:03d}" for i in range(N)]
    length = {n: LENGTHS[i % len(LENGTHS)] for i, n in enumerate(names)}
    domains = [DomainSpec(f"d{i}", length[n], "long") for i, n in enumerate(names)]
    strands = {n: [f"d{i}"] for i, n in enumerate(names)}
    complexes: dict[str, tuple[list[str], str]] = {}
    gate: set[str] = set()
    i = 0
    while i < N:
        if i % 5 == 0 and i + 1 < N:  # a two-stranded gate
            pair = [names[i], names[i + 1]]
            complexes[f"G{i}"] = (pair, ". + .")
            gate |= set(pair)
            i += 2
        elif i % 7 == 3:  # a three-stranded complex
            trio = names[i : i + 3]
            complexes[f"T{i}"] = (trio, " + ".join("." * len(trio)))
            gate |= set(trio)
            i += len(trio)
        else:
            complexes[names[i]] = ([names[i]], ".")
            i += 1
    # a single-stranded copy of a gate strand stays PAGE: it is also in a gate
    complexes["free_s000"] = ([names[0]], ".")
    seqs = {n: "".join(rng.choice("ACT") for _ in range(length[n])) for n in names}
    design = SequenceDesign(
        domains={f"d{i}": seqs[n] for i, n in enumerate(names)},
        strands={n: seqs[n] for n in reversed(names)},
        toehold_dG={},
        toehold_ends={},
        toehold_dG_range={},
        complex_checks=[],
        strand_checks=[],
        max_shared_kmer_found=0,
        seed=seed,
    )
    problem = DesignProblem(domains, strands, complexes, dict.fromkeys(complexes, 100.0))
    return problem, design, gate


def _expected_well(i: int) -> tuple[str, str]:
    """("plate P", well) of the i-th strand, counted out row letter by row letter."""
    wells = [f"{r}{c}" for c in range(1, 13) for r in "ABCDEFGH"]  # column by column
    return f"plate {i // 96 + 1}", wells[i % 96]


def test_the_documented_thresholds():
    assert (SCALE_BREAK_NT, PAGE_ABOVE_NT) == (SCALE_NT, PAGE_NT)


def test_every_row_follows_the_rules():
    problem, design, gate = _synthetic()
    assert 0 < len(gate) < N  # both kinds of strand are present
    rows = order_rows(problem, design)
    assert [r[0] for r in rows] == list(problem.strands)  # the problem's order, each once
    for i, (name, seq, n, scale, purification, plate, well, mod) in enumerate(rows):
        assert seq == design.strands[name] and n == len(seq) and mod == ""
        assert scale == ("25 nmol" if n <= SCALE_NT else "100 nmol"), (name, n)
        page = name in gate or n > PAGE_NT
        assert purification == ("PAGE" if page else "desalting"), (name, n, name in gate)
        assert (plate, well) == _expected_well(i), i


def test_boundary_lengths():
    problem, design, gate = _synthetic()
    rows = {r[0]: r for r in order_rows(problem, design)}
    free = {n: r for n, r in rows.items() if n not in gate}
    by_len = {n: [r for r in free.values() if r[2] == n][0] for n in (49, 50, 51, 59, 60, 61)}
    assert [by_len[n][3] for n in (59, 60, 61)] == ["25 nmol", "25 nmol", "100 nmol"]
    assert [by_len[n][4] for n in (49, 50, 51)] == ["desalting", "desalting", "PAGE"]
    short_gate = [r for n, r in rows.items() if n in gate and r[2] <= PAGE_NT]
    assert short_gate and all(r[4] == "PAGE" for r in short_gate)
    assert rows["s000"][4] == "PAGE" and rows["s000"][2] == 20  # in G0 and in free_s000


def test_wells_fill_by_column_then_the_next_plate():
    problem, design, _ = _synthetic()
    rows = order_rows(problem, design)
    where = [(r[5], r[6]) for r in rows]
    assert where[:10] == [("plate 1", w) for w in "A1 B1 C1 D1 E1 F1 G1 H1 A2 B2".split()]
    assert where[95] == ("plate 1", "H12")
    assert where[96:98] == [("plate 2", "A1"), ("plate 2", "B1")]
    assert where[191] == ("plate 2", "H12")
    assert where[192:] == [("plate 3", f"{r}{c}") for c in (1, 2) for r in "ABCDEFGH"][:11]
    assert len(set(where)) == N  # no well used twice


@pytest.mark.parametrize(
    "i, expected",
    [(0, (1, "A1")), (7, (1, "H1")), (8, (1, "A2")), (95, (1, "H12")), (96, (2, "A1"))],
)
def test_plate_well(i, expected):
    assert plate_well(i) == expected


def test_order_csv_text():
    problem, design, gate = _synthetic()
    text = order_csv(problem, design)
    assert text.endswith("\n") and "\r" not in text
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ORDER_HEADER
    header = "name,sequence,length,scale,purification,plate,well,modification"
    assert ",".join(table[0]) == header
    assert len(table) == N + 1
    for i, (name, seq, n, scale, purification, plate, well, _) in enumerate(table[1:]):
        length = len(design.strands[name])
        page = name in gate or length > PAGE_NT
        assert [seq, n, scale, purification, (plate, well)] == [
            design.strands[name],
            str(length),
            "25 nmol" if length <= SCALE_NT else "100 nmol",
            "PAGE" if page else "desalting",
            _expected_well(i),
        ]


def test_a_strand_is_ordered_with_its_end_label():
    problem, design, _ = _synthetic()
    problem.modifications = {"s001": "5' FAM", "s002": "3' Iowa Black FQ"}
    rows = {r[0]: r[-1] for r in order_rows(problem, design)}
    assert rows["s001"] == "5' FAM" and rows["s002"] == "3' Iowa Black FQ"
    assert {n for n, m in rows.items() if m} == {"s001", "s002"}
