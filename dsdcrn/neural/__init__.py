"""Neural CRNs: builders for both seed papers' learning circuits, and the means to run them.

* :mod:`.nagipogu_reif` — Nagipogu & Reif's neural-ODE CRN (dual rail, phases).
* :mod:`.kang_kim` — Kang & Kim's one-pot network with smooth activations, and the
  non-smooth ReLU baseline (:mod:`.activations`).
* :mod:`.protocol` — host steps (inject, reset, run a phase) and the formal machine.
* :mod:`.training`, :mod:`.experiment`, :mod:`.tasks`, :mod:`.noise` — training by
  simulation, tasks and data, learning curves, noise sweeps.
"""

from __future__ import annotations

from collections.abc import Callable

from dsdcrn.errors import DsdcrnError
from dsdcrn.neural import kang_kim, nagipogu_reif
from dsdcrn.neural.network import NeuralCRN

__all__ = ["BUILDERS", "NeuralCRN", "build"]


def _kang_kim_relu(*args, **kwargs) -> NeuralCRN:
    return kang_kim.build(*args, activation="relu", **kwargs)


#: Builder name -> (function, one-line description).
BUILDERS: dict[str, tuple[Callable[..., NeuralCRN], str]] = {
    "nagipogu-reif": (
        nagipogu_reif.build,
        "Nagipogu & Reif neural CRN: dual-rail neural ODE, feedforward + training phases",
    ),
    "kang-kim": (
        kang_kim.build,
        "Kang & Kim layered network, smooth activation, one-pot training (reconstructed)",
    ),
    "kang-kim-relu": (
        _kang_kim_relu,
        "baseline: the Kang-Kim network with a non-smooth ReLU activation CRN",
    ),
}


def build(name: str, *args, **kwargs) -> NeuralCRN:
    """Build the neural CRN named ``name`` (see ``BUILDERS``)."""
    if name not in BUILDERS:
        raise DsdcrnError(
            f"unknown neural CRN builder {name!r}; choose one of {', '.join(BUILDERS)}"
        )
    return BUILDERS[name][0](*args, **kwargs)
