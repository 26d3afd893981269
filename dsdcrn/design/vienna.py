"""ViennaRNA checks of a design: DNA (Mathews 2004) parameters, MFE and ensemble defect.

Every intended complex of up to :data:`MAX_STRANDS_CHECKED` strands is folded in its given
strand order (the connected ensemble) and compared with its target structure; every strand
is folded alone.  ΔG in kcal/mol (negative = favourable), temperature in °C, salt in M Na+,
ensemble defects as fractions of nt.
"""

from __future__ import annotations

from typing import Any

from dsdcrn.errors import DesignError

__all__ = ["MAX_STRANDS_CHECKED", "vienna_checks", "vienna_dna_model"]

#: ViennaRNA multi-strand folding of larger complexes is checked too (5 strands: < 1 s).
MAX_STRANDS_CHECKED = 8

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


def insert_breaks(structure: str, lengths: list[int]) -> str:
    """Dot-bracket of a multi-strand complex with ``&`` between strands of ``lengths`` nt."""
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
        "mfe_structure": insert_breaks(structure, lengths),
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
        if len(snames) > MAX_STRANDS_CHECKED:
            entry.update(
                skipped=True,
                reason=f"{len(snames)} strands; ViennaRNA checks run for up to "
                f"{MAX_STRANDS_CHECKED} strands",
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
