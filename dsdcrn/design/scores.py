"""Scores of a sequence design: every metric Piperine ranks, and more.

Thermodynamics: ViennaRNA with DNA (Mathews 2004) parameters at ``temperature_C``
(25 °C) and ViennaRNA's standard salt (1.021 M Na+, about 1 M) unless ``salt_M`` is set;
multi-strand ensembles are the connected structures of one strand order (ViennaRNA),
with ``RT ln 2`` added for the symmetry of a homodimer; concentrations at equilibrium
come from :func:`dsdcrn.design.equilibrium.equilibrium`.  Toehold energies: stickydesign
DAOE 'DT' ends.  As in Piperine, TSI, TO and BN% put each strand at ``reference_nM``
(1 µM) unless a design concentration is stated.  *Free strands* are all strands but the
gate base strands (:func:`base_strands`), which stay in their duplexes and expose only
toeholds (scored by TO).  Two strands are *intended partners* when they have designed
complementarity: a domain of one appears complemented in the other (so they pair in an
intended complex or in a designed reaction intermediate, such as a signal strand and the
gate base strand it binds); any other pair of strands (or a strand with itself) is an
*unintended pair*.

Metrics (unit; ↑ higher is better, otherwise lower is), as in Srinivas et al. 2017 and
Piperine's ``tdm.py`` / ``selectseq.py`` unless marked *new*:

``TSI avg``, ``TSI max`` (%)
    Spurious dimers.  For each unintended pair at ``reference_nM`` each (homodimers
    competing), the percentage of each strand held in the pair's dimer; a free strand's
    TSI sums this over its unintended partners; mean and maximum over free strands
    (Piperine: top strands).
``TO avg``, ``TO max`` (%)
    Toehold occlusion.  For each toehold ``t``, its complement ``t*`` as a lone oligo
    with each free strand that does not contain ``t``, at ``reference_nM`` each: the
    percentage of ``t*`` bound, summed over those strands; mean and maximum over toeholds.
``WS-BM``, ``Max-BM`` (–, nt)
    Longest shared stretch ``L`` (identical or complementary) between each pair of
    branch-migration (long) domains, a domain with its own complement included:
    ``sum 2^(min(L, 10) - 5)`` over pairs with ``L >= 5``, and the largest ``L``.
``SSU min``, ``SSU avg`` (↑, probability)
    Unpaired probability of each nucleotide of each free strand alone: the minimum over
    all, and the mean over strands of each strand's mean (Piperine: top strands).
``SSTU min``, ``SSTU avg`` (↑, probability)
    The same over toehold nucleotides (toeholds and their complements) only.
``BN% max``, ``BN% avg`` (%)
    Bad nucleotides of each intended complex of at most 8 strands in its own test tube:
    ``100 (n(φ) min(x, c0) + N max(c0 - x, 0)) / (N c0)`` with ``n(φ)`` the ensemble
    defect in nt, ``N`` nucleotides, ``c0`` its intended concentration (``reference_nM``
    when none) and ``x`` its predicted equilibrium concentration (NUPACK's normalised
    test-tube defect; Piperine divides by paired nucleotides instead).
``WSAS``, ``WSIS``, ``WSAS-M``, ``WSIS-M`` (– per strand)
    Weighted spurious complementary k-mer pairs within strands (WSAS, Piperine's
    "WSI-Intra") and between strands (WSIS, "WSI-Inter"), exact and with one mismatch
    (-M); weights ``k - 5`` for k = 6..12 (:mod:`dsdcrn.design.kmers`).
``WSID``, ``WSID-M`` (– per strand; *new*)
    The same for spurious identical k-mers (sequence symmetry).
``Spurious`` (– per strand)
    Sum of the six weighted k-mer scores above.
``Verboten`` (–)
    Motif occurrences in all strands: 1000 per forbidden motif
    (:data:`dsdcrn.design.constraints.FORBIDDEN_MOTIFS`), 1 per GGG or CCC.
``dG error``, ``dG range``, ``dG dev max`` (kcal/mol)
    Toehold binding energy in the one model of :mod:`dsdcrn.design.toehold_energy`
    (ViennaRNA in context: each place the toehold lies exposed next to a helix in an
    intended complex, its generic energy when none): mean over toeholds of ``|mean
    context energy - target|``, max minus min over all contexts, and the largest ``|mean
    context energy - target|`` of a toehold exposed in some intended complex (the
    specification: at most ``toehold_dev``; a toehold never exposed next to a helix never
    binds as one, and its generic energy is listed but not held to the target).
``dG error (stickydesign)`` (kcal/mol)
    Piperine's figure, for comparison: stickydesign's energy (positive magnitude) of each
    toehold with the strand bases flanking each occurrence (a missing flank averages the
    four bases), mean over toeholds of ``|mean - 7.7|`` (Piperine's target).
``Occupancy max`` (%; *new*)
    Equilibrium occupancy of each exposed toehold site (the toehold with its flanking
    nucleotides, which are paired in the complex that exposes it and so blocked from
    pairing) by unintended partners: every strand
    added alone at its mix concentration that does not carry the complementary toehold,
    one site with all of them by mass action (:func:`dsdcrn.design.equilibrium.equilibrium`,
    ViennaRNA ensemble binding energies); the largest over sites.
``Toehold windows`` (count; *new*)
    Strand windows of :data:`dsdcrn.design.constraints.TOEHOLD_MATCH_NT` nt, junctions
    included, that read part of a toehold (of at least that length) or of its complement
    outside the toehold's own domain: places a strand binds a toehold it should not.
``Dimer dG min`` (↑, kcal/mol; *new*)
    The most negative binding free energy over **every** unintended pair of distinct
    strands, gate base strands included: MFE of the dimer (ViennaRNA, connected
    structures) minus the MFEs of the strands alone.  A gate base strand is scored as it
    exists in solution, in its duplex: the nucleotides it pairs in its intended complex
    are blocked (a ViennaRNA hard constraint), so only its exposed parts (toeholds) bind.
``Spurious dimers`` (count; *new*)
    Unintended pairs of distinct strands binding below ``dimer_threshold``
    (:data:`DIMER_DG_THRESHOLD`, -6 kcal/mol, unless set).
``Yield min``, ``Yield avg`` (↑, %; *new*)
    Predicted equilibrium yield ``100 x / c0`` of each intended complex of at most 8
    strands against every sub-complex of its strands (all subsets up to 4 strands,
    pairs above), in the intended order.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dsdcrn.design.constraints import (
    AVOIDED_MOTIFS,
    FORBIDDEN_MOTIFS,
    TOEHOLD_MATCH_NT,
    domain_layout,
    find_motifs,
)
from dsdcrn.design.equilibrium import equilibrium, rt
from dsdcrn.design.kmers import SpuriousCounts, _join, count_spurious, strand_labels
from dsdcrn.design.sequences import target_structures
from dsdcrn.design.toehold_energy import (
    exposures,
    problem_contexts,
    toehold_context_energies,
    toehold_targets,
    token_sequence,
)
from dsdcrn.design.vienna import insert_breaks, vienna_dna_model
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DesignProblem, SequenceDesign
from dsdcrn.processes import process_pool

log = logging.getLogger(__name__)

__all__ = [
    "DIMER_DG_THRESHOLD",
    "METRICS",
    "ScoreOptions",
    "ScoreReport",
    "base_strands",
    "score_design",
    "unintended_pairs",
]

#: Default ``dimer_threshold`` (kcal/mol): an unintended pair of distinct strands (any two
#: strands without designed complementarity, gate base strands included) whose MFE binding
#: ΔG is below it is a spurious dimer.  A binding ΔG of -6 kcal/mol means
#: K = exp(6 / RT) = 2.5e4 /M at 25 °C: at 1 µM each, about 2.5 % of either strand paired
#: (more through the ensemble).
DIMER_DG_THRESHOLD = -6.0

#: Piperine's toehold target (stickydesign's energy, kcal/mol magnitude): the reference
#: of ``dG error (stickydesign)``, reported beside dsdcrn's own model for comparison.
PIPERINE_TOEHOLD_DG = 7.7

#: name -> (higher is better, unit)
METRICS: dict[str, tuple[bool, str]] = {
    "TSI avg": (False, "%"),
    "TSI max": (False, "%"),
    "TO avg": (False, "%"),
    "TO max": (False, "%"),
    "WS-BM": (False, ""),
    "Max-BM": (False, "nt"),
    "SSU min": (True, ""),
    "SSU avg": (True, ""),
    "SSTU min": (True, ""),
    "SSTU avg": (True, ""),
    "BN% max": (False, "%"),
    "BN% avg": (False, "%"),
    "WSAS": (False, ""),
    "WSIS": (False, ""),
    "WSAS-M": (False, ""),
    "WSIS-M": (False, ""),
    "WSID": (False, ""),
    "WSID-M": (False, ""),
    "Verboten": (False, ""),
    "Spurious": (False, ""),
    "dG error": (False, "kcal/mol"),
    "dG range": (False, "kcal/mol"),
    "dG dev max": (False, "kcal/mol"),
    "dG error (stickydesign)": (False, "kcal/mol"),
    "Occupancy max": (False, "%"),
    "Toehold windows": (False, ""),
    "Dimer dG min": (True, "kcal/mol"),
    "Spurious dimers": (False, ""),
    "Yield min": (True, "%"),
    "Yield avg": (True, "%"),
}

_COMP = str.maketrans("ACGT", "TGCA")


def _revcomp(s: str) -> str:
    return s[::-1].translate(_COMP)


@dataclass
class ScoreOptions:
    """Conditions of the scoring; units in the names."""

    temperature_C: float = 25.0
    salt_M: float | None = None  # None: ViennaRNA's standard 1.021 M Na+
    reference_nM: float = 1000.0  # Piperine's 1 µM per strand
    # toehold target, in-context ViennaRNA ΔG magnitude (kcal/mol); None: Peppercorn's
    # energy of each length (dsdcrn.design.toehold_energy.toehold_targets)
    toehold_dG: float | None = None
    dimer_threshold: float = DIMER_DG_THRESHOLD  # kcal/mol
    max_complex_strands: int = 8


def spurious_pairs(
    pairs: list[dict[str, Any]], threshold: float = DIMER_DG_THRESHOLD
) -> list[dict[str, Any]]:
    """The rows of ``pairs`` that pair two distinct strands below ``threshold`` (kcal/mol)."""
    return [
        p
        for p in pairs
        if p["strand_a"] != p["strand_b"]
        and p.get("bind_dG_mfe") is not None
        and p["bind_dG_mfe"] < threshold
    ]


@dataclass
class ScoreReport:
    """All scores of one design.

    Attributes
    ----------
    metrics : dict[str, float]
        The ranked metrics (:data:`METRICS`).
    complexes : list[dict]
        Per intended complex: target and MFE structures, MFE and ensemble ΔG (kcal/mol),
        ensemble defect (fraction), yield and BN% (%), concentration (nM).
    pairs : list[dict]
        Per unintended pair: dimer MFE, binding ΔG (MFE and ensemble, kcal/mol), TSI (%)
        and dimer percentage at the design's concentrations; pairs with a gate base
        strand (``"base": True``; its duplex nucleotides blocked) carry MFE values only.
    strands : list[dict]
        Per free strand: length, SSU and SSTU (min, mean), design concentration (nM).
    toeholds : list[dict]
        Per toehold: binding energy in each context (kcal/mol) and TO (%).
    kmer_counts : dict
        Spurious k-mer pair counts (:class:`dsdcrn.design.kmers.SpuriousCounts`).
    verboten : list[dict]
        Motif occurrences (strand, 0-based position, motif).
    options : dict
        The :class:`ScoreOptions` used.
    """

    metrics: dict[str, float]
    complexes: list[dict[str, Any]] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    strands: list[dict[str, Any]] = field(default_factory=list)
    toeholds: list[dict[str, Any]] = field(default_factory=list)
    kmer_counts: dict[str, Any] = field(default_factory=dict)
    verboten: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (infinite or missing values become ``None``)."""
        return _clean(asdict(self))

    def spurious_dimers(self, threshold: float | None = None) -> list[dict[str, Any]]:
        """Unintended pairs of distinct strands binding below ``threshold`` (kcal/mol)."""
        thr = (
            self.options.get("dimer_threshold", DIMER_DG_THRESHOLD)
            if threshold is None
            else threshold
        )
        return spurious_pairs(self.pairs, thr)

    def _toehold_lines(self) -> list[str]:
        """The markdown toehold table."""
        o = self.options
        lines: list[str] = []
        goal = toehold_targets([len(t["sequence"]) for t in self.toeholds], o["toehold_dG"])
        lines += [
            "",
            "## Toeholds",
            "",
            "ΔG in context: ViennaRNA, each place the toehold lies exposed next to a helix "
            "(generic: no such place; `dsdcrn.design.toehold_energy`); stickydesign: "
            "Piperine's figure, positive magnitudes, for comparison only.",
            "",
            "| toehold | sequence | ΔG in context (kcal/mol) | target | stickydesign | "
            "TO % | occupancy % | windows |",
            "|---|---|---|---:|---|---:|---:|---:|",
        ]
        for t in self.toeholds:
            ctx = ", ".join(f"{e:.2f}" for e in t["context_dG"])
            ctx += "" if t.get("exposed_in_context", True) else " (generic)"
            sticky = ", ".join(f"{e:.2f}" for e in t.get("sticky_dG", []))
            lines.append(
                f"| {t['name']} | {t['sequence']} | {ctx} | {goal[len(t['sequence'])]:.2f} | "
                f"{sticky} | {_fmt(t['to_pct'])} | {_fmt(t.get('occupancy_pct'))} | "
                f"{t.get('windows', 0)} |"
            )
        return lines

    def markdown(self) -> str:
        """The score report (Markdown)."""
        o = self.options
        lines = [
            "# Sequence scores",
            "",
            f"ViennaRNA, DNA parameters (Mathews 2004), {o['temperature_C']:g} °C, "
            + (
                "ViennaRNA standard salt (1.021 M Na+)"
                if o["salt_M"] is None
                else f"{o['salt_M']:g} M Na+"
            )
            + f"; strands at {o['reference_nM']:g} nM for TSI, TO and BN% unless a design "
            "concentration applies.  Definitions: `dsdcrn.design.scores`.",
            "",
            "| metric | value |",
            "|---|---:|",
        ]
        for name, value in self.metrics.items():
            unit = METRICS.get(name, (False, ""))[1]
            lines.append(f"| {name} | {_fmt(value)}{' ' + unit if unit else ''} |")
        bad = self.spurious_dimers()
        lines += [
            "",
            f"## Unintended pairs ({len(self.pairs)}; binding ΔG = dimer MFE - strand MFEs)",
            "",
            f"{len(bad)} pair(s) of distinct strands bind below {o['dimer_threshold']:g} "
            "kcal/mol (every pair without designed complementarity is folded, gate base "
            "strands included; TSI and ensemble values for free strands only).  Strongest ten:",
            "",
            "| strands | binding ΔG (MFE) | binding ΔG (ensemble) | TSI % | dimer % at design |",
            "|---|---:|---:|---:|---:|",
        ]
        ranked = sorted(
            (p for p in self.pairs if p["bind_dG_mfe"] is not None),
            key=lambda p: p["bind_dG_mfe"],
        )
        for p in ranked[:10]:
            lines.append(
                f"| {p['strand_a']} + {p['strand_b']} | {p['bind_dG_mfe']:.2f} | "
                f"{_fmt(p['bind_dG_ensemble'])} | {_fmt(p['tsi_pct'])} | "
                f"{_fmt(p['dimer_pct_design'])} |"
            )
        lines += [
            "",
            "## Intended complexes",
            "",
            "| complex | strands | ensemble defect | yield % | BN% | MFE = target |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for c in self.complexes:
            if c.get("skipped"):
                lines.append(f"| {c['name']} | {len(c['strands'])} | skipped | | | |")
                continue
            lines.append(
                f"| {c['name']} | {len(c['strands'])} | {c['ensemble_defect']:.1%} | "
                f"{_fmt(c['yield_pct'])} | {_fmt(c['bn_pct'])} | "
                f"{'yes' if c['mfe_equals_target'] else 'no'} |"
            )
        lines += self._toehold_lines()
        if self.verboten:
            lines += ["", "## Motifs", ""]
            lines += [f"- {v['strand']} at {v['position']}: {v['motif']}" for v in self.verboten]
        return "\n".join(lines) + "\n"


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        if not np.isfinite(v):
            return "n/a"
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


# --------------------------------------------------------------------------- ViennaRNA work
_MODELS: dict[tuple, Any] = {}


def _model(temperature_C: float, salt_M: float | None, bpp: bool) -> Any:
    key = (temperature_C, salt_M, bpp)
    if key not in _MODELS:
        md = vienna_dna_model(temperature_C, salt_M)
        md.compute_bpp = int(bpp)
        _MODELS[key] = md
    return _MODELS[key]


def _fold(item: tuple, temperature_C: float, salt_M: float | None) -> tuple:
    """One ViennaRNA job.

    ``("single", seq)`` -> (MFE, ensemble ΔG, unpaired probability per nt);
    ``("multi", seqs)`` -> (MFE, ensemble ΔG, MFE structure);
    ``("blocked", seqs, constraint)`` -> the same as "multi", ``x`` nucleotides unpaired;
    ``("complex", seqs, target)`` -> (MFE, ensemble ΔG, MFE structure, ensemble defect).
    ΔG in kcal/mol; ``(None, inf, ...)`` when no connected structure exists.
    """
    import RNA

    kind = item[0]
    bpp = kind in ("single", "complex")
    seqs = (item[1],) if kind == "single" else item[1]
    md = _model(temperature_C, salt_M, bpp)
    if kind == "mfe":  # minimum free energy only, optionally with blocked nucleotides
        fc = RNA.fold_compound("&".join(seqs), md, RNA.OPTION_MFE)
        if len(item) > 2:
            fc.hc_add_from_db(item[2], RNA.CONSTRAINT_DB_DEFAULT)
    elif kind == "blocked":  # ensemble with blocked nucleotides
        fc = RNA.fold_compound("&".join(seqs), md)
        fc.hc_add_from_db(item[2], RNA.CONSTRAINT_DB_DEFAULT)
    else:
        fc = RNA.fold_compound("&".join(seqs), md)
    structure, mfe = fc.mfe()
    if mfe >= 1e4:  # no connected structure: the strands cannot pair at all
        return (
            (None, float("inf"), None)
            if kind in ("multi", "mfe")
            else (None, float("inf"), None, 1.0)
        )
    if kind == "mfe":
        return (float(mfe), None, insert_breaks(structure, [len(s) for s in seqs]))
    fc.exp_params_rescale(mfe)
    _, G = fc.pf()
    if kind == "single":
        n = len(seqs[0])
        P = np.array(fc.bpp())[1 : n + 1, 1 : n + 1]
        return (float(mfe), float(G), (1.0 - P.sum(axis=0) - P.sum(axis=1)).tolist())
    db = insert_breaks(structure, [len(s) for s in seqs])
    if kind in ("multi", "blocked"):
        return (float(mfe), float(G), db)
    return (float(mfe), float(G), db, float(fc.ensemble_defect(item[2].replace("&", ""))))


def _fold_chunk(args: tuple) -> list[tuple]:
    items, temperature_C, salt_M = args
    return [_fold(it, temperature_C, salt_M) for it in items]


_CHUNK = 32
#: Fewer ViennaRNA jobs than this run in-process (starting workers costs more).
_PARALLEL_MIN_ITEMS = 1000


def _run(items: list[tuple], opts: ScoreOptions, jobs: int) -> list[tuple]:
    """Fold every item, in order; in ``jobs`` processes when it pays (same results).
    Says its progress every tenth of a large job (:data:`_PARALLEL_MIN_ITEMS` items)."""
    T, salt = opts.temperature_C, opts.salt_M
    chunks = [(items[i : i + _CHUNK], T, salt) for i in range(0, len(items), _CHUNK)]
    say = len(items) >= _PARALLEL_MIN_ITEMS
    if say:
        log.info(f"scoring: {len(items)} ViennaRNA folds ...")
    out: list[tuple] = []
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        if jobs <= 1 or not say:
            done = map(_fold_chunk, chunks)
        else:
            done = stack.enter_context(process_pool(jobs)).map(_fold_chunk, chunks)
        for k, chunk in enumerate(done, start=1):
            out += chunk
            if say and k * 10 // len(chunks) > (k - 1) * 10 // len(chunks):
                log.info(
                    f"scoring: {len(out)} of {len(items)} folds ({time.monotonic() - t0:.0f} s)"
                )
    return out


# --------------------------------------------------------------------------- pieces
def base_strands(problem: DesignProblem) -> set[str]:
    """Gate base strands: in each intended complex of several strands, the strand with
    the most paired nucleotides (ties: more complemented domains, then listed first).

    Base strands stay in their duplex; every other strand is free at some time.
    """
    return set(_base_complexes(problem))


def _base_complexes(problem: DesignProblem) -> dict[str, tuple[str, int]]:
    """Each gate base strand -> (its intended complex, its index in that complex)."""
    spans = domain_layout(problem.domains)
    out: dict[str, tuple[str, int]] = {}
    for cname, (cs, db) in problem.complexes.items():
        if len(cs) < 2:
            continue
        groups, cur = [], []
        for tok in db.split():
            if tok == "+":
                groups.append(cur)
                cur = []
            else:
                cur.append(tok)
        groups.append(cur)
        best, key, where = None, None, 0
        for i, (s, g) in enumerate(zip(cs, groups, strict=True)):
            toks = problem.strands[s]
            paired = sum(
                spans[t.rstrip("*")][1] for t, sym in zip(toks, g, strict=True) if sym != "."
            )
            k = (paired, sum(t.endswith("*") for t in toks), -i)
            if key is None or k > key:
                best, key, where = s, k, i
        out.setdefault(best, (cname, where))
    return out


def unintended_pairs(
    strands: dict[str, list[str]], among: list[str] | None = None
) -> list[tuple[str, str]]:
    """Pairs (a, b), a listed before or equal to b, without designed complementarity.

    ``among`` restricts the pairs to those strands (default: all).
    """
    names = list(strands) if among is None else [s for s in strands if s in set(among)]
    doms = {s: set(toks) for s, toks in strands.items()}

    def comp(tok: str) -> str:
        return tok[:-1] if tok.endswith("*") else tok + "*"

    out = []
    for i, a in enumerate(names):
        ca = {comp(t) for t in doms[a]}
        for b in names[i:]:
            if not ca & doms[b]:
                out.append((a, b))
    return out


def _pair_equilibrium(
    x_a: float, x_b: float, dAB: float, dAA: float, dBB: float, T: float
) -> float:
    """[AB] (M) with strands A, B (M) forming AB, AA and BB (ΔG kcal/mol vs strands)."""
    comp = np.array([[1, 1], [2, 0], [0, 2]])
    dG = np.array([dAB, dAA, dBB])
    ok = np.isfinite(dG)
    if not ok[0]:
        return 0.0
    return float(equilibrium(np.array([x_a, x_b]), comp[ok], dG[ok], T)[0])


def _self_equilibrium(x: float, dAA: float, T: float) -> float:
    """[AA] (M) with strand A (M) forming AA (ΔG kcal/mol vs two strands)."""
    if not np.isfinite(dAA):
        return 0.0
    return float(equilibrium(np.array([x]), np.array([[2]]), np.array([dAA]), T)[0])


def _bm_scores(seqs: list[str]) -> tuple[float, int, np.ndarray]:
    """(WS-BM, Max-BM, matrix of longest shared stretch) over long-domain sequences."""
    from dsdcrn.design.kmers import _keys

    n = len(seqs)
    L = np.zeros((n, n), np.int64)
    if n == 0:
        return 0.0, 0, L
    codes = [
        np.frombuffer(s.encode().translate(bytes.maketrans(b"ACGT", b"\0\1\2\3")), np.uint8)
        for s in seqs
    ]
    for k in range(5, max(len(c) for c in codes) + 1):
        fw, rc, own = [], [], []
        for i, c in enumerate(codes):
            if len(c) >= k:
                w = np.lib.stride_tricks.sliding_window_view(c, k)
                fw.append(_keys(w))
                rc.append(_keys(3 - w[:, ::-1]))
                own.append(np.full(len(w), i))
        if not fw:
            break
        f, r, o = np.concatenate(fw), np.concatenate(rc), np.concatenate(own)
        i1, j1 = _join(f, f)  # identical stretch, distinct domains
        keep = o[i1] != o[j1]
        i2, j2 = _join(r, f)  # complementary stretch, a domain with itself included
        a = np.concatenate([o[i1[keep]], o[i2]])
        b = np.concatenate([o[j1[keep]], o[j2]])
        if len(a) == 0:
            break
        np.maximum.at(L, (a, b), k)
        np.maximum.at(L, (b, a), k)
    iu = np.triu_indices(n)
    vals = L[iu]
    ws = float(sum(2.0 ** (min(v, 10) - 5) for v in vals if v >= 5))
    return ws, int(vals.max()) if len(vals) else 0, L


def _toehold_contexts(
    name: str, strands: dict[str, list[str]], seqs: dict[str, str], spans: dict
) -> list[tuple[str | None, str | None]]:
    """(5' flank, 3' flank) of every occurrence of toehold ``name`` (None at strand ends)."""
    out = []
    for s, toks in strands.items():
        pos = 0
        for tok in toks:
            n = spans[tok.rstrip("*")][1]
            if tok == name:
                left = seqs[s][pos - 1] if pos > 0 else None
                right = seqs[s][pos + n] if pos + n < len(seqs[s]) else None
                out.append((left, right))
            pos += n
    return out


def _context_energies(
    toehold: str, contexts: list[tuple[str | None, str | None]], energetics: Any
) -> list[float]:
    import stickydesign

    out = []
    for left, right in contexts:
        lefts = [left] if left else list("ACGT")
        rights = [right] if right else list("ACGT")
        ends = [lft + toehold + rgt for lft in lefts for rgt in rights]
        arr = stickydesign.EndArray([e.lower() for e in ends], "DT")
        out.append(float(np.mean(energetics.matching_uniform(arr))))
    return out


# --------------------------------------------------------------------------- setup and folds
@dataclass
class ScoreSetup:
    """What every metric family reads: the problem, its sequences and its strand roles.

    Attributes
    ----------
    problem, design, options
        The scored problem and design, and the :class:`ScoreOptions`.
    seqs : dict[str, str]
        Strand sequences, in the problem's strand order.
    free : list[str]
        Free strands (all but the gate base strands).
    pairs : list[tuple[str, str]]
        Unintended pairs of free strands, a strand with itself included (TSI).
    blocked : dict[str, str]
        Gate base strand -> constraint blocking (``x``) its duplex nucleotides.
    base_pairs : list[tuple[str, str]]
        Unintended pairs of distinct strands with a gate base strand (MFE only).
    toeholds : list[str]
        Toehold domain names.
    targets : dict[str, str]
        Nucleotide-level target structure of each intended complex.
    cx_subsets : dict[str, list[tuple[int, ...]]]
        Each scored complex (at most ``max_complex_strands`` strands) -> the strand index
        subsets it competes with.
    spans : dict[str, tuple[int, int]]
        Domain -> (start, length in nt) in the domain vector.
    design_conc : dict[str, float]
        Design concentration of each strand, nM (0: none stated).
    contexts : dict[str, list]
        Toehold -> its contexts in the intended complexes
        (:func:`dsdcrn.design.toehold_energy.problem_contexts`).
    sites : list[tuple[str, str, str, float, str]]
        Exposed toehold sites: (toehold, exposed token, sequence with its flanking
        nucleotides, concentration nM of the complex exposing it (the largest), ViennaRNA
        constraint blocking the flanks: they are paired in the complex, so a partner
        cannot pair with them, only stack on them).
    mix_free : dict[str, float]
        Strands added alone to the mix -> concentration (nM).
    """

    problem: DesignProblem
    design: SequenceDesign
    options: ScoreOptions
    seqs: dict[str, str]
    free: list[str]
    pairs: list[tuple[str, str]]
    blocked: dict[str, str]
    base_pairs: list[tuple[str, str]]
    toeholds: list[str]
    targets: dict[str, str]
    cx_subsets: dict[str, list[tuple[int, ...]]]
    spans: dict[str, tuple[int, int]]
    design_conc: dict[str, float]
    contexts: dict[str, list] = field(default_factory=dict)
    sites: list[tuple[str, str, str, float, str]] = field(default_factory=list)
    mix_free: dict[str, float] = field(default_factory=dict)

    @property
    def ln2(self) -> float:
        """``RT ln 2`` (kcal/mol): the symmetry term of a homodimer."""
        return rt(self.options.temperature_C) * np.log(2.0)

    @property
    def ref(self) -> float:
        """Reference concentration (M)."""
        return self.options.reference_nM * 1e-9

    def conc_M(self, strand: str) -> float:
        """Design concentration of ``strand`` (M), the reference one when none is stated."""
        return (self.design_conc[strand] or self.options.reference_nM) * 1e-9


def complex_subsets(n: int) -> list[tuple[int, ...]]:
    """Strand index subsets a complex of ``n`` strands competes with: every subset of 2 to
    ``n - 1`` strands up to 4 strands, pairs only above."""
    sizes = range(2, n) if n <= 4 else [2]
    return [c for r in sizes for c in itertools.combinations(range(n), r)]


def score_setup(
    problem: DesignProblem, design: SequenceDesign, options: ScoreOptions
) -> ScoreSetup:
    """Strand roles, pairs, blocked duplex nucleotides and complex subsets of a design."""
    o = options
    toeholds = [d.name for d in problem.domains if d.kind == "toehold"]
    targets = target_structures(problem.domains, problem.strands, problem.complexes)
    snames = list(problem.strands)
    base_cx = _base_complexes(problem)
    free = [s for s in snames if s not in base_cx]
    blocked = {}
    for s, (cname, i) in base_cx.items():
        part = targets[cname].split("&")[i]
        blocked[s] = "".join("x" if ch in "()" else "." for ch in part)
    base_pairs = [
        (a, b)
        for a, b in unintended_pairs(problem.strands)
        if a != b and (a in base_cx or b in base_cx)
    ]
    return ScoreSetup(
        problem=problem,
        design=design,
        options=o,
        seqs={s: design.strands[s] for s in snames},
        free=free,
        pairs=unintended_pairs(problem.strands, free),  # TSI: free strands, as Piperine
        blocked=blocked,
        base_pairs=base_pairs,
        toeholds=toeholds,
        targets=targets,
        cx_subsets={
            cname: complex_subsets(len(cs))
            for cname, (cs, _) in problem.complexes.items()
            if len(cs) <= o.max_complex_strands
        },
        spans=domain_layout(problem.domains),
        design_conc=problem.strand_concentrations_nM(),
        contexts=problem_contexts(problem.strands, problem.complexes, set(toeholds)),
        sites=_sites(problem, design, set(toeholds), o.reference_nM),
        mix_free={
            cs[0]: problem.concentrations_nM[c]
            for c, (cs, _) in problem.complexes.items()
            if len(cs) == 1 and problem.concentrations_nM.get(c, 0) > 0
        },
    )


def _sites(
    problem: DesignProblem, design: SequenceDesign, toeholds: set[str], ref_nM: float
) -> list[tuple[str, str, str, float, str]]:
    """Every exposed toehold site of the intended complexes (:class:`ScoreSetup`)."""
    found: dict[tuple[str, str, str], float] = {}
    for cname, (left, tok, right) in exposures(problem.strands, problem.complexes, toeholds):
        conc = problem.concentrations_nM.get(cname, 0) or ref_nM
        five = token_sequence(design.domains, left)[-1] if left else ""
        three = token_sequence(design.domains, right)[0] if right else ""
        core = token_sequence(design.domains, tok)
        con = "x" * len(five) + "." * len(core) + "x" * len(three)
        key = (tok, five + core + three, con)
        found[key] = max(found.get(key, 0.0), conc)
    return [(tok.rstrip("*"), tok, seq, c, con) for (tok, seq, con), c in found.items()]


def fold_jobs(setup: ScoreSetup) -> dict[tuple, tuple]:
    """Every ViennaRNA job of the scoring (:func:`_fold` items) by key, in a fixed order.

    A gate base strand is folded as it exists in solution, in its duplex: the
    nucleotides it pairs there are blocked (``x``), MFE only.
    """
    seqs, problem = setup.seqs, setup.problem
    jobs: dict[tuple, tuple] = {}
    add = jobs.setdefault
    for s, seq in seqs.items():
        add(("single", s), ("single", seq))
        add(("homo", s), ("multi", (seq, seq)))
    for a, b in setup.pairs:
        if a != b:
            add(("pair", a, b), ("multi", (seqs[a], seqs[b])))
    for s, con in setup.blocked.items():
        add(("base1", s), ("mfe", (seqs[s],), con))
    for a, b in setup.base_pairs:
        con = setup.blocked.get(a, "." * len(seqs[a])) + setup.blocked.get(b, "." * len(seqs[b]))
        add(("base", a, b), ("mfe", (seqs[a], seqs[b]), con))
    for t in setup.toeholds:
        tc = _revcomp(setup.design.domains[t])
        add(("oligo", t), ("single", tc))
        add(("oligo2", t), ("multi", (tc, tc)))
        for s in setup.free:
            if t not in problem.strands[s]:
                add(("to", t, s), ("multi", (tc, seqs[s])))
    for _t, tok, site, _, con in setup.sites:
        add(("site", tok, site), ("blocked", (site,), con))
        for s in _site_partners(setup, tok):
            add(("occ", tok, site, s), ("blocked", (site, seqs[s]), con + "." * len(seqs[s])))
    for cname, subs in setup.cx_subsets.items():
        cs = problem.complexes[cname][0]
        add(("cx", cname), ("complex", tuple(seqs[s] for s in cs), setup.targets[cname]))
        for sub in subs:
            key = tuple(cs[i] for i in sub)
            add(("sub", key), ("multi", tuple(seqs[s] for s in key)))
    return jobs


@dataclass
class Folds:
    """ViennaRNA results by job key (:func:`fold_jobs`) and each strand's energies.

    Attributes
    ----------
    results : dict[tuple, tuple]
        Job key -> :func:`_fold` result.
    G1, M1 : dict[str, float]
        Ensemble ΔG and MFE of each strand alone (kcal/mol).
    dAA : dict[str, float]
        Homodimer ensemble ΔG against two strands, symmetry term included (kcal/mol).
    """

    results: dict[tuple, tuple]
    G1: dict[str, float]
    M1: dict[str, float]
    dAA: dict[str, float]

    def __getitem__(self, key: tuple) -> tuple:
        return self.results[key]


def fold_all(setup: ScoreSetup, jobs: int = 1) -> Folds:
    """Run every job of :func:`fold_jobs` (in ``jobs`` processes when it pays)."""
    items = fold_jobs(setup)
    res = dict(zip(items, _run(list(items.values()), setup.options, jobs), strict=True))
    G1 = {s: res[("single", s)][1] for s in setup.seqs}
    M1 = {s: res[("single", s)][0] for s in setup.seqs}
    dAA = {s: res[("homo", s)][1] - 2 * G1[s] + setup.ln2 for s in setup.seqs}
    return Folds(res, G1, M1, dAA)


def _mean(vals: list[float], empty: float) -> float:
    return float(np.mean(vals)) if vals else empty


def _max(vals: list[float], empty: float) -> float:
    return float(np.max(vals)) if vals else empty


def _min(vals: list[float], empty: float) -> float:
    return float(np.min(vals)) if vals else empty


# --------------------------------------------------------------------------- TSI and dimers
def free_pair_row(setup: ScoreSetup, folds: Folds, a: str, b: str) -> dict[str, Any]:
    """Scores of one unintended pair of free strands (``a == b``: a homodimer).

    TSI (``tsi_pct``): percentage of each strand in the dimer at the reference
    concentration; ``dimer_pct_design`` the same at the design concentrations (of the
    scarcer strand); binding ΔG of the MFE and of the ensemble (kcal/mol).
    """
    T, ref, ln2 = setup.options.temperature_C, setup.ref, setup.ln2
    x_a, x_b = setup.conc_M(a), setup.conc_M(b)
    if a == b:
        mfe, _, db = folds[("homo", a)]
        d_self = folds.dAA[a]
        pct = 100.0 * 2 * _self_equilibrium(ref, d_self, T) / ref
        pct_design = 100.0 * 2 * _self_equilibrium(x_a, d_self, T) / x_a
        bind_mfe = None if mfe is None else mfe - 2 * folds.M1[a]
        bind_ens = d_self - ln2
    else:
        mfe, G, db = folds[("pair", a, b)]
        dAB = G - folds.G1[a] - folds.G1[b]
        dAA, dBB = folds.dAA[a], folds.dAA[b]
        pct = 100.0 * _pair_equilibrium(ref, ref, dAB, dAA, dBB, T) / ref
        ab = _pair_equilibrium(x_a, x_b, dAB, dAA, dBB, T)
        pct_design = 100.0 * ab / min(x_a, x_b)
        bind_mfe = None if mfe is None else mfe - folds.M1[a] - folds.M1[b]
        bind_ens = dAB
    return {
        "strand_a": a,
        "strand_b": b,
        "mfe_dG": mfe,
        "bind_dG_mfe": bind_mfe,
        "bind_dG_ensemble": float(bind_ens) if np.isfinite(bind_ens) else None,
        "tsi_pct": pct,
        "dimer_pct_design": pct_design,
        "mfe_structure": db,
        "base": False,
    }


def base_pair_rows(setup: ScoreSetup, folds: Folds) -> list[dict[str, Any]]:
    """MFE binding ΔG (kcal/mol) of each unintended pair with a gate base strand, the
    base strand's duplex nucleotides blocked (in the pair and alone)."""
    M1b = dict(folds.M1)
    M1b.update({s: folds[("base1", s)][0] or 0.0 for s in setup.blocked})
    rows = []
    for a, b in setup.base_pairs:
        mfe, _, db = folds[("base", a, b)]
        rows.append(
            {
                "strand_a": a,
                "strand_b": b,
                "mfe_dG": mfe,
                "bind_dG_mfe": None if mfe is None else mfe - M1b[a] - M1b[b],
                "bind_dG_ensemble": None,
                "tsi_pct": None,
                "dimer_pct_design": None,
                "mfe_structure": db,
                "base": True,
            }
        )
    return rows


def dimer_scores(setup: ScoreSetup, folds: Folds) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Rows of every unintended pair, and ``TSI avg``/``max``, ``Dimer dG min``,
    ``Spurious dimers``."""
    tsi = dict.fromkeys(setup.free, 0.0)
    rows = []
    for a, b in setup.pairs:
        row = free_pair_row(setup, folds, a, b)
        tsi[a] += row["tsi_pct"]
        if a != b:
            tsi[b] += row["tsi_pct"]
        rows.append(row)
    rows += base_pair_rows(setup, folds)
    binds = [
        p["bind_dG_mfe"]
        for p in rows
        if p["strand_a"] != p["strand_b"] and p["bind_dG_mfe"] is not None
    ]
    tsi_vals = list(tsi.values())
    metrics = {
        "TSI avg": _mean(tsi_vals, 0.0),
        "TSI max": _max(tsi_vals, 0.0),
        "Dimer dG min": float(min(binds)) if binds else 0.0,
        "Spurious dimers": float(sum(b < setup.options.dimer_threshold for b in binds)),
    }
    return rows, metrics


# --------------------------------------------------------------------------- toeholds
def toehold_occlusion(setup: ScoreSetup, folds: Folds, toehold: str) -> float:
    """TO of ``toehold`` (%): its complement bound to each free strand without it, summed."""
    T, ref = setup.options.temperature_C, setup.ref
    G_t = folds[("oligo", toehold)][1]
    d_tt = folds[("oligo2", toehold)][1] - 2 * G_t + setup.ln2
    to = 0.0
    for s in setup.free:
        if toehold in setup.problem.strands[s]:
            continue
        d_ts = folds[("to", toehold, s)][1] - G_t - folds.G1[s]
        to += 100.0 * _pair_equilibrium(ref, ref, d_ts, d_tt, folds.dAA[s], T) / ref
    return to


def _site_partners(setup: ScoreSetup, token: str) -> list[str]:
    """Strands added alone to the mix that can occupy an exposed ``token`` without being
    its intended partner (they do not carry the complementary toehold)."""
    partner = token[:-1] if token.endswith("*") else token + "*"
    return [s for s in setup.mix_free if partner not in setup.problem.strands[s]]


def site_occupancy(setup: ScoreSetup, folds: Folds, token: str, site: str, conc_nM: float) -> float:
    """Equilibrium fraction (%) of one exposed toehold site held by unintended partners
    (module doc, ``Occupancy max``)."""
    partners = _site_partners(setup, token)
    if not partners:
        return 0.0
    G_site = folds[("site", token, site)][1]
    dG = np.array([folds[("occ", token, site, s)][1] - G_site - folds.G1[s] for s in partners])
    ok = np.isfinite(dG)
    if not ok.any():
        return 0.0
    keep = [s for s, k in zip(partners, ok, strict=True) if k]
    totals = np.array([conc_nM, *(setup.mix_free[s] for s in keep)]) * 1e-9
    comp = np.zeros((len(keep), len(keep) + 1), np.int64)
    comp[:, 0] = 1
    comp[np.arange(len(keep)), np.arange(1, len(keep) + 1)] = 1
    bound = equilibrium(totals, comp, dG[ok], setup.options.temperature_C)[: len(keep)]
    return float(100.0 * bound.sum() / totals[0])


def toehold_windows(setup: ScoreSetup) -> tuple[dict[str, int], dict[str, int]]:
    """Per toehold of at least :data:`TOEHOLD_MATCH_NT` nt: strand windows of that many
    nt, junctions included, reading part of it or its complement outside its own
    domain (module doc, ``Toehold windows``); and of those, the ones inside a domain of
    the toehold's own sequence (a shared toehold's twin, ``--share-toeholds``), which no
    change of the long domains removes.  One pass over the strands gives both."""
    n = TOEHOLD_MATCH_NT
    doms = setup.design.domains
    reads = {}
    for t in setup.toeholds:
        if len(doms[t]) >= n:
            for x in (doms[t], _revcomp(doms[t])):
                for i in range(len(x) - n + 1):
                    reads.setdefault(x[i : i + n], set()).add(t)
    every = {t: 0 for t in setup.toeholds if len(doms[t]) >= n}
    twins = dict(every)
    for sname, toks in setup.problem.strands.items():
        seq, owner, pos = setup.seqs[sname], [], 0
        for tok in toks:
            owner += [(tok.rstrip("*"), pos, pos + len(doms[tok.rstrip("*")]))]
            pos += len(doms[tok.rstrip("*")])
        for i in range(len(seq) - n + 1):
            for t in reads.get(seq[i : i + n], ()):
                inside = [d for d, a, b in owner if a <= i and i + n <= b]
                if t in inside:
                    continue
                every[t] += 1
                twins[t] += any(doms[d] == doms[t] for d in inside)
    return every, twins


def toehold_scores(
    setup: ScoreSetup, folds: Folds
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Per toehold: in-context ΔG of each context (ViennaRNA, kcal/mol), stickydesign's
    energy per occurrence (Piperine's figure), occlusion (TO, %), occupancy of its
    exposed sites (%) and windows reading it elsewhere; the toehold metrics."""
    import stickydesign

    energetics = stickydesign.EnergeticsDAOE(temperature=setup.options.temperature_C)
    doms = setup.design.domains
    md = vienna_dna_model(setup.options.temperature_C, setup.options.salt_M)
    energies = toehold_context_energies(doms, setup.contexts, md)
    windows, twin_reads = toehold_windows(setup)
    occupancy: dict[str, float] = {}
    for t, tok, site, conc, _ in setup.sites:
        occupancy[t] = max(occupancy.get(t, 0.0), site_occupancy(setup, folds, tok, site, conc))
    rows = []
    for t in setup.toeholds:
        ctx = _toehold_contexts(t, setup.problem.strands, setup.seqs, setup.spans)
        rows.append(
            {
                "name": t,
                "sequence": doms[t],
                "complement": _revcomp(doms[t]),
                "context_dG": energies[t],
                "exposed_in_context": bool(setup.contexts.get(t)),
                "sticky_dG": _context_energies(doms[t], ctx, energetics) if ctx else [],
                "to_pct": toehold_occlusion(setup, folds, t),
                "occupancy_pct": occupancy.get(t, 0.0),
                "windows": windows.get(t, 0),
                "twin_windows": twin_reads.get(t, 0),
            }
        )
    to_vals = [t["to_pct"] for t in rows]
    return rows, {
        "TO avg": _mean(to_vals, 0.0),
        "TO max": _max(to_vals, 0.0),
        **toehold_dg_metrics(rows, setup.options.toehold_dG),
        "Occupancy max": _max([t["occupancy_pct"] for t in rows], 0.0),
        "Toehold windows": float(sum(windows.values())),
    }


def toehold_dg_metrics(rows: list[dict[str, Any]], target: float | None) -> dict[str, float]:
    """``dG error``: mean over toeholds of ``|mean context ΔG - target|``, the target of
    each toehold's length (:func:`dsdcrn.design.toehold_energy.toehold_targets` of
    ``target``); ``dG range``: max minus min over all contexts; ``dG dev max``: the
    largest ``|mean - target|`` over the toeholds exposed in context (all when none is);
    ``dG error (stickydesign)``: Piperine's figure (module doc).  kcal/mol; 0 without
    toeholds."""
    if not rows:
        return {"dG error": 0.0, "dG range": 0.0, "dG dev max": 0.0, "dG error (stickydesign)": 0.0}
    lengths = [len(t["sequence"]) for t in rows]
    goal = toehold_targets(lengths, target)
    piperine = toehold_targets(lengths, PIPERINE_TOEHOLD_DG)
    all_e = [e for t in rows for e in t["context_dG"]]
    errors = [abs(np.mean(t["context_dG"]) - goal[len(t["sequence"])]) for t in rows]
    exposed = [e for e, t in zip(errors, rows, strict=True) if t.get("exposed_in_context", True)]
    sticky = [
        abs(np.mean(t["sticky_dG"]) + piperine[len(t["sequence"])])
        for t in rows
        if t.get("sticky_dG")
    ]
    return {
        "dG error": float(np.mean(errors)),
        "dG range": float(max(all_e) - min(all_e)),
        "dG dev max": float(max(exposed or errors)),
        "dG error (stickydesign)": _mean(sticky, 0.0),
    }


# --------------------------------------------------------------------------- single strands
def toehold_mask(setup: ScoreSetup, strand: str) -> np.ndarray:
    """Which nucleotides of ``strand`` belong to a toehold or its complement."""
    kinds = {d.name: d.kind for d in setup.problem.domains}
    return np.concatenate(
        [
            np.full(setup.spans[tok.rstrip("*")][1], kinds[tok.rstrip("*")] == "toehold")
            for tok in setup.problem.strands[strand]
        ]
    )


def strand_scores(setup: ScoreSetup, folds: Folds) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Per free strand: unpaired probabilities alone (SSU, and SSTU over toehold
    nucleotides); ``SSU min``/``avg`` and ``SSTU min``/``avg`` (1 when there are none)."""
    rows = []
    ssu_min, ssu_means, sstu_min, sstu_means = [], [], [], []
    for s in setup.free:
        unp = np.array(folds[("single", s)][2])
        mask = toehold_mask(setup, s)
        row = {
            "name": s,
            "length": len(setup.seqs[s]),
            "concentration_nM": setup.design_conc[s],
            "mfe_dG": folds.M1[s],
            "ensemble_dG": folds.G1[s],
            "ssu_min": float(unp.min()),
            "ssu_mean": float(unp.mean()),
            "sstu_min": float(unp[mask].min()) if mask.any() else None,
            "sstu_mean": float(unp[mask].mean()) if mask.any() else None,
        }
        rows.append(row)
        ssu_min.append(row["ssu_min"])
        ssu_means.append(row["ssu_mean"])
        if mask.any():
            sstu_min.append(row["sstu_min"])
            sstu_means.append(row["sstu_mean"])
    return rows, {
        "SSU min": _min(ssu_min, 1.0),
        "SSU avg": _mean(ssu_means, 1.0),
        "SSTU min": _min(sstu_min, 1.0),
        "SSTU avg": _mean(sstu_means, 1.0),
    }


# --------------------------------------------------------------------------- complexes
def complex_yield(setup: ScoreSetup, folds: Folds, cname: str, c0: float) -> float:
    """Equilibrium concentration (M) of intended complex ``cname`` (ensemble ΔG from
    ``folds``) with each of its strands at ``c0`` (M) per copy, against its sub-complexes
    (:func:`complex_subsets`)."""
    cs = setup.problem.complexes[cname][0]
    if len(cs) == 1:
        return c0
    G = folds[("cx", cname)][1]
    distinct = list(dict.fromkeys(cs))
    col = {s: i for i, s in enumerate(distinct)}
    totals = np.zeros(len(distinct))
    for s in cs:
        totals[col[s]] += c0
    comps, dGs = [], []
    for sub in [*setup.cx_subsets[cname], tuple(range(len(cs)))]:
        key = tuple(cs[i] for i in sub)
        Gs = G if len(sub) == len(cs) else folds[("sub", key)][1]
        vec = np.zeros(len(distinct))
        for s in key:
            vec[col[s]] += 1
        if any((vec == c).all() for c in comps):
            continue
        sym = setup.ln2 if len(key) == 2 and key[0] == key[1] else 0.0
        comps.append(vec)
        dGs.append(Gs - sum(folds.G1[s] for s in key) + sym)
    ok = np.isfinite(dGs)
    T = setup.options.temperature_C
    conc = equilibrium(totals, np.array(comps)[ok], np.array(dGs)[ok], T)
    # the full complex is the last species listed (if it can form at all)
    return float(conc[int(ok.sum()) - 1]) if ok[-1] else 0.0


def complex_row(setup: ScoreSetup, folds: Folds, cname: str) -> dict[str, Any]:
    """Scores of one intended complex: MFE, ensemble defect, yield (%) and BN% (module
    doc); ``skipped`` when it has more than ``max_complex_strands`` strands."""
    cs, db_dom = setup.problem.complexes[cname]
    row: dict[str, Any] = {
        "name": cname,
        "strands": list(cs),
        "domain_structure": db_dom,
        "target": setup.targets[cname],
        "concentration_nM": float(setup.problem.concentrations_nM.get(cname, 0.0)),
    }
    if cname not in setup.cx_subsets:
        row.update(skipped=True)
        return row
    mfe, G, db, defect = folds[("cx", cname)]
    N = sum(len(setup.seqs[s]) for s in cs)
    c0 = (row["concentration_nM"] or setup.options.reference_nM) * 1e-9
    x = complex_yield(setup, folds, cname, c0)
    defect_nt = defect * N
    row.update(
        skipped=False,
        mfe_structure=db,
        mfe_dG=mfe,
        mfe_equals_target=db == setup.targets[cname],
        ensemble_dG=G,
        ensemble_defect=defect,
        yield_pct=100.0 * x / c0,
        bn_pct=100.0 * (defect_nt * min(x, c0) + N * max(c0 - x, 0.0)) / (N * c0),
    )
    return row


def complex_scores(
    setup: ScoreSetup, folds: Folds
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Rows of every intended complex; ``BN% max``/``avg`` and ``Yield min``/``avg``."""
    rows = [complex_row(setup, folds, cname) for cname in setup.problem.complexes]
    scored = [r for r in rows if not r["skipped"]]
    bn = [r["bn_pct"] for r in scored]
    yields = [r["yield_pct"] for r in scored]
    return rows, {
        "BN% max": _max(bn, 0.0),
        "BN% avg": _mean(bn, 0.0),
        "Yield min": _min(yields, 100.0),
        "Yield avg": _mean(yields, 100.0),
    }


# --------------------------------------------------------------------------- sequence level
def domain_vector(problem: DesignProblem, design: SequenceDesign) -> np.ndarray:
    """Domain sequences laid out as :func:`domain_layout` places them (codes 0..3)."""
    spans = domain_layout(problem.domains)
    vec = np.zeros(sum(n for _, n in spans.values()), np.uint8)
    for name, (start, n) in spans.items():
        vec[start : start + n] = np.frombuffer(
            design.domains[name].encode().translate(bytes.maketrans(b"ACGT", b"\0\1\2\3")), np.uint8
        )
    return vec


def kmer_scores(
    problem: DesignProblem, design: SequenceDesign
) -> tuple[SpuriousCounts, dict[str, float]]:
    """Spurious k-mer counts of the strands and their weighted per-strand scores."""
    labels = strand_labels(domain_layout(problem.domains), problem.strands)
    kc = count_spurious(domain_vector(problem, design), labels)
    return kc, {k: float(v) for k, v in kc.summary().items()}


def bm_metrics(problem: DesignProblem, design: SequenceDesign) -> dict[str, float]:
    """``WS-BM`` and ``Max-BM`` (nt) over the long (branch-migration) domains."""
    longs = [design.domains[d.name] for d in problem.domains if d.kind == "long"]
    ws_bm, max_bm, _ = _bm_scores(longs)
    return {"WS-BM": ws_bm, "Max-BM": float(max_bm)}


def verboten_scores(seqs: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Motif occurrences in every strand and ``Verboten``: 1000 per forbidden motif, 1 per
    avoided one (GGG, CCC)."""
    verb, rows = 0.0, []
    for s, seq in seqs.items():
        for pos, motif in find_motifs(seq):
            verb += 1000.0 if motif in FORBIDDEN_MOTIFS else 1.0 if motif in AVOIDED_MOTIFS else 0
            rows.append({"strand": s, "position": pos, "motif": motif})
    return rows, {"Verboten": verb}


# --------------------------------------------------------------------------- main
def score_design(
    problem: DesignProblem,
    design: SequenceDesign,
    options: ScoreOptions | None = None,
    jobs: int = 1,
) -> ScoreReport:
    """Score ``design`` (sequences for ``problem``) on every metric (module doc).

    Parameters
    ----------
    problem : DesignProblem
        Domains, strands, intended complexes and their concentrations (nM).
    design : SequenceDesign
        Domain and strand sequences.
    options : ScoreOptions
        Temperature (°C), salt (M Na+), reference concentration (nM), toehold target
        (kcal/mol), dimer threshold (kcal/mol).
    jobs : int
        Processes for the ViennaRNA computations (the results do not depend on it).

    Returns
    -------
    ScoreReport
        Metrics and per-complex, per-pair, per-strand and per-toehold tables.
    """
    o = options or ScoreOptions()
    if o.reference_nM <= 0:
        raise DesignError(f"reference concentration must be positive, got {o.reference_nM:g} nM")
    setup = score_setup(problem, design, o)
    folds = fold_all(setup, jobs)
    pair_rows, m_pairs = dimer_scores(setup, folds)
    th_rows, m_toeholds = toehold_scores(setup, folds)
    strand_rows, m_strands = strand_scores(setup, folds)
    cx_rows, m_complexes = complex_scores(setup, folds)
    kc, m_kmers = kmer_scores(problem, design)
    verb_rows, m_verboten = verboten_scores(setup.seqs)
    found = {
        **m_pairs,
        **m_toeholds,
        **bm_metrics(problem, design),
        **m_strands,
        **m_complexes,
        **m_kmers,
        **m_verboten,
    }
    return ScoreReport(
        metrics={k: found[k] for k in METRICS},
        complexes=cx_rows,
        pairs=pair_rows,
        strands=strand_rows,
        toeholds=th_rows,
        kmer_counts={"n_strands": kc.n_strands, **kc.counts},
        verboten=verb_rows,
        options=asdict(o),
    )
