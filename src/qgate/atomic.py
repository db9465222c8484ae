"""Atomic file writes: a temporary file in the target's folder, fsync, then a rename. Never a partial file,
even when the process is interrupted (SIGINT/SIGTERM) half-way."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Union

from qgate.errors import InputError


def atomic_write(
    path: Union[str, os.PathLike[str]], data: Union[str, bytes], *, what: str = "file", make_parents: bool = False
) -> None:
    """Replace ``path`` with ``data`` atomically; an OSError becomes a one-line InputError naming ``what``."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = target.parent if str(target.parent) else Path(".")
    tmp_name = None
    try:
        if make_parents:
            directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp's 0600 would hide reports from other users
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_dir(directory)
    except OSError as exc:
        raise InputError(f"cannot write {what} {target}: {exc.strerror or exc}") from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass  # the temporary file is already gone: nothing to clean up


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename itself is still atomic
    finally:
        os.close(fd)
