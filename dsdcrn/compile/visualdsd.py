"""Visual DSD export: the domain-level system as a ``.dna`` file in Logic DSD notation.

Users cross-check compiled circuits in Visual DSD (Lakin, Youssef, Phillips &
Cardelli).  Its Logic DSD language writes a complex as strands ``<...>`` joined by
``|``, a toehold with ``^``, a complement with ``*`` and a bond between two domains
with a shared label ``!i``; that is the notation peppercornenumerator's own writer
uses for species.  The file declares every domain's length, defines every complex of
the compiled system (signals and fuels) and lists the initial solution with
concentrations in nM; Visual DSD then enumerates and simulates it with its own
semantics.
"""

from __future__ import annotations

from dsdcrn.model.domains import DomainSystem

__all__ = ["to_visual_dsd"]


def _name(name: str) -> str:
    """A Visual DSD identifier (letters, digits, underscores; starts with a letter)."""
    out = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    return out if out[:1].isalpha() else f"c_{out}"


def logic_dsd(strands: list[list[str]], structure: list[str], toeholds: set[str]) -> str:
    """A complex in Logic DSD notation, e.g. ``<a^!1 b> | <b* a^*!1>``."""
    flat = [d for s in strands for d in s]
    st = [x for x in structure if x != "+"]
    labels: dict[int, int] = {}
    stack: list[int] = []
    bond = 0
    for i, sym in enumerate(st):
        if sym == "(":
            stack.append(i)
        elif sym == ")":
            j = stack.pop()
            bond += 1
            labels[i] = labels[j] = bond
    tokens = []
    for i, d in enumerate(flat):
        base, star = (d[:-1], "*") if d.endswith("*") else (d, "")
        tok = base + ("^" if base in toeholds else "") + star
        if i in labels:
            tok += f"!{labels[i]}"
        tokens.append(tok)
    parts, k = [], 0
    for s in strands:
        parts.append("<" + " ".join(tokens[k : k + len(s)]) + ">")
        k += len(s)
    return " | ".join(parts)


def to_visual_dsd(system: DomainSystem, final_s: float = 3600.0) -> str:
    """The compiled system as Visual DSD source (``.dna``), concentrations in nM.

    ``final_s`` is the simulated time (s) of the ``directive simulation`` line; the
    plots are the formal species' signals.
    """
    toeholds = {d.name for d in system.domains.values() if d.kind == "toehold"}
    signals = [c for c in system.complexes if c.role == "signal"]
    lines = [
        f"(* {system.formal.name}: domain-level system compiled by dsdcrn with scheme "
        f"{system.scheme} *)",
        "(* Logic DSD notation: ^ toehold, * complement, !i bond; concentrations in nM *)",
        "directive simulator deterministic",
        "directive compilation infinite",
        "directive simulation { final = "
        f"{final_s:g}; plots = [{'; '.join(_name(c.name) for c in signals)}] }}",
        "",
    ]
    for d in system.domains.values():
        kind = "toehold" if d.name in toeholds else "long"
        lines.append(f"(* domain {d.name}: {d.length} nt, {kind} *)")
    lines.append("")
    for cx in system.complexes:
        note = f" (* {cx.role}" + (f": {cx.part}" if cx.part else "") + " *)"
        lines.append(
            f"def {_name(cx.name)} = {logic_dsd(cx.strands, cx.structure, toeholds)}{note}"
        )
    lines.append("")
    procs = [f"{c.concentration_nM:g} {_name(c.name)}" for c in system.complexes]
    lines.append("( " + "\n| ".join(procs) + "\n)")
    return "\n".join(lines) + "\n"
