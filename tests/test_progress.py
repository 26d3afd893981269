"""Progress callbacks and the terminal bar."""

from __future__ import annotations

import io

from dsdcrn.progress import report, terminal_bar


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_report_calls_the_callback_and_tolerates_none():
    seen = []
    report(lambda *a: seen.append(a), "design", 1, 4)
    report(None, "design", 2, 4)
    assert seen == [("design", 1, 4)]


def test_no_bar_unless_a_terminal():
    assert terminal_bar(io.StringIO()) is None


def test_bar_draws_and_closes_on_a_terminal():
    out = _Tty()
    bar = terminal_bar(out)
    assert bar is not None
    for k in range(1, 5):
        bar("enumerate modules", k, 4)
    text = out.getvalue()
    assert "enumerate modules" in text and "4/4" in text
    bar("enumerate modules", 1, 2)  # a finished task may start again with a new bar
    assert "1/2" in out.getvalue()
