"""Score the formal Kang-Kim 2-5-1 network at the DNA circuit's weights, epoch by epoch.

Separates what the DNA circuit learnt (its weights) from how it computes: the formal
CRN (not the DSD circuit), set to the DNA run's weights at the end of an epoch,
classifies the test set; set to the formal run's own weights it must reproduce that
run's accuracy.  Run it with ``python`` from the repository root.
"""

from __future__ import annotations

import json
from pathlib import Path

from dsdcrn.neural.dsd import KK_DSD
from dsdcrn.neural.experiment import make_model
from dsdcrn.neural.tasks import load_task


def formal_accuracy(theta: dict[str, float]) -> float:
    """Test accuracy of the formal circuit with its weights set to ``theta``."""
    task = load_task("xor-corners", seed=0)
    model, _ = make_model(task, "kang-kim", seed=0, **KK_DSD)
    model.set_parameters(theta)
    return task.score(model.predict(task.X_test), task.y_test)


def main() -> None:
    r = json.loads((Path(__file__).parent / "result.json").read_text())
    ends = {row["epoch"]: row for row in r["samples"]}  # the last sample of each epoch
    for curve in r["curve"]:
        row = ends[curve["epoch"]]
        dna = {p: row[f"dsd {p}"] for p in r["theta0"]}
        formal = {p: row[f"formal {p}"] for p in r["theta0"]}
        print(
            f"epoch {curve['epoch']:2d}: test accuracy of the DNA circuit "
            f"{curve['test accuracy dsd']:.2f}, of the formal circuit at the DNA weights "
            f"{formal_accuracy(dna):.2f}, at its own weights {formal_accuracy(formal):.2f} "
            f"(its run: {curve['test accuracy formal']:.2f})"
        )


if __name__ == "__main__":
    main()
