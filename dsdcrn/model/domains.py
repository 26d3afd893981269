"""Domain-level systems: domains, complexes in kernel notation, and PIL output.

Kernel notation is the one peppercornenumerator reads and writes: domains 5'->3',
``x*`` the complement of ``x``, ``x(`` opens a pair closed by a later ``)``, ``+``
breaks strands, e.g. ``b( c( d + ) ) a*``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsdcrn.compile.rewrite import Rewrite
from dsdcrn.errors import SchemeError
from dsdcrn.model.crn import CRN
from dsdcrn.model.design import DomainSpec


@dataclass
class Complex:
    """A complex of the compiled system.

    ``strands`` lists each strand's domains 5'->3' (``x*`` for a complement) and
    ``structure`` the domain-level dot-bracket with ``+`` between strands.  ``role``
    is ``"signal"`` (a formal species, ``formal`` names it) or ``"fuel"`` (gates,
    helpers and buffers, held in excess); ``reaction`` is the index of the formal
    reaction a fuel implements.  ``concentration_nM`` is its initial concentration.
    """

    name: str
    strands: list[list[str]]
    structure: list[str]
    role: str
    concentration_nM: float
    formal: str | None = None
    reaction: int | None = None
    part: str = ""

    @property
    def kernel(self) -> str:
        return to_kernel(self.strands, self.structure)


def parse_kernel(kernel: str) -> tuple[list[list[str]], list[str]]:
    """Split a kernel string into strands (domain lists) and a dot-bracket list.

    The dot-bracket has one symbol a domain and ``+`` between strands.
    """
    strands: list[list[str]] = [[]]
    structure: list[str] = []
    stack: list[str] = []
    for tok in kernel.split():
        if tok == "+":
            strands.append([])
            structure.append("+")
        elif tok == ")":
            if not stack:
                raise SchemeError(f"unbalanced ')' in kernel {kernel!r}")
            strands[-1].append(complement(stack.pop()))
            structure.append(")")
        elif tok.endswith("("):
            name = tok[:-1]
            stack.append(name)
            strands[-1].append(name)
            structure.append("(")
        else:
            strands[-1].append(tok)
            structure.append(".")
    if stack:
        raise SchemeError(f"unbalanced '(' in kernel {kernel!r}")
    return strands, structure


def to_kernel(strands: list[list[str]], structure: list[str]) -> str:
    """The kernel string of a complex given as strands and a domain dot-bracket."""
    doms = [d for s in strands for d in s + ["+"]][:-1]
    out = []
    for d, s in zip(doms, structure, strict=True):
        out.append({"+": "+", "(": f"{d}(", ")": ")", ".": d}[s])
    return " ".join(out)


def complement(name: str) -> str:
    """``x`` <-> ``x*``."""
    return name[:-1] if name.endswith("*") else name + "*"


def base(name: str) -> str:
    """The domain a (possibly complemented) domain name refers to."""
    return name.rstrip("*")


@dataclass
class DomainSystem:
    """The compiled domain-level system: the translation stage's output.

    ``rewrite`` is the CRN-level rewrite (:class:`dsdcrn.compile.rewrite.Rewrite`) when
    the scheme did not build some reactions natively, else None; ``formal`` stays the
    original CRN either way.  :attr:`rewrite_notes` is that rewrite as text lines.
    """

    formal: CRN
    scheme: str
    domains: dict[str, DomainSpec]
    complexes: list[Complex]
    signal_patterns: dict[str, list[str | None]] = field(default_factory=dict)
    rewrite: Rewrite | None = None
    known_issues: str = ""  # the scheme's KNOWN_ISSUES, shown when verification fails
    # formal reaction (1-based) -> names of all the fuels its gates use, shared ones too
    module_fuels: dict[int, list[str]] = field(default_factory=dict)

    @property
    def rewrite_notes(self) -> list[str]:
        """The CRN rewrite as text lines (rewritten reactions, then what each introduced
        species stands for); empty when nothing was rewritten."""
        return self.rewrite.to_comment(prefix="").splitlines() if self.rewrite else []

    def complex(self, name: str) -> Complex:
        return next(c for c in self.complexes if c.name == name)

    @property
    def fuels(self) -> list[Complex]:
        return [c for c in self.complexes if c.role == "fuel"]

    @property
    def signals(self) -> list[Complex]:
        return [c for c in self.complexes if c.role == "signal"]

    def strands(self) -> dict[str, list[str]]:
        """Distinct strands (by domain sequence), named after the first complex holding each."""
        out: dict[str, list[str]] = {}
        seen: dict[tuple[str, ...], str] = {}
        for cx in self.complexes:
            for i, s in enumerate(cx.strands):
                key = tuple(s)
                if key in seen:
                    continue
                name = cx.name if len(cx.strands) == 1 else f"{cx.name}_s{i + 1}"
                seen[key] = name
                out[name] = s
        return out

    def strand_names(self) -> dict[tuple[str, ...], str]:
        """Domain sequence -> the name :meth:`strands` gives that strand."""
        return {tuple(s): n for n, s in self.strands().items()}

    def to_pil(self) -> str:
        """The system as PIL that the ``peppercorn`` command reads unchanged.

        Every formal species' signal strand is listed; those with no initial
        concentration are written at 0 nM (Peppercorn then skips them unless another
        complex produces them; ``dsdcrn enumerate`` always starts from all signals).
        """
        lines = [
            f"# Domain-level system compiled by dsdcrn with scheme {self.scheme}",
            f"# Formal CRN: {self.formal.name}",
        ]
        for r in self.rewrite_notes:
            lines.append(f"# rewrite: {r}")
        lines.append("")
        lines.append("# Domains (nt)")
        for d in self.domains.values():
            lines.append(f"length {d.name} = {d.length}")
        for role, title in (("signal", "Signals"), ("fuel", "Fuels (held in excess)")):
            lines.append("")
            lines.append(f"# {title}")
            for cx in self.complexes:
                if cx.role == role:
                    note = f"  # {cx.part}" if cx.part else ""
                    lines.append(
                        f"{cx.name} = {cx.kernel} @initial {cx.concentration_nM:g} nM{note}"
                    )
        return "\n".join(lines) + "\n"
