"""User-facing errors: every stage raises one of these with a one-line message."""

from __future__ import annotations


class DsdcrnError(Exception):
    """A problem with the user's input or a bound that was hit.

    The command line prints ``str(error)`` on one line and exits with status 2.
    """


class CRNParseError(DsdcrnError):
    """A malformed formal CRN line; the message names file, line and column."""

    def __init__(self, source: str, line: int, column: int, problem: str):
        self.source, self.line, self.column, self.problem = source, line, column, problem
        where = f"{source}:{line}:{column}" if line else source
        super().__init__(f"{where}: {problem}")


class SchemeError(DsdcrnError):
    """An unknown translation scheme, or a CRN the scheme cannot build."""


class EnumerationLimitError(DsdcrnError):
    """Peppercorn hit a size limit or the time-out."""


class DesignError(DsdcrnError):
    """Sequence-design constraints that cannot be met."""


class SimulationBoundError(DsdcrnError):
    """A simulation diverged, failed, or ran past its wall-time budget."""
