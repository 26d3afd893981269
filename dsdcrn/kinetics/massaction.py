"""Deterministic mass-action simulation of CRNs and comparison of trajectories.

Units throughout: concentrations in nM, times in s, and the rate constant of a
reaction with n reactant molecules (``2A`` counts 2) in /nM^(n-1)/s, so a
unimolecular constant is in /s and a bimolecular one in /nM/s.

The rate law is plain mass action, ``v = k * prod_i c_i ** m_i`` with ``m_i`` the
multiplicity of reactant i, *without* the ``1/m_i!`` factor of the stochastic
convention; ``2A -> B`` at rate k therefore gives ``dA/dt = -2 k A**2``.

Any sequence of objects with ``.reactants``, ``.products`` (tuples of species
names, repeats for multiplicity) and ``.rate`` can be simulated, so formal
reactions (:class:`dsdcrn.model.crn.Reaction`) and DSD implementation reactions alike.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from dsdcrn.errors import DsdcrnError
from dsdcrn.io import write_atomic

__all__ = [
    "DeadlinePassed",
    "KLUFactoriser",
    "MassAction",
    "Trajectory",
    "check_simulation_input",
    "compare",
    "initial_state",
    "integrate",
    "plot_comparison",
    "simulate",
    "solution_values",
    "species_order",
]

#: Reference peaks below this (nM) make ``max_rel_error`` undefined (nan).
PEAK_FLOOR_NM = 1e-9


class ReactionLike(Protocol):
    """Anything with reactant and product multisets and a rate constant."""

    reactants: Sequence[str]
    products: Sequence[str]
    rate: float


@dataclass
class Trajectory:
    """Concentrations of named species sampled at a set of times.

    Attributes
    ----------
    times : np.ndarray
        Sample times in s, shape (T,).
    species : list[str]
        Column names.
    values : np.ndarray
        Concentrations in nM, shape (T, S); column j belongs to ``species[j]``.
    """

    times: np.ndarray
    species: list[str]
    values: np.ndarray

    def get(self, name: str) -> np.ndarray:
        """Concentration of ``name`` over time (nM, shape (T,))."""
        try:
            j = self.species.index(name)
        except ValueError:
            raise DsdcrnError(f"species {name!r} is not in the trajectory") from None
        return self.values[:, j]

    def project(self, mapping: Mapping[str, Mapping[str, int]], names: list[str]) -> Trajectory:
        """Map implementation species onto formal species.

        Parameters
        ----------
        mapping : dict[str, dict[str, int]]
            Implementation species -> {formal species: multiplicity}.  Species of
            this trajectory absent from ``mapping`` contribute nothing, and formal
            species in the inner dicts but not in ``names`` are ignored.
        names : list[str]
            Formal species, one output column each, in this order.

        Returns
        -------
        Trajectory
            Same times; column f is ``sum_i mapping[i][f] * c_i`` (nM).
        """
        col = {f: j for j, f in enumerate(names)}
        rows, cols, vals = [], [], []
        for i, s in enumerate(self.species):
            for f, mult in mapping.get(s, {}).items():
                if f in col and mult:
                    rows.append(i)
                    cols.append(col[f])
                    vals.append(float(mult))
        proj = sp.csr_matrix(
            (vals, (rows, cols)), shape=(len(self.species), len(names)), dtype=float
        )
        values = np.asarray((proj.T @ self.values.T).T, dtype=float).reshape(
            len(self.times), len(names)
        )
        return Trajectory(self.times.copy(), list(names), values)


class DeadlinePassed(Exception):
    """Raised inside the right-hand side when the wall-time budget is spent."""


class MassAction:
    """Vectorised mass-action right-hand side and analytic sparse Jacobian.

    Parameters
    ----------
    reactions : sequence of reaction-like objects
        Rate constants in /nM^(n-1)/s, n the number of reactant molecules.
    species : sequence of str, optional
        Species order of the state vector; species in the reactions but not
        here are appended in order of first appearance.
    constant : set of str, optional
        Species whose derivative is held at zero.

    Notes
    -----
    ``rhs(y)`` is ``N @ v(y)`` with ``N`` the (S, R) net stoichiometry (rows of
    constant species zeroed) and ``v_j = k_j * prod_i y_i ** m_ij``.  Reactants
    are stored as an (R, n_max) table of species indices padded with a slot that
    always holds 1, so rates are a row product and the derivative with respect to
    one slot is the product of the other slots (prefix/suffix products, no
    division, exact at zero concentrations).  The Jacobian ``N @ dv/dy`` has a
    fixed sparsity pattern; its data are one precomputed sparse mat-vec.
    """

    def __init__(
        self,
        reactions: Iterable[ReactionLike],
        species: Sequence[str] = (),
        constant: Iterable[str] = frozenset(),
    ) -> None:
        reactions = list(reactions)
        order: dict[str, int] = {}
        for s in species:
            order.setdefault(s, len(order))
        for r in reactions:
            for s in tuple(r.reactants) + tuple(r.products):
                order.setdefault(s, len(order))
        self.species: list[str] = list(order)
        self.index: dict[str, int] = order
        self.constant = frozenset(constant)
        n_s, n_r = len(order), len(reactions)
        self.n_species, self.n_reactions = n_s, n_r

        rates = np.array([float(r.rate) for r in reactions], dtype=float)
        bad = np.flatnonzero(~np.isfinite(rates) | (rates < 0))
        if bad.size:
            r = reactions[int(bad[0])]
            raise DsdcrnError(
                f"reaction {_show(r)} has rate constant {r.rate!r}; need a finite number >= 0"
            )
        self.rates = rates

        # Reactant slot table, padded with index n_s (the always-1 slot).
        n_max = max((len(r.reactants) for r in reactions), default=0)
        slots = np.full((n_r, max(n_max, 1)), n_s, dtype=np.intp)
        for j, r in enumerate(reactions):
            slots[j, : len(r.reactants)] = [order[s] for s in r.reactants]
        self._slots, self._slot_columns = slots, list(np.ascontiguousarray(slots.T))

        # Net stoichiometry N (S x R); constant species get zero rows.
        rows, cols, vals = [], [], []
        for j, r in enumerate(reactions):
            for s in r.reactants:
                rows.append(order[s])
                cols.append(j)
                vals.append(-1.0)
            for s in r.products:
                rows.append(order[s])
                cols.append(j)
                vals.append(1.0)
        n_mat = sp.coo_matrix((vals, (rows, cols)), shape=(n_s, n_r)).tocsr()
        n_mat.sum_duplicates()
        if self.constant:
            keep = np.array([s not in self.constant for s in self.species], dtype=float)
            n_mat = sp.diags(keep) @ n_mat
        n_mat.eliminate_zeros()
        self.stoichiometry: sp.csr_matrix = sp.csr_matrix(n_mat)

        # Jacobian pattern: J[s, i] = sum_{j,p: slots[j,p]=i} N[s,j] * d[j,p].
        # Build the matrix A with J.data = A @ d.ravel() once.
        j_idx, p_idx = np.nonzero(slots < n_s)
        flat = j_idx * slots.shape[1] + p_idx  # position in d.ravel()
        col_of_slot = slots[j_idx, p_idx]
        n_csc = self.stoichiometry.tocsc()
        counts = np.diff(n_csc.indptr)[j_idx]  # nonzeros of N in column j, per slot
        rep = np.repeat(np.arange(j_idx.size), counts)
        starts = n_csc.indptr[j_idx]
        offs = np.arange(rep.size) - np.repeat(np.cumsum(counts) - counts, counts)
        nz = np.repeat(starts, counts) + offs
        t_rows = n_csc.indices[nz]  # species s
        t_cols = col_of_slot[rep]  # species i
        t_coef = n_csc.data[nz]  # N[s, j]
        t_flat = flat[rep]
        pattern = sp.csr_matrix((np.ones(t_rows.size), (t_rows, t_cols)), shape=(n_s, n_s))
        pattern.sum_duplicates()
        pattern.sort_indices()
        self._jac_indices = pattern.indices.copy()
        self._jac_indptr = pattern.indptr.copy()
        # Position of each (row, col) term inside the csr data array.
        key_pat = np.repeat(np.arange(n_s), np.diff(pattern.indptr)) * n_s + pattern.indices
        key_t = t_rows.astype(np.int64) * n_s + t_cols
        pos = np.searchsorted(key_pat.astype(np.int64), key_t)
        self._jac_map = sp.csr_matrix((t_coef, (pos, t_flat)), shape=(pattern.nnz, slots.size))
        self.deadline: float | None = None

    # ------------------------------------------------------------------ model
    def _check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlinePassed

    def _padded(self, y: np.ndarray) -> np.ndarray:
        ypad = np.empty(self.n_species + 1)
        ypad[:-1] = y
        ypad[-1] = 1.0
        return ypad

    def fluxes(self, y: np.ndarray) -> np.ndarray:
        """Reaction rates ``v_j = k_j prod_i y_i ** m_ij`` (nM/s, shape (R,))."""
        ypad = self._padded(y)
        v = self.rates.copy()
        for column in self._slot_columns:  # a product slot by slot: no (R, n_max) table
            v *= ypad[column]
        return v

    def rhs(self, y: np.ndarray) -> np.ndarray:
        """Time derivative dy/dt (nM/s, shape (S,)) at concentrations ``y`` (nM)."""
        self._check_time()
        return self.stoichiometry @ self.fluxes(np.asarray(y, dtype=float))

    def jacobian(self, y: np.ndarray) -> sp.csr_matrix:
        """Exact Jacobian d(rhs)/dy as a sparse (S, S) csr matrix (/s)."""
        self._check_time()
        vals = self._padded(np.asarray(y, dtype=float))[self._slots]  # (R, n_max)
        ones = np.ones((vals.shape[0], 1))
        prefix = np.cumprod(np.hstack([ones, vals[:, :-1]]), axis=1)
        suffix = np.cumprod(np.hstack([ones, vals[:, :0:-1]]), axis=1)[:, ::-1]
        d = (self.rates[:, None] * prefix * suffix).ravel()
        data = self._jac_map @ d
        return sp.csr_matrix(
            (data, self._jac_indices, self._jac_indptr), shape=(self.n_species,) * 2
        )

    @property
    def sparsity(self) -> sp.csr_matrix:
        """Structural non-zero pattern of the Jacobian (S, S), ones as data."""
        return sp.csr_matrix(
            (np.ones(self._jac_indices.size), self._jac_indices, self._jac_indptr),
            shape=(self.n_species,) * 2,
        )


def _show(r: Any) -> str:
    left = " + ".join(r.reactants) or "0"
    right = " + ".join(r.products) or "0"
    return f"{left} -> {right}"


def simulate(
    reactions: Iterable[ReactionLike],
    initial: Mapping[str, float],
    t_end: float,
    *,
    constant: Iterable[str] = frozenset(),
    n_points: int = 201,
    rtol: float = 1e-8,
    atol: float = 1e-6,
    method: str = "BDF",
    max_seconds: float | None = 120.0,
) -> Trajectory:
    """Integrate the deterministic mass-action ODEs of a CRN.

    Parameters
    ----------
    reactions : sequence of reaction-like objects
        Each with ``.reactants``, ``.products`` (species names, repeated for
        multiplicity) and ``.rate`` in /nM^(n-1)/s (n reactant molecules, so /s
        for unimolecular and /nM/s for bimolecular reactions).  The rate law is
        ``k * prod_i c_i ** m_i`` with no ``1/m_i!`` factor: ``2A -> B`` gives
        ``dA/dt = -2 k A**2``.
    initial : dict[str, float]
        Initial concentrations in nM; unlisted species start at 0.  Species only
        listed here still appear in the output (they stay constant).
    t_end : float
        End time in s; the output is sampled at ``n_points`` equally spaced times
        from 0 to ``t_end``.
    constant : set of str
        Species held at their initial concentration (zero derivative).
    n_points : int
        Number of output time points (>= 2).
    rtol, atol : float
        Solver tolerances (``atol`` in nM).
    method : str
        ``solve_ivp`` method; a stiff one ("BDF" or "Radau") uses the analytic
        sparse Jacobian.
    max_seconds : float or None
        Wall-time budget in s; None for no limit.

    Returns
    -------
    Trajectory
        Species in order of first appearance in the reactions, then ``initial``,
        then ``constant``; negative solver undershoots are clipped to 0 nM.

    Raises
    ------
    DsdcrnError
        Invalid input (negative or non-finite rate or concentration, t_end <= 0),
        solver failure, or the wall-time budget exceeded.
    """
    constant = set(constant)
    t_end = check_simulation_input(initial, t_end, n_points)
    reactions = list(reactions)
    model = MassAction(reactions, species_order(reactions, initial, constant), constant)
    sol = integrate(
        model,
        initial_state(model, initial),
        np.linspace(0.0, t_end, n_points),
        method=method,
        rtol=rtol,
        atol=atol,
        max_seconds=max_seconds,
    )
    return Trajectory(sol.t.copy(), model.species, solution_values(sol, n_points, t_end))


def check_simulation_input(initial: Mapping[str, float], t_end: float, n_points: int) -> float:
    """``t_end`` (s) as a float; :class:`DsdcrnError` for an end time that is not a
    positive number, fewer than 2 time points, or a negative or non-finite initial
    concentration (nM)."""
    t_end = float(t_end)
    if not math.isfinite(t_end) or t_end <= 0:
        raise DsdcrnError(f"simulation end time must be a positive number of s, got {t_end!r}")
    if n_points < 2:
        raise DsdcrnError(f"n_points must be at least 2, got {n_points}")
    for s, c in initial.items():
        if not (math.isfinite(float(c)) and float(c) >= 0):
            raise DsdcrnError(f"initial concentration of {s} is {c!r}; need a finite number >= 0")
    return t_end


def species_order(
    reactions: Sequence[ReactionLike], initial: Mapping[str, float], constant: Iterable[str]
) -> list[str]:
    """Species in order of first appearance in the reactions, then ``initial``, then the
    ``constant`` species not seen yet (sorted)."""
    order: dict[str, None] = {}
    for r in reactions:
        order.update(dict.fromkeys((*r.reactants, *r.products)))
    order.update(dict.fromkeys(initial))
    order.update(dict.fromkeys(sorted(constant)))
    return list(order)


def initial_state(model: MassAction, initial: Mapping[str, float]) -> np.ndarray:
    """The state vector (nM, shape (S,)) of ``model`` with ``initial``; others at 0."""
    y0 = np.zeros(model.n_species)
    for s, c in initial.items():
        y0[model.index[s]] = float(c)
    return y0


class KLUFactors:
    """KLU's factors of one sparse matrix (SuiteSparse's LU for circuit-like matrices,
    through kvxopt): block triangular form, AMD ordering within the blocks, partial
    pivoting.  A :class:`KLUFactoriser` makes them; ``solve`` as SuperLU's factors do."""

    def __init__(self, shape: tuple[int, int], handles: tuple[Any, Any, Any]) -> None:
        self.shape = shape
        self._matrix, self._symbolic, self._numeric = handles

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x with A x = b (b of shape (n,))."""
        from kvxopt import klu, matrix

        x = matrix(np.ascontiguousarray(b, dtype=float))
        klu.solve(self._matrix, self._symbolic, self._numeric, x)
        return np.array(x).ravel()


class KLUFactoriser:
    """Factorises sparse matrices of one fixed pattern with KLU: the symbolic analysis
    (ordering) once per pattern, a numeric factorisation per matrix.  A matrix KLU finds
    singular, or a pattern change, falls back or re-analyses; never a wrong answer."""

    def __init__(self) -> None:
        self._pattern: tuple[np.ndarray, np.ndarray] | None = None
        self._handles: tuple[Any, Any] | None = None  # (kvxopt matrix, symbolic)
        self.analyses = 0  # symbolic analyses (orderings) made: one a pattern

    def __call__(self, a: sp.spmatrix) -> Any:
        from kvxopt import klu, matrix, spmatrix

        a = sp.csc_matrix(a)
        a.sort_indices()
        pattern = self._pattern
        if pattern is None or not (np.array_equal(pattern[0], a.indptr)
                                   and np.array_equal(pattern[1], a.indices)):  # fmt: skip
            cols = np.repeat(np.arange(a.shape[1], dtype=np.int64), np.diff(a.indptr))
            rows = a.indices.astype(np.int64)
            k = spmatrix(matrix(a.data), matrix(rows), matrix(cols), a.shape)
            self._pattern = (a.indptr.copy(), a.indices.copy())
            self._handles = (k, klu.symbolic(k))
            self.analyses += 1
        assert self._handles is not None
        k, symbolic = self._handles
        k.V = matrix(a.data)
        try:
            numeric = klu.numeric(k, symbolic)
        except ArithmeticError:  # singular to KLU's pivoting: SuperLU's threshold pivots
            from scipy.sparse.linalg import splu

            return splu(a, permc_spec="MMD_AT_PLUS_A")
        return KLUFactors(a.shape, (k, symbolic, numeric))


@functools.cache
def sparse_bdf() -> type:
    """scipy's BDF (:class:`scipy.integrate.BDF`) factorising its sparse Newton matrices
    I - c J with KLU (:class:`KLUFactoriser`: ordered once, as their pattern never
    changes) instead of SuperLU, ordered anew at every factorisation.  Measured on the
    Kang-Kim 2-2-1 DSD circuit (1,688 species integrated): a factorisation 0.72 ms
    against SuperLU's 2.5 ms with its best ordering (minimum degree on Aᵀ + A, diagonal
    pivots preferred) and 5 ms with its default; a solve 0.06 ms against 0.11 ms.
    Pass it as ``solve_ivp``'s ``method``."""
    from scipy.integrate import BDF

    class SparseBDF(BDF):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if sp.issparse(self.J):
                self._factorise = KLUFactoriser()
                self.lu = self._lu

        def _lu(self, a: sp.spmatrix) -> Any:
            self.nlu += 1
            return self._factorise(a)

    return SparseBDF


def solver(method: str) -> Any:
    """``solve_ivp``'s ``method`` for the name ``method``: BDF is :func:`sparse_bdf`."""
    return sparse_bdf() if method == "BDF" else method


def integrate(
    model: MassAction,
    y0: np.ndarray,
    t_eval: np.ndarray,
    *,
    method: str = "BDF",
    rtol: float = 1e-8,
    atol: float = 1e-6,
    max_seconds: float | None = 120.0,
) -> Any:
    """Solve ``model`` from ``y0`` (nM) at 0 s to ``t_eval[-1]`` s, sampled at ``t_eval``.

    A stiff ``method`` ("BDF", "Radau") gets the analytic sparse Jacobian.  Returns
    ``solve_ivp``'s solution; :class:`DsdcrnError` when ``max_seconds`` of wall time
    pass (None: no limit) or the solver cannot start.
    """
    t_end = float(t_eval[-1])

    def fun(_t: float, y: np.ndarray) -> np.ndarray:
        return model.rhs(y)

    def jac(_t: float, y: np.ndarray) -> sp.csr_matrix:
        return model.jacobian(y)

    from scipy.integrate import solve_ivp  # 0.2 s to import: only when simulating

    options: dict[str, Any] = {"jac": jac} if method in ("BDF", "Radau") else {}
    start = time.monotonic()
    model.deadline = None if max_seconds is None else start + float(max_seconds)
    try:
        return solve_ivp(fun, (0.0, t_end), y0, method=solver(method), t_eval=t_eval,
                         rtol=rtol, atol=atol, **options)  # fmt: skip
    except DeadlinePassed:
        raise DsdcrnError(
            f"simulation exceeded {max_seconds:g} s of wall time ({model.n_species} species, "
            f"{model.n_reactions} reactions, t_end = {t_end:g} s)"
        ) from None
    except ValueError as err:  # e.g. an unknown method name
        raise DsdcrnError(f"simulation could not start: {err}") from None
    finally:
        model.deadline = None


def solution_values(sol: Any, n_points: int, t_end: float) -> np.ndarray:
    """Concentrations (nM, shape (T, S)) of a ``solve_ivp`` solution, negative solver
    undershoots clipped to 0; :class:`DsdcrnError` if the solver failed before
    ``t_end`` s (fewer than ``n_points`` samples) or gave non-finite values."""
    if not sol.success or sol.y.shape[1] != n_points:
        t_fail = sol.t[-1] if sol.t.size else 0.0
        msg = " ".join(str(sol.message).split())
        raise DsdcrnError(f"simulation failed at t = {t_fail:g} s of {t_end:g} s: {msg}")
    values = sol.y.T.copy()
    if not np.all(np.isfinite(values)):
        raise DsdcrnError("simulation produced non-finite concentrations")
    np.clip(values, 0.0, None, out=values)
    return values


def compare(reference: Trajectory, other: Trajectory) -> dict[str, dict[str, float]]:
    """Per-species error of ``other`` against ``reference``.

    Only species in both trajectories are compared; both must share the same
    sample times.

    Returns
    -------
    dict[str, dict[str, float]]
        For each shared species:

        ``rmse_nM``
            root-mean-square of ``other - reference`` over the time points (nM);
        ``max_rel_error``
            ``max_t |other - reference| / max_t |reference|``: the worst absolute
            error relative to the species' peak, so it stays defined when the
            reference passes through 0.  It is ``nan`` when the reference peak is
            below 1e-9 nM, where no meaningful scale exists (use ``rmse_nM``);
        ``peak_nM``
            ``max_t |reference|`` (nM).

    Raises
    ------
    DsdcrnError
        If the two trajectories have different sample times.
    """
    if reference.times.shape != other.times.shape or not np.allclose(
        reference.times, other.times, rtol=1e-12, atol=0.0
    ):
        raise DsdcrnError("cannot compare trajectories sampled at different times")
    other_index = {s: j for j, s in enumerate(other.species)}
    result: dict[str, dict[str, float]] = {}
    for i, s in enumerate(reference.species):
        if s not in other_index:
            continue
        ref = reference.values[:, i]
        diff = other.values[:, other_index[s]] - ref
        peak = float(np.max(np.abs(ref))) if ref.size else 0.0
        max_abs = float(np.max(np.abs(diff))) if diff.size else 0.0
        result[s] = {
            "rmse_nM": float(np.sqrt(np.mean(diff**2))) if diff.size else 0.0,
            "max_rel_error": max_abs / peak if peak >= PEAK_FLOOR_NM else float("nan"),
            "peak_nM": peak,
        }
    return result


def plot_comparison(
    reference: Trajectory,
    other: Trajectory,
    path: str | os.PathLike[str],
    *,
    title: str = "",
    reference_label: str = "formal CRN",
    other_label: str = "DSD implementation",
) -> None:
    """Plot two trajectories of the same species into one PNG.

    Each species of ``reference`` gets one colour: ``reference`` solid,
    ``other`` dashed (when it has the species).  Time in s, concentration in nM.
    The PNG is written to a temporary file beside ``path`` and moved into place,
    so ``path`` is never left half-written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(8, 5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = _colours(len(reference.species))
    other_index = {s: j for j, s in enumerate(other.species)}
    handles = []
    for i, s in enumerate(reference.species):
        c = colours[i]
        ax.plot(reference.times, reference.values[:, i], color=c, linestyle="-", linewidth=1.6)
        if s in other_index:
            ax.plot(
                other.times, other.values[:, other_index[s]], color=c, linestyle="--", linewidth=1.6
            )
        handles.append(Line2D([], [], color=c, linewidth=3, label=s))
    handles.append(Line2D([], [], color="black", linestyle="-", label=reference_label))
    handles.append(Line2D([], [], color="black", linestyle="--", label=other_label))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("concentration (nM)")
    if title:
        ax.set_title(title)
    ncol = 1 + len(handles) // 16
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        ncol=ncol,
        frameon=False,
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()

    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    cmap = colormaps["turbo"]
    return [cmap(i / max(n - 1, 1)) for i in range(n)]
