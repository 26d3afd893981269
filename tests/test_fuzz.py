"""Property-based fuzzing with Hypothesis: compiler, verifier and command line.

Three properties, each on deterministic (derandomized) random input:

1. every random well-formed formal CRN (distinct irreversible reactions over the
   species A-D, 0-2 reactants and 0-2 products: ``-> A``, ``2A -> B``, ``A + B -> C``
   ...) compiles with each built-in scheme, enumerates, and is verified CORRECT by all
   three methods (measured: they always agree on these, so all three are required);
2. every planted wrong specification (a random mutation of that CRN that changes its
   transition relation) is rejected, verdict ``False`` (a time-out does not count), by
   every method against the unmutated CRN's implementation;
3. random bytes and malformed lines fed to the command line give exit status 2 and one
   ``dsdcrn: error: FILE...`` line on stderr, no traceback, and write nothing.

The default run checks >= 200 CRNs of 1-2 reactions and >= 200 wrong specifications
(two worker processes); ``-m slow`` checks >= 200 CRNs of 1-4 reactions.  Each known bug
the corpus found has a minimal ``xfail(strict=True)`` reproduction below.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# Imported here so that the forked verification and enumeration children inherit them
# (halves the cost of each child: they would import them afresh otherwise).
import crnverifier  # noqa: F401
import crnverifier.pathway_decomposition  # noqa: F401
import peppercornenumerator  # noqa: F401
import peppercornenumerator.input  # noqa: F401
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dsdcrn.cli.main import main
from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.peppercorn import Enumerated, enumerate_system
from dsdcrn.model.crn import parse_crn
from dsdcrn.options import METHODS
from dsdcrn.verify.whole import verify

SCHEMES = ("soloveichik2010", "srinivas2017")
ALPHABET = ("A", "B", "C", "D")  # small, so that enumeration stays fast
FRESH = "E"  # a species no generated CRN uses: mutations may bring it in
VERIFY_TIMEOUT_S = 20.0  # per method
REPO = Path(__file__).resolve().parents[1]

Side = tuple[str, ...]
Rxn = tuple[Side, Side]


# ------------------------------------------------------------------ generators


def side_text(side: Side) -> str:
    """``("A", "A", "B")`` as ``2A + B``."""
    counts = Counter(side)
    return " + ".join(f"{n}{s}" if n > 1 else s for s, n in sorted(counts.items()))


def crn_text(rxns: list[Rxn]) -> str:
    """Reactions in the CRN syntax, one a line."""
    return "".join(f"{side_text(r)} -> {side_text(p)}\n" for r, p in rxns)


def nontrivial(rxns: list[Rxn]) -> set[Rxn]:
    """The reactions as a set, trivial ones (reactants = products) left out: two CRNs
    with the same such set are the same CRN."""
    return {(r, p) for r, p in rxns if r != p}


def transitions(rxns: list[Rxn]) -> set[Rxn]:
    """The reactions that define the CRN's transition relation: non-trivial ones, less
    each reaction another one makes redundant (same net change, and its reactants include
    the other's: ``2B -> B`` beside ``B ->``, ``A -> A + D`` beside ``-> D``).  Two CRNs
    step between the same states exactly when these sets are equal."""
    rs = nontrivial(rxns)

    def net(x: Rxn) -> Counter:
        return Counter(x[1]) - Counter(x[0]), Counter(x[0]) - Counter(x[1])

    def covers(small: Rxn, big: Rxn) -> bool:
        return small != big and net(small) == net(big) and not Counter(small[0]) - Counter(big[0])

    return {x for x in rs if not any(covers(y, x) for y in rs)}


def sides(names: tuple[str, ...], lo: int, hi: int) -> st.SearchStrategy[Side]:
    """A multiset of ``lo`` to ``hi`` species of ``names``, as a sorted tuple."""
    return st.lists(st.sampled_from(names), min_size=lo, max_size=hi).map(
        lambda xs: tuple(sorted(xs))
    )


def reactions(names: tuple[str, ...] = ALPHABET) -> st.SearchStrategy[Rxn]:
    """One irreversible reaction of 0-2 reactants and 0-2 products that changes something
    (``compile_crn`` rejects ``A -> A``)."""
    return st.tuples(sides(names, 0, 2), sides(names, 0, 2)).filter(lambda rp: rp[0] != rp[1])


def crns() -> st.SearchStrategy[list[Rxn]]:
    """1-4 distinct reactions (duplicates are not a well-formed input)."""
    return st.lists(reactions(), min_size=1, max_size=4, unique=True)


MUTATIONS = ("drop", "add-species", "remove-species", "swap", "reverse", "add-reaction", "rename")


@st.composite
def mutants(draw, rxns: list[Rxn]) -> tuple[str, list[Rxn]]:
    """A random wrong specification made from ``rxns``: (mutation name, reactions).

    The mutant always steps between states differently from the original (see
    :func:`transitions`): a trivial reaction ``X -> X`` or a redundant one such as
    ``2B -> B`` beside ``B ->`` would not make a wrong specification.
    """
    kind = draw(st.sampled_from(MUTATIONS))
    out = list(rxns)
    i = draw(st.integers(0, len(out) - 1))
    r, p = out[i]
    names = ALPHABET + (FRESH,)
    if kind == "drop":
        del out[i]
    elif kind == "add-species":
        x, to_products = draw(st.sampled_from(names)), draw(st.booleans())
        out[i] = (r, tuple(sorted(p + (x,)))) if to_products else (tuple(sorted(r + (x,))), p)
    elif kind == "remove-species":
        to_products = draw(st.booleans()) if r and p else bool(p)
        side = p if to_products else r
        j = draw(st.integers(0, len(side) - 1))
        side = side[:j] + side[j + 1 :]
        out[i] = (r, side) if to_products else (side, p)
    elif kind == "swap":  # one occurrence of a species becomes another species
        both = r + p
        j = draw(st.integers(0, len(both) - 1))
        y = draw(st.sampled_from([x for x in names if x != both[j]]))
        both = both[:j] + (y,) + both[j + 1 :]
        out[i] = (tuple(sorted(both[: len(r)])), tuple(sorted(both[len(r) :])))
    elif kind == "reverse":
        out[i] = (p, r)
    elif kind == "add-reaction":
        out.append(draw(reactions(names)))
    else:  # rename: exchange two species everywhere
        x, y = draw(st.permutations(names))[:2]
        swap = {x: y, y: x}
        out = [
            (tuple(sorted(swap.get(s, s) for s in r)), tuple(sorted(swap.get(s, s) for s in p)))
            for r, p in out
        ]
    assume(transitions(out) != transitions(rxns))
    return kind, out


# ------------------------------------------------------------------ compile, enumerate, verify

_ENUMERATED: dict[tuple[str, str], Enumerated] = {}  # (CRN text, scheme) -> implementation


def implementation(text: str, scheme: str) -> Enumerated:
    """The enumerated ``scheme`` implementation of the CRN ``text``, built once a process."""
    key = (text, scheme)
    if key not in _ENUMERATED:
        _ENUMERATED[key] = enumerate_system(compile_crn(parse_crn(text), scheme))
    return _ENUMERATED[key]


Case = tuple[tuple[Rxn, ...], str, tuple[tuple[str, tuple[Rxn, ...]], ...]]
"""(reactions, scheme, ((mutation, mutant reactions), ...))."""


@st.composite
def cases(draw, max_reactions: int, n_mutants: int) -> Case:
    """A random CRN, a scheme, and ``n_mutants`` wrong specifications made from the CRN."""
    rxns = draw(st.lists(reactions(), min_size=1, max_size=max_reactions, unique=True))
    scheme = draw(st.sampled_from(SCHEMES))
    wrongs = tuple((kind, tuple(w)) for kind, w in (draw(mutants(rxns)) for _ in range(n_mutants)))
    return tuple(rxns), scheme, wrongs


def check_case(case: Case, timeout_s: float = VERIFY_TIMEOUT_S) -> dict:
    """Compile, enumerate and verify one case (in a worker process); plain data out.

    ``correct`` maps each method to its verdict on the CRN itself, ``wrong`` holds
    (mutation, specification text, {method: verdict}) for each wrong specification.
    """
    rxns, scheme, wrongs = case
    text = crn_text(list(rxns))
    crn = parse_crn(text)
    e = implementation(text, scheme)
    out = {
        "text": text,
        "parsed": [(r.reactants, r.products) for r in crn.reactions],
        "correct": {r.method: r.verdict for r in verify(crn, e, METHODS, timeout_s).results},
        "wrong": [],
    }
    for kind, wrong in wrongs:
        spec = crn_text(list(wrong))
        v = verify(parse_crn(spec), e, METHODS, timeout_s, counterexamples=False)
        out["wrong"].append((kind, spec, {r.method: r.verdict for r in v.results}))
    return out


def split_release(rxns: tuple[Rxn, ...], wrong: tuple[Rxn, ...]) -> bool:
    """Is ``wrong`` ``rxns`` with one reaction ``R -> P`` read as two steps: ``R -> P - X``
    then ``-> X`` (``-> 2D`` as ``-> D``), or ``R -> P + X`` then ``X ->``, the second
    step in ``wrong``?  See :func:`test_known_bug_split_release`."""
    old, new = nontrivial(list(rxns)), nontrivial(list(wrong))
    for r, p in old:
        rest = list(old - {(r, p)})
        steps = [[(r, p[:i] + p[i + 1 :]), ((), (p[i],))] for i in range(len(p))]
        steps += [[(r, tuple(sorted(p + (x,)))), ((x,), ())] for x in ALPHABET + (FRESH,)]
        if any(new == nontrivial(rest + two) for two in steps):
            return True
    return False


@dataclass
class Tally:
    """What a corpus run exercised, and what it found wrong."""

    crns: set[tuple[str, str]] = field(default_factory=set)  # (sorted CRN text, scheme)
    rejected: set[tuple[str, str, str]] = field(default_factory=set)  # (CRN, scheme, spec)
    mutations: Counter = field(default_factory=Counter)
    known: list[str] = field(default_factory=list)  # wrong specs a known bug lets through
    undecided: list[str] = field(default_factory=list)  # bisimulation time-outs, if allowed
    problems: list[str] = field(default_factory=list)
    allow_undecided: bool = False

    def summary(self) -> str:
        per_scheme = Counter(scheme for _, scheme in self.crns)
        return (
            f"{len(self.crns)} CRNs verified correct {dict(per_scheme)}, "
            f"{len(self.rejected)} wrong specifications rejected {dict(self.mutations)}, "
            f"{len(self.known)} let through by the known bug, "
            f"{len(self.undecided)} left undecided by crn-bisimulation (time-out)"
        )

    def add(self, case: Case, result: dict) -> list[str]:
        """Record one checked case; return its problems (empty when all is well)."""
        rxns, scheme, wrongs = case
        key = crn_text(sorted(rxns))
        found = []
        if result["parsed"] != list(rxns):
            found.append(f"{result['text']!r} does not read back as {rxns}")
        if any(v is not True for v in result["correct"].values()):
            found.append(f"{scheme}: {result['text']!r} not verified correct: {result['correct']}")
        else:
            self.crns.add((key, scheme))
        for (kind, wrong), (_, spec, verdicts) in zip(wrongs, result["wrong"], strict=True):
            what = f"{scheme}: {result['text']!r} passed for wrong spec {spec!r} ({kind})"
            known = split_release(rxns, wrong)
            if known and verdicts["crn-bisimulation"] is not False:
                # the known bug: bisimulation may accept, the other two must still reject
                self.known.append(f"{what}: {verdicts}")
                verdicts = {m: v for m, v in verdicts.items() if m != "crn-bisimulation"}
                if any(v is not False for v in verdicts.values()):
                    found.append(f"{what}: {verdicts}")
            elif any(v is not False for v in verdicts.values()):
                others = [v for m, v in verdicts.items() if m != "crn-bisimulation"]
                timed_out = verdicts["crn-bisimulation"] is None and not any(others)
                if timed_out and self.allow_undecided:
                    self.undecided.append(f"{what}: {verdicts}")
                else:
                    found.append(f"{what}: {verdicts}")
            else:
                self.rejected.add((key, scheme, crn_text(sorted(wrong))))
                self.mutations[kind] += 1
        self.problems += found
        return found


def run_corpus(
    max_examples: int,
    batch: int,
    max_reactions: int,
    n_mutants: int,
    strict: bool = True,
    allow_undecided: bool = False,
) -> Tally:
    """Check ``max_examples`` batches of ``batch`` random cases, two worker processes.

    With ``strict`` the first problem fails (and Hypothesis shrinks it to a minimal
    case); otherwise every problem is collected in the tally (for measurements).  With
    ``allow_undecided`` a crn-bisimulation time-out on a wrong specification the other two
    methods reject is recorded, not failed.
    """
    tally, passed = Tally(allow_undecided=allow_undecided), set()
    # Fresh (spawned) workers: forked ones would carry the test process's whole heap into
    # every enumeration and verification child they fork.
    spawn = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:

        @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None)
        @given(
            st.lists(
                cases(max_reactions, n_mutants),
                min_size=batch,
                max_size=batch,
                unique_by=lambda case: (frozenset(case[0]), case[1]),
            )
        )
        def check(group: list[Case]) -> None:
            todo = [case for case in group if case not in passed]  # Hypothesis repeats some
            for case, result in zip(todo, pool.map(check_case, todo), strict=True):
                found = tally.add(case, result)
                assert not (strict and found), found
                passed.add(case)

        check()
    return tally


def assert_volume(tally: Tally, n: int) -> None:
    """At least ``n`` distinct CRNs verified correct and ``n`` wrong specifications
    rejected, each scheme and each mutation well represented."""
    print(tally.summary())  # shown with pytest -rP or -s
    assert not tally.problems, tally.problems
    assert len(tally.crns) >= n, len(tally.crns)
    assert len(tally.rejected) >= n, len(tally.rejected)
    per_scheme = Counter(scheme for _, scheme in tally.crns)
    assert all(per_scheme[s] >= n // 4 for s in SCHEMES), per_scheme
    assert all(tally.mutations[m] >= n // 20 for m in MUTATIONS), tally.mutations


def test_random_crns_verify_correct_and_mutants_are_rejected():
    """>= 200 random CRNs of 1-2 reactions: each compiles, enumerates and is verified
    correct by all three methods; >= 200 wrong specifications: each rejected by all three.

    1-2 reactions keep the default run fast (about 0.2 s for a 1-reaction CRN and its
    mutant, 0.5 s for two reactions, 0.75 s for three); the slow corpus goes up to 4.
    """
    tally = run_corpus(max_examples=60, batch=4, max_reactions=2, n_mutants=1)
    assert_volume(tally, 200)


@pytest.mark.slow
def test_random_crns_verify_correct_and_mutants_are_rejected_large():
    """The larger corpus: CRNs of 1-4 reactions.

    CRN bisimulation's refutation of a wrong specification grows exponentially with the
    implementation's intermediates (measured: 4 reactions, 16-18 intermediates, 4 s to
    over 60 s), so here a bisimulation time-out is recorded and reported (the
    summary line) rather than failed; the pathway-based methods must still say False,
    and no method may say True.  Correct CRNs must still be verified by all three.
    """
    tally = run_corpus(max_examples=30, batch=4, max_reactions=4, n_mutants=1, allow_undecided=True)
    assert_volume(tally, 200)


# ------------------------------------------------------ known limitations and bugs


@pytest.mark.xfail(
    strict=True,
    reason="limitation of CRN bisimulation (and so of verify's verdict, which trusts it "
    "first): a srinivas2017 '-> 2D' is a bisimulation of '-> D' (the gate releases the two D "
    "one at a time and its intermediates may stand for nothing); `dsdcrn verify` still exits "
    "1 because pathway decomposition and the hybrid method say False",
)
def test_known_bug_split_release():
    """Found by the corpus: ``-> 2D`` compiled with srinivas2017 verified against ``-> D``.

    Pathway decomposition and the integrated hybrid method reject it; CRN bisimulation
    finds the interpretation ``i1, i2 -> nothing; i3 -> D`` and says correct.  More
    generally, an intermediate may stand for a product not yet released or one about to
    vanish, so ``R -> P`` passes for a specification with ``R -> P - X`` and ``-> X``
    (srinivas2017: ``-> D; 2D -> C + D`` for ``-> D; 2D -> C``), or with ``R -> P + X``
    and ``X ->`` (soloveichik2010: ``B -> A + C; A ->`` for ``B -> 2A + C; A ->``).  The
    corpus exempts exactly these shapes (:func:`split_release`) from the bisimulation's
    check; the other two methods must still reject them.
    """
    e = implementation(" -> 2D\n", "srinivas2017")
    v = verify(parse_crn(" -> D\n"), e, METHODS, VERIFY_TIMEOUT_S)
    verdicts = {r.method: r.verdict for r in v.results}
    assert verdicts["pathway-decomposition"] is False and verdicts["integrated-hybrid"] is False
    assert verdicts["crn-bisimulation"] is False, verdicts
    assert v.verdict is False


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="bug: crn-bisimulation gives no answer for a two-reaction srinivas2017 circuit "
    "('-> D; B + C ->') against a specification with an extra '-> B + C' (still none after "
    "9 minutes, its child at 4.5 GB and growing); the pathway-based methods reject it at once",
)
def test_known_bug_bisimulation_does_not_decide():
    """Found by the corpus: a wrong specification the bisimulation cannot refute in time."""
    e = implementation(" -> D\nB + C -> \n", "srinivas2017")
    v = verify(parse_crn(" -> D\nB + C -> \n -> B + C\n"), e, METHODS, VERIFY_TIMEOUT_S)
    verdicts = {r.method: r.verdict for r in v.results}
    assert verdicts["pathway-decomposition"] is False and verdicts["integrated-hybrid"] is False
    assert verdicts["crn-bisimulation"] is False, verdicts


# ------------------------------------------------------------------ command line


def run_cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """``dsdcrn ARGS`` in this process, in folder ``cwd``: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(args)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, out: str, err: str, path: Path, line: int | None = None):
    """Exit status 2, nothing on stdout, one ``dsdcrn: error: FILE[:LINE...]: `` line."""
    assert code == 2, (code, out, err)
    assert out == "", out
    assert err.endswith("\n") and len(err.splitlines()) == 1, err
    assert err.startswith(f"dsdcrn: error: {path}"), err
    assert "Traceback" not in err
    if line is not None:
        assert err.startswith(f"dsdcrn: error: {path}:{line}:"), err


COMMANDS = (["count"], ["compile", "-o", "out.pil"])


def feed(data: bytes, command: list[str]) -> tuple[int, str, str, Path, list[str]]:
    """Run ``command`` on a file holding ``data`` in a fresh folder: (status, stdout,
    stderr, file path, names left in the folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.crn"
        path.write_bytes(data)
        code, out, err = run_cli([command[0], str(path), *command[1:]], Path(tmp))
        return code, out, err, path, sorted(os.listdir(tmp))


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    data=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
    command=st.sampled_from(COMMANDS),
)
def test_random_bytes_give_one_line_error(data: bytes, command: list[str]):
    """Arbitrary bytes or text: a one-line error (exit 2) and nothing written, unless the
    file happens to be a CRN the reader accepts."""
    code, out, err, path, left = feed(data, command)
    if code == 0:  # then it must really be a well-formed CRN
        assert b"\0" not in data
        assert parse_crn(data.decode("utf-8-sig")).reactions
    else:
        assert_one_line_error(code, out, err, path)
        assert left == ["net.crn"], left


BAD_BYTES = (b"\xff", b"\xc3\x28", b"\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\0")


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(
    head=st.binary(max_size=100),
    bad=st.sampled_from(BAD_BYTES),
    tail=st.binary(max_size=100),
    command=st.sampled_from(COMMANDS),
)
def test_binary_and_non_utf8_files_give_one_line_error(head, bad, tail, command):
    """A NUL byte or bytes that are not UTF-8 anywhere in the file: a one-line error."""
    code, out, err, path, left = feed(head + bad + tail, command)
    assert_one_line_error(code, out, err, path)
    assert left == ["net.crn"], left


MALFORMED = (
    "A + -> B",
    "A B -> C",
    "+ A -> B",
    "2 -> A",
    "0A -> B",
    "A -> B -> C",
    "-> -> A",
    "A <- B",
    "A => B",
    "A + B",
    "é -> A",
    "A -> B]",
    "A -> B [k = x]",
    "A -> B [k = 1",
    "A -> B [kf = 1]",
    "A <=> B [k = 1]",
    "A -> B [k = 1,]",
    "A -> B [k = -1]",
    "A -> B [k = 1] [k = 2]",
    "A -> A",
    "A + B -> B + A",
    "r1_join -> A",
    "A @initial",
    "A @initial -1",
    "A @initial 10 furlongs",
    # limits: a rate constant is finite and > 0, a concentration at most 1 M, a
    # coefficient at most dsdcrn.model.crn.MAX_COEFFICIENT (10)
    "A -> B [k = 0]",
    "A -> B [k = 0.0]",
    "A -> B [k = 1e999]",
    "A -> B [k = inf]",
    "A -> B [k = nan]",
    "A <=> B [kf = 1, kr = 0]",
    "A @initial 1e999",
    "A @initial nan",
    "A @initial 2 M",
    "11A -> B",
    "A -> 6B + 5B",
    "99999999999999999999A -> B",
)
JUNK = "!$%^&*(){}?|\\~`'\".,:<>é"


@st.composite
def statements(draw) -> str:
    """A well-formed reaction (maybe with a rate) or initial-concentration line."""
    if draw(st.integers(0, 3)) == 0:
        conc = draw(st.sampled_from(["0", "10", "2.5 uM", "1e3 pM"]))
        return f"{draw(st.sampled_from(ALPHABET))} @initial {conc}"
    r, p = draw(reactions())
    rate = draw(st.sampled_from(["", " [k = 1]", " [k = 0.5]", " [k = 2e-3]"]))
    return f"{side_text(r)} -> {side_text(p)}{rate}"


@st.composite
def broken_statements(draw) -> str:
    """A line the reader or the compiler must refuse: a known bad form, or a reaction
    with a character no species name or arrow holds put somewhere in it."""
    if draw(st.booleans()):
        return draw(st.sampled_from(MALFORMED))
    r, p = draw(reactions())
    line = f"{side_text(r)} -> {side_text(p)}"
    i = draw(st.integers(0, len(line)))
    return line[:i] + draw(st.sampled_from(JUNK)) + line[i:]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    good=st.lists(statements(), min_size=0, max_size=5),
    bad=broken_statements(),
    where=st.integers(0, 5),
    command=st.sampled_from(COMMANDS),
)
def test_malformed_line_gives_one_line_error_naming_it(good, bad, where, command):
    """Well-formed lines with one malformed line among them: a one-line error naming
    the file and the malformed line, exit 2, nothing written."""
    where = min(where, len(good))
    lines = good[:where] + [bad] + good[where:]
    if not any("->" in x for x in lines):
        lines.append("A -> B")  # a CRN with no reactions is refused for that reason
    code, out, err, path, left = feed("\n".join(lines).encode() + b"\n", command)
    assert_one_line_error(code, out, err, path, line=where + 1)
    assert left == ["net.crn"], left


@pytest.mark.parametrize(
    "data, words",
    [
        (b"A -> B\n\xff\xfe junk\n", "net.crn:2:1: not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "net.crn:3:1: a binary file"),
        (b"A -> B\nB -> C [k = 0]\n", "net.crn:2:"),
        (b"99999999999999999999A -> B\n", "net.crn:1:"),
    ],
)
def test_command_line_subprocess(tmp_path, data, words):
    """A few real ``python -m dsdcrn`` runs: the same one-line errors, no traceback."""
    (tmp_path / "net.crn").write_bytes(data)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run(
        [sys.executable, "-m", "dsdcrn", "compile", "net.crn", "-o", "out.pil"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert r.returncode == 2, r
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("dsdcrn: error: ")
    assert words in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.crn"]
