"""Hostile git states, end to end: not a repository, no commits, detached HEAD, unknown --base, a shallow clone,
a merge in progress, submodules, a path outside the repository. Only the fast analyzers run (cst, radon)."""

from __future__ import annotations

from pathlib import Path

from hostile.helpers import FAST, located
from support import git, make_repo, run_qgate

CLEAN = "def f():\n    return 1\n"
DIRTY = "def g(a=[]):\n    return a\n"  # QG103 at 1:9


def feature_repo(tmp_path: Path) -> Path:
    """main: config + clean.py; feature: adds dirty.py (one new issue)."""
    repo = make_repo(tmp_path / "repo", commit=False)
    (repo / "pyproject.toml").write_text(FAST)
    (repo / "clean.py").write_text(CLEAN)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "dirty.py").write_text(DIRTY)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature")
    return repo


def test_not_a_repository_analyzes_everything_as_new_and_says_why(tmp_path):
    (tmp_path / "pyproject.toml").write_text(FAST)
    (tmp_path / "dirty.py").write_text(DIRTY)
    result = run_qgate("check", "--format", "json", cwd=tmp_path)
    assert result.code == 1, result.stderr
    report = result.json()
    assert report["new_code"]["mode"] == "all"
    assert report["new_code"]["note"] == f"not a git repository ({tmp_path}): all code is new"
    assert located(report) == {("QG103", "dirty.py", 1, 9)}


def test_not_a_repository_with_base_is_exit_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text(FAST)
    (tmp_path / "dirty.py").write_text(DIRTY)
    result = run_qgate("check", "--base", "main", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr == f"qgate: error: not a git repository: {tmp_path} (a new-code reference needs one)\n"


def test_repository_without_commits_treats_everything_as_new(tmp_path):
    repo = make_repo(tmp_path / "repo", commit=False)
    (repo / "pyproject.toml").write_text(FAST)
    (repo / "dirty.py").write_text(DIRTY)
    result = run_qgate("check", "--base", "main", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr
    report = result.json()
    assert report["new_code"]["note"] == "the repository has no commits yet: all code is new"
    assert [(i["rule"], i["new"]) for i in report["issues"]] == [("QG103", True)]


def test_detached_head_judges_the_commits_since_the_merge_base(tmp_path):
    repo = feature_repo(tmp_path)
    (repo / "clean.py").write_text(CLEAN)
    git(repo, "checkout", "-q", "--detach", "HEAD")
    result = run_qgate("check", "--base", "main", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr
    report = result.json()
    assert (report["new_code"]["mode"], report["new_code"]["reference"]) == ("reference", "main")
    assert [(i["rule"], i["path"], i["line"], i["new"]) for i in report["issues"]] == [("QG103", "dirty.py", 1, True)]


def test_unknown_base_is_exit_2_with_one_line(tmp_path):
    repo = feature_repo(tmp_path)
    result = run_qgate("check", "--base", "no-such-branch", cwd=repo)
    assert result.code == 2
    assert result.stderr == "qgate: error: unknown reference 'no-such-branch' (from --base): no such branch, tag or commit\n"


def test_a_base_that_looks_like_an_option_is_never_passed_to_git_as_one(tmp_path):
    repo = feature_repo(tmp_path)
    result = run_qgate("check", "--base=--output=pwned", cwd=repo)
    assert result.code == 2
    assert result.stderr == "qgate: error: unknown reference '--output=pwned' (from --base): no such branch, tag or commit\n"
    assert not (repo / "pwned").exists()


def test_shallow_clone_without_history_is_exit_2_with_the_ci_hint(tmp_path):
    origin = feature_repo(tmp_path)
    git(origin, "checkout", "-q", "main")
    (origin / "later.py").write_text(CLEAN)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "main moves on")  # the merge base is not either tip
    git(origin, "checkout", "-q", "feature")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature", f"file://{origin}", str(clone))
    git(clone, "branch", "main", "origin/main")
    git(clone, "remote", "remove", "origin")
    result = run_qgate("check", "--base", "main", cwd=clone)
    assert result.code == 2, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("qgate: error: shallow clone without a remote")
    assert "fetch-depth: 0" in result.stderr and "GIT_DEPTH: 0" in result.stderr
    assert result.stderr.count("\n") == 1


def test_merge_in_progress_analyzes_the_working_tree_conflict_markers_are_an_error_entry(tmp_path):
    repo = feature_repo(tmp_path)
    git(repo, "checkout", "-q", "main")
    (repo / "clean.py").write_text("def f():\n    return 2\n")
    git(repo, "commit", "-q", "-am", "main edit")
    git(repo, "checkout", "-q", "feature")
    (repo / "clean.py").write_text("def f():\n    return 3\n")
    git(repo, "commit", "-q", "-am", "feature edit")
    merge = __import__("subprocess").run(["git", "merge", "main"], cwd=repo, capture_output=True, text=True)
    assert merge.returncode == 1 and "CONFLICT" in merge.stdout
    assert "<<<<<<< HEAD" in (repo / "clean.py").read_text()
    result = run_qgate("check", "--base", "main", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr  # dirty.py's issue still fails the gate
    report = result.json()
    assert [(e["analyzer"], e["path"], e["fatal"]) for e in report["errors"]] == [("cst", "clean.py", False)]
    assert report["errors"][0]["message"].startswith("syntax error: ")
    assert report["errors"][0]["message"].endswith("(also reported by radon)")
    assert located(report) == {("QG103", "dirty.py", 1, 9)}


def test_submodule_files_belong_to_the_submodule_not_the_superproject(tmp_path):
    sub = make_repo(tmp_path / "sub", commit=False)
    (sub / "s.py").write_text(DIRTY)
    git(sub, "add", "-A")
    git(sub, "commit", "-q", "-m", "sub")
    repo = feature_repo(tmp_path)
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/sub")
    git(repo, "commit", "-q", "-m", "add submodule")

    changed = run_qgate("check", "--base", "main", "--format", "json", cwd=repo)
    assert changed.code == 1, changed.stderr
    assert located(changed.json()) == {("QG103", "dirty.py", 1, 9)}
    assert changed.json()["errors"] == []

    everything = run_qgate("check", "--all-files", "--format", "json", cwd=repo)
    assert everything.code == 1, everything.stderr
    report = everything.json()
    assert [f["path"] for f in report["files"]] == ["clean.py", "dirty.py"]
    assert {"path": "vendor/sub", "reason": "git submodule or nested repository (analyze it on its own)"} in report["skipped"]

    # named explicitly, a submodule file is analyzed in its own repository
    inside = run_qgate("check", "--all-files", "--format", "json", "vendor/sub/s.py", cwd=repo)
    assert inside.code == 0, inside.stderr  # its issue is old code of the submodule
    assert inside.json()["root"] == str((repo / "vendor" / "sub").resolve())
    assert [(i["rule"], i["path"], i["new"]) for i in inside.json()["issues"]] == [("QG103", "s.py", False)]


def test_a_path_outside_the_repository_is_exit_2(tmp_path):
    repo = feature_repo(tmp_path)
    (tmp_path / "outside.py").write_text(DIRTY)
    result = run_qgate("check", "clean.py", "../outside.py", cwd=repo)
    assert result.code == 2
    assert result.stderr == f"qgate: error: ../outside.py: path is outside the analysis root {repo.resolve()}\n"
