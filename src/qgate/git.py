"""Everything qgate asks git: the only module that runs it.

Every call is ``git -C <root> ...`` through :mod:`subprocess` (never a shell) with ``LC_ALL=C``, no
pager, no credential prompt, no optional locks, and a timeout. Failures become one-line
:class:`~qgate.errors.GitError`\\ s.

Not a repository: :func:`find_repo_root` returns None; every other function given a directory
outside a work tree raises ``GitError("not a git repository: <path>")``.

New code is the diff from ``merge-base(REF, HEAD)`` to the working tree (committed, staged and
unstaged changes), plus untracked non-ignored files. :func:`new_code_scope` does the whole
sequence; the pieces are public for callers that need one step:

    choice = resolve_reference(root, explicit, configured, os.environ, fetch=bool(os.environ.get("CI")))
    base = ensure_history(root, choice.sha, ref=choice.ref)   # trusted merge base, deepening a shallow clone
    files = changed_lines(root, base)                          # path -> FileDiff
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional, Union

from pydantic import Field

from qgate.errors import GitError
from qgate.model import Frozen
from qgate.newcode.diff import FileDiff, parse_diff, renames, reroot

PathLike = Union[str, "os.PathLike[str]"]

TIMEOUT = 60.0
"""Seconds allowed to a local git command."""
FETCH_TIMEOUT = 300.0
"""Seconds allowed to one ``git fetch``."""
DEEPEN_STEPS = (50, 200, 1000)
"""Commits added per ``git fetch --deepen`` attempt before a final ``--unshallow``."""

# Variables that would point git at another repository or index than the one under ``root``.
_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_NAMESPACE")

CI_VARIABLES = (
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_BASE_REF",
    "GITHUB_HEAD_REF",
    "GITLAB_CI",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
)

SHALLOW_HINT = (
    "fetch the full history in CI: GitHub Actions `actions/checkout` with `fetch-depth: 0`; "
    "GitLab CI variable `GIT_DEPTH: 0`; elsewhere run `git fetch --unshallow`"
)


# --------------------------------------------------------------------------------------------- models


class ReferenceChoice(Frozen):
    """The reference new code is measured against, and where it came from."""

    ref: Optional[str] = Field(default=None, description="The reference as resolved, e.g. origin/main or a sha.")
    sha: Optional[str] = Field(default=None, description="The commit the reference points to; None when no reference.")
    source: str = Field(
        default="none",
        description="--base, config, GITHUB_BASE_REF, CI_MERGE_REQUEST_DIFF_BASE_SHA, "
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME, origin/HEAD, default-branch or none.",
    )
    reason: str = Field(default="", description="Why there is no reference (source 'none'); '' otherwise.")


class NewCodeScope(Frozen):
    """The outcome of :func:`new_code_scope`: either every line is new (with a reason) or a diff."""

    all_new: bool
    reason: str = Field(default="", description="Why everything is new code; '' when a reference was used.")
    reference: Optional[ReferenceChoice] = None
    merge_base: Optional[str] = None
    files: dict[str, FileDiff] = Field(default_factory=dict, description="Post-image path -> new lines.")
    renamed: dict[str, str] = Field(default_factory=dict, description="Old path -> new path of renamed files.")


# --------------------------------------------------------------------------------------------- running git


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_ENV}
    env.update(
        LC_ALL="C",
        LANGUAGE="C",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_PAGER="cat",
        GCM_INTERACTIVE="never",
    )
    return env


def _run(
    root: PathLike,
    args: Sequence[str],
    *,
    check: bool = True,
    timeout: float = TIMEOUT,
    input_bytes: Optional[bytes] = None,
    extra_env: Optional[Mapping[str, str]] = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C root *args``; with ``check`` a non-zero exit raises GitError with git's first error line."""
    env = _env()
    if extra_env:
        env.update(extra_env)
    cmd = ["git", "-C", os.fspath(root), *args]
    try:
        proc = subprocess.run(
            cmd, input=input_bytes, capture_output=True, env=env, timeout=timeout, check=False,
            stdin=None if input_bytes is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} timed out after {timeout:g} s in {root}") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if check and proc.returncode != 0:
        raise GitError(f"git {args[0]} failed in {root}: {_first_error(proc.stderr)}")
    return proc


def _first_error(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith(("fatal:", "error:")):
            return ln.split(":", 1)[1].strip()
    return lines[0] if lines else "unknown error"


def _out(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stdout.decode("utf-8", "surrogateescape").strip()


# --------------------------------------------------------------------------------------------- repository state


def find_repo_root(path: PathLike) -> Optional[Path]:
    """The top of the work tree containing ``path`` (a file or directory), or None outside any git work tree."""
    start = Path(path)
    if not start.is_dir():
        start = start.parent
    if not start.is_dir():
        return None
    proc = _run(start, ["rev-parse", "--show-toplevel"], check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return Path(_out(proc))


def _require_repo(root: PathLike) -> None:
    proc = _run(root, ["rev-parse", "--is-inside-work-tree"], check=False) if Path(root).is_dir() else None
    if proc is None or proc.returncode != 0 or _out(proc) != "true":
        raise GitError(f"not a git repository: {root}")


def has_commits(root: PathLike) -> bool:
    """False for a repository whose HEAD is unborn (no commit yet)."""
    _require_repo(root)
    return _run(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False).returncode == 0


def is_shallow(root: PathLike) -> bool:
    """True for a shallow clone (``git clone --depth``), whose merge bases cannot be trusted."""
    _require_repo(root)
    return _out(_run(root, ["rev-parse", "--is-shallow-repository"])) == "true"


def head_sha(root: PathLike) -> Optional[str]:
    """The commit HEAD points to (works detached), None when HEAD is unborn."""
    _require_repo(root)
    proc = _run(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False)
    return _out(proc) if proc.returncode == 0 else None


def resolve_commit(root: PathLike, ref: str) -> Optional[str]:
    """The commit sha ``ref`` names, or None when it names no commit (options are never accepted)."""
    if not ref or ref.startswith("-") or "\0" in ref:
        return None
    proc = _run(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], check=False)
    return _out(proc) if proc.returncode == 0 else None


def remotes(root: PathLike) -> list[str]:
    """Configured remote names, ``origin`` first."""
    names = _out(_run(root, ["remote"])).split()
    return sorted(names, key=lambda n: (n != "origin", n))


# --------------------------------------------------------------------------------------------- reference


def ci_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The CI variables qgate reads (:data:`CI_VARIABLES`) that are set and non-empty, in that order."""
    return {name: env[name].strip() for name in CI_VARIABLES if env.get(name, "").strip()}


def _ci_candidates(ci: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    """(candidate, source, is_branch_name) in resolution order."""
    out: list[tuple[str, str, bool]] = []
    if "GITHUB_BASE_REF" in ci:
        name = ci["GITHUB_BASE_REF"]
        out += [(f"origin/{name}", "GITHUB_BASE_REF", True), (name, "GITHUB_BASE_REF", True)]
    if "CI_MERGE_REQUEST_DIFF_BASE_SHA" in ci:
        out.append((ci["CI_MERGE_REQUEST_DIFF_BASE_SHA"], "CI_MERGE_REQUEST_DIFF_BASE_SHA", False))
    if "CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in ci:
        name = ci["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"]
        out += [
            (f"origin/{name}", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", True),
            (name, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", True),
        ]
    return out


def resolve_reference(
    root: PathLike,
    explicit: Optional[str] = None,
    configured: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    *,
    fetch: bool = False,
) -> ReferenceChoice:
    """Choose the reference new code is measured against.

    Order: ``explicit`` (--base), ``configured`` (new_code.reference), CI variables (GitHub
    ``GITHUB_BASE_REF`` as ``origin/<ref>`` then ``<ref>``; GitLab ``CI_MERGE_REQUEST_DIFF_BASE_SHA``
    then ``CI_MERGE_REQUEST_TARGET_BRANCH_NAME`` like GitHub's), ``origin/HEAD``, then ``main``,
    ``master``, ``origin/main``, ``origin/master``. The first candidate naming a commit wins; an
    explicit or configured reference that names none raises ``GitError("unknown reference 'x'")``.
    No candidate: a choice with ``sha=None``, ``source='none'`` and a ``reason``; likewise when HEAD is
    unborn. With ``fetch=True`` a candidate missing locally is fetched from the remote first
    (``origin/<branch>`` as ``refs/heads/<branch>``, a sha as is), which is what a CI checkout needs.
    """
    _require_repo(root)
    if not has_commits(root):
        return ReferenceChoice(reason="the repository has no commits yet: all code is new")
    for value, source in ((explicit, "--base"), (configured, "config")):
        if value is not None and value.strip():
            value = value.strip()
            sha = resolve_commit(root, value) or (_fetch_candidate(root, value) if fetch else None)
            if sha is None:
                raise GitError(f"unknown reference '{value}' (from {source}): no such branch, tag or commit")
            return ReferenceChoice(ref=value, sha=sha, source=source)

    for value, source, _branch in _ci_candidates(ci_environment(env or {})):
        sha = resolve_commit(root, value) or (_fetch_candidate(root, value) if fetch else None)
        if sha is not None:
            return ReferenceChoice(ref=value, sha=sha, source=source)

    sha = resolve_commit(root, "refs/remotes/origin/HEAD")
    if sha is not None:
        target = _run(root, ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], check=False)
        name = _out(target) if target.returncode == 0 and _out(target) else "origin/HEAD"
        return ReferenceChoice(ref=name, sha=sha, source="origin/HEAD")

    for value in ("main", "master", "origin/main", "origin/master"):
        sha = resolve_commit(root, value)
        if sha is not None:
            return ReferenceChoice(ref=value, sha=sha, source="default-branch")

    return ReferenceChoice(
        reason="no reference branch found (no --base, no new_code.reference, no CI variable, "
        "no origin/HEAD, main or master): all code is new"
    )


_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


def _fetch_candidate(root: PathLike, value: str) -> Optional[str]:
    """Fetch a missing reference from its remote; its sha, or None when that failed."""
    names = remotes(root)
    if not names or value.startswith("-"):
        return None
    remote, refspec = names[0], None
    head, _, rest = value.partition("/")
    if rest and head in names:
        remote, refspec = head, f"+refs/heads/{rest}:refs/remotes/{head}/{rest}"
    elif _SHA.match(value):
        refspec = value
    else:
        refspec = f"+refs/heads/{value}:refs/remotes/{remote}/{value}"
    args = ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules"]
    if is_shallow(root):
        args.append(f"--depth={DEEPEN_STEPS[0]}")
    proc = _run(root, [*args, remote, refspec], check=False, timeout=FETCH_TIMEOUT)
    if proc.returncode != 0:
        return None
    if refspec == value:  # a sha: it is there now, or it is not
        return resolve_commit(root, value)
    return resolve_commit(root, value) or resolve_commit(root, refspec.rsplit(":", 1)[1])


# --------------------------------------------------------------------------------------------- merge base


def _shallow_commits(root: PathLike) -> set[str]:
    path = _out(_run(root, ["rev-parse", "--git-path", "shallow"]))
    file = Path(path) if os.path.isabs(path) else Path(root) / path
    try:
        return set(file.read_text(encoding="ascii").split())
    except OSError:
        return set()


def merge_base(root: PathLike, ref: str) -> Optional[str]:
    """``git merge-base ref HEAD``, only when it can be trusted; None otherwise.

    None when there is no common ancestor, or when the repository is shallow and some cut-off
    commit lies between the merge base found and HEAD or ``ref`` (a shallow history can make git
    report an older common ancestor than the real one, without error). Raises GitError when
    ``ref`` names no commit or HEAD is unborn.
    """
    _require_repo(root)
    sha = resolve_commit(root, ref)
    if sha is None:
        raise GitError(f"unknown reference '{ref}'")
    head = head_sha(root)
    if head is None:
        raise GitError(f"no merge base with '{ref}': the repository has no commits yet")
    proc = _run(root, ["merge-base", sha, head], check=False)
    if proc.returncode == 1:
        return None
    if proc.returncode != 0:
        raise GitError(f"git merge-base failed in {root}: {_first_error(proc.stderr)}")
    base = _out(proc).split()[0]
    if base in (head, sha):  # one tip is an ancestor of the other: exact whatever the depth
        return base
    shallow = _shallow_commits(root) if is_shallow(root) else set()
    if shallow:
        # Exact unless a cut-off commit lies above the base: its missing parents could lead to a
        # better common ancestor that git never saw.
        between = _out(_run(root, ["rev-list", head, sha, f"^{base}", "--"])).split()
        if shallow.intersection(between):
            return None
    return base


def ensure_history(root: PathLike, sha: str, *, ref: Optional[str] = None) -> str:
    """The merge base of HEAD and commit ``sha`` (reference ``ref``), deepening a shallow clone to find it.

    In a full clone this is :func:`merge_base`, and a missing common ancestor is a GitError. In a
    shallow clone with a remote, history is fetched with ``git fetch --deepen`` (see
    :data:`DEEPEN_STEPS`) and finally ``--unshallow`` until the merge base is provably right. A
    shallow clone without a remote, or one still without a merge base, raises a GitError that says
    what to change in the CI checkout step.
    """
    label = ref or sha
    base = merge_base(root, sha)
    if base is not None:
        return base
    if not is_shallow(root):
        raise GitError(f"HEAD and '{label}' have no common ancestor: cannot tell new code from old")
    names = remotes(root)
    if not names:
        raise GitError(f"shallow clone without a remote: cannot find the merge base of HEAD and '{label}'; {SHALLOW_HINT}")
    remote = names[0]
    wants = [_head_or_raise(root)]
    head_part, _, rest = (ref or "").partition("/")
    if rest and head_part in names:
        remote = head_part
        wants.append(f"+refs/heads/{rest}:refs/remotes/{head_part}/{rest}")
    else:
        wants.append(sha)
    last_error = ""
    for step in (*DEEPEN_STEPS, None):
        depth = [f"--deepen={step}"] if step is not None else ["--unshallow"]
        args = ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", *depth, remote, *wants]
        proc = _run(root, args, check=False, timeout=FETCH_TIMEOUT)
        if proc.returncode != 0 and len(wants) > 1:
            # Some servers refuse a bare sha; deepen along the reference alone.
            wants = wants[1:]
            args = ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", *depth, remote, *wants]
            proc = _run(root, args, check=False, timeout=FETCH_TIMEOUT)
        if proc.returncode != 0:
            last_error = _first_error(proc.stderr)
            if step is None or not is_shallow(root):
                break
            continue
        base = merge_base(root, sha)
        if base is not None:
            return base
        if not is_shallow(root):
            raise GitError(f"HEAD and '{label}' have no common ancestor: cannot tell new code from old")
    detail = f" (git fetch: {last_error})" if last_error else ""
    raise GitError(f"shallow clone: cannot find the merge base of HEAD and '{label}'{detail}; {SHALLOW_HINT}")


def _head_or_raise(root: PathLike) -> str:
    head = head_sha(root)
    if head is None:
        raise GitError("the repository has no commits yet")
    return head


# --------------------------------------------------------------------------------------------- changes


_DIFF_OPTIONS = (
    "-c",
    "core.quotepath=off",
    "diff",
    "-U0",
    "-w",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-M",
    "--inter-hunk-context=0",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--no-relative",
    "--ignore-submodules",
)


def work_tree_files(root: PathLike) -> list[str]:
    """Every file of the work tree that git knows or would add (tracked and untracked, not ignored, not
    deleted), repository-relative POSIX paths, sorted."""
    _require_repo(root)
    top = find_repo_root(root) or Path(root)
    proc = _run(top, ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name"])
    names = {p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p and not p.endswith("/")}
    return sorted(p for p in names if (top / p).exists())


def untracked_files(root: PathLike) -> list[str]:
    """Untracked, non-ignored files, repository-relative POSIX paths, sorted."""
    _require_repo(root)
    top = find_repo_root(root) or Path(root)
    proc = _run(top, ["ls-files", "-z", "--others", "--exclude-standard", "--full-name"])
    # A nested repository shows as "dir/": it is not a file of this one.
    return sorted(p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p and not p.endswith("/"))


def diff_text(root: PathLike, base_sha: str) -> str:
    """``git diff -U0 -w -M`` from ``base_sha`` to the working tree, untracked files included as added.

    Untracked files are shown to git through a throw-away copy of the index with intent-to-add
    entries (``git add -N``), so that a file moved with a plain ``mv`` is still seen as a rename.
    The repository's own index is never written.
    """
    return _diff_and_untracked(root, base_sha)[0]


def _diff_and_untracked(root: PathLike, base_sha: str) -> tuple[str, list[str]]:
    _require_repo(root)
    top = find_repo_root(root) or Path(root)
    if resolve_commit(top, base_sha) is None:
        raise GitError(f"unknown reference '{base_sha}'")
    untracked = untracked_files(top)
    if untracked:
        text = _diff_with_untracked(top, base_sha, untracked)
        if text is not None:
            return text, untracked
    return _run(top, [*_DIFF_OPTIONS, base_sha, "--"]).stdout.decode("utf-8", "surrogateescape"), untracked


def _diff_with_untracked(top: Path, base_sha: str, untracked: list[str]) -> Optional[str]:
    index = _out(_run(top, ["rev-parse", "--git-path", "index"]))
    index_path = Path(index) if os.path.isabs(index) else top / index
    tmpdir = tempfile.mkdtemp(prefix="qgate-index-")
    try:
        tmp_index = os.path.join(tmpdir, "index")
        if index_path.is_file():
            shutil.copyfile(index_path, tmp_index)
        env = {"GIT_INDEX_FILE": tmp_index, "GIT_LITERAL_PATHSPECS": "1"}
        listing = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in untracked)
        added = _run(
            top,
            ["add", "--intent-to-add", "--pathspec-from-file=-", "--pathspec-file-nul"],
            check=False,
            input_bytes=listing,
            extra_env=env,
        )
        if added.returncode != 0:
            return None
        proc = _run(top, [*_DIFF_OPTIONS, base_sha, "--"], check=False, extra_env=env)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", "surrogateescape")
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def changed_lines(root: PathLike, base_sha: str) -> dict[str, FileDiff]:
    """Post-image path -> :class:`FileDiff` of every file changed since ``base_sha`` (see :func:`diff_text`).

    Paths are relative to the repository top, POSIX. Whitespace-only changes add no line; a renamed
    file has only its edited lines; deleted files are absent; binary files have no lines; an
    untracked file has all its lines (``whole_file`` for an untracked file git could not diff).
    """
    text, untracked = _diff_and_untracked(root, base_sha)
    files = parse_diff(text)
    for path in untracked:
        if path not in files and not any(d.old_path == path for d in files.values()):
            files[path] = FileDiff(path=path, status="added", whole_file=True)
    return dict(sorted(files.items()))


def renamed_paths(root: PathLike, base_sha: str) -> dict[str, str]:
    """Old path -> new path of every file renamed since ``base_sha`` (for tracking issues across renames)."""
    return renames(parse_diff(diff_text(root, base_sha)))


def _prefix(root: PathLike) -> str:
    """``root`` relative to the top of its work tree, POSIX with a trailing slash ('' at the top)."""
    return _out(_run(root, ["rev-parse", "--show-prefix"]))


def read_blob(root: PathLike, sha: str, path: str) -> Optional[bytes]:
    """The bytes of ``path`` in commit ``sha``; None when it is not a file there.

    ``path`` is POSIX and relative to ``root`` (which is the repository top or a directory below it).
    """
    _require_repo(root)
    if "\n" in path or "\n" in sha:
        return None
    spec = f"{sha}:{_prefix(root)}{path}"
    proc = _run(root, ["cat-file", "--batch"], input_bytes=f"{spec}\n".encode("utf-8", "surrogateescape"))
    header, _, body = proc.stdout.partition(b"\n")
    parts = header.split()
    if len(parts) != 3 or parts[1] != b"blob":
        return None
    size = int(parts[2])
    return body[:size]


def show_file(root: PathLike, sha: str, path: str) -> Optional[str]:
    """The text of ``path`` (relative to ``root``) in commit ``sha``, UTF-8 with any BOM dropped.

    None when the commit has no such file; GitError when it is not UTF-8.
    """
    data = read_blob(root, sha, path)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GitError(f"{path} at {sha[:12]} is not UTF-8 text") from None


# --------------------------------------------------------------------------------------------- commits


class Commit(Frozen):
    """One commit of the change: its sha, subject line and trailers (``Co-authored-by: ...``)."""

    sha: str
    subject: str = ""
    trailers: tuple[tuple[str, str], ...] = Field(
        default=(), description="(key, value) pairs in message order, keys as written, values unfolded."
    )


MAX_COMMITS = 1000
"""At most this many commits are read by :func:`commits_since` (the newest ones)."""

_RECORD, _FIELD = "\x1e", "\x1f"
_TRAILER_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(.*)$")


def commits_since(root: PathLike, base_sha: Optional[str]) -> list[Commit]:
    """The commits reachable from HEAD but not from ``base_sha`` (every commit of HEAD when None), newest
    first, at most :data:`MAX_COMMITS`, with their trailers as git parses them (``%(trailers:only,unfold)``:
    the last paragraph of the message, ``Key: value`` lines). An unborn HEAD has no commits."""
    _require_repo(root)
    if head_sha(root) is None:
        return []
    if base_sha is not None and resolve_commit(root, base_sha) is None:
        raise GitError(f"unknown reference '{base_sha}'")
    fmt = f"--format=%H{_FIELD}%s{_FIELD}%(trailers:only,unfold){_RECORD}"
    revisions = [f"{base_sha}..HEAD"] if base_sha is not None else ["HEAD"]
    proc = _run(root, ["log", "--no-color", f"--max-count={MAX_COMMITS}", fmt, *revisions, "--"])
    commits = []
    for record in proc.stdout.decode("utf-8", "replace").split(_RECORD):
        record = record.strip("\n")
        if not record:
            continue
        sha, subject, trailer_text = (record.split(_FIELD) + ["", ""])[:3]
        trailers = []
        for line in trailer_text.splitlines():
            match = _TRAILER_LINE.match(line.strip())
            if match:
                trailers.append((match.group(1), match.group(2).strip()))
        commits.append(Commit(sha=sha.strip(), subject=subject, trailers=tuple(trailers)))
    return commits


# --------------------------------------------------------------------------------------------- all together


def new_code_scope(
    root: PathLike,
    explicit: Optional[str] = None,
    configured: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    *,
    fetch: bool = False,
) -> NewCodeScope:
    """Reference, trusted merge base and changed lines in one call.

    ``root`` may be the repository top or a directory below it: ``files`` and ``renamed`` are
    relative to ``root`` (files outside it are left out), like the paths of issues found under it.

    Everything is new (``all_new=True`` with a reason) outside a git repository, in a repository
    without commits, and when no reference can be found; an explicit or configured reference outside
    a repository is a GitError. ``CI_MERGE_REQUEST_DIFF_BASE_SHA`` is GitLab's merge base and is used
    as the base directly. Other GitErrors (unknown --base, shallow clone that cannot be
    deepened) propagate.
    """
    top = find_repo_root(root)
    if top is None:
        if (explicit and explicit.strip()) or (configured and configured.strip()):
            raise GitError(f"not a git repository: {root} (a new-code reference needs one)")
        return NewCodeScope(all_new=True, reason=f"not a git repository ({root}): all code is new")
    choice = resolve_reference(top, explicit, configured, env, fetch=fetch)
    if choice.sha is None:
        return NewCodeScope(all_new=True, reason=choice.reason, reference=choice)
    if choice.source == "CI_MERGE_REQUEST_DIFF_BASE_SHA":
        base = choice.sha  # GitLab already computed the merge base: no history needed, even shallow
    else:
        base = ensure_history(top, choice.sha, ref=choice.ref)
    files = changed_lines(top, base)
    prefix = _prefix(root if Path(root).is_dir() else Path(root).parent)
    if prefix:
        files = reroot(files, prefix)
    return NewCodeScope(all_new=False, reference=choice, merge_base=base, files=files, renamed=renames(files))
