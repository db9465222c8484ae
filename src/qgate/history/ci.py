"""What the CI system says about the analysis being recorded: branch, commit, pull request. Pure functions.

GitHub Actions
    A pull-request run has ``GITHUB_EVENT_NAME`` ``pull_request`` (or ``pull_request_target``) and
    ``GITHUB_REF=refs/pull/N/merge``; its branch is ``GITHUB_HEAD_REF``, its base ``GITHUB_BASE_REF``.
    Any other run is on branch ``GITHUB_REF_NAME`` (or ``GITHUB_REF`` without ``refs/heads/``). The
    commit is ``GITHUB_SHA`` (for a pull request, GitHub's merge commit); the project ``GITHUB_REPOSITORY``.
GitLab CI
    A merge-request pipeline has ``CI_MERGE_REQUEST_IID`` (the number), its base
    ``CI_MERGE_REQUEST_TARGET_BRANCH_NAME`` and its branch ``CI_MERGE_REQUEST_SOURCE_BRANCH_NAME`` (else
    ``CI_COMMIT_REF_NAME``). Other pipelines are on ``CI_COMMIT_BRANCH`` (else ``CI_COMMIT_REF_NAME``).
    The commit is ``CI_COMMIT_SHA``; the project ``CI_PROJECT_PATH``.

The command line (``--pull-request N``, ``--base REF``) overrides what the variables say; git fills in
what neither knows (see :mod:`qgate.history.record`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal, Optional

from qgate.model import Frozen

Provider = Literal["github", "gitlab"]

_PULL_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")
_BRANCH_PREFIXES = ("refs/heads/", "refs/remotes/origin/", "origin/")


class CiInfo(Frozen):
    """What the CI variables tell; every field None when not running in a known CI."""

    provider: Optional[Provider] = None
    project: Optional[str] = None
    branch: Optional[str] = None
    commit: Optional[str] = None
    pull_request: Optional[int] = None
    base: Optional[str] = None


def _get(env: Mapping[str, str], name: str) -> Optional[str]:
    value = env.get(name, "").strip()
    return value or None


def _number(value: Optional[str]) -> Optional[int]:
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else None


def branch_name(ref: Optional[str]) -> Optional[str]:
    """``refs/heads/x``, ``origin/x`` and ``refs/remotes/origin/x`` -> ``x``; other refs as given."""
    if ref is None or not ref.strip():
        return None
    ref = ref.strip()
    for prefix in _BRANCH_PREFIXES:
        if ref.startswith(prefix) and len(ref) > len(prefix):
            return ref[len(prefix) :]
    return ref


def _github(env: Mapping[str, str]) -> CiInfo:
    ref = _get(env, "GITHUB_REF")
    event = _get(env, "GITHUB_EVENT_NAME")
    common = {"provider": "github", "project": _get(env, "GITHUB_REPOSITORY"), "commit": _get(env, "GITHUB_SHA")}
    if event in ("pull_request", "pull_request_target"):
        match = _PULL_REF.match(ref or "")
        return CiInfo(
            **common,
            branch=_get(env, "GITHUB_HEAD_REF"),
            pull_request=int(match.group(1)) if match else None,
            base=branch_name(_get(env, "GITHUB_BASE_REF")),
        )
    branch = _get(env, "GITHUB_REF_NAME")
    if branch is None and ref is not None and ref.startswith("refs/heads/"):
        branch = ref[len("refs/heads/") :]
    return CiInfo(**common, branch=branch)


def _gitlab(env: Mapping[str, str]) -> CiInfo:
    common = {"provider": "gitlab", "project": _get(env, "CI_PROJECT_PATH"), "commit": _get(env, "CI_COMMIT_SHA")}
    number = _number(_get(env, "CI_MERGE_REQUEST_IID"))
    if number is not None:
        return CiInfo(
            **common,
            branch=_get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or _get(env, "CI_COMMIT_REF_NAME"),
            pull_request=number,
            base=branch_name(_get(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")),
        )
    return CiInfo(**common, branch=_get(env, "CI_COMMIT_BRANCH") or _get(env, "CI_COMMIT_REF_NAME"))


def ci_info(env: Mapping[str, str]) -> CiInfo:
    """Read the GitHub Actions or GitLab CI variables (see the module docstring); an empty CiInfo elsewhere."""
    if _get(env, "GITHUB_ACTIONS") or _get(env, "GITHUB_EVENT_NAME") or _get(env, "GITHUB_SHA"):
        return _github(env)
    if _get(env, "GITLAB_CI") or _get(env, "CI_COMMIT_SHA") or _get(env, "CI_MERGE_REQUEST_IID"):
        return _gitlab(env)
    return CiInfo()


_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:(?!//)(?P<path>.+)$")
_WITH_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]+/(?P<path>.+)$", re.IGNORECASE)


def project_from_remote(url: Optional[str]) -> Optional[str]:
    """The project key a remote URL names: its path on the host without ``.git`` (``org/repo``,
    ``group/sub/repo``); for a local path or ``file://`` remote, the last folder name without ``.git``."""
    if url is None or not url.strip():
        return None
    url = url.strip().rstrip("/")
    match = _SCP_LIKE.match(url) or (None if url.lower().startswith("file://") else _WITH_HOST.match(url))
    path = match.group("path") if match else re.split(r"[\\/]", url)[-1]
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    return path or None
