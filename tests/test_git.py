"""End-to-end tests of qgate.git against real temporary repositories and the real git binary."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from qgate import git
from qgate.errors import GitError
from qgate.model import Issue, IssueType, Severity
from qgate.newcode.diff import FileDiff, is_new_issue
from qgate.newcode.fingerprint import assign_fingerprints
from qgate.newcode.tracking import track

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the user's git config nor a CI runner's variables leak into these tests."""
    for name, value in _GIT_ENV.items():
        monkeypatch.setenv(name, value)
    for name in git.CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, cwd: Path | None = None) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=cwd or self.root, capture_output=True, text=True, env={**os.environ, **_GIT_ENV}
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(self, message: str, *paths: str) -> str:
        self.git("add", "-A", *paths)
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def sha(self, ref: str) -> str:
        return self.git("rev-parse", ref)


def make_repo(path: Path) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "repo")


BASE_MOD = "def first():\n    return 1\n\n\ndef second():\n    return 2\n"


def lines(files: dict[str, FileDiff]) -> dict[str, list[int]]:
    return {path: sorted(d.added_lines) for path, d in files.items()}


def issue(path: str, line: int, rule: str = "QG101", end_line: int | None = None, message: str = "m") -> Issue:
    return Issue(
        rule=rule, tool="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message=message, path=path,
        line=line, end_line=end_line or line, column=1, end_column=2, effort_minutes=1,
    )


# --------------------------------------------------------------------------------------------- repository state


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git.find_repo_root(plain) is None
    with pytest.raises(GitError, match="not a git repository"):
        git.has_commits(plain)
    scope = git.new_code_scope(plain)
    assert scope.all_new and "not a git repository" in scope.reason
    with pytest.raises(GitError, match="not a git repository"):
        git.new_code_scope(plain, explicit="main")


def test_find_repo_root_from_subdirectory_and_file(repo: Repo) -> None:
    repo.write("pkg/mod.py", "x = 1\n")
    assert git.find_repo_root(repo.root / "pkg") == repo.root.resolve()
    assert git.find_repo_root(repo.root / "pkg" / "mod.py") == repo.root.resolve()


def test_repository_without_commits(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    assert git.has_commits(repo.root) is False
    assert git.head_sha(repo.root) is None
    choice = git.resolve_reference(repo.root, None, None, {})
    assert choice.sha is None and choice.source == "none" and "no commits" in choice.reason
    scope = git.new_code_scope(repo.root, explicit="main")
    assert scope.all_new and "no commits" in scope.reason


# --------------------------------------------------------------------------------------------- reference resolution


@pytest.fixture
def branches(repo: Repo) -> Repo:
    """main (2 commits), develop (+1), feature (+1 from main), remote-tracking refs faked with update-ref."""
    repo.write("a.py", BASE_MOD)
    repo.commit("one")
    repo.write("b.py", "y = 2\n")
    repo.commit("two")
    repo.git("branch", "develop")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("c.py", "z = 3\n")
    repo.commit("three")
    repo.git("update-ref", "refs/remotes/origin/develop", repo.sha("main~1"))
    return repo


def test_explicit_beats_config_beats_ci(branches: Repo) -> None:
    env = {"GITHUB_BASE_REF": "develop"}
    choice = git.resolve_reference(branches.root, "main", "develop", env)
    assert (choice.ref, choice.source, choice.sha) == ("main", "--base", branches.sha("main"))
    choice = git.resolve_reference(branches.root, None, "main~1", env)
    assert (choice.ref, choice.source, choice.sha) == ("main~1", "config", branches.sha("main~1"))


def test_unknown_explicit_or_configured_reference_is_an_error(branches: Repo) -> None:
    with pytest.raises(GitError, match="unknown reference 'nope'"):
        git.resolve_reference(branches.root, "nope", "main", {})
    with pytest.raises(GitError, match="unknown reference 'gone'"):
        git.resolve_reference(branches.root, None, "gone", {})
    with pytest.raises(GitError, match="unknown reference '--all'"):
        git.resolve_reference(branches.root, "--all", None, {})


def test_github_base_ref_prefers_origin(branches: Repo) -> None:
    choice = git.resolve_reference(branches.root, None, None, {"GITHUB_BASE_REF": "develop"})
    assert (choice.ref, choice.source, choice.sha) == ("origin/develop", "GITHUB_BASE_REF", branches.sha("main~1"))
    # Only a local branch of that name: used as is.
    choice = git.resolve_reference(branches.root, None, None, {"GITHUB_BASE_REF": "main"})
    assert (choice.ref, choice.source) == ("main", "GITHUB_BASE_REF")


def test_gitlab_diff_base_sha_then_target_branch(branches: Repo) -> None:
    sha = branches.sha("main~1")
    env = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": sha, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    choice = git.resolve_reference(branches.root, None, None, env)
    assert (choice.ref, choice.sha, choice.source) == (sha, sha, "CI_MERGE_REQUEST_DIFF_BASE_SHA")
    # A sha the clone does not have is skipped, not an error.
    env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = "0123456789abcdef0123456789abcdef01234567"
    choice = git.resolve_reference(branches.root, None, None, env)
    assert (choice.ref, choice.source, choice.sha) == ("main", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", branches.sha("main"))


def test_ci_environment_keeps_known_non_empty_variables() -> None:
    env = {"GITHUB_BASE_REF": " main ", "GITHUB_HEAD_REF": "", "CI": "true", "HOME": "/root"}
    assert git.ci_environment(env) == {"CI": "true", "GITHUB_BASE_REF": "main"}


def test_github_empty_base_ref_falls_back_to_origin_head(branches: Repo) -> None:
    branches.git("update-ref", "refs/remotes/origin/main", branches.sha("main"))
    branches.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    choice = git.resolve_reference(branches.root, None, None, {"GITHUB_BASE_REF": ""})
    assert (choice.ref, choice.source, choice.sha) == ("origin/main", "origin/HEAD", branches.sha("main"))


def test_default_branch_main_then_master_then_none(branches: Repo) -> None:
    choice = git.resolve_reference(branches.root, None, None, {})
    assert (choice.ref, choice.source) == ("main", "default-branch")
    branches.git("branch", "-q", "-m", "main", "master")
    choice = git.resolve_reference(branches.root, None, None, {})
    assert (choice.ref, choice.source) == ("master", "default-branch")
    branches.git("branch", "-q", "-D", "master")
    choice = git.resolve_reference(branches.root, None, None, {})
    assert choice.sha is None and choice.source == "none" and "no reference branch found" in choice.reason
    scope = git.new_code_scope(branches.root, env={})
    assert scope.all_new and scope.reason == choice.reason


# --------------------------------------------------------------------------------------------- changed lines


def test_committed_staged_unstaged_and_untracked_changes(branches: Repo) -> None:
    repo = branches  # on feature, which added c.py (1 line)
    repo.write("a.py", BASE_MOD + "\n\ndef third():\n    return 3\n")  # committed: lines 7-10
    repo.commit("third")
    repo.write("b.py", "y = 2\nstaged = 1\n")
    repo.git("add", "b.py")
    repo.write("c.py", "z = 3\nunstaged = 1\n")
    repo.write("new dir/untracked é.py", "u = 1\nv = 2\n")
    repo.write("ignored.py", "i = 1\n")
    repo.write(".gitignore", "ignored.py\n")
    scope = git.new_code_scope(repo.root, explicit="main")
    assert not scope.all_new and scope.merge_base == repo.sha("main")
    assert scope.reference is not None and scope.reference.source == "--base"
    assert lines(scope.files) == {
        ".gitignore": [1],
        "a.py": [7, 8, 9, 10],
        "b.py": [2],
        "c.py": [1, 2],  # c.py itself is new on the feature branch
        "new dir/untracked é.py": [1, 2],
    }
    assert scope.files["new dir/untracked é.py"].status == "added"
    # The real index is untouched: the untracked file is still untracked.
    assert "?? " in repo.git("status", "--short", "--untracked-files=all")
    assert git.untracked_files(repo.root) == [".gitignore", "new dir/untracked é.py"]


def test_scope_of_a_subdirectory_is_relative_to_it(branches: Repo) -> None:
    repo = branches
    repo.write("sub/pkg/m.py", "a = 1\n")
    repo.write("sub/qgate.toml", "[gate]\n")
    sha = repo.commit("sub")
    repo.write("sub/pkg/m.py", "a = 1\nb = 2\n")
    scope = git.new_code_scope(repo.root / "sub", explicit="main")
    assert lines(scope.files) == {"pkg/m.py": [1, 2], "qgate.toml": [1]}
    assert git.show_file(repo.root / "sub", sha, "qgate.toml") == "[gate]\n"
    assert git.show_file(repo.root, sha, "sub/qgate.toml") == "[gate]\n"


def test_on_the_reference_branch_only_uncommitted_changes_are_new(branches: Repo) -> None:
    branches.git("checkout", "-q", "main")
    branches.write("b.py", "y = 2\nw = 4\n")
    scope = git.new_code_scope(branches.root, env={})
    assert scope.merge_base == branches.sha("HEAD")
    assert lines(scope.files) == {"b.py": [2]}


def test_whitespace_only_reformatting_is_not_new(repo: Repo) -> None:
    repo.write("f.py", "def f(a,b):\n    return a+b\n\n\nx=f(1,2)\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "fmt")
    repo.write("f.py", "def f(a, b):\n\treturn a + b\n\n\nx = f( 1, 2 )\n")
    repo.commit("reformat")
    # git -w drops a file whose changes are all whitespace from the diff altogether.
    assert git.changed_lines(repo.root, repo.sha("main")) == {}
    # A line split in two is not whitespace-only: both halves are new.
    repo.write("f.py", "def f(a, b):\n\treturn a + b\n\n\nx = f(1,\n      2)\n")
    assert lines(git.changed_lines(repo.root, repo.sha("main"))) == {"f.py": [5, 6]}


def test_renamed_file_is_not_new_and_edits_in_it_are(repo: Repo) -> None:
    body = "".join(f"v{i} = {i}\n" for i in range(1, 11))
    repo.write("old.py", body)
    repo.write("moved.py", body.replace("v", "w"))
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "ren")
    (repo.root / "pkg").mkdir()
    repo.git("mv", "old.py", "pkg/new name.py")
    repo.commit("rename")
    (repo.root / "moved.py").rename(repo.root / "pkg" / "moved_too.py")  # plain mv, not committed
    (repo.root / "pkg" / "moved_too.py").write_text(body.replace("v", "w").replace("w3 = 3", "w3 = 33"))
    files = git.changed_lines(repo.root, repo.sha("main"))
    assert files == {
        "pkg/new name.py": FileDiff(path="pkg/new name.py", old_path="old.py", status="renamed"),
        "pkg/moved_too.py": FileDiff(
            path="pkg/moved_too.py", old_path="moved.py", status="renamed", added_lines=frozenset({3})
        ),
    }
    assert git.renamed_paths(repo.root, repo.sha("main")) == {
        "old.py": "pkg/new name.py",
        "moved.py": "pkg/moved_too.py",
    }


def test_moved_code_is_reported_by_git_as_added_lines(repo: Repo) -> None:
    """git diffs text, not syntax: a moved block is deleted in one place and added in another, so its
    lines at the new place are new code (SonarQube counts them as changed lines too)."""
    repo.write("a.py", BASE_MOD + "\n\ndef third():\n    return 3\n")
    repo.write("b.py", "import os\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "move")
    # third() moves from a.py to b.py: only deletions in a.py, additions in b.py.
    repo.write("a.py", BASE_MOD)
    repo.write("b.py", "import os\n\n\ndef third():\n    return 3\n")
    repo.commit("move")
    files = git.changed_lines(repo.root, repo.sha("main"))
    assert lines(files) == {"a.py": [], "b.py": [2, 3, 4, 5]}

    # A function moved above another: git keeps second() (and the blank lines) in place and reports
    # first() as deleted at the top and added at the bottom, so only first() is new.
    repo.write("a.py", "def second():\n    return 2\n\n\ndef first():\n    return 1\n")
    files = git.changed_lines(repo.root, repo.sha("main"))
    assert lines(files) == {"a.py": [5, 6], "b.py": [2, 3, 4, 5]}


def test_issue_duplicated_by_the_change(repo: Repo) -> None:
    repo.write("d.py", "import os\nos.system(cmd)\n")
    repo.commit("base")
    base_issues = assign_fingerprints([issue("d.py", 2, "B605")], lambda p, n: "os.system(cmd)")
    repo.git("checkout", "-q", "-b", "dup")
    repo.write("d.py", "import os\nos.system(cmd)\nos.system(cmd)\n")
    files = git.changed_lines(repo.root, repo.sha("main"))
    assert lines(files) == {"d.py": [3]}
    current = assign_fingerprints([issue("d.py", 2, "B605"), issue("d.py", 3, "B605")], lambda p, n: "os.system(cmd)")
    assert [is_new_issue(i, files) for i in current] == [False, True]
    result = track(current, base_issues)
    assert result.matched == ((0, 0),) and result.new == (1,) and result.fixed == ()


def test_detached_head(branches: Repo) -> None:
    branches.git("checkout", "-q", "--detach", "feature")
    choice = git.resolve_reference(branches.root, None, None, {})
    assert (choice.ref, choice.source) == ("main", "default-branch")
    assert git.merge_base(branches.root, "main") == branches.sha("main")
    assert lines(git.changed_lines(branches.root, branches.sha("main"))) == {"c.py": [1]}


def test_binary_and_deleted_files(repo: Repo) -> None:
    repo.write("gone.py", "x = 1\n")
    (repo.root / "blob.bin").write_bytes(b"\x00\x01\x02")
    repo.commit("base")
    (repo.root / "gone.py").unlink()
    (repo.root / "blob.bin").write_bytes(b"\x00\x01\x03")
    (repo.root / "new.bin").write_bytes(b"\x00\xff")
    files = git.changed_lines(repo.root, repo.sha("HEAD"))
    assert files == {
        "blob.bin": FileDiff(path="blob.bin", old_path="blob.bin", binary=True),
        "new.bin": FileDiff(path="new.bin", status="added", binary=True),
    }


def test_show_file_at_reference(branches: Repo) -> None:
    branches.write("conf dir/qgate é.toml", "[tool.qgate]\n")
    sha = branches.commit("conf")
    assert git.show_file(branches.root, sha, "conf dir/qgate é.toml") == "[tool.qgate]\n"
    assert git.show_file(branches.root, branches.sha("main"), "conf dir/qgate é.toml") is None
    assert git.show_file(branches.root, sha, "conf dir") is None  # a tree, not a file
    assert git.read_blob(branches.root, sha, "a.py") == BASE_MOD.encode()


def test_merge_base_unknown_reference(branches: Repo) -> None:
    with pytest.raises(GitError, match="unknown reference 'nope'"):
        git.merge_base(branches.root, "nope")
    with pytest.raises(GitError, match="unknown reference 'nope'"):
        git.new_code_scope(branches.root, explicit="nope")


def test_unrelated_histories_have_no_merge_base(branches: Repo) -> None:
    branches.git("checkout", "-q", "--orphan", "island")
    branches.commit("island")
    assert git.merge_base(branches.root, "main") is None
    with pytest.raises(GitError, match="no common ancestor"):
        git.ensure_history(branches.root, branches.sha("main"), ref="main")


# --------------------------------------------------------------------------------------------- shallow clones


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """main: A-B-C-E; side from C: X-Y; feat from B: D, then M = merge(D, Y). True merge-base(feat, main) = C."""
    mp = pytest.MonkeyPatch()
    for name, value in _GIT_ENV.items():
        mp.setenv(name, value)
    try:
        repo = make_repo(tmp_path_factory.mktemp("upstream"))
        for name in ("A", "B"):
            repo.write(f"{name}.txt", name + "\n")
            repo.commit(name)
        repo.git("branch", "feat")
        repo.write("C.txt", "C\n")
        repo.commit("C")
        repo.git("branch", "side")
        repo.write("E.txt", "E\n")
        repo.commit("E")
        repo.git("checkout", "-q", "side")
        for name in ("X", "Y"):
            repo.write(f"{name}.txt", name + "\n")
            repo.commit(name)
        repo.git("checkout", "-q", "feat")
        repo.write("D.txt", "D\n")
        repo.commit("D")
        repo.git("merge", "-q", "--no-edit", "-m", "M", "side")
        repo.git("checkout", "-q", "main")
    finally:
        mp.undo()
    return repo


def shallow_clone(upstream: Repo, target: Path, *args: str) -> Repo:
    Repo(target.parent).git("clone", "-q", *args, f"file://{upstream.root}", str(target))
    return Repo(target)


def test_shallow_clone_deepens_from_its_remote(upstream: Repo, tmp_path: Path) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone", "--depth", "1", "--branch", "feat")
    assert git.is_shallow(clone.root)
    true_base = upstream.git("merge-base", "feat", "main")
    env = {"GITHUB_BASE_REF": "main"}
    assert git.resolve_reference(clone.root, None, None, env).source == "none"  # origin/main not fetched
    scope = git.new_code_scope(clone.root, env=env, fetch=True)
    assert scope.reference is not None
    assert (scope.reference.ref, scope.reference.source) == ("origin/main", "GITHUB_BASE_REF")
    assert scope.merge_base == true_base
    assert lines(scope.files) == {"D.txt": [1], "X.txt": [1], "Y.txt": [1]}


def test_shallow_merge_base_older_than_the_real_one_is_not_trusted(upstream: Repo, tmp_path: Path) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone", "--depth", "3", "--branch", "feat")
    clone.git("fetch", "-q", "--depth=4", "origin", "+refs/heads/main:refs/remotes/origin/main")
    wrong = clone.git("merge-base", "HEAD", "origin/main")
    assert wrong == upstream.sha("main~2")  # B: git answers without error, but C is the real one
    assert git.merge_base(clone.root, "origin/main") is None
    assert git.ensure_history(clone.root, clone.sha("origin/main"), ref="origin/main") == upstream.sha("main~1")


def test_shallow_clone_without_remote_says_how_to_fix_ci(upstream: Repo, tmp_path: Path) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone", "--depth", "1", "--no-single-branch", "--branch", "feat")
    clone.git("branch", "main", "origin/main")
    clone.git("remote", "remove", "origin")
    with pytest.raises(GitError, match="fetch-depth: 0") as err:
        git.new_code_scope(clone.root, env={})
    assert "GIT_DEPTH: 0" in str(err.value) and "\n" not in str(err.value)


def test_shallow_clone_on_the_reference_tip_needs_no_history(upstream: Repo, tmp_path: Path) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone", "--depth", "1", "--branch", "main")
    clone.git("remote", "remove", "origin")
    clone.write("E.txt", "E\nmore\n")
    scope = git.new_code_scope(clone.root, explicit="main")
    assert scope.merge_base == upstream.sha("main")
    assert lines(scope.files) == {"E.txt": [2]}


def test_gitlab_diff_base_sha_is_the_base_even_in_a_shallow_clone(upstream: Repo, tmp_path: Path) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone", "--depth", "3", "--branch", "feat")
    clone.git("remote", "remove", "origin")
    b = upstream.sha("main~2")  # present in the clone, but its history is cut
    scope = git.new_code_scope(clone.root, env={"CI_MERGE_REQUEST_DIFF_BASE_SHA": b})
    assert scope.reference is not None and scope.reference.source == "CI_MERGE_REQUEST_DIFF_BASE_SHA"
    assert scope.merge_base == b
    assert lines(scope.files) == {"C.txt": [1], "D.txt": [1], "X.txt": [1], "Y.txt": [1]}
