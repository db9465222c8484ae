"""Recording one analysis: who, where and when (project, branch, commit, pull request), then the store.

The project key is, in order: ``project`` (command line or config), the CI's project path
(``GITHUB_REPOSITORY``, ``CI_PROJECT_PATH``), the path of the ``origin`` remote (``org/repo``), the
name of the analysis root folder. Branch, commit, pull request and base come from the CI variables
(:mod:`qgate.history.ci`), ``pull_request``/``base`` given on the command line win over them, and git
fills in what is still unknown (the checked-out branch, ``HEAD``). A detached HEAD outside CI is
recorded on branch ``(detached)``, an analysis outside git on ``(none)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Optional

from qgate import git
from qgate.errors import GitError
from qgate.history.ci import branch_name, ci_info, project_from_remote
from qgate.history.store import AnalysisMeta, open_store
from qgate.model import Report

DETACHED = "(detached)"
NO_BRANCH = "(none)"


def _git_branch(root: Path) -> Optional[str]:
    """The checked-out branch; None when HEAD is detached. (Through qgate.git, the one module running git.)"""
    proc = git._run(root, ["symbolic-ref", "--quiet", "--short", "HEAD"], check=False)
    name = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return name if proc.returncode == 0 and name else None


def _git_remote_url(root: Path) -> Optional[str]:
    names = git.remotes(root)
    if not names:
        return None
    proc = git._run(root, ["remote", "get-url", "--", names[0]], check=False)
    url = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return url if proc.returncode == 0 and url else None


def default_project(root: Path, env: Mapping[str, str]) -> str:
    """The project key when none is configured (see the module docstring)."""
    ci = ci_info(env)
    if ci.project:
        return ci.project
    try:
        top = git.find_repo_root(root)
        remote = project_from_remote(_git_remote_url(top)) if top is not None else None
    except GitError:
        top, remote = None, None
    if remote:
        return remote
    return (top or root).resolve().name or "default"


def analysis_meta(
    *,
    root: Path,
    project: Optional[str],
    env: Mapping[str, str],
    pull_request: Optional[int],
    base: Optional[str],
    started_at: datetime,
    config_hash: str,
) -> AnalysisMeta:
    """Everything recorded about an analysis besides its report."""
    ci = ci_info(env)
    branch, commit = ci.branch, ci.commit
    try:
        top = git.find_repo_root(root)
        if top is not None:
            commit = commit or git.head_sha(top)
            branch = branch or _git_branch(top) or DETACHED
    except GitError:
        top = None
    return AnalysisMeta(
        project=(project or "").strip() or default_project(root, env),
        branch=branch or NO_BRANCH,
        commit=commit,
        pull_request=pull_request if pull_request is not None else ci.pull_request,
        base=branch_name(base) or ci.base,
        started_at=started_at,
        config_hash=config_hash,
        ci_provider=ci.provider,
        existing_paths=_existing_paths(top, root),
    )


def _existing_paths(top: Optional[Path], root: Path) -> Optional[frozenset[str]]:
    """The files present now, relative to the analysis root (None when git cannot tell): the lifecycle closes
    the issues of files that vanished and keeps those of files this analysis did not look at."""
    if top is None:
        return None
    try:
        files = git.work_tree_files(top)
    except GitError:
        return None
    prefix = root.resolve().relative_to(top.resolve()).as_posix() if root.resolve() != top.resolve() else ""
    if not prefix:
        return frozenset(files)
    return frozenset(p[len(prefix) + 1 :] for p in files if p.startswith(prefix + "/"))


def record_analysis(  # qgate: ignore[QG114] - the recording API: keyword-only arguments, named at every call
    report: Report,
    *,
    root: Path,
    url: Optional[str],
    project: Optional[str],
    env: Mapping[str, str],
    pull_request: Optional[int],
    base: Optional[str],
    started_at: datetime,
    config_hash: str,
) -> int:
    """Store ``report`` in the history (one transaction) and advance its branch's issue lifecycle.

    ``url`` None means the SQLite file ``<root>/.qgate/history.db``. Returns the new analysis id. Store
    problems (unreachable server, corrupt or foreign file, schema too old or too new) raise InputError.
    """
    meta = analysis_meta(
        root=root, project=project, env=env, pull_request=pull_request, base=base, started_at=started_at,
        config_hash=config_hash,
    )
    with open_store(url, root) as store:
        return store.record(report, meta)
