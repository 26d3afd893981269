"""Tests for dsdcrn.design.toehold_sharing and the designer with ``share_toeholds``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dsdcrn.design.constraints import FORBIDDEN_RE, revcomp
from dsdcrn.design.scores import toehold_windows
from dsdcrn.design.sequences import design_sequences
from dsdcrn.design.toehold_sharing import (
    adjacent_toeholds,
    conflicts,
    share_toeholds,
)
from dsdcrn.design.toeholds import ToeholdShortage
from dsdcrn.errors import DesignError
from dsdcrn.model.design import DomainSpec
from dsdcrn.options import DesignOptions

# 12 toehold names on 4 strands of three, two of them adjacent in each strand
STRANDS = {f"S{i}": [f"t{3 * i}", f"t{3 * i + 1}", f"x{i}", f"t{3 * i + 2}"] for i in range(4)}
COMPLEXES = {f"C{i}": ([f"S{i}"], ". . . .") for i in range(4)}
NAMES = [f"t{i}" for i in range(12)]
SEQS = ["ACTCCA", "CATACC", "TCACTA", "AACCTC"]


def test_conflicts_are_strand_and_complex_partners() -> None:
    conf = conflicts(NAMES, STRANDS, COMPLEXES | {"G": (["S0", "S1"], ". . . . + . . . .")})
    assert conf["t0"] == {"t1", "t2", "t3", "t4", "t5"}  # S0, and S1 through complex G
    assert conf["t6"] == {"t7", "t8"}
    assert adjacent_toeholds(STRANDS, set(NAMES)) == {
        (f"t{3 * i}", f"t{3 * i + 1}") for i in range(4)
    }


def test_shared_colouring_keeps_partners_apart_and_pairs_distinct() -> None:
    col = share_toeholds(
        NAMES, SEQS, [-8.3] * 4, -8.3, STRANDS, COMPLEXES, {}, None, np.random.default_rng(0)
    )
    assert set(col) == set(NAMES) and set(col.values()) <= set(range(4))
    for toks in STRANDS.values():  # every strand's toeholds differ
        names = [t for t in toks if t.startswith("t")]
        assert len({col[n] for n in names}) == len(names)
    pairs = [(col[f"t{3 * i}"], col[f"t{3 * i + 1}"]) for i in range(4)]
    assert len(set(pairs)) == 4  # no two adjacent pairs read the same 12 nt
    for a, b in pairs:
        assert not FORBIDDEN_RE.search(SEQS[a] + SEQS[b])
    assert max(np.bincount(list(col.values()))) == 3  # balanced: 12 names on 4 sequences
    again = share_toeholds(
        NAMES, SEQS, [-8.3] * 4, -8.3, STRANDS, COMPLEXES, {}, None, np.random.default_rng(0)
    )
    assert again == col


def test_too_few_sequences_for_a_strand_is_one_line() -> None:
    with pytest.raises(DesignError, match="cannot keep") as info:
        share_toeholds(
            NAMES,
            SEQS[:2],
            [-8.3] * 2,
            -8.3,
            STRANDS,
            COMPLEXES,
            {},
            None,
            np.random.default_rng(0),
        )
    assert "\n" not in str(info.value)


# 12 single strands, each a 6-nt toehold beside its own 12-nt branch-migration domain,
# and 4 two-strand gates: more toeholds than stickydesign supplies at a 0.3 limit (5)
N = 12


def _system() -> tuple[list[DomainSpec], dict, dict]:
    domains = [DomainSpec(f"t{i}", 6, "toehold") for i in range(N)]
    domains += [DomainSpec(f"x{i}", 12, "long") for i in range(N)]
    strands = {f"S{i}": [f"t{i}", f"x{i}"] for i in range(N)}
    strands |= {f"G{i}": [f"x{i}*", f"t{i}*", f"t{i + 1}*"] for i in range(0, N, 3)}
    complexes = {f"S{i}": ([f"S{i}"], ". .") for i in range(N)}
    complexes |= {f"G{i}": ([f"S{i}", f"G{i}"], "( ( + ) ) .") for i in range(0, N, 3)}
    return domains, strands, complexes


def test_designer_shares_toeholds_only_when_asked() -> None:
    domains, strands, complexes = _system()
    strict = DesignOptions(toehold_maxspurious=0.3, ssm_steps=200, defect_steps=0)
    with pytest.raises(ToeholdShortage):
        design_sequences(domains, strands, complexes, 0, strict, checks=False)
    shared = DesignOptions(
        toehold_maxspurious=0.3,
        ssm_steps=200,
        defect_steps=0,
        share_toeholds=True,
        max_shared_kmer=6,
    )
    d = design_sequences(domains, strands, complexes, 0, shared, checks=False)
    toes = {f"t{i}": d.domains[f"t{i}"] for i in range(N)}
    assert len(set(toes.values())) < N  # shared
    for snames, _ in complexes.values():  # no complex holds one toehold sequence twice
        held = {t.rstrip("*") for s in snames for t in strands[s]} & toes.keys()
        assert len({toes[t] for t in held}) == len(held)
    for s in d.strands.values():
        assert not FORBIDDEN_RE.search(s)
    # the twins' 6-mers repeat by design; no 6-mer repeats anywhere else
    seen: dict[str, str] = {}
    for name, s in d.domains.items():
        for k in {s[i : i + 6] for i in range(len(s) - 5)} | {
            revcomp(s)[i : i + 6] for i in range(len(s) - 5)
        }:
            other = seen.setdefault(k, name)
            assert other == name or (
                name in toes and other in toes and toes[name] == toes[other]
            ), (k, name, other)
    again = design_sequences(domains, strands, complexes, 0, shared, checks=False)
    assert again.domains == d.domains
    # the scores tell a twin's reads of a shared toehold from other toehold windows
    setup = SimpleNamespace(
        design=d, toeholds=list(toes), problem=SimpleNamespace(strands=strands), seqs=d.strands
    )
    every, twins = toehold_windows(setup)
    for t, seq in toes.items():
        copies = sum(
            tok.rstrip("*") != t and toes.get(tok.rstrip("*")) == seq
            for toks in strands.values()
            for tok in toks
        )  # each copy of a twin reads both 5-nt windows of the toehold
        assert every[t] >= twins[t] >= 2 * copies
        assert (twins[t] > 0) == (copies > 0)
    assert sum(twins.values()) > 0
