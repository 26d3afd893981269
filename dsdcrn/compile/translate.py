"""Translation: formal CRN + translation scheme -> domain-level system.

A translation scheme is a Python file (the built-in ones live in ``translations/``
and install as ``dsdcrn.translations``; a user passes a path to their own).  It
defines:

``NAME``, ``REFERENCE``
    the scheme's name and the paper it follows.
``MAX_REACTANTS``, ``MAX_PRODUCTS``
    the largest reactant and product counts it builds (``None``: any).
``ARITIES`` (optional)
    the set of (reactants, products) counts it builds natively, e.g.
    ``{(1, 0), (0, 1), (1, 1), (2, 2)}``; without it, 1 to ``MAX_REACTANTS``
    reactants and 0 to ``MAX_PRODUCTS`` products.  Other reactions are rewritten at
    the CRN level into native ones first (:mod:`dsdcrn.compile.rewrite`).
``DESIGN_KINDS`` (optional)
    maps a ``LENGTHS`` key other than ``toehold`` and ``long`` (e.g. ``clamp``) to the
    kind the sequence designer treats it as (``toehold`` or ``long``).
``KNOWN_ISSUES`` (optional)
    a sentence on known incorrectness, shown when verification says incorrect.
``RESERVED``
    a regular expression of species names the scheme keeps for its own complexes.
``VARIANTS`` (optional)
    maps each variant option the scheme reads (``compile_crn(..., variant={...})``)
    to a description, e.g. ``{"corrected": "..."}``.
``signal(species, module)``
    declares the species' signal complex on ``module`` (a :class:`Declarations`);
    returns its pattern, the domain names of the single-stranded signal with ``None``
    for the history domain.
``reaction(index, reactants, products, module)``
    declares the fuels (gates, helpers, buffers) that implement one irreversible
    reaction on ``module`` (a :class:`Declarations`).

Both functions call :meth:`Declarations.domain` and :meth:`Declarations.complex` and
read variant options from :attr:`Declarations.variant`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import ModuleType

from dsdcrn.compile.rewrite import Rewrite, rewrite_crn
from dsdcrn.errors import SchemeError
from dsdcrn.model.crn import CRN
from dsdcrn.model.design import DomainSpec
from dsdcrn.model.domains import Complex, DomainSystem, base, parse_kernel
from dsdcrn.options import FUEL_NM


@dataclass
class Declarations:
    """The domains and complexes a scheme declares for one signal or one reaction.

    A scheme's ``signal`` and ``reaction`` functions receive one and call
    :meth:`domain` and :meth:`complex` on it; ``variant`` holds the options of the
    scheme variant being built (keys of the scheme's ``VARIANTS``; empty: as published).
    """

    lengths: dict[str, int]
    domains: dict[str, DomainSpec] = field(default_factory=dict)
    parts: list[tuple[str, str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # LENGTHS key -> designer's kind
    variant: Mapping[str, object] = field(default_factory=dict)
    domain_nt: Mapping[str, int] = field(default_factory=dict)  # per-domain lengths, nt

    def length(self, name: str, kind: str) -> int:
        """Length (nt) domain ``name`` of ``kind`` gets: its own in ``domain_nt``, else
        the kind's."""
        if kind not in self.lengths:
            raise SchemeError(f"scheme declares domain {name!r} of unknown kind {kind!r}")
        return int(self.domain_nt.get(name, self.lengths[kind]))

    def domain(self, name: str, kind: str) -> str:
        """Declare domain ``name`` of ``kind`` (a key of the scheme's lengths); return the name."""
        spec = DomainSpec(name, self.length(name, kind), self.kinds.get(kind, kind))
        self.domains.setdefault(name, spec)
        return name

    def complex(self, name: str, kernel: str, part: str = "") -> None:
        """Declare a complex in kernel notation; ``part`` says which paper figure it is."""
        self.parts.append((name, kernel, part))


def available_schemes() -> list[str]:
    """Names of the built-in translation schemes."""
    root = resources.files("dsdcrn.translations")
    return sorted(
        p.name[:-3] for p in root.iterdir() if p.name.endswith(".py") and not p.name.startswith("_")
    )


def load_scheme(name_or_path: str) -> ModuleType:
    """Load a built-in scheme by name, or a scheme file by path.

    ``name_or_path`` is a path when it contains ``/`` (or the system's separator) or
    ends in ``.py``; anything else is a built-in name, whatever files the working
    folder holds.  A scheme file is Python code and runs with the user's rights.
    """
    name_or_path = str(name_or_path)
    is_path = (
        "/" in name_or_path
        or os.sep in name_or_path
        or bool(os.altsep and os.altsep in name_or_path)
        or name_or_path.endswith(".py")
    )
    if is_path:
        path = Path(name_or_path)
        if not path.is_file():
            problem = "is not a file" if path.exists() else "does not exist"
            raise SchemeError(f"scheme file {name_or_path!r} {problem}")
        digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
        modname = f"dsdcrn_user_scheme_{path.stem}_{digest}"
    else:
        if name_or_path not in available_schemes():
            raise SchemeError(
                f"unknown scheme {name_or_path!r}; built-in schemes: "
                + ", ".join(available_schemes())
                + " (give a scheme file as a path: ./NAME.py)"
            )
        path = Path(str(resources.files("dsdcrn.translations") / f"{name_or_path}.py"))
        modname = f"dsdcrn.translations.{name_or_path}"
    if modname in sys.modules:
        return sys.modules[modname]
    spec = importlib.util.spec_from_file_location(modname, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as err:  # a user's scheme may fail in any way
        raise SchemeError(f"{path}: scheme failed to load: {err}") from None
    for attr in ("NAME", "LENGTHS", "MAX_REACTANTS", "signal", "reaction"):
        if not hasattr(mod, attr):
            raise SchemeError(f"{path}: scheme defines no {attr}")
    sys.modules[modname] = mod
    return mod


def check_crn(crn: CRN, scheme: ModuleType) -> None:
    """Raise :class:`SchemeError` for anything in ``crn`` the scheme cannot build.

    Reactions of shapes the scheme does not build natively are fine when
    :func:`dsdcrn.compile.rewrite.rewrite_crn` can rewrite them; those it cannot are errors.
    """
    reserved = re.compile(getattr(scheme, "RESERVED", r"(?!)"))
    for s in crn.species:
        if reserved.fullmatch(s):
            rxn = next((r for r in crn.reactions if s in r.species), None)
            where = crn.where(rxn) if rxn else crn.source
            raise SchemeError(
                f"{where}: species name {s!r} is reserved by scheme {scheme.NAME} "
                f"(names matching {reserved.pattern!r}); rename it"
            )
    for rxn in crn.reactions:
        if rxn.reactants == rxn.products:
            raise SchemeError(f"{crn.where(rxn)}: reaction {rxn} changes nothing")
    rewrite_crn(crn, scheme)  # raises for a reaction that cannot be rewritten


def compile_crn(
    crn: CRN,
    scheme: str | ModuleType,
    fuel_nM: float = FUEL_NM,
    variant: Mapping[str, object] | None = None,
    domain_nt: Mapping[str, int] | None = None,
    first: Mapping[int, str] | None = None,
) -> DomainSystem:
    """Translate a formal CRN into a domain-level system.

    Parameters
    ----------
    crn : the formal CRN; its initial concentrations (nM) become the signals'.
    scheme : a scheme name, path, or loaded scheme module.
    fuel_nM : concentration of every fuel complex (gates, helpers, buffers), nM.
    variant : options of the scheme's variants (keys of its ``VARIANTS``), e.g.
        ``{"corrected": True}`` for ``chen2013_2D``; the scheme reads them as
        :attr:`Declarations.variant`.  None or empty: the scheme as published.
    domain_nt : lengths (nt) of named domains that differ from their kind's length in
        the scheme's ``LENGTHS``, e.g. a shorter toehold chosen by rate realisation
        (:mod:`dsdcrn.kinetics.realise`).
    first : formal reaction number (1-based) -> the reactant its gate takes first (a
        join gate's first input; by default the first in sorted order), e.g. chosen by
        rate realisation so that one species' toehold serves similar rates.
    """
    if fuel_nM <= 0:
        raise SchemeError(f"fuel concentration must be > 0 nM, not {fuel_nM:g}")
    mod = load_scheme(scheme) if isinstance(scheme, str) else scheme
    options = check_variant(mod, variant)
    check_crn(crn, mod)
    rewrite = rewrite_crn(crn, mod)
    collector = ComplexCollector(mod.NAME, crn.initial, fuel_nM)

    def declarations() -> Declarations:
        kinds = dict(getattr(mod, "DESIGN_KINDS", {}))
        return Declarations(
            dict(mod.LENGTHS), kinds=kinds, variant=options, domain_nt=dict(domain_nt or {})
        )

    patterns = declare_signals(mod, rewrite, declarations, collector)
    declare_reactions(mod, rewrite, declarations, collector, first)
    check_unique_names(collector.complexes, mod.NAME)
    return DomainSystem(
        crn,
        mod.NAME,
        collector.domains,
        collector.complexes,
        patterns,
        rewrite=rewrite if rewrite.changed else None,
        known_issues=str(getattr(mod, "KNOWN_ISSUES", "") or ""),
        module_fuels=collector.module_fuels,
    )


def check_variant(scheme: ModuleType, variant: Mapping[str, object] | None) -> dict[str, object]:
    """The variant options as a dict; :class:`SchemeError` for one the scheme lacks.

    A scheme lists its variant options in ``VARIANTS`` (option name -> description).
    """
    options = dict(variant or {})
    known = dict(getattr(scheme, "VARIANTS", {}) or {})
    for key in options:
        if key not in known:
            have = ", ".join(sorted(known)) or "none"
            raise SchemeError(
                f"scheme {scheme.NAME} has no variant option {key!r} (its options: {have})"
            )
    return options


class ComplexCollector:
    """Gathers the domains and complexes of a scheme's declarations into one system.

    Parameters
    ----------
    scheme_name : the scheme's ``NAME``, for error messages.
    initial : initial concentrations of the formal species, nM.
    fuel_nM : concentration of every fuel complex, nM.
    """

    def __init__(self, scheme_name: str, initial: Mapping[str, float], fuel_nM: float) -> None:
        self.scheme_name = scheme_name
        self.initial = initial
        self.fuel_nM = fuel_nM
        self.domains: dict[str, DomainSpec] = {}
        self.complexes: list[Complex] = []
        # formal reaction (1-based) -> every fuel its gates use, shared ones too
        self.module_fuels: dict[int, list[str]] = {}
        self._fuel_keys: dict[tuple, str] = {}  # (strands, structure) -> first fuel's name

    def add(
        self,
        decl: Declarations,
        role: str,
        formal: str | None = None,
        index: int | None = None,
    ) -> None:
        """Add the domains and complexes of ``decl`` as ``role`` (``signal`` or ``fuel``).

        ``formal`` is the species a signal stands for, ``index`` the 1-based formal
        reaction a fuel implements.  A fuel with the strands and structure of one
        already added (e.g. a helper two reactions share) is that one species: only the
        first is kept, and it is recorded as used by both reactions.
        """
        self._add_domains(decl)
        for name, kernel, part in decl.parts:
            strands, structure = parse_kernel(kernel)
            for d in (d for s in strands for d in s):
                if base(d) not in self.domains:
                    raise SchemeError(
                        f"scheme {self.scheme_name}: complex {name} uses undeclared {d!r}"
                    )
            if role == "fuel" and not self._first_fuel(name, strands, structure, index):
                continue
            conc = self.initial.get(formal, 0.0) if role == "signal" else self.fuel_nM
            self.complexes.append(
                Complex(name, strands, structure, role, conc, formal, index, part)
            )

    def _add_domains(self, decl: Declarations) -> None:
        for name, dom in decl.domains.items():
            if name in self.domains and self.domains[name] != dom:
                raise SchemeError(
                    f"scheme {self.scheme_name} declares domain {name!r} twice, differently"
                )
            self.domains[name] = dom

    def _first_fuel(
        self, name: str, strands: list[list[str]], structure: list[str], index: int | None
    ) -> bool:
        """Record the fuel's use by reaction ``index``; whether it is a new species."""
        key = (tuple(map(tuple, strands)), tuple(structure))
        first = self._fuel_keys.get(key, name)
        if index is not None:
            uses = self.module_fuels.setdefault(index, [])
            if first not in uses:
                uses.append(first)
        if key in self._fuel_keys:
            return False
        self._fuel_keys[key] = name
        return True


def declare_signals(
    scheme: ModuleType,
    rewrite: Rewrite,
    declarations: Callable[[], Declarations],
    collector: ComplexCollector,
) -> dict[str, list[str | None]]:
    """Declare the signal of every species of the rewritten CRN; return their patterns.

    A species the rewrite introduced as a fuel is compiled as a fuel of its reaction.
    """
    fuel_species = set(rewrite.of_kind("fuel"))
    patterns: dict[str, list[str | None]] = {}
    for s in rewrite.crn.species:
        decl = declarations()
        patterns[s] = scheme.signal(s, decl)
        if s in fuel_species:
            collector.add(decl, "fuel", index=rewrite.species[s].reaction)
        else:
            collector.add(decl, "signal", formal=s)
    return patterns


def declare_reactions(
    scheme: ModuleType,
    rewrite: Rewrite,
    declarations: Callable[[], Declarations],
    collector: ComplexCollector,
    first: Mapping[int, str] | None = None,
) -> None:
    """Declare the fuels of every reaction of the rewritten CRN.

    Gates are numbered by the rewritten CRN's reactions (the same numbers when nothing
    was rewritten); each fuel records the original reaction it implements.  ``first``
    (original reaction number -> reactant) puts that reactant first when the reaction
    reaches the scheme unchanged.
    """
    for j, rxn in enumerate(rewrite.crn.reactions, start=1):
        decl = declarations()
        reactants = list(rxn.reactants)
        i = rewrite.origin[j - 1]
        lead = (first or {}).get(i)
        if lead in reactants and rxn == rewrite.original.reactions[i - 1]:
            reactants.remove(lead)
            reactants.insert(0, lead)
        scheme.reaction(j, reactants, list(rxn.products), decl)
        collector.add(decl, "fuel", index=rewrite.origin[j - 1])


def check_unique_names(complexes: list[Complex], scheme_name: str) -> None:
    """Raise :class:`SchemeError` when two complexes have the same name."""
    dup = {n for n, k in Counter(c.name for c in complexes).items() if k > 1}
    if dup:
        raise SchemeError(f"scheme {scheme_name} names two complexes {sorted(dup)[0]!r}")
