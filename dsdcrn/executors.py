"""Where modular enumeration and verification run their jobs: this machine's process
pool, or a Dask cluster.

``--executor`` takes ``processes`` (the default: :func:`dsdcrn.processes.shared_pool`),
``dask`` (a ``LocalCluster`` of process workers on this machine, started for the run)
or ``dask://HOST:PORT`` (a running Dask scheduler, e.g. ``dask scheduler`` on one
machine and ``dask worker tcp://HOST:8786 --nthreads 1`` on each of the others; every
worker needs dsdcrn installed).  Workers must run one thread each: Peppercorn and
dsdobjects keep their state in process-global objects, so two jobs in threads of one
process corrupt each other (9 of 9 runs failed); a cluster with threaded workers is
refused in one line.  A job whose worker dies is tried once more, then the run stops
with an error naming the job.
"""

from __future__ import annotations

import atexit
from concurrent.futures import Executor

from dsdcrn.errors import DsdcrnError

__all__ = ["EXECUTORS", "check_executor", "executor_for"]

#: what ``--executor`` accepts besides ``dask://HOST:PORT``
EXECUTORS = ("processes", "dask")

_CLIENTS: dict[tuple[str, int], tuple[object, Executor]] = {}


def check_executor(spec: str) -> str:
    """``spec`` if ``--executor`` can take it; else a one-line ``DsdcrnError``."""
    if spec in EXECUTORS or spec.startswith(("dask://", "tcp://")):
        return spec
    raise DsdcrnError(
        f"unknown executor {spec!r}: use processes, dask (a local cluster) or dask://HOST:PORT"
    )


def _refuse_threads(client, spec: str) -> None:
    workers = client.scheduler_info().get("workers", {})
    if not workers:
        raise DsdcrnError(f"the Dask cluster at {spec} has no workers")
    threaded = [a for a, w in workers.items() if w.get("nthreads", 1) > 1]
    inproc = [a for a in workers if a.startswith("inproc://")]
    if threaded or inproc:
        raise DsdcrnError(
            f"the Dask cluster at {spec} runs jobs in threads ({(threaded or inproc)[0]}): "
            "Peppercorn's state is process-global; start workers with --nthreads 1 "
            "(LocalCluster(processes=True, threads_per_worker=1))"
        )


def _connect(spec: str, jobs: int):
    from dask import config
    from distributed import Client, LocalCluster

    if spec == "dask":
        # a job whose worker died is tried once more, then KilledWorker names it
        with config.set({"distributed.scheduler.allowed-failures": 1}):
            cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
        return Client(cluster), cluster
    address = "tcp://" + spec.split("://", 1)[1]
    try:
        return Client(address, timeout="5s"), None
    except (OSError, TimeoutError) as err:
        raise DsdcrnError(f"cannot reach the Dask scheduler at {address}: {err}") from None


def executor_for(spec: str | None, jobs: int) -> Executor | None:
    """The executor ``spec`` names (None or ``processes``: None, the shared process
    pool), connected once per process and closed at exit."""
    if spec in (None, "processes"):
        return None
    check_executor(spec)
    key = (spec, jobs if spec == "dask" else 0)
    if key not in _CLIENTS:
        client, cluster = _connect(spec, jobs)
        try:
            _refuse_threads(client, spec)
        except DsdcrnError:
            client.close()
            raise
        _CLIENTS[key] = (client, client.get_executor(pure=False, retries=1))
        atexit.register(_close, client, cluster)
    return _CLIENTS[key][1]


def _close(client, cluster) -> None:
    client.close()
    if cluster is not None:
        cluster.close()
