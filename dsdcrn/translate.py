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
    the CRN level into native ones first (:mod:`dsdcrn.rewrite`).
``DESIGN_KINDS`` (optional)
    maps a ``LENGTHS`` key other than ``toehold`` and ``long`` (e.g. ``clamp``) to the
    kind the sequence designer treats it as (``toehold`` or ``long``).
``KNOWN_ISSUES`` (optional)
    a sentence on known incorrectness, shown when verification says incorrect.
``RESERVED``
    a regular expression of species names the scheme keeps for its own complexes.
``signal(species, module)``
    declares the species' signal complex on ``module``; returns its pattern, the
    domain names of the single-stranded signal with ``None`` for the history domain.
``reaction(index, reactants, products, module)``
    declares the fuels (gates, helpers, buffers) that implement one irreversible
    reaction on ``module``.

Both functions call :meth:`Module.domain` and :meth:`Module.complex`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import ModuleType

from .crn import CRN, Reaction
from .dsd import Complex, Domain, DomainSystem, base, parse_kernel
from .errors import SchemeError
from .rewrite import rewrite_crn


@dataclass
class Module:
    """Collects the domains and complexes a scheme declares for one signal or reaction."""

    lengths: dict[str, int]
    domains: dict[str, Domain] = field(default_factory=dict)
    parts: list[tuple[str, str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # LENGTHS key -> designer's kind

    def domain(self, name: str, kind: str) -> str:
        """Declare domain ``name`` of ``kind`` (a key of the scheme's lengths); return the name."""
        if kind not in self.lengths:
            raise SchemeError(f"scheme declares domain {name!r} of unknown kind {kind!r}")
        self.domains.setdefault(name, Domain(name, self.lengths[kind], self.kinds.get(kind, kind)))
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
    :func:`dsdcrn.rewrite.rewrite_crn` can rewrite them; those it cannot are errors.
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


def compile_crn(crn: CRN, scheme: str | ModuleType, fuel_nM: float = 1000.0) -> DomainSystem:
    """Translate a formal CRN into a domain-level system.

    Parameters
    ----------
    crn : the formal CRN; its initial concentrations (nM) become the signals'.
    scheme : a scheme name, path, or loaded scheme module.
    fuel_nM : concentration of every fuel complex (gates, helpers, buffers), nM.
    """
    if fuel_nM <= 0:
        raise SchemeError(f"fuel concentration must be > 0 nM, not {fuel_nM:g}")
    mod = load_scheme(scheme) if isinstance(scheme, str) else scheme
    check_crn(crn, mod)
    rewrite = rewrite_crn(crn, mod)
    fuel_species = set(rewrite.of_kind("fuel"))
    lengths = dict(mod.LENGTHS)
    kinds = dict(getattr(mod, "DESIGN_KINDS", {}))
    complexes: list[Complex] = []
    domains: dict[str, Domain] = {}
    patterns: dict[str, list[str | None]] = {}
    fuel_keys: dict[tuple, str] = {}
    module_fuels: dict[int, list[str]] = {}  # formal reaction -> every fuel its gates use

    def collect(module: Module, role: str, formal=None, index=None) -> None:
        for name, dom in module.domains.items():
            if name in domains and domains[name] != dom:
                raise SchemeError(f"scheme {mod.NAME} declares domain {name!r} twice, differently")
            domains[name] = dom
        for name, kernel, part in module.parts:
            strands, structure = parse_kernel(kernel)
            for d in (d for s in strands for d in s):
                if base(d) not in domains:
                    raise SchemeError(f"scheme {mod.NAME}: complex {name} uses undeclared {d!r}")
            conc = crn.initial.get(formal, 0.0) if role == "signal" else fuel_nM
            if role == "fuel":
                # A fuel another reaction already declared (e.g. a helper strand shared by
                # two reactions of a two-domain scheme) is one species: keep the first.
                key = (tuple(map(tuple, strands)), tuple(structure))
                if index is not None:
                    uses = module_fuels.setdefault(index, [])
                    if fuel_keys.get(key, name) not in uses:
                        uses.append(fuel_keys.get(key, name))
                if key in fuel_keys:
                    continue
                fuel_keys[key] = name
            complexes.append(Complex(name, strands, structure, role, conc, formal, index, part))

    # Signals of every species of the rewritten CRN; a rewrite's fuel species is a fuel.
    # Gates are numbered by the rewritten CRN's reactions (the same numbers when nothing
    # was rewritten); each complex records the original reaction it implements.
    for s in rewrite.crn.species:
        module = Module(lengths, kinds=kinds)
        patterns[s] = mod.signal(s, module)
        if s in fuel_species:
            collect(module, "fuel", index=rewrite.species[s].reaction)
        else:
            collect(module, "signal", formal=s)
    for j, rxn in enumerate(rewrite.crn.reactions, start=1):
        module = Module(lengths, kinds=kinds)
        mod.reaction(j, list(rxn.reactants), list(rxn.products), module)
        collect(module, "fuel", index=rewrite.origin[j - 1])
    names = [c.name for c in complexes]
    dup = {n for n, k in Counter(names).items() if k > 1}
    if dup:
        raise SchemeError(f"scheme {mod.NAME} names two complexes {sorted(dup)[0]!r}")
    notes = rewrite.to_comment(prefix="").splitlines()
    return DomainSystem(
        crn,
        mod.NAME,
        domains,
        complexes,
        patterns,
        rewrites=notes,
        rewrite=rewrite if rewrite.changed else None,
        known_issues=str(getattr(mod, "KNOWN_ISSUES", "") or ""),
        module_fuels=module_fuels,
    )


def reaction_of(system: DomainSystem, index: int) -> Reaction:
    """The formal reaction with 1-based ``index``."""
    return system.formal.reactions[index - 1]
