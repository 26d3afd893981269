"""Sequence constraints shared by every design phase.

Base codes (A, C, G, T = 0..3; the complement of code ``c`` is ``3 - c``), the forbidden
and avoided motifs, the layout of all domains in one base-code vector
(:class:`Layout`), and the hard-constraint checks of the long-domain search: no forbidden
motif in any strand (junctions included), GC content of every long domain inside its
window, and no ``k``-mer shared between two positions of the domains or their complements
(:func:`violations` for a whole sequence, :class:`HardConstraints` for one-base changes).
Lengths in nt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np

from dsdcrn.design.kmers import _count, _csr, _replace_sorted, codes, strand_labels, windows
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec

__all__ = [
    "AVOIDED_MOTIFS",
    "AVOIDED_MOTIF_WEIGHT",
    "FORBIDDEN_MOTIFS",
    "KMER_DENSITY",
    "TOEHOLD_MATCH_NT",
    "TOEHOLD_MATCH_WEIGHT",
    "HardConstraints",
    "Layout",
    "assemble",
    "check_alphabet",
    "decode",
    "default_kmer",
    "domain_layout",
    "junction_reads",
    "encode",
    "find_motifs",
    "longest_shared_kmer",
    "flank_position",
    "revcomp",
    "split_token",
    "toehold_reads",
    "violations",
]

BASES = "ACGT"  # code 0..3; complement of code c is 3 - c (same order as stickydesign)
CODE = {b: i for i, b in enumerate(BASES)}
IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "W": "AT", "S": "CG"}
#: Forbidden motifs in every strand, junctions included (IUPAC W = A/T, S = C/G); the set
#: is closed under complementation: G or C runs of 4, A or T runs of 5, A/T or G/C runs of 6.
FORBIDDEN_MOTIFS: tuple[str, ...] = ("GGGG", "CCCC", "AAAAA", "TTTTT", "WWWWWW", "SSSSSS")
#: Avoided motifs: each occurrence in a strand adds :data:`AVOIDED_MOTIF_WEIGHT` to the SSM
#: score (forbidding them too leaves three-letter domains with too few distinct k-mers).
AVOIDED_MOTIFS: tuple[str, ...] = ("GGG", "CCC")
AVOIDED_MOTIF_WEIGHT = 4.0
#: A strand window of this many nt equal to part of a toehold or of its complement, outside
#: that toehold's own domain, binds the toehold's exposed copy (about -6 kcal/mol for 5 nt):
#: toehold occlusion.  Each such window adds this to the SSM score, and phase 4 of the
#: designer removes them (a hard item of the specification).
TOEHOLD_MATCH_NT = 5
TOEHOLD_MATCH_WEIGHT = 24.0
#: Each motif as (set of base codes, run length), for the vectorised checks.
FORBIDDEN_RUNS: tuple[tuple[frozenset[int], int], ...] = tuple(
    (frozenset(CODE[b] for b in IUPAC[m[0]]), len(m)) for m in FORBIDDEN_MOTIFS
)
AVOIDED_RUNS: tuple[tuple[frozenset[int], int], ...] = tuple(
    (frozenset(CODE[b] for b in IUPAC[m[0]]), len(m)) for m in AVOIDED_MOTIFS
)


def _motif_re(motifs: tuple[str, ...]) -> re.Pattern:
    return re.compile("(?=(" + "|".join("".join(f"[{IUPAC[c]}]" for c in m) for m in motifs) + "))")


FORBIDDEN_RE = _motif_re(FORBIDDEN_MOTIFS)


# --------------------------------------------------------------------------- helpers
def revcomp(seq: str) -> str:
    """Reverse complement of a DNA sequence (A, C, G, T), 5'->3'."""
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def encode(seq: str) -> np.ndarray:
    """Base codes (uint8, A C G T = 0 1 2 3) of ``seq``; read-only."""
    return np.frombuffer(seq.encode().translate(bytes.maketrans(b"ACGT", b"\0\1\2\3")), np.uint8)


def decode(values: np.ndarray) -> str:
    """The sequence of base codes ``values``."""
    return "".join(BASES[int(c)] for c in values)


def toehold_reads(seq: str, n: int = TOEHOLD_MATCH_NT) -> set[str]:
    """The ``n``-nt windows of ``seq`` and of its reverse complement."""
    both = (seq, revcomp(seq))
    return {s[i : i + n] for s in both for i in range(len(s) - n + 1)}


def junction_reads(a: str, b: str, reads: set[str]) -> int:
    """How many :data:`TOEHOLD_MATCH_NT`-nt windows across the junction of ``a`` and
    ``b`` (each at least that long) are in ``reads``."""
    n = TOEHOLD_MATCH_NT
    return sum((a + b)[j : j + n] in reads for j in range(len(a) - n + 1, len(a)))


def split_token(token: str) -> tuple[str, bool]:
    """``"x*"`` -> ``("x", True)``, ``"x"`` -> ``("x", False)``."""
    return (token[:-1], True) if token.endswith("*") else (token, False)


def find_motifs(seq: str, motifs: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """Every occurrence (0-based start, motif) of a motif in ``seq`` (IUPAC W, S allowed).

    ``motifs`` defaults to :data:`FORBIDDEN_MOTIFS` + :data:`AVOIDED_MOTIFS`; overlapping
    occurrences all count (``GGGG`` holds ``GGG`` twice).
    """
    out = []
    for m in FORBIDDEN_MOTIFS + AVOIDED_MOTIFS if motifs is None else motifs:
        pat = re.compile("(?=" + "".join(f"[{IUPAC[c]}]" for c in m) + ")")
        out.extend((h.start(), m) for h in pat.finditer(seq.upper()))
    return sorted(out)


def domain_layout(domains: list[DomainSpec]) -> dict[str, tuple[int, int]]:
    """Domain name -> (start, length) in the concatenated domain vector (nt), in order."""
    out, pos = {}, 0
    for d in domains:
        out[d.name] = (pos, int(d.length))
        pos += int(d.length)
    return out


def kmer_keys(rows: np.ndarray) -> np.ndarray:
    """Hash rows of a (M, k) base-code array to comparable keys (int64 if k <= 31)."""
    k = rows.shape[1]
    if k <= 31:
        powers = (4 ** np.arange(k - 1, -1, -1, dtype=np.int64)).astype(np.int64)
        return rows.astype(np.int64) @ powers
    packed = np.ascontiguousarray(rows.astype(np.uint8))
    return packed.view(np.dtype((np.void, k))).ravel()


def duplicated(keys: np.ndarray) -> np.ndarray:
    """Boolean mask: key occurs more than once in ``keys``."""
    if keys.size == 0:
        return np.zeros(0, bool)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()] > 1


# --------------------------------------------------------------------------- layout
class Layout:
    """All domains laid out in one base-code vector, with index maps for strands and k-mers."""

    def __init__(
        self,
        domains: list[DomainSpec],
        strands: dict[str, list[str]],
        k: int,
    ) -> None:
        self.names = [d.name for d in domains]
        self.lengths = np.array([d.length for d in domains], np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        self.total = int(self.lengths.sum())
        self.owner = np.repeat(np.arange(len(domains)), self.lengths)
        self.mutable = np.repeat([d.kind == "long" for d in domains], self.lengths)
        self.long_ids = [i for i, d in enumerate(domains) if d.kind == "long"]
        index = {n: i for i, n in enumerate(self.names)}
        # Strand-level vector: each strand, then each domain alone (covers unused domains),
        # separated by -1 entries.
        idx: list[np.ndarray] = []
        cmp: list[np.ndarray] = []
        units = [[split_token(t) for t in toks] for toks in strands.values()]
        units += [[(n, False)] for n in self.names]
        for unit in units:
            for name, is_comp in unit:
                i = index[name]
                pos = np.arange(self.starts[i], self.starts[i] + self.lengths[i])
                idx.append(pos[::-1] if is_comp else pos)
                cmp.append(np.full(len(pos), is_comp))
            idx.append(np.array([-1]))
            cmp.append(np.array([False]))
        self.s_idx = np.concatenate(idx).astype(np.int64)
        self.s_cmp = np.concatenate(cmp)
        self.s_sep = self.s_idx < 0
        spans = {n: (int(self.starts[i]), int(self.lengths[i])) for i, n in enumerate(self.names)}
        #: label arrays of each strand, then of each domain alone (motif checks)
        self.labels = strand_labels(spans, strands)
        self.unit_labels = self.labels + strand_labels(spans, {n: [n] for n in self.names})
        # k-mer windows lying inside one domain
        starts = [
            np.arange(self.starts[i], self.starts[i] + self.lengths[i] - k + 1)
            for i in range(len(domains))
            if self.lengths[i] >= k
        ]
        self.k = k
        self.win = (
            np.concatenate(starts)[:, None] + np.arange(k)[None, :]
            if starts
            else np.zeros((0, k), np.int64)
        )

    def share_windows(self, seq: np.ndarray) -> int:
        """Drop the ``k``-mer windows of every fixed domain whose sequence an earlier one
        carries (toeholds shared by several domains): one copy stands for them all, as
        the copies cannot differ.  Returns the windows dropped."""
        drop = [d for d, g in _twin_domains(seq, self).items() if d != g[0]]
        before = len(self.win)
        if before:
            self.win = self.win[~np.isin(self.owner[self.win[:, 0]], drop)]
        return before - len(self.win)

    def strand_codes(self, seq: np.ndarray) -> np.ndarray:
        """Base codes of every strand and lone domain in a row, 9 between them."""
        s = seq[np.where(self.s_sep, 0, self.s_idx)].astype(np.int8)
        s = np.where(self.s_cmp, 3 - s, s)
        return np.where(self.s_sep, 9, s)


def flank_position(lay: Layout, token: str, side: str) -> tuple[int, bool]:
    """(position in the domain vector, read as its complement) of the nucleotide of
    ``token`` that flanks a neighbouring domain on the neighbour's ``side`` ('5': the
    token lies 5' of it, so its 3'-most nucleotide; '3': its 5'-most nucleotide)."""
    i = lay.names.index(token.rstrip("*"))
    first, last = int(lay.starts[i]), int(lay.starts[i] + lay.lengths[i] - 1)
    comp = token.endswith("*")
    if side == "5":
        return (first if comp else last), comp
    return (last if comp else first), comp


def violations(
    seq: np.ndarray, lay: Layout, gc_counts: tuple[np.ndarray, np.ndarray]
) -> tuple[int, np.ndarray]:
    """Return (violation score, mask of mutable positions involved in a violation)."""
    bad = np.zeros(lay.total, bool)
    score = 0
    # forbidden runs in strands (including junctions) and in each domain alone
    s = lay.strand_codes(seq)
    for bases, run in FORBIDDEN_RUNS:
        member = np.isin(s, list(bases)).astype(np.int32)
        hit = np.convolve(member, np.ones(run, np.int32), "valid") == run
        if hit.any():
            starts = np.flatnonzero(hit)
            score += len(starts)
            pos = lay.s_idx[(starts[:, None] + np.arange(run)).ravel()]
            bad[pos[pos >= 0]] = True
    # shared k-mers (domain vs domain, vs reverse complements, self-complementarity)
    if len(lay.win):
        w = seq[lay.win]
        keys = np.concatenate([kmer_keys(w), kmer_keys(3 - w[:, ::-1])])
        dup = duplicated(keys)
        m = len(lay.win)
        flagged = dup[:m] | dup[m:]
        if flagged.any():
            score += int(flagged.sum())
            bad[lay.win[flagged].ravel()] = True
    # GC content of long domains
    gc = np.add.reduceat((seq == 1) | (seq == 2), lay.starts) if lay.total else np.zeros(0)
    low, high = gc_counts
    for i in lay.long_ids:
        if gc[i] < low[i] or gc[i] > high[i]:
            score += int(max(low[i] - gc[i], gc[i] - high[i]))
            sl = slice(lay.starts[i], lay.starts[i] + lay.lengths[i])
            want_at = gc[i] > high[i]
            sub = seq[sl]
            bad[sl] |= ((sub == 0) | (sub == 3)) != want_at
    return score, bad & lay.mutable


def _twin_domains(seq: np.ndarray, lay: Layout) -> dict[int, tuple[int, ...]]:
    """Fixed domain (a toehold) -> the fixed domains of the same sequence, itself
    included (toeholds shared by several domains, :mod:`dsdcrn.design.toehold_sharing`)."""
    groups: dict[bytes, list[int]] = {}
    for i in range(len(lay.names)):
        sl = slice(lay.starts[i], lay.starts[i] + lay.lengths[i])
        if lay.lengths[i] and not lay.mutable[sl].any():
            groups.setdefault(seq[sl].tobytes(), []).append(i)
    return {i: tuple(g) for g in groups.values() for i in g}


class HardConstraints:
    """Local checks of the hard constraints for one-base changes (the SSM phase).

    The same constraints as :func:`violations`: motifs in every strand and domain
    (junctions included), GC counts of long domains, distinct ``k``-mers in the domains
    and their complements.  ``exposed`` lists the toeholds whose
    :data:`TOEHOLD_MATCH_NT`-nt windows no other place should read (:meth:`toehold_hits`):
    each such window costs :data:`TOEHOLD_MATCH_WEIGHT` in the soft score, and with
    ``hard_windows`` no change may add one
    (:func:`dsdcrn.design.long_domains.clear_toehold_windows` first removes those the
    random draw made).  Only windows holding the changed position are
    re-checked.
    """

    def __init__(
        self,
        seq: np.ndarray,
        lay: Layout,
        unit_labels: list[np.ndarray],
        gc_counts: tuple[np.ndarray, np.ndarray],
        exposed: list[tuple[int, bool]] | None = None,
        hard_windows: bool = False,
    ) -> None:
        self.lay = lay
        self.hard_windows = hard_windows
        self.low, self.high = gc_counts
        self.gc = np.add.reduceat(((seq == 1) | (seq == 2)).astype(np.int64), lay.starts)
        self.motifs = []  # forbidden: (labels, offsets, windows, tables)
        self.soft = []  # avoided: the same
        for runs, dest in ((FORBIDDEN_RUNS, self.motifs), (AVOIDED_RUNS, self.soft)):
            for run in sorted({r for _, r in runs}):
                L, _ = windows(unit_labels, run)
                if not len(L):
                    continue
                L = np.unique(L, axis=0)
                off, win = _csr((L >> 1).ravel(), np.repeat(np.arange(len(L)), run), lay.total)
                tables = [np.isin(np.arange(4), list(b)) for b, r in runs if r == run]
                dest.append((L, off, win, tables))
        # strand windows reading TOEHOLD_MATCH_NT nt of a toehold or its complement
        # anywhere but inside that toehold's own domain or a twin of it (junctions included)
        self.th = None
        if exposed:
            n = TOEHOLD_MATCH_NT
            L, sid = windows(lay.labels, n)
            forb = np.zeros((4**n, len(exposed)), bool)
            allowed = np.zeros((len(L), len(exposed)), bool)
            pos = L >> 1
            twins = _twin_domains(seq, lay)
            for j, (i, comp) in enumerate(exposed):
                # entry (t, True) forbids reads of t (they bind t*), (t, False) reads of t*
                t = seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]].astype(np.int64)
                t = t if comp else (3 - t)[::-1]
                for a in range(len(t) - n + 1):
                    forb[int(t[a : a + n] @ (4 ** np.arange(n - 1, -1, -1))), j] = True
                for d in twins.get(i, (i,)):  # a toehold's twins read it too
                    lo, hi = lay.starts[d], lay.starts[d] + lay.lengths[d]
                    allowed[:, j] |= ((pos >= lo) & (pos < hi)).all(axis=1)
            if len(L):
                off, win = _csr((L >> 1).ravel(), np.repeat(np.arange(len(L)), n), lay.total)
                self.th = (L, sid, off, win, forb, allowed, 4 ** np.arange(n - 1, -1, -1))
        self.D = None
        if len(lay.win):
            D = np.concatenate([2 * lay.win, (2 * lay.win + 1)[:, ::-1]])
            self.D = D
            self.Dkeys = kmer_keys(codes(seq, D))
            self.SD = np.sort(self.Dkeys)
            self.Doff, self.Dwin = _csr(
                (D >> 1).ravel(), np.repeat(np.arange(len(D)), D.shape[1]), lay.total
            )

    def _local(self, trial: np.ndarray, g: int, old: int) -> tuple[int, int] | None:
        """(owning domain, GC change) if the change at ``g`` keeps that domain's GC window
        and makes no forbidden motif; None otherwise."""
        i = int(self.lay.owner[g])
        dgc = int(trial[g] in (1, 2)) - int(old in (1, 2))
        if dgc and not self.low[i] <= self.gc[i] + dgc <= self.high[i]:
            return None
        for L, off, win, tables in self.motifs:
            A = win[off[g] : off[g + 1]]
            if len(A) and any(t[codes(trial, L[A])].all(axis=1).any() for t in tables):
                return None
        if self.hard_windows and self.toehold_delta(trial, g, old) > 0:
            return None
        return i, dgc

    def toehold_delta(self, trial: np.ndarray, g: int, old: int) -> int:
        """Change in the number of strand windows :meth:`toehold_hits` flags when base
        ``g`` of ``trial`` was ``old`` (0 without toehold windows)."""
        before = trial.copy()
        before[g] = old
        return self.window_change(before, trial, [g])

    def check(self, trial: np.ndarray, g: int, old: int) -> tuple | None:
        """The change to apply if ``trial`` (``seq`` with base ``g`` changed) is allowed."""
        local = self._local(trial, g, old)
        if local is None:
            return None
        i, dgc = local
        change = None
        if self.D is not None:
            A = self.Dwin[self.Doff[g] : self.Doff[g + 1]]
            if len(A):
                new = kmer_keys(codes(trial, self.D[A]))
                if self._repeats(A, new):
                    return None
                change = (A, new)
        return (i, dgc, change)

    def allows(self, trial: np.ndarray, positions: list[int]) -> bool:
        """Whether ``trial``, the sequence this state is in step with changed at
        ``positions``, still meets every hard constraint (:func:`violations` 0, given that
        the unchanged sequence met them), checked on the windows holding a change only."""
        pos = np.unique(np.asarray(positions, np.int64))
        for i in np.unique(self.lay.owner[pos]):
            s = trial[self.lay.starts[i] : self.lay.starts[i] + self.lay.lengths[i]]
            if not self.low[i] <= np.count_nonzero((s == 1) | (s == 2)) <= self.high[i]:
                return False
        for L, off, win, tables in self.motifs:
            A = np.concatenate([win[off[g] : off[g + 1]] for g in pos])
            if len(A) and any(t[codes(trial, L[np.unique(A)])].all(axis=1).any() for t in tables):
                return False
        if self.D is None:
            return True
        A = np.unique(np.concatenate([self.Dwin[self.Doff[g] : self.Doff[g + 1]] for g in pos]))
        return not self._repeats(A, kmer_keys(codes(trial, self.D[A])))

    def _repeats(self, A: np.ndarray, new: np.ndarray) -> bool:
        """Whether windows ``A`` reading the k-mer keys ``new`` (the other windows as
        they are) make some k-mer occur twice."""
        so, sn = np.sort(self.Dkeys[A]), np.sort(new)
        return bool((_count(self.SD, new) - _count(so, new) + _count(sn, new) > 1).any())

    def collisions(self, trial: np.ndarray, g: int, old: int) -> np.ndarray | None:
        """Positions of the windows elsewhere whose ``k``-mer the change at ``g`` would
        repeat (empty: the change is allowed); ``None`` if it breaks the GC window or
        makes a forbidden motif (or repeats a ``k``-mer among its own windows)."""
        if self._local(trial, g, old) is None:
            return None
        if self.D is None:
            return np.zeros(0, np.int64)
        A = self.Dwin[self.Doff[g] : self.Doff[g + 1]]
        new = kmer_keys(codes(trial, self.D[A]))
        if len(np.unique(new)) < len(new):
            return None
        rest = np.ones(len(self.Dkeys), bool)
        rest[A] = False
        hit = np.flatnonzero(rest & np.isin(self.Dkeys, new))
        return np.unique(self.D[hit] >> 1)

    def force(self, seq: np.ndarray, positions: list[int]) -> None:
        """Bring the state in step with ``seq`` after changes at ``positions``."""
        for g in positions:
            i = int(self.lay.owner[g])
            s = seq[self.lay.starts[i] : self.lay.starts[i] + self.lay.lengths[i]]
            self.gc[i] = int(((s == 1) | (s == 2)).sum())
        if self.D is not None:
            A = np.unique(
                np.concatenate([self.Dwin[self.Doff[g] : self.Doff[g + 1]] for g in positions])
            )
            if len(A):
                new = kmer_keys(codes(seq, self.D[A]))
                self.SD = _replace_sorted(self.SD, self.Dkeys[A], new)
                self.Dkeys[A] = new

    def toehold_hits(self, seq: np.ndarray, A: np.ndarray | None = None) -> np.ndarray:
        """Which strand windows (``A``: those only) read :data:`TOEHOLD_MATCH_NT` nt of a
        toehold or its complement outside that toehold's own domain and its twins (the
        domains sharing its sequence)."""
        L, _, _, _, forb, allowed, pw = self.th
        if A is not None:
            L, allowed = L[A], allowed[A]
        keys = codes(seq, L) @ pw
        return (forb[keys] & ~allowed).any(axis=1)

    def window_change(self, seq: np.ndarray, trial: np.ndarray, positions: list[int]) -> int:
        """Change in the number of strand windows :meth:`toehold_hits` flags from ``seq``
        to ``trial``, which differ at ``positions`` only (0 without toehold windows)."""
        if self.th is None:
            return 0
        _, _, off, win, *_ = self.th
        A = np.unique(np.concatenate([win[off[g] : off[g + 1]] for g in positions]))
        if not len(A):
            return 0
        return int(self.toehold_hits(trial, A).sum() - self.toehold_hits(seq, A).sum())

    def soft_delta(self, seq: np.ndarray, trial: np.ndarray, g: int) -> float:
        """Change in the soft score (:meth:`soft_total`) from windows holding ``g``."""
        d = 0
        for L, off, win, tables in self.soft:
            A = win[off[g] : off[g + 1]]
            if len(A):
                for s, sign in ((trial, 1), (seq, -1)):
                    C = codes(s, L[A])
                    d += sign * sum(int(t[C].all(axis=1).sum()) for t in tables)
        out = AVOIDED_MOTIF_WEIGHT * d
        if self.th is not None:
            _, _, off, win, *_ = self.th
            A = win[off[g] : off[g + 1]]
            if len(A):
                hits = int(self.toehold_hits(trial, A).sum() - self.toehold_hits(seq, A).sum())
                out += TOEHOLD_MATCH_WEIGHT * hits
        return out

    def soft_total(self, seq: np.ndarray) -> float:
        """:data:`AVOIDED_MOTIF_WEIGHT` x distinct windows holding an avoided motif, plus
        :data:`TOEHOLD_MATCH_WEIGHT` x strand windows reading part of a toehold or its
        complement outside its own domain (:meth:`toehold_hits`)."""
        n = 0
        for L, _, _, tables in self.soft:
            C = codes(seq, L)
            n += sum(int(t[C].all(axis=1).sum()) for t in tables)
        out = AVOIDED_MOTIF_WEIGHT * n
        if self.th is not None:
            out += TOEHOLD_MATCH_WEIGHT * int(self.toehold_hits(seq).sum())
        return out

    def soft_hot(self, seq: np.ndarray) -> np.ndarray:
        """Positions in strand windows that :meth:`toehold_hits` flags."""
        if self.th is None:
            return np.zeros(0, np.int64)
        return np.unique(self.th[0][self.toehold_hits(seq)] >> 1)

    def apply(self, ok: tuple) -> None:
        """Bring the state in step after the change :meth:`check` returned ``ok`` for."""
        i, dgc, change = ok
        self.gc[i] += dgc
        if change is not None:
            A, new = change
            self.SD = _replace_sorted(self.SD, self.Dkeys[A], new)
            self.Dkeys[A] = new


def longest_shared_kmer(seqs: list[str]) -> int:
    """Longest k with a k-mer occurring twice among ``seqs`` and their reverse complements."""
    if not seqs:
        return 0
    encoded = [encode(s) for s in seqs]
    best = 0
    for k in range(1, max(len(c) for c in encoded) + 1):
        wins = [np.lib.stride_tricks.sliding_window_view(c, k) for c in encoded if len(c) >= k]
        if not wins:
            break
        w = np.concatenate(wins)
        keys = np.concatenate([kmer_keys(w), kmer_keys(3 - w[:, ::-1])])
        if not duplicated(keys).any():
            break
        best = k
    return best


def kmer_need(domains: list[DomainSpec], k: int) -> int:
    """Windows of ``k`` nt inside domains (each must be a distinct k-mer)."""
    return sum(max(0, int(d.length) - k + 1) for d in domains)


def kmer_supply(k: int, three_letter: bool) -> int:
    """Distinct k-mers available to them (with their complements kept distinct too)."""
    return 3**k if three_letter else 4**k // 2


#: Largest share of the distinct k-mers the domains' windows may need at the default k:
#: at 18% (Kang-Kim 2-2-1, k = 9) the repair stalls with a few violations left; at 15%
#: and below (Nagipogu-Reif d = 1, k = 8; XOR 2-5-1, k = 10) it meets them.
KMER_DENSITY = 1 / 6


def default_kmer(domains: list[DomainSpec], three_letter: bool) -> int:
    """7, or the smallest larger k (nt) at which the domains need at most
    :data:`KMER_DENSITY` of the distinct k-mers the alphabet offers."""
    k = 7
    while kmer_need(domains, k) > kmer_supply(k, three_letter) * KMER_DENSITY:
        k += 1
    return k


def check_alphabet(domains: list[DomainSpec], k: int, three_letter: bool) -> None:
    """Pigeonhole check: enough distinct ``k``-mers for every domain window (one line)."""
    need = functools.partial(kmer_need, domains)

    def have(kk: int) -> int:
        return kmer_supply(kk, three_letter)

    if need(k) > have(k):
        kk = k + 1
        while need(kk) > have(kk):
            kk += 1
        alpha = "three-letter (A/C/T)" if three_letter else "four-letter"
        raise DesignError(
            f"too many domains for the {alpha} alphabet: max_shared_kmer={k} needs "
            f"{need(k)} distinct {k}-mers (with their complements) but only {have(k)} exist; "
            f"raise max_shared_kmer to at least {kk}"
            + (" or use the four-letter alphabet" if three_letter else "")
        )


def assemble(tokens: Iterable[str], dom_seqs: dict[str, str]) -> str:
    """The strand of domain ``tokens`` (``x*``: reverse complement of ``x``), 5'->3'."""
    parts = []
    for tok in tokens:
        name, is_comp = split_token(tok)
        parts.append(revcomp(dom_seqs[name]) if is_comp else dom_seqs[name])
    return "".join(parts)
