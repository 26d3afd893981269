"""Counterexamples for an incorrect implementation CRN.

:func:`basis_diff` compares the implementation's formal basis (the formal reactions
its pathways implement, crnverifier's pathway decomposition) with the formal CRN;
when there is no formal basis because a pathway releases a formal species and takes
it back (the implementation is not regular), :func:`irregular_pathway` finds such a
pathway.  Both run in a child process (:func:`dsdcrn.verify.whole.find_counterexample`).

Reactions are in crnverifier's form, ``[[reactants], [products]]``.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Collection, Sequence
from itertools import combinations_with_replacement

Rxn = tuple[tuple[str, ...], tuple[str, ...]]
CRNLists = Sequence[Sequence[Sequence[str]]]


def reaction_key(reactants: Sequence[str], products: Sequence[str]) -> Rxn:
    """A reaction as a pair of sorted tuples, so equal multisets compare equal."""
    return tuple(sorted(reactants)), tuple(sorted(products))


def format_reaction(rxn: Rxn) -> str:
    """``A + B -> C`` (``∅`` for an empty side)."""
    return f"{' + '.join(rxn[0]) or '∅'} -> {' + '.join(rxn[1]) or '∅'}"


def basis_diff(
    fcrn: CRNLists,
    icrn: CRNLists,
    formals: Collection[str],
    wastes: Collection[str],
    raw: tuple | None = None,
) -> str:
    """Counterexample: formal reactions implemented but not specified, and vice versa.

    Parameters
    ----------
    fcrn, icrn : the formal and the (signal-collapsed) implementation CRN.
    formals : the formal species.
    wastes : species the formal basis is cleaned of (they stand for nothing).
    raw : (implementation CRN with signal variants kept apart, their names, species
        to ignore): where to look for an irregular pathway when there is no formal
        basis (:func:`irregular_pathway`); None to skip that search.

    Returns
    -------
    str
        The differences, ``" | "``-separated, or why there is no formal basis.
    """
    from crnverifier import get_formal_basis
    from crnverifier.pathway_decomposition import NoFormalBasisError
    from crnverifier.utils import clean_crn

    try:
        basis, _ = get_formal_basis(icrn, set(formals))
    except NoFormalBasisError as err:
        path = None
        if "regular" in str(err) and raw is not None:
            path = irregular_pathway(*raw)
        found = f"; e.g. the pathway {path}" if path else ""
        return f"the implementation has no formal basis: {err}{found}"
    basis = clean_crn(basis, inter={w: [] for w in wastes})
    got = {reaction_key(r, p) for r, p in basis}
    want = {reaction_key(r, p) for r, p in fcrn}
    parts = []
    if got - want:
        extra = "; ".join(map(format_reaction, got - want))
        parts.append("implemented but not in the formal CRN: " + extra)
    if want - got:
        missing = "; ".join(map(format_reaction, want - got))
        parts.append("in the formal CRN but not implemented: " + missing)
    return " | ".join(parts) or "formal basis equals the formal CRN"


def irregular_pathway(
    icrn: CRNLists,
    formals: set[str],
    ignore: Collection[str] = frozenset(),
    max_steps: int = 10,
    max_states: int = 20000,
) -> str | None:
    """A shortest pathway that releases a formal species and takes it back, or None.

    The pathway goes from a formal state back to a formal state, releasing a formal
    species it did not start with and consuming it again while intermediates remain (so
    it is not regular); found breadth-first from every formal state of up to two
    species, at most ``max_steps`` reactions long, visiting at most ``max_states``
    states.  Given signal variants as the formal species, a released variant is one a
    gate made, so a reactant that unbinds again does not count; ``ignore`` (wastes) is
    left out of the states.  Returned as text: the reactions, then what it releases.
    """
    rxns = []
    for r, p in icrn:
        rxns.append((Counter(r), Counter(x for x in p if x not in ignore)))
    species = sorted({x for r, p in icrn for x in list(r) + list(p)} & formals)
    queue: deque = deque()
    for k in (0, 1, 2):
        for start in combinations_with_replacement(species, k):
            queue.append((Counter(start), set(start), (), frozenset(), ""))
    seen = 0
    while queue and seen < max_states:
        state, start, path, released, back = queue.popleft()
        seen += 1
        if len(path) >= max_steps:
            continue
        for i, (r, p) in enumerate(rxns):
            if any(state[x] < n for x, n in r.items()):
                continue
            new = state - r + p
            inter = [x for x in new if x not in formals]
            taken = sorted(set(r) & released) if any(x not in formals for x in r) else []
            now = back or ", ".join(taken)
            rel = released | {x for x in p if x in formals and x not in start and inter}
            step = path + (i,)
            if now and not inter:
                steps = "; ".join(format_reaction(reaction_key(*icrn[j])) for j in step)
                return f"{steps} (releases {now} and takes it back)"
            queue.append((new, start, step, frozenset(rel), now))
    return None
