"""Plain Python implementation of :func:`dsdcrn.design.kmers.count_spurious`.

Same definition (module doc of :mod:`dsdcrn.design.kmers`), written independently of
the vectorised code: windows are strings in dictionaries; every candidate partner of
every window (exact, and each one-mismatch variant) is looked up and checked against
the labels one pair at a time.  Used to test the vectorised version and as the
benchmark's baseline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from dsdcrn.design.kmers import KMAX, KMIN, SpuriousCounts

__all__ = ["count_spurious_reference"]

NAMES = ("comp_intra", "comp_inter", "ident_intra", "ident_inter")
_COMP = {"A": "T", "C": "G", "G": "C", "T": "A"}

Window = tuple[str, tuple[int, ...], int]  # sequence, labels, strand index


def strand_strings(seq: np.ndarray, labels: Sequence[np.ndarray]) -> list[tuple[str, list[int]]]:
    """(sequence, labels) of each strand: label ``2g`` is base ``g`` of ``seq``, ``2g + 1``
    its complement."""
    seq_list = [int(x) for x in seq]
    out = []
    for lab in labels:
        lab_list = [int(x) for x in lab]
        s = "".join(
            "ACGT"[3 - seq_list[x >> 1]] if x & 1 else "ACGT"[seq_list[x >> 1]] for x in lab_list
        )
        out.append((s, lab_list))
    return out


def variants(target: str, mismatch: bool) -> list[tuple[str, bool]]:
    """``target`` itself, and when ``mismatch`` each string one substitution away."""
    out = [(target, False)]
    if mismatch:
        out += [
            (target[:p] + b + target[p + 1 :], True)
            for p in range(len(target))
            for b in "ACGT"
            if b != target[p]
        ]
    return out


def count_k(wins: list[Window], with_mm: bool) -> dict[str, int]:
    """Spurious pairs among the ``k``-windows ``wins``, per count name."""
    index: dict[str, list[int]] = defaultdict(list)
    for n, (w, _, _) in enumerate(wins):
        index[w].append(n)
    c = dict.fromkeys(NAMES, 0)
    if with_mm:
        c.update({name + "_mm": 0 for name in NAMES})
    for i, (w, lab, si) in enumerate(wins):
        rc = "".join(_COMP[b] for b in reversed(w))
        rlab = tuple(x ^ 1 for x in reversed(lab))
        for kind, target, tlab in (("comp", rc, rlab), ("ident", w, lab)):
            for v, mm in variants(target, with_mm):
                for j in index.get(v, ()):
                    if j < i or (kind == "ident" and j == i):
                        continue
                    jlab = wins[j][1]
                    if jlab[:-1] == tlab[:-1] or jlab[1:] == tlab[1:]:
                        continue  # designed, or one base beyond a designed match
                    scope = "intra" if wins[j][2] == si and j != i else "inter"
                    c[f"{kind}_{scope}" + ("_mm" if mm else "")] += 1
    return c


def count_spurious_reference(
    seq: np.ndarray,
    labels: Sequence[np.ndarray],
    kmin: int = KMIN,
    kmax: int = KMAX,
    mismatch: bool = True,
) -> SpuriousCounts:
    """Plain Python :func:`dsdcrn.design.kmers.count_spurious` (same arguments, result)."""
    out = SpuriousCounts(len(labels), {n: {} for n in NAMES})
    if mismatch:
        out.counts.update({n + "_mm": {} for n in NAMES})
    strands = strand_strings(seq, labels)
    for k in range(kmin, kmax + 1):
        wins = [
            (s[i : i + k], tuple(lab[i : i + k]), si)
            for si, (s, lab) in enumerate(strands)
            for i in range(len(s) - k + 1)
        ]
        if not wins:
            continue
        for name, n in count_k(wins, mismatch and k >= kmin + 2).items():
            out.counts[name][k] = n
    return out
