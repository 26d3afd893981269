"""The `simulate`, `enumerate` and `default` commands, run in-process through `cli.main`."""

from __future__ import annotations

import re

import pytest

from dsdcrn.circuits import nagipogu_reif_neuron
from dsdcrn.cli.main import main
from dsdcrn.compile.translate import compile_crn
from dsdcrn.design.pil import parse_pil
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.model.crn import parse_crn
from dsdcrn.model.domains import parse_kernel

AB = "A + B -> C\nA @initial 10\nB @initial 10\n"
_METRIC = re.compile(
    r"^(\w+): peak ([0-9.eE+-]+) nM, RMSE ([0-9.eE+-]+) nM, max relative error ([0-9.]+)%"
    r"(?:, leak fraction (-?[0-9.]+)%)?$"
)
_REACTION = re.compile(r"^reaction \[condensed = ([0-9.eE+-]+) (/nM/s|/s)\] (.*) -> (.*)$")


def _run(argv: list[str]) -> None:
    """`cli.main`, treating a clean `sys.exit(0)` like a return."""
    try:
        main(argv)
    except SystemExit as stop:
        assert stop.code in (0, None), stop.code


def _sorted(side: str) -> tuple[str, ...]:
    """Species of one side of a PIL reaction, sorted (a multiset, like `Reaction`'s)."""
    return tuple(sorted(x.strip() for x in side.split(" + ") if x.strip()))


def test_simulate_writes_the_plot_and_reports_small_errors(tmp_path, capsys):
    (tmp_path / "ab.crn").write_text(AB)
    png = tmp_path / "ab.png"
    sbml = tmp_path / "ab.xml"
    _run(["simulate", str(tmp_path / "ab.crn"), "-o", str(png), "--sbml", str(sbml)])
    out = capsys.readouterr().out.splitlines()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.match(r"Rates realised: one formal time unit is \*\*tau = [0-9.]+ s", out[0]), out
    pattern = (
        r"simulated [0-9]+ s against the formal CRN at the requested rates \(domain-level rates\)"
    )
    assert any(re.fullmatch(pattern, line) for line in out), out
    assert "<sbml" in sbml.read_text() and "r1_join" in sbml.read_text()
    metrics = {m[1]: m for m in map(_METRIC.match, out[1:]) if m}
    assert sorted(metrics) == ["A", "B", "C"], out
    # measured: 0.47 % (A, B) and 0.95 % (C) with the default --duration 1
    for s, m in metrics.items():
        assert float(m[4]) < 2.0, (s, m[0])
    # the formal reference: A = B = 10/(1+t) nM, C = 10 - A; one time unit gives C = 5 nM
    assert float(metrics["A"][2]) == pytest.approx(10, rel=1e-3)
    assert float(metrics["B"][2]) == pytest.approx(10, rel=1e-3)
    assert float(metrics["C"][2]) == pytest.approx(5, rel=0.02)


def test_simulate_with_sequence_rates_from_a_design_folder(tmp_path, capsys, monkeypatch):
    """`--rates sequence` takes the toeholds and dimers of a build's design folder; its
    prediction differs from the domain-level one, which it prints beside; asked for, a
    prediction that cannot be made is a one-line error."""
    (tmp_path / "ab.crn").write_text(AB)
    out = tmp_path / "ab"
    _run(["build", str(tmp_path / "ab.crn"), "-o", str(out), "--seed", "3", "-q"])
    capsys.readouterr()
    crn = str(tmp_path / "ab.crn")
    _run(["simulate", crn, "--rates", "sequence", "--design", str(out)])
    lines = capsys.readouterr().out.splitlines()
    assert any(line.endswith("(sequence-level rates)") for line in lines), lines
    seq = {m[1]: float(m[4]) for m in map(_METRIC.match, lines) if m}
    dom = next(line for line in lines if line.startswith("domain-level rates:"))
    assert sorted(seq) == ["A", "B", "C"]
    assert float(dom.split()[-1].rstrip("%")) != max(seq.values())
    with pytest.raises(SystemExit) as stop:
        main(["simulate", crn, "--rates", "sequence", "--design", str(tmp_path / "nope")])
    assert stop.value.code == 2
    assert "not a dsdcrn design folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["simulate", crn, "--rates", "sequence"])
    assert "needs --design FOLDER" in capsys.readouterr().err

    from dsdcrn.errors import EnumerationLimitError
    from dsdcrn.kinetics import run

    def limit(*_a, **_k):
        raise EnumerationLimitError("Too many complexes enumerated! (5001)")

    monkeypatch.setattr(run, "sequence_rates", limit)
    with pytest.raises(SystemExit) as stop:
        main(["simulate", crn, "--rates", "sequence", "--design", str(out)])
    last = capsys.readouterr().err.splitlines()[-1]  # after the stages' progress lines
    assert stop.value.code == 2
    assert last.startswith(f"dsdcrn: error: {out}: no sequence-level prediction: Too many")


def test_enumerate_writes_the_condensed_reactions(tmp_path, capsys):
    (tmp_path / "ab.crn").write_text(AB)
    pil = tmp_path / "ab.pil"
    _run(["enumerate", str(tmp_path / "ab.crn"), "-o", str(pil)])
    assert capsys.readouterr().out == ""  # the PIL goes to the file, not stdout
    text = pil.read_text()
    expected = enumerate_system(compile_crn(parse_crn(AB, name="ab"), "soloveichik2010"))

    lines = text.splitlines()
    got = [_REACTION.match(line) for line in lines if line.startswith("reaction")]
    assert all(got), [line for line in lines if line.startswith("reaction")]
    assert len(got) == len(expected.reactions) > 0
    assert f"{len(expected.reactions)} condensed reactions" in lines[1]

    as_read = sorted(got, key=lambda m: (_sorted(m[3]), _sorted(m[4])))
    want = sorted(expected.reactions, key=lambda r: (r.reactants, r.products))
    assert [(_sorted(m[3]), _sorted(m[4])) for m in as_read] == [
        (r.reactants, r.products) for r in want
    ]
    for m, r in zip(as_read, want, strict=True):
        assert m[2] == ("/nM/s" if len(r.reactants) == 2 else "/s")
        assert float(m[1]) == pytest.approx(r.rate, rel=1e-5)

    # the rest reads back as PIL: every domain length and every species' kernel
    problem = parse_pil("\n".join(x for x in lines if not x.startswith("reaction")), str(pil))
    assert set(problem.complexes) == set(expected.species)
    lengths = {d.name: d.length for d in problem.domains}
    assert lengths == {d.name: d.length for d in expected.system.domains.values()}
    for name, s in expected.species.items():
        strands, _ = parse_kernel(s.kernel)
        assert [problem.strands[x] for x in problem.complexes[name][0]] == strands
    formal = dict(re.findall(r"^(\w+) = .*# formal (\w+)$", text, re.M))
    assert formal == {s.name: s.formal for s in expected.by_role("signal")}
    assert set(formal.values()) == {"A", "B", "C"}


def test_default_prints_the_neuron_crn_and_writes_it_with_o(tmp_path, capsys):
    _run(["default"])
    text = capsys.readouterr().out
    neuron = nagipogu_reif_neuron()
    crn = parse_crn(text)
    assert crn.reactions == neuron.reactions and len(crn.reactions) == 13
    assert [r.rate for r in crn.reactions] == [r.rate for r in neuron.reactions]
    assert crn.initial == neuron.initial

    out = tmp_path / "neuron.crn"
    _run(["default", "-o", str(out)])
    assert capsys.readouterr().out == ""
    assert out.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neuron.crn"]  # no temporary left


def test_default_unit_scales_the_initial_concentrations(capsys):
    _run(["default", "--unit-nM", "100"])
    crn = parse_crn(capsys.readouterr().out)
    base = nagipogu_reif_neuron(unit_nM=10.0).initial
    assert crn.initial == pytest.approx({s: 10 * c for s, c in base.items()})


def test_built_in_circuits_by_name(tmp_path, capsys):
    _run(["default", "--circuit", "rps_oscillator"])
    text = capsys.readouterr().out
    crn = parse_crn(text)
    assert text.startswith("# rps_oscillator") and len(crn.reactions) == 3
    assert crn.initial == {"A": 10.0, "B": 5.0, "C": 2.0}  # nM, 1 formal unit = 10 nM
    _run(["count", "--circuit", "rps_oscillator", "--scheme", "soloveichik2010"])
    assert "| 3 | `A + C -> 2A` | 5 | 9 | 321 |" in capsys.readouterr().out
    f = tmp_path / "ab.crn"
    f.write_text("A -> B\n")
    with pytest.raises(SystemExit) as stop:
        main(["count", str(f), "--circuit", "rps_oscillator"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "a CRN file or --circuit, not both" in err
    with pytest.raises(SystemExit) as stop:
        main(["default", "--circuit", "nope"])
    assert stop.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_the_kang_kim_circuit_is_what_dsd_training_compiles(capsys):
    from dsdcrn.neural.dsd import KK_DSD, KK_UNIT_NM
    from dsdcrn.neural.experiment import make_model
    from dsdcrn.neural.tasks import load_task

    _run(["default", "--circuit", "kang_kim_2_2_1", "--unit-nM", str(KK_UNIT_NM)])
    text = capsys.readouterr().out
    built_in = parse_crn(text)
    model, _ = make_model(load_task("and-corners", seed=0), "kang-kim", seed=0, **KK_DSD)
    trained = parse_crn(model.network_.to_text(unit_nM=KK_UNIT_NM))
    assert text.startswith("# kang_kim_2_2_1") and len(built_in.reactions) == 112
    assert built_in.reactions == trained.reactions and built_in.initial == trained.initial
    # every reaction bimolecular, at k = 1 or the slow training rate; catalysts at 1 unit
    assert all(len(r.reactants) == 2 for r in built_in.reactions)
    assert sorted({r.rate for r in built_in.reactions}) == [0.005, 1]
    catalysts = {s: c for s, c in built_in.initial.items() if s.startswith("Kcat")}
    assert len(catalysts) == 35 and set(catalysts.values()) == {KK_UNIT_NM}


def test_a_read_out_needs_a_formal_crn(tmp_path, capsys):
    pil = tmp_path / "ab.pil"
    pil.write_text("length a = 6\nlength b = 15\nX = a b\n")
    with pytest.raises(SystemExit) as stop:
        main(["design", str(pil), "--read-out", "A"])
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and err.count("\n") == 0
    assert "--read-out needs a formal CRN (a PIL has no species)" in err


def test_share_toeholds_reaches_the_design_options() -> None:
    from dsdcrn.cli.main import _build_options, parser

    on = parser().parse_args(["design", "--share-toeholds"])
    off = parser().parse_args(["design"])
    assert _build_options(on).design.share_toeholds
    assert not _build_options(off).design.share_toeholds
