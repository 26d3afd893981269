"""Shared fixtures: compiled and enumerated small circuits, built once per session."""

from __future__ import annotations

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import enumerate_system
from dsdcrn.model.crn import parse_crn

CASES = {
    "A + B -> C": "A + B -> C\nA @initial 10\nB @initial 10\n",
    "A -> B": "A -> B\nA @initial 10\n",
    "A + B -> C + D": "A + B -> C + D\nA @initial 10\nB @initial 10\n",
    "2A -> B": "2A -> B\nA @initial 10\n",
    "A + B <=> C": "A + B <=> C\nA @initial 10\nB @initial 10\n",
}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Compiled circuits a test caches go to a folder of the test run, never the user's."""
    monkeypatch.setenv("DSDCRN_CACHE", str(tmp_path_factory.getbasetemp() / "dsdcrn-cache"))


@pytest.fixture(scope="session")
def enumerated():
    """Enumerated soloveichik2010 implementation of each acceptance CRN, keyed by its text."""
    out = {}
    for key, text in CASES.items():
        crn = parse_crn(text, name=key)
        out[key] = (crn, enumerate_system(compile_crn(crn, "soloveichik2010")))
    return out
