"""The pre-commit hooks (.pre-commit-hooks.yaml), run for real by pre-commit on real git repositories.

pre-commit clones the hook repository at a commit and pip-installs qgate into a virtualenv of its own. The
hook repository here is a snapshot of this working tree committed in a temporary repository, so the tests
exercise the code as it is on disk, committed or not. Installing the hook environment takes ~15 s (pip
resolves and installs qgate's dependencies, from pip's cache when warm): the `pre-commit run` tests share one
PRE_COMMIT_HOME, `try-repo` always builds its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from support import REPO, clean_env, git, make_repo

from .repos import CLEAN, CONFIG, NEW_ISSUE, OLD_ISSUE

HOOKS = REPO / ".pre-commit-hooks.yaml"
TIMEOUT = 900


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """This working tree (tracked and untracked, not ignored, files) committed in a fresh repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, env=clean_env(), capture_output=True, check=True,
    ).stdout.decode("utf-8").split("\0")
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file():  # deleted-but-tracked files are listed too
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / rel)
    make_repo(snapshot)
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd, env=clean_env(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never"),
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    print(f"pre-commit {' '.join(args[:2])}: {time.monotonic() - start:.1f} s")  # shown with -s or on failure
    return proc


def project(tmp_path: Path) -> Path:
    """A repository on main holding an old issue (committed: not new) and qgate's config (cst only, for speed)."""
    repo = make_repo(tmp_path / "project", commit=False)
    (repo / "pyproject.toml").write_text(CONFIG)
    (repo / "old.py").write_text(OLD_ISSUE)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def use_hooks(repo: Path, hook_repo: tuple[Path, str]) -> None:
    path, sha = hook_repo
    config = {"repos": [{"repo": str(path), "rev": sha, "hooks": [{"id": "qgate"}, {"id": "qgate-all"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "add", ".pre-commit-config.yaml")  # pre-commit refuses an unstaged config


def test_hooks_file_declares_both_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert set(hooks) == {"qgate", "qgate-all"}
    for hook in hooks.values():
        assert (hook["entry"], hook["language"], hook["types"], hook["require_serial"]) == (
            "qgate check", "python", ["python"], True,
        )
    assert hooks["qgate"]["pass_filenames"] is True and "stages" not in hooks["qgate"]
    assert hooks["qgate-all"]["pass_filenames"] is False
    assert hooks["qgate-all"]["stages"] == ["pre-push", "manual"]


def test_try_repo_fails_a_commit_that_adds_a_bare_except(tmp_path, hook_repo):
    repo = project(tmp_path)
    (repo / "bad.py").write_text(NEW_ISSUE)
    git(repo, "add", "bad.py")
    path, sha = hook_repo
    proc = pre_commit(repo, tmp_path / "home", "try-repo", str(path), "qgate", "--ref", sha)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "qgate quality gate" in out and "Failed" in out
    report = out[out.index("bad.py\n") :].splitlines()
    assert report[1].startswith("  4:5  critical QG101 Specify an exception class to catch")
    assert report[2].startswith("  4:5  major    QG102 ")
    assert "old.py" not in out  # not staged: not given to the hook
    assert "new code: changes since main (default-branch)" in out


def test_clean_staged_file_passes_despite_old_issues(tmp_path, hook_repo, pre_commit_home):
    repo = project(tmp_path)
    use_hooks(repo, hook_repo)
    (repo / "clean.py").write_text(CLEAN)
    git(repo, "add", "clean.py")
    proc = pre_commit(repo, pre_commit_home, "run", "qgate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [line for line in proc.stdout.splitlines() if line.startswith("qgate quality gate")] == [
        "qgate quality gate.......................................................Passed"
    ]


def test_the_hook_judges_the_staged_content_not_the_unstaged_edit(tmp_path, hook_repo, pre_commit_home):
    repo = project(tmp_path)
    use_hooks(repo, hook_repo)
    (repo / "clean.py").write_text(CLEAN)
    git(repo, "add", "clean.py")
    (repo / "clean.py").write_text(CLEAN + NEW_ISSUE)  # not staged: pre-commit stashes it for the run
    proc = pre_commit(repo, pre_commit_home, "run", "qgate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo / "clean.py").read_text() == CLEAN + NEW_ISSUE  # and restores it


def test_qgate_all_gates_the_whole_branch_before_a_push(tmp_path, hook_repo, pre_commit_home):
    """On a feature branch, `qgate` sees the staged file only; `qgate-all` sees everything since main."""
    repo = project(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "bad.py").write_text(NEW_ISSUE)
    git(repo, "add", "bad.py")
    git(repo, "commit", "-q", "-m", "a committed issue on the branch")
    use_hooks(repo, hook_repo)
    (repo / "clean.py").write_text(CLEAN)
    git(repo, "add", "clean.py")

    staged_only = pre_commit(repo, pre_commit_home, "run", "qgate")
    assert staged_only.returncode == 0, staged_only.stdout + staged_only.stderr

    whole = pre_commit(repo, pre_commit_home, "run", "qgate-all", "--hook-stage", "manual")
    assert whole.returncode == 1, whole.stdout + whole.stderr
    out = whole.stdout
    assert "qgate quality gate (whole change)" in out and "Failed" in out
    report = out[out.index("bad.py\n") :].splitlines()
    assert report[1].startswith("  4:5  critical QG101 ")
    assert "old.py" not in out
    # bad.py, clean.py and .pre-commit-config.yaml changed; the two Python files were analyzed
    assert "changes since main (default-branch), merge base " in out and ", 3 file(s) with new lines\n" in out
    assert "\n2 file(s) analyzed, 7 lines of code; 2 issue(s), 2 new violation(s)" in out
