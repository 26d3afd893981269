"""Score the formal Nagipogu-Reif network at each run's final DNA-circuit θ.

Separates what the DNA circuit learnt (θ) from how it computes its predictions: the
formal CRN, set to the DNA run's θ, predicts the task's test set.  Run it with
``python`` from the repository root.
"""

from __future__ import annotations

import json
from pathlib import Path

from dsdcrn.neural.experiment import make_model
from dsdcrn.neural.tasks import load_task


def formal_mse(theta: dict[str, float]) -> float:
    """Test MSE of the formal circuit with its parameters set to ``theta``."""
    task = load_task("line", seed=0)
    model, _ = make_model(task, "nagipogu-reif", seed=0)
    model.set_parameters(theta)
    return task.score(model.predict(task.X_test), task.y_test)


def main() -> None:
    for folder in sorted(Path(__file__).parent.glob("design-*")):
        r = json.loads((folder / "result.json").read_text())
        last = r["samples"][-1]
        dna = {p: last[f"dsd {p}"] for p in r["theta0"]}
        formal = {p: last[f"formal {p}"] for p in r["theta0"]}
        print(
            f"{folder.name}: θ DNA {dna}, formal {formal}; test MSE of the DNA circuit "
            f"{r['test_mse_dsd']:.4f}, of the formal circuit at the DNA θ "
            f"{formal_mse(dna):.4f}, at its own θ {formal_mse(formal):.4f} "
            f"(its run: {r['test_mse_formal']:.4f})"
        )


if __name__ == "__main__":
    main()
