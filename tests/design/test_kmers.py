"""Spurious k-mer counting: vectorised against plain Python, hand-made cases, incremental search."""

from __future__ import annotations

import numpy as np
import pytest
from oracles.kmers_reference import count_spurious_reference

from dsdcrn.design.kmers import (
    SpuriousScorer,
    SpuriousSearch,
    count_spurious,
    strand_labels,
    weight,
    weight_mismatch,
)

_CODE = {b: i for i, b in enumerate("ACGT")}


def _vec(*seqs: str) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """Domain vector and spans for domains d0, d1, ... with the given sequences."""
    spans, pos = {}, 0
    for i, s in enumerate(seqs):
        spans[f"d{i}"] = (pos, len(s))
        pos += len(s)
    return np.array([_CODE[b] for b in "".join(seqs)], np.uint8), spans


def _random_system(rng: np.random.Generator, binary: bool):
    nd = 6
    lens = rng.integers(4, 14, nd)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    spans = {f"d{i}": (int(starts[i]), int(lens[i])) for i in range(nd)}
    strands = {
        f"s{s}": [
            f"d{i}" + ("*" if rng.random() < 0.5 else "")
            for i in rng.integers(0, nd, rng.integers(1, 4))
        ]
        for s in range(5)
    }
    seq = rng.integers(0, 2 if binary else 4, int(lens.sum())).astype(np.uint8)
    return seq, strand_labels(spans, strands)


@pytest.mark.parametrize("trial", range(8))
def test_vectorised_equals_plain_python(trial: int) -> None:
    rng = np.random.default_rng(trial)
    # two-letter sequences make many chance matches, exact and with one mismatch
    seq, labels = _random_system(rng, binary=trial % 2 == 0)
    kmin, kmax = [(4, 9), (2, 7), (6, 12), (3, 15)][trial % 4]
    fast = count_spurious(seq, labels, kmin=kmin, kmax=kmax)
    slow = count_spurious_reference(seq, labels, kmin=kmin, kmax=kmax)
    assert fast.counts == slow.counts
    assert sum(sum(v.values()) for v in fast.counts.values()) > 0
    # one scorer, many sequences (the index depends on the labels only)
    scorer = SpuriousScorer(labels, kmin, kmax)
    other = rng.integers(0, 4, len(seq)).astype(np.uint8)
    assert scorer(other).counts == count_spurious_reference(other, labels, kmin, kmax).counts


def test_vectorised_equals_plain_python_on_a_compiled_circuit() -> None:
    from dsdcrn.compile.translate import compile_crn
    from dsdcrn.design.constraints import domain_layout
    from dsdcrn.model.crn import parse_crn
    from dsdcrn.pipeline import design_problem

    crn = parse_crn("A + B -> 2B\nB + C -> 2C\nC + A -> 2A\n", name="rps")
    problem = design_problem(compile_crn(crn, "soloveichik2010"))
    spans = domain_layout(problem.domains)
    labels = strand_labels(spans, problem.strands)
    rng = np.random.default_rng(5)
    seq = rng.choice(np.array([0, 1, 3], np.uint8), sum(n for _, n in spans.values()))
    fast, slow = count_spurious(seq, labels), count_spurious_reference(seq, labels)
    assert fast.counts == slow.counts
    assert fast.summary()["WSIS"] > 0 and fast.summary()["WSAS"] > 0
    with pytest.raises(ValueError, match="kmin"):
        SpuriousScorer(labels, kmin=1)


def test_designed_pairs_are_not_spurious() -> None:
    seq, spans = _vec("TCCTCATATCAACAACTC")
    labels = strand_labels(spans, {"top": ["d0"], "bottom": ["d0*"]})
    c = count_spurious(seq, labels)
    assert all(n == 0 for counts in c.counts.values() for n in counts.values())


def test_undesigned_complement_is_caught() -> None:
    x = "TCCTCATATCAACAACTC"
    y = x[::-1].translate(str.maketrans("ACGT", "TGCA"))  # a separate domain = x*
    seq, spans = _vec(x, y)
    labels = strand_labels(spans, {"S1": ["d0"], "S2": ["d1"]})
    c = count_spurious(seq, labels)
    n = len(x)
    for k in range(6, 13):  # every window of S1 pairs with one of S2
        assert c.counts["comp_inter"][k] == n - k + 1
        assert c.counts["comp_intra"][k] == 0
    assert c.summary()["WSIS"] == pytest.approx(
        sum(weight(k) * (n - k + 1) for k in range(6, 13)) / 2
    )


def test_repeat_inside_one_strand_is_intra() -> None:
    seq, spans = _vec("ACCTTACACTC", "TTTT", "ACCTTACACTC")
    # d0 and d2 are different domains with the same sequence: a spurious identity
    labels = strand_labels(spans, {"S": ["d0", "d1", "d2"]})
    c = count_spurious(seq, labels, kmin=6, kmax=11, mismatch=False)
    assert c.counts["ident_intra"][11] == 1
    assert c.counts["ident_inter"][11] == 0


def test_one_mismatch_counted_once() -> None:
    a = "ACTTCACCATCT"
    b = a[:5] + "G" + a[6:]  # one mismatch at position 5
    seq, spans = _vec(a, b)
    labels = strand_labels(spans, {"S1": ["d0"], "S2": ["d1"]})
    c = count_spurious(seq, labels, kmin=10, kmax=12)
    assert c.counts["ident_inter_mm"][12] == 1
    assert c.counts["ident_inter"][12] == 0
    assert weight_mismatch(12) == weight(10)


def test_incremental_search_matches_fresh_score() -> None:
    rng = np.random.default_rng(3)
    seq, labels = _random_system(rng, binary=True)
    s = SpuriousSearch(labels, seq, kmin=4, kmax=9)
    for step in range(200):
        g, b = int(rng.integers(len(seq))), int(rng.integers(4))
        d, change = s.propose(g, b)
        if d <= 0 or rng.random() < 0.3:
            s.accept(d, change)
        if step % 40 == 0:
            assert s.score == pytest.approx(SpuriousSearch(labels, s.seq, 4, 9).score)
    assert s.score == pytest.approx(s.total())
