"""Toehold design with stickydesign.

Toeholds come from stickydesign (nearest-neighbour DAOE energetics, one ``easyends``
call per toehold length) at a target binding energy, deviation and maximum spurious
interaction (Srinivas et al. 2017 defaults: 7.7 kcal/mol, 0.5 kcal/mol, 0.4); the seeded
end chooser avoids toeholds holding a self-complementary 4-mer (AATT, ATAT, ...) while
others are left.  If ``toehold_maxspurious`` is ``None``, 0.4 is tried first and, only when
stickydesign cannot supply enough toeholds (:class:`ToeholdShortage`), the first of
:data:`TOEHOLD_MAXSPURIOUS_FALLBACK` that can.  Binding energies are positive magnitudes
in kcal/mol (stickydesign convention); lengths in nt, temperatures in °C.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from dsdcrn.design.constraints import FORBIDDEN_MOTIFS, FORBIDDEN_RE, Layout, assemble, encode
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec
from dsdcrn.options import DesignOptions

__all__ = [
    "TOEHOLD_FDEV_FIRST",
    "TOEHOLD_MAXSPURIOUS",
    "TOEHOLD_MAXSPURIOUS_FALLBACK",
    "Toehold",
    "ToeholdShortage",
    "check_toehold_space",
    "describe_end",
    "design_all_toeholds",
    "design_toeholds",
    "design_toeholds_default",
    "place_toeholds",
]

#: stickydesign settings used for toeholds.
TOEHOLD_MAXSPURIOUS = 0.4  # Srinivas et al. 2017: spurious <= 0.4 x the target energy
#: Relaxed in this order when the default cannot supply enough toeholds (module doc).
TOEHOLD_MAXSPURIOUS_FALLBACK = (0.45, 0.5, 0.55, 0.6)
TOEHOLD_FDEV_FIRST = 0.05  # first try a tight window (fraction of target), then toehold_dev


def toehold_targets(lengths: Iterable[int], target: float) -> dict[int, float]:
    """Binding-energy target (kcal/mol magnitude) per toehold length: ``target`` at the
    reference length (the most common one, ties to the longer: the scheme's toehold) and
    in proportion to length at the others, as in the length-only model the rates were
    realised with (:mod:`dsdcrn.kinetics.realise` shortens or lengthens a toehold to
    make its gates slower or faster; a 4-nt toehold at the 6-nt target would undo it)."""
    counts = Counter(int(n) for n in lengths)
    if not counts:
        return {}
    ref = max(counts, key=lambda n: (counts[n], n))
    return {n: target * n / ref for n in counts}


def _energy_percentiles(length: int, energetics: Any) -> tuple[float, float, float]:
    """(5th, 50th, 95th) percentile of 'DT' end energies at ``length`` nt (kcal/mol)."""
    import stickydesign

    rng = np.random.default_rng(12345)
    sample = rng.integers(0, 4, size=(4096, length + 2), dtype=np.uint8)
    e = energetics.matching_uniform(stickydesign.EndArray(sample, "DT"))
    p5, p50, p95 = np.percentile(e, [5, 50, 95])
    return float(p5), float(p50), float(p95)


def _toehold_advice(length: int, target: float, energetics: Any) -> str:
    ok = [L for L in range(3, 16) if _energy_within(L, target, energetics)]
    lo, med, hi = _energy_percentiles(length, energetics)
    lengths = f"toehold length {ok[0]}-{ok[-1]} nt" if ok else "a different toehold length"
    return (
        f"typical {length}-nt toeholds bind with {lo:.1f}-{hi:.1f} kcal/mol (median {med:.1f}); "
        f"use {lengths} for {target:g} kcal/mol, or toehold_dG near {med:.1f}"
    )


def _energy_within(length: int, target: float, energetics: Any) -> bool:
    lo, _, hi = _energy_percentiles(length, energetics)
    return lo <= target <= hi


def _self_complementary(codes: np.ndarray, n: int = 4) -> np.ndarray:
    """Rows (base codes) holding an ``n``-mer equal to its own reverse complement."""
    if codes.shape[1] < n:
        return np.zeros(len(codes), bool)
    w = np.lib.stride_tricks.sliding_window_view(codes.astype(np.int64), n, axis=1)
    return (w + w[:, :, ::-1] == 3).all(axis=2).any(axis=1)


def _seeded_endchooser(target: float, rng: np.random.Generator) -> Any:
    """stickydesign's ``endchooser_standard`` with a seeded generator.

    stickydesign 0.9.2 draws from an unseeded ``np.random.default_rng()``, so seeding
    numpy's global RNG alone does not make ``easyends`` reproducible.
    """

    def endchooser(currentends: Any, availends: Any, energetics: Any) -> Any:
        ddiff = np.abs(energetics.matching_uniform(availends) - target)
        # prefer toeholds without a self-complementary 4-mer (AATT, ATAT, ...: they pair
        # with themselves and fold back on the strand); allowed if nothing else is left
        ddiff = ddiff + 100.0 * _self_complementary(np.asarray(availends)[:, 1:-1])
        choices = np.flatnonzero(ddiff <= np.amin(ddiff))
        return availends[choices[rng.integers(0, len(choices))]]

    return endchooser


def _easyends(
    length: int,
    number: int,
    target: float,
    fdev: float,
    maxspurious: float,
    three_letter: bool,
    seed: int,
    energetics: Any,
) -> tuple[list[str], str]:
    """stickydesign ``easyends`` ('DT' ends, seeded), filtered to the deviation and motifs.

    Returns (ends as context + toehold + context, reason text if stickydesign failed).
    """
    import stickydesign

    state = np.random.get_state()
    np.random.seed([seed, length])
    try:
        ends = stickydesign.easyends(
            "DT",
            length,
            number=number,
            energetics=energetics,
            interaction=float(target),
            fdev=fdev,
            maxspurious=maxspurious,
            tries=1,
            alphabet="h" if three_letter else "n",
            echoose=_seeded_endchooser(target, np.random.default_rng([seed, length])),
        )
    except Exception as exc:  # stickydesign raises assorted errors on empty spaces
        return [], f"{type(exc).__name__}: {exc}"
    finally:
        np.random.set_state(state)
    good: list[str] = []
    if len(ends):
        ends_arr = stickydesign.EndArray(np.asarray(ends, np.uint8), "DT")
        dG = energetics.matching_uniform(ends_arr)
        for full, g in zip(ends_arr.tolist(), dG, strict=True):
            core = full[1:-1].upper()
            if abs(g - target) <= fdev * target + 1e-9 and not FORBIDDEN_RE.search(core):
                good.append(full.upper())
    return good, ""


def _feasible_settings(
    n: int,
    length: int,
    target: float,
    dev: float,
    maxspurious: float,
    three_letter: bool,
    energetics: Any,
) -> str:
    """Settings (spurious limit, deviation, length) at which stickydesign finds ``n`` ends."""
    tries = [(ms, dev, length) for ms in (0.5, 0.6) if ms > maxspurious]
    tries += [(maxspurious, dev + 0.25, length), (maxspurious, dev, length + 1)]
    for ms, dv, L in tries:
        found, _ = _easyends(L, 0, target, dv / target, ms, three_letter, 0, energetics)
        if len(found) >= n:
            return (
                f"stickydesign finds {len(found)} with toehold_maxspurious={ms:g}, "
                f"toehold_dev={dv:g}, toehold length {L} nt"
            )
    return (
        "no tried relaxation (spurious 0.5-0.6, deviation +0.25, length +1) suffices; "
        + _toehold_advice(length, target, energetics)
    )


class Toehold(NamedTuple):
    """One designed toehold."""

    sequence: str  # 5'->3'
    end: str  # stickydesign 'DT' end with its context bases, e.g. "G[AATTGG]A"
    dG: float  # binding energy, kcal/mol (positive magnitude)
    dG_range: tuple[float, float]  # (min, max) over the 16 context-base pairs, kcal/mol


class ToeholdShortage(DesignError):
    """stickydesign supplied fewer toeholds than asked for (a looser spurious limit may do)."""


def check_toehold_space(
    length: int, target: float, dev: float, temperature_C: float, energetics: Any
) -> None:
    """Raise :class:`DesignError` if no ``length``-nt 'DT' end binds within ``dev`` of
    ``target`` (kcal/mol); exact, over the whole sequence space, for lengths up to 7 nt."""
    import stickydesign

    if length > 7:
        return
    digits = 4 ** np.arange(length + 1, -1, -1, dtype=np.int64)
    space = ((np.arange(4 ** (length + 2))[:, None] // digits) % 4).astype(np.uint8)
    en = energetics.matching_uniform(stickydesign.EndArray(space, "DT"))
    if not np.any(np.abs(en - target) <= dev):
        raise DesignError(
            f"toehold constraint infeasible: no {length}-nt toehold reaches {target:g} ± "
            f"{dev:g} kcal/mol at {temperature_C:g} °C (max {en.max():.1f}, min "
            f"{en.min():.1f}); " + _toehold_advice(length, target, energetics)
        )


def _find_ends(
    n: int,
    length: int,
    target: float,
    dev: float,
    maxspurious: float,
    three_letter: bool,
    seed: int,
    energetics: Any,
) -> tuple[list[str], str]:
    """Up to ``n`` ends within a tight deviation first, then within ``dev`` (kcal/mol);
    returns (ends, stickydesign's failure reason)."""
    fdevs = [min(TOEHOLD_FDEV_FIRST, dev / target)]
    if dev / target > TOEHOLD_FDEV_FIRST:
        fdevs.append(dev / target)
    spare = 1 + n // 8
    found: list[str] = []
    reason = ""
    for fdev in fdevs:
        good, reason = _easyends(
            length, n + spare, target, fdev, maxspurious, three_letter, seed, energetics
        )
        if len(good) >= n:
            return good[:n], reason
        found = good
    return found, reason


def describe_end(full: str, target: float, dev: float, where: str, energetics: Any) -> Toehold:
    """The :class:`Toehold` of a stickydesign 'DT' end ``full`` (context + toehold +
    context): its binding energy and range over all 16 context-base pairs (kcal/mol)."""
    import stickydesign

    ctx = np.array([[a, b] for a in range(4) for b in range(4)], np.uint8)
    codes = encode(full)
    arr = stickydesign.EndArray(codes[None, :], "DT")
    g = float(energetics.matching_uniform(arr)[0])
    if abs(g - target) > dev:  # cannot happen after filtering; kept as a hard guarantee
        raise DesignError(f"toehold {full} binds with {g:.2f} kcal/mol, outside {where}")
    variants = np.repeat(codes[None, :], 16, axis=0)
    variants[:, 0], variants[:, -1] = ctx[:, 0], ctx[:, 1]
    ev = energetics.matching_uniform(stickydesign.EndArray(variants, "DT"))
    return Toehold(
        full[1:-1], f"{full[0]}[{full[1:-1]}]{full[-1]}", g, (float(ev.min()), float(ev.max()))
    )


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
) -> list[Toehold]:
    """Design all toeholds of one length with a single stickydesign call (when possible).

    Returns one :class:`Toehold` per name, in order.  Raises :class:`ToeholdShortage`
    (with feasible settings when ``advise``) if stickydesign cannot supply enough, and
    :class:`DesignError` if no toehold of ``length`` nt can reach ``target`` ± ``dev``.
    """
    import stickydesign

    energetics = stickydesign.EnergeticsDAOE(temperature=temperature_C)
    n = len(names)
    where = (
        f"{n} toehold(s) of {length} nt with binding energy {target:g} ± {dev:g} kcal/mol "
        f"at {temperature_C:g} °C"
    )
    check_toehold_space(length, target, dev, temperature_C, energetics)
    found, reason = _find_ends(n, length, target, dev, maxspurious, three_letter, seed, energetics)
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
                _feasible_settings(n, length, target, dev, maxspurious, three_letter, energetics)
                if advise
                else _toehold_advice(length, target, energetics)
            )
        )
    return [describe_end(full, target, dev, where, energetics) for full in found]


def design_toeholds_default(
    names: list[str],
    length: int,
    target: float,
    dev: float,
    temperature_C: float,
    seed: int,
    three_letter: bool,
) -> tuple[list[Toehold], float]:
    """Toeholds at the default spurious limit, relaxed in :data:`TOEHOLD_MAXSPURIOUS_FALLBACK`
    order only when stickydesign cannot supply enough; returns (toeholds, limit used)."""
    limits = (TOEHOLD_MAXSPURIOUS, *TOEHOLD_MAXSPURIOUS_FALLBACK)
    for n, ms in enumerate(limits):
        last = n == len(limits) - 1
        try:
            found = design_toeholds(
                names, length, target, dev, temperature_C, seed, three_letter, ms, advise=last
            )
            return found, ms
        except ToeholdShortage:
            if last:
                raise
    raise AssertionError("unreachable")


def design_all_toeholds(
    domains: list[DomainSpec], options: DesignOptions, seed: int
) -> tuple[dict[str, Toehold], dict[int, list[str]], float]:
    """Every toehold domain, one stickydesign call per length (shortest first), each
    length at its target (:func:`toehold_targets`).

    Returns (toehold per domain name, toehold names per length in nt, the spurious limit
    used: ``options.toehold_maxspurious``, or with ``None`` the largest limit any length
    needed, :func:`design_toeholds_default`).
    """
    by_len: dict[int, list[str]] = {}
    for d in domains:
        if d.kind == "toehold":
            by_len.setdefault(int(d.length), []).append(d.name)
    o = options
    targets = toehold_targets([n for n in by_len for _ in by_len[n]], o.toehold_dG)
    chosen: dict[str, Toehold] = {}
    spurious_used = TOEHOLD_MAXSPURIOUS if o.toehold_maxspurious is None else o.toehold_maxspurious
    for length in sorted(by_len):
        names = by_len[length]
        if o.toehold_maxspurious is not None:
            found = design_toeholds(
                names,
                length,
                targets[length],
                o.toehold_dev,
                o.temperature_C,
                seed,
                o.three_letter,
                o.toehold_maxspurious,
            )
        else:
            found, used = design_toeholds_default(
                names, length, targets[length], o.toehold_dev, o.temperature_C, seed, o.three_letter
            )
            spurious_used = max(spurious_used, used)
        chosen.update(zip(names, found, strict=True))
    return chosen, by_len, spurious_used


def place_toeholds(
    chosen: dict[str, Toehold],
    by_len: dict[int, list[str]],
    lay: Layout,
    seq: np.ndarray,
    index: dict[str, int],
    strands: dict[str, list[str]],
    rng: np.random.Generator,
) -> None:
    """Write toeholds into ``seq``; permute same-length toeholds (in ``chosen``) if two
    adjacent toeholds would form a forbidden run, which the long-domain search cannot repair."""

    def junction_ok() -> bool:
        masked = {n: "N" * int(lay.lengths[index[n]]) for n in lay.names}
        masked.update({n: c.sequence for n, c in chosen.items()})
        return not any(FORBIDDEN_RE.search(assemble(t, masked)) for t in strands.values())

    for _ in range(200):
        if junction_ok():
            for name, c in chosen.items():
                i = index[name]
                seq[lay.starts[i] : lay.starts[i] + lay.lengths[i]] = encode(c.sequence)
            return
        for names in by_len.values():
            items = [chosen[n] for n in names]
            for n, j in zip(names, rng.permutation(len(names)), strict=True):
                chosen[n] = items[j]
    raise DesignError(
        "toeholds adjacent in a strand always form GGGG/CCCC/AAAAA/TTTTT across their "
        "junction; separate them or change toehold lengths"
    )
