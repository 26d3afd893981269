"""Spurious k-mer matches between strands in context (sequence symmetry minimisation).

Every nucleotide of every strand carries a *label*: the designed position it copies,
``2*g`` for base ``g`` of the domain vector and ``2*g + 1`` for its complement.  Two
windows of ``k`` nt (inside one strand, never across strands) are

* *complementary* when one is the reverse complement of the other, and
* *identical* when their sequences are equal.

A match is **designed** (not spurious) when it extends a designed pairing or a designed
repeat over at least ``k - 1`` of its ``k`` positions: for complements, the labels of
one window's first (or last) ``k - 1`` positions are the complemented labels of the
other's, read backwards; for identities, the two windows share the labels of their
first (or last) ``k - 1`` positions (a window always matches itself this way).  So a
domain meeting its complement is never counted, nor is one chance base beyond it.
Every other match is spurious.  A *one-mismatch* match differs in exactly one position.

Counts are over unordered pairs of windows: complementary pairs include a window with
itself (a palindrome can pair with a second copy of its strand), identical pairs do
not.  A pair is *intra-strand* when both windows lie in the same strand (a palindrome
with itself counts as inter-strand: two copies), else *inter-strand*.

Weights grow with ``k`` as in Piperine (Srinivas et al. 2017, ``tdm.py``): ``k - 5``
for ``k = 6 ... 12``; a one-mismatch match of length ``k`` weighs as an exact match of
length ``k - 2`` (as Piperine's ``spuriousC`` weights mismatches), so only ``k >= 8``
contributes.

:func:`count_spurious` is the vectorised implementation (NumPy over all k-mers at
once; a plain Python one of the same definition, ``tests/oracles/kmers_reference.py``,
checks it in the tests and the benchmark), and :class:`SpuriousSearch` an incremental
form for the long-domain search that re-scores only the windows one mutation touches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

__all__ = [
    "KMIN",
    "KMAX",
    "SpuriousCounts",
    "SpuriousScorer",
    "SpuriousSearch",
    "count_spurious",
    "strand_labels",
    "weight",
    "weight_mismatch",
]

KMIN = 6  # shortest window scored, nt
KMAX = 12  # longest window scored, nt


def weight(k: int) -> float:
    """Weight of an exact spurious match of ``k`` nt: ``k - 5`` for 6..12 nt, else 0."""
    return float(k - 5) if KMIN <= k <= KMAX else 0.0


def weight_mismatch(k: int) -> float:
    """Weight of a one-mismatch spurious match of ``k`` nt: that of an exact ``k - 2``."""
    return weight(k - 2) if k <= KMAX else 0.0


# --------------------------------------------------------------------------- labels
def strand_labels(
    domains: Mapping[str, tuple[int, int]], strands: Mapping[str, Sequence[str]]
) -> list[np.ndarray]:
    """Label array of every strand (5'->3').

    Parameters
    ----------
    domains : Mapping[str, tuple[int, int]]
        Domain name -> (start in the domain vector, length in nt).
    strands : Mapping[str, Sequence[str]]
        Strand name -> domain tokens 5'->3' (``x*`` for a complement).

    Returns
    -------
    list[numpy.ndarray]
        int64 labels, ``2*g`` for domain-vector base ``g``, ``2*g + 1`` for its complement.
    """
    out = []
    for toks in strands.values():
        parts = []
        for tok in toks:
            comp = tok.endswith("*")
            start, length = domains[tok[:-1] if comp else tok]
            pos = np.arange(start, start + length, dtype=np.int64)
            parts.append(2 * pos[::-1] + 1 if comp else 2 * pos)
        out.append(np.concatenate(parts) if parts else np.zeros(0, np.int64))
    return out


def codes(seq: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Base codes (A, C, G, T = 0..3) of labelled nucleotides given the domain vector."""
    base = seq[labels >> 1].astype(np.int64)
    return np.where(labels & 1, 3 - base, base)


def windows(labels: Sequence[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    """All ``k``-nt windows inside strands: (label matrix n x k, strand index n)."""
    lengths = np.array([len(lab) for lab in labels], np.int64)
    counts = np.maximum(lengths - k + 1, 0)
    if counts.sum() == 0:
        return np.zeros((0, k), np.int64), np.zeros(0, np.int64)
    flat = np.concatenate(labels).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sid = np.repeat(np.arange(len(labels)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    start = offsets[sid] + np.arange(counts.sum()) - first[sid]
    return flat[start[:, None] + np.arange(k)], sid


def _keys(w: np.ndarray) -> np.ndarray:
    """Integer key of each row of base codes (k <= 31)."""
    k = w.shape[1]
    return w.astype(np.int64) @ (4 ** np.arange(k - 1, -1, -1, dtype=np.int64))


def _masked(key: np.ndarray, k: int) -> np.ndarray:
    """Keys with position p deleted, for every p (n x k), offset by p so columns differ."""
    p = np.arange(k, dtype=np.int64)
    hi = key[:, None] // (4 ** (k - p))
    lo = key[:, None] % (4 ** (k - 1 - p))
    return (hi * 4 ** (k - 1 - p) + lo) + (p << (2 * (k - 1)))


_P1, _P2, _B1, _B2 = 2147483629, 2147483587, 1000003, 998244353 % 2147483587


def _row_hash(m: np.ndarray) -> np.ndarray:
    """Two polynomial hashes of each row packed in one int64 (equal rows, equal hashes)."""
    h1 = np.zeros(len(m), np.int64)
    h2 = np.zeros(len(m), np.int64)
    for c in range(m.shape[1]):
        h1 = (h1 * _B1 + m[:, c] + 1) % _P1
        h2 = (h2 * _B2 + m[:, c] + 1) % _P2
    return (h1 << 31) | h2


def _join(qa: np.ndarray, sa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with ``sa[j] == qa[i]``."""
    order = np.argsort(sa, kind="stable")
    ss = sa[order]
    lo = np.searchsorted(ss, qa, "left")
    hi = np.searchsorted(ss, qa, "right")
    n = hi - lo
    i = np.repeat(np.arange(len(qa)), n)
    offs = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    j = order[np.repeat(lo, n) + offs]
    return i, j


def _equal_rows(qm: np.ndarray, sm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with row ``sm[j]`` equal to row ``qm[i]`` (hash join, then verified)."""
    i, j = _join(_row_hash(qm), _row_hash(sm))
    ok = (qm[i] == sm[j]).all(axis=1)
    return i[ok], j[ok]


def _designed(L: np.ndarray, comp: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ordered window pairs (i, j) whose match is designed over >= k - 1 positions.

    Returns (i, j, free): ``free`` is the one position (in j's frame) not covered by the
    designed labels, -1 when all ``k`` are (the pair then always matches).
    """
    k = L.shape[1]
    Q = L[:, ::-1] ^ 1 if comp else L
    return _pair_union(
        _equal_rows(Q[:, :-1], L[:, :-1]), _equal_rows(Q[:, 1:], L[:, 1:]), len(L), k
    )


def _pair_union(pre: tuple, suf: tuple, n: int, k: int) -> tuple[np.ndarray, ...]:
    """Union of prefix- and suffix-designed pairs, with each pair's free position."""
    cp, cs = pre[0] * n + pre[1], suf[0] * n + suf[1]  # each without repeats
    v = np.concatenate([cp, cs])
    from_p = np.arange(len(v)) < len(cp)
    order = np.argsort(v, kind="stable")
    v, from_p = v[order], from_p[order]
    new = np.ones(len(v), bool)
    new[1:] = v[1:] != v[:-1]
    group = np.cumsum(new) - 1
    in_p = np.zeros(int(new.sum()), bool)
    in_s = np.zeros(int(new.sum()), bool)
    in_p[group[from_p]] = True
    in_s[group[~from_p]] = True
    both = v[new]
    free = np.where(in_p & in_s, -1, np.where(in_p, k - 1, 0))
    return both // n, both % n, free


def _packed(x: np.ndarray, width: int, bits: int, n: int) -> np.ndarray:
    """``x[i : i + width]`` packed ``bits`` bits a value, the first most significant, for
    each ``i < n`` (``x``: int64 of at least ``n + width - 1`` values; by doubling)."""
    acc: np.ndarray | None = None
    done, span = 0, 1
    while True:
        if width & 1:
            piece = x[done : done + n]
            acc = piece if acc is None else (acc << (bits * span)) | piece
            done += span
        width >>= 1
        if not width:
            return acc
        x = (x[:-span] << (bits * span)) | x[span:]
        span *= 2


def _dense_rank(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each value among the distinct values (from 1), and the sorting
    permutation."""
    order = np.argsort(v)
    sv = v[order]
    new = np.ones(len(v), bool)
    new[1:] = sv[1:] != sv[:-1]
    rank = np.empty(len(v), np.int64)
    rank[order] = np.cumsum(new)
    return rank, order


class _Groups(NamedTuple):
    """Numbers of label windows (:func:`_window_groups`), over all strands (scope 0) and
    within strands (scope 1), all distinct."""

    ids: np.ndarray  # (scope, length, position): group of each window
    start: np.ndarray  # (scope, length + 1): first number of each length, then the end
    near: np.ndarray  # (scope, position): longest window (<= kmax) another one shares
    rep: np.ndarray  # a position of each group of kmax nt (scope 0), by number


def common_prefix_lengths(
    words: list[np.ndarray],
    b: int,
    j0: int,
    order: np.ndarray,
    sid: np.ndarray | None,
    kmax: int,
) -> np.ndarray:
    """Common prefix length (labels, at most ``kmax``) of the windows at consecutive
    positions of ``order``.

    Parameters
    ----------
    words : list[numpy.ndarray]
        Packed window labels: word ``w`` of each position holds labels ``w * j0`` to
        ``w * j0 + j0 - 1`` of its window, ``b`` bits each, the first in the highest bits.
    b, j0 : int
        Bits per label, labels per word.
    order : numpy.ndarray
        Positions.
    sid : numpy.ndarray or None
        Strand of every position: windows in different strands share no prefix (None:
        strands ignored).
    kmax : int
        Longest window.
    """
    a, c = order[:-1], order[1:]
    out = np.zeros(len(a), np.int64)
    same = sid[a] == sid[c] if sid is not None else np.ones(len(a), bool)
    for wd in words:
        x = wd[a] ^ wd[c]
        out += ((b * j0 - _bitlen(x, b * j0)) // b) * same
        same &= x == 0
    return np.minimum(out, kmax)


def _window_groups(
    lab: np.ndarray, room: np.ndarray, sid: np.ndarray, ms: np.ndarray, kmax: int
) -> _Groups:
    """Exact group numbers of the label windows starting at every position.

    The ``m``-window at ``p`` is ``lab[p : p + m]`` with zeros from ``room[p]`` on (the
    strand end, ``room`` capped at ``kmax``).  One lexicographic sort of the
    ``kmax``-windows (ranks of packed labels, then of pairs of ranks, doubling the
    length) puts every group of equal ``m``-prefixes together for every ``m``: a group
    ends where a neighbour's common prefix is shorter than ``m``.  The same order made
    stable by strand does this within strands, where only positions sharing a window of
    ``ms[0]`` nt or more, and the positions next to them, are numbered (elsewhere
    ``ids`` and ``near`` are 0).

    Parameters
    ----------
    lab, room, sid : numpy.ndarray
        Label, labels to the strand end (``1..kmax``) and strand of every position.
    ms : numpy.ndarray
        Window lengths to number, increasing (``1..kmax``).
    kmax : int
        Longest window.
    """
    Q = len(lab)
    b = int(lab.max() + 1).bit_length()  # bits per label + 1 (0: past the strand end)
    j0 = max(1, min(kmax, 53 // b))  # labels per word: exact for _bitlen
    room_pad = np.concatenate([room, np.zeros(kmax, np.int64)])
    pad = np.concatenate([lab + 1, np.zeros(kmax + j0, np.int64)])
    rr = np.minimum(room_pad, j0)
    word = _packed(pad, j0, b, Q + kmax) & (((1 << (b * rr)) - 1) << (b * (j0 - rr)))
    rank, order = _dense_rank(word[:Q])
    span = j0
    while span < kmax:  # ranks of windows of span nt -> of min(2 span, kmax) nt
        d = min(span, kmax - span)  # second half from p + d (overlapping when d < span)
        nxt = np.concatenate([rank[d:], np.zeros(d, np.int64)]) * (room > d)
        rank, order = _dense_rank(rank * (Q + 1) + nxt)
        span += d
    words = [word[w * j0 : w * j0 + Q] * (room > w * j0) for w in range(-(-kmax // j0))]

    def common(order: np.ndarray, strands: bool) -> np.ndarray:
        return common_prefix_lengths(words, b, j0, order, sid if strands else None, kmax)

    ids = np.zeros((2, len(ms), Q), np.int64)
    start = np.zeros((2, len(ms) + 1), np.int64)
    near = np.zeros((2, Q), np.int64)

    def number(scope: int, order: np.ndarray, lcp: np.ndarray) -> np.ndarray:
        """Fill one scope from positions in order and their common prefixes; returns
        where groups start (in order)."""
        brk = np.ones((len(ms), len(order)), bool)
        brk[:, 1:] = lcp[None, :] < ms[:, None]
        first = start[scope - 1, -1] if scope else 0
        ids[scope][:, order] = (np.cumsum(brk) + (first - 1)).reshape(brk.shape)
        start[scope] = first + np.concatenate([[0], np.cumsum(brk.sum(axis=1))])
        if len(order):
            ns = np.append(lcp, 0)
            ns[1:] = np.maximum(ns[1:], lcp)
            near[scope, order] = ns
        return brk

    rep = order[number(0, order, common(order, False))[-1]]
    bq = Q.bit_length()
    order = order[np.sort((sid[order] << bq) | np.arange(Q)) & ((1 << bq) - 1)]  # by strand
    close = common(order, True) >= ms[0]
    hit = np.zeros(Q, bool)  # a window of ms[0] nt shared in the strand
    hit[order[1:][close]] = hit[order[:-1][close]] = True
    keep = hit.copy()
    keep[1:] |= hit[:-1]
    keep[:-1] |= hit[1:]
    order = order[keep[order]]
    number(1, order, common(order, True))
    return _Groups(ids, start, near, rep)


def _free_match(
    W: np.ndarray, i: np.ndarray, j: np.ndarray, free: np.ndarray, comp: bool
) -> np.ndarray:
    """Does designed pair (i, j) match at its free position (always, when ``free == -1``)?"""
    k = W.shape[1]
    f = np.maximum(free, 0)
    a = 3 - W[i, k - 1 - f] if comp else W[i, f]
    return (free < 0) | (a == W[j, f])


# --------------------------------------------------------------------------- counts
@dataclass
class SpuriousCounts:
    """Spurious match counts (unordered pairs of windows) per window length.

    Attributes
    ----------
    n_strands : int
        Strands scored.
    counts : dict[str, dict[int, int]]
        ``"comp_intra"``, ``"comp_inter"``, ``"ident_intra"``, ``"ident_inter"`` (k from
        ``kmin``) and the same with ``"_mm"`` (exactly one mismatch, k from ``kmin + 2``),
        each a map k (nt) -> pairs.
    """

    n_strands: int
    counts: dict[str, dict[int, int]] = field(default_factory=dict)

    def weighted(self, name: str, per_strand: bool = True) -> float:
        """Weighted sum of one count over k (``weight`` or ``weight_mismatch``)."""
        wf = weight_mismatch if name.endswith("_mm") else weight
        total = sum(wf(k) * n for k, n in self.counts.get(name, {}).items())
        return total / max(self.n_strands, 1) if per_strand else total

    def summary(self) -> dict[str, float]:
        """Weighted scores per strand: WSAS, WSIS, their -M variants, WSID(-M), Spurious."""
        out = {
            "WSAS": self.weighted("comp_intra"),
            "WSIS": self.weighted("comp_inter"),
            "WSAS-M": self.weighted("comp_intra_mm"),
            "WSIS-M": self.weighted("comp_inter_mm"),
            "WSID": self.weighted("ident_intra") + self.weighted("ident_inter"),
            "WSID-M": self.weighted("ident_intra_mm") + self.weighted("ident_inter_mm"),
        }
        out["Spurious"] = sum(out.values())
        return out


_NAMES = ("comp_intra", "comp_inter", "ident_intra", "ident_inter")


def _bitlen(x: np.ndarray, bits: int = 53) -> np.ndarray:
    """Bit length (int32) of non-negative integers below ``2**bits`` (0 for 0; exact for
    ``bits <= 53``, through float32 for ``bits <= 24``)."""
    return np.frexp(x.astype(np.float32 if bits <= 24 else np.float64))[1]


_ROOM_BITS = 4  # packed payload: nt left in the strand (capped at kmax <= 15)


class _Levels:
    """Pair counts of one sorted key table at several window lengths (module doc of
    :class:`SpuriousScorer`): per level, sums over groups of equal key prefixes of
    ``cF * cR`` (complementary) and ``cF * cF`` (identical)."""

    def __init__(
        self,
        ks: list[int],
        thresholds: list[int],
        rowlims: list[int],
        nchar: int,
        fb: int,
        wb: int,
        room: np.ndarray,
        wf: np.ndarray,
        wr: np.ndarray,
    ) -> None:
        self.k = np.array(ks, np.int64)[:, None]
        self.thr = np.array(thresholds, np.int64)[:, None]
        self.rowlim = np.array(rowlims, np.int64)[:, None]
        self.nchar, self.fb, self.wb = nchar, fb, wb
        self.thr8 = self.thr[:, 0].astype(np.int8)
        kp = self.k[:, 0] << (2 * wb)  # payload of a key with room k and no weights
        self.kpay = kp.astype(np.int32) if len(kp) and kp.max() < 2**31 else kp
        # every row holds every element once: self-pair terms of all elements (label-only)
        valid = room[None, :] >= self.k
        self.static_fr = self.rowlim[:, 0] * (valid * (wf * wr)[None, :]).sum(axis=1)
        self.static_ff = self.rowlim[:, 0] * (valid * (wf * wf)[None, :]).sum(axis=1)

    def __call__(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``P``: (rows, m) packed keys ``key << fb | room << 2 wb | wF << wb | wR``."""
        R, m = P.shape
        n_lev = len(self.k)
        comp, ident = self.static_fr.copy(), self.static_ff.copy()
        if not n_lev or not m:
            return comp, ident
        P.sort(axis=1)
        # chars each key shares with the previous one in its row (-1 for the first)
        x = P[:, 1:] ^ P[:, :-1]
        x >>= self.fb
        left = np.full((R, m), -1, np.int8)
        left[:, 1:] = self.nchar - (_bitlen(x, 2 * self.nchar) + 1) // 2
        near = np.maximum(left, np.roll(left, -1, axis=1))
        near[:, -1] = left[:, -1]
        near, left = near.ravel(), left.ravel()
        # per level, only windows sharing >= threshold chars with a neighbour can pair
        # (the others' self pairs are in the static terms); a kept window whose
        # predecessor was dropped shares fewer chars with it: a group break
        parts = [
            np.flatnonzero(near[: lim * m] >= thr)
            for thr, lim in zip(self.thr[:, 0], self.rowlim[:, 0], strict=True)
        ]
        sizes = np.array([len(x) for x in parts])
        nonempty = np.flatnonzero(sizes)
        if not len(nonempty):
            return comp, ident
        idx = np.concatenate(parts)
        first = (np.cumsum(sizes) - sizes)[nonempty]  # each level's block
        brk = left[idx] < np.repeat(self.thr8, sizes)
        brk[first] = True
        start = np.flatnonzero(brk)  # groups
        end = np.append(start[1:], len(idx)) - 1
        # weights (0 for windows shorter than the level's k), in place
        vr = P.ravel()[idx]
        vr &= (1 << self.fb) - 1  # room << 2 wb | wF << wb | wR
        valid = vr >= np.repeat(self.kpay, sizes)
        vr &= (1 << (2 * self.wb)) - 1
        vr *= valid
        vf = vr >> self.wb
        vr &= (1 << self.wb) - 1
        prod = vf * vr
        self_fr = np.add.reduceat(prod, first)
        self_ff = np.add.reduceat(np.multiply(vf, vf, out=prod), first)
        # sums per group from running sums
        cf, cr = np.cumsum(vf, out=vf)[end], np.cumsum(vr, out=vr)[end]
        cf[1:] -= cf[:-1].copy()
        cr[1:] -= cr[:-1].copy()
        g_first = np.searchsorted(start, first)
        comp[nonempty] += np.add.reduceat(cf * cr, g_first) - self_fr
        ident[nonempty] += np.add.reduceat(cf * cf, g_first) - self_ff
        return comp, ident


class SpuriousScorer:
    """Vectorised spurious k-mer counting for one set of strands (any sequence).

    Every position of every strand and of its reverse complement starts one key: the
    ``kmax`` bases from there (2 bits each, zeros past the strand end).  Sorting the keys
    once puts every group of windows with equal first ``k`` bases next to each other for
    every ``k`` at once, so the matching pairs of all lengths come from one sort and the
    common-prefix lengths of neighbours; one-mismatch pairs the same way from keys with
    position ``p`` deleted (one sort per ``p``).  Positions with the same labels over
    ``kmax`` nt are merged (with their multiplicities) for the counts over all strands;
    within-strand counts sort (strand, key).  Designed pairs are never listed: they are
    counted per group of windows sharing a label row (``k - 1`` labels, plus the base at
    the one free position), and only groups whose count the bases can change are kept.
    Everything that depends on the labels only (label rows numbered by one lexicographic
    sort, :func:`_window_groups`) is built once; calling the scorer with a domain vector
    counts its matches.

    Parameters
    ----------
    labels : Sequence[numpy.ndarray]
        Label array of each strand (:func:`strand_labels`).
    kmin, kmax : int
        Window lengths scored, nt (``2 <= kmin <= kmax <= 15``); one-mismatch pairs from
        ``kmin + 2``.
    mismatch : bool
        Also count pairs with exactly one mismatch.
    """

    def __init__(
        self,
        labels: Sequence[np.ndarray],
        kmin: int = KMIN,
        kmax: int = KMAX,
        mismatch: bool = True,
    ) -> None:
        if not 2 <= kmin <= kmax <= (1 << _ROOM_BITS) - 1:
            raise ValueError(f"need 2 <= kmin <= kmax <= 15, got {kmin}, {kmax}")
        self.n_strands = n = len(labels)
        self.kmin, self.kmax, self.mismatch = kmin, kmax, mismatch
        lens = np.array([len(lab) for lab in labels], np.int64)
        self.ks = [k for k in range(kmin, kmax + 1) if (lens >= k).any()]
        self.mm_ks = [k for k in self.ks if mismatch and k >= kmin + 2]
        self.empty = not self.ks
        if self.empty:
            return
        # positions: the strands, then their reverse complements (same offsets + n_nt)
        n_nt = int(lens.sum())
        fwd = np.concatenate(labels).astype(np.int64)
        starts = np.cumsum(lens) - lens
        sid_f = np.repeat(np.arange(n), lens)
        pos_f = np.arange(n_nt)
        comp_at = n_nt + (2 * starts + lens - 1)[sid_f] - pos_f  # same nt, other strand
        flab = np.concatenate([fwd, fwd[comp_at - n_nt] ^ 1])
        self.base_at, self.flip = flab >> 1, 3 * (flab & 1)  # code: seq[base_at] ^ flip
        sid = np.concatenate([sid_f, sid_f])
        room = np.minimum(np.tile((starts + lens)[sid_f] - pos_f, 2), kmax)
        self.keymask = ((1 << (2 * room)) - 1) << (2 * (kmax - room))
        t = np.arange(kmax)
        # keys with position p deleted: (key >> hi) << lo | key & lo_mask
        self.m_hi = (2 * (kmax - t)).astype(np.int64)[:, None]
        self.m_lo = (2 * (kmax - 1 - t)).astype(np.int64)[:, None]
        self.m_mask = ((1 << self.m_lo) - 1).astype(np.int64)
        # label windows of kmin - 1 .. kmax nt, numbered over all strands and per strand
        groups = _window_groups(flab, room, sid, np.arange(kmin - 1, kmax + 1), kmax)
        # all strands: positions with equal labels over kmax nt (and room) merged
        full = groups.ids[0, -1] - groups.start[0, -2]
        self.rep = rep = groups.rep
        wf = np.bincount(full[:n_nt], minlength=len(rep))
        wr = np.bincount(full[n_nt:], minlength=len(rep))
        wb = max(1, int(max(wf.max(), wr.max())).bit_length())
        self.all_fb = _ROOM_BITS + 2 * wb
        self.all_pay = (room[rep] << (2 * wb)) | (wf << wb) | wr
        lev = {
            "exact": (self.ks, self.ks, [1] * len(self.ks), kmax),
            "mm": (self.mm_ks, [k - 1 for k in self.mm_ks], self.mm_ks, kmax - 1),
        }
        self.lev_all = {
            name: _Levels(a, b, c, nc, self.all_fb, wb, room[rep], wf, wr)
            for name, (a, b, c, nc) in lev.items()
        }
        # within strands: a match of k >= kmin nt, or of k >= kmin + 2 nt with one
        # mismatch, agrees exactly on the first h chars or on the next h (h = (kmin + 2)
        # // 2): candidate pairs come from two sorts of (strand, h chars), and few exist
        self.h = h = (kmin + 2) // 2
        self.in_sid, self.in_room = sid, room
        self.in_f = np.arange(2 * n_nt) < n_nt
        self.in_sel = [np.flatnonzero(room >= kmin)]
        if self.mm_ks:
            self.in_sel.append(np.flatnonzero(room >= 2 * h))
        self.pos_bits = max(1, int(2 * n_nt).bit_length())
        # forward windows of each length (a block each), and their reverse complements
        qs = [np.flatnonzero(room[:n_nt] >= k) for k in self.ks]
        self.n_fwd = np.array([len(q) for q in qs], np.int64)
        self.block = np.cumsum(self.n_fwd) - self.n_fwd
        kk = np.repeat(np.array(self.ks, np.int64), self.n_fwd)
        self.q0 = np.concatenate(qs)
        self.ql = self.q0 + kk - 1
        self.mir = comp_at[self.ql]
        self.kshift = 2 * (kmax - kk)
        self._index_designed(groups, room)

    def _index_designed(self, g: _Groups, room: np.ndarray) -> None:
        """Label-only counts of designed pairs, and the groups whose count needs bases.

        Per length (block), scope (0: all pairs, 1: within one strand) and label row
        (``P``: first ``k - 1`` labels of a window, ``S``: last ``k - 1``, ``F``: all
        ``k``), :attr:`static` holds the sums over groups of equal rows of ``cQ * cT``
        (complementary: rows of reverse complements against rows of windows) and
        ``cT * cT`` (identical).  The call needs the same sums for ``P`` and ``S`` over
        pairs that also match at the free position.  Windows with equal ``F`` rows
        (classes) have equal bases there, so a ``P`` or ``S`` group holding one class
        counts the same for every sequence (:attr:`d_const`); only groups of several
        classes are kept, as ``4 * group + base`` bins weighted by class sizes.  A window
        whose ``P`` and ``S`` rows no other position shares pairs with itself only (it
        adds 1 to each identical count) and is left out.
        """
        nb, n_fwd, Q = len(self.ks), self.n_fwd, len(room)
        n_rows, n_ids = g.ids.shape[1], int(g.start[1, -1])
        ids = g.ids.ravel()
        ks = np.array(self.ks, np.int64)  # block b: id rows b (k - 1 nt) and b + 1 (k nt)
        # windows designed (but for one position) to their own reverse complement
        off = np.repeat(np.arange(nb) * Q, n_fwd)  # id row of k - 1 nt, scope 0
        P, S = (ids[off + p] for p in (self.q0, self.q0 + 1))
        rP, rS = (ids[off + p] for p in (self.mir, self.mir + 1))
        self.self_near = (P == rP) | (S == rS)
        # windows (from positions of strands and of reverse complements) whose P or S
        # row another position shares; the others (lone) only pair with themselves
        near = g.near.copy()
        near[:, :-1] = np.maximum(near[:, :-1], near[:, 1:])
        scope, blk, p = np.nonzero((room >= ks[:, None]) & (near[:, None, :] >= ks[:, None] - 1))
        fwd = p < Q // 2
        lone = n_fwd - np.bincount((scope * nb + blk)[fwd], minlength=2 * nb).reshape(2, nb)
        static = np.zeros((2, 3, 2, nb))  # (kind, row P/S/F, scope, block)
        const = np.zeros((2, 2, 2, nb))  # (kind, row P/S, scope, block)
        static[1], const[1] = lone, lone

        def per_block(sb: np.ndarray, *weights: np.ndarray) -> np.ndarray:
            """Sums of each weight per (scope, block)."""
            return np.array([np.bincount(sb, w, 2 * nb).reshape(2, nb) for w in weights])

        # their classes (F rows) with the sizes of both sides, and the P and S group
        # of each class
        c = ids[(scope * n_rows + blk + 1) * Q + p]
        ct = np.bincount(c[fwd], minlength=n_ids)
        cq = np.bincount(c[~fwd], minlength=n_ids)
        member = np.zeros(n_ids, np.int64)  # a position of each class
        member[c] = p
        cls = np.flatnonzero(cq + ct)
        rp, wqc, wtc = member[cls], cq[cls], ct[cls]
        row = np.searchsorted(g.start[:, :-1].ravel(), cls, "right") - 1  # scope, k nt
        s, b = row // n_rows, row % n_rows - 1
        sb = s * nb + b
        static[:, 2] += per_block(sb, wqc * wtc, wtc * wtc)
        at, bins, wq, wt, slot = [], [], [], [], []
        n_groups = 0
        for r, (shift, free) in enumerate(((0, ks[b] - 1), (1, 0))):
            grp = ids[(row - 1) * Q + rp + shift]
            cy = np.bincount(grp, wtc, n_ids)[grp]  # windows in the class's group
            static[:, r] += per_block(sb, wqc * cy, wtc * cy)
            multi = np.bincount(grp, minlength=n_ids)[grp] > 1
            one = ~multi
            const[:, r] += per_block(sb[one], (wqc * wtc)[one], (wtc * wtc)[one])
            kept = np.zeros(n_ids, bool)
            kept[grp[multi]] = True
            gid = np.cumsum(kept)[grp[multi]] - 1  # groups kept, renumbered
            table = np.zeros(int(kept.sum()), np.int64)
            table[gid] = r * 2 * nb + sb[multi]
            slot.append(table)
            bins.append(4 * (n_groups + gid))
            n_groups += len(table)
            at.append((rp + free)[multi])  # where the class's base at the free position is
            wq.append(wqc[multi])
            wt.append(wtc[multi])
        self.static, self.d_const = static.astype(np.int64), const.astype(np.int64)
        self.d_at, self.d_bin = np.concatenate(at), np.concatenate(bins)
        self.d_wq, self.d_wt = np.concatenate(wq), np.concatenate(wt)
        self.d_slot, self.d_bins = np.concatenate(slot), 4 * n_groups

    def _within(self, key: np.ndarray) -> tuple[tuple, tuple]:
        """Ordered pairs inside strands per length: ((comp, ident) exact, (comp, ident)
        summed over deleted positions), as :class:`_Levels` gives them."""
        h, kmax, pb = self.h, self.kmax, self.pos_bits
        found = []
        for off, sel in zip((0, h), self.in_sel, strict=False):
            chars = (key[sel] >> (2 * (kmax - off - h))) & ((1 << (2 * h)) - 1)
            g = np.sort((self.in_sid[sel] << (2 * h + pb)) | (chars << pb) | sel)
            same = (g[1:] >> pb) == (g[:-1] >> pb)
            if not same.any():
                continue
            # every pair inside each run of equal (strand, chars)
            pos = g & ((1 << pb) - 1)
            start = np.flatnonzero(np.concatenate([[True], ~same]))
            size = np.diff(np.append(start, len(g)))
            rank = np.arange(len(g)) - np.repeat(start, size)
            later = np.repeat(size, size) - 1 - rank
            u = np.repeat(np.arange(len(g)), later)
            v = u + 1 + np.arange(len(u)) - np.repeat(np.cumsum(later) - later, later)
            a, b = pos[u], pos[v]
            found.append(np.minimum(a, b) * (1 << pb) + np.maximum(a, b))
        n_k = len(self.ks)
        E = np.zeros((2, n_k), np.int64)  # unordered pairs: (reverse, forward), (fwd, fwd)
        E1 = np.zeros((2, n_k), np.int64)  # the same with exactly one mismatch
        if found:
            pair = np.sort(np.concatenate(found))
            pair = pair[np.concatenate([[True], pair[1:] != pair[:-1]])]  # each pair once
            a, b = pair >> pb, pair & ((1 << pb) - 1)
            fa, fb = self.in_f[a], self.in_f[b]
            kind = np.stack([fa != fb, fa & fb]).astype(np.int64)
            x = key[a] ^ key[b]
            nz = (x | (x >> 1)) & 0x5555555555555555  # one bit per differing char
            ks = np.array(self.ks, np.int64)[:, None]
            d = nz[None, :] >> (2 * (kmax - ks))  # (length, pair): chars differing
            ok = np.minimum(self.in_room[a], self.in_room[b])[None, :] >= ks
            E = kind @ (ok & (d == 0)).T
            E1 = kind @ (ok & (d != 0) & ((d & (d - 1)) == 0)).T
        # ordered as :class:`_Levels` counts them: identical pairs both ways and each
        # window with itself; with a deleted position, an exact pair once per position
        T = (E[0], 2 * E[1] + self.n_fwd)
        mm = [self.ks.index(k) for k in self.mm_ks]
        ks = np.array(self.mm_ks, np.int64)
        M = (ks * T[0][mm] + E1[0, mm], ks * T[1][mm] + 2 * E1[1, mm])
        return T, M

    def __call__(self, seq: np.ndarray) -> SpuriousCounts:
        """Count spurious pairs for domain vector ``seq`` (base codes 0..3)."""
        out = SpuriousCounts(self.n_strands, {n: {} for n in _NAMES})
        if self.mismatch:
            out.counts.update({n + "_mm": {} for n in _NAMES})
        if self.empty:
            return out
        kmax, nb, n_mm = self.kmax, len(self.ks), len(self.mm_ks)
        c = seq[self.base_at] ^ self.flip
        key = _packed(np.append(c, np.zeros(kmax - 1, np.int64)), kmax, 2, len(c))
        key &= self.keymask
        ku = key[self.rep]
        T = np.zeros((2, 2, nb), np.int64)  # ordered exact pairs (kind, scope, block)
        M = np.zeros((2, 2, n_mm), np.int64)  # summed over deleted positions
        T[:, 0] = self.lev_all["exact"](((ku << self.all_fb) | self.all_pay)[None, :])
        if n_mm:
            mu = ku[None, :] >> self.m_hi  # keys with one position deleted, in place
            mu <<= self.m_lo
            mu |= ku[None, :] & self.m_mask
            mu <<= self.all_fb
            mu |= self.all_pay
            M[:, 0] = self.lev_all["mm"](mu)
        T[:, 1], M[:, 1] = self._within(key)
        # designed pairs that match at their free position: (kind, row P/S, scope, block)
        b = self.d_bin + c[self.d_at]
        nq = np.bincount(b, self.d_wq, self.d_bins)
        nt = np.bincount(b, self.d_wt, self.d_bins)
        E = np.stack(
            [
                np.bincount(self.d_slot, (x * nt).reshape(-1, 4).sum(axis=1), 4 * nb)
                for x in (nq, nt)
            ]
        )
        E = E.astype(np.int64).reshape(2, 2, 2, nb) + self.d_const
        NP, NS, NF = self.static[:, 0], self.static[:, 1], self.static[:, 2]
        ordered = T - (E[:, 0] + E[:, 1] - NF)  # (kind, scope, block)
        mms = slice(nb - n_mm, nb)  # the lengths with one-mismatch counts
        ks = np.array(self.mm_ks, np.int64)
        ordered_mm = M - ks * T[..., mms] - ((NP - E[:, 0]) + (NS - E[:, 1]))[..., mms]
        # windows that are (one mismatch from) their own reverse complement
        a = key[self.q0] >> self.kshift
        x = a ^ (key[self.mir] >> self.kshift)
        nz = (x | (x >> 1)) & 0x5555555555555555
        free = ~self.self_near
        d = np.add.reduceat((x == 0) & free, self.block)
        d1 = np.add.reduceat((nz != 0) & ((nz & (nz - 1)) == 0) & free, self.block)[mms]
        found = {}
        for sfx, o, pal in (("", ordered, d), ("_mm", ordered_mm, d1)):
            c_in = (o[0, 1] - pal) // 2
            found["comp_intra" + sfx] = c_in
            found["comp_inter" + sfx] = (o[0, 0] + pal) // 2 - c_in
            found["ident_intra" + sfx] = o[1, 1] // 2
            found["ident_inter" + sfx] = (o[1, 0] - o[1, 1]) // 2
        for name, counts in out.counts.items():
            counts.update(
                zip(
                    self.mm_ks if name.endswith("_mm") else self.ks,
                    found[name].tolist(),
                    strict=True,
                )
            )
        return out


def count_spurious(
    seq: np.ndarray,
    labels: Sequence[np.ndarray],
    kmin: int = KMIN,
    kmax: int = KMAX,
    mismatch: bool = True,
) -> SpuriousCounts:
    """Count spurious complementary and identical k-mer pairs (vectorised).

    Parameters
    ----------
    seq : numpy.ndarray
        Domain vector, base codes 0..3 (A, C, G, T).
    labels : Sequence[numpy.ndarray]
        Label array of each strand (:func:`strand_labels`).
    kmin, kmax : int
        Window lengths scored, nt (``kmax <= 31``); one-mismatch pairs from ``kmin + 2``.
    mismatch : bool
        Also count pairs with exactly one mismatch.

    Returns
    -------
    SpuriousCounts
        Unordered pair counts per k, split intra/inter-strand (definitions: module doc).
    """
    return SpuriousScorer(labels, kmin, kmax, mismatch)(seq)


# --------------------------------------------------------------------------- search
def _count(sorted_arr: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Occurrences in ``sorted_arr`` of each query value."""
    return np.searchsorted(sorted_arr, q, "right") - np.searchsorted(sorted_arr, q, "left")


def _replace_sorted(arr: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Remove one occurrence of each value of ``old`` from sorted ``arr``; insert ``new``."""
    old = np.sort(old)
    first = np.searchsorted(arr, old, "left")
    # rank of each duplicate within equal values of ``old``
    start = np.searchsorted(old, old, "left")
    pos = first + (np.arange(len(old)) - start)
    arr = np.delete(arr, pos)
    new = np.sort(new)
    return np.insert(arr, np.searchsorted(arr, new), new)


def _delta_pairs(
    S: np.ndarray, q_old: np.ndarray, q_new: np.ndarray, s_old: np.ndarray, s_new: np.ndarray
) -> int:
    """Change in the number of ordered matching pairs when a symmetric relation's
    windows ``A`` change keys: ``2 * d(A x all) - d(A x A)`` (query keys ``q``, stored keys
    ``s``; ``S`` sorted stored keys of every window before the change)."""
    so, sn = np.sort(s_old), np.sort(s_new)
    a_old = int(_count(S, q_old).sum())
    a_new = int((_count(S, q_new) - _count(so, q_new) + _count(sn, q_new)).sum())
    aa_old = int(_count(so, q_old).sum())
    aa_new = int(_count(sn, q_new).sum())
    return 2 * (a_new - a_old) - (aa_new - aa_old)


def _csr(owner_of_item: np.ndarray, item: np.ndarray, n_owner: int) -> tuple[np.ndarray, ...]:
    """Group ``item`` values by owner index: (offsets, items)."""
    base = int(item.max()) + 1 if len(item) else 1
    u = np.unique(owner_of_item.astype(np.int64) * base + item)
    counts = np.bincount(u // base, minlength=n_owner)
    return np.concatenate([[0], np.cumsum(counts)]), u % base


class _KState:
    """Search state for one window length over the distinct windows in context."""

    def __init__(self, L: np.ndarray, seq: np.ndarray, k: int, n_pos: int, mm: bool) -> None:
        self.k, self.L, self.mm = k, L, mm
        self.w = weight(k)
        self.wm = weight_mismatch(k) if mm else 0.0
        W = codes(seq, L)
        self.f = _keys(W)
        self.r = _keys(3 - W[:, ::-1])
        self.Sf = np.sort(self.f)
        if mm:
            self.mf = _masked(self.f, k)
            self.mr = _masked(self.r, k)
            self.Sm = np.sort(self.mf.ravel())
        m = len(L)
        self.designed = {"c": _designed(L, True), "i": _designed(L, False)}
        self.by_win = {}
        self.cur = {}
        for name, (i, j, free) in self.designed.items():
            ids = np.arange(len(i))
            self.by_win[name] = _csr(np.concatenate([i, j]), np.concatenate([ids, ids]), m)
            self.cur[name] = _free_match(W, i, j, free, name == "c")
        g = (L >> 1).ravel()
        self.pos_off, self.pos_win = _csr(g, np.repeat(np.arange(m), k), n_pos)

    def total(self) -> float:
        """Weighted ordered spurious pairs at the current sequence."""
        k = self.k
        Tc = int(_count(self.Sf, self.r).sum())
        Ti = int(_count(self.Sf, self.f).sum())
        mc, mi = self.cur["c"], self.cur["i"]
        val = self.w * ((Tc - int(mc.sum())) + (Ti - int(mi.sum())))
        if self.mm:
            Mc = int(_count(self.Sm, self.mr.ravel()).sum())
            Mi = int(_count(self.Sm, self.mf.ravel()).sum())
            val += self.wm * ((Mc - k * Tc - int((~mc).sum())) + (Mi - k * Ti - int((~mi).sum())))
        return val

    def delta(self, trial: np.ndarray, g: int) -> tuple[float, tuple]:
        A = self.pos_win[self.pos_off[g] : self.pos_off[g + 1]]
        self.last_exact = self.last_comp = 0
        if len(A) == 0:
            return 0.0, ()
        k = self.k
        W = codes(trial, self.L[A])
        fn, rn = _keys(W), _keys(3 - W[:, ::-1])
        fo, ro = self.f[A], self.r[A]
        dTc = _delta_pairs(self.Sf, ro, rn, fo, fn)
        dTi = _delta_pairs(self.Sf, fo, fn, fo, fn)
        upd, dE = {}, {}
        for name in ("c", "i"):
            off, ids = self.by_win[name]
            sel = np.unique(np.concatenate([ids[off[a] : off[a + 1]] for a in A]))
            i, j, free = (x[sel] for x in self.designed[name])
            new = _free_match_seq(trial, self.L, i, j, free, name == "c")
            old = self.cur[name][sel]
            n_new, n_old = int(new.sum()), int(old.sum())
            dE[name] = (n_new - n_old, (len(sel) - n_new) - (len(sel) - n_old))
            upd[name] = (sel, new)
        self.last_comp = dTc - dE["c"][0]
        self.last_exact = self.last_comp + (dTi - dE["i"][0])
        val = self.w * self.last_exact
        mnew = None
        if self.mm:
            mfn, mrn = _masked(fn, k), _masked(rn, k)
            mfo, mro = self.mf[A], self.mr[A]
            dMc = _delta_pairs(self.Sm, mro.ravel(), mrn.ravel(), mfo.ravel(), mfn.ravel())
            dMi = _delta_pairs(self.Sm, mfo.ravel(), mfn.ravel(), mfo.ravel(), mfn.ravel())
            val += self.wm * ((dMc - k * dTc - dE["c"][1]) + (dMi - k * dTi - dE["i"][1]))
            mnew = (mfn, mrn)
        return val, (A, fn, rn, mnew, upd)

    def apply(self, change: tuple) -> None:
        if not change:
            return
        A, fn, rn, mnew, upd = change
        self.Sf = _replace_sorted(self.Sf, self.f[A], fn)
        self.f[A], self.r[A] = fn, rn
        if self.mm:
            mfn, mrn = mnew
            self.Sm = _replace_sorted(self.Sm, self.mf[A].ravel(), mfn.ravel())
            self.mf[A], self.mr[A] = mfn, mrn
        for name, (sel, new) in upd.items():
            self.cur[name][sel] = new

    def hot_positions(self) -> np.ndarray:
        """Domain-vector positions in windows that take part in a spurious exact match."""
        m = len(self.L)
        dc = np.bincount(self.designed["c"][0][self.cur["c"]], minlength=m)
        di = np.bincount(self.designed["i"][0][self.cur["i"]], minlength=m)
        bad = (_count(self.Sf, self.r) > dc) | (_count(self.Sf, self.f) > di)
        return np.unique(self.L[bad] >> 1)


def _free_match_seq(
    seq: np.ndarray, L: np.ndarray, i: np.ndarray, j: np.ndarray, free: np.ndarray, comp: bool
) -> np.ndarray:
    """:func:`_free_match` reading only the two bases concerned from the domain vector."""
    k = L.shape[1]
    f = np.maximum(free, 0)
    a = codes(seq, L[i, k - 1 - f] if comp else L[i, f])
    if comp:
        a = 3 - a
    return (free < 0) | (a == codes(seq, L[j, f]))


class SpuriousSearch:
    """Incremental weighted spurious-match score of the distinct windows in context.

    The score is ``sum_k weight(k) * (C_k + I_k) + weight_mismatch(k) * (C1_k + I1_k)``
    over ordered pairs of distinct windows (windows with equal labels are one window):
    ``C`` spurious complementary, ``I`` spurious identical, ``1`` one mismatch.  A
    mutation re-scores only the windows holding the mutated position.

    Parameters
    ----------
    labels : Sequence[numpy.ndarray]
        Strand label arrays (:func:`strand_labels`).
    seq : numpy.ndarray
        Initial domain vector (base codes), copied.
    kmin, kmax : int
        Window lengths, nt.
    """

    def __init__(
        self, labels: Sequence[np.ndarray], seq: np.ndarray, kmin: int = KMIN, kmax: int = KMAX
    ) -> None:
        self.seq = seq.copy()
        n_pos = len(seq)
        self.states = []
        for k in range(kmin, kmax + 1):
            L, _ = windows(labels, k)
            if len(L) == 0:
                continue
            L = np.unique(L, axis=0)
            self.states.append(_KState(L, self.seq, k, n_pos, weight_mismatch(k) > 0))
        self.score = self.total()

    def total(self) -> float:
        """Score recomputed from scratch at the current sequence."""
        return float(sum(s.total() for s in self.states))

    def propose(self, g: int, base: int) -> tuple[float, list]:
        """Score change if position ``g`` became ``base``; and the change to apply.

        Afterwards :attr:`last_exact` maps k to the change in the number of ordered
        spurious exact pairs of length k, :attr:`last_comp` the same for complementary
        pairs only.
        """
        trial = self.seq.copy()
        trial[g] = base
        d, changes = 0.0, []
        self.last_exact: dict[int, int] = {}
        self.last_comp: dict[int, int] = {}
        for s in self.states:
            dv, ch = s.delta(trial, g)
            d += dv
            changes.append(ch)
            self.last_exact[s.k] = s.last_exact
            self.last_comp[s.k] = s.last_comp
        return d, [(g, base), changes]

    def accept(self, d: float, change: list) -> None:
        """Apply a change returned by :meth:`propose`."""
        (g, base), changes = change
        for s, ch in zip(self.states, changes, strict=True):
            s.apply(ch)
        self.seq[g] = base
        self.score += d

    def hot_positions(self) -> np.ndarray:
        """Positions in any window with a spurious exact match."""
        parts = [s.hot_positions() for s in self.states]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
