"""What the scripts in this folder share: the recorded run and its two circuits.

:func:`load` reads ``result.json`` and builds the formal Kang-Kim 2-5-1 model and its
DNA circuit, compiled as the run's command compiled it (1 nM a formal unit, 2,500 uM
of fuel at most; about 25 s, then from the cache) and loaded afresh.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from dsdcrn.neural.dsd import KK_DSD, KK_REALISE, compile_cached, use_dsd
from dsdcrn.neural.experiment import make_model
from dsdcrn.neural.tasks import load_task


def load() -> tuple[dict[str, Any], dict[int, dict], Any, Any, Any, Any]:
    """The run's result, its last sample of each epoch by epoch, the task, the formal
    model, the DNA model (fuels topped up every sample) and the compiled circuit."""
    r = json.loads((Path(__file__).parent / "result.json").read_text())
    ends = {row["epoch"]: row for row in r["samples"]}  # the last sample of each epoch
    task = load_task("xor-corners", seed=0)
    formal, _ = make_model(task, "kang-kim", seed=0, **KK_DSD)
    dsd, _ = make_model(task, "kang-kim", seed=0, **KK_DSD)
    options = replace(KK_REALISE, max_total_uM=2500.0)
    compiled, _ = compile_cached(dsd.network_, unit_nM=1.0, options=options)
    use_dsd(dsd, compiled, replenish=1)
    return r, ends, task, formal, dsd, compiled
