"""Modular enumeration and verification on a Dask cluster of process workers: the same
results as the process pool; threaded workers, an unreachable scheduler and a worker
that keeps dying are one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from dsdcrn.compile.translate import compile_crn
from dsdcrn.enumerate.jobs import JobRunner
from dsdcrn.enumerate.modular import enumerate_modular
from dsdcrn.errors import DsdcrnError
from dsdcrn.executors import executor_for
from dsdcrn.model.crn import parse_crn
from dsdcrn.verify.modular import verify_modular
from dsdcrn.verify.modular_pathways import verify_pathways_modular

pytest.importorskip("distributed")

OSCILLATOR = "A + B -> 2B\nB + C -> 2C\nC + A -> 2A\n"


def _pil(mod) -> str:
    return mod.enumerated.to_pil()


def test_local_dask_cluster_gives_the_process_pools_results():
    crn = parse_crn(OSCILLATOR, name="rps")
    system = compile_crn(crn, "soloveichik2010")
    dask = executor_for("dask", 2)
    assert dask is executor_for("dask", 2)  # one cluster per process
    on_dask = enumerate_modular(system, executor=dask, copies=False)
    local = enumerate_modular(system, jobs=2, copies=False)
    assert _pil(on_dask) == _pil(local)
    assert [v.verdict for v in verify_modular(crn, on_dask, executor=dask)] == [True] * 3
    pd = verify_pathways_modular(crn, on_dask, "pathway-decomposition", executor=dask)
    assert pd.verdict is True


def test_verify_command_on_a_local_dask_cluster(tmp_path, capsys):
    from dsdcrn.cli.main import main

    crn = tmp_path / "rps.crn"
    crn.write_text(OSCILLATOR)
    main(["verify", str(crn), "--modular", "--executor", "dask", "--enum-jobs", "2"])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(": True (" in line for line in out)


def test_a_job_whose_worker_keeps_dying_is_named():
    """The job is tried on a second worker, then the run stops naming it."""
    runner = JobRunner(executor_for("dask", 2), 2, time.monotonic() + 60, "modular enumeration")
    with pytest.raises(DsdcrnError, match="modular enumeration: the module of r7_join failed: "):
        runner.map(os._exit, [(3,)], ["the module of r7_join"])


def test_threaded_workers_are_refused():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0"
    ) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        with pytest.raises(DsdcrnError, match="runs jobs in threads.*--nthreads 1"):
            executor_for(address, 2)


def test_unreachable_scheduler_is_one_line(tmp_path):
    crn = tmp_path / "ab.crn"
    crn.write_text("A + B -> C\n")
    r = subprocess.run(
        [sys.executable, "-m", "dsdcrn", "-q", "verify", str(crn), "--modular",
         "--executor", "dask://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in lines[0]
    bad = subprocess.run(
        [sys.executable, "-m", "dsdcrn", "verify", str(crn), "--modular", "--executor", "mpi"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 2 and "unknown executor 'mpi'" in bad.stderr
