"""DNA-level training against formal training: time per sample, same process.

Trains the Nagipogu-Reif d = 1 circuit with first-order training on task ``line``
(y = 2x + noise, 20 samples) as a formal CRN and as its compiled DSD circuit
(:func:`dsdcrn.neural.dsd.train_side_by_side`: modular enumeration, rates realised per
protocol phase, fuels topped up every sample) and prints the compile time, the seconds
per sample of each and their ratio, and the parameter gap.  The formal machine
integrates with its own solver (LSODA with a dense Jacobian for Nagipogu-Reif, RK45 for
Kang-Kim), the DSD machine (947 species, 385 of them integrated: the others are wastes)
with BDF, its sparse Jacobian and KLU (:func:`dsdcrn.kinetics.massaction.sparse_bdf`).
The issue's goal, at most 5x, is for the same solver: so the formal run is timed again
with the DSD machine's solver and tolerances (:func:`same_solver`).  Then the compiled
circuit's cache (:func:`dsdcrn.neural.dsd.compile_cached`): a compile into an empty
folder against a load from it.  Then the Kang-Kim 2-2-1 network in one pot (4,473
species, 1,688 integrated) the same way.

    python benchmarks/bench_dsd_training.py
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from dsdcrn.neural.dsd import (
    KK_DSD,
    KK_UNIT_NM,
    DSDMachine,
    compile_cached,
    train_side_by_side,
)
from dsdcrn.neural.experiment import make_model
from dsdcrn.neural.protocol import Machine
from dsdcrn.neural.tasks import load_task
from dsdcrn.options import UNIT_NM


def timed_run(task: str, model: str, **kw):
    """Train side by side; print the circuit, the seconds a sample of each run and their
    ratio, the same with the formal run on the DSD machine's solver, and the time outside
    the samples; return the run."""
    t0 = time.perf_counter()
    res = train_side_by_side(task, model, **kw)
    total = time.perf_counter() - t0
    formal = np.array([r["seconds formal"] for r in res.rows])
    dsd = np.array([r["seconds dsd"] for r in res.rows])
    print(res.compiled)
    ratio = dsd.mean() / formal.mean()
    print(
        f"{model} on {task}, {len(res.rows)} samples: formal {formal.mean():.4f} s a sample "
        f"(its own solver), DSD {dsd.mean():.3f} s a sample, ratio {ratio:.1f}x"
    )
    same, gap = same_solver(task, model, res, **kw)
    print(
        f"  the formal run on the DSD machine's solver: {same:.4f} s a sample, "
        f"ratio {dsd.mean() / same:.1f}x (goal <= 5x, same solver); its parameters end "
        f"within {gap:.1e} of the side-by-side formal run's"
    )
    rest = total - formal.sum() - dsd.sum()
    print(f"compile, enumerate, verify, realise and test-set scoring: {rest:.1f} s")
    return res


def same_solver(task: str, model: str, res, n_train: int | None = None) -> tuple[float, float]:
    """Train the formal model again through the same samples with the DSD machine's
    solver (:func:`dsdcrn.kinetics.massaction.sparse_bdf`) and tolerances (rtol, and atol
    in nM over the formal unit); return its seconds a sample and how far its parameters
    end from the side-by-side formal run's (formal units)."""
    kk = model.startswith("kang-kim")
    t = load_task(task, seed=0, n_train=n_train)
    formal, _ = make_model(t, model, seed=0, **(KK_DSD if kk else {}))
    tol = DSDMachine.__init__.__kwdefaults__
    unit = KK_UNIT_NM if kk else UNIT_NM
    formal.machine_ = Machine(formal.network_, stiff=True, method="BDF", rtol=tol["rtol"],
                              atol=tol["atol"] / unit)  # fmt: skip
    seconds = []
    for x, y in zip(t.X_train, t.targets(t.y_train), strict=True):
        t0 = time.perf_counter()
        formal.partial_fit(x, y)
        seconds.append(time.perf_counter() - t0)
    last = res.rows[-1]
    gap = max(abs(v - last[f"formal {p}"]) for p, v in formal.parameters().items())
    return float(np.mean(seconds)), gap


def main() -> None:
    res = timed_run("line", "nagipogu-reif")
    last = res.rows[-1]
    print(
        f"theta after {len(res.rows)} samples: formal {last['formal P1']:.4f}, DSD "
        f"{last['dsd P1']:.4f} (theta0 {res.theta0['P1']:.4f}); gap {res.gap():.3f} (goal <= 0.10)"
    )
    print(f"test mse: formal {res.test_formal:.4f}, DSD {res.test_dsd:.4f}")
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        compile_cached(res.network.network, folder=folder)
        t1 = time.perf_counter()
        _, hit = compile_cached(res.network.network, folder=folder)
        t2 = time.perf_counter()
    assert hit
    print(
        f"compiled circuit: {t1 - t0:.1f} s to compile, {t2 - t1:.2f} s from the cache "
        f"({(t1 - t0) / (t2 - t1):.0f}x)"
    )
    kang_kim()


def kang_kim() -> None:
    """Kang-Kim 2-2-1 in one pot on a 20-sample subset of and-corners (the full task,
    two epochs: README, Kang-Kim at the DNA level)."""
    res = timed_run("and-corners", "kang-kim", n_train=20)
    lasts, fuel = res.samples_per_load
    print(
        f"test accuracy: formal {res.test_formal:.2f}, DSD {res.test_dsd:.2f}; "
        f"one load of fuel lasts {lasts:.2f} samples ({fuel})"
    )


if __name__ == "__main__":
    main()
