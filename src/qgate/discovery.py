"""Which files are analyzed. An edge module: it lists directories and asks git about ignored files.

Rules, in order:

* a path outside the analysis root is a usage error;
* ``exclude``/``extend_exclude`` (gitignore-style, matched on the repo-relative path) always apply, also to
  files named on the command line (like ruff's ``force-exclude``: pre-commit passes file names);
* ``.gitignore`` is respected (git's own answer inside a repository, pathspec outside one);
* directories are walked for files matching ``include``; files named explicitly only need to be Python;
* symbolic links are never followed out of the root, and directory links are not followed at all;
* inside a git repository, a folder that is a work tree of its own (a submodule, a nested repository) is
  not walked: its files belong to that repository (analyze it there) and it is listed as skipped;
* files over ``max_file_size_kb`` are not analyzed and are listed as skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterable, Optional, Sequence

import pathspec
from pydantic import Field

from qgate.config import Settings
from qgate.errors import UsageError
from qgate.model import Frozen, SkippedFile


class Candidate(Frozen):
    path: str = Field(description="Repository-relative POSIX path.")
    abspath: Path


class Discovery(Frozen):
    files: tuple[Candidate, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()


def relative_posix(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _spec(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def is_excluded(rel_path: str, settings: Settings) -> bool:
    """True when the config's exclude patterns cover a repository-relative path."""
    return _spec(settings.all_excludes).match_file(rel_path)


def _git_ignored(root: Path, rel_paths: Sequence[str]) -> set[str]:
    """The subset of rel_paths that git ignores (None of them when git is unavailable or root is no repo)."""
    if not rel_paths or not (root / ".git").exists():
        return set()
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--no-index", "-z", "--stdin"],
            input="\0".join(rel_paths).encode() + b"\0",
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if proc.returncode not in (0, 1):
        return set()
    return {p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p}


def _git_ignored_dirs(root: Path) -> frozenset[str]:
    """Folders git ignores under root, as ``rel/`` paths: the walk does not enter them at all (a virtualenv,
    a build tree or a checkout kept in an ignored folder costs nothing and is not reported)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    if proc.returncode != 0:
        return frozenset()
    return frozenset(p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p.endswith("/"))


def _gitignore_spec(root: Path) -> Optional[pathspec.GitIgnoreSpec]:
    """Outside a git repository: honour the .gitignore at the root (and .git/info/exclude-like files are moot)."""
    ignore_file = root / ".gitignore"
    if not ignore_file.is_file():
        return None
    try:
        return _spec(ignore_file.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


def discover(root: Path, paths: Sequence[Path], settings: Settings) -> Discovery:
    """List the files to analyze under ``paths`` (default: the whole root)."""
    root = root.resolve()
    include = _spec(settings.include)
    exclude = _spec(settings.all_excludes)
    explicit: list[tuple[str, Path]] = []
    walked: list[tuple[str, Path]] = []
    in_git = (root / ".git").exists()
    pruned = _git_ignored_dirs(root) if settings.respect_gitignore and in_git else frozenset()
    skipped: list[SkippedFile] = []

    for given in paths or [root]:
        absolute = (given if given.is_absolute() else Path.cwd() / given).absolute()
        try:
            resolved = absolute.resolve()
        except (OSError, RuntimeError):
            raise UsageError(f"{given}: cannot resolve path (symbolic link loop?)") from None
        if not is_inside(resolved, root):
            raise UsageError(f"{given}: path is outside the analysis root {root}")
        if not absolute.exists():
            raise UsageError(f"{given}: no such file or directory")
        if resolved.is_dir():
            walked.extend(_walk(root, _logical(absolute, resolved, root), include, exclude, skipped, pruned))
        else:
            rel = relative_posix(_logical(absolute, resolved, root), root)
            if not exclude.match_file(rel):
                explicit.append((rel, resolved))

    candidates = dict(walked)
    if settings.respect_gitignore and candidates:
        ignored = _git_ignored(root, sorted(candidates)) if in_git else set()
        spec = None if in_git else _gitignore_spec(root)
        for rel in list(candidates):
            if rel in ignored or (spec is not None and spec.match_file(rel)):
                del candidates[rel]
    candidates.update(explicit)

    files: list[Candidate] = []
    limit = settings.max_file_size_kb * 1024
    for rel, abspath in sorted(candidates.items()):
        try:
            size = abspath.stat().st_size
        except OSError as exc:
            skipped.append(SkippedFile(path=rel, reason=f"cannot stat: {exc.strerror or exc}"))
            continue
        if size > limit:
            skipped.append(
                SkippedFile(path=rel, reason=f"file size {size} bytes exceeds max_file_size_kb={settings.max_file_size_kb}")
            )
            continue
        files.append(Candidate(path=rel, abspath=abspath))
    return Discovery(files=tuple(files), skipped=tuple(sorted(skipped, key=lambda s: s.path)))


def is_inside(path: Path, root: Path) -> bool:
    """True when path is root or below it (both already resolved)."""
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _logical(absolute: Path, resolved: Path, root: Path) -> Path:
    """The path as named under root (a symlink inside the root keeps its own name) when possible."""
    try:
        Path(os.path.normpath(absolute)).relative_to(root)
        return Path(os.path.normpath(absolute))
    except ValueError:
        return resolved


def _walk(
    root: Path,
    start: Path,
    include: pathspec.GitIgnoreSpec,
    exclude: pathspec.GitIgnoreSpec,
    skipped: list[SkippedFile],
    pruned: frozenset[str] = frozenset(),
) -> Iterable[tuple[str, Path]]:
    """Files under start matching include; ``pruned`` folders (``rel/``, git-ignored) are not entered."""
    in_git = (root / ".git").exists()
    for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
        current = Path(dirpath)
        rel_dir = "" if current == root else relative_posix(current, root) + "/"
        dirnames[:] = sorted(
            d for d in dirnames if not exclude.match_file(f"{rel_dir}{d}/") and f"{rel_dir}{d}/" not in pruned
        )
        if in_git:
            nested = [d for d in dirnames if (current / d / ".git").exists()]
            for name in nested:
                skipped.append(SkippedFile(path=f"{rel_dir}{name}", reason="git submodule or nested repository (analyze it on its own)"))
            dirnames[:] = [d for d in dirnames if d not in nested]
        for name in sorted(filenames):
            rel = f"{rel_dir}{name}"
            if not include.match_file(rel) or exclude.match_file(rel):
                continue
            path = current / name
            if path.is_symlink():
                try:
                    target = path.resolve()
                except (OSError, RuntimeError):  # a loop: RuntimeError before Python 3.13
                    skipped.append(SkippedFile(path=rel, reason="looping symbolic link"))
                    continue
                if not is_inside(target, root):
                    skipped.append(SkippedFile(path=rel, reason="symbolic link pointing outside the analysis root"))
                    continue
                if not target.is_file():
                    skipped.append(SkippedFile(path=rel, reason="broken or looping symbolic link"))
                    continue
            elif not path.is_file():
                continue
            yield rel, path
