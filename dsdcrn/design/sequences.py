"""Sequence design for domain-level strand-displacement systems: the entry point.

:func:`design_sequences` runs the phases in order, each in its own module:

0. *toeholds* (:mod:`dsdcrn.design.toeholds`): stickydesign's spurious limits (0.4 of the
   target, Srinivas et al. 2017), chosen and targeted in the one energy model of
   :mod:`dsdcrn.design.toehold_energy` (ViennaRNA in context; by default Peppercorn's
   energy of each length, -8.3 kcal/mol for 6 nt, within ``toehold_dev``); then the
   long-domain nucleotide next to each exposed toehold is *pinned* so that the toehold's
   mean in-context ΔG is nearest its target (:func:`dsdcrn.design.toeholds.pin_flanks`);
1. *repair* and 2. *sequence symmetry minimisation* of the long (branch-migration)
   domains (:mod:`dsdcrn.design.long_domains`) under the hard constraints of
   :mod:`dsdcrn.design.constraints`: no forbidden motif (:data:`FORBIDDEN_MOTIFS`) in any
   strand, GC content of every long domain inside ``gc_range`` and no
   ``max_shared_kmer``-mer shared between two positions of the domains or their
   complements; strand windows of :data:`dsdcrn.design.constraints.TOEHOLD_MATCH_NT` nt
   (junctions included) reading part of a toehold or its complement outside that
   toehold's own domain (toehold occlusion) are removed after the draw where these allow,
   then penalised (forbidden with ``hard_toehold_windows``); the SSM score counts
   spurious complementary and identical k-mers between all strands in context, each GGG
   or CCC (:data:`AVOIDED_MOTIFS`) and each toehold window;
3. *ensemble defects* of every intended complex and of every free strand alone,
   4. *toehold windows* left, 5. *single-stranded toeholds*: every toehold nucleotide
   of a free strand unpaired alone with probability ``sstu_min`` or more, and 6. (given
   the mix concentrations) the *occupancy* of every exposed toehold by the strands added
   alone, aimed under :data:`OCCUPANCY_TARGET` (:mod:`dsdcrn.design.refine`);
7. ViennaRNA checks of every intended complex and strand with DNA (Mathews 2004)
   parameters (:mod:`dsdcrn.design.vienna`).

Settings come from :class:`dsdcrn.options.DesignOptions`.  Its ``None`` defaults resolve
here: ``max_shared_kmer`` to 7, or the smallest larger k at which the domains need at
most a sixth of the distinct k-mers the alphabet offers; ``ssm_steps`` to twice the
number of long-domain nucleotides; ``defect_steps`` to 4 per intended complex (0 skips
the phase); ``toehold_maxspurious`` to 0.4, relaxed only if stickydesign cannot supply
enough toehold (recorded in ``parameters``; an explicit value is used as given and an
infeasible one raises :class:`DesignError` with settings that work); ``salt_M`` to
ViennaRNA's standard 1.021 M (Mg2+ added as a Na+ equivalent,
:meth:`DesignOptions.salt_equivalent_M`).  ``max_seconds`` bounds the repair phase
(an error past it), and the toehold-window clearing, the SSTU and the occupancy phases
each (no pass or step starts past it; on a large circuit this makes the result depend
on the machine's speed).  With
``three_letter`` (Piperine's code) every domain uses A, C and T only, so strands of
uncomplemented domains hold no G and strands of complements no C.  With
``share_toeholds``, a toehold length stickydesign cannot supply one sequence a domain
shares sequences among domains that never meet in a strand or intended complex
(:mod:`dsdcrn.design.toehold_sharing`).

Units: lengths in nt, free energies in kcal/mol (ViennaRNA sign: negative = binding),
temperatures in °C, salt in M Na+, Mg2+ in mM.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple

import numpy as np

from dsdcrn.design.constraints import (
    AVOIDED_MOTIFS,
    FORBIDDEN_MOTIFS,
    TOEHOLD_MATCH_NT,
    Layout,
    assemble,
    check_alphabet,
    decode,
    default_kmer,
    flank_position,
    longest_shared_kmer,
    split_token,
)
from dsdcrn.design.long_domains import alphabet_codes, design_long_domains
from dsdcrn.design.refine import (
    Defects,
    Occupancy,
    SearchState,
    Unpaired,
    refine_defects,
    refine_occupancy,
    refine_sstu,
    refine_toehold_matches,
)
from dsdcrn.design.toehold_energy import (
    exposures,
    problem_contexts,
    toehold_context_energies,
    toehold_targets,
)
from dsdcrn.design.toeholds import (
    clashing_pins,
    design_all_toeholds,
    pin_flanks,
    place_toeholds,
)
from dsdcrn.design.vienna import vienna_checks, vienna_dna_model
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DesignProblem, DomainSpec, SequenceDesign
from dsdcrn.options import DesignOptions

log = logging.getLogger(__name__)

#: Steps of the SSTU phase per free strand with a toehold.
SSTU_STEPS = 3
#: Steps of the occupancy phase per exposed toehold site, and the occupancy (fraction)
#: it aims every site under (the specification's 10 %, with a margin).
OCCUPANCY_STEPS = 4
OCCUPANCY_TARGET = 0.08

__all__ = [
    "OCCUPANCY_STEPS",
    "OCCUPANCY_TARGET",
    "SSTU_STEPS",
    "occupancy_setup",
    "free_toehold_masks",
    "toeholds_and_flanks",
    "free_strand_targets",
    "Settings",
    "design_parameters",
    "design_sequences",
    "occlusion_entries",
    "refine_design",
    "resolve_settings",
    "target_structure",
    "target_structures",
    "validate_settings",
    "validate_system",
]


def validate_system(
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
) -> dict[str, DomainSpec]:
    """Check names, kinds and lengths of ``domains`` and that every strand and complex
    refers to known domains and strands; returns the domains by name.

    Raises :class:`DesignError` naming the first problem.
    """
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
            if split_token(tok)[0] not in by_name:
                raise DesignError(f"strand {sname!r} uses unknown domain {tok!r}")
    for cname, (snames, _) in complexes.items():
        for s in snames:
            if s not in strands:
                raise DesignError(f"complex {cname!r} uses unknown strand {s!r}")
    return by_name


class Settings(NamedTuple):
    """The design settings :func:`resolve_settings` derives from the options."""

    k: int  # max_shared_kmer, nt
    ssm_steps: int
    defect_steps: int


def resolve_settings(
    domains: list[DomainSpec], complexes: dict[str, tuple[list[str], str]], o: DesignOptions
) -> Settings:
    """``max_shared_kmer``, ``ssm_steps`` and ``defect_steps`` with ``None`` resolved
    (module doc)."""
    k = default_kmer(domains, o.three_letter) if o.max_shared_kmer is None else o.max_shared_kmer
    n_long_nt = sum(int(d.length) for d in domains if d.kind == "long")
    steps = 2 * n_long_nt if o.ssm_steps is None else int(o.ssm_steps)
    n_defect = 4 * len(complexes) if o.defect_steps is None else int(o.defect_steps)
    return Settings(int(k), steps, n_defect)


def validate_settings(domains: list[DomainSpec], o: DesignOptions, s: Settings, seed: int) -> None:
    """Check the options and resolved settings (GC window per long domain, k, toehold
    energies, spurious limit, step counts, defect target, seed); :class:`DesignError`."""
    lo, hi = o.gc_range
    if not 0.0 <= lo <= hi <= 1.0:
        raise DesignError(f"gc_range must satisfy 0 <= low <= high <= 1, got {o.gc_range}")
    for d in domains:
        if d.kind == "long" and np.ceil(lo * d.length - 1e-9) > np.floor(hi * d.length + 1e-9):
            raise DesignError(
                f"gc_range {o.gc_range} admits no GC count for {d.length}-nt domain "
                f"{d.name!r}; widen gc_range"
            )
    if s.k < 2:
        raise DesignError(f"max_shared_kmer must be >= 2 nt, got {s.k}")
    if (o.toehold_dG is not None and o.toehold_dG <= 0) or o.toehold_dev <= 0:
        raise DesignError("toehold_dG and toehold_dev must be positive (kcal/mol magnitudes)")
    if o.mg_mM < 0:
        raise DesignError(f"mg_mM must be >= 0, got {o.mg_mM:g}")
    if not 0.0 <= o.temperature_C <= 95.0:
        raise DesignError(f"temperature_C must be in [0, 95] °C, got {o.temperature_C:g}")
    ms = o.toehold_maxspurious
    if ms is not None and not 0 < ms <= 1:
        raise DesignError(
            f"toehold_maxspurious must be in (0, 1] (fraction of toehold_dG), got {ms:g}"
        )
    if s.ssm_steps < 0:
        raise DesignError(f"ssm_steps must be >= 0, got {s.ssm_steps}")
    if not 0 < o.defect_target < 1:
        raise DesignError(f"defect_target must be in (0, 1), got {o.defect_target:g}")
    if int(seed) < 0:
        raise DesignError(f"seed must be a non-negative integer, got {seed}")
    if s.defect_steps < 0:
        raise DesignError(f"defect_steps must be >= 0, got {s.defect_steps}")


def target_structure(
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
            (a, ca), (b, cb) = split_token(other), split_token(tok)
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
                sym * by_name[split_token(tok)[0]].length
                for sym, tok in zip(g, strands[sname], strict=True)
            )
        )
    return "&".join(parts)


def target_structures(
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
) -> dict[str, str]:
    """Nucleotide-level dot-bracket (``&`` between strands) of every intended complex."""
    by_name = {d.name: d for d in domains}
    return {
        cname: target_structure(cname, list(sn), db, strands, by_name)
        for cname, (sn, db) in complexes.items()
    }


def occlusion_entries(
    by_name: dict[str, DomainSpec], index: dict[str, int]
) -> list[tuple[int, bool]]:
    """(domain index, complement flag) of every toehold of at least
    :data:`dsdcrn.design.constraints.TOEHOLD_MATCH_NT` nt, both orientations: no strand
    window of that many nt may read part of it or of its complement outside the toehold's
    own domain (:class:`dsdcrn.design.constraints.HardConstraints`)."""
    return [
        (index[d.name], comp)
        for d in by_name.values()
        if d.kind == "toehold" and d.length >= TOEHOLD_MATCH_NT
        for comp in (True, False)
    ]


def free_strand_targets(
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    bases: set[str],
) -> dict[str, tuple[list[str], str]]:
    """One unpaired single-strand target per strand that is free at some time (every
    strand but the gate base strands ``bases``) and is no intended single-strand complex
    already, so the defect phase keeps signal and output toeholds single-stranded."""
    single = {sn[0] for sn, _ in complexes.values() if len(sn) == 1}
    return {
        f"{name} (free)": ([name], " ".join("." for _ in toks))
        for name, toks in strands.items()
        if name not in single and name not in bases
    }


def refine_design(
    st: SearchState,
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    o: DesignOptions,
    defect_steps: int,
    concentrations_nM: dict[str, float] | None = None,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Phases 3 to 6 on ``st`` (in place): ensemble defects of the intended complexes
    and of every free strand alone, toehold windows, single-stranded toeholds of free
    strands, then (given the complexes' mix concentrations, nM) the occupancy of exposed
    toeholds (phases 3, 5 and 6 skipped with no defect steps).  Returns (search
    statistics, wall-clock seconds per phase)."""
    search: dict[str, Any] = {}
    timings: dict[str, float] = {}
    if not st.lay.mutable.any():
        return search, timings
    from dsdcrn.design.scores import base_strands

    md = vienna_dna_model(o.temperature_C, o.salt_equivalent_M())
    bases = base_strands(DesignProblem(domains, strands, complexes))
    defects = None
    if defect_steps:
        t0 = time.monotonic()
        every = {**complexes, **free_strand_targets(strands, complexes, bases)}
        targets = target_structures(domains, strands, every)
        log.info("ensemble defects of %d complexes and free strands ...", len(every))
        defects = Defects(st.seq, st.lay, strands, every, targets, md)
        search.update(refine_defects(st, defects, defect_steps, float(o.defect_target)))
        timings["defect_s"] = round(time.monotonic() - t0, 3)
    if st.hard.th is not None:
        t0 = time.monotonic()
        search.update(refine_toehold_matches(st, defects, float(o.defect_target)))
        timings["toehold_match_s"] = round(time.monotonic() - t0, 3)
    if defect_steps:
        t0 = time.monotonic()
        log.info("single-stranded toeholds of free strands ...")
        up = Unpaired(st.lay, free_toehold_masks(domains, strands, bases), md)
        steps = SSTU_STEPS * len(up.free)
        search.update(
            refine_sstu(
                st,
                up,
                float(o.sstu_min),
                steps,
                defects,
                float(o.defect_target),
                float(o.max_seconds),
            )
        )
        timings["sstu_s"] = round(time.monotonic() - t0, 3)
        if concentrations_nM:
            t0 = time.monotonic()
            log.info("occupancy of exposed toeholds at the mix concentrations ...")
            occ = occupancy_setup(st.lay, domains, strands, complexes, concentrations_nM, md, o)
            steps = OCCUPANCY_STEPS * len(occ.sites)
            target = OCCUPANCY_TARGET
            args = (target, steps, defects, float(o.defect_target), up, float(o.sstu_min))
            search.update(refine_occupancy(st, occ, *args, max_seconds=float(o.max_seconds)))
            timings["occupancy_s"] = round(time.monotonic() - t0, 3)
    return search, timings


def occupancy_setup(
    lay: Layout,
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    concentrations_nM: dict[str, float],
    md: Any,
    o: DesignOptions,
) -> Occupancy:
    """The exposed toehold sites of the complexes in the mix and the strands added alone
    (their unintended partners), for :func:`dsdcrn.design.refine.refine_occupancy`."""
    toeholds = {d.name for d in domains if d.kind == "toehold"}
    names = list(strands)
    index = {n: i for i, n in enumerate(lay.names)}
    found: dict[tuple, tuple[np.ndarray, str, set[int]]] = {}
    for cname, (left, tok, right) in exposures(strands, complexes, toeholds):
        if concentrations_nM.get(cname, 0) <= 0:
            continue
        i = index[tok.rstrip("*")]
        span = np.arange(lay.starts[i], lay.starts[i] + lay.lengths[i])
        core = 2 * span[::-1] + 1 if tok.endswith("*") else 2 * span
        flank = [flank_position(lay, t, side) for t, side in ((left, "5"), (right, "3")) if t]
        five = [2 * p + c for p, c in flank[:1]] if left else []
        three = [2 * p + c for p, c in flank[-1:]] if right else []
        labels = np.array(five + list(core) + three, np.int64)
        con = "x" * len(five) + "." * len(core) + "x" * len(three)
        partner = tok[:-1] if tok.endswith("*") else tok + "*"
        mates = {k for k, n in enumerate(names) if partner in strands[n]}
        found[(tok, left, right)] = (labels, con, mates)
    partners = {
        names.index(cs[0]): concentrations_nM[c] * 1e-9
        for c, (cs, _) in complexes.items()
        if len(cs) == 1 and concentrations_nM.get(c, 0) > 0
    }
    return Occupancy(lay, list(found.values()), partners, md, o.temperature_C)


def free_toehold_masks(
    domains: list[DomainSpec], strands: dict[str, list[str]], bases: set[str]
) -> dict[int, np.ndarray]:
    """Strand index -> mask of its toehold nucleotides, for every strand free at some
    time (not one of the gate base strands ``bases``); the SSTU of
    :func:`dsdcrn.design.refine.refine_sstu`."""
    kinds = {d.name: (d.kind, int(d.length)) for d in domains}
    out = {}
    for i, (name, toks) in enumerate(strands.items()):
        if name not in bases:
            out[i] = np.concatenate(
                [
                    np.full(kinds[t.rstrip("*")][1], kinds[t.rstrip("*")][0] == "toehold")
                    for t in toks
                ]
            )
    return out


def design_parameters(o: DesignOptions, s: Settings, spurious_used: float) -> dict[str, Any]:
    """Every design parameter and fixed setting used, for :attr:`SequenceDesign.parameters`."""
    return {
        "toehold_dG": o.toehold_dG,
        "toehold_model": "ViennaRNA in context (dsdcrn.design.toehold_energy)",
        "toehold_dev": float(o.toehold_dev),
        "temperature_C": float(o.temperature_C),
        "salt_M": o.salt_equivalent_M(),  # what ViennaRNA was given (Na+ equivalent)
        "na_M": o.salt_M,
        "mg_mM": float(o.mg_mM),
        "gc_range": [float(o.gc_range[0]), float(o.gc_range[1])],
        "max_shared_kmer": s.k,
        "three_letter": bool(o.three_letter),
        "hard_toehold_windows": bool(o.hard_toehold_windows),
        "max_seconds": float(o.max_seconds),
        "ssm_steps": s.ssm_steps,
        "defect_target": float(o.defect_target),
        "defect_steps": s.defect_steps,
        "sstu_min": float(o.sstu_min),
        "forbidden_motifs": list(FORBIDDEN_MOTIFS),
        "avoided_motifs": list(AVOIDED_MOTIFS),
        "toehold_energetics": "stickydesign EnergeticsDAOE, 'DT' ends (spurious limit)",
        "toehold_maxspurious": float(spurious_used),
        "toehold_maxspurious_requested": o.toehold_maxspurious,
        "vienna_parameters": "DNA Mathews 2004",
        "vienna_ensemble": "connected structures of the given strand order",
    }


def _domain_sequences(seq: np.ndarray, lay: Layout) -> dict[str, str]:
    return {
        n: decode(seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]])
        for i, n in enumerate(lay.names)
    }


def toeholds_and_flanks(
    by_name: dict[str, DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    lay: Layout,
    seq: np.ndarray,
    o: DesignOptions,
    seed: int,
    rng: np.random.Generator,
    md: Any,
) -> tuple[dict, float, dict[str, list], dict[int, int]]:
    """Phase 0: design the toeholds, write them into ``seq`` and pin the flank of each
    exposed toehold (fixed in ``lay.mutable``).  Returns (toehold per name, spurious limit
    used, contexts per toehold, pinned position -> base)."""
    domains = list(by_name.values())
    contexts = problem_contexts(
        strands, complexes, {n for n, d in by_name.items() if d.kind == "toehold"}
    )
    pinnable = {  # an exposed toehold next to a long domain: its flank can be pinned
        t
        for t, ctx in contexts.items()
        if any(by_name[f.rstrip("*")].kind == "long" for c in ctx for f in (c[0], c[2]) if f)
    }
    chosen, by_len, spurious_used = design_all_toeholds(
        domains, o, seed, pinnable, strands, complexes
    )
    index = {n: i for i, n in enumerate(lay.names)}
    place_toeholds(chosen, by_len, lay, seq, index, strands, rng, md)
    lay.share_windows(seq)  # shared toeholds: their k-mers repeat by design
    goal = toehold_targets([len(c.sequence) for c in chosen.values()], o.toehold_dG)
    targets_dG = {n: goal[len(c.sequence)] for n, c in chosen.items()}
    pins = pin_flanks(seq, lay, contexts, targets_dG, md, alphabet_codes(o.three_letter)[0])
    for p in clashing_pins(seq, lay, pins):  # left to the long-domain search instead
        del pins[p]
    lay.mutable[list(pins)] = False
    log.info("design (seed %d): %d toeholds chosen; long domains next ...", seed, len(chosen))
    return chosen, spurious_used, contexts, pins


def design_sequences(
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    seed: int = 0,
    options: DesignOptions | None = None,
    checks: bool = True,
    concentrations_nM: dict[str, float] | None = None,
) -> SequenceDesign:
    """Design sequences for a domain-level system and check them with ViennaRNA.

    Parameters
    ----------
    domains : list[DomainSpec]
        Domains with lengths (nt) and kinds ('toehold' or 'long').
    strands : dict[str, list[str]]
        Strand -> domain names 5'->3' (a trailing ``*``: complement).
    complexes : dict[str, tuple[list[str], str]]
        Complex name -> (strand names in order, domain-level dot-bracket such as
        ``"( ( + ) ) ."``: one symbol per domain, space separated, ``+`` between strands).
    seed : int
        Seed (>= 0) for stickydesign (seeded end chooser, numpy's global RNG restored
        afterwards) and for the long-domain search (``default_rng``).
    options : DesignOptions or None
        Settings (kcal/mol, °C, M Na+, mM Mg2+, nt, s; module doc for the ``None``
        defaults); ``None``: ``DesignOptions()``.
    checks : bool
        Run the ViennaRNA checks (``complex_checks``, ``strand_checks``).
    concentrations_nM : dict[str, float] or None
        Complex -> mix concentration (nM), for phase 6 (occupancy).

    Returns
    -------
    SequenceDesign
        Sequences, in-context toehold energies and ViennaRNA checks; raises
        :class:`DesignError` on invalid input, infeasible constraints or a time-out.
    """
    o = options or DesignOptions()
    s = resolve_settings(domains, complexes, o)
    by_name = validate_system(domains, strands, complexes)
    validate_settings(domains, o, s, seed)
    targets = target_structures(domains, strands, complexes)
    lay = Layout(domains, strands, s.k)
    check_alphabet(domains, s.k, o.three_letter)
    seq = np.zeros(lay.total, np.uint8)
    rng = np.random.default_rng(seed)
    md = vienna_dna_model(o.temperature_C, o.salt_equivalent_M())
    chosen, spurious_used, contexts, pins = toeholds_and_flanks(
        by_name, strands, complexes, lay, seq, o, seed, rng, md
    )
    exposed = occlusion_entries(by_name, {n: i for i, n in enumerate(lay.names)})
    long_args = (o.gc_range, rng, o.max_seconds, o.three_letter, s.ssm_steps, exposed, pins)
    search, timings, ssm, hard = design_long_domains(seq, lay, *long_args, o.hard_toehold_windows)
    search["pinned_flanks"] = len(pins)  # toehold flanks fixed by phase 0
    st = SearchState(seq, lay, ssm, hard, alphabet_codes(o.three_letter)[0], rng)
    log.info("design (seed %d): refining against the system's defects ...", seed)
    more_search, more_timings = refine_design(
        st, domains, strands, complexes, o, s.defect_steps, concentrations_nM
    )
    search.update(more_search)
    timings.update(more_timings)
    dom_seqs = _domain_sequences(seq, lay)
    strand_seqs = {name: assemble(toks, dom_seqs) for name, toks in strands.items()}
    in_context = toehold_context_energies(dom_seqs, contexts, md)
    conditions = (o.temperature_C, o.salt_equivalent_M())
    checked = vienna_checks(strand_seqs, complexes, targets, *conditions) if checks else ([], [])
    return SequenceDesign(
        domains=dom_seqs,
        strands=strand_seqs,
        toehold_dG={n: float(np.mean(v)) for n, v in in_context.items()},
        toehold_ends={n: c.end for n, c in chosen.items()},
        toehold_dG_range={n: (min(v), max(v)) for n, v in in_context.items()},
        complex_checks=checked[0],
        strand_checks=checked[1],
        max_shared_kmer_found=longest_shared_kmer([dom_seqs[lay.names[i]] for i in lay.long_ids]),
        seed=int(seed),
        parameters=design_parameters(o, s, spurious_used),
        search=search,
        timings=timings,
    )
