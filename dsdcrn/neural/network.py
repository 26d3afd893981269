"""The data object every neural-CRN builder returns, and dual-rail helpers.

Values are in *formal units*: a concentration of 1 is one formal unit, ``unit_nM``
nM in the wet lab, and a rate constant of 1 is 1 /(formal unit)^(n-1) per formal
time unit.  Signed values are dual-rail pairs ``<name>p``, ``<name>m`` with value
``p - m``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from dsdcrn.errors import DsdcrnError
from dsdcrn.model.crn import Reaction
from dsdcrn.options import UNIT_NM

__all__ = ["NeuralCRN", "ReactionSet", "catalysed", "rail", "rails", "signed"]

#: Suffixes of the positive and negative rail.
PLUS, MINUS = "p", "m"


def rail(name: str, sign: int) -> str:
    """Name of the ``sign`` (+1 or -1) rail of the signed value ``name``."""
    return f"{name}{PLUS if sign > 0 else MINUS}"


def rails(name: str) -> tuple[str, str]:
    """(positive rail, negative rail) of ``name``."""
    return rail(name, 1), rail(name, -1)


def signed(value: float) -> tuple[float, float]:
    """Rail concentrations (formal units) encoding ``value``: (max(v, 0), max(-v, 0))."""
    return max(float(value), 0.0), max(-float(value), 0.0)


class ReactionSet:
    """Accumulates reactions, each tagged with the module it belongs to."""

    def __init__(self) -> None:
        self.reactions: list[Reaction] = []
        self.modules: list[str] = []

    def add(
        self, reactants: Iterable[str], products: Iterable[str], rate: float, module: str
    ) -> None:
        """Add ``reactants -> products`` at ``rate`` (formal units) to ``module``."""
        if not (rate >= 0):
            raise DsdcrnError(f"module {module}: negative rate constant {rate!r}")
        self.reactions.append(Reaction(tuple(reactants), tuple(products), float(rate)))
        self.modules.append(module)

    def catalytic(self, catalysts: Iterable[str], product: str, rate: float, module: str) -> None:
        """``C1 + C2 -> C1 + C2 + product``: the catalysts drive production at ``rate``."""
        cats = tuple(catalysts)
        self.add(cats, cats + (product,), rate, module)


@dataclass
class NeuralCRN:
    """A neural CRN: formal reactions grouped into modules and phases.

    Attributes
    ----------
    name : str
        Builder name plus its key options, e.g. ``nagipogu-reif-d2``.
    reactions : list[Reaction]
        Formal reactions, rate constants in formal units.
    modules : list[str]
        Module of each reaction (parallel to ``reactions``), e.g. ``drive``.
    phases : dict[str, tuple[str, ...]]
        Phase name -> the modules active in it.  ``all`` is every module.
    initial : dict[str, float]
        Initial concentrations in formal units (parameters and constants).
    parameters : dict[str, tuple[str, str]]
        Trainable signed parameter -> its (positive, negative) rail species.
    inputs, targets, outputs : list[str]
        Names of the signed (or, for single-rail inputs, plain) input, target and
        output values; see ``input_species``.
    transient : list[str]
        Species the host resets to 0 between samples.
    meta : dict
        Builder options (dimension, layer sizes, time constants) for the trainer.
    trimolecular : bool
        True when a reaction has three reactants (no DSD scheme builds it natively).
    """

    name: str
    reactions: list[Reaction]
    modules: list[str]
    phases: dict[str, tuple[str, ...]]
    initial: dict[str, float] = field(default_factory=dict)
    parameters: dict[str, tuple[str, str]] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    transient: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.reactions) != len(self.modules):
            raise DsdcrnError("NeuralCRN: one module label per reaction is required")
        self.phases = dict(self.phases)
        self.phases.setdefault("all", tuple(dict.fromkeys(self.modules)))
        known = set(self.modules)
        for phase, mods in self.phases.items():
            unknown = set(mods) - known
            if unknown:
                raise DsdcrnError(f"phase {phase!r} names unknown modules {sorted(unknown)}")

    @property
    def species(self) -> list[str]:
        """Every species, in order of first appearance (reactions, then initial)."""
        seen: dict[str, None] = {}
        for r in self.reactions:
            seen.update(dict.fromkeys(r.reactants + r.products))
        seen.update(dict.fromkeys(self.initial))
        return list(seen)

    @property
    def trimolecular(self) -> bool:
        return any(len(r.reactants) > 2 for r in self.reactions)

    def in_phase(self, phase: str) -> list[Reaction]:
        """Reactions whose module is active in ``phase``."""
        if phase not in self.phases:
            raise DsdcrnError(f"{self.name}: unknown phase {phase!r}; have {sorted(self.phases)}")
        mods = set(self.phases[phase])
        return [r for r, m in zip(self.reactions, self.modules, strict=True) if m in mods]

    def module_counts(self) -> dict[str, int]:
        """Number of reactions per module."""
        return dict(Counter(self.modules))

    def counts(self) -> dict[str, int]:
        """Species and reaction counts (totals and per arity)."""
        arity = Counter(len(r.reactants) for r in self.reactions)
        return {
            "species": len(self.species),
            "reactions": len(self.reactions),
            "unimolecular": arity.get(1, 0),
            "bimolecular": arity.get(2, 0),
            "trimolecular": arity.get(3, 0),
            "zero-order": arity.get(0, 0),
            "parameters": len(self.parameters),
        }

    def summary(self) -> str:
        """A few lines: counts, then reactions per module."""
        c = self.counts()
        lines = [
            f"{self.name}: {c['species']} species, {c['reactions']} reactions "
            f"({c['unimolecular']} uni-, {c['bimolecular']} bi-, {c['trimolecular']} "
            f"trimolecular), {c['parameters']} trainable parameters"
        ]
        for mod, n in self.module_counts().items():
            lines.append(f"  {mod:<20} {n:>6}")
        for phase, mods in self.phases.items():
            if phase != "all":
                lines.append(f"  phase {phase}: {', '.join(mods)}")
        return "\n".join(lines)

    def to_text(self, unit_nM: float = UNIT_NM, phase: str = "all") -> str:
        """The CRN of ``phase`` in the Nuskell/crnverifier syntax, grouped by module.

        Comments give the builder, counts and each module's phases; initial
        concentrations are in nM (one formal unit = ``unit_nM`` nM).
        """
        mods = set(self.phases[phase]) if phase in self.phases else None
        if mods is None:
            raise DsdcrnError(f"{self.name}: unknown phase {phase!r}; have {sorted(self.phases)}")
        lines = [f"# {self.name}: {self.summary().splitlines()[0].split(': ', 1)[1]}"]
        lines.append(f"# rate constants in formal units; 1 formal unit = {unit_nM:g} nM")
        if self.trimolecular:
            lines.append("# WARNING: contains trimolecular reactions (no DSD scheme builds them)")
        for mod in dict.fromkeys(self.modules):
            if mod not in mods:
                continue
            in_phases = [p for p, ms in self.phases.items() if mod in ms and p != "all"]
            lines.append(f"# module {mod} (phases: {', '.join(in_phases) or 'all'})")
            rxns = [r for r, m in zip(self.reactions, self.modules, strict=True) if m == mod]
            off = [r for r in rxns if r.rate == 0]
            lines += [str(r) for r in rxns if r.rate != 0]
            if off:  # a rate of 0 (e.g. eta = 0) switches a reaction off: it is left out
                lines.append(f"# {len(off)} reaction(s) of rate 0 left out")
        for s, v in self.initial.items():
            if v > 0:
                lines.append(f"{s} @initial {v * unit_nM:g} nM")
        return "\n".join(lines) + "\n"

    def with_rates(self, factors: Mapping[int, float] | list[float]) -> NeuralCRN:
        """A copy whose reaction i has its rate multiplied by ``factors[i]``."""
        new = [
            Reaction(r.reactants, r.products, r.rate * float(factors[i]), r.line)
            for i, r in enumerate(self.reactions)
        ]
        return replace(self, reactions=new, initial=dict(self.initial), meta=dict(self.meta))


#: Catalyst species of :func:`catalysed`, one per unimolecular reaction (its number).
CATALYST = "Kcat{}"


def catalysed(network: NeuralCRN) -> NeuralCRN:
    """``network`` with every unimolecular reaction ``X -> P`` of rate k made
    bimolecular, ``X + K -> P + K`` at k, K a catalyst of its own held at 1 formal unit:
    the same ODEs, and a circuit DNA can realise.

    A species that decays (``X ->``, a unimolecular gate used up one per firing) and
    also reacts with another at a similar formal rate cannot be realised with one
    toehold: its decay gate, used up at the sample's flux, must be far more concentrated
    than the signals it meets, so its toehold would have to be slower than the
    bimolecular reaction needs (Kang-Kim's one pot: every signal decays at k = 1 while
    it meets others at k = 1).  Made bimolecular, the decay is a join gate whose knobs
    (join and buffer concentrations) set its rate while the join is the reservoir used
    up, and X's toehold serves join gates only; the catalyst, whose toehold serves this
    one reaction, takes the role X's toehold cannot (:func:`dsdcrn.kinetics.realise.
    order_reactants` puts it first on a tie).  One catalyst a reaction: a catalyst opening many
    join gates would be held in all of them.
    """
    reactions, initial = [], dict(network.initial)
    for i, r in enumerate(network.reactions, start=1):
        if len(r.reactants) == 1 and r.rate > 0:
            k = CATALYST.format(i)
            r = Reaction(r.reactants + (k,), r.products + (k,), r.rate, r.line)
            initial[k] = 1.0
        reactions.append(r)
    return replace(
        network,
        name=network.name + "-catalysed",
        reactions=reactions,
        initial=initial,
        meta=dict(network.meta),
    )
