"""Child processes and pools: results, errors, time-outs, and the frozen inherited heap."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from dsdcrn.processes import ChildError, Timeout, process_pool, run_isolated


def _frozen_and_pid() -> tuple[int, int]:
    return gc.get_freeze_count(), os.getpid()


def _fail() -> None:
    raise ValueError("bad input")


def test_run_isolated_returns_the_childs_answer_from_another_process():
    ballast = [[i] for i in range(50_000)]  # inherited by the child, which must freeze it
    frozen, pid = run_isolated(_frozen_and_pid, timeout=60)
    assert pid != os.getpid()
    assert frozen >= len(ballast)


def test_run_isolated_reports_the_childs_exception():
    with pytest.raises(ChildError) as err:
        run_isolated(_fail, timeout=60)
    assert err.value.kind == "ValueError" and err.value.message == "bad input"


def test_run_isolated_kills_a_child_past_its_time_out():
    t0 = time.perf_counter()
    with pytest.raises(Timeout, match="no answer within 0.2 s"):
        run_isolated(time.sleep, 30, timeout=0.2)
    assert time.perf_counter() - t0 < 10


def test_pool_workers_freeze_the_heap_they_inherit():
    ballast = [[i] for i in range(50_000)]
    with process_pool(2) as pool:
        answers = [pool.submit(_frozen_and_pid).result() for _ in range(4)]
    assert all(frozen >= len(ballast) for frozen, _ in answers)
    assert all(pid != os.getpid() for _, pid in answers)


def test_a_signal_swallowed_during_a_fork_still_stops_the_run():
    """SIGTERM that lands in an after-fork hook (where Python ignores exceptions, as it did
    in logging's) is raised again by run_isolated, not lost."""
    script = textwrap.dedent(
        """
        import os, signal, sys
        from dsdcrn.io import Interrupted, install_signal_handlers
        from dsdcrn.processes import run_isolated
        install_signal_handlers()
        def hook():
            os.kill(os.getpid(), signal.SIGTERM)
            sum(range(1000))  # the handler runs here, its exception is ignored
        os.register_at_fork(after_in_parent=hook)
        try:
            run_isolated(sum, [1, 2], timeout=30)
        except Interrupted as err:
            sys.exit(100 + err.signum)
        sys.exit(1)
        """
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 100 + signal.SIGTERM, r.stderr
    assert "Exception ignored" in r.stderr  # the swallowing this guards against happened


def test_progress_reports_stop_a_run_whose_signal_was_swallowed(monkeypatch):
    from dsdcrn import io
    from dsdcrn.progress import report

    monkeypatch.setattr(io, "_PENDING", signal.SIGHUP)
    with pytest.raises(io.Interrupted, match="SIGHUP"):
        report(None, "build", 1, 7)
