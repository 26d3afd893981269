"""Neural CRN simulation speed: seconds per training sample, vectorised vs plain Python.

Prints, for the Kang-Kim networks on Iris (4-5-3) and 8x8 digits (64-20-10), the
wall time per one-pot training sample with dsdcrn's vectorised mass-action model
(sparse stoichiometry, no per-reaction Python, analytic sparse Jacobian), and the same
samples integrated by ``scipy.integrate.solve_ivp`` with a plain right-hand side that
loops over the reactions in Python and the Jacobian by finite differences (given its
sparsity pattern, as a careful scipy user would), in the same process, from the same
state, with the same method and tolerances; the ratio is the speed-up.

Run: ``python benchmarks/bench_neural.py [--samples N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.integrate import solve_ivp

from dsdcrn.neural.tasks import load_task
from dsdcrn.neural.training import KangKimModel


def plain_rhs(reactions, index):
    """dy/dt by a Python loop over reactions (the baseline)."""
    table = [
        (r.rate, [index[s] for s in r.reactants], [index[s] for s in r.products]) for r in reactions
    ]

    def rhs(_t, y):
        dy = np.zeros_like(y)
        for k, reac, prod in table:
            v = k
            for i in reac:
                v *= y[i]
            for i in reac:
                dy[i] -= v
            for i in prod:
                dy[i] += v
        return dy

    return rhs


def bench(task_name: str, hidden: int, n: int) -> None:
    task = load_task(task_name, seed=0)
    layers = (task.n_features, hidden, task.n_outputs)
    model = KangKimModel(layers=layers, eta=0.002, seed=0)
    m = model.machine_
    net = model.network_
    Y = task.targets(task.y_train)
    # warm up one sample (builds the cached model) and keep the state
    model.partial_fit(task.X_train[0], Y[0])
    start_state = m.snapshot()

    t0 = time.perf_counter()
    for k in range(1, n + 1):
        model.partial_fit(task.X_train[k], Y[k])
    fast = (time.perf_counter() - t0) / n
    fast_state = m.snapshot()

    m.restore(start_state)
    rhs = plain_rhs(net.in_phase("all"), m.index)
    method = m._solver(len(m.species))
    opts = {}
    if method in ("BDF", "Radau"):
        opts["jac_sparsity"] = m.model("all").jacobian(np.ones(len(m.species))) != 0
    t0 = time.perf_counter()
    for k in range(1, n + 1):
        for s, v in model._inject(task.X_train[k], Y[k]).items():
            m.state[m.index[s]] = v
        sol = solve_ivp(
            rhs, (0, model.t_sample), m.state, method=method, rtol=m.rtol, atol=m.atol, **opts
        )
        m.state = np.clip(sol.y[:, -1], 0, None)
    slow = (time.perf_counter() - t0) / n
    diff = np.max(np.abs(m.state - fast_state))
    c = net.counts()
    print(
        f"{task_name:>7} {'-'.join(map(str, layers)):>9}: {c['species']} species, "
        f"{c['reactions']} reactions, {method}; {fast * 1e3:8.1f} ms/sample vectorised, "
        f"{slow * 1e3:8.1f} ms/sample plain Python RHS; ratio {slow / fast:5.1f}x "
        f"(max state difference {diff:.1e})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10, help="training samples timed per run")
    args = ap.parse_args()
    bench("iris", 5, args.samples)
    bench("digits", 20, max(2, args.samples // 5))


if __name__ == "__main__":
    main()
