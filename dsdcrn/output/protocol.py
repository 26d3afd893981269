"""A wet-lab mix protocol for a compiled system: stocks, annealing, volumes, read-out.

:func:`mix_protocol` turns a :class:`~dsdcrn.model.domains.DomainSystem` (every complex
with its target concentration, nM) into the pipetting a lab does:

1. working dilutions (in 1x buffer) of strands whose volume from stock would be below
   the smallest volume pipetted;
2. one annealing tube per multi-stranded complex (gates, and the read-out reporters):
   the base strand at 1x, every top strand at the top-strand excess (or 1:1 and PAGE
   purification), the buffer stock to 1x and water;
3. the final mix: water, buffer stock, single-stranded fuels (helpers, buffer strands),
   annealed gates and reporters, so that every complex is at its target and the buffer
   at 1x in exactly the reaction volume;
4. the inputs (signals with a non-zero start) added at t = 0; signals that start at
   0 nM are ordered for read-out and controls only.

Strands are named as in the order sheet (:meth:`DomainSystem.strand_names`); a strand
that several complexes use (soloveichik2010's buffer strand is also its join gate's
top strand) has one total, the sum of its uses.  Reporters (``rep_X`` for species
``X``) are a read-out add-on, not part of the verified circuit: the fluorophore-labelled
bottom strand exposes the complement of the species' toehold, and the species displaces
the quencher-labelled top strand, so the fluorophore lights up where the species is
captured (an excess of the quencher strand, like a gate's top strands, adds no
background).

Units: concentrations nM (mix and tubes) or µM (stocks), volumes µL, amounts pmol,
temperatures °C, times min.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace

from dsdcrn.compile.reporters import DYES, REPORTER_NM, Reporter, reporters
from dsdcrn.errors import DsdcrnError
from dsdcrn.model.domains import Complex, DomainSystem, complement

SERIES = (1.0, 2.0, 5.0)
"""Annealed stocks and working dilutions are made at a 1-2-5 series concentration."""
PURIFICATIONS = ("excess", "page")
MAX_DILUTION_FOLD = 100.0
"""Largest dilution in one step (1 µL into 100 µL); larger ones are made serially."""
_TINY = 1e-9


@dataclass
class MixOptions:
    """How the mix is made.

    Parameters
    ----------
    reaction_volume_uL : final reaction volume, µL.
    stock_uM : concentration every strand is resuspended to, µM (in water).
    buffer : the 1x reaction buffer, as text.
    buffer_stock_fold : the buffer stock's concentration, x (10: a 10x stock).
    purification : ``"excess"`` (gates annealed with top strands in excess, used
        unpurified) or ``"page"`` (annealed 1:1, then PAGE-purified).
    top_strand_excess_fold : top strand : base strand in a gate's annealing tube;
        None gives 1.2 (20 % excess) with ``"excess"`` and 1.0 with ``"page"``.
    anneal_start_C, anneal_hold_min, anneal_end_C, anneal_ramp_C_per_min : the
        annealing programme: hold at the start temperature (°C) for the hold time (min),
        then cool to the end temperature at the ramp (°C/min).
    anneal_uM : concentration of every annealed stock (its base strand), µM; None picks
        per complex the highest 1-2-5 value that fits the tube and needs no less than
        ``min_pipette_uL`` in the mix.
    anneal_min_volume_uL : smallest annealing tube, µL.
    anneal_spare_fold : an annealing tube holds this many times what the mix uses.
    reporter_nM : concentration of each read-out reporter in the mix, nM (0: none).
    min_pipette_uL : smallest volume pipetted from a stock, µL; strands needed in less
        come from a working dilution.
    """

    reaction_volume_uL: float = 100.0
    stock_uM: float = 100.0
    buffer: str = "1x TAE, 12.5 mM Mg2+"
    buffer_stock_fold: float = 10.0
    purification: str = "excess"
    top_strand_excess_fold: float | None = None
    anneal_start_C: float = 95.0
    anneal_hold_min: float = 5.0
    anneal_end_C: float = 20.0
    anneal_ramp_C_per_min: float = 1.0
    anneal_uM: float | None = None
    anneal_min_volume_uL: float = 20.0
    anneal_spare_fold: float = 1.5
    reporter_nM: float = REPORTER_NM
    min_pipette_uL: float = 1.0

    def __post_init__(self) -> None:
        if self.purification not in PURIFICATIONS:
            raise DsdcrnError(
                f"purification must be one of {', '.join(PURIFICATIONS)}, not {self.purification!r}"
            )
        lower = {"buffer_stock_fold": 1.0, "anneal_spare_fold": 1.0, "reporter_nM": 0.0}
        lower |= {"anneal_hold_min": 0.0, "top_strand_excess_fold": 1.0}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("buffer", "purification") or value is None:
                continue
            bound = lower.get(f.name, 0.0)
            strict = f.name not in ("reporter_nM", "anneal_hold_min", "top_strand_excess_fold")
            if not math.isfinite(value) or value < bound or (strict and value == bound):
                rel = ">" if strict else ">="
                raise DsdcrnError(f"{f.name} must be a number {rel} {bound:g}, not {value!r}")
        if self.anneal_end_C >= self.anneal_start_C:
            raise DsdcrnError(
                f"anneal_end_C ({self.anneal_end_C:g}) must be below anneal_start_C "
                f"({self.anneal_start_C:g})"
            )

    @property
    def excess_fold(self) -> float:
        """The top-strand excess used (x)."""
        if self.top_strand_excess_fold is not None:
            return self.top_strand_excess_fold
        return 1.0 if self.purification == "page" else 1.2

    @property
    def anneal_cool_min(self) -> float:
        """Minutes of cooling from the start to the end temperature."""
        return (self.anneal_start_C - self.anneal_end_C) / self.anneal_ramp_C_per_min


@dataclass
class StrandUse:
    """One strand in an annealing tube: stock volume (µL) and its concentration there (nM)."""

    strand: str
    domains: tuple[str, ...]
    role: str  # "base" or "top"
    fold: float  # relative to the base strand
    volume_uL: float
    tube_nM: float


@dataclass
class Anneal:
    """One annealing tube: strands, buffer stock and water; the annealed stock it gives."""

    complex: str
    kind: str  # "gate", "signal" or "reporter"
    target_nM: float
    annealed_uM: float
    volume_uL: float
    strands: list[StrandUse]
    buffer_uL: float
    water_uL: float
    mix_uL: float  # annealed stock added to the reaction


@dataclass
class Dilution:
    """One dilution step of a strand in 1x buffer, from its stock (step 1) or the step before."""

    strand: str
    step: int
    source_uM: float
    working_uM: float
    source_uL: float
    buffer_uL: float
    water_uL: float

    @property
    def volume_uL(self) -> float:
        return self.source_uL + self.buffer_uL + self.water_uL


@dataclass
class Addition:
    """One pipetting step into the reaction.

    ``source_uM`` is the concentration of what is pipetted (None for buffer and water);
    ``buffer_fold`` its buffer content (x); ``final_nM`` the complex's concentration in
    the reaction (None for buffer and water).
    """

    what: str
    kind: str  # "water", "buffer", "strand", "gate", "reporter" or "input"
    source: str
    source_uM: float | None
    volume_uL: float
    final_nM: float | None
    buffer_fold: float
    note: str = ""


@dataclass
class StrandTotal:
    """One strand to order: its uses and the amounts they need (pmol)."""

    name: str
    domains: tuple[str, ...]
    nt: int
    uses: list[str]
    mix_pmol: float  # in the reaction (excess top strands included)
    stock_pmol: float  # drawn from the stock: tubes, dilutions, direct additions
    note: str = ""

    @property
    def shared(self) -> bool:
        return len(set(self.uses)) > 1


@dataclass
class MixProtocol:
    """The protocol: dilutions, annealing tubes, final mix, t = 0 inputs, totals."""

    name: str
    scheme: str
    options: MixOptions
    dilutions: list[Dilution]
    anneals: list[Anneal]
    mix: list[Addition]
    inputs: list[Addition]
    readout_only: list[str]
    reporters: list[Reporter]
    strands: list[StrandTotal]
    warnings: list[str] = field(default_factory=list)

    @property
    def volume_uL(self) -> float:
        """Sum of every volume added to the reaction, µL (the reaction volume)."""
        return math.fsum(a.volume_uL for a in self.mix + self.inputs)

    def csv(self) -> str:
        """One row per pipetting step: step, what, from_stock, volume_uL, final_nM, note."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["step", "what", "from_stock", "volume_uL", "final_nM", "note"])
        for i, row in enumerate(_csv_rows(self), start=1):
            w.writerow([i, *row])
        return buf.getvalue()

    def markdown(self) -> str:
        """``protocol.md``: buffer, annealing, final mix, inputs, reporters, totals."""
        parts = [
            _md_head(self),
            _md_dilutions(self),
            _md_anneals(self),
            _md_mix(self),
            _md_inputs(self),
            _md_reporters(self),
            _md_strands(self),
            _md_warnings(self),
        ]
        return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------- construction


def series_floor(x: float) -> float:
    """The largest 1-2-5 series value (…, 0.5, 1, 2, 5, 10, …) not above ``x`` (> 0)."""
    if not x > 0 or not math.isfinite(x):
        raise DsdcrnError(f"no 1-2-5 series value below {x!r}")
    decade = 10.0 ** math.floor(math.log10(x))
    for m in reversed(SERIES):
        if m * decade <= x * (1 + 1e-12):
            return m * decade
    return decade


def base_strand(cx: Complex) -> int:
    """Index of a complex's base (bottom) strand: most paired domains, then most domains."""
    counts: list[int] = [0]
    for s in cx.structure:
        if s == "+":
            counts.append(0)
        elif s in "()":
            counts[-1] += 1
    return max(range(len(cx.strands)), key=lambda i: (counts[i], len(cx.strands[i]), -i))


def _anneal(cx: Complex, kind: str, names: list[str], opts: MixOptions) -> Anneal:
    """The annealing tube of a multi-stranded complex at its target (nM) in the mix."""
    V, S, B, x = opts.reaction_volume_uL, opts.stock_uM, opts.buffer_stock_fold, opts.excess_fold
    n = len(cx.strands)
    fit_uM = S * (1 - 1 / B) / (1 + x * (n - 1))
    if opts.anneal_uM is not None:
        if opts.anneal_uM > fit_uM * (1 + 1e-12):
            raise DsdcrnError(
                f"anneal_uM {opts.anneal_uM:g} is too high for {cx.name} ({n} strands): at most "
                f"{fit_uM:.4g} µM from {S:g} µM stocks"
            )
        conc = opts.anneal_uM
    else:
        pip_uM = cx.concentration_nM * V / 1000 / opts.min_pipette_uL
        conc = series_floor(min(fit_uM, pip_uM))
    mix_uL = cx.concentration_nM * V / 1000 / conc
    vol = max(opts.anneal_min_volume_uL, opts.anneal_spare_fold * mix_uL)
    vol = max(vol, opts.min_pipette_uL * S / conc)
    b = base_strand(cx)
    uses = []
    for i, s in enumerate(cx.strands):
        fold = 1.0 if i == b else x
        uses.append(
            StrandUse(
                names[i],
                tuple(s),
                "base" if i == b else "top",
                fold,
                conc * fold * vol / S,
                conc * fold * 1000,
            )
        )
    buffer_uL = vol / B
    water = vol - buffer_uL - math.fsum(u.volume_uL for u in uses)
    return Anneal(
        cx.name, kind, cx.concentration_nM, conc, vol, uses, buffer_uL, max(water, 0.0), mix_uL
    )


def _direct(cx: Complex, name: str, kind: str, opts: MixOptions) -> tuple[Addition, list[Dilution]]:
    """A single strand added from its stock, or from a working dilution in 1x buffer."""
    V, S = opts.reaction_volume_uL, opts.stock_uM
    pmol = cx.concentration_nM * V / 1000
    note = cx.part if kind != "input" else f"input {cx.formal}: add at t = 0"
    if "(" in cx.structure:
        note += "; hairpin: heat to 95 °C and snap-cool on ice before use"
    if pmol / S >= opts.min_pipette_uL:
        add = Addition(cx.name, kind, f"{name} stock", S, pmol / S, cx.concentration_nM, 0.0, note)
        return add, []
    dils = _dilutions(name, pmol, opts)
    work = dils[-1].working_uM
    add = Addition(
        cx.name, kind, f"{name} working dilution", work, pmol / work, cx.concentration_nM, 1.0, note
    )
    return add, dils


def _dilutions(name: str, pmol: float, opts: MixOptions) -> list[Dilution]:
    """Serial dilution (each step at most :data:`MAX_DILUTION_FOLD`) to a working
    concentration (1-2-5 series) from which ``pmol`` takes at least ``min_pipette_uL``."""
    S, B, pip = opts.stock_uM, opts.buffer_stock_fold, opts.min_pipette_uL
    levels = [series_floor(min(pmol / pip, S * (1 - 1 / B)))]
    while S / levels[0] > MAX_DILUTION_FOLD * (1 + 1e-12):
        levels.insert(0, series_floor(min(levels[0] * MAX_DILUTION_FOLD, S * (1 - 1 / B))))
    need = opts.anneal_spare_fold * pmol / levels[-1]
    out: list[Dilution] = []
    for k in range(len(levels) - 1, -1, -1):
        src = S if k == 0 else levels[k - 1]
        source_uL = max(pip, need * levels[k] / src)
        total = source_uL * src / levels[k]
        buffer_uL = (total - (0.0 if k == 0 else source_uL)) / B
        water = max(total - source_uL - buffer_uL, 0.0)
        out.insert(0, Dilution(name, k + 1, src, levels[k], source_uL, buffer_uL, water))
        need = opts.anneal_spare_fold * source_uL
    return out


@dataclass
class _Plan:
    dilutions: list[Dilution] = field(default_factory=list)
    anneals: list[Anneal] = field(default_factory=list)
    adds: list[Addition] = field(default_factory=list)
    inputs: list[Addition] = field(default_factory=list)
    readout_only: list[str] = field(default_factory=list)


def _plan(system: DomainSystem, reporters: list[Reporter], opts: MixOptions) -> _Plan:
    """Tubes, dilutions and additions of every complex (the buffer and water come later)."""
    plan = _Plan()
    name_of = system.strand_names()
    items = [(cx, _kind(cx)) for cx in system.complexes]
    items += [(r.complex, "reporter") for r in reporters]
    rep_names = {r.name: [r.top_strand, r.bottom_strand] for r in reporters}
    for cx, kind in items:
        if cx.role == "signal" and cx.concentration_nM == 0:
            plan.readout_only.append(cx.name)
            continue
        names = rep_names.get(cx.name) or [name_of[tuple(s)] for s in cx.strands]
        if len(cx.strands) > 1:
            a = _anneal(cx, kind, names, opts)
            plan.anneals.append(a)
            what = "input" if kind == "signal" else kind
            note = f"input {cx.formal}: add at t = 0" if kind == "signal" else cx.part
            add = Addition(
                cx.name,
                what,
                f"annealed {cx.name}",
                a.annealed_uM,
                a.mix_uL,
                cx.concentration_nM,
                1.0,
                note,
            )
        else:
            add, dils = _direct(cx, names[0], "input" if kind == "signal" else "strand", opts)
            plan.dilutions += dils
        (plan.inputs if add.kind == "input" else plan.adds).append(add)
    return plan


def _kind(cx: Complex) -> str:
    if cx.role == "signal":
        return "signal"
    return "gate" if len(cx.strands) > 1 else "strand"


def _top_up(plan: _Plan, opts: MixOptions) -> tuple[Addition, Addition, float]:
    """Water and buffer stock that bring the reaction to its volume at 1x; needed µL."""
    V, B = opts.reaction_volume_uL, opts.buffer_stock_fold
    adds = plan.adds + plan.inputs
    in_buffer = math.fsum(a.volume_uL * a.buffer_fold for a in adds)
    other = math.fsum(a.volume_uL for a in adds)
    buffer_uL = (V - in_buffer) / B
    water = V - other - buffer_uL
    need = other + buffer_uL
    if water < 0 and water > -_TINY * V:
        water = 0.0
    buf = Addition(
        f"{B:g}x buffer",
        "buffer",
        f"{B:g}x buffer stock",
        None,
        buffer_uL,
        None,
        B,
        f"buffer to 1x ({opts.buffer})",
    )
    wat = Addition("water", "water", "water", None, water, None, 0.0, "to the reaction volume")
    return wat, buf, need


def mix_protocol(
    system: DomainSystem, options: MixOptions | None = None, outputs: list[str] | None = None
) -> MixProtocol:
    """The wet-lab mix protocol of a compiled system.

    Parameters
    ----------
    system : the domain-level system; each complex's ``concentration_nM`` is its target.
    options : stocks, volumes, buffer, annealing; None for :class:`MixOptions` defaults.
    outputs : formal species read out by a reporter each; None for
        :func:`default_outputs`, an empty list for none.

    Raises
    ------
    DsdcrnError : an unknown output, or stocks too dilute for the reaction volume.
    """
    opts = options or MixOptions()
    if not system.complexes:
        raise DsdcrnError("the system has no complexes to mix")
    reps = reporters(system, outputs, opts.reporter_nM, strict=True)
    plan = _plan(system, reps, opts)
    water, buffer, need = _top_up(plan, opts)
    if water.volume_uL < 0:
        raise DsdcrnError(_too_dilute(system, reps, opts, need))
    mix = [water, buffer] + plan.adds
    proto = MixProtocol(
        system.formal.name,
        system.scheme,
        opts,
        plan.dilutions,
        plan.anneals,
        mix,
        plan.inputs,
        plan.readout_only,
        reps,
        [],
    )
    proto.strands = _strand_totals(system, proto)
    proto.warnings = _warnings(system, proto)
    return proto


def _too_dilute(system: DomainSystem, reps: list[Reporter], opts: MixOptions, need: float) -> str:
    """The one-line message for stocks too dilute, with a stock that would fit if any."""
    hint = "lower the fuel concentrations"
    for factor in (2, 5, 10, 20, 50, 100):
        try:
            trial = replace(opts, stock_uM=opts.stock_uM * factor)
            if _top_up(_plan(system, reps, trial), trial)[0].volume_uL >= 0:
                hint = f"use stocks of {trial.stock_uM:g} µM or lower the fuel concentrations"
                break
        except DsdcrnError:
            continue
    return (
        f"stocks too dilute: {opts.stock_uM:g} µM stocks, annealed complexes and "
        f"{opts.buffer_stock_fold:g}x buffer need {need:.2f} µL of a "
        f"{opts.reaction_volume_uL:.2f} µL reaction; {hint}"
    )


def _strand_totals(system: DomainSystem, proto: MixProtocol) -> list[StrandTotal]:
    """Per strand: the complexes using it and the pmol in the mix and drawn from stock."""
    V, S = proto.options.reaction_volume_uL, proto.options.stock_uM
    totals: dict[str, StrandTotal] = {}
    dom_nt = {d: spec.length for d, spec in system.domains.items()}

    def entry(name: str, domains: Iterable[str]) -> StrandTotal:
        doms = tuple(domains)
        nt = sum(dom_nt.get(d.rstrip("*"), 0) for d in doms)
        return totals.setdefault(name, StrandTotal(name, doms, nt, [], 0.0, 0.0))

    for name, doms in system.strands().items():
        entry(name, doms)
    for a in proto.anneals:
        for u in a.strands:
            t = entry(u.strand, u.domains)
            t.uses.append(a.complex)
            t.mix_pmol += a.target_nM * u.fold * V / 1000
            t.stock_pmol += u.volume_uL * S
    dil = {d.strand: d for d in proto.dilutions if d.step == 1}
    name_of = system.strand_names()
    for add in proto.mix + proto.inputs:
        if add.kind not in ("strand", "input") or add.source.startswith("annealed"):
            continue
        cx = system.complex(add.what)
        t = entry(name_of[tuple(cx.strands[0])], cx.strands[0])
        t.uses.append(add.what)
        t.mix_pmol += (add.final_nM or 0.0) * V / 1000
        d = dil.get(t.name)
        t.stock_pmol += d.source_uL * S if d is not None else add.volume_uL * S
    for name in proto.readout_only:
        t = entry(name_of[tuple(system.complex(name).strands[0])], ())
        t.note = "ordered for read-out/controls, not in the start mix"
    rep = {s for r in proto.reporters for s in (r.top_strand, r.bottom_strand)}
    for t in totals.values():
        if t.name in rep:
            t.note = "reporter strand (read-out add-on, dye-labelled)"
    return list(totals.values())


def _warnings(system: DomainSystem, proto: MixProtocol) -> list[str]:
    """Free excess top strands that react, 1:1 gates, PAGE, saturating reporters, dyes."""
    opts = proto.options
    x = opts.excess_fold
    out = _free_top_warnings(system, proto) if x > 1 else []
    if x == 1 and opts.purification == "excess" and any(a.kind == "gate" for a in proto.anneals):
        out.append(
            "gates annealed 1:1 and unpurified leave free base strands, which bind other "
            "gates' top strands; use top-strand excess or PAGE"
        )
    if opts.purification == "page":
        out.append(
            "after PAGE, measure each gate by A260 and rescale its mix volume to the "
            "measured concentration"
        )
    start = max((c.concentration_nM for c in system.signals), default=0.0)
    if proto.reporters and opts.reporter_nM < start:
        out.append(
            f"reporters at {opts.reporter_nM:g} nM are below the largest start signal "
            f"({start:g} nM): the read-out may saturate"
        )
    consumed = {s for r in system.formal.reactions for s in r.reactants}
    for r in (r for r in proto.reporters if r.species in consumed):
        out.append(
            f"{r.name} consumes {r.species}, a reactant of the circuit: it competes with the "
            "gates; use it in a separate control or a read-out at the end"
        )
    pip = opts.min_pipette_uL
    for a in (a for a in proto.mix + proto.inputs if a.source_uM is not None):
        if a.volume_uL < pip * (1 - 1e-9):
            out.append(f"{a.what}: {_uL(a.volume_uL)} µL is below the {pip:g} µL pipetting minimum")
    if len(proto.reporters) > len(DYES):
        out.append(
            f"{len(proto.reporters)} reporters but {len(DYES)} distinct dyes: read "
            "reporters that share a dye in separate samples"
        )
    return out


def _invasion_sites(
    system: DomainSystem, proto: MixProtocol
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Where a strand can start a toehold-mediated displacement.

    Maps the two domains (5'->3') an invading strand must carry, the complement of an
    unpaired toehold and of the paired domain next to it, to the (complex, toehold)
    pairs that offer that site; circuit complexes and reporters.
    """
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for cx in [c for c in system.complexes if len(c.strands) > 1] + [
        r.complex for r in proto.reporters
    ]:
        marks = iter(t for t in cx.structure if t != "+")
        for s in cx.strands:
            st = [next(marks) for _ in s]
            for i, d in enumerate(s):
                spec = system.domains.get(d.rstrip("*"))
                if st[i] != "." or spec is None or spec.kind != "toehold":
                    continue
                if i > 0 and st[i - 1] != ".":
                    key = (complement(d), complement(s[i - 1]))
                    out.setdefault(key, []).append((cx.name, d))
                if i + 1 < len(s) and st[i + 1] != ".":
                    key = (complement(s[i + 1]), complement(d))
                    out.setdefault(key, []).append((cx.name, d))
    return out


def _free_top_warnings(system: DomainSystem, proto: MixProtocol) -> list[str]:
    """Top strands left free by the excess that act as a signal, can displace from
    another complex, or add to a single-stranded fuel."""
    x, out = proto.options.excess_fold, []
    funcs = {s: [d for d in p if d is not None] for s, p in system.signal_patterns.items()}
    sites = _invasion_sites(system, proto)
    singles = {tuple(c.strands[0]): c.name for c in system.complexes if len(c.strands) == 1}
    for a in proto.anneals:
        if a.kind == "signal":
            continue
        for u in (u for u in a.strands if u.role == "top"):
            doms = list(u.domains)
            why = [f"acts as {s}" for s, f in funcs.items() if f and _contains(doms, f)]
            hits = [
                f"{cx} (toehold {d})"
                for pair, where in sites.items()
                if _contains(doms, list(pair))
                for cx, d in where
                if cx != a.complex
            ]
            if hits:
                why.append("can displace from " + ", ".join(dict.fromkeys(hits)))
            if u.domains in singles:
                why.append(f"adds to the fuel {singles[u.domains]}")
            if why:
                out.append(
                    f"{a.complex}: {(x - 1) * a.target_nM:g} nM free top strand {u.strand} "
                    f"({x:g}x excess) {'; '.join(why)}; PAGE-purify this gate or anneal 1:1"
                )
    return out


def _contains(seq: list[str], sub: list[str]) -> bool:
    n = len(sub)
    return any(seq[i : i + n] == sub for i in range(len(seq) - n + 1))


# ---------------------------------------------------------------- output


def _uL(v: float) -> str:
    return f"{v:.2f}"


def _conc(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def _csv_rows(p: MixProtocol) -> list[list[str]]:
    """Rows (what, from_stock, volume_uL, final_nM, note) in pipetting order."""
    S, B = p.options.stock_uM, p.options.buffer_stock_fold
    rows: list[list[str]] = []
    for d in p.dilutions:
        tag = f"dilution {d.step} of {d.strand} to {d.working_uM:g} µM"
        src = f"{d.strand} stock" if d.step == 1 else f"{d.strand} dilution {d.step - 1}"
        rows.append(
            [
                d.strand,
                f"{src} {d.source_uM:g} µM",
                _uL(d.source_uL),
                _conc(d.working_uM * 1000),
                tag,
            ]
        )
        rows.append([f"{B:g}x buffer", f"{B:g}x buffer stock", _uL(d.buffer_uL), "", tag])
        rows.append(["water", "water", _uL(d.water_uL), "", tag])
    for a in p.anneals:
        tag = f"anneal {a.complex} ({a.annealed_uM:g} µM, {_uL(a.volume_uL)} µL)"
        for u in a.strands:
            rows.append(
                [
                    u.strand,
                    f"{u.strand} stock {S:g} µM",
                    _uL(u.volume_uL),
                    _conc(u.tube_nM),
                    f"{tag}; {u.role} strand at {u.fold:g}x",
                ]
            )
        rows.append([f"{B:g}x buffer", f"{B:g}x buffer stock", _uL(a.buffer_uL), "", tag])
        rows.append(["water", "water", _uL(a.water_uL), "", f"{tag}; then run the programme"])
    for a in p.mix + p.inputs:
        src = a.source if a.source_uM is None else f"{a.source} {a.source_uM:g} µM"
        note = f"t = 0: {a.note}" if a.kind == "input" else a.note
        rows.append([a.what, src, _uL(a.volume_uL), _conc(a.final_nM), note])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _md_head(p: MixProtocol) -> str:
    o = p.options
    gates = (
        f"annealed with top strands at {o.excess_fold:g}x the base strand, used unpurified"
        if o.purification == "excess"
        else f"annealed at {o.excess_fold:g}x top strands, then PAGE-purified"
    )
    return "\n".join(
        [
            f"# Mix protocol: {p.name} ({p.scheme})",
            "",
            f"Reaction volume {_uL(o.reaction_volume_uL)} µL in {o.buffer}.  Every strand "
            f"resuspended to {o.stock_uM:g} µM in water; buffer from a {o.buffer_stock_fold:g}x "
            f"stock.  Gates {gates}.  Volumes in µL (2 decimals), concentrations nM unless µM "
            "is stated.",
            "",
            *(
                [f"**{len(p.warnings)} warning(s)** at the end (read them before mixing).", ""]
                if p.warnings
                else []
            ),
            "## Buffer",
            "",
            f"- 1x: {o.buffer}; stock {o.buffer_stock_fold:g}x; every tube and working "
            "dilution is made at 1x.",
            "",
            "## Anneal programme",
            "",
            f"- {o.anneal_start_C:g} °C for {o.anneal_hold_min:g} min, then cool to "
            f"{o.anneal_end_C:g} °C at {o.anneal_ramp_C_per_min:g} °C/min "
            f"({o.anneal_cool_min:g} min); keep at {o.anneal_end_C:g} °C (or 4 °C) until use.",
            "",
        ]
    )


def _md_dilutions(p: MixProtocol) -> str:
    if not p.dilutions:
        return ""
    B = p.options.buffer_stock_fold
    rows = [
        [
            d.strand,
            str(d.step),
            f"{d.source_uM:g}",
            _uL(d.source_uL),
            _uL(d.buffer_uL),
            _uL(d.water_uL),
            _uL(d.volume_uL),
            f"{d.working_uM:g}",
        ]
        for d in p.dilutions
    ]
    head = [
        "strand",
        "step",
        "from (µM)",
        "source (µL)",
        f"{B:g}x buffer (µL)",
        "water (µL)",
        "total (µL)",
        "working (µM)",
    ]
    return (
        "## Working dilutions (1x buffer; step 1 from the stock, later steps from the one "
        "before)\n\n" + _table(head, rows) + "\n"
    )


def _md_anneals(p: MixProtocol) -> str:
    if not p.anneals:
        return ""
    rows = []
    for a in p.anneals:
        for i, u in enumerate(a.strands):
            first = [a.complex, _uL(a.volume_uL), f"{a.annealed_uM:g}"] if i == 0 else ["", "", ""]
            rows.append(
                first
                + [
                    u.strand,
                    f"{u.role} {u.fold:g}x",
                    _uL(u.volume_uL),
                    *(["", "", ""] if i else [_uL(a.buffer_uL), _uL(a.water_uL), _uL(a.mix_uL)]),
                ]
            )
    head = [
        "complex",
        "tube (µL)",
        "annealed (µM)",
        "strand",
        "ratio (x)",
        "stock (µL)",
        f"{p.options.buffer_stock_fold:g}x buffer (µL)",
        "water (µL)",
        "to mix (µL)",
    ]
    return "## Annealing (one tube per complex, then the programme)\n\n" + _table(head, rows) + "\n"


def _md_mix(p: MixProtocol) -> str:
    rows = []
    for i, a in enumerate(p.mix, start=1):
        src = a.source if a.source_uM is None else f"{a.source} ({a.source_uM:g} µM)"
        rows.append([str(i), a.what, src, _uL(a.volume_uL), _conc(a.final_nM), a.note])
    pre = math.fsum(a.volume_uL for a in p.mix)
    head = ["step", "add", "from", "volume (µL)", "final (nM)", "note"]
    return (
        f"## Final mix (before the inputs: {_uL(pre)} µL)\n\n"
        + _table(head, rows)
        + f"\n\nTotal with the inputs: {_uL(p.volume_uL)} µL.\n"
    )


def _md_inputs(p: MixProtocol) -> str:
    lines = ["## t = 0: inputs", ""]
    if p.inputs:
        rows = [
            [a.what, f"{a.source} ({a.source_uM:g} µM)", _uL(a.volume_uL), _conc(a.final_nM)]
            for a in p.inputs
        ]
        lines.append("Read the baseline, then add at t = 0 and mix:")
        lines += ["", _table(["signal", "from", "volume (µL)", "final (nM)"], rows)]
    else:
        lines.append("No signal starts above 0 nM.")
    if p.readout_only:
        lines += [
            "",
            f"Ordered for read-out/controls, not in the start mix (0 nM): "
            f"{', '.join(p.readout_only)}.",
        ]
    return "\n".join(lines) + "\n"


def _md_reporters(p: MixProtocol) -> str:
    if not p.reporters:
        return ""
    rows = [
        [
            r.name,
            r.species,
            f"`{r.complex.kernel}`",
            r.top_strand,
            r.bottom_strand,
            f"{r.fluorophore}/{r.quencher}",
            f"{p.options.reporter_nM:g}",
        ]
        for r in p.reporters
    ]
    head = [
        "reporter",
        "species",
        "kernel",
        "top (quencher)",
        "bottom (fluorophore)",
        "dyes",
        "final (nM)",
    ]
    note = (
        "Read-out add-on, not part of the verified circuit: the bottom strand exposes "
        "the species' toehold; the species displaces the quencher strand and the "
        "fluorescence rises, one reporter consumed per molecule.  Labels: "
        + "; ".join(f"{r.name}: {r.labels}" for r in p.reporters)
        + "."
    )
    return "## Reporters\n\n" + note + "\n\n" + _table(head, rows) + "\n"


def _md_strands(p: MixProtocol) -> str:
    S = p.options.stock_uM
    rows = []
    for t in p.strands:
        used = ", ".join(t.uses) if t.uses else "-"
        flag = "**shared**" if t.shared else ""
        rows.append(
            [
                t.name,
                str(t.nt),
                used,
                f"{t.mix_pmol:.1f}",
                f"{t.stock_pmol:.1f}",
                _uL(t.stock_pmol / S),
                " ".join(x for x in (flag, t.note) if x),
            ]
        )
    head = [
        "strand",
        "length (nt)",
        "used in",
        "in mix (pmol)",
        "from stock (pmol)",
        "stock (µL)",
        "note",
    ]
    shared = sum(t.shared for t in p.strands)
    return (
        f"## Strand totals\n\n{shared} strand(s) used in several complexes (order the "
        "sum of their uses).\n\n" + _table(head, rows) + "\n"
    )


def _md_warnings(p: MixProtocol) -> str:
    if not p.warnings:
        return ""
    return "## Warnings\n\n" + "\n".join(f"- {w}" for w in p.warnings) + "\n"
