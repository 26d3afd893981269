"""The DNA circuit's forward pass against the formal one, at the same weights.

Loads the DNA run's weights at the end of epochs 8 and 20 into the formal CRN and into
a freshly compiled and loaded DNA circuit (the run's command: 1 nM a formal unit,
2,500 uM of fuel at most) and prints both outputs on the first 12 test inputs.
Run it with ``python`` from the repository root (it compiles the circuit: about 25 s).
"""

from __future__ import annotations

import numpy as np
from xor_run import load


def main() -> None:
    r, ends, task, formal, dsd, _ = load()
    X, y = task.X_test[:12], np.ravel(task.y_test[:12])
    for epoch in (8, 20):
        weights = {p: ends[epoch][f"dsd {p}"] for p in r["theta0"]}
        formal.set_parameters(weights)
        dsd.set_parameters(weights)
        out_f, out_d = np.ravel(formal.predict(X)), np.ravel(dsd.predict(X))
        print(f"epoch {epoch} weights: input, label, output formal, output DNA circuit")
        for x, label, a, b in zip(X, y, out_f, out_d, strict=True):
            print(f"  ({x[0]:.2f}, {x[1]:.2f})  {label:.0f}  {a:+.3f}  {b:+.3f}")


if __name__ == "__main__":
    main()
