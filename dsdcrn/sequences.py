"""Sequence design for domain-level strand-displacement systems.

A first, honest designer: toeholds come from stickydesign (nearest-neighbour DAOE
energetics, one ``easyends`` call per toehold length), long domains from a seeded
mutate-and-check search against explicit constraints, and every intended complex and
strand is then checked with ViennaRNA using the DNA (Mathews 2004) parameters.

Units: lengths in nt, free energies in kcal/mol, temperatures in °C. Binding energies of
toeholds are reported as positive magnitudes (stickydesign convention); ViennaRNA ΔG values
keep their sign (negative = favourable).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .errors import DesignError

__all__ = [
    "DomainSpec",
    "SequenceDesign",
    "design_sequences",
    "vienna_dna_model",
]

_BASES = "ACGT"  # code 0..3; complement of code c is 3 - c (same order as stickydesign)
_CODE = {b: i for i, b in enumerate(_BASES)}
#: Forbidden runs (closed under complementation): (base code, run length).
_FORBIDDEN_RUNS: tuple[tuple[int, int], ...] = ((2, 4), (1, 4), (0, 5), (3, 5))
_FORBIDDEN_RE = re.compile(r"(?=(GGGG|CCCC|AAAAA|TTTTT))")
#: stickydesign settings used for toeholds.
TOEHOLD_MAXSPURIOUS = 0.5  # max spurious interaction, fraction of the target energy
TOEHOLD_FDEV_FIRST = 0.05  # first try a tight window (fraction of target), then toehold_dev
#: ViennaRNA multi-strand folding of larger complexes is checked too (5 strands: < 1 s).
_MAX_STRANDS_CHECKED = 8


# --------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class DomainSpec:
    """A domain to design.

    Parameters
    ----------
    name : str
        Domain name (no trailing ``*``; ``name*`` denotes the complement).
    length : int
        Length in nt.
    kind : str
        ``"toehold"`` (designed with stickydesign) or ``"long"`` (stochastic search).
    """

    name: str
    length: int
    kind: str


@dataclass
class SequenceDesign:
    """Result of :func:`design_sequences`.

    Attributes
    ----------
    domains : dict[str, str]
        Sequence of each domain, 5'->3' (complements are derived, never stored).
    strands : dict[str, str]
        Assembled strand sequences, 5'->3'.
    toehold_dG : dict[str, float]
        Duplex binding energy of each toehold (kcal/mol, positive magnitude) as stickydesign's
        ``EnergeticsDAOE.matching_uniform`` computes it for a 'DT' end at ``temperature_C``,
        with the flanking bases given in ``toehold_ends``.
    toehold_ends : dict[str, str]
        The stickydesign 'DT' end per toehold: 5' duplex-side base, the toehold, and the
        complement-side context base, e.g. ``"G[AATTGG]A"``.
    toehold_dG_range : dict[str, tuple[float, float]]
        (min, max) of the same energy over all 16 choices of the two flanking bases
        (kcal/mol): how much the real sequence context can move the binding energy.
    complex_checks : list[dict]
        Per intended complex: ViennaRNA target/MFE comparison and ensemble defect.
    strand_checks : list[dict]
        Per strand: ViennaRNA MFE structure, ΔG and unpaired fraction.
    max_shared_kmer_found : int
        Longest k (nt) such that a k-mer occurs twice among the long domains and their
        reverse complements (distinct domains, a domain vs. any reverse complement including
        its own, or one domain at two positions), measured on the final design.
    seed : int
        Seed used (numpy global RNG for stickydesign, ``default_rng`` for the search).
    parameters : dict
        All design parameters and fixed settings used.
    search : dict
        Long-domain search statistics (iterations, initial and final violation counts).
    """

    domains: dict[str, str]
    strands: dict[str, str]
    toehold_dG: dict[str, float]
    toehold_ends: dict[str, str]
    toehold_dG_range: dict[str, tuple[float, float]]
    complex_checks: list[dict[str, Any]]
    strand_checks: list[dict[str, Any]]
    max_shared_kmer_found: int
    seed: int
    parameters: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (tuples become lists)."""
        return _jsonable(asdict(self))

    def domains_text(self) -> str:
        """Plain text, one ``name sequence`` line per domain (5'->3')."""
        return "".join(f"{name} {seq}\n" for name, seq in self.domains.items())

    def strands_fasta(self) -> str:
        """FASTA text of the assembled strands (5'->3')."""
        return "".join(f">{name}\n{seq}\n" for name, seq in self.strands.items())


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


# --------------------------------------------------------------------------- ViennaRNA
_DNA_PARAMS_LOADED = False


def vienna_dna_model(temperature_C: float = 25.0) -> Any:
    """Return an ``RNA.md`` model at ``temperature_C`` (°C) with DNA parameters loaded.

    ``RNA.params_load_DNA_Mathews2004()`` changes ViennaRNA's global energy parameters; it
    is called once per process, the first time this helper runs.
    """
    global _DNA_PARAMS_LOADED
    import RNA

    if not _DNA_PARAMS_LOADED:
        if not RNA.params_load_DNA_Mathews2004():
            raise DesignError("ViennaRNA could not load the DNA Mathews 2004 parameters")
        _DNA_PARAMS_LOADED = True
    md = RNA.md()
    md.temperature = float(temperature_C)
    return md


def _insert_breaks(structure: str, lengths: list[int]) -> str:
    parts, pos = [], 0
    for n in lengths:
        parts.append(structure[pos : pos + n])
        pos += n
    return "&".join(parts)


def _fold_checks(seqs: list[str], target: str | None, md: Any) -> dict[str, Any]:
    """MFE and (if ``target``) ensemble defect of one strand ordering (connected ensemble)."""
    import RNA

    fc = RNA.fold_compound("&".join(seqs), md)
    structure, mfe = fc.mfe()
    lengths = [len(s) for s in seqs]
    out: dict[str, Any] = {
        "mfe_structure": _insert_breaks(structure, lengths),
        "mfe_dG": float(mfe),
    }
    if mfe >= 1e4:  # ViennaRNA returns INF/100 when no connected structure exists
        out.update(mfe_structure=None, mfe_dG=None)
    if target is not None:
        flat = target.replace("&", "")
        out["mfe_equals_target"] = structure == flat
        if out["mfe_dG"] is None:
            out.update(ensemble_dG=None, ensemble_defect=1.0)
        else:
            fc.exp_params_rescale(mfe)
            _, ens = fc.pf()
            out["ensemble_dG"] = float(ens)
            out["ensemble_defect"] = float(fc.ensemble_defect(flat))
    return out


# --------------------------------------------------------------------------- helpers
def _revcomp(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def _encode(seq: str) -> np.ndarray:
    return np.frombuffer(seq.encode().translate(bytes.maketrans(b"ACGT", b"\0\1\2\3")), np.uint8)


def _decode(codes: np.ndarray) -> str:
    return "".join(_BASES[int(c)] for c in codes)


def _split_token(token: str) -> tuple[str, bool]:
    return (token[:-1], True) if token.endswith("*") else (token, False)


def _kmer_keys(windows: np.ndarray) -> np.ndarray:
    """Hash rows of a (M, k) base-code array to comparable keys (int64 if k <= 31)."""
    k = windows.shape[1]
    if k <= 31:
        powers = (4 ** np.arange(k - 1, -1, -1, dtype=np.int64)).astype(np.int64)
        return windows.astype(np.int64) @ powers
    rows = np.ascontiguousarray(windows.astype(np.uint8))
    return rows.view(np.dtype((np.void, k))).ravel()


def _duplicated(keys: np.ndarray) -> np.ndarray:
    """Boolean mask: key occurs more than once in ``keys``."""
    if keys.size == 0:
        return np.zeros(0, bool)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()] > 1


# --------------------------------------------------------------------------- validation
def _validate(
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    gc_range: tuple[float, float],
    max_shared_kmer: int,
    toehold_dG: float,
    toehold_dev: float,
    seed: int,
) -> dict[str, DomainSpec]:
    by_name: dict[str, DomainSpec] = {}
    for d in domains:
        if not d.name or d.name.endswith("*") or any(c.isspace() for c in d.name):
            raise DesignError(f"invalid domain name {d.name!r}")
        if d.name in by_name:
            raise DesignError(f"domain {d.name!r} is defined twice")
        if d.kind not in ("toehold", "long"):
            raise DesignError(
                f"domain {d.name!r}: kind must be 'toehold' or 'long', not {d.kind!r}"
            )
        if int(d.length) < 1:
            raise DesignError(f"domain {d.name!r}: length must be >= 1 nt, got {d.length}")
        by_name[d.name] = d
    for sname, toks in strands.items():
        if not toks:
            raise DesignError(f"strand {sname!r} has no domains")
        for tok in toks:
            if _split_token(tok)[0] not in by_name:
                raise DesignError(f"strand {sname!r} uses unknown domain {tok!r}")
    for cname, (snames, _) in complexes.items():
        for s in snames:
            if s not in strands:
                raise DesignError(f"complex {cname!r} uses unknown strand {s!r}")
    lo, hi = gc_range
    if not 0.0 <= lo <= hi <= 1.0:
        raise DesignError(f"gc_range must satisfy 0 <= low <= high <= 1, got {gc_range}")
    for d in domains:
        if d.kind == "long" and np.ceil(lo * d.length - 1e-9) > np.floor(hi * d.length + 1e-9):
            raise DesignError(
                f"gc_range {gc_range} admits no GC count for {d.length}-nt domain {d.name!r}; "
                "widen gc_range"
            )
    if max_shared_kmer < 2:
        raise DesignError(f"max_shared_kmer must be >= 2 nt, got {max_shared_kmer}")
    if toehold_dG <= 0 or toehold_dev <= 0:
        raise DesignError("toehold_dG and toehold_dev must be positive (kcal/mol magnitudes)")
    if int(seed) < 0:
        raise DesignError(f"seed must be a non-negative integer, got {seed}")
    return by_name


def _target_structure(
    cname: str, snames: list[str], db: str, strands: dict[str, list[str]], by_name: dict
) -> str:
    """Expand a domain-level dot-bracket into a nucleotide-level one with '&' breaks."""
    tokens = db.split()
    groups: list[list[str]] = [[]]
    for t in tokens:
        if t == "+":
            groups.append([])
        elif t in ("(", ")", "."):
            groups[-1].append(t)
        else:
            raise DesignError(
                f"complex {cname!r}: bad symbol {t!r} in {db!r} (use '(', ')', '.', '+', "
                "space separated)"
            )
    if len(groups) != len(snames):
        raise DesignError(
            f"complex {cname!r}: structure has {len(groups)} strands, list has {len(snames)}"
        )
    flat: list[tuple[str, str]] = []  # (symbol, domain token)
    for sname, g in zip(snames, groups, strict=True):
        if len(g) != len(strands[sname]):
            raise DesignError(
                f"complex {cname!r}: strand {sname!r} has {len(strands[sname])} domains but "
                f"the structure gives {len(g)} symbols"
            )
        flat.extend(zip(g, strands[sname], strict=True))
    stack: list[str] = []
    for sym, tok in flat:
        if sym == "(":
            stack.append(tok)
        elif sym == ")":
            if not stack:
                raise DesignError(f"complex {cname!r}: unbalanced ')' in {db!r}")
            other = stack.pop()
            (a, ca), (b, cb) = _split_token(other), _split_token(tok)
            if a != b or ca == cb:
                raise DesignError(
                    f"complex {cname!r}: paired domains {other!r} and {tok!r} are not complementary"
                )
    if stack:
        raise DesignError(f"complex {cname!r}: unbalanced '(' in {db!r}")
    parts = []
    for sname, g in zip(snames, groups, strict=True):
        parts.append(
            "".join(
                sym * by_name[_split_token(tok)[0]].length
                for sym, tok in zip(g, strands[sname], strict=True)
            )
        )
    return "&".join(parts)


# --------------------------------------------------------------------------- toeholds
def _energy_percentiles(length: int, energetics: Any) -> tuple[float, float, float]:
    """(5th, 50th, 95th) percentile of 'DT' end energies at ``length`` nt (kcal/mol)."""
    import stickydesign

    rng = np.random.default_rng(12345)
    sample = rng.integers(0, 4, size=(4096, length + 2), dtype=np.uint8)
    e = energetics.matching_uniform(stickydesign.EndArray(sample, "DT"))
    p5, p50, p95 = np.percentile(e, [5, 50, 95])
    return float(p5), float(p50), float(p95)


def _toehold_advice(length: int, target: float, energetics: Any) -> str:
    ok = [L for L in range(3, 16) if _energy_within(L, target, energetics)]
    lo, med, hi = _energy_percentiles(length, energetics)
    lengths = f"toehold length {ok[0]}-{ok[-1]} nt" if ok else "a different toehold length"
    return (
        f"typical {length}-nt toeholds bind with {lo:.1f}-{hi:.1f} kcal/mol (median {med:.1f}); "
        f"use {lengths} for {target:g} kcal/mol, or toehold_dG near {med:.1f}"
    )


def _energy_within(length: int, target: float, energetics: Any) -> bool:
    lo, _, hi = _energy_percentiles(length, energetics)
    return lo <= target <= hi


def _seeded_endchooser(target: float, rng: np.random.Generator) -> Any:
    """stickydesign's ``endchooser_standard`` with a seeded generator.

    stickydesign 0.9.2 draws from an unseeded ``np.random.default_rng()``, so seeding
    numpy's global RNG alone does not make ``easyends`` reproducible.
    """

    def endchooser(currentends: Any, availends: Any, energetics: Any) -> Any:
        ddiff = np.abs(energetics.matching_uniform(availends) - target)
        choices = np.flatnonzero(ddiff <= np.amin(ddiff))
        return availends[choices[rng.integers(0, len(choices))]]

    return endchooser


def _design_toeholds(
    names: list[str],
    length: int,
    target: float,
    dev: float,
    temperature_C: float,
    seed: int,
    three_letter: bool = False,
) -> list[tuple[str, str, float, tuple[float, float]]]:
    """Design all toeholds of one length with a single stickydesign call (when possible).

    Returns (toehold sequence, DT end with context, binding energy kcal/mol, 16-context range)
    per name, in order.
    """
    import stickydesign

    energetics = stickydesign.EnergeticsDAOE(temperature=temperature_C)
    n = len(names)
    where = (
        f"{n} toehold(s) of {length} nt with binding energy {target:g} ± {dev:g} kcal/mol "
        f"at {temperature_C:g} °C"
    )
    # Exact feasibility pre-check on the whole sequence space when it is small.
    if length <= 7:
        digits = 4 ** np.arange(length + 1, -1, -1, dtype=np.int64)
        space = ((np.arange(4 ** (length + 2))[:, None] // digits) % 4).astype(np.uint8)
        en = energetics.matching_uniform(stickydesign.EndArray(space, "DT"))
        if not np.any(np.abs(en - target) <= dev):
            raise DesignError(
                f"toehold constraint infeasible: no {length}-nt toehold reaches {target:g} ± "
                f"{dev:g} kcal/mol at {temperature_C:g} °C (max {en.max():.1f}, min "
                f"{en.min():.1f}); " + _toehold_advice(length, target, energetics)
            )
    fdevs = [min(TOEHOLD_FDEV_FIRST, dev / target)]
    if dev / target > TOEHOLD_FDEV_FIRST:
        fdevs.append(dev / target)
    spare = 1 + n // 8
    found: list[str] = []
    for fdev in fdevs:
        state = np.random.get_state()
        np.random.seed([seed, length])
        try:
            ends = stickydesign.easyends(
                "DT",
                length,
                number=n + spare,
                energetics=energetics,
                interaction=float(target),
                fdev=fdev,
                maxspurious=TOEHOLD_MAXSPURIOUS,
                tries=1,
                alphabet="h" if three_letter else "n",
                echoose=_seeded_endchooser(target, np.random.default_rng([seed, length])),
            )
        except Exception as exc:  # stickydesign raises assorted errors on empty spaces
            ends = []
            reason = f"{type(exc).__name__}: {exc}"
        else:
            reason = ""
        finally:
            np.random.set_state(state)
        good: list[str] = []
        if len(ends):
            ends_arr = stickydesign.EndArray(np.asarray(ends, np.uint8), "DT")
            dG = energetics.matching_uniform(ends_arr)
            for full, g in zip(ends_arr.tolist(), dG, strict=True):
                core = full[1:-1].upper()
                if abs(g - target) <= dev and not _FORBIDDEN_RE.search(core):
                    good.append(full.upper())
        if len(good) >= n:
            found = good[:n]
            break
        found = good
    if len(found) < n:
        raise DesignError(
            f"toehold constraint infeasible: stickydesign found only {len(found)} of {where} "
            f"(spurious <= {TOEHOLD_MAXSPURIOUS:g}x target, no GGGG/CCCC/AAAAA/TTTTT"
            + (f"; {reason}" if reason else "")
            + "); "
            + _toehold_advice(length, target, energetics)
        )
    out = []
    ctx = np.array([[a, b] for a in range(4) for b in range(4)], np.uint8)
    for full in found:
        codes = _encode(full)
        arr = stickydesign.EndArray(codes[None, :], "DT")
        g = float(energetics.matching_uniform(arr)[0])
        if abs(g - target) > dev:  # cannot happen after filtering; kept as a hard guarantee
            raise DesignError(f"toehold {full} binds with {g:.2f} kcal/mol, outside {where}")
        variants = np.repeat(codes[None, :], 16, axis=0)
        variants[:, 0], variants[:, -1] = ctx[:, 0], ctx[:, 1]
        ev = energetics.matching_uniform(stickydesign.EndArray(variants, "DT"))
        out.append(
            (
                full[1:-1],
                f"{full[0]}[{full[1:-1]}]{full[-1]}",
                g,
                (float(ev.min()), float(ev.max())),
            )
        )
    return out


# --------------------------------------------------------------------------- long domains
class _Layout:
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
        units = [[_split_token(t) for t in toks] for toks in strands.values()]
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

    def strand_codes(self, seq: np.ndarray) -> np.ndarray:
        s = seq[np.where(self.s_sep, 0, self.s_idx)].astype(np.int8)
        s = np.where(self.s_cmp, 3 - s, s)
        return np.where(self.s_sep, 9, s)


def _violations(
    seq: np.ndarray, lay: _Layout, gc_counts: tuple[np.ndarray, np.ndarray]
) -> tuple[int, np.ndarray]:
    """Return (violation score, mask of mutable positions involved in a violation)."""
    bad = np.zeros(lay.total, bool)
    score = 0
    # forbidden runs in strands (including junctions) and in each domain alone
    s = lay.strand_codes(seq)
    for base, run in _FORBIDDEN_RUNS:
        hit = np.convolve((s == base).astype(np.int32), np.ones(run, np.int32), "valid") == run
        if hit.any():
            starts = np.flatnonzero(hit)
            score += len(starts)
            pos = lay.s_idx[(starts[:, None] + np.arange(run)).ravel()]
            bad[pos[pos >= 0]] = True
    # shared k-mers (domain vs domain, vs reverse complements, self-complementarity)
    if len(lay.win):
        w = seq[lay.win]
        keys = np.concatenate([_kmer_keys(w), _kmer_keys(3 - w[:, ::-1])])
        dup = _duplicated(keys)
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


def _design_long(
    seq: np.ndarray,
    lay: _Layout,
    gc_range: tuple[float, float],
    rng: np.random.Generator,
    max_seconds: float,
    k: int,
    three_letter: bool = False,
) -> dict[str, Any]:
    """Mutate-and-check repair of the long domains in ``seq`` (in place).

    With ``three_letter`` the long domains use A, C and T only (no G).
    """
    alphabet = [0, 1, 3] if three_letter else [0, 1, 2, 3]
    strong = [1] if three_letter else [1, 2]
    lo, hi = gc_range
    low = np.ceil(lo * lay.lengths - 1e-9).astype(np.int64)
    high = np.floor(hi * lay.lengths + 1e-9).astype(np.int64)
    # initial draw: random bases with a GC count drawn inside the allowed range
    for i in lay.long_ids:
        n = int(lay.lengths[i])
        n_gc = int(rng.integers(low[i], high[i] + 1))
        gcmask = np.zeros(n, bool)
        gcmask[rng.choice(n, n_gc, replace=False)] = True
        seq[lay.starts[i] : lay.starts[i] + n] = np.where(
            gcmask, rng.choice(strong, n), rng.choice([0, 3], n)
        )
    score, bad = _violations(seq, lay, (low, high))
    initial = score
    t0 = time.monotonic()
    it = 0
    stall = 0
    while score > 0:
        it += 1
        if it % 64 == 0 and time.monotonic() - t0 > max_seconds:
            raise DesignError(
                f"long-domain search exceeded max_seconds={max_seconds:g} s with {score} "
                f"constraint violation(s) left (max_shared_kmer={k}, gc_range={gc_range}, "
                f"no GGGG/CCCC/AAAAA/TTTTT); raise max_shared_kmer to {k + 1}, widen gc_range "
                "or raise max_seconds"
            )
        cand = np.flatnonzero(bad)
        if len(cand) == 0:  # violations only among fixed toeholds: nothing to mutate
            raise DesignError(
                "sequence constraints cannot be met: remaining violations involve only "
                f"toeholds (shared {k}-mer or forbidden run across toehold junctions); "
                "raise max_shared_kmer or change toehold lengths"
            )
        if stall > 400:  # stuck: redraw one offending long domain completely
            i = int(lay.owner[rng.choice(cand)])
            sl = slice(lay.starts[i], lay.starts[i] + lay.lengths[i])
            trial = seq.copy()
            trial[sl] = rng.choice(alphabet, int(lay.lengths[i]))
            stall = 0
        else:
            p = int(rng.choice(cand))
            old = int(seq[p])
            i = int(lay.owner[p])
            sl = slice(lay.starts[i], lay.starts[i] + lay.lengths[i])
            gc = int(np.count_nonzero((seq[sl] == 1) | (seq[sl] == 2)))
            if gc < low[i] and old in (0, 3):
                choices = strong
            elif gc > high[i] and old in (1, 2):
                choices = [0, 3]
            else:
                choices = [b for b in alphabet if b != old]
            trial = seq.copy()
            trial[p] = int(rng.choice(choices))
        new_score, new_bad = _violations(trial, lay, (low, high))
        if new_score <= score:
            stall = stall + 1 if new_score == score else 0
            seq[:] = trial
            score, bad = new_score, new_bad
        else:
            stall += 1
    return {
        "iterations": it,
        "initial_violations": initial,
        "final_violations": score,
    }


def _max_shared_kmer(seqs: list[str]) -> int:
    """Longest k with a k-mer occurring twice among ``seqs`` and their reverse complements."""
    if not seqs:
        return 0
    codes = [_encode(s) for s in seqs]
    best = 0
    for k in range(1, max(len(c) for c in codes) + 1):
        wins = [np.lib.stride_tricks.sliding_window_view(c, k) for c in codes if len(c) >= k]
        if not wins:
            break
        w = np.concatenate(wins)
        keys = np.concatenate([_kmer_keys(w), _kmer_keys(3 - w[:, ::-1])])
        if not _duplicated(keys).any():
            break
        best = k
    return best


# --------------------------------------------------------------------------- main entry
def design_sequences(
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    seed: int = 0,
    toehold_dG: float = 7.7,
    toehold_dev: float = 0.5,
    temperature_C: float = 25.0,
    gc_range: tuple[float, float] = (0.35, 0.65),
    max_shared_kmer: int = 7,
    max_seconds: float = 60.0,
    three_letter: bool = True,
) -> SequenceDesign:
    """Design sequences for a domain-level system and check them with ViennaRNA.

    Parameters
    ----------
    domains : list[DomainSpec]
        Domains with lengths (nt) and kinds ('toehold' or 'long').
    strands : dict[str, list[str]]
        Strand name -> domain names 5'->3'; a trailing ``*`` marks the complement.
    complexes : dict[str, tuple[list[str], str]]
        Complex name -> (strand names in order, domain-level dot-bracket such as
        ``"( ( + ) ) ."``: one symbol per domain, space separated, ``+`` between strands).
    seed : int
        Seed (>= 0) for stickydesign (a seeded end chooser plus numpy's global RNG, which
        is restored afterwards) and for the long-domain search (``default_rng``).
    toehold_dG : float
        Target toehold binding energy magnitude, kcal/mol (stickydesign DAOE, 'DT' ends).
    toehold_dev : float
        Allowed deviation from ``toehold_dG``, kcal/mol.
    temperature_C : float
        Temperature for stickydesign and ViennaRNA, °C.
    gc_range : tuple[float, float]
        Allowed GC fraction of long domains.
    max_shared_kmer : int
        k (nt): no k-mer is shared between two domains, a domain and any domain's reverse
        complement (itself included), or two positions of one domain.
    max_seconds : float
        Time bound (s) on the long-domain search.
    three_letter : bool
        Piperine's three-letter code: every domain (toeholds and long domains) uses
        A, C and T only, so strands built from uncomplemented domains hold no G and
        strands of complements no C, and neither can pair G·C with itself.

    Returns
    -------
    SequenceDesign
        Sequences, toehold energies and ViennaRNA checks.

    Raises
    ------
    DesignError
        Invalid input, infeasible toehold or long-domain constraints, or time-out.
    """
    k = int(max_shared_kmer)
    by_name = _validate(domains, strands, complexes, gc_range, k, toehold_dG, toehold_dev, seed)
    targets = {
        cname: _target_structure(cname, list(sn), db, strands, by_name)
        for cname, (sn, db) in complexes.items()
    }

    # --- toeholds: one stickydesign call per length
    lay = _Layout(domains, strands, k)
    if 2 * len(lay.win) > 4**k:
        raise DesignError(
            f"max_shared_kmer={k} is infeasible: the domains hold {len(lay.win)} {k}-mers, "
            f"which with their reverse complements exceed the {4**k} distinct {k}-mers; "
            f"raise max_shared_kmer to at least {k + 1}"
        )
    seq = np.zeros(lay.total, np.uint8)
    index = {n: i for i, n in enumerate(lay.names)}
    by_len: dict[int, list[str]] = {}
    for d in domains:
        if d.kind == "toehold":
            by_len.setdefault(int(d.length), []).append(d.name)
    chosen: dict[str, tuple[str, str, float, tuple[float, float]]] = {}
    for length in sorted(by_len):
        names = by_len[length]
        found = _design_toeholds(
            names, length, toehold_dG, toehold_dev, temperature_C, seed, three_letter
        )
        chosen.update(zip(names, found, strict=True))
    rng = np.random.default_rng(seed)
    _place_toeholds(chosen, by_len, lay, seq, index, strands, rng)
    th_ends = {n: c[1] for n, c in chosen.items()}
    th_dG = {n: c[2] for n, c in chosen.items()}
    th_range = {n: c[3] for n, c in chosen.items()}

    # --- long domains
    search = _design_long(seq, lay, gc_range, rng, max_seconds, k, three_letter)

    dom_seqs = {
        n: _decode(seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]])
        for i, n in enumerate(lay.names)
    }
    strand_seqs = {s: _assemble(toks, dom_seqs) for s, toks in strands.items()}

    # --- ViennaRNA checks
    md = vienna_dna_model(temperature_C)
    complex_checks: list[dict[str, Any]] = []
    for cname, (snames, db) in complexes.items():
        entry: dict[str, Any] = {
            "name": cname,
            "strands": list(snames),
            "domain_structure": db,
            "target": targets[cname],
        }
        if len(snames) > _MAX_STRANDS_CHECKED:
            entry.update(
                skipped=True,
                reason=f"{len(snames)} strands; ViennaRNA checks run for up to "
                f"{_MAX_STRANDS_CHECKED} strands",
            )
        else:
            entry["skipped"] = False
            entry.update(_fold_checks([strand_seqs[s] for s in snames], targets[cname], md))
        complex_checks.append(entry)
    strand_checks = []
    for sname, s in strand_seqs.items():
        chk = _fold_checks([s], None, md)
        structure = chk["mfe_structure"]
        strand_checks.append(
            {
                "name": sname,
                "length": len(s),
                "mfe_structure": structure,
                "mfe_dG": chk["mfe_dG"],
                "unpaired_fraction": structure.count(".") / len(s),
            }
        )

    long_seqs = [dom_seqs[lay.names[i]] for i in lay.long_ids]
    parameters = {
        "toehold_dG": float(toehold_dG),
        "toehold_dev": float(toehold_dev),
        "temperature_C": float(temperature_C),
        "gc_range": [float(gc_range[0]), float(gc_range[1])],
        "max_shared_kmer": k,
        "three_letter": bool(three_letter),
        "max_seconds": float(max_seconds),
        "forbidden_runs": ["GGGG", "CCCC", "AAAAA", "TTTTT"],
        "toehold_energetics": "stickydesign EnergeticsDAOE, 'DT' ends",
        "toehold_maxspurious": TOEHOLD_MAXSPURIOUS,
        "vienna_parameters": "DNA Mathews 2004",
        "vienna_ensemble": "connected structures of the given strand order",
    }
    return SequenceDesign(
        domains=dom_seqs,
        strands=strand_seqs,
        toehold_dG=th_dG,
        toehold_ends=th_ends,
        toehold_dG_range=th_range,
        complex_checks=complex_checks,
        strand_checks=strand_checks,
        max_shared_kmer_found=_max_shared_kmer(long_seqs),
        seed=int(seed),
        parameters=parameters,
        search=search,
    )


def _assemble(tokens: Iterable[str], dom_seqs: dict[str, str]) -> str:
    parts = []
    for tok in tokens:
        name, is_comp = _split_token(tok)
        parts.append(_revcomp(dom_seqs[name]) if is_comp else dom_seqs[name])
    return "".join(parts)


def _place_toeholds(
    chosen: dict[str, tuple[str, str, float, tuple[float, float]]],
    by_len: dict[int, list[str]],
    lay: _Layout,
    seq: np.ndarray,
    index: dict[str, int],
    strands: dict[str, list[str]],
    rng: np.random.Generator,
) -> None:
    """Write toeholds into ``seq``; permute same-length toeholds (in ``chosen``) if two
    adjacent toeholds would form a forbidden run, which the long-domain search cannot repair."""

    def junction_ok() -> bool:
        masked = {n: "N" * int(lay.lengths[index[n]]) for n in lay.names}
        masked.update({n: c[0] for n, c in chosen.items()})
        return not any(_FORBIDDEN_RE.search(_assemble(t, masked)) for t in strands.values())

    for _ in range(200):
        if junction_ok():
            for name, c in chosen.items():
                i = index[name]
                seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]] = _encode(c[0])
            return
        for names in by_len.values():
            items = [chosen[n] for n in names]
            for n, j in zip(names, rng.permutation(len(names)), strict=True):
                chosen[n] = items[j]
    raise DesignError(
        "toeholds adjacent in a strand always form GGGG/CCCC/AAAAA/TTTTT across their "
        "junction; separate them or change toehold lengths"
    )
