"""Child processes and pools: results, errors, time-outs, and the frozen inherited heap."""

from __future__ import annotations

import gc
import os
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
