"""Sequence design for domain-level strand-displacement systems.

Toeholds come from stickydesign (nearest-neighbour DAOE energetics, one ``easyends``
call per toehold length) at a target binding energy, deviation and maximum spurious
interaction (Srinivas et al. 2017 defaults: 7.7 kcal/mol, 0.5 kcal/mol, 0.4); the seeded
end chooser avoids toeholds holding a self-complementary 4-mer (AATT, ATAT, ...) while
others are left.  Long (branch-migration) domains come from a seeded four-phase search:

1. *repair*: random draw, then mutate-and-check until the hard constraints hold: no
   forbidden motif (:data:`FORBIDDEN_MOTIFS`) in any strand, GC content of every long
   domain inside ``gc_range``, and no ``max_shared_kmer``-mer shared between two
   positions of the domains or their complements;
2. *sequence symmetry minimisation*: ``ssm_steps`` single-base proposals, most at
   positions that take part in a spurious match, each accepted when it keeps the hard
   constraints and does not raise the weighted count of spurious complementary and
   identical k-mers (with one-mismatch variants) between all strands in context
   (:class:`dsdcrn.spurious.SpuriousSearch`, re-scored incrementally) plus a penalty for
   each GGG or CCC (:data:`AVOIDED_MOTIFS`) and for each strand window of
   :data:`TOEHOLD_MATCH_NT` nt reading part of a toehold whose complement lies exposed in
   an intended complex, in a strand that is no intended partner of it;
3. *ensemble defects*: ViennaRNA-guided changes at the nucleotides that pair wrongly in
   any intended complex whose ensemble defect exceeds ``defect_target`` (every base
   tried; a change that would repeat a ``k``-mer is paired with a compensating change in
   the clashing window), kept when the hard constraints hold, no spurious complementary
   match of :data:`DEFECT_GATE_K` nt or more appears, and the defects above target fall;
4. *exposed toeholds*: the windows of phase 2's toehold penalty that remain are changed
   where the constraints hold and no defect rises above target
   (:func:`_refine_toehold_matches`).

With ``three_letter`` (Piperine's code) every domain uses A, C and T only, so strands of
uncomplemented domains hold no G and strands of complements no C.  Every intended complex
and strand is then checked with ViennaRNA using DNA (Mathews 2004) parameters.

If ``toehold_maxspurious`` is left at its default (``None``), 0.4 is tried first and, only
when stickydesign cannot supply enough toeholds, the first of
:data:`TOEHOLD_MAXSPURIOUS_FALLBACK` that can (recorded in ``parameters``); an explicit
value is used as given and an infeasible one raises :class:`DesignError` with settings
that work.

Units: lengths in nt, free energies in kcal/mol, temperatures in °C, salt in M Na+.
Binding energies of toeholds are reported as positive magnitudes (stickydesign
convention); ViennaRNA ΔG values keep their sign (negative = favourable).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .errors import DesignError
from .spurious import SpuriousSearch

__all__ = [
    "AVOIDED_MOTIFS",
    "FORBIDDEN_MOTIFS",
    "DesignProblem",
    "DomainSpec",
    "SequenceDesign",
    "design_sequences",
    "domain_layout",
    "target_structures",
    "vienna_checks",
    "find_motifs",
    "vienna_dna_model",
]

_BASES = "ACGT"  # code 0..3; complement of code c is 3 - c (same order as stickydesign)
_CODE = {b: i for i, b in enumerate(_BASES)}
_IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "W": "AT", "S": "CG"}
#: Forbidden motifs in every strand, junctions included (IUPAC W = A/T, S = C/G); the set
#: is closed under complementation: G or C runs of 4, A or T runs of 5, A/T or G/C runs of 6.
FORBIDDEN_MOTIFS: tuple[str, ...] = ("GGGG", "CCCC", "AAAAA", "TTTTT", "WWWWWW", "SSSSSS")
#: Avoided motifs: each occurrence in a strand adds :data:`AVOIDED_MOTIF_WEIGHT` to the SSM
#: score (forbidding them too leaves three-letter domains with too few distinct k-mers).
AVOIDED_MOTIFS: tuple[str, ...] = ("GGG", "CCC")
AVOIDED_MOTIF_WEIGHT = 4.0
#: A strand window of this many nt equal to part of a toehold whose complement lies
#: exposed (unpaired) in an intended complex binds there (about -6 kcal/mol for 5 nt); each
#: such window in a strand that is not an intended partner adds this to the SSM score.
TOEHOLD_MATCH_NT = 5
TOEHOLD_MATCH_WEIGHT = 24.0
#: Each motif as (set of base codes, run length), for the vectorised checks.
_FORBIDDEN_RUNS: tuple[tuple[frozenset[int], int], ...] = tuple(
    (frozenset(_CODE[b] for b in _IUPAC[m[0]]), len(m)) for m in FORBIDDEN_MOTIFS
)
_AVOIDED_RUNS: tuple[tuple[frozenset[int], int], ...] = tuple(
    (frozenset(_CODE[b] for b in _IUPAC[m[0]]), len(m)) for m in AVOIDED_MOTIFS
)


def _motif_re(motifs: tuple[str, ...]) -> re.Pattern:
    return re.compile(
        "(?=(" + "|".join("".join(f"[{_IUPAC[c]}]" for c in m) for m in motifs) + "))"
    )


_FORBIDDEN_RE = _motif_re(FORBIDDEN_MOTIFS)

#: stickydesign settings used for toeholds.
TOEHOLD_MAXSPURIOUS = 0.4  # Srinivas et al. 2017: spurious <= 0.4 x the target energy
#: Relaxed in this order when the default cannot supply enough toeholds (module doc).
TOEHOLD_MAXSPURIOUS_FALLBACK = (0.45, 0.5, 0.55, 0.6)
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
class DesignProblem:
    """Everything a sequence design starts from: the domain-level system.

    Attributes
    ----------
    domains : list[DomainSpec]
        Domains with lengths (nt) and kinds.
    strands : dict[str, list[str]]
        Strand name -> domain tokens 5'->3' (``x*`` a complement).
    complexes : dict[str, tuple[list[str], str]]
        Complex name -> (strand names, domain-level dot-bracket, ``+`` between strands).
    concentrations_nM : dict[str, float]
        Intended concentration of each complex, nM (missing or 0: not added at start).
    """

    domains: list[DomainSpec]
    strands: dict[str, list[str]]
    complexes: dict[str, tuple[list[str], str]]
    concentrations_nM: dict[str, float] = field(default_factory=dict)

    def strand_concentrations_nM(self) -> dict[str, float]:
        """Total concentration of each strand over the complexes that hold it, nM."""
        out = dict.fromkeys(self.strands, 0.0)
        for cname, (snames, _) in self.complexes.items():
            for s in snames:
                out[s] += float(self.concentrations_nM.get(cname, 0.0))
        return out

    def design(self, **kwargs: Any) -> SequenceDesign:
        """:func:`design_sequences` on this problem (keyword arguments passed on)."""
        return design_sequences(self.domains, self.strands, self.complexes, **kwargs)


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
        Long-domain search statistics (repair iterations, initial and final violation
        counts; SSM steps, accepted changes, initial and final weighted spurious score).
    timings : dict
        Wall-clock seconds per search phase (not part of :meth:`to_json_dict`, which is
        the same for the same inputs and seed).
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
    timings: dict[str, float] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (tuples become lists; no timings)."""
        out = _jsonable(asdict(self))
        out.pop("timings", None)
        return out

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


def vienna_dna_model(temperature_C: float = 25.0, salt_M: float | None = None) -> Any:
    """Return an ``RNA.md`` model at ``temperature_C`` (°C) with DNA parameters loaded.

    ``RNA.params_load_DNA_Mathews2004()`` changes ViennaRNA's global energy parameters; it
    is called once per process, the first time this helper runs.  ``salt_M`` (M Na+) sets
    ViennaRNA's salt correction (``md.salt``); ``None`` keeps its standard 1.021 M, the
    condition the parameters were measured at (about 1 M Na+).
    """
    global _DNA_PARAMS_LOADED
    import RNA

    if not _DNA_PARAMS_LOADED:
        if not RNA.params_load_DNA_Mathews2004():
            raise DesignError("ViennaRNA could not load the DNA Mathews 2004 parameters")
        _DNA_PARAMS_LOADED = True
    md = RNA.md()
    md.temperature = float(temperature_C)
    if salt_M is not None:
        if not 0 < salt_M <= 10:
            raise DesignError(f"salt must be in (0, 10] M Na+, got {salt_M:g}")
        md.salt = float(salt_M)
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


def find_motifs(seq: str, motifs: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """Every occurrence (0-based start, motif) of a motif in ``seq`` (IUPAC W, S allowed).

    ``motifs`` defaults to :data:`FORBIDDEN_MOTIFS` + :data:`AVOIDED_MOTIFS`; overlapping
    occurrences all count (``GGGG`` holds ``GGG`` twice).
    """
    out = []
    for m in FORBIDDEN_MOTIFS + AVOIDED_MOTIFS if motifs is None else motifs:
        pat = re.compile("(?=" + "".join(f"[{_IUPAC[c]}]" for c in m) + ")")
        out.extend((h.start(), m) for h in pat.finditer(seq.upper()))
    return sorted(out)


def domain_layout(domains: list[DomainSpec]) -> dict[str, tuple[int, int]]:
    """Domain name -> (start, length) in the concatenated domain vector (nt), in order."""
    out, pos = {}, 0
    for d in domains:
        out[d.name] = (pos, int(d.length))
        pos += int(d.length)
    return out


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
    toehold_maxspurious: float | None,
    ssm_steps: int,
    defect_target: float,
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
    if toehold_maxspurious is not None and not 0 < toehold_maxspurious <= 1:
        raise DesignError(
            f"toehold_maxspurious must be in (0, 1] (fraction of toehold_dG), "
            f"got {toehold_maxspurious:g}"
        )
    if int(ssm_steps) < 0:
        raise DesignError(f"ssm_steps must be >= 0, got {ssm_steps}")
    if not 0 < defect_target < 1:
        raise DesignError(f"defect_target must be in (0, 1), got {defect_target:g}")
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


def _self_complementary(codes: np.ndarray, n: int = 4) -> np.ndarray:
    """Rows (base codes) holding an ``n``-mer equal to its own reverse complement."""
    if codes.shape[1] < n:
        return np.zeros(len(codes), bool)
    w = np.lib.stride_tricks.sliding_window_view(codes.astype(np.int64), n, axis=1)
    return (w + w[:, :, ::-1] == 3).all(axis=2).any(axis=1)


def _seeded_endchooser(target: float, rng: np.random.Generator) -> Any:
    """stickydesign's ``endchooser_standard`` with a seeded generator.

    stickydesign 0.9.2 draws from an unseeded ``np.random.default_rng()``, so seeding
    numpy's global RNG alone does not make ``easyends`` reproducible.
    """

    def endchooser(currentends: Any, availends: Any, energetics: Any) -> Any:
        ddiff = np.abs(energetics.matching_uniform(availends) - target)
        # prefer toeholds without a self-complementary 4-mer (AATT, ATAT, ...: they pair
        # with themselves and fold back on the strand); allowed if nothing else is left
        ddiff = ddiff + 100.0 * _self_complementary(np.asarray(availends)[:, 1:-1])
        choices = np.flatnonzero(ddiff <= np.amin(ddiff))
        return availends[choices[rng.integers(0, len(choices))]]

    return endchooser


def _easyends(
    length: int,
    number: int,
    target: float,
    fdev: float,
    maxspurious: float,
    three_letter: bool,
    seed: int,
    energetics: Any,
) -> tuple[list[str], str]:
    """stickydesign ``easyends`` ('DT' ends, seeded), filtered to the deviation and motifs.

    Returns (ends as context + toehold + context, reason text if stickydesign failed).
    """
    import stickydesign

    state = np.random.get_state()
    np.random.seed([seed, length])
    try:
        ends = stickydesign.easyends(
            "DT",
            length,
            number=number,
            energetics=energetics,
            interaction=float(target),
            fdev=fdev,
            maxspurious=maxspurious,
            tries=1,
            alphabet="h" if three_letter else "n",
            echoose=_seeded_endchooser(target, np.random.default_rng([seed, length])),
        )
    except Exception as exc:  # stickydesign raises assorted errors on empty spaces
        return [], f"{type(exc).__name__}: {exc}"
    finally:
        np.random.set_state(state)
    good: list[str] = []
    if len(ends):
        ends_arr = stickydesign.EndArray(np.asarray(ends, np.uint8), "DT")
        dG = energetics.matching_uniform(ends_arr)
        for full, g in zip(ends_arr.tolist(), dG, strict=True):
            core = full[1:-1].upper()
            if abs(g - target) <= fdev * target + 1e-9 and not _FORBIDDEN_RE.search(core):
                good.append(full.upper())
    return good, ""


def _feasible_settings(
    n: int,
    length: int,
    target: float,
    dev: float,
    maxspurious: float,
    three_letter: bool,
    energetics: Any,
) -> str:
    """Settings (spurious limit, deviation, length) at which stickydesign finds ``n`` ends."""
    tries = [(ms, dev, length) for ms in (0.5, 0.6) if ms > maxspurious]
    tries += [(maxspurious, dev + 0.25, length), (maxspurious, dev, length + 1)]
    for ms, dv, L in tries:
        found, _ = _easyends(L, 0, target, dv / target, ms, three_letter, 0, energetics)
        if len(found) >= n:
            return (
                f"stickydesign finds {len(found)} with toehold_maxspurious={ms:g}, "
                f"toehold_dev={dv:g}, toehold length {L} nt"
            )
    return (
        "no tried relaxation (spurious 0.5-0.6, deviation +0.25, length +1) suffices; "
        + _toehold_advice(length, target, energetics)
    )


def _design_toeholds(
    names: list[str],
    length: int,
    target: float,
    dev: float,
    temperature_C: float,
    seed: int,
    three_letter: bool = False,
    maxspurious: float = TOEHOLD_MAXSPURIOUS,
    advise: bool = True,
) -> list[tuple[str, str, float, tuple[float, float]]]:
    """Design all toeholds of one length with a single stickydesign call (when possible).

    Returns (toehold sequence, DT end with context, binding energy kcal/mol, 16-context range)
    per name, in order.  Raises :class:`DesignError` (with feasible settings when
    ``advise``) if stickydesign cannot supply enough.
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
    reason = ""
    for fdev in fdevs:
        good, reason = _easyends(
            length, n + spare, target, fdev, maxspurious, three_letter, seed, energetics
        )
        if len(good) >= n:
            found = good[:n]
            break
        found = good
    if len(found) < n:
        raise DesignError(
            f"toehold constraint infeasible: stickydesign found only {len(found)} of {where} "
            f"(maximum spurious {maxspurious:g} x target, alphabet "
            + ("A/C/T" if three_letter else "A/C/G/T")
            + ", no "
            + "/".join(FORBIDDEN_MOTIFS)
            + (f"; {reason}" if reason else "")
            + "); "
            + (
                _feasible_settings(n, length, target, dev, maxspurious, three_letter, energetics)
                if advise
                else _toehold_advice(length, target, energetics)
            )
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
        from .spurious import strand_labels

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
    for bases, run in _FORBIDDEN_RUNS:
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


class _Hard:
    """Local checks of the hard constraints for one-base changes (the SSM phase).

    The same constraints as :func:`_violations`: motifs in every strand and domain
    (junctions included), GC counts of long domains, distinct ``k``-mers in the domains
    and their complements.  Only windows holding the changed position are re-checked.
    """

    def __init__(
        self,
        seq: np.ndarray,
        lay: _Layout,
        unit_labels: list[np.ndarray],
        gc_counts: tuple[np.ndarray, np.ndarray],
        exposed: list[tuple[int, bool, set[int]]] | None = None,
    ) -> None:
        from .spurious import _csr, codes, windows

        self.lay = lay
        self.low, self.high = gc_counts
        self.gc = np.add.reduceat(((seq == 1) | (seq == 2)).astype(np.int64), lay.starts)
        self.motifs = []  # forbidden: (labels, offsets, windows, tables)
        self.soft = []  # avoided: the same
        for runs, dest in ((_FORBIDDEN_RUNS, self.motifs), (_AVOIDED_RUNS, self.soft)):
            for run in sorted({r for _, r in runs}):
                L, _ = windows(unit_labels, run)
                if not len(L):
                    continue
                L = np.unique(L, axis=0)
                off, win = _csr((L >> 1).ravel(), np.repeat(np.arange(len(L)), run), lay.total)
                tables = [np.isin(np.arange(4), list(b)) for b, r in runs if r == run]
                dest.append((L, off, win, tables))
        # strand windows matching an exposed toehold complement over TOEHOLD_MATCH_NT nt
        self.th = None
        if exposed:
            n = TOEHOLD_MATCH_NT
            L, sid = windows(lay.labels, n)
            forb = np.zeros((4**n, len(exposed)), bool)
            allowed = np.zeros((len(lay.labels), len(exposed)), bool)
            for j, (i, comp, holders) in enumerate(exposed):
                # a strand binds exposed t* where it reads t (and exposed t where it reads t*)
                t = seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]].astype(np.int64)
                t = t if comp else (3 - t)[::-1]
                for a in range(len(t) - n + 1):
                    forb[int(t[a : a + n] @ (4 ** np.arange(n - 1, -1, -1))), j] = True
                allowed[list(holders), j] = True
            if len(L):
                off, win = _csr((L >> 1).ravel(), np.repeat(np.arange(len(L)), n), lay.total)
                self.th = (L, sid, off, win, forb, allowed, 4 ** np.arange(n - 1, -1, -1))
        self.D = None
        if len(lay.win):
            D = np.concatenate([2 * lay.win, (2 * lay.win + 1)[:, ::-1]])
            self.D = D
            self.Dkeys = _kmer_keys(codes(seq, D))
            self.SD = np.sort(self.Dkeys)
            self.Doff, self.Dwin = _csr(
                (D >> 1).ravel(), np.repeat(np.arange(len(D)), D.shape[1]), lay.total
            )

    def check(self, trial: np.ndarray, g: int, old: int) -> tuple | None:
        """The change to apply if ``trial`` (``seq`` with base ``g`` changed) is allowed."""
        from .spurious import _count, codes

        i = int(self.lay.owner[g])
        dgc = int(trial[g] in (1, 2)) - int(old in (1, 2))
        if dgc and not self.low[i] <= self.gc[i] + dgc <= self.high[i]:
            return None
        for L, off, win, tables in self.motifs:
            A = win[off[g] : off[g + 1]]
            if len(A):
                C = codes(trial, L[A])
                if any(t[C].all(axis=1).any() for t in tables):
                    return None
        change = None
        if self.D is not None:
            A = self.Dwin[self.Doff[g] : self.Doff[g + 1]]
            if len(A):
                new = _kmer_keys(codes(trial, self.D[A]))
                so, sn = np.sort(self.Dkeys[A]), np.sort(new)
                cnt = _count(self.SD, new) - _count(so, new) + _count(sn, new)
                if (cnt > 1).any():
                    return None
                change = (A, new)
        return (i, dgc, change)

    def collisions(self, trial: np.ndarray, g: int, old: int) -> np.ndarray | None:
        """Positions of the windows elsewhere whose ``k``-mer the change at ``g`` would
        repeat (empty: the change is allowed); ``None`` if it breaks the GC window or
        makes a forbidden motif (or repeats a ``k``-mer among its own windows)."""
        from .spurious import codes

        i = int(self.lay.owner[g])
        dgc = int(trial[g] in (1, 2)) - int(old in (1, 2))
        if dgc and not self.low[i] <= self.gc[i] + dgc <= self.high[i]:
            return None
        for L, off, win, tables in self.motifs:
            A = win[off[g] : off[g + 1]]
            if len(A) and any(t[codes(trial, L[A])].all(axis=1).any() for t in tables):
                return None
        if self.D is None:
            return np.zeros(0, np.int64)
        A = self.Dwin[self.Doff[g] : self.Doff[g + 1]]
        new = _kmer_keys(codes(trial, self.D[A]))
        if len(np.unique(new)) < len(new):
            return None
        rest = np.ones(len(self.Dkeys), bool)
        rest[A] = False
        hit = np.flatnonzero(rest & np.isin(self.Dkeys, new))
        return np.unique(self.D[hit] >> 1)

    def force(self, seq: np.ndarray, positions: list[int]) -> None:
        """Bring the state in step with ``seq`` after changes at ``positions``."""
        from .spurious import _replace_sorted, codes

        for g in positions:
            i = int(self.lay.owner[g])
            s = seq[self.lay.starts[i] : self.lay.starts[i] + self.lay.lengths[i]]
            self.gc[i] = int(((s == 1) | (s == 2)).sum())
        if self.D is not None:
            A = np.unique(
                np.concatenate([self.Dwin[self.Doff[g] : self.Doff[g + 1]] for g in positions])
            )
            if len(A):
                new = _kmer_keys(codes(seq, self.D[A]))
                self.SD = _replace_sorted(self.SD, self.Dkeys[A], new)
                self.Dkeys[A] = new

    def _toehold_hits(self, seq: np.ndarray, A: np.ndarray | None = None) -> np.ndarray:
        """Which strand windows (``A``: those only) match an exposed toehold complement
        of a strand that is not its intended partner."""
        from .spurious import codes

        L, sid, _, _, forb, allowed, pw = self.th
        if A is not None:
            L, sid = L[A], sid[A]
        keys = codes(seq, L) @ pw
        return (forb[keys] & ~allowed[sid]).any(axis=1)

    def soft_delta(self, seq: np.ndarray, trial: np.ndarray, g: int) -> float:
        """Change in the soft score (:meth:`soft_total`) from windows holding ``g``."""
        from .spurious import codes

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
                hits = int(self._toehold_hits(trial, A).sum() - self._toehold_hits(seq, A).sum())
                out += TOEHOLD_MATCH_WEIGHT * hits
        return out

    def soft_total(self, seq: np.ndarray) -> float:
        """:data:`AVOIDED_MOTIF_WEIGHT` x distinct windows holding an avoided motif, plus
        :data:`TOEHOLD_MATCH_WEIGHT` x strand windows matching an exposed toehold
        complement of a strand that is not an intended partner."""
        from .spurious import codes

        n = 0
        for L, _, _, tables in self.soft:
            C = codes(seq, L)
            n += sum(int(t[C].all(axis=1).sum()) for t in tables)
        out = AVOIDED_MOTIF_WEIGHT * n
        if self.th is not None:
            out += TOEHOLD_MATCH_WEIGHT * int(self._toehold_hits(seq).sum())
        return out

    def soft_hot(self, seq: np.ndarray) -> np.ndarray:
        """Positions in strand windows matching an exposed toehold complement."""
        if self.th is None:
            return np.zeros(0, np.int64)
        return np.unique(self.th[0][self._toehold_hits(seq)] >> 1)

    def apply(self, ok: tuple) -> None:
        from .spurious import _replace_sorted

        i, dgc, change = ok
        self.gc[i] += dgc
        if change is not None:
            A, new = change
            self.SD = _replace_sorted(self.SD, self.Dkeys[A], new)
            self.Dkeys[A] = new


def _design_long(
    seq: np.ndarray,
    lay: _Layout,
    gc_range: tuple[float, float],
    rng: np.random.Generator,
    max_seconds: float,
    k: int,
    three_letter: bool = False,
    ssm_steps: int = 0,
    exposed: list[tuple[int, bool, set[int]]] | None = None,
) -> tuple[dict[str, Any], dict[str, float], Any, _Hard]:
    """Design the long domains in ``seq`` (in place): repair, then SSM refinement.

    With ``three_letter`` the long domains use A, C and T only (no G).  Returns (search
    statistics, wall-clock seconds per phase, the SSM score state, the hard-constraint
    checker), the last two in step with ``seq`` for further refinement.
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
                f"no {'/'.join(FORBIDDEN_MOTIFS)}); raise max_shared_kmer to {k + 1}, widen "
                "gc_range or raise max_seconds"
            )
        cand = np.flatnonzero(bad)
        if len(cand) == 0:  # violations only among fixed toeholds: nothing to mutate
            raise DesignError(
                "sequence constraints cannot be met: remaining violations involve only "
                f"toeholds (shared {k}-mer or forbidden motif across toehold junctions); "
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
    stats: dict[str, Any] = {
        "iterations": it,
        "initial_violations": initial,
        "final_violations": score,
    }
    timings = {"repair_s": round(time.monotonic() - t0, 3)}
    t1 = time.monotonic()
    ssm = SpuriousSearch(lay.labels, seq)
    hard = _Hard(seq, lay, lay.unit_labels, (low, high), exposed)
    mut = np.flatnonzero(lay.mutable)
    if ssm_steps and len(mut):
        stats.update(_refine_ssm(seq, lay, ssm, hard, alphabet, rng, ssm_steps))
    timings["ssm_s"] = round(time.monotonic() - t1, 3)
    return stats, timings, ssm, hard


#: Share of SSM proposals drawn from positions in a spurious match (the rest: uniform).
SSM_HOT_SHARE = 0.8
#: Steps between refreshes of the list of positions in spurious matches.
SSM_REFRESH = 100


def _refine_ssm(
    seq: np.ndarray,
    lay: _Layout,
    ssm: SpuriousSearch,
    hard: _Hard,
    alphabet: list[int],
    rng: np.random.Generator,
    steps: int,
) -> dict[str, Any]:
    """Sequence symmetry minimisation of the long domains (in place; hard constraints kept).

    Each step proposes one base change and accepts it when the hard constraints hold and
    the score does not rise: the weighted spurious k-mer count
    (:class:`dsdcrn.spurious.SpuriousSearch`) plus :data:`AVOIDED_MOTIF_WEIGHT` per
    distinct strand window holding an avoided motif (GGG, CCC).
    """
    initial = score = ssm.score + hard.soft_total(seq)
    mut = np.flatnonzero(lay.mutable)
    hot = mut
    accepted = 0
    for step in range(steps):
        if step % SSM_REFRESH == 0:
            hot = np.intersect1d(np.union1d(ssm.hot_positions(), hard.soft_hot(seq)), mut)
        pool = hot if len(hot) and rng.random() < SSM_HOT_SHARE else mut
        p = int(pool[rng.integers(len(pool))])
        old = int(seq[p])
        choices = [b for b in alphabet if b != old]
        b = choices[int(rng.integers(len(choices)))]
        trial = seq.copy()
        trial[p] = b
        ok = hard.check(trial, p, old)
        if ok is None:
            continue
        d, change = ssm.propose(p, b)
        soft = hard.soft_delta(seq, trial, p)
        if d + soft <= 0:
            ssm.accept(d, change)
            hard.apply(ok)
            seq[p] = b
            score += d + soft
            accepted += 1
    return {
        "ssm_steps": steps,
        "ssm_accepted": accepted,
        "ssm_initial_score": float(initial),
        "ssm_final_score": float(score),
    }


#: A defect-reducing change may not add spurious exact matches this long or longer (nt).
DEFECT_GATE_K = 8


class _Defects:
    """Ensemble defects of the intended complexes, re-evaluated per changed domain."""

    def __init__(
        self,
        seq: np.ndarray,
        lay: _Layout,
        strands: dict[str, list[str]],
        complexes: dict[str, tuple[list[str], str]],
        targets: dict[str, str],
        md: Any,
    ) -> None:
        self.md = md
        by_strand = dict(zip(strands, lay.labels, strict=True))
        self.names, self.labels, self.targets, self.cuts = [], [], [], []
        by_domain: dict[int, list[int]] = {}
        for cname, (snames, _) in complexes.items():
            if len(snames) > _MAX_STRANDS_CHECKED:
                continue
            c = len(self.names)
            labs = [by_strand[s] for s in snames]
            self.names.append(cname)
            self.labels.append(np.concatenate(labs))
            self.targets.append(targets[cname].replace("&", ""))
            self.cuts.append(np.cumsum([len(x) for x in labs])[:-1])
            for i in np.unique(lay.owner[np.concatenate(labs) >> 1]):
                by_domain.setdefault(int(i), []).append(c)
        self.by_domain = by_domain
        self.owner = lay.owner
        self.defect = np.array([self.evaluate(seq, c)[0] for c in range(len(self.names))])

    def _fc(self, seq: np.ndarray, c: int) -> Any:
        import RNA

        from .spurious import codes

        s = "".join(_BASES[x] for x in codes(seq, self.labels[c]))
        parts = np.split(np.array(list(s)), self.cuts[c])
        fc = RNA.fold_compound("&".join("".join(p) for p in parts), self.md)
        # ViennaRNA's default Boltzmann scaling suffices for these sizes; rescale to the
        # MFE (as everywhere else) only if the partition function over- or underflows
        if np.isfinite(fc.pf()[1]):
            return fc
        _, mfe = fc.mfe()
        if mfe >= 1e4:
            return None
        fc.exp_params_rescale(mfe)
        return fc if np.isfinite(fc.pf()[1]) else None

    def evaluate(self, seq: np.ndarray, c: int) -> tuple[float, Any]:
        """(ensemble defect as a fraction of nt, fold compound) of complex ``c``."""
        fc = self._fc(seq, c)
        if fc is None:
            return 1.0, None
        return float(fc.ensemble_defect(self.targets[c])), fc

    def per_nt(self, seq: np.ndarray, c: int) -> np.ndarray:
        """Defect of each nucleotide of complex ``c`` (probability it is not as targeted)."""
        fc = self._fc(seq, c)
        n = len(self.targets[c])
        if fc is None:
            return np.ones(n)
        P = np.array(fc.bpp())[1 : n + 1, 1 : n + 1]
        P = P + P.T
        partner = np.full(n, -1)
        stack: list[int] = []
        for i, ch in enumerate(self.targets[c]):
            if ch == "(":
                stack.append(i)
            elif ch == ")":
                j = stack.pop()
                partner[i], partner[j] = j, i
        paired = partner >= 0
        d = P.sum(axis=1)
        d[paired] = 1.0 - P[np.flatnonzero(paired), partner[paired]]
        return d


#: Positions of a clashing window tried for a compensating change (defect phase).
DEFECT_FIX_TRIES = 8


def _compensate(
    trial: np.ndarray,
    others: np.ndarray,
    g: int,
    lay: _Layout,
    gc_counts: tuple[np.ndarray, np.ndarray],
    alphabet: list[int],
    rng: np.random.Generator,
) -> tuple[int, int] | None:
    """A second change, inside the windows ``others`` that the change at ``g`` repeats,
    after which every hard constraint holds again; ``None`` if none is found."""
    cand = [int(p) for p in rng.permutation(others) if lay.mutable[p] and p != g]
    for p in cand[:DEFECT_FIX_TRIES]:
        for b in rng.permutation([x for x in alphabet if x != trial[p]]):
            t2 = trial.copy()
            t2[p] = b
            if _violations(t2, lay, gc_counts)[0] == 0:
                return p, int(b)
    return None


def _refine_defects(
    seq: np.ndarray,
    lay: _Layout,
    ssm: SpuriousSearch,
    hard: _Hard,
    defects: _Defects,
    alphabet: list[int],
    rng: np.random.Generator,
    steps: int,
    target: float,
) -> dict[str, Any]:
    """Lower the ensemble defects of intended complexes above ``target`` (in place).

    Each step draws a complex above ``target`` (in proportion to its excess) and one of
    its long-domain nucleotides (in proportion to its defect), and tries the other bases
    there in random order, each that lowers that complex's defect in turn.  A change that
    would repeat a ``k``-mer elsewhere is paired with a compensating change in the
    clashing window (:func:`_compensate`).
    The first change (pair) is kept when every hard constraint holds, it adds no spurious
    exact match of :data:`DEFECT_GATE_K` nt or more, and the summed excess of defects over
    ``target`` across every complex holding a changed domain falls.
    """
    initial_max = float(defects.defect.max()) if len(defects.defect) else 0.0
    accepted = tried = paired = 0
    stuck: set[int] = set()  # complexes without a mutable nucleotide
    cache: dict[int, np.ndarray] = {}
    gc_counts = (hard.low, hard.high)
    for _ in range(steps):
        over = np.array(
            [
                c
                for c in range(len(defects.defect))
                if defects.defect[c] > target and c not in stuck
            ],
            np.int64,
        )
        if not len(over):
            break
        excess = defects.defect[over] - target
        c = int(over[rng.choice(len(over), p=excess / excess.sum())])
        if c not in cache:
            cache[c] = defects.per_nt(seq, c)
        w = cache[c] * lay.mutable[defects.labels[c] >> 1]
        if w.sum() <= 0:
            stuck.add(c)
            continue
        tried += 1
        g = int(defects.labels[c][rng.choice(len(w), p=w / w.sum())] >> 1)
        old = int(seq[g])
        for b in rng.permutation([x for x in alphabet if x != old]):
            b = int(b)
            trial = seq.copy()
            trial[g] = b
            new_c = defects.evaluate(trial, c)[0]
            if new_c >= defects.defect[c]:
                continue
            ok = hard.check(trial, g, old)
            moves = [(g, b)]
            if ok is None:
                others = hard.collisions(trial, g, old)
                fix = (
                    None
                    if others is None or not len(others)
                    else _compensate(trial, others, g, lay, gc_counts, alphabet, rng)
                )
                if fix is None:
                    continue
                trial[fix[0]] = fix[1]
                moves.append(fix)
                if fix[0] in set((defects.labels[c] >> 1).tolist()):
                    new_c = defects.evaluate(trial, c)[0]
                    if new_c >= defects.defect[c]:
                        continue
            if len(moves) == 1:
                d, change = ssm.propose(g, b)
                if sum(n for k, n in ssm.last_comp.items() if k >= DEFECT_GATE_K) > 0:
                    continue
                spurious_ok = True
            else:  # applied in turn, undone below unless kept
                gate = 0
                for p, bb in moves:
                    dp, ch = ssm.propose(p, bb)
                    gate += sum(n for k, n in ssm.last_comp.items() if k >= DEFECT_GATE_K)
                    ssm.accept(dp, ch)
                spurious_ok = gate <= 0
            affected = sorted(
                {a for p, _ in moves for a in defects.by_domain.get(int(defects.owner[p]), [])}
            )
            better = False
            if spurious_ok:
                new = np.array(
                    [new_c if a == c else defects.evaluate(trial, a)[0] for a in affected]
                )
                old_d = defects.defect[affected]
                better = np.maximum(new - target, 0).sum() < np.maximum(old_d - target, 0).sum()
            if better:
                if len(moves) == 1:
                    ssm.accept(d, change)
                    hard.apply(ok)
                else:
                    hard.force(trial, [p for p, _ in moves])
                    paired += 1
                seq[:] = trial
                defects.defect[affected] = new
                for a in affected:
                    cache.pop(a, None)
                accepted += 1
                break
            if len(moves) > 1:
                for p, _ in reversed(moves):
                    dp, ch = ssm.propose(p, int(seq[p]))
                    ssm.accept(dp, ch)
    return {
        "defect_target": target,
        "defect_steps": tried,
        "defect_accepted": accepted,
        "defect_accepted_pairs": paired,
        "defect_initial_max": round(initial_max, 6),
        "defect_final_max": round(float(defects.defect.max()) if len(defects.defect) else 0.0, 6),
    }


#: Proposals of the toehold-match phase per matching window found at its start (at most
#: :data:`TOEHOLD_MATCH_MAX_STEPS` in all).
TOEHOLD_MATCH_STEPS = 2
TOEHOLD_MATCH_MAX_STEPS = 40


def _refine_toehold_matches(
    seq: np.ndarray,
    lay: _Layout,
    ssm: SpuriousSearch,
    hard: _Hard,
    defects: _Defects | None,
    alphabet: list[int],
    rng: np.random.Generator,
    target: float,
) -> dict[str, Any]:
    """Remove strand windows that match an exposed toehold complement (in place).

    A window of :data:`TOEHOLD_MATCH_NT` nt reading part of a toehold whose complement lies
    unpaired in an intended complex lets a strand that is no intended partner bind there
    (ViennaRNA: about -6 kcal/mol).  Each step takes such a window and tries its
    long-domain nucleotides and bases in random order; a change is kept when the hard
    constraints hold, the number of such windows falls, it adds no spurious complementary
    match of :data:`DEFECT_GATE_K` nt or more, and no intended complex holding the domain
    ends above ``target`` ensemble defect unless it was already (and then not higher).
    """

    def hits() -> np.ndarray:
        return np.flatnonzero(hard._toehold_hits(seq))

    start = hits()
    steps = min(TOEHOLD_MATCH_MAX_STEPS, TOEHOLD_MATCH_STEPS * len(start))
    L = hard.th[0]
    accepted = tried = 0
    for _ in range(steps):
        bad = hits()
        if not len(bad):
            break
        tried += 1
        w = int(bad[rng.integers(len(bad))])
        pos = [int(p) for p in rng.permutation(np.unique(L[w] >> 1)) if lay.mutable[p]]
        done = False
        for g in pos:
            old = int(seq[g])
            for b in rng.permutation([x for x in alphabet if x != old]):
                trial = seq.copy()
                trial[g] = b
                ok = hard.check(trial, g, old)
                if ok is None:
                    continue
                _, _, off, win, *_ = hard.th
                A = win[off[g] : off[g + 1]]
                if hard._toehold_hits(trial, A).sum() >= hard._toehold_hits(seq, A).sum():
                    continue
                d, change = ssm.propose(g, int(b))
                if sum(n for k, n in ssm.last_comp.items() if k >= DEFECT_GATE_K) > 0:
                    continue
                affected: list[int] = []
                new = np.zeros(0)
                if defects is not None:  # smallest complexes first; stop at the first rise
                    affected = sorted(
                        defects.by_domain.get(int(defects.owner[g]), []),
                        key=lambda a: len(defects.targets[a]),
                    )
                    vals = []
                    for a in affected:
                        v = defects.evaluate(trial, a)[0]
                        if v > max(defects.defect[a], target):
                            break
                        vals.append(v)
                    if len(vals) < len(affected):
                        continue
                    new = np.array(vals)
                ssm.accept(d, change)
                hard.apply(ok)
                seq[g] = b
                if defects is not None:
                    defects.defect[affected] = new
                accepted += 1
                done = True
                break
            if done:
                break
    return {
        "toehold_match_initial": int(len(start)),
        "toehold_match_steps": tried,
        "toehold_match_accepted": accepted,
        "toehold_match_final": int(len(hits())),
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
    max_shared_kmer: int | None = None,
    max_seconds: float = 60.0,
    three_letter: bool = True,
    toehold_maxspurious: float | None = None,
    ssm_steps: int | None = None,
    salt_M: float | None = None,
    checks: bool = True,
    defect_target: float = 0.04,
    defect_steps: int | None = None,
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
    max_shared_kmer : int or None
        k (nt): no k-mer is shared between two domains, a domain and any domain's reverse
        complement (itself included), or two positions of one domain.  ``None``: 7, or
        the smallest larger k at which the domains need at most a quarter of the distinct
        k-mers the alphabet offers (denser packing leaves the search few legal moves).
    max_seconds : float
        Time bound (s) on the repair phase of the long-domain search.
    three_letter : bool
        Piperine's three-letter code: every domain (toeholds and long domains) uses
        A, C and T only, so strands built from uncomplemented domains hold no G and
        strands of complements no C, and neither can pair G·C with itself.
    toehold_maxspurious : float or None
        stickydesign's maximum spurious toehold interaction, as a fraction of
        ``toehold_dG``; ``None``: 0.4, relaxed only if needed (module doc).
    ssm_steps : int or None
        Proposals of the sequence-symmetry-minimisation phase; ``None``: twice the number
        of long-domain nucleotides.
    salt_M : float or None
        Na+ (M) for the ViennaRNA checks; ``None``: ViennaRNA's standard 1.021 M.
    checks : bool
        Run the ViennaRNA checks (``complex_checks``, ``strand_checks``).
    defect_target : float
        Ensemble defect (fraction of nt) the defect phase drives every intended complex
        of up to 8 strands below.
    defect_steps : int or None
        Proposals of the defect phase (it stops early once every complex meets
        ``defect_target``); ``None``: 4 per intended complex; 0 skips the phase.

    Returns
    -------
    SequenceDesign
        Sequences, toehold energies and ViennaRNA checks.

    Raises
    ------
    DesignError
        Invalid input, infeasible toehold or long-domain constraints, or time-out.
    """
    k = _default_kmer(domains, three_letter) if max_shared_kmer is None else int(max_shared_kmer)
    n_long_nt = sum(int(d.length) for d in domains if d.kind == "long")
    steps = 2 * n_long_nt if ssm_steps is None else int(ssm_steps)
    by_name = _validate(
        domains,
        strands,
        complexes,
        gc_range,
        k,
        toehold_dG,
        toehold_dev,
        seed,
        toehold_maxspurious,
        steps,
        defect_target,
    )
    targets = {
        cname: _target_structure(cname, list(sn), db, strands, by_name)
        for cname, (sn, db) in complexes.items()
    }

    # --- toeholds: one stickydesign call per length
    lay = _Layout(domains, strands, k)
    _check_alphabet(domains, k, three_letter)
    seq = np.zeros(lay.total, np.uint8)
    index = {n: i for i, n in enumerate(lay.names)}
    by_len: dict[int, list[str]] = {}
    for d in domains:
        if d.kind == "toehold":
            by_len.setdefault(int(d.length), []).append(d.name)
    chosen: dict[str, tuple[str, str, float, tuple[float, float]]] = {}
    spurious_used = TOEHOLD_MAXSPURIOUS if toehold_maxspurious is None else toehold_maxspurious
    for length in sorted(by_len):
        names = by_len[length]
        if toehold_maxspurious is not None:
            found = _design_toeholds(
                names,
                length,
                toehold_dG,
                toehold_dev,
                temperature_C,
                seed,
                three_letter,
                toehold_maxspurious,
            )
        else:
            found = _design_toeholds_default(
                names, length, toehold_dG, toehold_dev, temperature_C, seed, three_letter
            )
            spurious_used = max(spurious_used, found[1])
            found = found[0]
        chosen.update(zip(names, found, strict=True))
    rng = np.random.default_rng(seed)
    _place_toeholds(chosen, by_len, lay, seq, index, strands, rng)
    th_ends = {n: c[1] for n, c in chosen.items()}
    th_dG = {n: c[2] for n, c in chosen.items()}
    th_range = {n: c[3] for n, c in chosen.items()}

    # --- long domains
    exposed = _exposed_toeholds(by_name, strands, complexes, index)
    search, timings, ssm, hard = _design_long(
        seq, lay, gc_range, rng, max_seconds, k, three_letter, steps, exposed
    )
    n_defect = 4 * len(complexes) if defect_steps is None else int(defect_steps)
    if n_defect < 0:
        raise DesignError(f"defect_steps must be >= 0, got {defect_steps}")
    defects = None
    if n_defect and lay.mutable.any():
        t0 = time.monotonic()
        md = vienna_dna_model(temperature_C, salt_M)
        defects = _Defects(seq, lay, strands, complexes, targets, md)
        alphabet = [0, 1, 3] if three_letter else [0, 1, 2, 3]
        search.update(
            _refine_defects(
                seq, lay, ssm, hard, defects, alphabet, rng, n_defect, float(defect_target)
            )
        )
        timings["defect_s"] = round(time.monotonic() - t0, 3)
    if hard.th is not None and lay.mutable.any():
        t0 = time.monotonic()
        alphabet = [0, 1, 3] if three_letter else [0, 1, 2, 3]
        search.update(
            _refine_toehold_matches(
                seq,
                lay,
                ssm,
                hard,
                defects,
                alphabet,
                rng,
                float(defect_target),
            )
        )
        timings["toehold_match_s"] = round(time.monotonic() - t0, 3)

    dom_seqs = {
        n: _decode(seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]])
        for i, n in enumerate(lay.names)
    }
    strand_seqs = {s: _assemble(toks, dom_seqs) for s, toks in strands.items()}
    complex_checks: list[dict[str, Any]] = []
    strand_checks: list[dict[str, Any]] = []
    if checks:
        complex_checks, strand_checks = vienna_checks(
            strand_seqs, complexes, targets, temperature_C, salt_M
        )
    long_seqs = [dom_seqs[lay.names[i]] for i in lay.long_ids]
    parameters = {
        "toehold_dG": float(toehold_dG),
        "toehold_dev": float(toehold_dev),
        "temperature_C": float(temperature_C),
        "salt_M": None if salt_M is None else float(salt_M),
        "gc_range": [float(gc_range[0]), float(gc_range[1])],
        "max_shared_kmer": k,
        "three_letter": bool(three_letter),
        "max_seconds": float(max_seconds),
        "ssm_steps": steps,
        "defect_target": float(defect_target),
        "defect_steps": n_defect,
        "forbidden_motifs": list(FORBIDDEN_MOTIFS),
        "avoided_motifs": list(AVOIDED_MOTIFS),
        "toehold_energetics": "stickydesign EnergeticsDAOE, 'DT' ends",
        "toehold_maxspurious": float(spurious_used),
        "toehold_maxspurious_requested": toehold_maxspurious,
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
        timings=timings,
    )


def vienna_checks(
    strand_seqs: dict[str, str],
    complexes: dict[str, tuple[list[str], str]],
    targets: dict[str, str],
    temperature_C: float = 25.0,
    salt_M: float | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """ViennaRNA MFE and ensemble defect of each intended complex; MFE of each strand.

    ``targets`` holds each complex's nucleotide-level dot-bracket with ``&`` breaks.
    Returns (complex checks, strand checks); ΔG in kcal/mol, defects as fractions of nt.
    """
    md = vienna_dna_model(temperature_C, salt_M)
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
    return complex_checks, strand_checks


def target_structures(
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
) -> dict[str, str]:
    """Nucleotide-level dot-bracket (``&`` between strands) of every intended complex."""
    by_name = {d.name: d for d in domains}
    return {
        cname: _target_structure(cname, list(sn), db, strands, by_name)
        for cname, (sn, db) in complexes.items()
    }


def _exposed_toeholds(
    by_name: dict[str, DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    index: dict[str, int],
) -> list[tuple[int, bool, set[int]]]:
    """Toeholds left unpaired in an intended complex of several strands: (domain index,
    whether the exposed copy is the complement, strands holding the other copy)."""
    found: dict[tuple[str, bool], None] = {}
    for snames, db in complexes.values():
        if len(snames) < 2:
            continue
        toks = [t for s in snames for t in strands[s]]
        syms = [x for x in db.split() if x != "+"]
        for tok, sym in zip(toks, syms, strict=True):
            name, comp = _split_token(tok)
            if sym == "." and by_name[name].kind == "toehold":
                found[name, comp] = None
    out = []
    for name, comp in found:
        partner = name if comp else name + "*"
        holders = {i for i, toks in enumerate(strands.values()) if partner in toks}
        out.append((index[name], comp, holders))
    return out


def _kmer_need(domains: list[DomainSpec], k: int) -> int:
    """Windows of ``k`` nt inside domains (each must be a distinct k-mer)."""
    return sum(max(0, int(d.length) - k + 1) for d in domains)


def _kmer_supply(k: int, three_letter: bool) -> int:
    """Distinct k-mers available to them (with their complements kept distinct too)."""
    return 3**k if three_letter else 4**k // 2


def _default_kmer(domains: list[DomainSpec], three_letter: bool) -> int:
    k = 7
    while _kmer_need(domains, k) > _kmer_supply(k, three_letter) // 4:
        k += 1
    return k


def _check_alphabet(domains: list[DomainSpec], k: int, three_letter: bool) -> None:
    """Pigeonhole check: enough distinct ``k``-mers for every domain window (one line)."""
    need = functools.partial(_kmer_need, domains)

    def have(kk: int) -> int:
        return _kmer_supply(kk, three_letter)

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


def _design_toeholds_default(
    names: list[str],
    length: int,
    target: float,
    dev: float,
    temperature_C: float,
    seed: int,
    three_letter: bool,
) -> tuple[list[tuple[str, str, float, tuple[float, float]]], float]:
    """Toeholds at the default spurious limit, relaxed in :data:`TOEHOLD_MAXSPURIOUS_FALLBACK`
    order only when stickydesign cannot supply enough; returns (toeholds, limit used)."""
    limits = (TOEHOLD_MAXSPURIOUS, *TOEHOLD_MAXSPURIOUS_FALLBACK)
    for n, ms in enumerate(limits):
        last = n == len(limits) - 1
        try:
            found = _design_toeholds(
                names, length, target, dev, temperature_C, seed, three_letter, ms, advise=last
            )
            return found, ms
        except DesignError as err:
            if last or "found only" not in str(err):
                raise
    raise AssertionError("unreachable")


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
