"""Formal chemical reaction networks: data objects, reader and writer.

The text syntax is the one Nuskell and crnverifier read, one reaction a line::

    # comment
    A + B -> C [k = 1]          # irreversible, rate constant k
    2A -> B                     # stoichiometric coefficient; rate defaults to 1
    A + B <=> C [kf = 1, kr = 2]
    -> A                        # empty side
    A + B -> C; C -> A          # ';' separates reactions on one line

Initial concentrations (in nM unless a unit is given) go in the same file or in a
separate one, one species a line, in crnverifier's notation::

    A @initial 10               # also '@i', or '@constant' / '@c' for a species held constant
    B @initial 2.5 uM           # units: M, mM, uM, nM, pM

Formal rate constants are in *formal units*: per formal-unit concentration to the
power (order - 1), per second.  :func:`physical_rate` converts them to /M/s.

Limits, each refused with ``FILE:LINE:COL: problem``: files are UTF-8 text; a rate
constant is a finite number > 0; an initial concentration is at most
:data:`MAX_CONCENTRATION_NM` (1 M); a species appears at most
:data:`MAX_COEFFICIENT` (10) times on one side of a reaction.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dsdcrn.errors import CRNParseError
from dsdcrn.validate import SPECIES_NAME as NAME
from dsdcrn.validate import read_text_file

_TERM = re.compile(rf"\s*(\d*)\s*({NAME.pattern})\s*$")
_NUMBER = r"[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
_UNITS_NM = {"M": 1e9, "mM": 1e6, "uM": 1e3, "µM": 1e3, "nM": 1.0, "pM": 1e-3}

MAX_COEFFICIENT = 10
"""Most copies of one species on one side of a reaction (``10A -> B``)."""
MAX_CONCENTRATION_NM = 1e9
"""Largest initial concentration, nM (1 M)."""


@dataclass(frozen=True)
class Reaction:
    """One irreversible reaction.

    ``reactants`` and ``products`` are multisets written as sorted tuples with
    repeats (``2A + B`` is ``("A", "A", "B")``).

    ``rate`` is the rate constant, in units that depend on where the reaction comes
    from: in a formal CRN (:func:`parse_crn`) it is in *formal units*, per formal-unit
    concentration to the power (n - 1) per second, n the number of reactant molecules
    (convert with :func:`physical_rate`); in an enumerated implementation CRN
    (``dsdcrn.enumerate.peppercorn.Enumerated.reactions``) it is Peppercorn's condensed
    rate constant in /nM^(n-1)/s (/s unimolecular, /nM/s bimolecular).
    """

    reactants: tuple[str, ...]
    products: tuple[str, ...]
    rate: float = 1.0
    line: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reactants", tuple(sorted(self.reactants)))
        object.__setattr__(self, "products", tuple(sorted(self.products)))

    @property
    def arity(self) -> tuple[int, int]:
        """(number of reactant molecules, number of product molecules)."""
        return len(self.reactants), len(self.products)

    @property
    def species(self) -> set[str]:
        return set(self.reactants) | set(self.products)

    def __str__(self) -> str:
        return f"{_side(self.reactants)} -> {_side(self.products)} [k = {self.rate:g}]".strip()


def _side(names: tuple[str, ...]) -> str:
    counts = Counter(names)
    return " + ".join(f"{n if n > 1 else ''}{s}" for s, n in sorted(counts.items()))


@dataclass
class CRN:
    """A formal CRN: irreversible reactions plus initial concentrations (nM).

    ``constant`` names species whose concentration is held fixed (crnverifier's
    ``@constant``).  Reversible input reactions are stored as two irreversible ones.
    """

    reactions: list[Reaction] = field(default_factory=list)
    initial: dict[str, float] = field(default_factory=dict)
    constant: set[str] = field(default_factory=set)
    name: str = "crn"
    source: str = "<string>"

    def where(self, rxn: Reaction) -> str:
        """``file:line`` of a reaction, for error messages."""
        return f"{self.source}:{rxn.line}" if rxn.line else self.source

    @property
    def species(self) -> list[str]:
        """Species in order of first appearance (reactions, then initial concentrations)."""
        seen: dict[str, None] = {}
        for rxn in self.reactions:
            for s in rxn.reactants + rxn.products:
                seen.setdefault(s)
        for s in self.initial:
            seen.setdefault(s)
        return list(seen)

    def to_text(self) -> str:
        """The CRN in the Nuskell/crnverifier syntax, initial concentrations in nM."""
        lines = [f"# {self.name}"] + [str(r) for r in self.reactions]
        for s, c in self.initial.items():
            mode = "constant" if s in self.constant else "initial"
            lines.append(f"{s} @{mode} {c:g} nM")
        return "\n".join(lines) + "\n"

    def as_lists(self) -> list[list[list[str]]]:
        """Reactions as crnverifier expects them: ``[[reactants], [products]]``."""
        return [[list(r.reactants), list(r.products)] for r in self.reactions]


def drop_species(
    reactions: Iterable[tuple[Sequence[str], Sequence[str]]], drop: Container[str]
) -> list[list[list[str]]]:
    """Remove the species in ``drop`` from both sides, then the reactions that change nothing.

    Parameters
    ----------
    reactions : (reactants, products) pairs of species names, repeats for multiplicity.
    drop : species to remove (e.g. fuels held in excess, or species that stand for nothing).

    Returns
    -------
    list
        The remaining reactions in crnverifier's form ``[[reactants], [products]]``, in
        their order, each side in its given order; a reaction whose two sides are then
        the same multiset (``X -> X``, ``->``) is left out.
    """
    out = []
    for reactants, products in reactions:
        rs = [x for x in reactants if x not in drop]
        ps = [x for x in products if x not in drop]
        if sorted(rs) != sorted(ps):
            out.append([rs, ps])
    return out


def physical_rate(rxn: Reaction, unit_nM: float) -> float:
    """Rate constant of ``rxn`` in /M^(n-1)/s for a formal unit of ``unit_nM`` nM.

    A formal rate constant k of an order-n reaction becomes k / u^(n-1) with u the
    formal-unit concentration in M.
    """
    order = len(rxn.reactants)
    return rxn.rate / (unit_nM * 1e-9) ** max(order - 1, 0)


def parse_crn(text: str, source: str = "<string>", name: str | None = None) -> CRN:
    """Read a formal CRN from text; raise :class:`CRNParseError` on a malformed line."""
    default = Path(source).stem if source != "<string>" else "crn"
    crn = CRN(name=name or default, source=source)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        offset = 0
        for part in line.split(";"):
            if part.strip():
                _parse_statement(crn, part, source, lineno, offset)
            offset += len(part) + 1
    return crn


def read_crn(path: str | Path, init: str | Path | None = None) -> CRN:
    """Read a formal CRN file and, optionally, a separate initial-concentration file."""
    path = Path(path)
    crn = parse_crn(read_text_file(path), str(path), name=path.stem)
    if init is not None:
        init = Path(init)
        extra = parse_crn(read_text_file(init), str(init))
        if extra.reactions:
            raise CRNParseError(str(init), 0, 0, "an initial-concentration file holds no reactions")
        crn.initial.update(extra.initial)
        crn.constant |= extra.constant
    return crn


def _parse_statement(crn: CRN, part: str, source: str, lineno: int, offset: int) -> None:
    col = offset + len(part) - len(part.lstrip()) + 1
    if "@" in part and "->" not in part:
        _parse_concentration(crn, part, source, lineno, col)
        return
    if "<=>" in part:
        arrow, reversible = "<=>", True
    elif "->" in part:
        arrow, reversible = "->", False
    else:
        raise CRNParseError(source, lineno, col, f"no '->' or '<=>' in {part.strip()!r}")
    body, rates = part, None
    if "[" in part:
        body, _, rest = part.partition("[")
        if not rest.rstrip().endswith("]"):
            raise CRNParseError(source, lineno, offset + len(body) + 1, "unclosed '[' in rate")
        rates = rest.rstrip()[:-1]
    left, _, right = body.partition(arrow)
    if arrow == "->" and "<" in left[-1:]:
        raise CRNParseError(source, lineno, col, "malformed arrow")
    reactants = _parse_side(left, source, lineno, offset)
    products = _parse_side(right, source, lineno, offset + len(left) + len(arrow))
    kf, kr = _parse_rates(rates, reversible, source, lineno, offset + len(body) + 1)
    crn.reactions.append(Reaction(reactants, products, kf, lineno))
    if reversible:
        crn.reactions.append(Reaction(products, reactants, kr, lineno))


def _parse_side(side: str, source: str, lineno: int, offset: int) -> tuple[str, ...]:
    if not side.strip():
        return ()
    names: list[str] = []
    copies: Counter[str] = Counter()
    pos = offset
    for term in side.split("+"):
        m = _TERM.match(term)
        col = pos + len(term) - len(term.lstrip()) + 1
        if not m:
            raise CRNParseError(source, lineno, col, f"bad species term {term.strip()!r}")
        digits = m.group(1).lstrip("0") if m.group(1) else "1"
        if not digits:
            raise CRNParseError(source, lineno, col, "a stoichiometric coefficient of 0")
        if len(digits) > 3 or int(digits) > MAX_COEFFICIENT:
            raise CRNParseError(
                source,
                lineno,
                col,
                f"stoichiometric coefficient {m.group(1)} is above the maximum of "
                f"{MAX_COEFFICIENT}",
            )
        names += [m.group(2)] * int(digits)
        copies[m.group(2)] += int(digits)
        if copies[m.group(2)] > MAX_COEFFICIENT:
            raise CRNParseError(
                source,
                lineno,
                col,
                f"{m.group(2)} appears more than {MAX_COEFFICIENT} times on one side "
                f"(the maximum stoichiometric coefficient)",
            )
        pos += len(term) + 1
    return tuple(names)


def _parse_rates(text: str | None, reversible: bool, source: str, lineno: int, col: int):
    if text is None:
        return 1.0, 1.0
    values = []
    for p in text.split(","):
        key, eq, val = p.rpartition("=")
        key = key.strip()
        if eq and key not in ({"kf", "kr", "fw", "bw", "rv"} if reversible else {"k"}):
            raise CRNParseError(source, lineno, col, f"unknown rate name {key!r}")
        val = val.strip()
        if not re.fullmatch(_NUMBER, val):
            raise CRNParseError(source, lineno, col, f"rate {val!r} is not a number > 0")
        if not 0 < float(val) < math.inf:
            raise CRNParseError(
                source, lineno, col, f"rate constant must be a finite number > 0, got {val!r}"
            )
        values.append(float(val))
    want = 2 if reversible else 1
    if len(values) != want:
        kind = "'<=>' takes two rates [kf = .., kr = ..]" if reversible else "'->' takes one rate"
        raise CRNParseError(source, lineno, col, kind)
    return values[0], values[-1]


def _parse_concentration(crn: CRN, part: str, source: str, lineno: int, col: int) -> None:
    m = re.fullmatch(
        rf"\s*([A-Za-z_][A-Za-z0-9_]*)\s*@\s*(initial|i|constant|c)\s+({_NUMBER})\s*(\S+)?\s*",
        part,
    )
    if not m:
        raise CRNParseError(
            source, lineno, col, f"expected 'NAME @initial VALUE [unit]', got {part.strip()!r}"
        )
    name, mode, value, unit = m.groups()
    unit = unit or "nM"
    if unit not in _UNITS_NM:
        raise CRNParseError(source, lineno, col, f"unknown unit {unit!r} (use M, mM, uM, nM, pM)")
    nM = float(value) * _UNITS_NM[unit]
    if not nM <= MAX_CONCENTRATION_NM:
        raise CRNParseError(
            source,
            lineno,
            col,
            f"concentration {value} {unit} of {name} is not a finite number <= 1 M",
        )
    crn.initial[name] = nM
    if mode in ("constant", "c"):
        crn.constant.add(name)
