"""Toehold design: stickydesign's spurious limits, ViennaRNA's energy model.

stickydesign (nearest-neighbour DAOE energetics, one ``easyends`` call per toehold
length) supplies toeholds that bind one another weakly (maximum spurious interaction
0.4 of the target, Srinivas et al. 2017).  Which of them are chosen, and the target
itself, are in the one energy model of :mod:`dsdcrn.design.toehold_energy`: ViennaRNA
(DNA, Mathews 2004) in sequence context, by default Peppercorn's length-only energy
(-8.3 kcal/mol for 6 nt).  stickydesign's own energy window is calibrated to the cores
whose generic ViennaRNA energy lies within the deviation (plus :data:`PIN_REACH`) of the
target, and the seeded end chooser takes the end closest to the target in ViennaRNA,
avoiding a self-complementary 4-mer (AATT, ATAT, ...), any
:data:`dsdcrn.design.constraints.TOEHOLD_MATCH_NT`-nt window shared, in either
orientation, with a toehold already chosen, and (less) shared 4-mers, while others are
left.  :func:`pin_flanks` then fixes the long-domain nucleotide next to each exposed
toehold so that its mean over its actual contexts meets the target.  If
``toehold_maxspurious`` is ``None``, 0.4 is tried first and, only when stickydesign cannot
supply enough toeholds (:class:`ToeholdShortage`), the first of
:data:`TOEHOLD_MAXSPURIOUS_FALLBACK` that can.  Energies in kcal/mol (ViennaRNA sign:
negative = binding), lengths in nt, temperatures in °C, salt in M Na+.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, NamedTuple

import numpy as np

from dsdcrn.design.constraints import (
    FORBIDDEN_MOTIFS,
    FORBIDDEN_RE,
    FORBIDDEN_RUNS,
    TOEHOLD_MATCH_NT,
    Layout,
    assemble,
    decode,
    encode,
    flank_position,
    junction_reads,
    toehold_reads,
)
from dsdcrn.design.toehold_energy import (
    Context,
    flanked_dG,
    generic_dG,
    toehold_targets,
    token_sequence,
)
from dsdcrn.design.vienna import vienna_dna_model
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec
from dsdcrn.options import DesignOptions

__all__ = [
    "PIN_REACH",
    "SAMPLE_CORES",
    "TOEHOLD_MAXSPURIOUS",
    "TOEHOLD_MAXSPURIOUS_FALLBACK",
    "Toehold",
    "ToeholdShortage",
    "check_toehold_space",
    "clashing_pins",
    "describe_end",
    "design_all_toeholds",
    "design_toeholds",
    "design_toeholds_default",
    "pin_flanks",
    "place_toeholds",
]

#: stickydesign settings used for toeholds.
TOEHOLD_MAXSPURIOUS = 0.4  # Srinivas et al. 2017: spurious <= 0.4 x the target energy
#: Relaxed in this order when the default cannot supply enough toeholds (module doc).
TOEHOLD_MAXSPURIOUS_FALLBACK = (0.45, 0.5, 0.55, 0.6)
#: Cores sampled to calibrate stickydesign's window (every core up to 6 nt).
SAMPLE_CORES = 4096
#: How far (kcal/mol) a toehold's generic energy may lie outside ``toehold_dev``: the
#: pinned flank (one stack, :func:`pin_flanks`) moves an in-context energy by about this.
PIN_REACH = 0.4


class _Vienna:
    """Generic in-context ΔG of toehold cores (kcal/mol; memoised), and a seeded sample."""

    def __init__(self, temperature_C: float, salt_M: float | None) -> None:
        self.md = vienna_dna_model(temperature_C, salt_M)
        self.memo: dict[str, float] = {}

    def __call__(self, core: str) -> float:
        if core not in self.memo:
            self.memo[core] = generic_dG(core, self.md)
        return self.memo[core]

    def sample(self, length: int, n: int = SAMPLE_CORES) -> list[str]:
        """Every ``length``-nt core when there are at most ``n``, else ``n`` seeded ones."""
        if 4**length <= n:
            return ["".join(p) for p in itertools.product("ACGT", repeat=length)]
        rng = np.random.default_rng([12345, length])
        return [decode(r) for r in rng.integers(0, 4, size=(n, length), dtype=np.uint8)]


@functools.lru_cache(maxsize=8)
def _vienna(temperature_C: float, salt_M: float | None) -> _Vienna:
    """One memo of generic energies per process and conditions (shared by candidates)."""
    return _Vienna(temperature_C, salt_M)


def _range_text(length: int, vienna: _Vienna) -> str:
    e = np.array([vienna(c) for c in vienna.sample(length, 1024)])
    lo, med, hi = np.percentile(e, [5, 50, 95])
    return (
        f"{length}-nt toeholds bind with {lo:.1f} to {hi:.1f} kcal/mol in ViennaRNA "
        f"context (median {med:.1f}); choose toehold_dG near {-med:.1f} or another length"
    )


def _sticky_window(
    length: int,
    target: float,
    dev: float,
    vienna: _Vienna,
    energetics: Any,
    spread: tuple[float, float] = (5.0, 95.0),
) -> tuple[float, float]:
    """stickydesign (target, fractional deviation) covering the ``spread`` percentiles of
    the stickydesign energies of the cores whose generic ViennaRNA energy is within
    ``dev`` of ``target`` (kcal/mol); DesignError if no core is."""
    import stickydesign

    cores = vienna.sample(length)
    ok = [c for c in cores if abs(vienna(c) - target) <= dev]
    if not ok:
        raise DesignError(
            f"toehold constraint infeasible: no {length}-nt toehold reaches {target:.2f} ± "
            f"{dev:g} kcal/mol; " + _range_text(length, vienna)
        )
    rng = np.random.default_rng([54321, length])
    codes = np.array([encode(c) for c in ok], np.uint8)
    ends = np.concatenate(
        [rng.integers(0, 4, (len(ok), 1)), codes, rng.integers(0, 4, (len(ok), 1))], 1
    )
    e = energetics.matching_uniform(stickydesign.EndArray(ends.astype(np.uint8), "DT"))
    lo, mid, hi = np.percentile(e, [spread[0], 50, spread[1]])
    return float(mid), float(max(mid - lo, hi - mid, 0.02 * mid) / mid)


def _seeded_endchooser(target: float, vienna: _Vienna, rng: np.random.Generator) -> Any:
    """An ``easyends`` chooser (seeded; stickydesign 0.9.2's own draws from an unseeded
    generator): the end whose core's generic ViennaRNA energy is nearest ``target``
    (within 0.1 kcal/mol of the nearest, at random), penalising a self-complementary
    4-mer, a :data:`TOEHOLD_MATCH_NT`-nt window shared (in either orientation) with an
    end already chosen, and, less, each such 4-mer (toeholds side by side in a strand
    would pair with each other)."""

    def endchooser(currentends: Any, availends: Any, energetics: Any) -> Any:
        cores = [decode(np.asarray(e)[1:-1]) for e in availends]
        taken: set[str] = set()
        short: set[str] = set()
        for e in currentends:
            taken |= toehold_reads(decode(np.asarray(e)[1:-1]))
            short |= toehold_reads(decode(np.asarray(e)[1:-1]), 4)
        ddiff = np.array([abs(vienna(c) - target) for c in cores])
        ddiff = ddiff + 100.0 * _self_complementary(np.asarray(availends)[:, 1:-1])
        ddiff = ddiff + 50.0 * np.array([bool(toehold_reads(c) & taken) for c in cores])
        ddiff = ddiff + 5.0 * np.array([len(toehold_reads(c, 4) & short) for c in cores])
        choices = np.flatnonzero(ddiff <= np.amin(ddiff) + 0.1)
        return availends[choices[rng.integers(0, len(choices))]]

    return endchooser


def _self_complementary(codes: np.ndarray, n: int = 4) -> np.ndarray:
    """Rows (base codes) holding an ``n``-mer equal to its own reverse complement."""
    if codes.shape[1] < n:
        return np.zeros(len(codes), bool)
    w = np.lib.stride_tricks.sliding_window_view(codes.astype(np.int64), n, axis=1)
    return (w + w[:, :, ::-1] == 3).all(axis=2).any(axis=1)


class _Ask(NamedTuple):
    """One stickydesign request for toeholds of one length."""

    length: int
    target: float  # ViennaRNA in-context target, kcal/mol (negative)
    dev: float  # kcal/mol
    maxspurious: float
    three_letter: bool
    seed: int


def _easyends(
    ask: _Ask, number: int, vienna: _Vienna, energetics: Any, wide: bool = True
) -> tuple[list[str], str]:
    """stickydesign ``easyends`` ('DT' ends, seeded, calibrated window), kept when the
    core is within the deviation in ViennaRNA and holds no forbidden motif.

    ``wide`` False: stickydesign searches the central half of that window only (fewer
    ends to filter, so faster).  Returns (ends as context + toehold + context, reason
    text if stickydesign failed).
    """
    import stickydesign

    reach = ask.dev + PIN_REACH
    spread = (5.0, 95.0) if wide else (25.0, 75.0)
    sticky, fdev = _sticky_window(ask.length, ask.target, reach, vienna, energetics, spread)
    state = np.random.get_state()
    np.random.seed([ask.seed, ask.length])
    try:
        ends = stickydesign.easyends(
            "DT",
            ask.length,
            number=number,
            energetics=energetics,
            interaction=sticky,
            fdev=fdev,
            maxspurious=ask.maxspurious,
            tries=1,
            alphabet="h" if ask.three_letter else "n",
            echoose=_seeded_endchooser(
                ask.target, vienna, np.random.default_rng([ask.seed, ask.length])
            ),
        )
    except Exception as exc:  # stickydesign raises assorted errors on empty spaces
        return [], f"{type(exc).__name__}: {exc}"
    finally:
        np.random.set_state(state)
    good: list[str] = []
    for full in (
        stickydesign.EndArray(np.asarray(ends, np.uint8), "DT").tolist() if len(ends) else []
    ):
        core = full[1:-1].upper()
        if abs(vienna(core) - ask.target) <= reach + 1e-9 and not FORBIDDEN_RE.search(core):
            good.append(full.upper())
    return good, ""


def _feasible_settings(n: int, ask: _Ask, vienna: _Vienna, energetics: Any) -> str:
    """Settings (spurious limit, deviation, length) at which stickydesign finds ``n`` ends."""
    tries = [ask._replace(maxspurious=ms) for ms in (0.5, 0.6) if ms > ask.maxspurious]
    tries += [ask._replace(dev=ask.dev + 0.25)]
    for t in tries:
        found, _ = _easyends(t._replace(seed=0), 0, vienna, energetics)
        if len(found) >= n:
            return (
                f"stickydesign finds {len(found)} with toehold_maxspurious={t.maxspurious:g}, "
                f"toehold_dev={t.dev:g}"
            )
    return "no tried relaxation (spurious 0.5-0.6, deviation +0.25) suffices; " + _range_text(
        ask.length, vienna
    )


class Toehold(NamedTuple):
    """One designed toehold."""

    sequence: str  # 5'->3'
    end: str  # stickydesign 'DT' end with its context bases, e.g. "G[AATTGG]A"
    dG: float  # generic in-context ΔG, kcal/mol (ViennaRNA, negative = binding)
    dG_range: tuple[float, float]  # (min, max) over the eight one-flank contexts, kcal/mol


class ToeholdShortage(DesignError):
    """stickydesign supplied fewer toeholds than asked for (a looser spurious limit may do)."""


def check_toehold_space(
    length: int, target: float, dev: float, temperature_C: float, salt_M: float | None = None
) -> None:
    """Raise :class:`DesignError` if no ``length``-nt toehold's generic ViennaRNA energy
    is within ``dev`` of ``target`` (kcal/mol; exhaustive up to 6 nt, else a sample)."""
    import stickydesign

    energetics = stickydesign.EnergeticsDAOE(temperature=temperature_C)
    _sticky_window(length, target, dev, _vienna(temperature_C, salt_M), energetics)


def describe_end(full: str, target: float, dev: float, where: str, md: Any) -> Toehold:
    """The :class:`Toehold` of a stickydesign 'DT' end ``full`` (context + toehold +
    context): its generic ViennaRNA energy and range over the one-flank contexts."""
    core = full[1:-1]
    g = generic_dG(core, md)
    if abs(g - target) > dev + PIN_REACH + 1e-9:  # cannot happen after filtering
        raise DesignError(f"toehold {full} binds with {g:.2f} kcal/mol, outside {where}")
    ev = [flanked_dG(b, core, "", md) for b in "ACGT"] + [
        flanked_dG("", core, b, md) for b in "ACGT"
    ]
    return Toehold(core, f"{full[0]}[{core}]{full[-1]}", g, (min(ev), max(ev)))


def design_toeholds(
    names: list[str],
    length: int,
    target: float,
    dev: float,
    temperature_C: float,
    seed: int,
    three_letter: bool = False,
    maxspurious: float = TOEHOLD_MAXSPURIOUS,
    advise: bool = True,
    salt_M: float | None = None,
) -> list[Toehold]:
    """Design all toeholds of one length with a single stickydesign call (when possible).

    ``target`` and ``dev`` are ViennaRNA in-context energies (kcal/mol, target negative).
    Returns one :class:`Toehold` per name, in order.  Raises :class:`ToeholdShortage`
    (with feasible settings when ``advise``) if stickydesign cannot supply enough, and
    :class:`DesignError` if no toehold of ``length`` nt can reach ``target`` ± ``dev``.
    """
    import stickydesign

    energetics = stickydesign.EnergeticsDAOE(temperature=temperature_C)
    vienna = _vienna(temperature_C, salt_M)
    n = len(names)
    where = (
        f"{n} toehold(s) of {length} nt with in-context ΔG {target:.2f} ± {dev:g} kcal/mol "
        f"at {temperature_C:g} °C"
    )
    ask = _Ask(length, target, dev, maxspurious, three_letter, seed)
    found, reason = _easyends(ask, n + 1 + n // 8, vienna, energetics, wide=False)
    if len(found) < n:
        found, reason = _easyends(ask, n + 1 + n // 8, vienna, energetics)
    if len(found) < n:
        raise ToeholdShortage(
            f"toehold constraint infeasible: stickydesign found only {len(found)} of {where} "
            f"(maximum spurious {maxspurious:g} x target, alphabet "
            + ("A/C/T" if three_letter else "A/C/G/T")
            + ", no "
            + "/".join(FORBIDDEN_MOTIFS)
            + (f"; {reason}" if reason else "")
            + "); "
            + (
                _feasible_settings(n, ask, vienna, energetics)
                if advise
                else _range_text(length, vienna)
            )
        )
    return [describe_end(full, target, dev, where, vienna.md) for full in found[:n]]


def design_toeholds_default(
    names: list[str],
    length: int,
    target: float,
    dev: float,
    temperature_C: float,
    seed: int,
    three_letter: bool,
    salt_M: float | None = None,
    advise: bool = True,
) -> tuple[list[Toehold], float]:
    """Toeholds at the default spurious limit, relaxed in :data:`TOEHOLD_MAXSPURIOUS_FALLBACK`
    order only when stickydesign cannot supply enough; returns (toeholds, limit used).
    The last limit's :class:`ToeholdShortage` advises settings when ``advise``."""
    limits = (TOEHOLD_MAXSPURIOUS, *TOEHOLD_MAXSPURIOUS_FALLBACK)
    for n, ms in enumerate(limits):
        last = n == len(limits) - 1
        try:
            found = design_toeholds(
                names,
                length,
                target,
                dev,
                temperature_C,
                seed,
                three_letter,
                ms,
                last and advise,
                salt_M,
            )
            return found, ms
        except ToeholdShortage:
            if last:
                raise
    raise AssertionError("unreachable")


def design_all_toeholds(
    domains: list[DomainSpec],
    options: DesignOptions,
    seed: int,
    pinned: set[str] | None = None,
    strands: dict[str, list[str]] | None = None,
    complexes: dict[str, tuple[list[str], str]] | None = None,
) -> tuple[dict[str, Toehold], dict[int, list[str]], float]:
    """Every toehold domain, one stickydesign call per length (shortest first), each
    length at its target (:func:`dsdcrn.design.toehold_energy.toehold_targets`).  The
    toeholds not in ``pinned`` (no flank that :func:`pin_flanks` can set) get the ends
    whose generic energy is nearest the target.  With ``options.share_toeholds``, a
    length stickydesign cannot supply (:class:`ToeholdShortage`) shares the most it
    finds among its domains (:func:`dsdcrn.design.toehold_sharing.share_toeholds`, which
    needs the system's ``strands`` and ``complexes``).

    Returns (toehold per domain name, toehold names per length in nt, the spurious limit
    used: ``options.toehold_maxspurious``, or with ``None`` the largest limit any length
    needed, :func:`design_toeholds_default`).
    """
    by_len: dict[int, list[str]] = {}
    for d in domains:
        if d.kind == "toehold":
            by_len.setdefault(int(d.length), []).append(d.name)
    o = options
    salt = o.salt_equivalent_M()
    targets = toehold_targets([n for n in by_len for _ in by_len[n]], o.toehold_dG)
    chosen: dict[str, Toehold] = {}
    spurious_used = TOEHOLD_MAXSPURIOUS if o.toehold_maxspurious is None else o.toehold_maxspurious
    for length in sorted(by_len):
        names = by_len[length]
        args = (names, length, targets[length], o.toehold_dev, o.temperature_C, seed)
        try:
            advise = not o.share_toeholds  # a shortage is then no error
            if o.toehold_maxspurious is not None:
                ms = o.toehold_maxspurious
                found = design_toeholds(*args, o.three_letter, ms, advise, salt)
            else:
                found, used = design_toeholds_default(*args, o.three_letter, salt, advise)
                spurious_used = max(spurious_used, used)
        except ToeholdShortage:
            if not o.share_toeholds:
                raise
            shared, spurious = _shared(
                names, length, targets[length], o, seed, pinned, chosen, strands, complexes
            )
            chosen.update(shared)
            spurious_used = max(spurious_used, spurious)
            continue
        found = sorted(found, key=lambda c: abs(c.dG - targets[length]))
        order = sorted(names, key=lambda n: pinned is not None and n in pinned)
        chosen.update(zip(order, found, strict=True))
    return chosen, by_len, spurious_used


def _shared(
    names: list[str],
    length: int,
    target: float,
    o: DesignOptions,
    seed: int,
    pinned: set[str] | None,
    chosen: dict[str, Toehold],
    strands: dict[str, list[str]] | None,
    complexes: dict[str, tuple[list[str], str]] | None,
) -> tuple[dict[str, Toehold], float]:
    """The ``length``-nt toeholds shared among ``names``: every end stickydesign finds at
    the loosest spurious limit, coloured onto the names
    (:func:`dsdcrn.design.toehold_sharing.share_toeholds`).  Returns (toehold per name,
    the limit)."""
    import stickydesign

    from dsdcrn.design.toehold_sharing import share_toeholds

    if strands is None or complexes is None:
        raise DesignError("toehold sharing needs the system's strands and complexes")
    ms = (
        TOEHOLD_MAXSPURIOUS_FALLBACK[-1] if o.toehold_maxspurious is None else o.toehold_maxspurious
    )
    vienna = _vienna(o.temperature_C, o.salt_equivalent_M())
    energetics = stickydesign.EnergeticsDAOE(temperature=o.temperature_C)
    ask = _Ask(length, target, o.toehold_dev, ms, o.three_letter, seed)
    ends, reason = _easyends(ask, 0, vienna, energetics)
    if not ends:
        raise DesignError(f"toehold sharing: stickydesign found no {length}-nt toehold ({reason})")
    where = f"{length}-nt toeholds shared at {target:.2f} ± {o.toehold_dev:g} kcal/mol"
    found = [describe_end(f, target, o.toehold_dev, where, vienna.md) for f in ends]
    fixed = {n: c.sequence for n, c in chosen.items()}
    rng = np.random.default_rng([seed, length])
    col = share_toeholds(
        names,
        [c.sequence for c in found],
        [c.dG for c in found],
        target,
        strands,
        complexes,
        fixed,
        pinned,
        rng,
    )
    return {n: found[i] for n, i in col.items()}, ms


def pin_flanks(
    seq: np.ndarray,
    lay: Layout,
    contexts: dict[str, list[Context]],
    targets: dict[str, float],
    md: Any,
    alphabet: list[int],
) -> dict[int, int]:
    """Choose the long-domain nucleotides that flank each exposed toehold so that its
    mean in-context ΔG (:mod:`dsdcrn.design.toehold_energy`) is nearest its target
    (kcal/mol), and no window across the junction reads part of a toehold or holds a
    forbidden motif.  ``seq`` holds the placed toeholds; returns position -> base code
    (the caller writes them and keeps them fixed).  Every assignment of up to
    :data:`PIN_MAX` free flanks of one toehold is tried; beyond that each flank is chosen
    in turn."""
    cores = {}
    for t in contexts:
        i = lay.names.index(t)
        cores[t] = decode(seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]])
    reads = set().union(*(toehold_reads(c) for c in cores.values()))
    pins: dict[int, int] = {}
    for t, ctx in sorted(contexts.items()):
        if not ctx:
            continue
        sides = [
            (
                flank_position(lay, c[0], "5") if c[0] else None,
                token_sequence(cores, c[1]),
                flank_position(lay, c[2], "3") if c[2] else None,
            )
            for c in ctx
        ]
        free = sorted(
            {
                f[0]
                for row in sides
                for f in (row[0], row[2])
                if f and lay.mutable[f[0]] and f[0] not in pins
            }
        )
        groups = [free] if len(free) <= PIN_MAX else [[g] for g in free]
        for group in groups:
            costs = {
                combo: _pin_cost(
                    seq,
                    lay,
                    {**pins, **dict(zip(group, combo, strict=True))},
                    sides,
                    targets[t],
                    reads,
                    md,
                )
                for combo in itertools.product(alphabet, repeat=len(group))
            }
            best = min(costs, key=costs.__getitem__)
            pins.update(zip(group, (int(b) for b in best), strict=True))
    return pins


def clashing_pins(seq: np.ndarray, lay: Layout, pins: dict[int, int]) -> list[int]:
    """The pinned positions (``pins``: position -> base) inside a strand window of fixed
    bases only (toeholds and pins) that holds a forbidden run, which no change of a long
    domain could break: a pin is chosen for its own toehold's contexts, and elsewhere
    its base may complete a run with another toehold (shared toeholds make that likelier)."""
    trial = seq.copy()
    fixed = ~lay.mutable
    for p, b in pins.items():
        trial[p] = b
        fixed[p] = True
    s = lay.strand_codes(trial)
    s = np.where(lay.s_sep | ~fixed[np.where(lay.s_sep, 0, lay.s_idx)], 9, s)
    out: set[int] = set()
    for bases, run in FORBIDDEN_RUNS:
        member = np.isin(s, list(bases)).astype(np.int32)
        for start in np.flatnonzero(np.convolve(member, np.ones(run, np.int32), "valid") == run):
            out |= {int(p) for p in lay.s_idx[start : start + run] if int(p) in pins}
    return sorted(out)


def _pin_cost(
    seq: np.ndarray,
    lay: Layout,
    pins: dict[int, int],
    sides: list[tuple],
    target: float,
    reads: set[str],
    md: Any,
) -> float:
    """|mean in-context ΔG - target| (kcal/mol), plus 100 per junction window reading a
    toehold or holding a forbidden motif; flanks not yet chosen count as absent.  A side
    is (5' flank position or None, exposed toehold sequence, 3' flank position or None)."""

    def nt(f: tuple[int, bool] | None) -> str:
        if f is None or (lay.mutable[f[0]] and f[0] not in pins):
            return ""
        b = pins.get(f[0], int(seq[f[0]]))
        return "ACGT"[3 - b if f[1] else b]

    vals, bad = [], 0
    for five, core, three in sides:
        a, b = nt(five), nt(three)
        vals.append(flanked_dG(a, core, b, md))
        n = TOEHOLD_MATCH_NT
        bad += bool(a) and (a + core[: n - 1]) in reads
        bad += bool(b) and (core[1 - n :] + b) in reads
        bad += bool(FORBIDDEN_RE.search(a + core + b))
    return abs(float(np.mean(vals)) - target) + 100.0 * bad


#: Flanks of one toehold assigned jointly (4**PIN_MAX combinations at most).
PIN_MAX = 4


def _pair_folds(seq: str, md: Any) -> bool:
    """Whether two adjacent toeholds ``seq`` leave a nucleotide unpaired with probability
    under :data:`PAIR_UNPAIRED_MIN` when folded alone."""
    import RNA

    fc = RNA.fold_compound(seq, md)
    _, mfe = fc.mfe()
    fc.exp_params_rescale(mfe)
    fc.pf()
    n = len(seq)
    P = np.array(fc.bpp())[1 : n + 1, 1 : n + 1]
    return bool((1.0 - P.sum(axis=0) - P.sum(axis=1)).min() < PAIR_UNPAIRED_MIN)


#: Adjacent toeholds must stay unpaired alone with at least this probability per nt.
PAIR_UNPAIRED_MIN = 0.95


def _sharing_groups(
    chosen: dict[str, Toehold], by_len: dict[int, list[str]]
) -> list[list[list[str]]]:
    """Per length, the names grouped by the sequence they share (one name a group
    unless :func:`_shared` coloured them)."""
    out = []
    for names in by_len.values():
        same: dict[str, list[str]] = {}
        for n in names:
            same.setdefault(chosen[n].sequence, []).append(n)
        out.append(list(same.values()))
    return out


def _junctions_ok(
    chosen: dict[str, Toehold],
    lay: Layout,
    index: dict[str, int],
    strands: dict[str, list[str]],
    md: Any,
) -> bool:
    """Whether no strand holds a forbidden run with the toeholds of ``chosen`` (long
    domains masked) and, unless ``md`` is False, no junction of adjacent toeholds reads
    part of a toehold or (with a ViennaRNA model ``md``) folds onto itself."""
    masked = {n: "N" * int(lay.lengths[index[n]]) for n in lay.names}
    masked.update({n: c.sequence for n, c in chosen.items()})
    reads = set().union(*[toehold_reads(c.sequence) for c in chosen.values()])
    for toks in strands.values() if md is not False else ():
        for i in range(len(toks) - 1):  # junctions of adjacent toeholds
            pair = [toks[i], toks[i + 1]]
            if all(t.rstrip("*") in chosen for t in pair):
                a, b = (token_sequence(masked, t) for t in pair)
                if junction_reads(a, b, reads):
                    return False
                if md is not None and _pair_folds(a + b, md):
                    return False
    return not any(FORBIDDEN_RE.search(assemble(t, masked)) for t in strands.values())


def place_toeholds(
    chosen: dict[str, Toehold],
    by_len: dict[int, list[str]],
    lay: Layout,
    seq: np.ndarray,
    index: dict[str, int],
    strands: dict[str, list[str]],
    rng: np.random.Generator,
    md: Any = None,
) -> None:
    """Write toeholds into ``seq``; permute same-length toeholds (in ``chosen``; names
    sharing a sequence move together) if two
    adjacent toeholds would form a forbidden run, or a window across their junction would
    read part of a toehold (occlusion), or (with a ViennaRNA model ``md``) they fold onto
    each other: none of which the long-domain search can repair."""

    def junction_ok(occlusion: bool) -> bool:
        return _junctions_ok(chosen, lay, index, strands, md if occlusion else False)

    def write() -> None:
        for name, c in chosen.items():
            i = index[name]
            seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]] = encode(c.sequence)

    groups = _sharing_groups(chosen, by_len)
    if any(len(g) > 1 for group in groups for g in group) and junction_ok(False):
        write()  # shared toeholds: their colouring chose the junctions already
        return
    for occlusion in (True, False):  # junction windows may be unavoidable (A/C/T code)
        for _ in range(200):
            if junction_ok(occlusion):
                write()
                return
            for group in groups:
                items = [chosen[g[0]] for g in group]
                for g, j in zip(group, rng.permutation(len(group)), strict=True):
                    for n in g:
                        chosen[n] = items[j]
    raise DesignError(
        "toeholds adjacent in a strand always form GGGG/CCCC/AAAAA/TTTTT across their "
        "junction; separate them or change toehold lengths"
    )
