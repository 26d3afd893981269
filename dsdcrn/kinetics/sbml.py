"""SBML export of mass-action CRNs and an independent check with libRoadRunner.

:func:`to_sbml` writes a CRN as an SBML Level 3 Version 2 document that reproduces
dsdcrn's deterministic kinetics (:mod:`dsdcrn.kinetics.massaction`) exactly, and
:func:`simulate_sbml` integrates such a document with libRoadRunner's CVODE, so a
second, unrelated simulator can check dsdcrn's own.

Conventions of the exported document:

* Units: substance and extent in nanomole, volume in litre, time in second.  One
  compartment, ``solution``, of 1 L holds every species.  Species carry
  concentrations (``hasOnlySubstanceUnits="false"``), so an initial concentration in
  nM (unit ``nM`` = nmol/L) is also the amount in nmol in that litre.  The volume is
  a bookkeeping convention: deterministic mass action in one well-mixed compartment
  does not depend on it, since every rate law is multiplied by the volume (giving an
  extent rate in nmol/s) and SBML divides by it again to get d[X]/dt.
* Each reaction is irreversible with a local parameter ``k`` in /nM^(n-1)/s (n the
  number of reactant molecules; a unit definition per order used: ``nM_per_s``,
  ``per_s``, ``per_nM_per_s``, ``per_nM2_per_s``, ...) and the kinetic law
  ``solution * k * A * A * B`` for ``2A + B``: plain mass action without the
  ``1/m!`` factor, so ``2A -> B`` gives ``d[A]/dt = -2 k [A]**2``.
* Species named by valid SBML identifiers keep their name as id; any other name
  (e.g. ``x-1``, ``3A``, or an id SBML or MathML reserves here such as ``k`` or
  ``time``) gets a safe id, and the original is always the species' ``name``.
* Species held constant have ``boundaryCondition="true"`` and ``constant="true"``.
* libsbml writes numbers with 15 significant digits, so a rate constant or initial
  concentration read back from the document is within 5e-15 of it, relatively.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import libsbml
import numpy as np

from dsdcrn.errors import DsdcrnError, SimulationBoundError
from dsdcrn.io import write_atomic
from dsdcrn.kinetics.massaction import (
    ReactionLike,
    Trajectory,
    check_simulation_input,
    species_order,
)

__all__ = ["COMPARTMENT", "simulate_sbml", "to_sbml", "write_sbml"]

#: Id of the single compartment (volume 1 L).
COMPARTMENT = "solution"
#: Id of each reaction's local rate-constant parameter.
RATE_PARAMETER = "k"

_SID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Ids a species may not take: the compartment, the local parameter (it would shadow
# the species inside every kinetic law) and MathML/SBML constants and csymbols.
_RESERVED = frozenset(
    {
        COMPARTMENT,
        RATE_PARAMETER,
        "avogadro",
        "e",
        "exponentiale",
        "false",
        "inf",
        "infinity",
        "nan",
        "notanumber",
        "pi",
        "time",
        "true",
    }
)
_LEVEL, _VERSION = 3, 2
_MAX_STEPS = 200_000  # CVODE steps allowed between two output times


def _check_ok(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        msg = libsbml.OperationReturnValue_toString(code)
        raise DsdcrnError(f"could not build SBML ({what}): {msg}")


def _safe_id(name: str, taken: set[str]) -> str:
    """A valid SId for ``name``, distinct from ``taken`` (which it joins)."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "s"
    if not re.match(r"[A-Za-z_]", base):
        base = f"s_{base}"
    sid, n = base, 1
    while sid in taken or sid in _RESERVED:
        sid, n = f"{base}_{n}", n + 1
    taken.add(sid)
    return sid


def _species_ids(names: Sequence[str]) -> dict[str, str]:
    """Name -> SId: a name that is a valid, unreserved SId is its own id; any other
    gets a sanitised id that clashes with none of them."""
    own = {s for s in names if _SID.match(s) and s not in _RESERVED}
    taken = set(own)
    return {s: s if s in own else _safe_id(s, taken) for s in names}


def _number(x: Any) -> float:
    """``x`` as a finite float, or nan when it is not one."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def _check_reactions(reactions: Sequence[ReactionLike]) -> None:
    for r in reactions:
        names = (*r.reactants, *r.products)
        if not all(isinstance(s, str) and s for s in names):
            raise DsdcrnError(f"reaction {r!r} has a species name that is not a non-empty string")
        if not _number(r.rate) >= 0:
            left, right = " + ".join(r.reactants) or "0", " + ".join(r.products) or "0"
            raise DsdcrnError(
                f"reaction {left} -> {right} has rate constant {r.rate!r}; "
                "need a finite number >= 0"
            )


def _rate_unit_id(order: int) -> str:
    """Unit id of a rate constant for ``order`` reactant molecules (/nM^(order-1)/s)."""
    if order == 0:
        return "nM_per_s"
    if order == 1:
        return "per_s"
    return "per_nM_per_s" if order == 2 else f"per_nM{order - 1}_per_s"


def _add_unit(model: Any, uid: str, parts: Iterable[tuple[int, float, int]]) -> None:
    ud = model.createUnitDefinition()
    _check_ok(ud.setId(uid), f"unit {uid}")
    for kind, exponent, scale in parts:
        unit = ud.createUnit()
        unit.setKind(kind)
        unit.setExponent(exponent)
        unit.setScale(scale)
        unit.setMultiplier(1.0)


def _add_units(model: Any, orders: Iterable[int]) -> None:
    """Unit definitions: nanomole, nM, and one rate-constant unit per reaction order."""
    mole, litre, second = libsbml.UNIT_KIND_MOLE, libsbml.UNIT_KIND_LITRE, libsbml.UNIT_KIND_SECOND
    _add_unit(model, "nanomole", [(mole, 1, -9)])
    _add_unit(model, "nM", [(mole, 1, -9), (litre, -1, 0)])
    for order in sorted(set(orders)):
        parts = [(second, -1, 0)]
        if order != 1:
            parts = [(mole, 1 - order, -9), (litre, order - 1, 0), *parts]
        _add_unit(model, _rate_unit_id(order), parts)
    model.setSubstanceUnits("nanomole")
    model.setExtentUnits("nanomole")
    model.setVolumeUnits("litre")
    model.setTimeUnits("second")


def _add_species(
    model: Any, names: Sequence[str], initial: Mapping[str, float], constant: frozenset[str]
) -> dict[str, str]:
    """Add every species; return name -> SId."""
    ids = _species_ids(names)
    for name in names:
        sp = model.createSpecies()
        _check_ok(sp.setId(ids[name]), f"species {name!r}")
        sp.setName(name)
        sp.setCompartment(COMPARTMENT)
        sp.setInitialConcentration(float(initial.get(name, 0.0)))
        sp.setHasOnlySubstanceUnits(False)
        sp.setBoundaryCondition(name in constant)
        sp.setConstant(name in constant)
    return ids


def _rate_law(ids: Sequence[str]) -> Any:
    """MathML ``solution * k * ids[0] * ids[1] * ...`` as a libsbml AST."""
    ast = libsbml.ASTNode(libsbml.AST_TIMES)
    for name in (COMPARTMENT, RATE_PARAMETER, *ids):
        leaf = libsbml.ASTNode(libsbml.AST_NAME)
        leaf.setName(name)
        ast.addChild(leaf)
    return ast


def _add_reaction(model: Any, rid: str, r: ReactionLike, ids: Mapping[str, str]) -> None:
    rxn = model.createReaction()
    _check_ok(rxn.setId(rid), f"reaction {rid}")
    rxn.setReversible(False)
    for side, create in ((r.reactants, rxn.createReactant), (r.products, rxn.createProduct)):
        for name, count in Counter(side).items():
            ref = create()
            ref.setSpecies(ids[name])
            ref.setStoichiometry(float(count))
            ref.setConstant(True)
    law = rxn.createKineticLaw()
    k = law.createLocalParameter()
    k.setId(RATE_PARAMETER)
    k.setValue(float(r.rate))
    k.setUnits(_rate_unit_id(len(r.reactants)))
    _check_ok(law.setMath(_rate_law([ids[s] for s in r.reactants])), f"kinetic law of {rid}")


def _validate(doc: Any) -> None:
    """:class:`DsdcrnError` naming the first error libsbml's consistency checks find."""
    doc.checkConsistency()
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            msg = " ".join(err.getMessage().split())
            raise DsdcrnError(f"invalid SBML (libsbml {err.getErrorId()}): {msg}")


def to_sbml(
    reactions: Iterable[ReactionLike],
    initial_nM: Mapping[str, float],
    name: str,
    constant: Iterable[str] = frozenset(),
) -> str:
    """A CRN as an SBML Level 3 Version 2 document (conventions in the module notes).

    Parameters
    ----------
    reactions : sequence of reaction-like objects
        ``.reactants``, ``.products`` (species names, repeated for multiplicity) and
        ``.rate`` in /nM^(n-1)/s, n the number of reactant molecules.
    initial_nM : dict[str, float]
        Initial concentrations in nM; unlisted species start at 0 nM.
    name : str
        Model name (its id is a safe version of it).
    constant : set of str
        Species held at their initial concentration (boundary, constant).

    Returns
    -------
    str
        The SBML document as XML text.

    Raises
    ------
    DsdcrnError
        A negative or non-finite rate constant or initial concentration, a species
        name that is not a non-empty string, or a document libsbml finds invalid.
    """
    reactions, constant = list(reactions), frozenset(constant)
    _check_reactions(reactions)
    for s, c in initial_nM.items():
        if not (isinstance(s, str) and s and _number(c) >= 0):
            raise DsdcrnError(f"initial concentration of {s!r} is {c!r}; need a finite number >= 0")
    doc = libsbml.SBMLDocument(_LEVEL, _VERSION)
    model = doc.createModel()
    _check_ok(model.setId(_safe_id(name or "model", set())), "model id")
    model.setName(name or "model")
    _add_units(model, (len(r.reactants) for r in reactions))
    comp = model.createCompartment()
    comp.setId(COMPARTMENT)
    comp.setSize(1.0)
    comp.setSpatialDimensions(3.0)
    comp.setUnits("litre")
    comp.setConstant(True)
    ids = _add_species(model, species_order(reactions, initial_nM, constant), initial_nM, constant)
    taken = set(ids.values())
    for j, r in enumerate(reactions, start=1):
        _add_reaction(model, _safe_id(f"r{j}", taken), r, ids)
    _validate(doc)
    return libsbml.writeSBMLToString(doc)


def write_sbml(
    path: str | os.PathLike[str],
    reactions: Iterable[ReactionLike],
    initial_nM: Mapping[str, float],
    name: str,
    constant: Iterable[str] = frozenset(),
) -> Path:
    """Write :func:`to_sbml`'s document to ``path`` atomically; return the path."""
    return write_atomic(Path(path), to_sbml(reactions, initial_nM, name, constant))


def _read_species(sbml: str) -> tuple[list[str], list[str]]:
    """Species ids and display names (``name``, else the id) of an SBML document."""
    doc = libsbml.readSBMLFromString(sbml)
    if doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) or doc.getModel() is None:
        err = doc.getErrorWithSeverity(0, libsbml.LIBSBML_SEV_ERROR)
        msg = " ".join(err.getMessage().split()) if err is not None else "no model"
        raise DsdcrnError(f"cannot read SBML: {msg}")
    model = doc.getModel()
    ids, names = [], []
    for i in range(model.getNumSpecies()):
        sp = model.getSpecies(i)
        ids.append(sp.getId())
        names.append(sp.getName() or sp.getId())
    if len(set(names)) != len(names):  # names must identify columns
        names = ids
    return ids, names


def simulate_sbml(
    sbml: str, t_end_s: float, n_points: int = 201, rtol: float = 1e-10, atol: float = 1e-12
) -> Trajectory:
    """Integrate an SBML document with libRoadRunner's CVODE (stiff, BDF).

    Parameters
    ----------
    sbml : str
        SBML text, e.g. from :func:`to_sbml`.
    t_end_s : float
        End time in s; output at ``n_points`` equally spaced times from 0 s.
    n_points : int
        Number of output times (>= 2).
    rtol, atol : float
        CVODE's relative and absolute tolerance (``atol`` in the document's
        concentration unit, nM for :func:`to_sbml`'s documents).

    Returns
    -------
    Trajectory
        Concentrations (nM for :func:`to_sbml`'s documents) of every species in
        document order, named by their ``name`` attribute (the original dsdcrn
        names; ids when names are missing or repeated); solver undershoots below 0
        are clipped to 0, as :func:`dsdcrn.kinetics.massaction.simulate` does.

    Raises
    ------
    DsdcrnError
        Unreadable SBML, bad times or tolerances; :class:`SimulationBoundError` if
        libRoadRunner cannot load or integrate the model.
    """
    import roadrunner

    t_end = check_simulation_input({}, t_end_s, n_points)
    if not (rtol > 0 and atol > 0):
        raise DsdcrnError(f"tolerances must be positive, got rtol={rtol!r}, atol={atol!r}")
    ids, names = _read_species(sbml)
    try:
        rr = roadrunner.RoadRunner(sbml)
        rr.setIntegrator("cvode")
        integrator = rr.getIntegrator()
        integrator.setValue("relative_tolerance", float(rtol))
        integrator.setValue("absolute_tolerance", float(atol))
        integrator.setValue("maximum_num_steps", _MAX_STEPS)
        selections = ["time", *(f"[{sid}]" for sid in ids)]
        result = rr.simulate(0.0, t_end, int(n_points), selections)
    except RuntimeError as err:
        msg = " ".join(str(err).split())
        raise SimulationBoundError(f"libRoadRunner failed: {msg}") from None
    data = np.array(result, dtype=float).reshape(int(n_points), len(selections))
    values = data[:, 1:].copy()
    if not np.all(np.isfinite(values)):
        raise SimulationBoundError("libRoadRunner produced non-finite concentrations")
    np.clip(values, 0.0, None, out=values)
    return Trajectory(data[:, 0].copy(), names, values)
