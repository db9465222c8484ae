"""Shared plumbing for the batch analyzers that drive an external scanner (bandit, semgrep).

* :func:`run_scanner` starts one scanner process with a deadline and turns "could not start",
  "timed out" into a :class:`ScannerFailure` carrying a one-line message (never a traceback);
* :func:`chunk_arguments` splits a long list of file arguments so that no command line exceeds a
  safe size;
* :func:`tool_path` / :func:`target_argument` convert between repo-relative POSIX paths and the
  ``./relative`` arguments we hand to the scanners (so that a file called ``-x.py`` is never an option);
* :func:`byte_to_char_column` converts the UTF-8 byte columns scanners report into character columns;
* :func:`configured_program` resolves a program named in the configuration (``executable``/``python``);
* :func:`terminate_scanners` kills every scanner still running (an interrupted qgate leaves none behind:
  they run in sessions of their own, so a terminal's Ctrl-C does not reach them).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

#: Budget for one command line, in bytes. Linux allows ~2 MiB (argv + environment); Windows 32767 chars.
ARGV_LIMIT = 32_000 if sys.platform == "win32" else 256_000


_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPED = threading.Event()


def terminate_scanners() -> None:
    """Kill the process group of every scanner started by :func:`run_scanner` that is still running, and of
    any started from now on, until :func:`allow_scanners`."""
    with _RUNNING_LOCK:
        _STOPPED.set()
        running = list(_RUNNING)
    for proc in running:
        _kill(proc)


def allow_scanners() -> None:
    """Undo :func:`terminate_scanners` (the next run may start scanners again)."""
    _STOPPED.clear()


class ScannerFailure(Exception):
    """The scanner could not be run or did not finish; ``str()`` is a one-line message."""


class ScannerTimeout(ScannerFailure):
    """The scanner did not finish before its deadline (it has been killed)."""


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


def run_scanner(
    argv: Sequence[str],
    *,
    cwd: os.PathLike | str,
    timeout: float,
    env: Optional[Mapping[str, str]] = None,
    name: str = "scanner",
) -> Completed:
    """Run ``argv`` in ``cwd`` and capture its output, killing its whole process group on timeout."""
    popen_kwargs: dict = {}
    if sys.platform != "win32":
        popen_kwargs["start_new_session"] = True  # so a timeout kills the scanner's children too
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=os.fspath(cwd),
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **popen_kwargs,
        )
    except OSError as exc:
        raise ScannerFailure(f"{name} could not be started: {exc.strerror or exc} ({argv[0]})") from None
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
        if _STOPPED.is_set():  # started while qgate was being interrupted
            _kill(proc)
    try:
        out, err = proc.communicate(timeout=max(timeout, 0.001))
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        raise ScannerTimeout(f"{name} timed out after {timeout:g} s") from None
    except BaseException:
        _kill(proc)
        proc.wait()
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    return Completed(
        proc.returncode, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")
    )


def _kill(proc: subprocess.Popen) -> None:
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - windows
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def last_line(text: str, default: str = "") -> str:
    """The last non-blank line of a tool's stderr, shortened: what we quote in a one-line error."""
    for line in reversed(text.strip().splitlines()):
        if line.strip():
            line = line.strip()
            return line if len(line) <= 300 else line[:297] + "..."
    return default


def chunk_arguments(fixed: Sequence[str], args: Sequence[str], limit: int = ARGV_LIMIT) -> list[list[str]]:
    """Split ``args`` into consecutive chunks so that ``fixed + chunk`` stays under ``limit`` bytes.

    Returns a single chunk (possibly empty) when everything fits; a single argument longer than the
    budget still gets a chunk of its own.
    """
    base = sum(_arg_size(a) for a in fixed)
    chunks: list[list[str]] = [[]]
    size = base
    for arg in args:
        arg_size = _arg_size(arg)
        if chunks[-1] and size + arg_size > limit:
            chunks.append([])
            size = base
        chunks[-1].append(arg)
        size += arg_size
    return chunks


def _arg_size(arg: str) -> int:
    return len(os.fsencode(arg)) + 1 + (8 if sys.platform != "win32" else 2)  # NUL + argv pointer / quotes


def target_argument(path: str) -> str:
    """The command-line argument for a repo-relative POSIX path: ``./path`` (never looks like an option)."""
    native = path if os.sep == "/" else path.replace("/", os.sep)
    return "." + os.sep + native


def tool_path(reported: str) -> str:
    """Normalize a path printed by a scanner (``././pkg/mod.py``, ``pkg\\mod.py``) to repo-relative POSIX."""
    path = reported.replace(os.sep, "/") if os.sep != "/" else reported
    path = posixpath.normpath(path)
    while path.startswith("./"):
        path = path[2:]
    return path


def byte_to_char_column(line: str, byte_offset: int, encoding: str = "utf-8") -> int:
    """Convert a 0-based byte offset within ``line`` to a 0-based character offset.

    Scanners count columns in bytes of the (UTF-8) source; qgate's columns count characters.
    Offsets past the end of the line are kept as they are (relative to the line's end).
    """
    if byte_offset <= 0 or line.isascii():
        return max(byte_offset, 0)
    try:
        data = line.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        data = line.encode("utf-8", errors="replace")
    if byte_offset >= len(data):
        return len(line) + (byte_offset - len(data))
    return len(data[:byte_offset].decode(encoding if encoding else "utf-8", errors="ignore"))


def configured_program(value: str, base: Path) -> Optional[str]:
    """The program a config option names: a path (``~`` expanded, relative to ``base``) when the value holds a
    path separator, otherwise a name looked up on PATH. None when it is not an executable file."""
    if os.sep in value or (os.altsep and os.altsep in value):
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base / path
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(value)
