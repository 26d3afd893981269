"""Sequence-aware rates and toehold-occlusion sequestration (dsdcrn.kinetics.sequence_rates)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.design.scores import score_design
from dsdcrn.design.sequences import design_sequences
from dsdcrn.design.vienna import vienna_dna_model
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.errors import DsdcrnError
from dsdcrn.kinetics.massaction import simulate
from dsdcrn.kinetics.sequence_rates import (
    occlusion_reactions,
    peppercorn_helix_dG,
    sequence_rates,
    toehold_contexts,
    toehold_energies,
)
from dsdcrn.model.crn import parse_crn
from dsdcrn.pipeline import design_inputs, design_problem

_COMP = str.maketrans("ACGT", "TGCA")
R_KCAL = 1.98720425864083e-3  # kcal/mol/K
PEPPERCORN_RT = 0.001987 * 298.15  # kcal/mol, Peppercorn's opening_rate at 25 °C


def revcomp(s: str) -> str:
    return s[::-1].translate(_COMP)


@pytest.fixture(scope="module")
def unimolecular():
    """``A -> B`` (soloveichik2010): system, enumeration, and a seeded design."""
    system = compile_crn(parse_crn("A -> B"), "soloveichik2010")
    domains, strands, complexes = design_inputs(system)
    design = design_sequences(domains, strands, complexes, seed=1, checks=False)
    return system, enumerate_system(system), design


def planted(system, design, **seqs: str):
    """``design`` with some domain sequences replaced and its strands reassembled."""
    doms = {**design.domains, **seqs}
    strands = {
        name: "".join(revcomp(doms[t[:-1]]) if t.endswith("*") else doms[t] for t in toks)
        for name, toks in system.strands().items()
    }
    return dataclasses.replace(design, domains=doms, strands=strands)


# --------------------------------------------------------------------------- energies
_PAIR = {"CG": 1, "GC": 2, "GT": 3, "TG": 4, "AT": 5, "TA": 6}


def hand_duplex_dG(top: str, md, flanks: tuple[bool, bool]) -> float:
    """Nearest-neighbour sum (kcal/mol) of ``top`` on its complement from ViennaRNA's
    parameter tables: initiation, stacks, A-T end penalties on the non-flank ends."""
    import RNA

    P = RNA.param(md)
    bottom = revcomp(top)  # 5'->3'; top[i] pairs bottom[n-1-i]
    n = len(top)
    dG = P.DuplexInit
    for i in range(n - 1):
        outer = _PAIR[top[i] + bottom[n - 1 - i]]
        inner_reversed = _PAIR[bottom[n - 2 - i] + top[i + 1]]
        dG += P.stack[outer][inner_reversed]
    for end, is_flank in zip((top[0], top[-1]), flanks, strict=True):
        if end in "AT" and not is_flank:
            dG += P.TerminalAU
    return dG / 100.0


def test_toehold_context_and_energy_match_a_hand_nearest_neighbour_sum(unimolecular):
    system, enumerated, design = unimolecular
    contexts = toehold_contexts(enumerated)
    # The gate b_A( c_A( d_r1 + ) ) a_A* exposes a_A* 3' of the paired b_A*.
    assert contexts["a_A"] == [("b_A*", "a_A*", None)]
    assert contexts["c_B"] == []  # never exposed next to a helix in A -> B
    md = vienna_dna_model(25.0)
    energies = toehold_energies(design, enumerated)
    # a_A* with b_A*'s last nucleotide on its 5' side, i.e. a_A plus b_A's first base;
    # planted A-T ends: the outer one pays the terminal penalty, the flanking one not.
    at_ends = planted(system, design, a_A="TCATCA", b_A="A" + design.domains["b_A"][1:])
    for des in (design, at_ends):
        top = des.domains["a_A"] + des.domains["b_A"][0]
        hand = hand_duplex_dG(top, md, (False, True))
        assert toehold_energies(des, enumerated)["a_A"] == pytest.approx(hand, abs=1e-6)
    bare = hand_duplex_dG(design.domains["c_B"], md, (False, False))
    # never exposed next to a helix: the generic energy, the mean of its eight one-flank
    # contexts (either side, each base; the same hand sum with one flanking pair)
    c = design.domains["c_B"]
    one_flank = [hand_duplex_dG(b + c, md, (True, False)) for b in "ACGT"]
    one_flank += [hand_duplex_dG(c + b, md, (False, True)) for b in "ACGT"]
    assert energies["c_B"] == pytest.approx(sum(one_flank) / 8, abs=1e-6)
    # ViennaRNA's own co-fold of the bare toehold with its complement agrees with the sum.
    import RNA

    fc = RNA.fold_compound(f"{design.domains['c_B']}&{revcomp(design.domains['c_B'])}", md)
    assert fc.eval_structure("((((((" + "))))))") == pytest.approx(bare, abs=1e-4)
    # Designed toeholds in context are within a few kcal/mol of Peppercorn's -8.3.
    assert peppercorn_helix_dG(6) == pytest.approx(-8.3)
    assert all(-12.0 < e < -5.0 for e in energies.values())


# --------------------------------------------------------------------------- rates
@pytest.mark.parametrize("keep_detailed", [False, True])
@pytest.mark.parametrize("text", ["A -> B", "A + B -> C"])
def test_length_only_energies_reproduce_the_domain_level_rates(text, keep_detailed):
    """By enumerating again, and by condensing the kept detailed network again."""
    system = compile_crn(parse_crn(text), "soloveichik2010")
    enumerated = enumerate_system(system, keep_detailed=keep_detailed)
    assert bool(enumerated.detailed) is keep_detailed
    if keep_detailed:  # keeping the network changes no condensed rate
        plain = enumerate_system(system).reactions
        assert [r.rate for r in enumerated.reactions] == [r.rate for r in plain]
    same = {
        t: peppercorn_helix_dG(d.length) for t, d in system.domains.items() if d.kind == "toehold"
    }
    rates = sequence_rates(enumerated, None, toehold_dG=same)
    assert [(r.reactants, r.products) for r in rates] == [
        (r.reactants, r.products) for r in enumerated.reactions
    ]
    for new, old in zip(rates, enumerated.reactions, strict=True):
        assert new.rate == pytest.approx(old.rate, rel=1e-6)
    # A 1 kcal/mol weaker toehold everywhere changes every toehold-limited rate.
    weaker = sequence_rates(enumerated, None, toehold_dG={t: e + 1.0 for t, e in same.items()})
    assert all(w.rate != o.rate for w, o in zip(weaker, enumerated.reactions, strict=True))


def test_join_gate_contexts_by_hand():
    system = compile_crn(parse_crn("A + B -> C"), "soloveichik2010")
    contexts = toehold_contexts(enumerate_system(system))
    # The join gate exposes a_A* next to b_A*; once A has bound, B's toehold a_B* lies
    # between the paired b_B* and c_A* (stacks on both sides).
    assert contexts["a_A"] == [("b_A*", "a_A*", None)]
    assert contexts["a_B"] == [("b_B*", "a_B*", "c_A*")]


def _k_open(dG: float) -> float:
    """Peppercorn's opening rate (/s) of a 6-nt helix of duplex energy ``dG``."""
    return 3e5 * 6 * math.exp(dG / PEPPERCORN_RT)


@pytest.mark.parametrize("toehold, slower", [("TATTAT", True), ("GCCGCT", False)])
def test_planted_toehold_changes_its_reaction_by_the_three_step_factor(
    unimolecular, toehold, slower
):
    system, enumerated, design = unimolecular
    base = sequence_rates(enumerated, design)
    changed = planted(system, design, a_A=toehold)
    rates = sequence_rates(enumerated, changed)
    dG_old = toehold_energies(design, enumerated)["a_A"]
    dG_new = toehold_energies(changed, enumerated)["a_A"]
    assert (dG_new > dG_old) is slower
    # Three-step model: k = k_bind q / (q + k_open); q (the forward rate out of the
    # toehold-bound state) calibrated on the domain-level rate with dG = -8.3 kcal/mol.
    k_bind = 3e5 * 6 * 1e-9  # /nM/s
    old = {(r.reactants, r.products): r.rate for r in enumerated.reactions}
    key = (("A", "r1_gate"), ("i1", "w2"))
    p0 = old[key] / k_bind
    q = _k_open(-8.3) * p0 / (1 - p0)

    def predicted(dG: float) -> float:
        return k_bind * q / (q + _k_open(dG))

    for new, ref in zip(rates, base, strict=True):
        if (new.reactants, new.products) == key:
            assert new.rate / ref.rate == pytest.approx(
                predicted(dG_new) / predicted(dG_old), rel=1e-6
            )
            assert (new.rate < ref.rate) is slower
        else:  # reactions not through a_A keep their rate
            assert new.rate == pytest.approx(ref.rate, rel=1e-9)


def test_bad_input_raises(unimolecular):
    _, enumerated, design = unimolecular
    with pytest.raises(DsdcrnError):
        sequence_rates(enumerated, None)
    with pytest.raises(DsdcrnError):
        sequence_rates(enumerated, design, toehold_dG={"nope": -8.0})
    with pytest.raises(DsdcrnError):
        occlusion_reactions(enumerated, design, [], k_on_per_M_s=0.0)


# --------------------------------------------------------------------------- occlusion
def _k_observed(reactions, fuels: dict[str, float], t_end: float) -> tuple[float, dict]:
    """First-order decay constant (/s) of 0.1 nM A after the fuels pre-equilibrate 100 s."""
    pre = simulate(reactions, fuels, 100.0, n_points=2)
    state = {n: float(pre.values[-1, i]) for i, n in enumerate(pre.species)}
    state["A"] = 0.1
    run = simulate(reactions, state, t_end, n_points=2, rtol=1e-10, atol=1e-12)
    return -math.log(run.get("A")[-1] / 0.1) / t_end, state


def test_planted_strong_occluder_slows_the_gate_by_one_plus_s_over_kd(unimolecular):
    system, enumerated, design = unimolecular
    # The helper (1 uM) carries a copy of the gate's input toehold a_A: it binds a_A*.
    toehold = "GCCGCT"
    e = design.domains["e_r1_1"]
    occluded = planted(system, design, a_A=toehold, e_r1_1=e[:5] + toehold + e[11:])
    dimers = score_design(design_problem(system, readout=()), occluded).spurious_dimers()
    row = next(d for d in dimers if {d["strand_a"], d["strand_b"]} == {"r1_gate_s2", "r1_helper1"})
    occl = occlusion_reactions(enumerated, occluded, dimers)
    names = {p for r in occl for p in r.products}
    assert "occl_r1_helper1_r1_gate" in names
    kd_nM = math.exp(row["bind_dG_mfe"] / (R_KCAL * 298.15)) * 1e9
    fuels = {"r1_gate": 10.0, "r1_fork": 1000.0, "r1_helper1": 1000.0}
    k_domain, _ = _k_observed(enumerated.reactions, fuels, 60.0)
    k_no_helper, _ = _k_observed(enumerated.reactions, {**fuels, "r1_helper1": 0.0}, 60.0)
    k_occl, state = _k_observed(list(enumerated.reactions) + occl, fuels, 3000.0)
    predicted = 1.0 + state["r1_helper1"] / kd_nM
    assert predicted > 10.0  # a strong occluder
    assert k_domain / k_occl == pytest.approx(predicted, rel=0.05)
    assert k_domain / k_no_helper == pytest.approx(1.0, rel=1e-4)  # domain rates: no effect


def test_a_sequence_prediction_past_its_budget_is_a_note_not_a_failure(unimolecular):
    """The sequence-level run is a prediction beside the headline: one that cannot finish
    within ``sequence_seconds`` leaves a note and the domain-level results stand."""
    from dsdcrn.kinetics.run import KineticsOptions, simulate_kinetics
    from dsdcrn.verify.whole import verify

    _, _, design = unimolecular  # the same strands, with 10 nM of A
    crn = parse_crn("A -> B\nA @initial 10\n")
    enumerated = enumerate_system(compile_crn(crn, "soloveichik2010"), keep_detailed=True)
    inter = verify(crn, enumerated, ("crn-bisimulation",)).full_interpretation
    ok = KineticsOptions(10.0, 3.0, None, 0.0)
    f, k = simulate_kinetics(crn, enumerated, inter, ok, design=design)
    assert k.sequence is not None and not k.notes
    late = dataclasses.replace(ok, sequence_seconds=1e-9)
    f2, k2 = simulate_kinetics(crn, enumerated, inter, late, design=design)
    assert k2.sequence is None and f2.max_rel_error == f.max_rel_error
    assert any(n.startswith("no sequence-level prediction: simulation exceeded") for n in k2.notes)


def test_the_sequence_prediction_enumerates_as_the_build_did(unimolecular, monkeypatch):
    """The prediction is handed the build's enumeration settings (a modular build's
    enumeration keeps no detailed network, so its rates are condensed module by module
    again; enumerating the whole Kang-Kim 2-2-1 system instead passed Peppercorn's 5,000
    complexes), and a limit hit there leaves a note, not a failed build."""
    from dsdcrn.errors import EnumerationLimitError
    from dsdcrn.kinetics import run
    from dsdcrn.options import CheckOptions
    from dsdcrn.verify.whole import verify

    _, _, design = unimolecular
    crn = parse_crn("A -> B\nA @initial 10\n")
    enumerated = enumerate_system(compile_crn(crn, "soloveichik2010"))
    inter = verify(crn, enumerated, ("crn-bisimulation",)).full_interpretation
    opts = run.KineticsOptions(10.0, 3.0, None, 0.0)
    checks = CheckOptions(modular=True)
    seen = []

    def spy(e, d, checks=None, **kw):
        seen.append(checks)
        return sequence_rates(e, d, checks=checks, **kw)

    monkeypatch.setattr(run, "sequence_rates", spy)
    _, k = run.simulate_kinetics(crn, enumerated, inter, opts, design=design, checks=checks)
    assert seen == [checks] and k.sequence is not None

    def limit(*_a, **_k):
        raise EnumerationLimitError("Too many complexes enumerated! (5001)")

    monkeypatch.setattr(run, "sequence_rates", limit)
    f, k = run.simulate_kinetics(crn, enumerated, inter, opts, design=design, checks=checks)
    assert k.sequence is None and f.max_rel_error < 0.05
    assert k.notes == ["no sequence-level prediction: Too many complexes enumerated! (5001)"]


def test_modular_sequence_rates_match_the_whole_system_module_by_module():
    """Two modules of one shape share their enumeration at the domain level; with
    toeholds of different energies each is condensed with its own, and the rates are
    those of condensing the whole system's detailed network again."""
    from dsdcrn.options import CheckOptions
    from dsdcrn.stages import enumerate_checked

    system = compile_crn(parse_crn("A + B -> C\nD + E -> F\nC -> D"), "soloveichik2010")
    checks = CheckOptions(modular=True, jobs=1, module_copies=True)
    modular, mod = enumerate_checked(system, checks)
    assert mod.cache_hits >= 1  # the two joins are one shape at the domain level
    whole = enumerate_system(system, keep_detailed=True)
    toeholds = sorted(t for t, d in system.domains.items() if d.kind == "toehold")
    # a seeded spread of about +-1 kcal/mol around Peppercorn's -8.3
    dG = {t: -8.3 + ((7 * i) % 11 - 5) / 5 for i, t in enumerate(toeholds)}
    assert len(set(dG.values())) > 5
    by_module = sequence_rates(modular, None, toehold_dG=dG, checks=checks)
    by_whole = sequence_rates(whole, None, toehold_dG=dG)
    ref = {(r.reactants, r.products): r.rate for r in by_whole}
    assert len(by_module) == len(ref)
    changed = 0
    for new, old in zip(by_module, modular.reactions, strict=True):
        assert new.rate == pytest.approx(ref[(new.reactants, new.products)], rel=1e-9)
        changed += not math.isclose(new.rate, old.rate, rel_tol=1e-6)
    assert changed >= len(by_module) // 2
    # both joins' first steps differ now, though their shape is one
    first = {r.reactants: r.rate for r in by_module if r.products[1:] == ("r1_buffer",)}
    first |= {r.reactants: r.rate for r in by_module if r.products == ("i9", "r2_buffer")}
    assert len(first) == 2
    assert first[("A", "r1_join")] != pytest.approx(first[("D", "r2_join")], rel=1e-3)
