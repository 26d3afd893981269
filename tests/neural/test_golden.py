"""The builders' output is frozen: byte-identical CRN text (and identical phases,
parameters, transient species and metadata) to the texts recorded before the builders
were split into module functions (tests/neural/golden/).

``hashes.json`` holds, for 92 configurations (Nagipogu-Reif d = 1, 2, 3, both θ, every
nonlinearity, gradient and output training; Kang-Kim (2,2,1), (4,5,3), (2,3,2,1),
smooth and ReLU, routed and direct, without rail cancellation, frozen), the SHA-256 of
``to_text()`` and of a JSON dump of every other field.  The ``.crn`` files are whole
texts of a few small networks, for a readable diff when one changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dsdcrn.neural import kang_kim, nagipogu_reif
from dsdcrn.neural.network import NeuralCRN

GOLDEN = Path(__file__).parent / "golden"
ROWS = json.loads((GOLDEN / "hashes.json").read_text())
TEXTS = {
    "nagipogu-reif-d1.crn": lambda: nagipogu_reif.build(1),
    "nagipogu-reif-d2-full-quadratic-exact-wout.crn": lambda: nagipogu_reif.build(
        2, theta="full", nonlinearity="quadratic", gradient="exact", train_output=True
    ),
    "nagipogu-reif-d2-cubic-first-order.crn": lambda: nagipogu_reif.build(2, nonlinearity="cubic"),
    "kang-kim-2-2-1-routed.crn": lambda: kang_kim.build((2, 2, 1)),
    "kang-kim-2-2-1-direct.crn": lambda: kang_kim.build((2, 2, 1), updates="direct"),
    "kang-kim-2-2-1-relu.crn": lambda: kang_kim.build((2, 2, 1), activation="relu"),
}


def _structure(net: NeuralCRN) -> str:
    """Every field of ``net`` but the text, as canonical JSON."""
    fields = dict(
        name=net.name,
        phases=net.phases,
        initial=net.initial,
        parameters=net.parameters,
        inputs=net.inputs,
        targets=net.targets,
        outputs=net.outputs,
        transient=net.transient,
        meta=net.meta,
        modules=net.modules,
        reactions=[[list(r.reactants), list(r.products), r.rate] for r in net.reactions],
    )
    return json.dumps(fields, sort_keys=True, default=str)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _build(row: dict) -> NeuralCRN:
    kwargs = dict(row["kwargs"])
    if row["builder"] == "kang-kim":
        return kang_kim.build(tuple(kwargs.pop("layers")), **kwargs)
    return nagipogu_reif.build(**kwargs)


def test_the_golden_set_covers_every_option():
    nr = [r["kwargs"] for r in ROWS if r["builder"] == "nagipogu-reif"]
    kk = [r["kwargs"] for r in ROWS if r["builder"] == "kang-kim"]
    assert {k["dim"] for k in nr} == {1, 2, 3}
    assert {k["theta"] for k in nr} == set(nagipogu_reif.THETAS)
    assert {k["nonlinearity"] for k in nr} == set(nagipogu_reif.NONLINEARITIES)
    assert {k["gradient"] for k in nr} == set(nagipogu_reif.GRADIENTS)
    assert {tuple(k["layers"]) for k in kk} >= {(2, 2, 1), (4, 5, 3)}
    assert {(k["activation"], k["updates"]) for k in kk} == {
        (a, u) for a in kang_kim.ACTIVATIONS for u in kang_kim.UPDATES
    }


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['builder']}-{i}" for i, r in enumerate(ROWS)])
def test_builder_output_is_byte_identical_to_the_golden_hash(row):
    net = _build(row)
    assert _sha(net.to_text()) == row["text"], net.name
    assert _sha(_structure(net)) == row["structure"], net.name


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_builder_text_is_byte_identical_to_the_golden_file(name):
    assert TEXTS[name]().to_text() == (GOLDEN / name).read_text()
