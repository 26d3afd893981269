"""Progress of long work: a callback every long stage accepts, and a bar for terminals.

A stage that can take more than a few seconds accepts ``progress``, a
:data:`Progress` callback, and calls ``progress(task, done, total)`` as it goes
(``done`` of ``total`` units: modules, candidates, stages).  Library code never
prints; the command line passes :func:`terminal_bar` (a tqdm bar on a terminal,
nothing otherwise), and messages go through :mod:`logging`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from dsdcrn.io import raise_if_interrupted

#: ``progress(task, done, total)``: ``done`` of ``total`` units of ``task`` finished.
Progress = Callable[[str, int, int], None]


def report(progress: Progress | None, task: str, done: int, total: int) -> None:
    """Call ``progress`` if there is one; first stop if a signal arrived
    (:func:`dsdcrn.io.raise_if_interrupted`)."""
    raise_if_interrupted()
    if progress is not None:
        progress(task, done, total)


def terminal_bar(stream: TextIO | None = None) -> Progress | None:
    """A :data:`Progress` that draws one tqdm bar per task on ``stream`` (default
    stderr) when it is a terminal; None otherwise (logs and pipes stay clean)."""
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        return None
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(task: str, done: int, total: int) -> None:
        bar = bars.get(task)
        if bar is None:
            bar = bars[task] = tqdm(total=total, desc=task, file=stream, leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bars.pop(task).close()

    return update
