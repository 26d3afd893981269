"""A neural CRN's DSD circuit at the rates its designed sequences deliver
(dsdcrn.neural.sequence_level, ``train --level dsd --rates sequence``)."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.kinetics.sequence_rates import peppercorn_helix_dG
from dsdcrn.model.crn import parse_crn
from dsdcrn.neural.dsd import CompiledNetwork
from dsdcrn.neural.sequence_level import SEQUENCE_DESIGN, sequence_circuit
from dsdcrn.options import CheckOptions
from dsdcrn.stages import enumerate_checked


@pytest.fixture(scope="module")
def small():
    """Two joins of one shape and a unimolecular gate, enumerated module by module as
    :func:`dsdcrn.neural.dsd.compile_network` does, one fuel at a realised 123 nM."""
    crn = parse_crn("A + B -> C\nD + E -> F\nC -> D")
    system = compile_crn(crn, "soloveichik2010")
    e, _ = enumerate_checked(system, CheckOptions(modular=True, jobs=1, module_copies=True))
    e.species["r1_join"].concentration_nM = 123.0
    return CompiledNetwork(None, crn, system, e, {}, {}, {})


def test_sequence_rates_move_only_the_rates_by_the_designed_toeholds(small):
    fast = replace(SEQUENCE_DESIGN, max_seconds=60.0)  # a bound on the repair phase
    before = [r.rate for r in small.enumerated.reactions]
    out, rates = sequence_circuit(small, design_seed=3, options=fast, jobs=1)
    e, new = small.enumerated, out.enumerated
    # same species, reactions and concentrations: only rate constants change
    assert [(r.reactants, r.products) for r in new.reactions] == [
        (r.reactants, r.products) for r in e.reactions
    ]
    assert new.species["r1_join"].concentration_nM == 123.0
    assert [r.rate for r in e.reactions] == before  # the input is left as it was
    pairs = zip(new.reactions, e.reactions, strict=True)
    assert rates.ratio == pytest.approx([a.rate / b.rate for a, b in pairs])
    # every toehold got its own in-context energy, spread around Peppercorn's
    toeholds = {t for t, d in small.system.domains.items() if d.kind == "toehold"}
    assert set(rates.toehold_dG) == toeholds
    six = [g for t, g in rates.toehold_dG.items() if small.system.domains[t].length == 6]
    assert len(set(six)) > len(six) // 2 and all(abs(g - peppercorn_helix_dG(6)) < 3 for g in six)
    assert sum(not math.isclose(x, 1.0, rel_tol=1e-6) for x in rates.ratio) >= len(rates.ratio) // 2
    s = rates.summary()
    assert s["toeholds"] == len(toeholds) and s["shift_from_length_only_sd"] > 0
    for t, g in rates.toehold_dG.items():  # Peppercorn's length-only energy, by hand
        n = small.system.domains[t].length
        assert rates.shift[t] == pytest.approx(g - (n * -1.7 + 1.9))
    assert "kcal/mol" in rates.text()
    # seeded: the same design seed gives the same rates, another seed others
    again = sequence_circuit(small, design_seed=3, options=fast, jobs=1)[1]
    other = sequence_circuit(small, design_seed=4, options=fast, jobs=1)[1]
    assert again.ratio == rates.ratio and other.ratio != rates.ratio


def test_rates_sequence_needs_level_dsd(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "dsdcrn", "train", "line", "--model", "nagipogu-reif",
         "--rates", "sequence", "-q"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "--rates sequence needs --level dsd" in r.stderr and list(tmp_path.iterdir()) == []


def test_sequence_realised_delivers_the_formal_rates_again():
    """At the domain-realised concentrations the sequences' rate constants deliver other
    formal rates; realised again on them, every rate is back within tolerance."""
    from dsdcrn.kinetics.realise import effective_rates
    from dsdcrn.neural.dsd import realise_phases
    from dsdcrn.options import RealiseOptions
    from dsdcrn.stages import enumerate_and_verify

    crn = parse_crn("A + B -> C\nD + E -> F [k = 0.5]\nC + F -> A")
    system = compile_crn(crn, "soloveichik2010")
    checks = CheckOptions(methods=("crn-bisimulation",), modular=True, jobs=1, module_copies=True)
    checked = enumerate_and_verify(crn, system, checks)
    e, inter = checked.enumerated, checked.verification.full_interpretation
    domain = CompiledNetwork(None, crn, system, e, inter, {"all": [1, 2, 3]}, {"all": "all"})
    realise_phases(domain, e, RealiseOptions(), {})
    tau = domain.realisations["all"].tau_s
    assert domain.realisations["all"].max_error <= 0.01

    def worst(c, tau_s: float) -> float:
        rates = effective_rates(crn, c.enumerated, inter, c.unit_nM)
        return max(abs(r.effective * tau_s / r.requested - 1) for r in rates)

    fast = replace(SEQUENCE_DESIGN, max_seconds=60.0)
    as_mixed, _ = sequence_circuit(domain, 3, fast, jobs=1)
    again, how = sequence_circuit(domain, 3, fast, jobs=1, realise=RealiseOptions())
    assert worst(domain, tau) <= 0.01
    assert worst(as_mixed, tau) > 0.05  # the sequences move the delivered rates
    real = again.realisations["all"]
    assert how.realised and worst(again, real.tau_s) <= 0.011
    assert domain.realisations["all"].tau_s == tau  # the domain circuit is left as it was


@pytest.mark.slow
def test_train_rates_sequence_end_to_end(tmp_path, capsys):
    """``dsdcrn train line --level dsd --rates sequence`` designs the d = 1 circuit's
    sequences (about 5 min), trains at their rates and records them; the sequences move
    the DNA circuit's θ away from the domain-level run's (measured over 20 samples: the
    gap grows from 6% to 11-693% of the formal step)."""
    import json

    from dsdcrn.cli.main import main

    out = tmp_path / "run"
    argv = ["train", "line", "--model", "nagipogu-reif", "--level", "dsd", "--n-train", "3"]
    main([*argv, "--rates", "sequence", "--design-seed", "0", "--no-cache", "-q", "-o", str(out)])
    assert "from the length-only energies" in capsys.readouterr().out
    seq = json.loads((out / "result.json").read_text())
    assert seq["rates"] == "sequence" and seq["sequence_rates"]["toeholds"] == 40
    assert seq["sequence_rates"]["reactions_changed_over_10pct"] > 100
    main([*argv, "-q", "-o", str(tmp_path / "domain")])
    dom = json.loads((tmp_path / "domain" / "result.json").read_text())
    assert dom["samples"][0]["formal P1"] == seq["samples"][0]["formal P1"]
    pairs = zip(seq["samples"], dom["samples"], strict=True)
    moved = [abs(a["dsd P1"] - b["dsd P1"]) for a, b in pairs]
    # measured 4.4e-4 over these 3 samples (θ 0.154 from 0.126); the solver's own
    # tolerances move θ by about 3e-6 here (2e-5 of itself, see the README)
    assert max(moved) > 1e-4


@pytest.mark.slow
def test_kang_kim_sequence_rates_share_toeholds(tmp_path):
    """The Kang-Kim 2-2-1 circuit needs 180 toeholds of 6 nt, stickydesign supplies 57:
    ``--rates sequence`` shares them (about 5 min) and trains at the rates they give."""
    import json

    from dsdcrn.cli.main import main

    out = tmp_path / "run"
    argv = ["train", "and-corners", "--model", "kang-kim", "--level", "dsd", "--n-train", "4"]
    main([*argv, "--rates", "sequence", "--design-seed", "1", "--no-cache", "-q", "-o", str(out)])
    s = json.loads((out / "result.json").read_text())["sequence_rates"]
    assert s["toeholds"] == 186 and 57 <= s["toehold_sequences"] < 100  # shared
    assert s["reactions_changed_over_10pct"] > 500  # measured 1,196 of 4,727
