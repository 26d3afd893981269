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
once), :func:`count_spurious_reference` a plain Python one of the same definition (for
tests and the benchmark), and :class:`SpuriousSearch` an incremental form for the
long-domain search that re-scores only the windows one mutation touches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "KMIN",
    "KMAX",
    "SpuriousCounts",
    "SpuriousScorer",
    "SpuriousSearch",
    "count_spurious",
    "count_spurious_reference",
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


class _WindowIds:
    """Exact ids of every labelled window of each length, for strands and their reverse
    complements (labels reversed and complemented), so that equal ids mean equal rows.

    Ids of length ``m`` come from those of length ``m - 1`` and the next label, one
    ``numpy.unique`` per length.
    """

    def __init__(self, labels: Sequence[np.ndarray], kmax: int) -> None:
        seqs = list(labels) + [lab[::-1] ^ 1 for lab in labels]
        self.lengths = np.array([len(s) for s in labels], np.int64)
        self.offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])[:-1]])
        flat = np.concatenate(seqs) if seqs else np.zeros(0, np.int64)
        ends = np.repeat(self.offsets + np.array([len(s) for s in seqs]), [len(s) for s in seqs])
        room = ends - np.arange(len(flat))  # longest window starting at each position
        _, first = np.unique(flat, return_inverse=True)
        first = first.ravel().astype(np.int64)
        self.ids = {1: first}
        cur = first
        for m in range(2, kmax + 1):
            ok = room >= m
            nxt = np.full(len(flat), -1, np.int64)
            if ok.any():
                pos = np.flatnonzero(ok)
                comb = cur[pos] * (int(first.max()) + 1) + first[pos + m - 1]
                nxt[pos] = np.unique(comb, return_inverse=True)[1].ravel()
            self.ids[m] = cur = nxt

    def forward(self, sid: np.ndarray, start: np.ndarray, m: int) -> np.ndarray:
        """Ids of windows of ``m`` nt at ``start`` in strand ``sid``."""
        return self.ids[m][self.offsets[sid] + start]

    def reverse(self, sid: np.ndarray, start: np.ndarray, k: int, m: int, skip: int) -> np.ndarray:
        """Ids of the ``m`` nt from ``skip`` into the reverse complement of each ``k``-nt
        window at ``start`` in strand ``sid``."""
        n = len(self.lengths)
        rc_start = self.lengths[sid] - start - k + skip
        return self.ids[m][self.offsets[n + sid] + rc_start]


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


def _bitlen(x: np.ndarray) -> np.ndarray:
    """Bit length of non-negative integers (0 for 0; exact below 2**53)."""
    return np.frexp(x.astype(np.float64))[1].astype(np.int64)


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
        self.tmin = int(self.thr.min()) if len(ks) else 0
        self.nchar, self.fb, self.wb = nchar, fb, wb
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
        key = P >> self.fb
        left = np.full((R, m), -1, np.int64)
        left[:, 1:] = self.nchar - (_bitlen(key[:, 1:] ^ key[:, :-1]) + 1) // 2
        near = np.maximum(left, np.roll(left, -1, axis=1))
        near[:, -1] = left[:, -1]
        near = near.ravel()
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
        pay = P.ravel()[idx]
        wmask = (1 << self.wb) - 1
        room = (pay >> (2 * self.wb)) & ((1 << _ROOM_BITS) - 1)
        valid = room >= np.repeat(self.k[:, 0], sizes)
        vf = ((pay >> self.wb) & wmask) * valid
        vr = (pay & wmask) * valid
        brk = left.ravel()[idx] < np.repeat(self.thr[:, 0], sizes)
        brk[first] = True
        g = np.cumsum(brk) - 1
        cf = np.bincount(g, vf)
        cr = np.bincount(g, vr)
        g_first = g[first]
        comp[nonempty] += np.add.reduceat(cf * cr, g_first).astype(np.int64) - np.add.reduceat(
            vf * vr, first
        )
        ident[nonempty] += np.add.reduceat(cf * cf, g_first).astype(np.int64) - np.add.reduceat(
            vf * vf, first
        )
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
    the one free position).  Everything that depends on the labels only is built once;
    calling the scorer with a domain vector counts its matches.

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
        nS = max(n, 1)
        lens = np.array([len(lab) for lab in labels], np.int64)
        n_nt = int(lens.sum())
        Q = 2 * n_nt
        self.ks = [k for k in range(kmin, kmax + 1) if (lens >= k).any()]
        self.mm_ks = [k for k in self.ks if mismatch and k >= kmin + 2]
        self.empty = not self.ks
        if self.empty:
            return
        seqs = [np.asarray(lab, np.int64) for lab in labels]
        seqs += [lab[::-1] ^ 1 for lab in seqs]
        lens2 = np.concatenate([lens, lens])
        self.flab = np.concatenate(seqs)
        offsets = np.concatenate([[0], np.cumsum(lens2)[:-1]])
        pos = np.arange(Q)
        sid = np.repeat(np.arange(2 * n) % nS, lens2)
        is_r = pos >= n_nt
        room = np.minimum(np.repeat(offsets + lens2, lens2) - pos, kmax)
        t = np.arange(kmax)
        self.gather = np.where(t[None, :] < room[:, None], pos[:, None] + t[None, :], Q)
        self.pow4 = (4 ** (kmax - 1 - t)).astype(np.int64)
        # keys with position p deleted: (key >> hi) << lo | key & lo_mask
        self.m_hi = (2 * (kmax - t)).astype(np.int64)[:, None]
        self.m_lo = (2 * (kmax - 1 - t)).astype(np.int64)[:, None]
        self.m_mask = ((1 << self.m_lo) - 1).astype(np.int64)
        wid = _WindowIds(labels, kmax)
        ids = np.stack([wid.ids[m] for m in range(1, kmax + 1)])
        # all strands: positions with equal labels over kmax nt (and room) merged
        row_id = ids[room - 1, pos] * (kmax + 1) + room
        _, first, inv = np.unique(row_id, return_index=True, return_inverse=True)
        inv = inv.ravel()
        wf = np.bincount(inv, weights=~is_r).astype(np.int64)
        wr = np.bincount(inv, weights=is_r).astype(np.int64)
        self.rep = first
        wb = max(1, int(max(wf.max(), wr.max())).bit_length())
        self.all_fb = _ROOM_BITS + 2 * wb
        self.all_pay = (room[first] << (2 * wb)) | (wf << wb) | wr
        lev = {
            "exact": (self.ks, self.ks, [1] * len(self.ks), kmax),
            "mm": (self.mm_ks, [k - 1 for k in self.mm_ks], self.mm_ks, kmax - 1),
        }
        self.lev_all = {
            name: _Levels(a, b, c, nc, self.all_fb, wb, room[first], wf, wr)
            for name, (a, b, c, nc) in lev.items()
        }
        # within strands: a match of k >= kmin nt, or of k >= kmin + 2 nt with one
        # mismatch, agrees exactly on the first h chars or on the next h (h = (kmin + 2)
        # // 2): candidate pairs come from two sorts of (strand, h chars), and few exist
        self.h = h = (kmin + 2) // 2
        self.in_sid, self.in_room, self.in_f = sid, room, ~is_r
        self.in_sel = [np.flatnonzero(room >= kmin)]
        if self.mm_ks:
            self.in_sel.append(np.flatnonzero(room >= 2 * h))
        self.pos_bits = max(1, int(Q).bit_length())
        self.n_fwd = np.array([int(((room >= k) & ~is_r).sum()) for k in self.ks], np.int64)
        # forward windows of each length (strand by strand), their reverse complements
        qs, kk, mir = [], [], []
        for k in self.ks:
            q = np.flatnonzero((room >= k) & ~is_r)
            s = sid[q]
            start = q - offsets[s]
            qs.append(q)
            kk.append(np.full(len(q), k, np.int64))
            mir.append(offsets[n + s] + lens[s] - start - k)
        self.block = np.concatenate([[0], np.cumsum([len(q) for q in qs])[:-1]])
        q, kk, mir = np.concatenate(qs), np.concatenate(kk), np.concatenate(mir)
        self.q0, self.ql, self.mir = q, q + kk - 1, mir
        self.kshift = 2 * (kmax - kk)
        sw = sid[q]
        P, S, F = ids[kk - 2, q], ids[kk - 2, np.minimum(q + 1, Q - 1)], ids[kk - 1, q]
        rP, rS, rF = ids[kk - 2, mir], ids[kk - 2, np.minimum(mir + 1, Q - 1)], ids[kk - 1, mir]
        self.self_near = (P == rP) | (S == rS)
        # label-only counts per k and scope (0: all pairs, 1: within one strand), and
        # dense group numbers of the designed pairs, all lengths concatenated
        self.static: dict[tuple, np.ndarray] = {}
        self.dense: dict[tuple, tuple] = {}
        bk = np.repeat(np.arange(len(qs)), [len(x) for x in qs])  # length block of a window
        for name, (qa, ta) in {"P": (rP, P), "S": (rS, S), "F": (rF, F)}.items():
            # label-row ids, each length's block moved to a range of its own
            top = np.maximum.reduceat(np.maximum(qa, ta), self.block) + 1
            base = np.concatenate([[0], np.cumsum(top)[:-1]])
            x0, y0 = qa + base[bk], ta + base[bk]
            for s in (0, 1):
                if s:  # (label row, strand) renumbered; blocks stay apart and in order
                    u, inv = np.unique(
                        np.concatenate([x0 * nS + sw, y0 * nS + sw]), return_inverse=True
                    )
                    inv = inv.ravel()
                    x, y, m = inv[: len(x0)], inv[len(x0) :], len(u)
                    first = np.searchsorted(u, base * nS)
                else:
                    x, y, m, first = x0, y0, int(top.sum()), base
                cx = np.bincount(x, minlength=m)
                cy = np.bincount(y, minlength=m)
                self.static["comp", name, s] = np.add.reduceat(cx * cy, first)
                self.static["ident", name, s] = np.add.reduceat(cy * cy, first)
                if name != "F":
                    self.dense[name, s] = (4 * x, 4 * y, 4 * first, 4 * m)

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
            pair = np.unique(np.concatenate(found))
            a, b = pair >> pb, pair & ((1 << pb) - 1)
            fa, fb = self.in_f[a], self.in_f[b]
            kind = np.stack([fa != fb, fa & fb])
            x = key[a] ^ key[b]
            nz = (x | (x >> 1)) & 0x5555555555555555  # one bit per differing char
            room = np.minimum(self.in_room[a], self.in_room[b])
            for i, k in enumerate(self.ks):
                d = nz >> (2 * (kmax - k))
                ok = room >= k
                E[:, i] = (kind & (ok & (d == 0))).sum(axis=1)
                if k in self.mm_ks:
                    E1[:, i] = (kind & (ok & (d != 0) & ((d & (d - 1)) == 0))).sum(axis=1)
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
        c = codes(seq, self.flab)
        key = np.append(c, 0)[self.gather] @ self.pow4
        ku = key[self.rep]
        res = {
            ("exact", 0): self.lev_all["exact"](((ku << self.all_fb) | self.all_pay)[None, :]),
        }
        if self.mm_ks:
            mu = ((ku[None, :] >> self.m_hi) << self.m_lo) | (ku[None, :] & self.m_mask)
            res["mm", 0] = self.lev_all["mm"]((mu << self.all_fb) | self.all_pay)
        res["exact", 1], res["mm", 1] = self._within(key)
        # designed pairs matching at their free position, per length
        cf = c[: len(c) // 2]
        b0, bl = cf[self.q0], cf[self.ql]
        designed = {}
        for name, (qb, tb) in {"P": (3 - b0, bl), "S": (3 - bl, b0)}.items():
            for s in (0, 1):
                dq, dt, off, size = self.dense[name, s]
                nq = np.bincount(dq + qb, minlength=size)
                nt = np.bincount(dt + tb, minlength=size)
                designed["comp", name, s] = np.add.reduceat(nq * nt, off)
                designed["ident", name, s] = np.add.reduceat(nt * nt, off)
        # windows that are (one mismatch from) their own reverse complement
        a = key[self.q0] >> self.kshift
        x = a ^ (key[self.mir] >> self.kshift)
        nz = (x | (x >> 1)) & 0x5555555555555555
        free = ~self.self_near
        pal = np.add.reduceat((x == 0) & free, self.block)
        pal1 = np.add.reduceat((nz != 0) & ((nz & (nz - 1)) == 0) & free, self.block)
        mm_index = {k: i for i, k in enumerate(self.mm_ks)}
        for i, k in enumerate(self.ks):
            mm = k in mm_index
            j = mm_index.get(k)
            d, d1 = int(pal[i]), int(pal1[i])
            for kind, col in (("comp", 0), ("ident", 1)):
                ordered = {}
                for s in (0, 1):
                    T = int(res["exact", s][col][i])
                    NP, NS, NF = (self.static[kind, nm, s][i] for nm in "PSF")
                    e_p = int(designed[kind, "P", s][i])
                    e_s = int(designed[kind, "S", s][i])
                    ordered[s] = T - (e_p + e_s - NF)
                    if mm:
                        M = int(res["mm", s][col][j])
                        ordered[s, "mm"] = M - k * T - ((NP - e_p) + (NS - e_s))
                if kind == "comp":
                    out.counts["comp_intra"][k] = (ordered[1] - d) // 2
                    out.counts["comp_inter"][k] = (ordered[0] + d) // 2 - (ordered[1] - d) // 2
                    if mm:
                        o_all, o_in = ordered[0, "mm"], ordered[1, "mm"]
                        out.counts["comp_intra_mm"][k] = (o_in - d1) // 2
                        out.counts["comp_inter_mm"][k] = (o_all + d1) // 2 - (o_in - d1) // 2
                else:
                    out.counts["ident_intra"][k] = ordered[1] // 2
                    out.counts["ident_inter"][k] = (ordered[0] - ordered[1]) // 2
                    if mm:
                        o_all, o_in = ordered[0, "mm"], ordered[1, "mm"]
                        out.counts["ident_intra_mm"][k] = o_in // 2
                        out.counts["ident_inter_mm"][k] = (o_all - o_in) // 2
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


def count_spurious_reference(
    seq: np.ndarray,
    labels: Sequence[np.ndarray],
    kmin: int = KMIN,
    kmax: int = KMAX,
    mismatch: bool = True,
) -> SpuriousCounts:
    """Plain Python implementation of :func:`count_spurious` (same definition).

    Windows are strings in dictionaries; every candidate partner of every window (exact,
    and each one-mismatch variant) is looked up and checked against the labels one pair
    at a time.  Used to test the vectorised version and as the benchmark's baseline.
    """
    comp_of = {"A": "T", "C": "G", "G": "C", "T": "A"}
    seq_list = [int(x) for x in seq]
    out = SpuriousCounts(len(labels), {n: {} for n in _NAMES})
    if mismatch:
        out.counts.update({n + "_mm": {} for n in _NAMES})
    strands = []
    for lab in labels:
        lab_list = [int(x) for x in lab]
        s = "".join(
            "ACGT"[3 - seq_list[x >> 1]] if x & 1 else "ACGT"[seq_list[x >> 1]] for x in lab_list
        )
        strands.append((s, lab_list))
    for k in range(kmin, kmax + 1):
        with_mm = mismatch and k >= kmin + 2
        wins = []  # (string, labels tuple, strand index)
        for si, (s, lab) in enumerate(strands):
            for i in range(len(s) - k + 1):
                wins.append((s[i : i + k], tuple(lab[i : i + k]), si))
        if not wins:
            continue
        index: dict[str, list[int]] = defaultdict(list)
        for n, (w, _, _) in enumerate(wins):
            index[w].append(n)
        c = {name: 0 for name in _NAMES}
        if with_mm:
            c.update({name + "_mm": 0 for name in _NAMES})
        for i, (w, lab, si) in enumerate(wins):
            rc = "".join(comp_of[b] for b in reversed(w))
            rlab = tuple(x ^ 1 for x in reversed(lab))
            for kind, target, tlab in (("comp", rc, rlab), ("ident", w, lab)):
                variants = [(target, False)]
                if with_mm:
                    variants += [
                        (target[:p] + b + target[p + 1 :], True)
                        for p in range(k)
                        for b in "ACGT"
                        if b != target[p]
                    ]
                for v, mm in variants:
                    for j in index.get(v, ()):
                        if kind == "ident" and j <= i:
                            continue
                        if kind == "comp" and j < i:
                            continue
                        jlab = wins[j][1]
                        if jlab[:-1] == tlab[:-1] or jlab[1:] == tlab[1:]:
                            continue  # designed, or one base beyond a designed match
                        scope = "intra" if wins[j][2] == si and j != i else "inter"
                        c[f"{kind}_{scope}" + ("_mm" if mm else "")] += 1
        for name, n in c.items():
            out.counts[name][k] = n
    return out


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
