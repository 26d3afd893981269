"""Sequence design for domain-level strand-displacement systems: the entry point.

:func:`design_sequences` runs the phases in order, each in its own module:

0. *toeholds* (:mod:`dsdcrn.design.toeholds`): stickydesign at a target binding energy,
   deviation and maximum spurious interaction (Srinivas et al. 2017 defaults: 7.7
   kcal/mol, 0.5 kcal/mol, 0.4);
1. *repair* and 2. *sequence symmetry minimisation* of the long (branch-migration)
   domains (:mod:`dsdcrn.design.long_domains`) under the hard constraints of
   :mod:`dsdcrn.design.constraints`: no forbidden motif (:data:`FORBIDDEN_MOTIFS`) in any
   strand, GC content of every long domain inside ``gc_range``, and no
   ``max_shared_kmer``-mer shared between two positions of the domains or their
   complements; the SSM score counts spurious complementary and identical k-mers between
   all strands in context, each GGG or CCC (:data:`AVOIDED_MOTIFS`), and each strand
   window of :data:`dsdcrn.design.constraints.TOEHOLD_MATCH_NT` nt reading part of a
   toehold whose complement lies exposed in an intended complex, in a strand that is no
   intended partner of it;
3. *ensemble defects* and 4. *exposed toeholds* (:mod:`dsdcrn.design.refine`);
5. ViennaRNA checks of every intended complex and strand with DNA (Mathews 2004)
   parameters (:mod:`dsdcrn.design.vienna`).

Settings come from :class:`dsdcrn.options.DesignOptions`.  Its ``None`` defaults resolve
here: ``max_shared_kmer`` to 7, or the smallest larger k at which the domains need at
most a quarter of the distinct k-mers the alphabet offers; ``ssm_steps`` to twice the
number of long-domain nucleotides; ``defect_steps`` to 4 per intended complex (0 skips
the phase); ``toehold_maxspurious`` to 0.4, relaxed only if stickydesign cannot supply
enough toehold (recorded in ``parameters``; an explicit value is used as given and an
infeasible one raises :class:`DesignError` with settings that work); ``salt_M`` to
ViennaRNA's standard 1.021 M.  ``max_seconds`` bounds the repair phase.  With
``three_letter`` (Piperine's code) every domain uses A, C and T only, so strands of
uncomplemented domains hold no G and strands of complements no C.

Units: lengths in nt, free energies in kcal/mol, temperatures in °C, salt in M Na+.
Binding energies of toeholds are reported as positive magnitudes (stickydesign
convention); ViennaRNA ΔG values keep their sign (negative = favourable).
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np

from dsdcrn.design.constraints import (
    AVOIDED_MOTIFS,
    FORBIDDEN_MOTIFS,
    Layout,
    assemble,
    check_alphabet,
    decode,
    default_kmer,
    longest_shared_kmer,
    split_token,
)
from dsdcrn.design.long_domains import alphabet_codes, design_long_domains
from dsdcrn.design.refine import (
    Defects,
    SearchState,
    refine_defects,
    refine_toehold_matches,
)
from dsdcrn.design.toeholds import design_all_toeholds, place_toeholds
from dsdcrn.design.vienna import vienna_checks, vienna_dna_model
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec, SequenceDesign
from dsdcrn.options import DesignOptions

__all__ = [
    "Settings",
    "design_parameters",
    "design_sequences",
    "exposed_toeholds",
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
    if o.toehold_dG <= 0 or o.toehold_dev <= 0:
        raise DesignError("toehold_dG and toehold_dev must be positive (kcal/mol magnitudes)")
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


def exposed_toeholds(
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
            name, comp = split_token(tok)
            if sym == "." and by_name[name].kind == "toehold":
                found[name, comp] = None
    out = []
    for name, comp in found:
        partner = name if comp else name + "*"
        holders = {i for i, toks in enumerate(strands.values()) if partner in toks}
        out.append((index[name], comp, holders))
    return out


def refine_design(
    st: SearchState,
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    targets: dict[str, str],
    o: DesignOptions,
    defect_steps: int,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Phases 3 and 4 on ``st`` (in place): ensemble defects (skipped with no steps),
    then exposed toeholds (when any toehold is exposed).  Returns (search statistics,
    wall-clock seconds per phase)."""
    search: dict[str, Any] = {}
    timings: dict[str, float] = {}
    if not st.lay.mutable.any():
        return search, timings
    defects = None
    if defect_steps:
        t0 = time.monotonic()
        md = vienna_dna_model(o.temperature_C, o.salt_M)
        defects = Defects(st.seq, st.lay, strands, complexes, targets, md)
        search.update(refine_defects(st, defects, defect_steps, float(o.defect_target)))
        timings["defect_s"] = round(time.monotonic() - t0, 3)
    if st.hard.th is not None:
        t0 = time.monotonic()
        search.update(refine_toehold_matches(st, defects, float(o.defect_target)))
        timings["toehold_match_s"] = round(time.monotonic() - t0, 3)
    return search, timings


def design_parameters(o: DesignOptions, s: Settings, spurious_used: float) -> dict[str, Any]:
    """Every design parameter and fixed setting used, for :attr:`SequenceDesign.parameters`."""
    return {
        "toehold_dG": float(o.toehold_dG),
        "toehold_dev": float(o.toehold_dev),
        "temperature_C": float(o.temperature_C),
        "salt_M": None if o.salt_M is None else float(o.salt_M),
        "gc_range": [float(o.gc_range[0]), float(o.gc_range[1])],
        "max_shared_kmer": s.k,
        "three_letter": bool(o.three_letter),
        "max_seconds": float(o.max_seconds),
        "ssm_steps": s.ssm_steps,
        "defect_target": float(o.defect_target),
        "defect_steps": s.defect_steps,
        "forbidden_motifs": list(FORBIDDEN_MOTIFS),
        "avoided_motifs": list(AVOIDED_MOTIFS),
        "toehold_energetics": "stickydesign EnergeticsDAOE, 'DT' ends",
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


def design_sequences(
    domains: list[DomainSpec],
    strands: dict[str, list[str]],
    complexes: dict[str, tuple[list[str], str]],
    seed: int = 0,
    options: DesignOptions | None = None,
    checks: bool = True,
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
    options : DesignOptions or None
        Design settings (energies in kcal/mol, °C, M Na+, nt, s; module doc for the
        ``None`` defaults); ``None``: ``DesignOptions()``.
    checks : bool
        Run the ViennaRNA checks (``complex_checks``, ``strand_checks``).

    Returns
    -------
    SequenceDesign
        Sequences, toehold energies and ViennaRNA checks.

    Raises
    ------
    DesignError
        Invalid input, infeasible toehold or long-domain constraints, or time-out.
    """
    o = options or DesignOptions()
    s = resolve_settings(domains, complexes, o)
    by_name = validate_system(domains, strands, complexes)
    validate_settings(domains, o, s, seed)
    targets = target_structures(domains, strands, complexes)
    lay = Layout(domains, strands, s.k)
    check_alphabet(domains, s.k, o.three_letter)
    chosen, by_len, spurious_used = design_all_toeholds(domains, o, seed)
    seq = np.zeros(lay.total, np.uint8)
    index = {n: i for i, n in enumerate(lay.names)}
    rng = np.random.default_rng(seed)
    place_toeholds(chosen, by_len, lay, seq, index, strands, rng)
    exposed = exposed_toeholds(by_name, strands, complexes, index)
    search, timings, ssm, hard = design_long_domains(
        seq, lay, o.gc_range, rng, o.max_seconds, o.three_letter, s.ssm_steps, exposed
    )
    st = SearchState(seq, lay, ssm, hard, alphabet_codes(o.three_letter)[0], rng)
    more_search, more_timings = refine_design(st, strands, complexes, targets, o, s.defect_steps)
    search.update(more_search)
    timings.update(more_timings)
    dom_seqs = _domain_sequences(seq, lay)
    strand_seqs = {name: assemble(toks, dom_seqs) for name, toks in strands.items()}
    checked: tuple[list, list] = ([], [])
    if checks:
        checked = vienna_checks(strand_seqs, complexes, targets, o.temperature_C, o.salt_M)
    return SequenceDesign(
        domains=dom_seqs,
        strands=strand_seqs,
        toehold_dG={n: c.dG for n, c in chosen.items()},
        toehold_ends={n: c.end for n, c in chosen.items()},
        toehold_dG_range={n: c.dG_range for n, c in chosen.items()},
        complex_checks=checked[0],
        strand_checks=checked[1],
        max_shared_kmer_found=longest_shared_kmer([dom_seqs[lay.names[i]] for i in lay.long_ids]),
        seed=int(seed),
        parameters=design_parameters(o, s, spurious_used),
        search=search,
        timings=timings,
    )
