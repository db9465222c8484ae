from __future__ import annotations

import pytest

from qgate.history.ci import CiInfo, branch_name, ci_info, project_from_remote


def test_github_pull_request():
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REF": "refs/pull/42/merge",
        "GITHUB_BASE_REF": "main",
        "GITHUB_HEAD_REF": "feature/login",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REPOSITORY": "acme/app",
    }
    assert ci_info(env) == CiInfo(
        provider="github", project="acme/app", branch="feature/login", commit="a" * 40, pull_request=42, base="main"
    )


def test_github_push_uses_ref_name_then_ref():
    assert ci_info({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF_NAME": "main", "GITHUB_SHA": "b" * 40}) == CiInfo(
        provider="github", branch="main", commit="b" * 40
    )
    assert ci_info({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/release/2"}).branch == "release/2"
    assert ci_info({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/tags/v1"}).branch is None


def test_gitlab_merge_request_and_branch_pipeline():
    env = {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_COMMIT_REF_NAME": "fix-parser",
        "CI_COMMIT_SHA": "c" * 40,
        "CI_PROJECT_PATH": "group/sub/app",
    }
    assert ci_info(env) == CiInfo(
        provider="gitlab", project="group/sub/app", branch="fix-parser", commit="c" * 40, pull_request=7, base="main"
    )
    pipeline = {"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main", "CI_COMMIT_SHA": "d" * 40}
    assert ci_info(pipeline) == CiInfo(provider="gitlab", branch="main", commit="d" * 40)


def test_no_ci_and_garbage_numbers():
    assert ci_info({"PATH": "/bin"}) == CiInfo()
    assert ci_info({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/x/merge"}).pull_request is None
    assert ci_info({"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "0"}).pull_request is None


@pytest.mark.parametrize(
    "ref, name",
    [("refs/heads/main", "main"), ("origin/dev", "dev"), ("refs/remotes/origin/x/y", "x/y"), ("v1.2", "v1.2"), ("", None)],
)
def test_branch_name(ref, name):
    assert branch_name(ref) == name


@pytest.mark.parametrize(
    "url, key",
    [
        ("https://github.com/acme/app.git", "acme/app"),
        ("https://token@github.com/acme/app", "acme/app"),
        ("git@github.com:acme/app.git", "acme/app"),
        ("ssh://git@gitlab.example.com:2222/group/sub/app.git", "group/sub/app"),
        ("/srv/git/app.git", "app"),
        ("file:///srv/git/app.git/", "app"),
        ("", None),
    ],
)
def test_project_from_remote(url, key):
    assert project_from_remote(url) == key
