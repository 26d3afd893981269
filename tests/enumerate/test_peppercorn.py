import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.errors import EnumerationLimitError
from dsdcrn.model.crn import parse_crn
from dsdcrn.options import EnumerationOptions


def _rxns(e):
    return {(r.reactants, r.products) for r in e.reactions}


def test_a_plus_b_follows_the_papers_mechanism(enumerated):
    """Join gate + buffer, translator + helper: 6 condensed reactions (PNAS 2010 Fig. 2)."""
    _, e = enumerated["A + B -> C"]
    roles = {
        role: sorted(s.name for s in e.by_role(role))
        for role in ("signal", "fuel", "intermediate", "waste")
    }
    assert roles["fuel"] == ["r1_buffer", "r1_fork", "r1_helper1", "r1_join"]
    assert roles["signal"] == ["A", "B", "C", "C_d_r1"]
    assert len(roles["intermediate"]) == 3 and len(roles["waste"]) == 3
    assert len(e.reactions) == 6
    sp = e.species
    held = next(s.name for s in e.by_role("intermediate") if "h_A" in s.kernel)  # L + A
    out = next(s.name for s in e.by_role("intermediate") if s.kernel == "b_B c_B d_r1")  # O_i
    rx = _rxns(e)
    assert (("A", "r1_join"), tuple(sorted((held, "r1_buffer")))) in rx  # reversible first step
    assert ((held, "r1_buffer"), ("A", "r1_join")) in rx
    assert any(r[0] == tuple(sorted(("B", held))) and out in r[1] for r in rx)  # B releases O
    assert any(r[0] == tuple(sorted((out, "r1_fork"))) and "C_d_r1" in r[1] for r in rx)
    assert sp["C_d_r1"].kernel == "d_r1 a_C b_C c_C"
    bimolecular = [r.rate for r in e.reactions if len(r.reactants) == 2]
    assert all(5e-4 < k < 5e-3 for k in bimolecular)  # /nM/s, toehold-mediated


def test_same_result_twice_in_one_process():
    crn = parse_crn("A + B -> C + D\nA @initial 10\nB @initial 10")
    a = enumerate_system(compile_crn(crn, "soloveichik2010"))
    b = enumerate_system(compile_crn(crn, "soloveichik2010"))
    assert a.to_pil() == b.to_pil()


def test_implementation_crn_drops_fuels(enumerated):
    _, e = enumerated["A + B -> C"]
    fuels = {s.name for s in e.by_role("fuel")}
    icrn = e.implementation_crn()
    assert icrn and all(not (set(r.reactants) | set(r.products)) & fuels for r in icrn)
    inter = e.interpretation()
    assert inter["C_d_r1"] == ["C"] and all(inter[w.name] == [] for w in e.by_role("waste"))


def test_limit_is_a_clear_error():
    crn = parse_crn("A + B -> C\nC + A -> B\nA @initial 10\nB @initial 10")
    with pytest.raises(EnumerationLimitError, match="Too many complexes") as err:
        enumerate_system(
            compile_crn(crn, "soloveichik2010"), EnumerationOptions(max_complex_count=12)
        )
    assert "--max-complexes 12" in str(err.value)


def test_timeout_is_a_clear_error():
    crn = parse_crn("A + B -> C\nA @initial 10")
    with pytest.raises(EnumerationLimitError, match="time-out of 0.01 s"):
        enumerate_system(compile_crn(crn, "soloveichik2010"), EnumerationOptions(timeout_s=0.01))


@pytest.mark.parametrize("modular", [False, True])
def test_a_limit_below_the_starting_complexes_is_one_clear_error(modular):
    """Peppercorn asserts when it starts with more complexes than it may enumerate."""
    from dsdcrn.enumerate.modular import enumerate_modular

    system = compile_crn(parse_crn("A -> B\n", name="t"), "soloveichik2010")
    opts = EnumerationOptions(max_complex_count=2)
    with pytest.raises(EnumerationLimitError, match="complexes to start from.*--max-complexes 2"):
        if modular:
            enumerate_modular(system, opts, jobs=1)
        else:
            enumerate_system(system, opts)
