"""Writing outputs without losing a user's files.

Every file and folder dsdcrn writes goes through this module:

* :func:`write_atomic` writes one file through a temporary sibling and a rename, so
  a reader never sees half a file and a failure leaves the old file as it was.
* :func:`claim_folder` is taken *before* any work on an output folder: it refuses a
  path that is a file, the working directory (or one of its parents), or a folder
  holding anything dsdcrn did not write; it asks for ``force`` to replace an earlier
  dsdcrn output; it proves the location writable and locks it against a second
  dsdcrn run.  :func:`write_folder` then writes the folder beside the old one and
  swaps the two in one step, keeping nothing hidden.
* New files and folders follow the user's umask (temporary files would be 0600).
* :func:`install_signal_handlers` turns SIGTERM and SIGHUP (what ``timeout`` and batch
  schedulers send) into :class:`Interrupted`, so the same clean-up as for Ctrl-C runs.

A folder counts as a dsdcrn output when every entry in it is a regular file whose
name is in :data:`OUTPUT_FILES` (the names dsdcrn writes into its output folders).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from dsdcrn.errors import DsdcrnError

#: Every file name dsdcrn writes into an output folder (design, sequence, training
#: and noise-sweep folders).  A folder holding only these may be replaced with force.
OUTPUT_FILES = frozenset(
    {
        # design folder (dsdcrn build) and sequence folder (dsdcrn design)
        "README.md",
        "formal.crn",
        "system.pil",
        "enumerated.pil",
        "verification.json",
        "domains.txt",
        "strands.fasta",
        "complexes.txt",
        "order.csv",
        "mix.csv",
        "protocol.md",
        "protocol.csv",
        "sequence_checks.json",
        "scores.md",
        "scores.json",
        "candidates.csv",
        "counts.json",
        "kinetics.png",
        "kinetics.json",
        "report.md",
        # training run (dsdcrn train) and noise sweep (dsdcrn noise)
        "curve.png",
        "curve.csv",
        "parameters.json",
        "result.json",
        "noise.json",
        "noise.png",
        # DNA-level training run (dsdcrn train --level dsd)
        "samples.csv",
        "samples.png",
    }
)

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived; raised in the main process like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


_MAIN_PID: int | None = None
_PENDING: int | None = None  # the signal that arrived, in case its exception was swallowed


def _on_signal(signum: int, _frame) -> None:
    global _PENDING
    if os.getpid() != _MAIN_PID:  # a forked worker: it owns no output, just stop
        os._exit(128 + signum)
    _PENDING = signum
    for child in multiprocessing.active_children():  # so no pool waits for its jobs
        child.terminate()
    raise Interrupted(signum)


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` again for a signal whose exception Python swallowed.

    Python ignores exceptions raised where it cannot propagate them: a signal that lands
    in ``os.fork``'s after-fork hooks (logging registers one) is reported as
    "Exception ignored" and the work would go on.  Code that forks
    (:func:`dsdcrn.processes.run_isolated`) and progress reports
    (:func:`dsdcrn.progress.report`, at every stage and job) call this.
    """
    if _PENDING is not None:
        raise Interrupted(_PENDING)


def install_signal_handlers() -> None:
    """Make SIGTERM and SIGHUP raise :class:`Interrupted` in this (the main) process."""
    global _MAIN_PID, _PENDING
    _MAIN_PID, _PENDING = os.getpid(), None
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back while a few renames and removals run."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _chmod_umask(path: Path, directory: bool) -> None:
    """Give ``path`` the mode a plain ``open``/``mkdir`` would have under the umask."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_UMASK)


def _existing_ancestor(path: Path) -> Path:
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path("/")


def _probe_writable(folder: Path, what: Path) -> None:
    """Raise DsdcrnError unless a file can be created in the nearest existing ``folder``."""
    base = _existing_ancestor(folder)
    if not base.is_dir():
        raise DsdcrnError(f"{what}: {base} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as err:
        raise DsdcrnError(f"{what}: cannot write in {base}: {err.strerror}") from None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_file(path: str | Path, inputs: tuple[str | Path | None, ...] = ()) -> Path:
    """Check, before any work, that ``path`` can be written as an output file.

    Refused: a folder, one of the ``inputs`` (the command's own input files), and a
    location that cannot be written.  An existing file is replaced (the user named it).
    """
    path = Path(path)
    if path.is_dir():
        raise DsdcrnError(f"{path}: is a folder; give a file name to write")
    for src in inputs:
        if src is not None and _same_file(path, Path(src)):
            raise DsdcrnError(f"{path}: is an input of this command; give another output name")
    _probe_writable(path.parent, path)
    return path


def write_atomic(path: str | Path, content: str | bytes | Callable[[Path], None]) -> Path:
    """Write ``content`` to ``path`` through a temporary sibling and a rename.

    ``content`` is text, bytes, or a function that writes the file at the path it is
    given (for writers such as matplotlib's ``savefig``).  Missing parent folders are
    created; the file gets the mode the umask gives a new file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            data = content.encode() if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        _chmod_umask(tmp, directory=False)
        os.replace(tmp, path)
    except BaseException:
        with _signals_blocked():
            tmp.unlink(missing_ok=True)
        raise
    return path


def emit(text: str, out: str | None) -> None:
    """Write ``text`` to the file ``out`` atomically (:func:`write_atomic`) and report
    ``wrote OUT`` on stderr, or write it to stdout when ``out`` is None or empty."""
    if out:
        write_atomic(out, text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _foreign_entries(folder: Path) -> list[str]:
    """Entries of ``folder`` that are not files dsdcrn writes into its output folders."""
    return sorted(p.name for p in folder.iterdir() if p.name not in OUTPUT_FILES or not p.is_file())


def check_output_folder(path: str | Path, force: bool = False) -> Path:
    """Raise :class:`DsdcrnError` unless ``path`` may be (re)written as an output folder.

    Allowed: a new path, an empty folder, and (with ``force``) a folder that holds
    only files dsdcrn writes.  Refused: a file, a symbolic link, the working directory
    or a folder containing it, and a folder holding anything else.
    """
    path = Path(path)
    if path.is_symlink():
        raise DsdcrnError(f"{path}: is a symbolic link; give the folder it points to")
    if path.exists() and not path.is_dir():
        raise DsdcrnError(f"{path}: is a file, not a folder; give a new folder name")
    if path.is_dir():
        cwd = Path.cwd().resolve()
        real = path.resolve()
        if real == cwd or real in cwd.parents:
            raise DsdcrnError(
                f"{path}: is the working folder or contains it; give a new folder name"
            )
        foreign = _foreign_entries(path)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise DsdcrnError(
                f"{path}: folder holds files dsdcrn did not write ({shown}); give a new folder name"
            )
        if any(path.iterdir()) and not force:
            raise DsdcrnError(f"{path}: holds an earlier dsdcrn output; pass --force to replace it")
    return path


# folders this process has locked: resolved path -> (lock file, its descriptor)
_LOCKS: dict[Path, tuple[Path, int]] = {}


def _lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


def _acquire(folder: Path) -> None:
    lock = _lock_path(folder)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
        except OSError as err:
            raise DsdcrnError(f"{folder}: cannot write in {lock.parent}: {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DsdcrnError(
                f"{folder}: another dsdcrn run (pid {holder}) is writing this folder; "
                "wait for it or give another folder name"
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:  # the holder removed it just before we locked
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            _LOCKS[folder] = (lock, fd)
            return
        os.close(fd)


def _release(folder: Path) -> None:
    lock, fd = _LOCKS.pop(folder)
    with _signals_blocked():
        lock.unlink(missing_ok=True)
        os.close(fd)


@contextlib.contextmanager
def claim_folder(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Check and lock output folder ``path`` for the duration of a run.

    Taken before any work: :func:`check_output_folder` runs, missing parent folders
    are created (and removed again if the run fails and leaves them empty), and a lock
    file beside the folder stops a second dsdcrn run from writing it meanwhile.
    """
    path = check_output_folder(path, force)
    _probe_writable(path.parent, path)
    created = []
    for parent in reversed(path.absolute().parents):
        if not parent.exists():
            try:
                parent.mkdir()
            except OSError as err:
                _remove_empty(created)
                raise DsdcrnError(f"{path}: cannot create {parent}: {err.strerror}") from None
            _chmod_umask(parent, directory=True)
            created.append(parent)
    key = path.absolute()
    held = key in _LOCKS
    ok = False
    try:
        if not held:
            _acquire(key)
        yield path
        ok = True
    finally:
        if not held and key in _LOCKS:
            _release(key)
        if not ok:
            _remove_empty(created)


def _remove_empty(folders: list[Path]) -> None:
    with _signals_blocked():
        for d in reversed(folders):
            with contextlib.suppress(OSError):
                d.rmdir()


def _exchange(a: Path, b: Path) -> bool:
    """Swap paths ``a`` and ``b`` in one step (Linux renameat2); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def write_folder(
    files: dict[str, str | bytes],
    out: str | Path,
    extra: Callable[[Path], None] | None = None,
    force: bool = False,
) -> Path:
    """Write ``files`` (name -> content) as folder ``out``.

    ``extra(tmp)`` may add more files to the new folder first.  The folder is written
    beside ``out`` under a temporary name and swapped into place; an existing ``out``
    is replaced only as :func:`check_output_folder` allows (``force`` for an earlier
    dsdcrn output).  On any failure, or a signal, nothing is left behind.
    """
    out = Path(out)
    with claim_folder(out, force):
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        try:
            _chmod_umask(tmp, directory=True)
            for name, content in files.items():
                data = content.encode() if isinstance(content, str) else content
                (tmp / name).write_bytes(data)
            if extra is not None:
                extra(tmp)
            unknown = _foreign_entries(tmp)
            if unknown:
                raise RuntimeError(f"write_folder: {unknown} missing from OUTPUT_FILES")
            check_output_folder(out, force)  # the folder may have changed during the run
            with _signals_blocked():
                if out.exists() and _exchange(tmp, out):
                    shutil.rmtree(tmp)
                elif out.exists():
                    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
                    os.rename(out, old / out.name)
                    os.rename(tmp, out)
                    shutil.rmtree(old)
                else:
                    os.rename(tmp, out)
        except BaseException:
            with _signals_blocked():
                shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out
