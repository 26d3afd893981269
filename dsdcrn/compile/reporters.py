"""Read-out reporters: one fluorophore-quencher complex per formal species read out.

A reporter ``rep_X`` is an add-on, not part of the verified circuit: the
fluorophore-labelled bottom strand exposes the complement of species X's toehold, and X
displaces the quencher-labelled top strand, so the fluorophore lights up where X is
captured, one reporter per molecule.  Reporters are built from the compiled system's
own domains, so the sequence designer designs and scores them with the rest (their
strands are ordered with their dye labels) and the mix protocol anneals them.

Concentrations in nM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dsdcrn.errors import DsdcrnError
from dsdcrn.model.domains import Complex, DomainSystem, complement
from dsdcrn.options import REPORTER_NM

__all__ = [
    "DYES",
    "REPORTER_NM",
    "Reporter",
    "default_outputs",
    "reporter",
    "reporters",
]

DYES = (
    ("FAM", "Iowa Black FQ"),
    ("HEX", "Iowa Black FQ"),
    ("ROX", "Iowa Black RQ"),
    ("Cy5", "Iowa Black RQ"),
)
"""Fluorophore-quencher pairs suggested for reporters, in order (distinct channels)."""


@dataclass
class Reporter:
    """A fluorophore-quencher reporter for one species (read-out add-on).

    ``complex`` is the reporter at the domain level (strands: the quencher-labelled top
    strand, then the fluorophore-labelled bottom strand).
    """

    species: str
    complex: Complex
    top_strand: str
    bottom_strand: str
    fluorophore: str
    quencher: str
    labels: str  # where the dyes go
    quencher_end: str = "3'"  # of the top strand
    fluorophore_end: str = "5'"  # of the bottom strand

    def modifications(self) -> dict[str, str]:
        """Each reporter strand's end label, as an order sheet names it."""
        return {
            self.top_strand: f"{self.quencher_end} {self.quencher}",
            self.bottom_strand: f"{self.fluorophore_end} {self.fluorophore}",
        }

    @property
    def name(self) -> str:
        return self.complex.name


def default_outputs(system: DomainSystem) -> list[str]:
    """The circuit's read-outs: formal species it produces and consumes at most by their
    own decay (``X ->``; the neuron's output rails); all formal species if none."""
    rxns = system.formal.reactions
    products = {s for r in rxns for s in r.products}
    used = {s for r in rxns if not (len(r.reactants) == 1 and not r.products) for s in r.reactants}
    only = [s for s in system.formal.species if s in products and s not in used]
    return only or list(system.formal.species)


def reporter(
    system: DomainSystem, species: str, index: int = 0, concentration_nM: float = 0.0
) -> Reporter:
    """The read-out reporter ``rep_<species>`` of one formal species at ``concentration_nM``.

    The species' functional domains (its signal strand without history domains) give
    the binding toehold, the first toehold followed by a branch-migration domain, and
    the run of long domains after it.  The top strand (quencher) is that run; the bottom
    strand (fluorophore) its complement plus the toehold's complement, left single
    stranded.  A signal whose only toehold ends it binds at the 3' end instead.
    ``index`` picks the dye pair from :data:`DYES`.
    """
    cx = next((c for c in system.signals if c.formal == species), None)
    if cx is None or len(cx.strands) != 1:
        known = ", ".join(c.formal for c in system.signals if c.formal)
        raise DsdcrnError(f"no signal strand for output {species!r}; formal species: {known}")
    pattern = system.signal_patterns.get(species) or cx.strands[0]
    func = [d for d in pattern if d is not None]
    kind = [
        system.domains[d.rstrip("*")].kind if d.rstrip("*") in system.domains else "" for d in func
    ]
    bind, run, forward = _reporter_domains(func, kind)
    if not run:
        raise DsdcrnError(
            f"no reporter for {species!r}: its signal has no toehold next to a "
            "branch-migration domain"
        )
    bottom = [complement(d) for d in reversed(run)]
    bottom = bottom + [complement(bind)] if forward else [complement(bind)] + bottom
    paired = [")"] * len(run)
    struct = ["("] * len(run) + ["+"] + (paired + ["."] if forward else ["."] + paired)
    name = f"rep_{species}"
    rep = Complex(
        name,
        [run, bottom],
        struct,
        "reporter",
        concentration_nM,
        formal=species,
        part="read-out reporter (add-on, not part of the verified circuit)",
    )
    dye, quencher = DYES[index % len(DYES)]
    ends = ("3'", "5'") if forward else ("5'", "3'")
    labels = f"{quencher} at the top strand's {ends[0]} end, {dye} at the bottom strand's {ends[1]}"
    return Reporter(species, rep, f"{name}_Q", f"{name}_F", dye, quencher, labels, *ends)


def _reporter_domains(func: list[str], kind: list[str]) -> tuple[str, list[str], bool]:
    """(toehold, long-domain run it leads into, forward?) of a signal's functional domains."""
    for i, k in enumerate(kind):
        if k == "toehold" and i + 1 < len(func) and kind[i + 1] != "toehold":
            j = i + 1
            while j < len(func) and kind[j] != "toehold":
                j += 1
            return func[i], func[i + 1 : j], True
    for i in range(len(func) - 1, 0, -1):
        if kind[i] == "toehold" and kind[i - 1] != "toehold":
            j = i - 1
            while j > 0 and kind[j - 1] != "toehold":
                j -= 1
            return func[i], func[j:i], False
    return "", [], True


def reporters(
    system: DomainSystem,
    outputs: Iterable[str] | None = None,
    concentration_nM: float = REPORTER_NM,
    strict: bool | None = None,
) -> list[Reporter]:
    """One :func:`reporter` per species in ``outputs`` (None: :func:`default_outputs`),
    dyes in :data:`DYES` order; none when ``concentration_nM`` is 0.  ``strict`` False
    skips a species that has no reporter (the mix protocol then says why); None (the
    default): strict for species asked for, lenient for the default read-outs."""
    if concentration_nM == 0:
        return []
    if strict is None:
        strict = outputs is not None
    species = default_outputs(system) if outputs is None else list(outputs)
    out = []
    for i, s in enumerate(dict.fromkeys(species)):
        try:
            out.append(reporter(system, s, i, concentration_nM))
        except DsdcrnError:
            if strict:
                raise
    return out
