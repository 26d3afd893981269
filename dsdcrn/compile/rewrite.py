"""CRN-level rewrites: formal reactions a scheme cannot build, made of ones it can.

A translation scheme builds some reaction shapes natively: the (reactants, products)
pairs in its ``ARITIES`` set or, without one, 1 to ``MAX_REACTANTS`` reactants and 0
to ``MAX_PRODUCTS`` products (``None``: any).  :func:`rewrite_crn` replaces every other
reaction by reactions of native shapes, introducing three kinds of species, named
after the 1-based index ``N`` of the original reaction so that the rewrite is
deterministic:

``f_rN`` (``f_rN_2``, ...): **fuel**
    added to the reactants when a reaction has too few (``-> A`` becomes ``f_r1 -> A``)
    and given back first when products are padded (``X -> Y`` becomes
    ``X + f_r1 -> f_r1 + Y`` for a scheme that only builds 2 -> 2).  Its signal complex
    is compiled as a fuel at the fuel concentration; it stands for nothing.
``w_rN`` (``w_rN_2``, ...): **waste**
    pads the products (``A + B -> C`` becomes ``A + B -> C + w_r1`` for a scheme
    that only builds 2 -> 2); nothing consumes it and it stands for nothing.
``i_rN`` (``i_rN_2``, ...): **intermediate**
    splits a reaction with more reactants than any native gate takes into a chain of
    bimolecular steps (``A + B + C -> D`` becomes ``A + B -> i_r1``, ``i_r1 -> A + B``,
    ``i_r1 + C -> D``; ``i_r1`` stands for ``A + B``; the reverse step keeps ``A`` and
    ``B`` available to other reactions), or one with more products than any native
    gate releases into a fork chain (``A -> B + C + D`` with at most two products
    becomes ``A -> B + i_r1``, ``i_r1 -> C + D``; ``i_r1`` stands for ``C + D``).

New reactions are rewritten again until every one is native.  Padding is preferred
(fewest added species, then fewest added reactants); reactant chains come before
product forks.  Rate constants: the step that commits the formal reaction keeps the
original rate constant; the introduced steps (the join and its reverse, the later
fork steps) get 1 formal unit.

Verification compares the implementation with the *original* CRN: every signal of an
introduced species is interpreted through :attr:`Rewrite.interpretation` (fuels and
wastes as nothing, intermediates as the formal multiset they stand for).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from dsdcrn.errors import SchemeError
from dsdcrn.model.crn import CRN, Reaction, drop_species


@dataclass(frozen=True)
class Introduced:
    """A species the rewrite introduced.

    ``kind`` is ``fuel``, ``waste`` or ``intermediate``; ``meaning`` the multiset of
    original formal species it stands for (empty for fuels and wastes); ``reaction``
    the 1-based index of the original reaction it belongs to.
    """

    name: str
    kind: str
    meaning: tuple[str, ...]
    reaction: int


@dataclass
class Rewrite:
    """The rewritten CRN and what its introduced species stand for.

    ``crn`` holds the reactions the scheme builds, ``origin[j]`` the 1-based index of
    the original reaction that ``crn.reactions[j]`` comes from, ``species`` every
    introduced species by name, ``notes`` one line per rewritten original reaction.
    """

    original: CRN
    crn: CRN
    origin: list[int]
    species: dict[str, Introduced] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether any reaction was rewritten."""
        return bool(self.species)

    @property
    def interpretation(self) -> dict[str, list[str]]:
        """Introduced species -> the formal species it stands for (sorted multiset)."""
        return {n: sorted(s.meaning) for n, s in self.species.items()}

    def of_kind(self, kind: str) -> list[str]:
        """Names of the introduced species of ``kind`` (``fuel``, ``waste``, ``intermediate``)."""
        return [n for n, s in self.species.items() if s.kind == kind]

    def to_comment(self, prefix: str = "# ") -> str:
        """The rewrite as comment lines (for a PIL or CRN file); empty if nothing changed."""
        if not self.changed:
            return ""
        lines = ["CRN rewrite (reactions the scheme does not build natively):"]
        lines += [f"  {n}" for n in self.notes]
        lines.append("interpretation of the introduced species:")
        for n, s in self.species.items():
            lines.append(f"  {n} ({s.kind}) -> {' + '.join(sorted(s.meaning)) or 'nothing'}")
        return "\n".join(prefix + line for line in lines) + "\n"

    def to_text(self) -> str:
        """The rewritten CRN as a ``.crn`` file, the rewrite as a leading comment block."""
        return self.to_comment() + self.crn.to_text()


def native_arities(scheme: ModuleType) -> Callable[[int, int], bool]:
    """A predicate ``builds(n_reactants, n_products)`` for what ``scheme`` builds natively."""
    arities = getattr(scheme, "ARITIES", None)
    if arities is not None:
        allowed = {(int(a), int(b)) for a, b in arities}
        return lambda n, m: (n, m) in allowed
    max_r = scheme.MAX_REACTANTS
    max_p = getattr(scheme, "MAX_PRODUCTS", None)
    return lambda n, m: 1 <= n <= max_r and (max_p is None or m <= max_p)


def describe_arities(scheme: ModuleType) -> str:
    """The native arities of ``scheme`` in words, e.g. ``1-2 -> any`` or ``0->1, 2->2``."""
    arities = getattr(scheme, "ARITIES", None)
    if arities is not None:
        parts = []
        for n in sorted({a for a, _ in arities}):
            ms = sorted(b for a, b in arities if a == n)
            runs: list[list[int]] = []
            for m in ms:
                if runs and m == runs[-1][-1] + 1:
                    runs[-1].append(m)
                else:
                    runs.append([m])
            for run in runs:
                span = str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"
                parts.append(f"{n}->{span}")
        return ", ".join(parts)
    max_p = getattr(scheme, "MAX_PRODUCTS", None)
    products = "any" if max_p is None else f"0-{max_p}"
    return f"1-{scheme.MAX_REACTANTS} -> {products}"


class _Rewriter:
    def __init__(self, builds: Callable[[int, int], bool], bound: int):
        self.builds = builds
        # search bounds for schemes given by a predicate (MAX_PRODUCTS None is unbounded)
        self.bound = bound
        self.shapes = [(n, m) for n in range(bound + 1) for m in range(bound + 1) if builds(n, m)]
        self.max_r = max((n for n, _ in self.shapes), default=0)

    def start(self, index: int, used: set[str], where: str) -> None:
        self.index, self.used, self.where = index, used, where
        self.counts = {"f": 0, "w": 0, "i": 0}
        self.species: dict[str, Introduced] = {}

    def new(self, kind: str, meaning: tuple[str, ...]) -> str:
        key = kind[0]
        self.counts[key] += 1
        k = self.counts[key]
        name = f"{key}_r{self.index}" + (f"_{k}" if k > 1 else "")
        if name in self.used:
            raise SchemeError(
                f"{self.where}: species name {name!r} is reserved for the CRN rewrite of "
                f"reaction {self.index}; rename it"
            )
        self.species[name] = Introduced(name, kind, tuple(sorted(meaning)), self.index)
        return name

    def meaning(self, names) -> tuple[str, ...]:
        out: list[str] = []
        for n in names:
            s = self.species.get(n)
            out += list(s.meaning) if s else [n]
        return tuple(sorted(out))

    def pad_target(self, n: int, m: int) -> tuple[int, int] | None:
        """The closest native shape reachable by adding reactants and products."""
        best = None
        for n2 in range(n, self.bound + 1):
            for m2 in range(m, m + self.bound + 1):
                if self.builds(n2, m2):
                    key = (n2 - n + m2 - m, n2 - n)
                    if best is None or key < best[0]:
                        best = (key, (n2, m2))
        return best[1] if best else None

    def rewrite(self, rs: tuple[str, ...], ps: tuple[str, ...], rate: float, depth: int = 0):
        """Native reactions (reactants, products, rate) implementing rs -> ps."""
        n, m = len(rs), len(ps)
        if self.builds(n, m):
            return [(rs, ps, rate)]
        if depth > 50:  # not reached: every step shortens a side; a guard all the same
            return None
        target = self.pad_target(n, m)
        if target is not None:
            fuels = [self.new("fuel", ()) for _ in range(target[0] - n)]
            extra = fuels[: target[1] - m]
            extra += [self.new("waste", ()) for _ in range(target[1] - m - len(extra))]
            return [(rs + tuple(fuels), ps + tuple(extra), rate)]
        if n > self.max_r:
            if self.max_r < 2:
                return None
            pair, rest = rs[:2], rs[2:]
            i = self.new("intermediate", self.meaning(pair))
            out = []
            for sub in ((pair, (i,), 1.0), ((i,), pair, 1.0), ((i,) + rest, ps, rate)):
                got = self.rewrite(*sub, depth + 1)
                if got is None:
                    return None
                out += got
            return out
        k = max((m2 for n2, m2 in self.shapes if n2 >= n), default=0)
        if k < 2 or m <= k:
            return None
        head, tail = ps[: k - 1], ps[k - 1 :]
        j = self.new("intermediate", self.meaning(tail))
        out = []
        for sub in ((rs, head + (j,), rate), ((j,), tail, 1.0)):
            got = self.rewrite(*sub, depth + 1)
            if got is None:
                return None
            out += got
        return out


def rewrite_crn(crn: CRN, scheme: ModuleType) -> Rewrite:
    """Rewrite every reaction of ``crn`` that ``scheme`` does not build natively.

    Raises :class:`SchemeError` (one line, naming file and line) for a reaction that
    cannot be rewritten into the scheme's native shapes, or when an original species
    already has a name the rewrite needs.
    """
    builds = native_arities(scheme)
    longest = max((max(r.arity) for r in crn.reactions), default=0)
    rw = _Rewriter(builds, max(4, longest + 2))
    out = CRN(
        initial=dict(crn.initial),
        constant=set(crn.constant),
        name=crn.name,
        source=crn.source,
    )
    result = Rewrite(crn, out, [])
    used = set(crn.species)
    if not rw.shapes:
        raise SchemeError(f"scheme {scheme.NAME} builds no reaction shape")
    for i, rxn in enumerate(crn.reactions, start=1):
        rw.start(i, used, crn.where(rxn))
        got = rw.rewrite(rxn.reactants, rxn.products, rxn.rate)
        if got is None:
            raise SchemeError(
                f"{crn.where(rxn)}: scheme {scheme.NAME} builds {describe_arities(scheme)} "
                f"(reactants->products); {_plain(rxn)} cannot be rewritten into these"
            )
        for rs, ps, k in got:
            out.reactions.append(Reaction(rs, ps, k, rxn.line))
            result.origin.append(i)
        if rw.species:
            result.species.update(rw.species)
            used |= set(rw.species)
            steps = "; ".join(_plain(Reaction(rs, ps, k)) for rs, ps, k in got)
            result.notes.append(f"reaction {i}: {_plain(rxn)}  =>  {steps}")
    return result


def _plain(rxn: Reaction) -> str:
    return str(rxn).rsplit(" [", 1)[0] or "->"


def check_rewrite(rewrite: Rewrite) -> bool:
    """Verify the rewrite itself at the formal level by CRN bisimulation (crnverifier).

    The rewritten CRN, fuels removed (they are held in excess), is checked as an
    implementation of the original CRN under the rewrite's interpretation (wastes as
    nothing, intermediates as the formal species they stand for, every original species
    as itself).  In-process and fast: the interpretation is complete, so only the
    bisimulation conditions are checked, no interpretation is searched for.
    """
    from crnverifier import crn_bisimulation_test

    fuels = set(rewrite.of_kind("fuel"))
    icrn = drop_species(((r.reactants, r.products) for r in rewrite.crn.reactions), fuels)
    fcrn = rewrite.original.as_lists()
    formals = set(rewrite.original.species)
    inter = {s: [s] for s in formals}
    inter.update({n: v for n, v in rewrite.interpretation.items() if n not in fuels})
    ok, _ = crn_bisimulation_test(fcrn, icrn, formals, interpretation=inter)
    return bool(ok)
