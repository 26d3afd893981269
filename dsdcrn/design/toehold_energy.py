"""The toehold energy model: ViennaRNA in sequence context, one model for every stage.

The designer's toehold targets and checks, the design report, the spec that picks the
winning candidate and the sequence-level kinetics (:mod:`dsdcrn.kinetics.sequence_rates`)
all use the functions here.

In-context energy.  A toehold binds next to a helix, so its duplex stacks onto that
helix's terminal base pair.  Each place a toehold domain ``t`` (or ``t*``) is *exposed*
(unpaired) next to a paired domain of the same strand is a *context*
``(5' flank token, token, 3' flank token)``; a flank is that paired neighbour (None:
strand end or unpaired neighbour).  The energy of a context is the ViennaRNA duplex free
energy (DNA, Mathews 2004) of the toehold extended by one nucleotide of each flank:
duplex initiation, every nearest-neighbour stack and the terminal A-T penalty of the outer
ends, minus the terminal A-T penalty of each flanking pair (in place it is no helix end).
A toehold's energy is the mean over its contexts.  A toehold that is never exposed next
to a helix gets its *generic* energy: the mean over the eight one-flank contexts (either
side, each base).

Targets.  By default a toehold of ``L`` nt aims at Peppercorn's length-only energy
``L dG_bp + dG_assoc`` (-8.3 kcal/mol for 6 nt, -3.2 for 3 nt): the energy the
enumeration's rates, and so the rate realisation, assume.  A design on target therefore
runs at the rates it was realised for.  An explicit magnitude applies at the most common
length, the others scaled in proportion to length.

Energies in kcal/mol, negative = binding (standard state 1 M); temperatures in °C; salt
in M Na+ (Mg2+ enters as a Na+ equivalent, :func:`dsdcrn.design.vienna.sodium_equivalent_M`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dsdcrn.design.constraints import revcomp

__all__ = [
    "Context",
    "context_dG",
    "exposures",
    "flanked_dG",
    "generic_dG",
    "peppercorn_constants",
    "peppercorn_helix_dG",
    "problem_contexts",
    "strand_contexts",
    "toehold_context_energies",
    "toehold_targets",
    "token_sequence",
]

#: (5' flank token or None, exposed toehold token, 3' flank token or None)
Context = tuple[str | None, str, str | None]


def peppercorn_constants() -> tuple[float, float]:
    """(dG_bp, dG_assoc) defaults of the installed Peppercorn (kcal/mol)."""
    import inspect

    from peppercornenumerator.ratemodel import opening_rate

    params = inspect.signature(opening_rate).parameters
    return float(params["dG_bp"].default), float(params["dG_assoc"].default)


def peppercorn_helix_dG(length_nt: int) -> float:
    """Peppercorn's length-only duplex energy ``L dG_bp + dG_assoc`` (kcal/mol).

    With the installed defaults (-1.7 and +1.9 kcal/mol): -8.3 for 6 nt, -10.0 for 7 nt.
    """
    dG_bp, dG_assoc = peppercorn_constants()
    return length_nt * dG_bp + dG_assoc


def toehold_targets(lengths: Iterable[int], magnitude: float | None = None) -> dict[int, float]:
    """Target in-context ΔG (kcal/mol, negative) per toehold length (nt).

    ``magnitude`` None: :func:`peppercorn_helix_dG` of each length.  A number: ``-magnitude``
    at the reference length (the most common one, ties to the longer: the scheme's
    toehold) and in proportion to length at the others, so that a toehold the rate
    realisation shortened stays weaker (:mod:`dsdcrn.kinetics.realise`).
    """
    counts = Counter(int(n) for n in lengths)
    if not counts:
        return {}
    if magnitude is None:
        return {n: peppercorn_helix_dG(n) for n in counts}
    ref = max(counts, key=lambda n: (counts[n], n))
    return {n: -float(magnitude) * n / ref for n in counts}


def strand_contexts(strand: list[str], symbols: list[str], toeholds: set[str]) -> list[Context]:
    """Contexts of one strand: its toehold tokens that are unpaired (``symbols[k] == '.'``)
    next to a paired domain; ``symbols`` are the strand's dot-bracket symbols."""
    out = []
    for k, tok in enumerate(strand):
        if tok.rstrip("*") not in toeholds or symbols[k] != ".":
            continue
        left = strand[k - 1] if k > 0 and symbols[k - 1] != "." else None
        right = strand[k + 1] if k + 1 < len(strand) and symbols[k + 1] != "." else None
        if left or right:
            out.append((left, tok, right))
    return out


def exposures(
    strands: Mapping[str, list[str]],
    complexes: Mapping[str, tuple[list[str], str]],
    toeholds: set[str],
) -> Iterator[tuple[str, Context]]:
    """(complex name, context) of every toehold exposed next to a helix in the intended
    complexes of a design problem (strand name -> tokens; complex name -> (strand names,
    dot-bracket)), in order, repeats included."""
    for cname, (snames, db) in complexes.items():
        symbols = [s for s in db.split() if s != "+"]
        pos = 0
        for s in snames:
            toks = strands[s]
            for c in strand_contexts(toks, symbols[pos : pos + len(toks)], toeholds):
                yield cname, c
            pos += len(toks)


def problem_contexts(
    strands: Mapping[str, list[str]],
    complexes: Mapping[str, tuple[list[str], str]],
    toeholds: set[str],
) -> dict[str, list[Context]]:
    """Distinct contexts of every toehold in the intended complexes (:func:`exposures`)."""
    out: dict[str, list[Context]] = {t: [] for t in sorted(toeholds)}
    for _, c in exposures(strands, complexes, toeholds):
        if c not in out[c[1].rstrip("*")]:
            out[c[1].rstrip("*")].append(c)
    return out


def token_sequence(domains: Mapping[str, str], token: str) -> str:
    """Sequence (5'->3') of a domain token (``x`` or its complement ``x*``)."""
    seq = domains[token.rstrip("*")]
    return revcomp(seq) if token.endswith("*") else seq


def flanked_dG(five: str, toehold: str, three: str, md: Any) -> float:
    """In-context ΔG (kcal/mol) of ``toehold`` (5'->3') stacked on the flanking
    nucleotides ``five`` and ``three`` ('' for none); module doc for the model."""
    import RNA

    top = five + toehold + three
    fc = RNA.fold_compound(f"{top}&{revcomp(top)}", md)
    dG = fc.eval_structure("(" * len(top) + ")" * len(top))
    terminal_at = RNA.param(md).TerminalAU / 100.0  # kcal/mol
    return float(dG) - sum(terminal_at for nt in (five, three) if nt in ("A", "T"))


def generic_dG(toehold: str, md: Any) -> float:
    """Mean ΔG over the eight one-flank contexts of ``toehold`` (kcal/mol)."""
    vals = [flanked_dG(b, toehold, "", md) for b in "ACGT"]
    vals += [flanked_dG("", toehold, b, md) for b in "ACGT"]
    return sum(vals) / len(vals)


def context_dG(domains: Mapping[str, str], context: Context, md: Any) -> float:
    """In-context ΔG (kcal/mol) of one context; ``domains`` maps names to sequences."""
    left, token, right = context
    five = token_sequence(domains, left)[-1] if left else ""
    three = token_sequence(domains, right)[0] if right else ""
    return flanked_dG(five, token_sequence(domains, token), three, md)


def toehold_context_energies(
    domains: Mapping[str, str], contexts: Mapping[str, list[Context]], md: Any
) -> dict[str, list[float]]:
    """Per toehold: ΔG of each context (kcal/mol), or ``[generic ΔG]`` without one."""
    return {
        t: [context_dG(domains, c, md) for c in ctx] if ctx else [generic_dG(domains[t], md)]
        for t, ctx in contexts.items()
    }
