"""Tests for dsdcrn.design.constraints: base codes, motifs, layout, hard constraints."""

from __future__ import annotations

import numpy as np
import pytest

from dsdcrn.design.constraints import (
    AVOIDED_MOTIF_WEIGHT,
    TOEHOLD_MATCH_WEIGHT,
    HardConstraints,
    Layout,
    assemble,
    check_alphabet,
    decode,
    default_kmer,
    domain_layout,
    duplicated,
    encode,
    find_motifs,
    kmer_keys,
    longest_shared_kmer,
    revcomp,
    split_token,
    violations,
)
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec


def _system(seqs: dict[str, str], kinds: dict[str, str] | None = None):
    """Domains with the given sequences, one strand per domain plus a duplex strand."""
    kinds = kinds or {}
    domains = [DomainSpec(n, len(s), kinds.get(n, "long")) for n, s in seqs.items()]
    seq = np.concatenate([encode(s) for s in seqs.values()]).astype(np.uint8)
    return domains, seq


def _wide(lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """GC counts allowing anything (0 to the full length of each domain)."""
    return np.zeros(len(lay.names), np.int64), lay.lengths.copy()


def test_codes_round_trip_and_complement() -> None:
    assert decode(encode("ACGTTGCA")) == "ACGTTGCA"
    assert list(encode("ACGT")) == [0, 1, 2, 3]
    assert revcomp("AACG") == "CGTT"
    assert decode(3 - encode("AACG")[::-1]) == revcomp("AACG")
    assert split_token("x*") == ("x", True) and split_token("x") == ("x", False)
    assert assemble(["a", "b*"], {"a": "AAC", "b": "ACG"}) == "AACCGT"


def test_find_motifs_counts_overlaps_and_iupac() -> None:
    assert find_motifs("TGGGGA") == [(1, "GGG"), (1, "GGGG"), (2, "GGG")]
    assert find_motifs("CATATAC", ("WWWWWW",)) == []
    assert find_motifs("CATATATC", ("WWWWWW",)) == [(1, "WWWWWW")]


def test_domain_layout_and_kmer_helpers() -> None:
    doms = [DomainSpec("a", 3, "toehold"), DomainSpec("b", 5, "long")]
    assert domain_layout(doms) == {"a": (0, 3), "b": (3, 5)}
    w = np.array([[0, 1, 2], [0, 1, 2], [3, 3, 3]])
    keys = kmer_keys(w)
    assert keys[0] == keys[1] != keys[2] and keys[2] == 63
    assert list(duplicated(keys)) == [True, True, False]
    long_keys = kmer_keys(np.zeros((2, 40), np.int64))  # beyond int64: byte keys
    assert long_keys[0] == long_keys[1]
    assert duplicated(np.zeros(0)).shape == (0,)


def test_longest_shared_kmer_sees_reverse_complements() -> None:
    assert longest_shared_kmer([]) == 0 == longest_shared_kmer(["A"])
    assert longest_shared_kmer(["AT"]) == 2  # its own reverse complement
    assert longest_shared_kmer(["ACCTAC", revcomp("CCTA") + "GG"]) == 4


def test_layout_builds_strands_with_complements() -> None:
    domains, seq = _system({"a": "ACCA", "b": "TTAC"})
    lay = Layout(domains, {"S": ["a", "b*"]}, 3)
    assert lay.total == 8 and list(lay.starts) == [0, 4] and lay.long_ids == [0, 1]
    codes = lay.strand_codes(seq)
    first = codes[: list(codes).index(9)]
    assert decode(first) == "ACCA" + revcomp("TTAC")
    assert len(lay.win) == 2 * 2  # two 3-mers in each 4-nt domain


def test_violations_flag_runs_shared_kmers_and_gc() -> None:
    domains, good = _system({"a": "ACCATC", "b": "TTCACA"})
    lay = Layout(domains, {"S": ["a", "b"]}, 4)
    assert violations(good, lay, _wide(lay))[0] == 0
    run = good.copy()
    run[0:4] = encode("CCCC")  # forbidden motif
    score, bad = violations(run, lay, _wide(lay))
    assert score > 0 and bad[:4].all()
    shared = np.concatenate([encode("ACCATC"), encode("ACCATC")])  # every 4-mer repeats
    assert violations(shared, lay, _wide(lay))[0] >= 3
    low = np.array([3, 3]), np.array([6, 6])  # at least 3 G/C per domain
    score, bad = violations(encode("ATTATC" + "TCCACA"), lay, low)
    assert score == 2 and bad[:6].any() and not bad[6:].any()


def test_toehold_positions_are_never_flagged_as_mutable() -> None:
    domains, seq = _system({"t": "CCCCAT", "x": "ACTCAT"}, {"t": "toehold"})
    lay = Layout(domains, {"S": ["t", "x"]}, 5)
    score, bad = violations(seq, lay, _wide(lay))
    assert score > 0 and not bad.any()


def test_hard_constraints_reject_gc_and_motif_changes() -> None:
    domains, seq = _system({"a": "ACCATC", "b": "TTAACA"})
    lay = Layout(domains, {"S": ["a", "b"]}, 4)
    strict = HardConstraints(seq, lay, lay.unit_labels, (np.array([3, 1]), np.array([4, 4])))
    drop = seq.copy()
    drop[1] = 0  # a: AACATC holds 2 G/C, fewer than 3
    assert strict.check(drop, 1, 1) is None
    loose = HardConstraints(seq, lay, lay.unit_labels, (np.array([2, 1]), np.array([4, 4])))
    run = seq.copy()
    run[5] = 0  # a+b: ...ATA|TTAA...: seven A/T in a row across the junction
    assert loose.check(run, 5, 1) is None
    fine = seq.copy()
    fine[0] = 1  # a: CCCATC (CCC is only avoided), 4 G/C
    ok = strict.check(fine, 0, 0)
    assert ok is not None
    strict.apply(ok)
    assert strict.gc[0] == 4


def test_hard_constraints_collisions_name_the_clashing_window() -> None:
    domains, seq = _system({"a": "ACCATC", "b": "TCATAC"})
    lay = Layout(domains, {"S": ["a"], "T": ["b"]}, 4)
    hard = HardConstraints(seq, lay, lay.unit_labels, _wide(lay))
    trial = seq.copy()
    trial[10] = 1  # b: TCATCC now holds CATC, a 4-mer of a
    assert hard.check(trial, 10, 0) is None
    assert set(hard.collisions(trial, 10, 0).tolist()) == {2, 3, 4, 5}
    hard.force(trial, [10])
    assert hard.gc[1] == 3
    assert hard.collisions(seq, 10, 1).size == 0  # back to TCATAC: nothing repeats


def test_soft_score_counts_avoided_motifs_and_toehold_reads() -> None:
    domains, seq = _system({"t": "ACTCCA", "x": "TGGGTC", "y": "ACTCCT"}, {"t": "toehold"})
    strands = {"G": ["x", "t*"], "S": ["y"], "P": ["t"]}
    lay = Layout(domains, strands, 7)
    exposed = [(0, True), (0, False)]  # reads of t and of t*, outside t's own domain
    hard = HardConstraints(seq, lay, lay.unit_labels, _wide(lay), exposed)
    # GGG in x (one distinct window), and y reads ACTCC of t (one window in strand S);
    # t in P and t* in G are the toehold's own domain: no hit
    assert hard.toehold_hits(seq).sum() == 1
    assert hard.soft_total(seq) == AVOIDED_MOTIF_WEIGHT + TOEHOLD_MATCH_WEIGHT
    assert set(hard.soft_hot(seq).tolist()) <= set(range(12, 18))
    trial = seq.copy()
    trial[13] = 0  # y = AATCCT: the read is gone
    assert hard.soft_delta(seq, trial, 13) == -TOEHOLD_MATCH_WEIGHT
    assert hard.toehold_delta(trial, 13, int(seq[13])) == -1
    assert hard.check(seq, 13, 0) is not None  # soft: adding the read back is allowed
    strict = HardConstraints(trial, lay, lay.unit_labels, _wide(lay), exposed, True)
    assert strict.check(seq, 13, 0) is None  # hard: it is not
    assert HardConstraints(seq, lay, lay.unit_labels, _wide(lay)).soft_hot(seq).size == 0


def test_toehold_windows_cross_junctions() -> None:
    # x ends in ACT and y starts with CC: S = x y reads ACTCC of t across the junction
    domains, seq = _system({"t": "ACTCCA", "x": "TTTCACT", "y": "CCATTT"}, {"t": "toehold"})
    lay = Layout(domains, {"S": ["x", "y"], "P": ["t"]}, 7)
    hard = HardConstraints(seq, lay, lay.unit_labels, _wide(lay), [(0, True), (0, False)])
    assert hard.toehold_hits(seq).sum() == 2  # ACTCC and CTCCA, both across x | y


def test_default_kmer_and_alphabet_check() -> None:
    few = [DomainSpec(f"x{i}", 15, "long") for i in range(4)]
    many = [DomainSpec(f"x{i}", 20, "long") for i in range(160)]
    assert default_kmer(few, True) == 7 and default_kmer(many, True) > 7
    assert default_kmer(many, False) < default_kmer(many, True)
    check_alphabet(few, 7, True)
    with pytest.raises(DesignError, match="four-letter alphabet"):
        check_alphabet(many, 7, True)
    with pytest.raises(DesignError, match="at least 7") as info:
        check_alphabet([DomainSpec("x", 3000, "long")], 6, False)
    assert "or use the four-letter" not in str(info.value)


def test_twin_toeholds_read_each_other_and_share_their_kmers() -> None:
    # t and u carry one sequence (shared toeholds); x reads part of it
    domains, seq = _system(
        {"t": "ACTCCA", "u": "ACTCCA", "x": "TTACTCCT"}, {"t": "toehold", "u": "toehold"}
    )
    lay = Layout(domains, {"P": ["t"], "Q": ["u"], "S": ["x"]}, 6)
    hard = HardConstraints(seq, lay, lay.unit_labels, _wide(lay), [(0, True), (0, False)])
    assert hard.toehold_hits(seq).sum() == 1  # x reads ACTCC; u, t's twin, does not count
    assert violations(seq, lay, _wide(lay))[0] > 0  # the twins' 6-mers repeat
    assert lay.share_windows(seq) == 1  # u's one 6-nt window goes
    assert violations(seq, lay, _wide(lay))[0] == 0
