"""Independent jobs on a :class:`concurrent.futures.Executor`, bounded in wall-clock time.

Modular enumeration and modular verification submit their shapes and module checks
here: by default to this process's shared pool of ``jobs`` workers
(:func:`dsdcrn.processes.shared_pool`, forked while the process is small and reused by
every stage), or to any executor the caller passes (e.g. Dask's
``distributed.Client(...).get_executor()``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from dsdcrn.errors import DsdcrnError, EnumerationLimitError
from dsdcrn.processes import discard_pool, shared_pool
from dsdcrn.progress import Progress, report

__all__ = ["JobRunner"]


class JobRunner:
    """Submits jobs to an executor, with a wall-clock bound over all of them.

    Parameters
    ----------
    executor : the caller's executor, or None for the shared pool of ``jobs`` workers
        (killed by :meth:`close` after a time-out).
    jobs : worker processes of the default pool.
    deadline : :func:`time.monotonic` time (s) by which every job must have answered.
    what : what the jobs are, for the time-out message and progress reports.
    progress : called with (what, jobs answered, jobs submitted) by :meth:`map`.
    """

    def __init__(
        self,
        executor: Executor | None,
        jobs: int,
        deadline: float,
        what: str,
        progress: Progress | None = None,
    ):
        self.own = executor is None
        self.executor = executor or shared_pool(jobs)
        self.deadline, self.what, self.progress = deadline, what, progress

    def map(self, func: Callable, items: list, labels: list[str] | None = None) -> list:
        """``func(*args)`` for every ``args`` in ``items``, in order.

        Raises :class:`EnumerationLimitError` when the deadline passes before every
        answer is in, and :class:`DsdcrnError` naming the job (``labels``, default its
        number) when one fails (a Dask worker that died twice on it, a crashed pool);
        either way the jobs still running are cancelled (the owned pool killed).
        """
        futures: list[Future] = [self.executor.submit(func, *args) for args in items]
        out = []
        for k, f in enumerate(futures):
            try:
                out.append(self.wait(f))
                report(self.progress, self.what, len(out), len(futures))
            except FutureTimeout:
                self.cancel(futures)
                raise EnumerationLimitError(
                    f"{self.what} exceeded its time-out; raise --enum-timeout or compile a "
                    "smaller circuit"
                ) from None
            except Exception as err:  # a worker's failure, reported with its job
                label = labels[k] if labels else f"job {k + 1} of {len(futures)}"
                raise self.failure(futures, label, err) from None
        return out

    def wait(self, f: Future) -> Any:
        """``f``'s answer, waited for until the deadline at most (then
        :class:`concurrent.futures.TimeoutError`)."""
        left = self.deadline - time.monotonic()
        if left <= 0 and not f.done():
            raise FutureTimeout
        return f.result(timeout=max(left, 0.001))

    def failure(self, futures: list[Future], label: str, err: Exception) -> DsdcrnError:
        """The one-line error for job ``label`` failing with ``err``, after cancelling
        ``futures``."""
        self.cancel(futures)
        return DsdcrnError(f"{self.what}: {label} failed: {type(err).__name__}: {err}")

    def cancel(self, futures: list[Future]) -> None:
        """Cancel ``futures`` and kill the owned pool's workers."""
        for f in futures:
            f.cancel()
        self.close(kill=True)

    def close(self, kill: bool = False) -> None:
        """With ``kill`` (a time-out), kill the shared pool's workers at once and drop
        it; otherwise keep it for the next stage.  A caller's executor is left alone."""
        if self.own and kill:
            discard_pool(self.executor)
