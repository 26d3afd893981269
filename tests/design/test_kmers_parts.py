"""Pieces of the k-mer scoring: window prefixes, weights, and the oracle's own parts."""

from __future__ import annotations

import numpy as np
import pytest
from oracles.kmers_reference import count_k, count_spurious_reference, strand_strings, variants

from dsdcrn.design.kmers import (
    SpuriousCounts,
    common_prefix_lengths,
    count_spurious,
    strand_labels,
    weight,
    weight_mismatch,
)


def _windows(lab: np.ndarray, sid: np.ndarray, kmax: int) -> list[tuple[int, ...]]:
    """Labels of the kmax-window at every position, 0 past its strand's end."""
    Q = len(lab)
    return [
        tuple(int(lab[p + i]) if p + i < Q and sid[p + i] == sid[p] else 0 for i in range(kmax))
        for p in range(Q)
    ]


def _words(windows: list[tuple[int, ...]], b: int, j0: int, kmax: int) -> list[np.ndarray]:
    """Word w of each window: labels w*j0 .. w*j0 + j0 - 1, b bits each, first highest."""
    out = []
    for w in range(-(-kmax // j0)):
        vals = []
        for win in windows:
            part = list(win[w * j0 : w * j0 + j0]) + [0] * j0
            vals.append(int("".join(format(v, f"0{b}b") for v in part[:j0]), 2))
        out.append(np.array(vals, np.int64))
    return out


@pytest.mark.parametrize(("seed", "j0"), [(0, 3), (1, 4), (2, 12), (3, 5)])
def test_common_prefix_lengths_match_a_direct_comparison(seed: int, j0: int) -> None:
    rng = np.random.default_rng(seed)
    kmax, Q, b = 12, 60, 3
    lab = rng.integers(1, 3, Q)  # two labels: long common prefixes
    sid = np.repeat(np.arange(3), Q // 3)
    windows = _windows(lab, sid, kmax)
    words = _words(windows, b, j0, kmax)
    # sorted (as the group numbering uses it: long shared prefixes), then shuffled
    order = np.concatenate([sorted(range(Q), key=windows.__getitem__), rng.permutation(Q)])
    got = common_prefix_lengths(words, b, j0, order, None, kmax)
    by_strand = common_prefix_lengths(words, b, j0, order, sid, kmax)
    for n, (a, c) in enumerate(zip(order[:-1], order[1:], strict=True)):
        lcp = 0
        while lcp < kmax and windows[a][lcp] == windows[c][lcp]:
            lcp += 1
        assert got[n] == lcp
        assert by_strand[n] == (lcp if sid[a] == sid[c] else 0)
    assert got.max() >= 6  # the case exercises long prefixes


def test_weights_follow_piperine() -> None:
    assert [weight(k) for k in range(6, 13)] == [1, 2, 3, 4, 5, 6, 7]
    assert weight_mismatch(10) == weight(8) and weight_mismatch(7) == 0


def test_spurious_counts_weighted_and_summary() -> None:
    c = SpuriousCounts(2, {"comp_inter": {6: 3, 8: 1}, "ident_intra_mm": {10: 2}})
    assert c.weighted("comp_inter") == (3 * 1 + 1 * 3) / 2
    assert c.weighted("comp_inter", per_strand=False) == 6
    assert c.weighted("ident_intra_mm") == 2 * weight(8) / 2
    s = c.summary()
    assert s["WSIS"] == 3.0 and s["WSID-M"] == 3.0 and s["WSAS"] == 0.0
    assert s["Spurious"] == 6.0


def test_oracle_strand_strings_read_labels() -> None:
    seq = np.array([0, 1, 2, 3], np.uint8)  # ACGT
    (s, lab), (t, _) = strand_strings(seq, [np.array([0, 2, 4]), np.array([7, 5])])
    assert s == "ACG" and lab == [0, 2, 4]
    assert t == "AC"  # labels 2g + 1 are complements: 7 (T) -> A, 5 (G) -> C


def test_oracle_variants() -> None:
    assert variants("AC", False) == [("AC", False)]
    v = variants("AC", True)
    assert len(v) == 1 + 2 * 3 and ("TC", True) in v and ("AG", True) in v
    assert all(sum(x != y for x, y in zip(w, "AC", strict=True)) == mm for w, mm in v)


def test_oracle_count_k_on_hand_made_windows() -> None:
    # an undesigned complementary pair in two strands, and a designed one
    wins = [("AACC", (0, 2, 4, 6), 0), ("GGTT", (10, 12, 14, 16), 1)]
    assert count_k(wins, False)["comp_inter"] == 1
    designed = [("AACC", (0, 2, 4, 6), 0), ("GGTT", (7, 5, 3, 1), 1)]
    assert count_k(designed, False)["comp_inter"] == 0
    # identical windows in one strand
    same = [("ACGA", (0, 2, 4, 6), 0), ("ACGA", (20, 22, 24, 26), 0)]
    c = count_k(same, True)
    assert c["ident_intra"] == 1 and c["ident_inter"] == 0 and c["comp_intra_mm"] == 0


def test_oracle_agrees_with_the_vectorised_count_on_two_strands() -> None:
    spans = {"d0": (0, 10), "d1": (10, 10)}
    labels = strand_labels(spans, {"S1": ["d0"], "S2": ["d1*", "d0"]})
    seq = np.random.default_rng(4).integers(0, 2, 20).astype(np.uint8)
    fast, slow = count_spurious(seq, labels, 4, 8), count_spurious_reference(seq, labels, 4, 8)
    assert fast.counts == slow.counts and slow.n_strands == 2
    assert sum(sum(v.values()) for v in slow.counts.values()) > 0
