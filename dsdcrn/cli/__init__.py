"""The ``dsdcrn`` command line (:func:`dsdcrn.cli.main.main`)."""

from dsdcrn.cli.main import main, parser

__all__ = ["main", "parser"]
