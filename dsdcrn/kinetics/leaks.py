"""Leak reactions: fuel complexes that release their output without their input.

Model
-----
A *trigger reaction* of a fuel F is a condensed reaction ``F + X -> P1 + ... + Pn``
in which X is not a fuel (a signal or an intermediate: the gate's input).  The leak
of F through it is first order, ``F -> P'``, with P' the products minus every product
that contains a strand of X: X's strands end up bound in a waste, the rest (the
released output strand, a freed buffer or fuel strand) is what leaks.

Two extensions, so that a gate leaks its *outputs*.  (1) When a product that holds
X's strands is an intermediate triggered by a further non-fuel species Y (a join gate
holding A, waiting for B), the leak follows it, ``F + X + Y -> ...``, and strips the
strands of X and Y alike.  A Soloveichik join gate for ``A + B -> C`` therefore leaks
its output strand and its buffer strand, ``join -> i1 + buffer``, where the one-step
rule gives ``join -> buffer``, which never reaches C.  (2) When such an intermediate
reacts with fuels alone (a two-output fork whose helper releases the second output
once the first is gone), the leak follows that too, so a leaking fork releases all
its outputs; the helpers of these steps are not drawn down (they are in excess, one
molecule per leak).  Only maximal chains, of at most ``max_triggers`` inputs and
eight reactions, become leaks.  A chain never takes a step back (one that gives F or
an input back, or whose input the chain released itself), and never takes as an
input a species made of F's own strands (an autocatalytic gate's own output, whose
strands would otherwise be stripped from the leak).  ``max_triggers=1`` is the
one-step rule with (2).  Single-input gates with single-output forks (every
``A -> B``) leak the same under every rule.

Leaks are deduplicated (one per distinct (F, P'), each at the full rate constant, so
a fuel with n distinct channels leaks at n times it); a leak whose P' holds nothing
but wastes is skipped and counted (:attr:`Leaks.skipped`): a helper strand that only
clears a spent fork, a buffer strand whose "leak" would be the reverse of a join.

Rate constant
-------------
Toeless strand displacement, the leak pathway of toehold-sequestering gates
(Thachuk, Winfree & Soloveichik, "Leakless DNA strand displacement systems", DNA 21,
LNCS 9211 (2015)), runs about six orders of magnitude below toehold-mediated
displacement's ~10^6 /M/s plateau: about 1 /M/s (Zhang & Winfree, "Control of DNA
strand displacement kinetics using toehold exchange", JACS 131:17303 (2009), the
zero-toehold end of their rate-versus-toehold-length series).  The same 1 /M/s is
the leak constant of Qian & Winfree's seesaw model and Visual DSD's default
``directive leak`` (1e-9 /nM/s).  Measured leaks of real gates can run higher:
3-82 /M/s between the DNA oscillator's three-strand gate and its helper strand,
depending on a few nucleotides at the helix ends, in Srinivas et al., "Enzyme-free
nucleic acid dynamical systems", Science 358:eaal2052 (2017), Table S5 (values as
tabulated in Multistrand's ``tutorials/oscillator/oscillatorLeak.py``); Wang et al.,
"Effective design principles for leakless strand displacement systems", PNAS
115:E12182 (2018) push leak down with double-long-domain designs and redundancy.

The leak is bimolecular in reality (the gate and the fuel strand that invades it
without a toehold); dsdcrn states it as a pseudo-first-order constant at the fuel
concentration the lab uses: :data:`DEFAULT_LEAK_PER_S` =
:data:`TOELESS_LEAK_PER_M_PER_S` (1 /M/s) x :data:`REFERENCE_INVADER_NM` (1 uM) =
1e-6 /s.  A 1 uM gate then leaks 1000 (1 - exp(-1e-6 x 3600)) = 3.59 nM (0.36 %) in
1 h.  Use :func:`leak_rate_per_s` for other constants or fuel concentrations (82 /M/s
at 1 uM: 8.2e-5 /s, 26 % of the gate in 1 h).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dsdcrn.enumerate.peppercorn import Enumerated
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.massaction import PEAK_FLOOR_NM, Trajectory
from dsdcrn.model.crn import Reaction

__all__ = [
    "DEFAULT_LEAK_PER_S",
    "MAX_TRIGGERS",
    "REFERENCE_INVADER_NM",
    "TOELESS_LEAK_PER_M_PER_S",
    "Leaks",
    "check_leak_rate",
    "find_leaks",
    "leak_fraction",
    "leak_rate_per_s",
    "leak_reactions",
]

TOELESS_LEAK_PER_M_PER_S = 1.0
"""Bimolecular toeless-displacement leak constant, /M/s (Zhang & Winfree, JACS 2009)."""
REFERENCE_INVADER_NM = 1000.0
"""Concentration of the invading fuel strands the default assumes, nM (1 uM fuels)."""
DEFAULT_LEAK_PER_S = TOELESS_LEAK_PER_M_PER_S * REFERENCE_INVADER_NM * 1e-9
"""Default pseudo-first-order leak constant of each fuel, /s (1e-6 /s)."""
MAX_TRIGGERS = 3
"""Most inputs a leak chain bypasses (a join gate of a trimolecular reaction)."""
_MAX_STEPS = 8
"""Most condensed reactions in one leak chain (inputs and fuel-driven steps)."""


@dataclass
class Leaks:
    """The leak reactions of an enumerated system.

    Attributes
    ----------
    reactions : list[Reaction]
        ``F -> P'`` at the pseudo-first-order constant (/s), sorted.
    skipped : list[tuple[str, tuple[str, ...]]]
        (fuel, products) of the leaks left out because they release only wastes
        (or nothing), sorted.
    triggers : dict[tuple[str, tuple[str, ...]], tuple[str, ...]]
        (fuel, products) of each leak to the input species it bypasses (those of its
        first-found chain).
    """

    reactions: list[Reaction] = field(default_factory=list)
    skipped: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    triggers: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = field(default_factory=dict)


def leak_rate_per_s(
    k_per_M_per_s: float = TOELESS_LEAK_PER_M_PER_S, invader_nM: float = REFERENCE_INVADER_NM
) -> float:
    """Pseudo-first-order leak constant (/s) of a bimolecular one (/M/s) at ``invader_nM`` nM."""
    k = check_leak_rate(k_per_M_per_s, "bimolecular leak constant (/M/s)")
    c = check_leak_rate(invader_nM, "invading fuel concentration (nM)")
    return k * c * 1e-9


def check_leak_rate(value: float, what: str = "leak rate constant (/s)") -> float:
    """``value`` as a float; :class:`DsdcrnError` unless it is a finite number >= 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DsdcrnError(f"{what} must be a finite number >= 0, got {value!r}") from None
    if not (math.isfinite(v) and v >= 0):
        raise DsdcrnError(f"{what} must be a finite number >= 0, got {value!r}")
    return v


def leak_reactions(
    enumerated: Enumerated,
    k_leak_per_s: float = DEFAULT_LEAK_PER_S,
    *,
    max_triggers: int = MAX_TRIGGERS,
) -> list[Reaction]:
    """First-order leak reactions ``F -> P'`` of every fuel F that has a trigger reaction.

    Parameters
    ----------
    enumerated : Enumerated
        The enumeration stage's output (species roles, condensed reactions).
    k_leak_per_s : float
        Pseudo-first-order leak constant, /s (default :data:`DEFAULT_LEAK_PER_S`,
        1e-6 /s); 0 turns leaks off and gives ``[]``.
    max_triggers : int
        Most inputs one leak bypasses (>= 1; 1 is the single-step rule).

    Returns
    -------
    list[Reaction]
        Leak reactions, rate in /s, to append to ``enumerated.reactions``.

    Raises
    ------
    DsdcrnError
        A negative or non-finite ``k_leak_per_s``, or ``max_triggers`` < 1.
    """
    return find_leaks(enumerated, k_leak_per_s, max_triggers=max_triggers).reactions


def find_leaks(
    enumerated: Enumerated,
    k_leak_per_s: float = DEFAULT_LEAK_PER_S,
    *,
    max_triggers: int = MAX_TRIGGERS,
) -> Leaks:
    """The leaks of :func:`leak_reactions` with the skipped ones and their triggers.

    With ``k_leak_per_s`` = 0 the result is empty (leaks off).
    """
    k = check_leak_rate(k_leak_per_s)
    if not isinstance(max_triggers, int) or max_triggers < 1:
        raise DsdcrnError(f"max_triggers must be an integer >= 1, got {max_triggers!r}")
    if k == 0:
        return Leaks()
    roles = {name: s.role for name, s in enumerated.species.items()}
    strands = {name: frozenset(map(tuple, s.strands)) for name, s in enumerated.species.items()}
    index: dict[str, list[Reaction]] = defaultdict(list)
    for r in enumerated.reactions:
        for x in set(r.reactants):
            index[x].append(r)
    out = Leaks()
    skipped: set[tuple[str, tuple[str, ...]]] = set()
    for fuel in sorted(n for n, role in roles.items() if role == "fuel"):
        for products, triggers in _chains(fuel, index, roles, strands, max_triggers):
            key = (fuel, products)
            released = list(products)
            if fuel in released:
                released.remove(fuel)
            if all(roles.get(p) == "waste" for p in released):
                skipped.add(key)
            elif key not in out.triggers:
                out.triggers[key] = triggers
                out.reactions.append(Reaction((fuel,), products, k))
    out.reactions.sort(key=lambda r: (r.reactants, r.products))
    out.skipped = sorted(skipped)
    return out


@dataclass(frozen=True)
class _State:
    """A partial leak chain of one fuel: current products and the inputs bypassed."""

    products: tuple[str, ...]
    trigger_strands: frozenset[tuple[str, ...]]
    triggers: tuple[str, ...]
    released: frozenset[str]
    steps: int


_START = _State((), frozenset(), (), frozenset(), 0)


def _chains(
    fuel: str,
    index: dict[str, list[Reaction]],
    roles: dict[str, str],
    strands: dict[str, frozenset[tuple[str, ...]]],
    max_triggers: int,
) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(P', triggers) of every maximal trigger chain starting at ``fuel``."""
    own = strands[fuel]
    stack: list[_State] = []
    for r in index.get(fuel, []):
        rest = list(r.reactants)
        rest.remove(fuel)
        if rest and not any(roles.get(y) == "fuel" or strands[y] & own for y in rest):
            stack.append(_advance(_START, r, rest, None, strands))
    seen: set[tuple[tuple[str, ...], frozenset[tuple[str, ...]]]] = set()
    while stack:
        st = stack.pop()
        if (st.products, st.trigger_strands) in seen:
            continue
        seen.add((st.products, st.trigger_strands))
        follow = list(_steps(st, fuel, index, roles, strands, max_triggers))
        if follow:
            stack.extend(follow)
            continue
        kept = tuple(sorted(p for p in st.products if not strands[p] & st.trigger_strands))
        yield kept, st.triggers


def _advance(
    st: _State,
    r: Reaction,
    inputs: list[str],
    held: str | None,
    strands: dict[str, frozenset[tuple[str, ...]]],
) -> _State:
    """The chain state after ``r`` consumes ``held`` (a product so far; None for the
    fuel itself at the first step) and the non-fuel ``inputs``."""
    new: frozenset[tuple[str, ...]] = frozenset().union(*(strands[y] for y in inputs))
    products = Counter(st.products)
    if held is not None:
        products[held] -= 1
    products.update(r.products)
    return _State(
        tuple(sorted(products.elements())),
        st.trigger_strands | new,
        st.triggers + tuple(inputs),
        st.released | set(r.products),
        st.steps + 1,
    )


def _steps(
    st: _State,
    fuel: str,
    index: dict[str, list[Reaction]],
    roles: dict[str, str],
    strands: dict[str, frozenset[tuple[str, ...]]],
    max_triggers: int,
) -> Iterator[_State]:
    """Chain extensions: what an intermediate holding an input does next, either with a
    further input (a join gate's second input) or with fuels alone (a fork's helper
    releasing its next output); never a step back (one that gives the fuel or an input
    back, or whose input the chain itself released), and never an input made of the
    fuel's own strands (an autocatalytic gate's output, which would strip the gate's own
    output strand from the leak)."""
    if st.steps >= _MAX_STEPS:
        return
    for held in sorted(set(st.products)):
        if roles.get(held) != "intermediate" or not strands[held] & st.trigger_strands:
            continue
        for r in index.get(held, []):
            rest = list(r.reactants)
            rest.remove(held)
            inputs = [y for y in rest if roles.get(y) != "fuel"]
            if (
                not rest
                or held in rest
                or fuel in r.products
                or any(p in st.triggers for p in r.products)
                or any(y in st.released or strands[y] & strands[fuel] for y in inputs)
                or len(st.triggers) + len(inputs) > max_triggers
            ):
                continue
            yield _advance(st, r, inputs, held, strands)


def leak_fraction(
    with_leak: Trajectory, without: Trajectory, names: Iterable[str]
) -> dict[str, float]:
    """Fraction of each output's final concentration that is leak.

    Parameters
    ----------
    with_leak, without : Trajectory
        The same circuit and initial concentrations simulated with and without leak
        reactions, to the same end time (s).  Project both onto formal species first
        (:meth:`Trajectory.project`) to ask about formal outputs.
    names : iterable of str
        Output species, columns of both trajectories.

    Returns
    -------
    dict[str, float]
        ``(with - without) / with`` at the last time point.  0.0 when both final
        values are below :data:`~dsdcrn.kinetics.massaction.PEAK_FLOOR_NM` (1e-9 nM);
        nan when only the leaky one is (the leak consumed the output, so no fraction of
        it is leak); negative when the leak lowers an output (e.g. by depleting fuels).

    Raises
    ------
    DsdcrnError
        A name missing from either trajectory, or different end times.
    """
    t1, t2 = float(with_leak.times[-1]), float(without.times[-1])
    if not math.isclose(t1, t2, rel_tol=1e-12, abs_tol=0.0):
        raise DsdcrnError(
            f"leak fraction needs trajectories to the same end time, got {t1:g} s and {t2:g} s"
        )
    out: dict[str, float] = {}
    for name in names:
        w, wo = float(with_leak.get(name)[-1]), float(without.get(name)[-1])
        if abs(w) < PEAK_FLOOR_NM:
            out[name] = 0.0 if abs(wo) < PEAK_FLOOR_NM else math.nan
        else:
            out[name] = (w - wo) / w
    return out
