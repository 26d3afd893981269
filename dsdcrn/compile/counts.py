"""Counts: what a compiled circuit costs to order, per formal reaction and in total."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsdcrn.model.domains import DomainSystem


@dataclass
class Counts:
    """Strand, complex and nucleotide counts of a compiled system.

    ``nucleotides`` is the sum of the lengths (nt) of the distinct strands to
    synthesise; ``per_reaction`` gives, for each formal reaction, its fuel complexes,
    the distinct strands they hold and their nucleotides (strands shared with
    another reaction's fuels are counted in each).
    """

    strands: int
    complexes: int
    fuel_complexes: int
    signal_complexes: int
    nucleotides: int
    domains: int
    domain_nucleotides: int
    per_reaction: list[dict] = field(default_factory=list)

    def to_json_dict(self) -> dict:
        return dict(self.__dict__)

    def table(self) -> str:
        rows = [
            "| reaction | formal | fuel complexes | strands | nt |",
            "|---:|---|---:|---:|---:|",
        ]
        for r in self.per_reaction:
            rows.append(
                f"| {r['index']} | `{r['reaction']}` | {r['fuels']} | {r['strands']} | {r['nt']} |"
            )
        rows.append(
            f"| total | {len(self.per_reaction)} reactions | {self.fuel_complexes} | "
            f"{self.strands} | {self.nucleotides} |"
        )
        return "\n".join(rows)


def count(system: DomainSystem) -> Counts:
    """Count strands (distinct by domain sequence), complexes and nucleotides."""
    length = {d.name: d.length for d in system.domains.values()}

    def nt(strand: list[str]) -> int:
        return sum(length[d.rstrip("*")] for d in strand)

    strands = system.strands()
    by_reaction: dict[int | None, list] = {}  # once, not per reaction (issue 17)
    for c in system.fuels:
        by_reaction.setdefault(c.reaction, []).append(c)
    per = []
    for i, rxn in enumerate(system.formal.reactions, start=1):
        fuels = by_reaction.get(i, [])
        distinct = {tuple(s) for c in fuels for s in c.strands}
        per.append(
            {
                "index": i,
                "reaction": str(rxn).rsplit(" [", 1)[0],
                "fuels": len(fuels),
                "strands": len(distinct),
                "nt": sum(nt(list(s)) for s in distinct),
            }
        )
    return Counts(
        strands=len(strands),
        complexes=len(system.complexes),
        fuel_complexes=len(system.fuels),
        signal_complexes=len(system.signals),
        nucleotides=sum(nt(s) for s in strands.values()),
        domains=len(system.domains),
        domain_nucleotides=sum(length.values()),
        per_reaction=per,
    )
