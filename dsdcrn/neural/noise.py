"""Noise sweeps: accuracy (or MSE) against the σ of log-normal noise on rates and concentrations.

At each σ, every rate constant is multiplied by exp(N(0, σ²)) once per circuit, and
every concentration the host sets (initial parameters, inputs, targets) by an
independent exp(N(0, σ²)) each time it is set; the seed fixes both.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DsdcrnError
from .experiment import train_task
from .tasks import load_task

__all__ = ["NoiseSweep", "noise_sweep"]


@dataclass
class NoiseSweep:
    """Test metric per model and σ (mean over ``repeats`` noise seeds)."""

    task: str
    metric: str
    sigmas: list[float]
    models: list[str]
    results: dict[str, list[list[float]]] = field(default_factory=dict)  # model -> per σ, runs

    def mean(self, model: str) -> list[float]:
        return [sum(r) / len(r) for r in self.results[model]]

    def table(self) -> str:
        head = f"{'sigma':>6}  " + "  ".join(f"{m:>16}" for m in self.models)
        lines = [f"test {self.metric} on {self.task} (mean over noise seeds)", head]
        for i, s in enumerate(self.sigmas):
            cells = "  ".join(f"{self.mean(m)[i]:>16.4f}" for m in self.models)
            lines.append(f"{s:>6.3f}  {cells}")
        return "\n".join(lines)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "metric": self.metric,
            "sigmas": self.sigmas,
            "results": self.results,
            "mean": {m: self.mean(m) for m in self.models},
        }

    def plot(self, path: str | Path) -> None:
        """Metric against σ, one line per model, written atomically as a PNG."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.4))
        for m in self.models:
            ax.plot(self.sigmas, self.mean(m), "o-", label=m)
        ax.set_xlabel("σ of log-normal noise on rates and concentrations")
        ax.set_ylabel(f"test {self.metric}")
        ax.set_title(f"noise robustness on {self.task}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = Path(path)
        fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent or ".")
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=120)
            os.replace(tmp, path)
        finally:
            plt.close(fig)
            if os.path.exists(tmp):
                os.unlink(tmp)

    def write_json(self, path: str | Path) -> None:
        path = Path(path)
        fd, tmp = tempfile.mkstemp(suffix=".json", dir=path.parent or ".")
        with os.fdopen(fd, "w") as fh:
            json.dump(self.to_json_dict(), fh, indent=2)
        os.replace(tmp, path)


def noise_sweep(
    task: str,
    models: Sequence[str],
    sigmas: Sequence[float],
    *,
    seed: int = 0,
    repeats: int = 1,
    epochs: int | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> NoiseSweep:
    """Train each model at each σ (``repeats`` noise seeds) and record the test metric.

    The data split is the same for every run (``seed``); noise seeds are
    ``seed + 1000 r`` for repeat r, so the circuits differ only in their noise.
    """
    if any(s < 0 for s in sigmas):
        raise DsdcrnError(f"noise σ must be >= 0, got {list(sigmas)}")
    if repeats < 1:
        raise DsdcrnError(f"repeats must be >= 1, got {repeats}")
    t = load_task(task, seed=seed)
    sweep = NoiseSweep(task, t.metric, [float(s) for s in sigmas], list(models))
    for m in models:
        sweep.results[m] = []
        for s in sigmas:
            runs = []
            for r in range(repeats):
                res = train_task(
                    t,
                    m,
                    seed=seed + 1000 * r,
                    epochs=epochs,
                    rate_noise=s,
                    conc_noise=s,
                    **overrides,
                )
                runs.append(res.final)
                if progress:
                    progress(
                        f"{m} σ = {s:g} run {r + 1}/{repeats}: test {t.metric} {res.final:.4f}"
                    )
            sweep.results[m].append(runs)
    return sweep
