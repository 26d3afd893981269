"""Child processes: one function in a fresh child with a wall-clock time-out, and the
process pools of the parallel stages.

Peppercorn keeps its complexes in process-global singletons and crnverifier's
searches cannot be interrupted from inside; both run in a forked child that
returns plain data and is killed when its time is up.

Every child and pool worker freezes the heap it inherited (:func:`gc.freeze`): Peppercorn
and dsdobjects run full garbage collections on every job, and without the freeze each
one walks the parent's whole heap (a 2-reaction enumeration took 1.8 s instead of 0.36 s
in a process holding 3 million objects).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from dsdcrn.io import raise_if_interrupted


class Timeout(Exception):
    """The child did not finish in time."""


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, forked where the platform can (the workers
    share the parent's imported modules), each with its inherited heap frozen."""
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx, initializer=gc.freeze)


_SHARED: dict[int, ProcessPoolExecutor] = {}


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """This process's pool of ``workers`` processes for modular enumeration and
    verification, made on first use and kept for the next stage.

    Its workers are forked once, while the process is still small (before any
    enumeration's results exist), so the later stages' jobs neither copy nor scan the
    large heap the main process builds (Kang-Kim 64-20-10: workers forked at the
    verification stage each showed the parent's 750 MB; issue 17)."""
    pool = _SHARED.get(workers)
    if pool is None or getattr(pool, "_broken", False) or getattr(pool, "_shutdown_thread", False):
        pool = _SHARED[workers] = process_pool(workers)
    return pool


def discard_pool(pool: ProcessPoolExecutor) -> None:
    """Kill ``pool``'s workers at once (a time-out) and forget it as a shared pool."""
    for k, p in list(_SHARED.items()):
        if p is pool:
            del _SHARED[k]
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _child(conn, func: Callable, args: tuple, kwargs: dict) -> None:
    gc.freeze()
    try:
        conn.send(("ok", func(*args, **kwargs)))
    except BaseException as err:  # report every failure to the parent
        conn.send(("error", (type(err).__name__, str(err), traceback.format_exc())))
    finally:
        conn.close()


def run_isolated(func: Callable, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
    """Return ``func(*args, **kwargs)`` computed in a forked child process.

    Raises :class:`Timeout` after ``timeout`` seconds, and ``ChildError`` (a
    ``RuntimeError``) carrying the child's exception type and message otherwise.
    """
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, func, args, kwargs), daemon=True)
    proc.start()
    send.close()
    try:
        raise_if_interrupted()  # a signal during the fork may have been swallowed
        if not recv.poll(timeout):
            raise Timeout(f"no answer within {timeout:g} s")
        status, value = recv.recv()
    except EOFError:
        status, value = "error", ("Crash", f"child exited with code {proc.exitcode}", "")
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
    if status == "error":
        raise ChildError(*value)
    return value


class ChildError(RuntimeError):
    """An exception raised inside the child: ``kind``, ``message`` and traceback."""

    def __init__(self, kind: str, message: str, trace: str = ""):
        self.kind, self.message, self.trace = kind, message, trace
        super().__init__(f"{kind}: {message}")
