"""The default circuit is the Nagipogu-Reif builder's d = 1 feedforward and readout
phases, byte-identical to the committed design's ``formal.crn``."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsdcrn import circuits
from dsdcrn.errors import CRNParseError
from dsdcrn.model.crn import parse_crn
from dsdcrn.neural import nagipogu_reif

FORMAL = Path(__file__).parents[2] / "designs" / "nagipogu_reif_neuron_d1" / "formal.crn"


def test_default_circuit_is_byte_identical_to_the_committed_design():
    crn = circuits.nagipogu_reif_neuron()
    assert crn.to_text() == FORMAL.read_text()
    assert crn.name == circuits.DEFAULT == "nagipogu_reif_neuron_d1"
    assert crn.source == "<nagipogu-reif-neuron-d1>"


def test_default_circuit_equals_the_committed_file_read_back():
    committed = parse_crn(FORMAL.read_text(), source=circuits.nagipogu_reif_neuron().source)
    crn = circuits.nagipogu_reif_neuron()
    assert crn.reactions == committed.reactions
    assert list(crn.initial.items()) == list(committed.initial.items())
    # line numbers point into the text `dsdcrn default` writes
    assert [r.line for r in crn.reactions] == list(range(2, 15))


def test_d1_name_drops_the_index_of_indexed_values_only():
    assert [circuits.d1_name(s) for s in ("P1p", "X1m", "Z1p", "W1m")] == [
        "Pp",
        "Xm",
        "Zp",
        "Wm",
    ]
    assert [circuits.d1_name(s) for s in ("Hp", "Om", "E", "P2p")] == ["Hp", "Om", "E", "P2p"]


def test_neuron_reactions_are_the_builders_feedforward_and_readout_phases():
    net = nagipogu_reif.build(1, gradient=None, k_fast=1.0)
    want = net.in_phase("feedforward") + net.in_phase("readout")
    got = circuits.neuron_reactions()
    assert len(got) == len(want) == 13
    assert [str(r) for r in got] == [
        str(r).replace("P1", "P").replace("X1", "X").replace("Z1", "Z").replace("W1", "W")
        for r in want
    ]
    assert {r.rate for r in got} == {1.0}
    assert not any(s.startswith(("E", "Y")) for r in got for s in r.reactants + r.products)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(theta=-0.3), {"Pp": 2.0, "Pm": 5.0}),  # offset 0.2 on both rails
        (dict(x=0.7), {"Xp": 7.0}),
        (dict(h=-0.2), {"Hm": 2.0}),
        (dict(w=0.0), {"Wp": 2.0, "Wm": 2.0}),
        (dict(unit_nM=1.0), {"Pp": 1.0, "Pm": 0.2, "Xm": 0.5, "Hp": 0.1, "Wp": 1.2}),
    ],
)
def test_parameters_set_the_rails_as_documented(kwargs, expected):
    initial = circuits.nagipogu_reif_neuron(**kwargs).initial
    for species, nM in expected.items():
        assert initial[species] == pytest.approx(nM)
    assert all(v > 0 for v in initial.values())  # a zero rail is left out


def test_initial_concentrations_keep_six_significant_digits_like_the_text():
    initial = circuits.nagipogu_reif_neuron(unit_nM=10.0 / 3.0).initial
    assert initial["Pm"] == 0.666667  # what the written file reads back as
    assert list(initial) == ["Pp", "Pm", "Xm", "Hp", "Wp", "Wm"]


def test_an_impossible_concentration_is_a_parse_error():
    with pytest.raises(CRNParseError, match="Pp"):
        circuits.nagipogu_reif_neuron(unit_nM=1e12)
