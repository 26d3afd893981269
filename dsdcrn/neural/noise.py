"""Noise sweeps: accuracy (or MSE) against the σ of log-normal noise on rates and concentrations.

At each σ, every rate constant is multiplied by exp(N(0, σ²)) once per circuit, and
every concentration the host sets (initial parameters, inputs, targets) by an
independent exp(N(0, σ²)) each time it is set; the seed fixes both.  Runs are
independent and can go to a process pool (``jobs``); a run that diverges or passes its
time budget is recorded as failed, with its message, and the sweep goes on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsdcrn.errors import DsdcrnError, SimulationBoundError
from dsdcrn.io import write_folder
from dsdcrn.neural.experiment import train_task
from dsdcrn.neural.tasks import Task, load_task
from dsdcrn.processes import process_pool

__all__ = ["NoiseSweep", "noise_sweep"]


@dataclass
class NoiseSweep:
    """Test metric per model and σ, one entry per noise seed (NaN: the run failed)."""

    task: str
    metric: str
    sigmas: list[float]
    models: list[str]
    results: dict[str, list[list[float]]] = field(default_factory=dict)  # model -> per σ, runs
    failures: dict[str, list[list[str]]] = field(default_factory=dict)  # same shape, messages

    def mean(self, model: str) -> list[float]:
        """Mean test metric per σ over the runs that finished (NaN if none did)."""
        out = []
        for runs in self.results[model]:
            done = [r for r in runs if not math.isnan(r)]
            out.append(sum(done) / len(done) if done else math.nan)
        return out

    def n_failed(self, model: str) -> list[int]:
        return [sum(math.isnan(r) for r in runs) for runs in self.results[model]]

    def table(self) -> str:
        """σ against each model's mean test metric; ``k/n failed`` marks failed runs."""
        head = f"{'sigma':>6}  " + "  ".join(f"{m:>24}" for m in self.models)
        lines = [f"test {self.metric} on {self.task} (mean over noise seeds)", head]
        for i, s in enumerate(self.sigmas):
            cells = []
            for m in self.models:
                failed, n = self.n_failed(m)[i], len(self.results[m][i])
                note = f" ({failed}/{n} failed)" if failed else ""
                cells.append(f"{self.mean(m)[i]:.4f}{note}".rjust(24))
            lines.append(f"{s:>6.3f}  " + "  ".join(cells))
        return "\n".join(lines)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "metric": self.metric,
            "sigmas": self.sigmas,
            "results": {
                m: [[None if math.isnan(r) else r for r in runs] for runs in per]
                for m, per in self.results.items()
            },
            "failures": self.failures,
            "mean": {m: [None if math.isnan(v) else v for v in self.mean(m)] for m in self.models},
        }

    def plot(self, path: str | Path) -> None:
        """Metric against σ: each model's mean as a line, its runs as dots, as a PNG."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.4))
        shift = 0.01 * (max(self.sigmas) - min(self.sigmas) or 1.0)  # runs side by side
        for i, m in enumerate(self.models):
            (line,) = ax.plot(self.sigmas, self.mean(m), "o-", label=f"{m} (mean)")
            dx = (i - (len(self.models) - 1) / 2) * shift
            xs = [s + dx for s, per in zip(self.sigmas, self.results[m], strict=True) for _ in per]
            ys = [r for per in self.results[m] for r in per]
            ax.plot(xs, ys, ".", color=line.get_color(), alpha=0.4)
        ax.set_xlabel("σ of log-normal noise on rates and concentrations")
        ax.set_ylabel(f"test {self.metric}")
        ax.set_title(f"noise robustness on {self.task}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        try:
            fig.savefig(path, dpi=120, format="png")
        finally:
            plt.close(fig)

    def write(self, out: str | Path, force: bool = False) -> Path:
        """Write folder ``out`` with ``noise.json`` and ``noise.png``
        (:func:`dsdcrn.io.write_folder`; ``force`` replaces an earlier dsdcrn output)."""
        text = json.dumps(self.to_json_dict(), indent=2)
        return write_folder(
            {"noise.json": text}, out, lambda tmp: self.plot(tmp / "noise.png"), force=force
        )


def _run(task: Task, model: str, sigma: float, seed: int, kwargs: dict) -> tuple[float, str]:
    """Final test metric of one noisy run, or (NaN, why) when it failed."""
    try:
        res = train_task(
            task, model, seed=seed, rate_noise=sigma, conc_noise=sigma, curve=False, **kwargs
        )
    except SimulationBoundError as err:
        return math.nan, str(err)
    return res.final, ""


def noise_sweep(
    task: str,
    models: Sequence[str],
    sigmas: Sequence[float],
    *,
    seed: int = 0,
    repeats: int = 1,
    epochs: int | None = None,
    n_train: int | None = None,
    jobs: int = 1,
    max_seconds: float | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> NoiseSweep:
    """Train each model at each σ (``repeats`` noise seeds) and record the test metric.

    The data split is the same for every run (``seed``, the training set capped at
    ``n_train`` samples); run r uses seed ``seed + 1000 r`` for its initial weights,
    sample order and noise, the same for every model and σ.
    ``jobs`` runs go in parallel (processes); the results do not depend on it.
    ``max_seconds`` bounds each run's wall time (s); a run that passes it or diverges
    counts as failed.
    """
    if any(s < 0 for s in sigmas):
        raise DsdcrnError(f"noise σ must be >= 0, got {list(sigmas)}")
    if repeats < 1:
        raise DsdcrnError(f"repeats must be >= 1, got {repeats}")
    if jobs < 1:
        raise DsdcrnError(f"jobs must be >= 1, got {jobs}")
    t = load_task(task, seed=seed, n_train=n_train)
    sweep = NoiseSweep(task, t.metric, [float(s) for s in sigmas], list(models))
    kwargs = dict(overrides, epochs=epochs, max_seconds=max_seconds)
    runs = [(m, i, r) for m in models for i in range(len(sigmas)) for r in range(repeats)]
    args = [(t, m, float(sigmas[i]), seed + 1000 * r, kwargs) for m, i, r in runs]
    for m in models:
        sweep.results[m] = [[math.nan] * repeats for _ in sigmas]
        sweep.failures[m] = [[""] * repeats for _ in sigmas]

    def record(key: tuple[str, int, int], out: tuple[float, str]) -> None:
        m, i, r = key
        sweep.results[m][i][r], sweep.failures[m][i][r] = out
        if progress:
            what = f"test {t.metric} {out[0]:.4f}" if not out[1] else f"failed: {out[1]}"
            progress(f"{m} σ = {sigmas[i]:g} run {r + 1}/{repeats}: {what}")

    if jobs == 1:
        for key, a in zip(runs, args, strict=True):
            record(key, _run(*a))
    else:
        with process_pool(jobs) as pool:
            futures = [pool.submit(_run, *a) for a in args]
            for key, fut in zip(runs, futures, strict=True):
                record(key, fut.result())
    return sweep
