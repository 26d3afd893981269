"""Which gates of the XOR DNA circuit run off their requested rates, and why.

Loads the DNA run's weights at the end of epochs 8 and 20 into a freshly compiled and
loaded DNA circuit (the run's command), reads out test input (1.02, 1.15) as the run's
test read-out does (the inference gates only, 10 formal time units) and prints, after
5 and 10 units, the output against the formal circuit's and the formal reactions whose
gates deliver a rate farthest from the requested one at the circuit's own formal
concentrations (:meth:`dsdcrn.neural.dsd.DSDMachine.off_rates`), each with how much of
its join gate is left.  The same after 10 units with every gate but training's running
(phase ``settle``, the context realisation calibrated on).  Run it with ``python`` from
the repository root (it compiles the circuit: about 25 s).
"""

from __future__ import annotations

from xor_run import load

from dsdcrn.neural.protocol import Step


def main() -> None:
    r, ends, task, formal, dsd, compiled = load()
    m, x = dsd.machine_, task.X_test[0]
    inputs = dict(zip(dsd.network_.inputs, x.tolist(), strict=True))
    fresh = m.snapshot()
    for epoch in (8, 20):
        weights = {p: ends[epoch][f"dsd {p}"] for p in r["theta0"]}
        formal.set_parameters(weights)
        target = float(formal.predict(x[None, :])[0, 0])
        for phase, waits in (("inference", (5.0, 5.0)), ("settle", (10.0,))):
            m.restore(fresh)
            dsd.set_parameters(weights)
            t = 0.0
            for k, wait in enumerate(waits):
                m.apply(Step(phase, wait, inject=inputs if k == 0 else {}))
                t += wait
                left = m.fuel_left()
                print(
                    f"epoch {epoch} weights, phase {phase}, after {t:g} units: output "
                    f"DNA {m.value('O1'):+.3f}, formal {target:+.3f}; farthest rates:"
                )
                for reaction, ratio in m.off_rates(phase, n=6):
                    n = next(
                        i
                        for i, f in enumerate(compiled.formal.reactions, start=1)
                        if str(f).startswith(reaction + " [")
                    )
                    join = left.get(f"r{n}_join", float("nan"))
                    print(
                        f"    {reaction:45s} delivered/requested {ratio:.3f}, join {join:.0%} left"
                    )


if __name__ == "__main__":
    main()
