"""Sequence-design data: the domains to design, the problem, and the resulting design.

Plain data shared by the design, scoring, ordering and output stages; the algorithm that
fills a :class:`SequenceDesign` is :func:`dsdcrn.design.sequences.design_sequences`.
Units: lengths in nt, free energies in kcal/mol, concentrations in nM.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["DesignProblem", "DomainSpec", "SequenceDesign", "jsonable"]


@dataclass(frozen=True)
class DomainSpec:
    """A domain of a domain-level system, before it has a sequence.

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
    modifications : dict[str, str]
        Strand name -> end label to order with it (e.g. ``5' FAM``); reporters' dyes.
    """

    domains: list[DomainSpec]
    strands: dict[str, list[str]]
    complexes: dict[str, tuple[list[str], str]]
    concentrations_nM: dict[str, float] = field(default_factory=dict)
    modifications: dict[str, str] = field(default_factory=dict)

    def strand_concentrations_nM(self) -> dict[str, float]:
        """Total concentration of each strand over the complexes that hold it, nM."""
        out = dict.fromkeys(self.strands, 0.0)
        for cname, (snames, _) in self.complexes.items():
            for s in snames:
                out[s] += float(self.concentrations_nM.get(cname, 0.0))
        return out


@dataclass
class SequenceDesign:
    """Result of :func:`dsdcrn.design.sequences.design_sequences`.

    Attributes
    ----------
    domains : dict[str, str]
        Sequence of each domain, 5'->3' (complements are derived, never stored).
    strands : dict[str, str]
        Assembled strand sequences, 5'->3'.
    toehold_dG : dict[str, float]
        In-context binding free energy of each toehold (kcal/mol, ViennaRNA sign:
        negative = binding): the mean over the places it lies exposed next to a helix
        in an intended complex, or its generic energy when there is none
        (:mod:`dsdcrn.design.toehold_energy`).
    toehold_ends : dict[str, str]
        stickydesign's 'DT' end each toehold came from, e.g. ``"G[AATTGG]A"``.
    toehold_dG_range : dict[str, tuple[float, float]]
        (min, max) of the same energy over those contexts (kcal/mol).
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
        out = jsonable(asdict(self))
        out.pop("timings", None)
        return out

    def domains_text(self) -> str:
        """Plain text, one ``name sequence`` line per domain (5'->3')."""
        return "".join(f"{name} {seq}\n" for name, seq in self.domains.items())

    def strands_fasta(self) -> str:
        """FASTA text of the assembled strands (5'->3')."""
        return "".join(f">{name}\n{seq}\n" for name, seq in self.strands.items())


def jsonable(obj: Any) -> Any:
    """``obj`` with string keys, lists for tuples and Python scalars for NumPy scalars."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if type(obj).__module__ == "numpy":
        import numpy as np  # only reached for NumPy objects, so numpy is loaded already

        if isinstance(obj, np.generic):
            return obj.item()
    return obj
