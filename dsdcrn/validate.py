"""Input validation at the edge: one place per kind of input.

Text files (formal CRNs, initial-concentration files, domain-level PIL) are read
with :func:`read_text_file`, which decodes strictly as UTF-8 and names the line of
the first bad byte.  Command-line numbers are checked by the ``argparse`` ``type=``
callables below, so a bad value is a one-line usage error (exit status 2) before
any work starts; each raises :class:`argparse.ArgumentTypeError` with a message
such as ``must be a finite number > 0, got 'nan'``.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path

from dsdcrn.errors import CRNParseError, DsdcrnError

__all__ = [
    "check_fuel_bounds",
    "fraction",
    "int_at_least",
    "nonnegative_float",
    "nonnegative_float_list",
    "temperature_C",
    "nonnegative_int",
    "positive_float",
    "positive_int",
    "positive_int_list",
    "SPECIES_NAME",
    "read_text_file",
    "species_list",
    "weight_item",
]


# --- text files -------------------------------------------------------------------


def read_text_file(path: str | Path, kind: str = "CRN") -> str:
    """The text of ``path``, decoded strictly as UTF-8 (a leading BOM is dropped).

    Parameters
    ----------
    path
        The file to read.
    kind
        What the file should be, for the message about a binary file (``"CRN"``,
        ``"PIL file"`` ...).

    Raises
    ------
    CRNParseError
        ``FILE: cannot read file: ...`` when it cannot be read, ``FILE:LINE:COL: a
        binary file, not a KIND`` when it holds a NUL byte, and ``FILE:LINE:COL: not
        UTF-8 text: ...`` at the first byte that is not UTF-8.
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise CRNParseError(source, 0, 0, f"cannot read file: {err.strerror or err}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CRNParseError(source, 1, 1, "not UTF-8 text: UTF-16 (save the file as UTF-8)")
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _position(data, nul)
        raise CRNParseError(source, line, col, f"a binary file, not a {kind} (NUL byte)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, col = _position(data, err.start)
        bad = " ".join(f"0x{b:02x}" for b in data[err.start : err.end])
        raise CRNParseError(
            source, line, col, f"not UTF-8 text: byte {bad} ({err.reason}); save it as UTF-8"
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column), both from 1, of byte ``offset``; the column counts characters."""
    start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[start:offset].decode("utf-8", errors="replace")
    if start == 0 and prefix.startswith("\ufeff"):
        prefix = prefix[1:]
    return data.count(b"\n", 0, offset) + 1, len(prefix) + 1


# --- command-line numbers ---------------------------------------------------------


def _float(text: str, ok: Callable[[float], bool], what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and ok(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number {what}, got {text!r}")
    return value


def _int(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (concentrations, times, energies, rates)."""
    return _float(text, lambda x: x > 0, "> 0")


def above_one(text: str) -> float:
    """A finite number > 1 (a stock's fold over its working concentration)."""
    return _float(text, lambda x: x > 1, "> 1")


def temperature_C(text: str) -> float:
    """A temperature in [0, 95] °C (where ViennaRNA's DNA parameters are used)."""
    return _float(text, lambda x: 0 <= x <= 95, "in [0, 95] °C")


def nonnegative_float(text: str) -> float:
    """A finite number >= 0 (noise σ, a learning rate that may be frozen at 0)."""
    return _float(text, lambda x: x >= 0, ">= 0")


def executor_spec(text: str) -> str:
    """Where modular jobs run: ``processes``, ``dask`` or ``dask://HOST:PORT``
    (:mod:`dsdcrn.executors`)."""
    from dsdcrn.errors import DsdcrnError
    from dsdcrn.executors import check_executor

    try:
        return check_executor(text)
    except DsdcrnError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def fraction(text: str) -> float:
    """A finite number in (0, 1]."""
    return _float(text, lambda x: 0 < x <= 1, "with 0 < x <= 1")


def positive_int(text: str) -> int:
    """An integer >= 1 (counts, bounds, processes)."""
    return _int(text, 1)


def nonnegative_int(text: str) -> int:
    """An integer >= 0 (seeds)."""
    return _int(text, 0)


def int_at_least(minimum: int) -> Callable[[str], int]:
    """A ``type=`` callable accepting integers >= ``minimum``."""

    def check(text: str) -> int:
        return _int(text, minimum)

    check.__name__ = f"int_at_least_{minimum}"
    return check


def positive_int_list(text: str) -> tuple[int, ...]:
    """Comma-separated integers, each >= 1 (layer sizes, e.g. ``20,10``)."""
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"must be comma-separated integers >= 1, got {text!r}")
    return values


def nonnegative_float_list(text: str) -> tuple[float, ...]:
    """Comma-separated finite numbers, each >= 0 (e.g. noise σ ``0,0.05,0.1``)."""
    items = [v.strip() for v in text.split(",") if v.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"must be comma-separated numbers >= 0, got {text!r}")
    values = []
    for item in items:
        try:
            values.append(nonnegative_float(item))
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"must be comma-separated finite numbers >= 0, got {item!r} in {text!r}"
            ) from None
    return tuple(values)


#: A formal species name, as the CRN reader (:mod:`dsdcrn.model.crn`) accepts it.
SPECIES_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def species_list(text: str) -> tuple[str, ...]:
    """Comma-separated formal species names (``Op,Om``); ``none`` for no species.

    Whether each is a species of the circuit is checked where the circuit is known.
    """
    if text.strip().lower() == "none":
        return ()
    names = tuple(dict.fromkeys(v.strip() for v in text.split(",") if v.strip()))
    bad = [n for n in names if not SPECIES_NAME.fullmatch(n)]
    if not names or bad:
        raise argparse.ArgumentTypeError(
            f"must be comma-separated species names or 'none', got {text!r}"
        )
    return names


def weight_item(text: str) -> str:
    """``METRIC=W`` with W a finite number >= 0 (percent); returned unchanged.

    The metric name is checked against the ranking's metrics where it is used.
    """
    name, sep, value = text.rpartition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"must be METRIC=W, got {text!r}")
    try:
        nonnegative_float(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"must be METRIC=W with W a finite number >= 0, got {value!r} in {text!r}"
        ) from None
    return text


def check_fuel_bounds(min_fuel_nM: float, max_fuel_nM: float) -> None:
    """One line when ``--min-fuel-nM`` is above ``--max-fuel-nM`` (nM)."""
    if min_fuel_nM > max_fuel_nM:
        raise DsdcrnError(f"--min-fuel-nM {min_fuel_nM:g} is above --max-fuel-nM {max_fuel_nM:g}")
