"""Equilibrium concentrations of strands and the complexes they form (mass action).

Given total strand concentrations and, for each complex species, its strand composition
and its free energy relative to its strands apart, the equilibrium concentrations solve

    [s] = exp(-ΔG_s / RT) * prod_i [i]^(A_si)      (concentrations in M, standard state 1 M)
    sum_s A_si [s] = total_i

with ``[i]`` the free concentration of strand ``i``.  As in NUPACK's ``concentrations``
(Dirks et al., SIAM Review 2007) the problem is solved through its convex dual: minimise
``f(λ) = sum_s exp(-ΔG_s/RT + A_s·λ) - sum_i total_i λ_i`` over ``λ_i = ln [i]`` by a
trust-region (dogleg) Newton method, concentrations scaled by the largest total.
Strands alone are species with ``ΔG = 0`` and are added automatically.
"""

from __future__ import annotations

import numpy as np

from dsdcrn.errors import DesignError

__all__ = ["R_KCAL", "equilibrium", "rt"]

R_KCAL = 1.98720425864083e-3  # gas constant, kcal/(mol K)


def rt(temperature_C: float) -> float:
    """RT in kcal/mol at ``temperature_C`` (°C)."""
    return R_KCAL * (float(temperature_C) + 273.15)


def equilibrium(
    totals_M: np.ndarray,
    compositions: np.ndarray,
    dG: np.ndarray,
    temperature_C: float = 25.0,
    tol: float = 1e-9,
    max_iter: int = 500,
) -> np.ndarray:
    """Equilibrium concentration (M) of every complex species.

    Parameters
    ----------
    totals_M : numpy.ndarray
        Total concentration of each strand, M (n,; all > 0).
    compositions : numpy.ndarray
        Strand counts of each complex species (S, n); monomers need not be listed.
    dG : numpy.ndarray
        Free energy of each species relative to its separated strands, kcal/mol (S,),
        standard state 1 M (a ViennaRNA or NUPACK complex free energy minus those of its
        strands alone, symmetry corrections included).
    temperature_C : float
        Temperature, °C.
    tol : float
        Convergence: largest mass-balance error relative to each total.

    Returns
    -------
    numpy.ndarray
        Concentrations (M) of the species as given (S,), then of each free strand (n,).
    """
    x0 = np.asarray(totals_M, float)
    n = len(x0)
    if np.any(x0 <= 0):
        raise DesignError("equilibrium: every strand concentration must be positive")
    A = np.vstack([np.asarray(compositions, float).reshape(-1, n), np.eye(n)])
    # work in units of the largest total: x = x0 / u, lam = ln([i] / u)
    u = float(x0.max())
    x = x0 / u
    a = np.concatenate([-np.asarray(dG, float) / rt(temperature_C), np.zeros(n)])
    a = a + (A.sum(axis=1) - 1.0) * np.log(u)
    lam = np.log(x)
    over = (a + A @ lam - np.log(x.min())) / A.sum(axis=1)
    lam -= max(0.0, float(over.max()))  # start with no species above the smallest total

    def f(lm: np.ndarray) -> tuple[float, np.ndarray]:
        logc = a + A @ lm
        return float(np.exp(logc).sum() - x @ lm), logc

    val, logc = f(lam)
    radius = 1.0
    for _ in range(max_iter):
        c = np.exp(logc)
        grad = A.T @ c - x
        if np.all(np.abs(grad) <= tol * x):
            return c * u
        H = (A * c[:, None]).T @ A
        w, V = np.linalg.eigh(H)
        w = np.maximum(w, max(float(w.max()), 1e-300) * 1e-14)
        newton = -V @ ((V.T @ grad) / w)
        step = _dogleg(grad, H, newton, radius)
        pred = -(grad @ step + 0.5 * step @ H @ step)
        new_val, new_logc = f(lam + step)
        if step is newton and pred < 1e-12 * (1.0 + abs(val)):
            rho = 1.0  # below rounding noise: take the Newton step as it is
        else:
            rho = (val - new_val) / pred if pred > 0 else -1.0
        norm = float(np.linalg.norm(step))
        if rho < 0.25:
            radius = 0.25 * norm
        elif rho > 0.75 and norm >= 0.99 * radius:
            radius = min(2.0 * radius, 1e3)
        if rho > 1e-6:
            lam, val, logc = lam + step, new_val, new_logc
        if radius < 1e-14:
            break
    raise DesignError("equilibrium: concentrations did not converge")


def _dogleg(g: np.ndarray, H: np.ndarray, newton: np.ndarray, radius: float) -> np.ndarray:
    """Powell's dogleg step inside a trust region of ``radius``."""
    if np.linalg.norm(newton) <= radius:
        return newton
    gHg = float(g @ H @ g)
    gg = float(g @ g)
    cauchy = -(gg / gHg) * g if gHg > 0 else -radius * g / np.sqrt(gg)
    nc = float(np.linalg.norm(cauchy))
    if nc >= radius:
        return -radius * g / np.sqrt(gg)
    d = newton - cauchy
    # |cauchy + t d| = radius
    qa, qb, qc = float(d @ d), 2.0 * float(cauchy @ d), nc * nc - radius * radius
    t = (-qb + np.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa)
    return cauchy + t * d
