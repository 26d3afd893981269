"""Read a domain-level PIL file into a sequence-design problem.

The kernel-notation PIL that ``dsdcrn compile`` writes and Peppercorn reads, whether
from dsdcrn or written by hand::

    # comment
    length a = 6                 # also 'domain a = 6' or 'sequence a = NNNNNN'
    length b = 15
    X = b a @initial 10 nM       # a complex: kernel notation, optional concentration
    G = a( b( + ) ) @constant 1 uM
    complex H = b* a*            # the 'complex' keyword is optional

Domains of ``toehold_max_nt`` nt or fewer (default 9) but at least 4 are toeholds
(designed with stickydesign), all others long domains.  Strands are the distinct domain
sequences of the complexes' strands, each named after the first complex holding it
(``C`` for a single-stranded complex, else ``C_s1``, ``C_s2`` ...), as
:meth:`dsdcrn.model.domains.DomainSystem.strands` does.  The file must be UTF-8 text.  Bad input
raises :class:`dsdcrn.errors.DesignError` as ``FILE:LINE: problem``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from dsdcrn.errors import CRNParseError, DesignError, SchemeError
from dsdcrn.model.crn import MAX_CONCENTRATION_NM
from dsdcrn.model.design import DesignProblem, DomainSpec
from dsdcrn.model.domains import parse_kernel
from dsdcrn.validate import read_text_file

__all__ = ["TOEHOLD_MAX_NT", "parse_pil", "read_pil"]

TOEHOLD_MAX_NT = 9
_NAME = r"[A-Za-z_][A-Za-z0-9_\-.]*"
MAX_DOMAIN_NT = 200  # longest domain read from a PIL file, nt
_LEN = re.compile(rf"^(length|domain)\s+({_NAME})\s*=\s*(\d+)\s*$")
_SEQ = re.compile(rf"^sequence\s+({_NAME})\s*=\s*([ACGTUNacgtun]+)\s*$")
_CPLX = re.compile(rf"^(?:complex\s+)?({_NAME})\s*=\s*(.*?)\s*$")
_CONC = re.compile(
    r"@\s*(initial|i|constant|c)\s+([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s*(M|mM|uM|µM|nM|pM)?\s*$"
)
_UNITS_NM = {"M": 1e9, "mM": 1e6, "uM": 1e3, "µM": 1e3, "nM": 1.0, "pM": 1e-3, None: 1.0}


def read_pil(path: str | Path, toehold_max_nt: int = TOEHOLD_MAX_NT) -> DesignProblem:
    """Read a PIL file (see module doc) into a :class:`DesignProblem`."""
    try:
        text = read_text_file(path, kind="PIL file")
    except CRNParseError as err:
        raise DesignError(str(err)) from None
    return parse_pil(text, str(path), toehold_max_nt)


def parse_pil(
    text: str, source: str = "<string>", toehold_max_nt: int = TOEHOLD_MAX_NT
) -> DesignProblem:
    """Parse PIL text (see module doc); ``source`` names it in error messages."""
    lengths: dict[str, int] = {}
    complexes: list[PilComplex] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}:{lineno}"
        domain = parse_domain(line, where)
        if domain is not None:
            _define(lengths, *domain, where)
            continue
        cx = parse_complex(line, where, lineno)
        if any(other.name == cx.name for other in complexes):
            raise DesignError(f"{where}: complex {cx.name!r} is defined twice")
        complexes.append(cx)
    if not complexes:
        raise DesignError(f"{source}: no complexes")
    strands, cx_out, concs = name_strands(complexes, lengths, source)
    used = {t.rstrip("*") for s in strands.values() for t in s}
    domains = [
        DomainSpec(d, n, "toehold" if 4 <= n <= toehold_max_nt else "long")
        for d, n in lengths.items()
        if d in used
    ]
    return DesignProblem(domains, strands, cx_out, concs)


class PilComplex(NamedTuple):
    """One complex statement: name, strands (domain tokens), dot-parens per domain,
    concentration (nM, 0 when none) and line number."""

    name: str
    strands: list[list[str]]
    structure: list[str]
    conc_nM: float
    lineno: int


def parse_domain(line: str, where: str) -> tuple[str, int] | None:
    """(name, length in nt) of a ``length``/``domain``/``sequence`` statement, else None."""
    m = _LEN.match(line)
    if m:
        name, n = m.group(2), int(m.group(3))
        if not 1 <= n <= MAX_DOMAIN_NT:
            raise DesignError(
                f"{where}: domain {name!r} must be 1 to {MAX_DOMAIN_NT} nt long, got {n}"
            )
        return name, n
    m = _SEQ.match(line)
    if m:
        return m.group(1), len(m.group(2))
    return None


def parse_concentration(rest: str, name: str, where: str) -> tuple[float, str]:
    """(concentration in nM, 0 when none; the kernel text before it) of a complex's
    right-hand side ``rest``."""
    c = _CONC.search(rest)
    if c:
        conc = float(c.group(2)) * _UNITS_NM[c.group(3)]
        if not conc <= MAX_CONCENTRATION_NM:  # also inf from 1e400
            raise DesignError(f"{where}: concentration of {name!r} must be finite and at most 1 M")
        return conc, rest[: c.start()].strip()
    if "@" in rest:
        raise DesignError(f"{where}: bad concentration {rest[rest.index('@') :]!r}")
    return 0.0, rest


def parse_complex(line: str, where: str, lineno: int) -> PilComplex:
    """A complex statement ``[complex] NAME = kernel [@initial C unit]``."""
    if line.split()[0] in ("strand", "structure", "kinetic", "reaction", "restingstate"):
        raise DesignError(
            f"{where}: '{line.split()[0]}' statements are not supported; write complexes "
            "in kernel notation (NAME = a( b + ) c*)"
        )
    m = _CPLX.match(line)
    if not m:
        raise DesignError(f"{where}: expected 'length NAME = N' or 'NAME = kernel'")
    name = m.group(1)
    conc, rest = parse_concentration(m.group(2), name, where)
    if not rest:
        raise DesignError(f"{where}: complex {name!r} has no domains")
    try:
        strands, structure = parse_kernel(rest)
    except SchemeError as err:
        raise DesignError(f"{where}: {err}") from None
    if any(not s for s in strands):
        raise DesignError(f"{where}: complex {name!r} has an empty strand")
    return PilComplex(name, strands, structure, conc, lineno)


def name_strands(
    complexes: list[PilComplex], lengths: dict[str, int], source: str
) -> tuple[dict[str, list[str]], dict[str, tuple[list[str], str]], dict[str, float]]:
    """Distinct strands named after the first complex holding them (module doc), each
    complex as (strand names, dot-bracket), and each complex's concentration (nM)."""
    strands_out: dict[str, list[str]] = {}
    seen: dict[tuple[str, ...], str] = {}
    cx_out: dict[str, tuple[list[str], str]] = {}
    concs: dict[str, float] = {}
    for name, strands, structure, conc, lineno in complexes:
        for tok in (t for s in strands for t in s):
            if tok.rstrip("*") not in lengths:
                raise DesignError(
                    f"{source}:{lineno}: domain {tok.rstrip('*')!r} has no length "
                    "(add 'length NAME = N')"
                )
        names = []
        for i, s in enumerate(strands):
            key = tuple(s)
            if key not in seen:
                sname = name if len(strands) == 1 else f"{name}_s{i + 1}"
                if sname in strands_out:
                    sname = f"{sname}_{len(strands_out)}"
                seen[key] = sname
                strands_out[sname] = list(s)
            names.append(seen[key])
        cx_out[name] = (names, " ".join(structure))
        concs[name] = conc
    return strands_out, cx_out, concs


def _define(lengths: dict[str, int], name: str, n: int, where: str) -> None:
    if name.endswith("*"):
        raise DesignError(f"{where}: domain names may not end in '*'")
    if name in lengths and lengths[name] != n:
        raise DesignError(
            f"{where}: domain {name!r} defined again with {n} nt (was {lengths[name]} nt)"
        )
    lengths[name] = n
