import pytest

from dsdcrn.crn import parse_crn
from dsdcrn.verify import METHODS, verify


@pytest.mark.parametrize(
    "key", ["A + B -> C", "A -> B", "A + B -> C + D", "2A -> B", "A + B <=> C"]
)
def test_acceptance_crns_are_correct(enumerated, key):
    crn, e = enumerated[key]
    v = verify(crn, e, timeout_s=60)
    verdicts = {r.method: r.verdict for r in v.results}
    # measured: every method proves each of the five acceptance CRNs correct
    assert verdicts == dict.fromkeys(METHODS, True), verdicts
    assert v.verdict is True and v.proved_by == "crn-bisimulation"


@pytest.mark.parametrize(
    "key, wrong",
    [
        ("A + B -> C", "A + B ->"),  # a missing product
        ("A + B -> C", "A + B -> 2C"),  # an extra product
        ("A + B -> C + D", "A + B -> C"),  # a missing product of two
        ("A + B -> C", "A + C -> B"),  # swapped species
        ("A -> B", "B -> A"),  # swapped species
    ],
)
def test_wrong_specification_is_incorrect_by_every_method(enumerated, key, wrong):
    _, e = enumerated[key]
    v = verify(parse_crn(wrong), e, timeout_s=60)
    assert [r.verdict for r in v.results] == [False, False, False]
    assert all(r.counterexample for r in v.results)
    assert "not in the formal CRN" in v.results[0].counterexample


def test_signal_only_interpretation_trap_is_avoided(enumerated):
    """A + B -> 2C must not pass: wastes are interpreted as nothing, not left free."""
    _, e = enumerated["A + B -> C"]
    inter = e.interpretation()
    assert all(inter[w.name] == [] for w in e.by_role("waste"))
    assert verify(parse_crn("A + B -> 2C"), e, ("crn-bisimulation",)).verdict is False
