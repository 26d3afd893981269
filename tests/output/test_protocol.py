"""The wet-lab mix protocol: volumes, concentrations, shared strands and reporters,
recomputed by hand from the pipetted volumes and the stock concentration."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections import Counter
from functools import cache

import pytest

from dsdcrn.circuits import nagipogu_reif_neuron
from dsdcrn.compile.reporters import reporter
from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.errors import DsdcrnError
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.domains import DomainSystem
from dsdcrn.output.protocol import MixOptions, MixProtocol, mix_protocol

ABC = "A + B -> C\nA @initial 10\nB @initial 10\n"


@cache
def abc(scheme: str = "soloveichik2010") -> DomainSystem:
    return compile_crn(parse_crn(ABC, name="A + B -> C"), scheme)


@cache
def neuron() -> DomainSystem:
    return compile_crn(nagipogu_reif_neuron(), "soloveichik2010")


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def annealed_uM(p: MixProtocol, name: str) -> float:
    """An annealed stock's concentration (µM) from its tube: base-strand µL x stock / tube µL."""
    a = next(a for a in p.anneals if a.complex == name)
    tube = a.buffer_uL + a.water_uL + math.fsum(u.volume_uL for u in a.strands)
    assert close(tube, a.volume_uL, 1e-12)
    base = [u for u in a.strands if u.role == "base"]
    assert len(base) == 1
    return base[0].volume_uL * p.options.stock_uM / tube


def working_uM(p: MixProtocol, strand: str) -> float:
    """A working dilution's concentration (µM) from its chain of pipetted volumes."""
    conc = p.options.stock_uM
    for d in sorted((d for d in p.dilutions if d.strand == strand), key=lambda d: d.step):
        conc *= d.source_uL / (d.source_uL + d.buffer_uL + d.water_uL)
    return conc


def hand_final_nM(p: MixProtocol, add) -> float:
    """Final concentration (nM) of one addition, from volumes and the stock only."""
    if add.source.startswith("annealed "):
        src = annealed_uM(p, add.what)
    elif add.source.endswith(" working dilution"):
        src = working_uM(p, add.source.removesuffix(" working dilution"))
    else:
        assert add.source.endswith(" stock")
        src = p.options.stock_uM
    return src * 1000 * add.volume_uL / p.options.reaction_volume_uL


PROTOCOLS = {
    "abc default": lambda: mix_protocol(abc()),
    "abc 50 uL 200 uM": lambda: mix_protocol(
        abc(), MixOptions(reaction_volume_uL=50, stock_uM=200)
    ),
    "abc page": lambda: mix_protocol(abc(), MixOptions(purification="page")),
    "abc qian2011_3D": lambda: mix_protocol(abc("qian2011_3D")),
    "abc srinivas2017": lambda: mix_protocol(abc("srinivas2017")),
    "neuron 1 mM": lambda: mix_protocol(neuron(), MixOptions(stock_uM=1000)),
}


@pytest.mark.parametrize("case", PROTOCOLS)
def test_volumes_sum_to_the_reaction_volume_at_1x_buffer(case):
    p = PROTOCOLS[case]()
    o = p.options
    volumes = [a.volume_uL for a in p.mix + p.inputs]
    assert all(v >= 0 for v in volumes)
    assert math.fsum(volumes) == pytest.approx(o.reaction_volume_uL, rel=1e-12)
    # buffer: annealed stocks and dilutions are 1x, strand stocks 0x, the buffer stock 10x
    fold = math.fsum(a.volume_uL * a.buffer_fold for a in p.mix + p.inputs)
    assert fold / o.reaction_volume_uL == pytest.approx(1.0, rel=1e-12)
    for a in p.anneals:
        assert a.buffer_uL * o.buffer_stock_fold == pytest.approx(a.volume_uL, rel=1e-12)
        assert a.water_uL >= 0
    for d in p.dilutions:
        in_buffer = d.buffer_uL * o.buffer_stock_fold + (d.source_uL if d.step > 1 else 0)
        assert in_buffer == pytest.approx(d.volume_uL, rel=1e-12)
        assert d.water_uL >= 0


@pytest.mark.parametrize("case", PROTOCOLS)
def test_each_complex_reaches_its_target_from_volumes_and_stock(case):
    p = PROTOCOLS[case]()
    system = neuron() if case.startswith("neuron") else None
    targets = {r.name: p.options.reporter_nM for r in p.reporters}
    for a in p.mix + p.inputs:
        if a.kind in ("water", "buffer"):
            continue
        if a.kind != "reporter":
            cx = (system or _system_of(case)).complex(a.what)
            targets[a.what] = cx.concentration_nM
        assert close(hand_final_nM(p, a), targets[a.what]), a.what
        assert close(a.final_nM, targets[a.what])
    # every annealing tube: top strands at the excess, over the annealed concentration
    for a in p.anneals:
        base = annealed_uM(p, a.complex)
        for u in a.strands:
            assert close(u.volume_uL * p.options.stock_uM / a.volume_uL, base * u.fold)


def _system_of(case: str) -> DomainSystem:
    for scheme in ("qian2011_3D", "srinivas2017"):
        if scheme in case:
            return abc(scheme)
    return abc()


def test_shared_strand_total_is_the_sum_of_its_uses():
    system = abc()
    names = system.strand_names()
    buffer_strand = tuple(system.complex("r1_buffer").strands[0])
    join = system.complex("r1_join")
    assert buffer_strand in {tuple(s) for s in join.strands}  # same sequence, two complexes
    name = names[buffer_strand]
    assert name == "r1_join_s1"
    p = mix_protocol(system)
    totals = {t.name: t for t in p.strands}
    t = totals[name]
    assert t.shared and sorted(t.uses) == ["r1_buffer", "r1_join"]
    assert [x.name for x in p.strands if x.shared] == [name]
    # hand count, 100 uL at 1000 nM each: the join's top strand at 1.2x (120 pmol) plus the
    # free buffer strand (100 pmol)
    assert t.mix_pmol == pytest.approx(1.2 * 1000 * 100 / 1000 + 1000 * 100 / 1000, rel=1e-12)
    assert t.mix_pmol == pytest.approx(220.0)
    # from stock: the join is annealed at 20 uM (100 uM x 0.9 / 3.4 = 26.5 -> 20) in the
    # 20 uL minimum tube, top strand 1.2 x 20 uM x 20 uL = 480 pmol; the buffer strand is
    # 1 uL of the 100 uM stock = 100 pmol
    assert t.stock_pmol == pytest.approx(480.0 + 100.0, rel=1e-12)
    assert totals["r1_join_s3"].mix_pmol == pytest.approx(100.0)
    assert totals["r1_join_s3"].stock_pmol == pytest.approx(400.0)


def test_top_strand_excess_sets_top_strand_volumes():
    for opts, fold in (
        (MixOptions(), 1.2),
        (MixOptions(top_strand_excess_fold=1.5), 1.5),
        (MixOptions(purification="page"), 1.0),
    ):
        p = mix_protocol(abc(), opts)
        assert p.anneals
        for a in p.anneals:
            base = next(u for u in a.strands if u.role == "base")
            tops = [u for u in a.strands if u.role == "top"]
            assert tops
            for u in tops:
                assert u.volume_uL == pytest.approx(fold * base.volume_uL, rel=1e-12)
    # the base of a soloveichik2010 gate is its long complement strand
    join = next(a for a in mix_protocol(abc()).anneals if a.complex == "r1_join")
    assert [u.strand for u in join.strands if u.role == "base"] == ["r1_join_s3"]


def test_too_dilute_stocks_raise_one_line():
    with pytest.raises(DsdcrnError) as err:
        mix_protocol(abc(), MixOptions(stock_uM=5))
    msg = str(err.value)
    assert "too dilute" in msg and "\n" not in msg
    # the default neuron: its fuels alone (1.2x top strands) need more strand than 100 uM
    # stocks can give in 90 % of the volume (10 % is buffer stock)
    need_uM = (
        sum(c.concentration_nM * (1 + 1.2 * (len(c.strands) - 1)) for c in neuron().fuels) / 1000
    )
    assert need_uM == pytest.approx(132.0)
    assert need_uM > 0.9 * 100
    with pytest.raises(DsdcrnError, match=r"too dilute.*use stocks of 500 µM") as err:
        mix_protocol(neuron())
    assert "\n" not in str(err.value)
    assert mix_protocol(neuron(), MixOptions(stock_uM=500)).volume_uL == pytest.approx(100.0)


def test_bad_options_raise_one_line():
    for kwargs in (
        {"purification": "gel"},
        {"stock_uM": 0},
        {"reaction_volume_uL": math.nan},
        {"top_strand_excess_fold": 0.8},
        {"anneal_end_C": 96},
    ):
        with pytest.raises(DsdcrnError) as err:
            MixOptions(**kwargs)
        assert "\n" not in str(err.value)
    with pytest.raises(DsdcrnError, match="too high for r1_join"):
        mix_protocol(abc(), MixOptions(anneal_uM=50))
    with pytest.raises(DsdcrnError, match="no signal strand for output 'Q'"):
        mix_protocol(abc(), outputs=["Q"])


def test_default_neuron_lists_every_complex_once():
    system = neuron()
    p = mix_protocol(system, MixOptions(stock_uM=1000))
    seen = Counter(a.complex for a in p.anneals if a.kind != "reporter")
    seen += Counter(a.what for a in p.mix + p.inputs if a.kind in ("strand", "input"))
    seen += Counter(p.readout_only)
    assert seen == Counter(c.name for c in system.complexes)
    assert len(system.complexes) == 72
    # 6 signals start above 0 (inputs), 6 at 0 nM; 23 gates annealed; 37 single strands
    assert len(p.inputs) == 6 and len(p.readout_only) == 6
    assert sum(a.kind == "gate" for a in p.anneals) == 23
    # the 1 nM input Hp needs two 100-fold-or-less dilution steps from 1 mM to 0.1 uM
    hp = [d for d in p.dilutions if d.strand == "Hp"]
    assert [d.working_uM for d in hp] == [10.0, 0.1]
    # the read-outs: the output rails, produced and consumed only by their own decay
    assert sorted(r.species for r in p.reporters) == ["Om", "Op"]
    assert Counter(a.complex for a in p.anneals if a.kind == "reporter") == Counter(
        r.name for r in p.reporters
    )


def test_reporters_for_the_outputs():
    system = abc()
    p = mix_protocol(system)
    assert [r.species for r in p.reporters] == ["C"]  # the one species only produced
    rep = p.reporters[0]
    assert rep.name == "rep_C"
    assert rep.complex.kernel == "b_C( + ) a_C*"  # toehold a_C* exposed on the bottom strand
    assert rep.complex.concentration_nM == p.options.reporter_nM
    md = p.markdown()
    assert "rep_C" in md and "not part of the verified circuit" in md
    assert [r.species for r in mix_protocol(system, outputs=["A", "C"]).reporters] == ["A", "C"]
    assert mix_protocol(system, outputs=[]).reporters == []
    assert mix_protocol(system, MixOptions(reporter_nM=0)).reporters == []


@pytest.mark.parametrize("scheme", ["soloveichik2010", "qian2011_3D", "srinivas2017"])
def test_reporter_is_triggered_by_its_species(scheme):
    """Peppercorn: the species displaces the reporter's top (quencher) strand."""
    system = abc(scheme)
    r = reporter(system, "C", concentration_nM=100)
    mini = DomainSystem(
        system.formal,
        system.scheme,
        system.domains,
        [system.complex("C"), dataclasses.replace(r.complex, role="fuel")],
        signal_patterns={"C": system.signal_patterns["C"]},
    )
    e = enumerate_system(mini)
    assert len(e.reactions) == 1
    rxn = e.reactions[0]
    assert sorted(rxn.reactants) == ["C", "rep_C"]
    released = [e.species[s].strands for s in rxn.products]
    assert [r.complex.strands[0]] in released  # the quencher strand, alone


def test_free_excess_top_strands_are_flagged():
    p = mix_protocol(abc())
    text = "\n".join(p.warnings)
    assert "r1_fork: 200 nM free top strand r1_fork_s1" in text and "acts as C" in text
    assert "r1_join_s2" in text and "can displace from r1_fork" in text
    assert "adds to the fuel r1_buffer" in text
    page = mix_protocol(abc(), MixOptions(purification="page"))
    assert not any("free top strand" in w for w in page.warnings)


def test_csv_and_markdown():
    p = mix_protocol(abc())
    rows = list(csv.DictReader(io.StringIO(p.csv())))
    assert list(rows[0]) == ["step", "what", "from_stock", "volume_uL", "final_nM", "note"]
    assert [int(r["step"]) for r in rows] == list(range(1, len(rows) + 1))
    # dilutions (2 x 3 rows), anneals (r1_join, r1_fork: 3 strands + buffer + water;
    # rep_C: 2 + 2), final mix (water, buffer, 5 complexes), 2 inputs
    assert len(rows) == 6 + 5 + 5 + 4 + 7 + 2
    tail = rows[-9:]
    assert sum(float(r["volume_uL"]) for r in tail) == pytest.approx(100.0, abs=0.05)
    assert [r["what"] for r in rows[-2:]] == ["A", "B"]
    assert all(r["note"].startswith("t = 0") for r in rows[-2:])
    md = p.markdown()
    for head in (
        "## Anneal programme",
        "## Annealing",
        "## Final mix",
        "## t = 0: inputs",
        "## Reporters",
        "## Strand totals",
        "volume (µL)",
        "final (nM)",
    ):
        assert head in md
    assert "95 °C for 5 min, then cool to 20 °C at 1 °C/min (75 min)" in md
    assert "not in the start mix (0 nM): C." in md
    assert "| 1 | water | water | 76.30 |" in md
