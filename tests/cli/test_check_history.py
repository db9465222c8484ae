"""End to end: `qgate check --base/--baseline` on scripted git histories (real git, the real CLI in a subprocess).

Every history starts from fixtures/history (app.py with three known issues, cst analyzer only) committed on
``main``; a ``feature`` branch then moves, renames, reformats, duplicates or fixes code. The issues of the
fixture's app.py:

    QG101 (bare except, critical)      lines 10-11
    QG108 (print call, minor)          line 15
    QG112 (== None, minor)             line 19

Reference mode is line based, like SonarQube's: an issue is new when one of its lines is an added line of
``git diff -U0 -w <merge-base>`` (working tree, untracked files included). So code *moved* is new where git
shows it as added, and whitespace-only edits add nothing. ``consistent_with_git`` re-derives the new flags
from git's own diff in each test that depends on git's choices.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from support import FIXTURES, clean_env, git, make_repo, run_qgate

APP = (FIXTURES / "history" / "app.py").read_text()
OLD_ISSUES = [("QG101", "app.py", 10, False), ("QG108", "app.py", 15, False), ("QG112", "app.py", 19, False)]
SHOW = "def show(value):\n    print(value)\n\n\n"
IS_MISSING = "def is_missing(value):\n    return value == None\n\n\n"


# ---------------------------------------------------------------------------------------------- helpers


def history(tmp_path: Path, name: str = "repo") -> Path:
    """fixtures/history committed on main, then a checked-out ``feature`` branch."""
    repo = make_repo(tmp_path / name, "history")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    file.write_text(text.replace(old, new))


def check(repo: Path, *args: str, env: Optional[dict] = None):
    result = run_qgate("check", "--format", "json", *args, cwd=repo, env=env)
    report = json.loads(result.stdout) if result.stdout.strip() else None
    return result, report


def found(report: dict) -> list[tuple[str, str, int, bool]]:
    return [(i["rule"], i["path"], i["line"], i["new"]) for i in report["issues"]]


def git_added_lines(repo: Path, base: str) -> dict[str, set[int]]:
    """Post-image added lines per path from ``git diff -U0 -w base`` (committed + working tree), parsed here."""
    text = git(repo, "diff", "-U0", "-w", "-M", "--no-color", base, "--")
    added: dict[str, set[int]] = {}
    path = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            path = None if line == "+++ /dev/null" else line[len("+++ b/"):]
            if path is not None:
                added.setdefault(path, set())
        hunk = re.match(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
        if hunk and path is not None:
            start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
            added[path].update(range(start, start + count))
    return added


def consistent_with_git(repo: Path, report: dict, base: str = "main") -> None:
    added = git_added_lines(repo, base)
    for issue in report["issues"]:
        lines = set(range(issue["line"], issue["end_line"] + 1))
        assert issue["new"] == bool(lines & added.get(issue["path"], set())), issue


# ---------------------------------------------------------------------------------------------- moves and renames


def test_code_moved_within_a_file_is_new_where_git_shows_it_added(tmp_path):
    repo = history(tmp_path)
    # show() moves below total(): git keeps the longer common run, so show() reads as deleted + added at the end
    (repo / "app.py").write_text(APP.replace(SHOW, "") + "\n\n" + SHOW.rstrip("\n") + "\n")
    commit(repo, "move show() down")
    result, report = check(repo, "--base", "main")
    assert found(report) == [("QG101", "app.py", 10, False), ("QG112", "app.py", 15, False), ("QG108", "app.py", 27, True)]
    assert result.code == 1
    assert git_added_lines(repo, "main")["app.py"] >= {26, 27}
    consistent_with_git(repo, report)
    assert report["metrics"]["new_code"]["new_lines"] == 2  # def show + print; the blank lines are not code


def test_code_moved_to_another_file_is_new_in_the_new_file_only(tmp_path):
    repo = history(tmp_path)
    (repo / "app.py").write_text(APP.replace(IS_MISSING, ""))
    (repo / "util.py").write_text(IS_MISSING.rstrip("\n") + "\n")
    commit(repo, "move is_missing() to util.py")
    # app.py only lost lines: without --all-files it is not even analyzed
    result, report = check(repo, "--base", "main")
    assert found(report) == [("QG112", "util.py", 2, True)]
    assert [f["path"] for f in report["files"]] == ["util.py"]
    assert result.code == 1
    result, report = check(repo, "--base", "main", "--all-files")
    assert found(report) == [
        ("QG101", "app.py", 10, False), ("QG108", "app.py", 15, False), ("QG112", "util.py", 2, True),
    ]
    consistent_with_git(repo, report)


def test_renamed_file_has_no_new_issue(tmp_path):
    repo = history(tmp_path)
    git(repo, "mv", "app.py", "core.py")
    commit(repo, "rename")
    result, report = check(repo, "--base", "main", "--all-files")
    assert result.code == 0, result.stderr
    assert found(report) == [(rule, "core.py", line, False) for rule, _, line, _ in OLD_ISSUES]
    assert report["metrics"]["new_code"]["new_lines"] == 0


def test_renamed_file_with_one_edit_has_only_that_lines_issue_new(tmp_path):
    repo = history(tmp_path)
    git(repo, "mv", "app.py", "core.py")
    edit(repo, "core.py", "    return value == None\n", "    return value == None or value == ()\n")
    commit(repo, "rename and edit")
    assert "rename from app.py" in git(repo, "diff", "-M", "main", "--", "app.py", "core.py")
    result, report = check(repo, "--base", "main")
    assert found(report) == [("QG101", "core.py", 10, False), ("QG108", "core.py", 15, False), ("QG112", "core.py", 19, True)]
    assert result.code == 1
    assert report["metrics"]["new_code"]["new_lines"] == 1
    assert report["metrics"]["new_code"]["files_changed"] == 1


def test_whitespace_only_reformatting_adds_nothing(tmp_path):
    repo = history(tmp_path)
    text = APP.replace("    except:\n", "    except :\n").replace("print(value)", "print( value )")
    text = text.replace("value == None", "value==None").replace("result = 0", "result   =   0\t")
    (repo / "app.py").write_text(text)
    commit(repo, "reformat")
    assert git(repo, "diff", "--stat", "main") != ""  # the file did change, but only in whitespace
    result, report = check(repo, "--base", "main", "--all-files")
    assert result.code == 0, result.stderr
    assert found(report) == OLD_ISSUES
    assert report["metrics"]["new_code"]["new_lines"] == 0
    assert report["metrics"]["new_code"]["new_violations"] == 0


def test_duplicated_issue_the_copy_is_new_the_original_is_not(tmp_path):
    repo = history(tmp_path)
    (repo / "app.py").write_text(APP + "\n\n" + IS_MISSING.replace("is_missing", "is_absent").rstrip("\n") + "\n")
    commit(repo, "copy is_missing")
    result, report = check(repo, "--base", "main")
    assert found(report) == [*OLD_ISSUES, ("QG112", "app.py", 31, True)]
    assert report["metrics"]["new_code"]["new_violations"] == 1
    assert result.code == 1
    consistent_with_git(repo, report)


def test_fixed_issue_is_gone_and_the_gate_passes(tmp_path):
    repo = history(tmp_path)
    edit(repo, "app.py", "    print(value)\n", "    return str(value)\n")
    commit(repo, "fix print")
    result, report = check(repo, "--base", "main", "--all-files")
    assert result.code == 0, result.stderr
    assert found(report) == [("QG101", "app.py", 10, False), ("QG112", "app.py", 19, False)]
    assert report["gate"]["status"] == "passed"
    assert report["metrics"]["new_code"]["new_lines"] == 1
    assert report["metrics"]["overall"]["violations"] == 2


# ---------------------------------------------------------------------------------------------- clones and HEAD states


def diverged_origin(tmp_path: Path) -> tuple[Path, str]:
    """main fixes the print after feature branched; feature adds a new issue. Returns (origin, fork-point sha)."""
    origin = history(tmp_path, "origin")
    fork = git(origin, "rev-parse", "main").strip()
    (origin / "new.py").write_text("def answer(x):\n    return x == None\n")
    commit(origin, "feature work")
    git(origin, "checkout", "-q", "main")
    edit(origin, "app.py", "    print(value)\n", "    return str(value)\n")
    commit(origin, "main: fix print")
    for n in range(3):  # main moves on: the fork point is not main's parent
        (origin / f"m{n}.txt").write_text(f"{n}\n")
        commit(origin, f"main {n}")
    return origin, fork


def shallow_clone(origin: Path, dest: Path) -> Path:
    git(origin.parent, "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature", f"file://{origin}", str(dest))
    assert git(dest, "rev-parse", "--is-shallow-repository").strip() == "true"
    return dest


def test_shallow_clone_is_deepened_through_its_remote(tmp_path):
    origin, fork = diverged_origin(tmp_path)
    clone = shallow_clone(origin, tmp_path / "clone")
    result, report = check(clone, "--base", "origin/main", "--all-files")
    # against main's tip app.py:15 would look added; against the true merge base it is old
    assert report["new_code"]["merge_base"] == fork, result.stderr
    assert found(report) == [*OLD_ISSUES, ("QG112", "new.py", 2, True)]
    assert result.code == 1


def test_shallow_clone_without_remote_is_exit_2_with_the_ci_hint(tmp_path):
    origin, _ = diverged_origin(tmp_path)
    clone = shallow_clone(origin, tmp_path / "clone")
    git(clone, "branch", "main", "origin/main")
    git(clone, "remote", "remove", "origin")
    result, report = check(clone, "--base", "main")
    assert result.code == 2
    assert report is None  # a usage/git error: no report at all
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("qgate: error: shallow clone without a remote")
    assert "fetch-depth: 0" in result.stderr


def test_detached_head(tmp_path):
    repo = history(tmp_path)
    (repo / "new.py").write_text("def answer(x):\n    return x == None\n")
    sha = commit(repo, "feature work")
    git(repo, "checkout", "-q", "--detach", sha)
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "HEAD"
    result, report = check(repo, "--all-files")  # no --base: main is the default reference
    assert report["new_code"]["reference"] == "main"
    assert found(report) == [*OLD_ISSUES, ("QG112", "new.py", 2, True)]
    assert result.code == 1


def test_committed_staged_unstaged_and_untracked_changes_are_all_new(tmp_path):
    repo = history(tmp_path)
    (repo / "committed.py").write_text("def a(x):\n    return x == None\n")
    commit(repo, "committed")
    (repo / "staged.py").write_text("def b(x):\n    print(x)\n")
    git(repo, "add", "staged.py")
    edit(repo, "app.py", "    result = 0\n", "    result = 0\n    print(items)\n")  # unstaged, line 24
    (repo / "untracked.py").write_text("def c(x):\n    try:\n        x()\n    except:\n        pass\n")
    result, report = check(repo, "--base", "main", "--all-files")
    assert found(report) == [
        ("QG101", "app.py", 10, False), ("QG108", "app.py", 15, False), ("QG112", "app.py", 19, False),
        ("QG108", "app.py", 24, True),
        ("QG112", "committed.py", 2, True),
        ("QG108", "staged.py", 2, True),
        ("QG101", "untracked.py", 4, True), ("QG102", "untracked.py", 4, True),
    ]
    assert result.code == 1
    assert git(repo, "status", "--porcelain").splitlines() == [" M app.py", "A  staged.py", "?? untracked.py"]


def test_repository_without_commits_ignores_base_and_treats_everything_as_new(tmp_path):
    repo = make_repo(tmp_path / "empty", "history", commit=False)
    result, report = check(repo, "--base", "main")
    assert report["new_code"]["mode"] == "all"
    assert "no commits" in report["new_code"]["note"]
    assert found(report) == [(rule, path, line, True) for rule, path, line, _ in OLD_ISSUES]
    assert result.code == 1


def test_no_reference_at_all_makes_everything_new_and_says_why(tmp_path):
    repo = tmp_path / "trunk"
    repo.mkdir()
    for name in ("app.py", "pyproject.toml"):
        (repo / name).write_text((FIXTURES / "history" / name).read_text())
    git(repo, "init", "-q", "-b", "trunk")
    commit(repo, "initial")
    result, report = check(repo)
    assert report["new_code"]["mode"] == "all"
    assert report["new_code"]["reference"] is None
    assert "no reference branch found" in report["new_code"]["note"]
    assert found(report) == [(rule, path, line, True) for rule, path, line, _ in OLD_ISSUES]
    assert result.code == 1


# ---------------------------------------------------------------------------------------------- CI variables


def test_github_base_ref_picks_main(tmp_path):
    repo = history(tmp_path)
    (repo / "new.py").write_text("def answer(x):\n    return x == None\n")
    commit(repo)
    result, report = check(repo, "--all-files", env=clean_env(GITHUB_BASE_REF="main"))
    assert report["new_code"]["reference"] == "main"
    assert "(GITHUB_BASE_REF)" in report["new_code"]["note"]
    assert report["new_code"]["merge_base"] == git(repo, "rev-parse", "main").strip()
    assert found(report) == [*OLD_ISSUES, ("QG112", "new.py", 2, True)]
    assert result.code == 1


def test_gitlab_diff_base_sha_is_used_as_the_merge_base(tmp_path):
    repo = history(tmp_path)
    first = git(repo, "rev-parse", "HEAD").strip()
    edit(repo, "app.py", "    result = 0\n", "    result = 0\n    print(items)\n")
    commit(repo, "print in total")  # line 24
    git(repo, "branch", "-f", "main")  # main now includes that commit: by default it would be old
    (repo / "new.py").write_text("def answer(x):\n    return x == None\n")
    commit(repo, "feature work")
    result, report = check(repo, "--all-files", env=clean_env(CI_MERGE_REQUEST_DIFF_BASE_SHA=first))
    assert report["new_code"]["merge_base"] == first
    assert "(CI_MERGE_REQUEST_DIFF_BASE_SHA)" in report["new_code"]["note"]
    assert found(report) == [*OLD_ISSUES, ("QG108", "app.py", 24, True), ("QG112", "new.py", 2, True)]
    assert result.code == 1


# ---------------------------------------------------------------------------------------------- baseline + base


def test_baseline_and_base_together_an_issue_is_new_only_when_both_say_so(tmp_path):
    repo = history(tmp_path)
    (repo / "accepted.py").write_text("def a(x):\n    return x == None\n")
    commit(repo, "accepted on the branch")
    created = run_qgate("baseline", "create", "-o", "baseline.json", cwd=repo)
    assert created.code == 0, created.stderr
    baseline = json.loads((repo / "baseline.json").read_text())
    # forget the old print in the baseline: baseline alone would call it new, the diff says it is old
    baseline["issues"] = [e for e in baseline["issues"] if e["rule"] != "QG108"]
    (repo / "baseline.json").write_text(json.dumps(baseline))
    (repo / "fresh.py").write_text("def b(x):\n    print(x)\n")
    commit(repo, "new on the branch")

    result, report = check(repo, "--baseline", "baseline.json", "--all-files")
    assert report["new_code"]["mode"] == "baseline"
    assert [i for i in found(report) if i[3]] == [("QG108", "app.py", 15, True), ("QG108", "fresh.py", 2, True)]

    result, report = check(repo, "--base", "main", "--all-files")
    assert [i for i in found(report) if i[3]] == [("QG112", "accepted.py", 2, True), ("QG108", "fresh.py", 2, True)]

    result, report = check(repo, "--base", "main", "--baseline", "baseline.json", "--all-files")
    assert report["new_code"]["mode"] == "reference+baseline"
    assert found(report) == [("QG112", "accepted.py", 2, False), *OLD_ISSUES, ("QG108", "fresh.py", 2, True)]
    assert report["metrics"]["new_code"]["new_violations"] == 1
    assert result.code == 1


# ---------------------------------------------------------------------------------------------- new-code metrics


def test_new_code_metrics_on_a_known_diff(tmp_path):
    repo = history(tmp_path)
    # app.py: 3 added lines, of which 1 blank and 1 comment -> 1 new code line (QG103, major bug)
    edit(repo, "app.py", "def total(items):\n", "# accumulate\n\ndef total(items, seen=[]):\n")
    # extra.py: 6 lines, 1 comment, 1 blank -> 4 new code lines; QG113 (blocker bug), QG108 (minor), QG109 (info)
    (repo / "extra.py").write_text(
        "# helpers\n"
        "def check(x):\n"
        "    assert (x, 'x must be set')\n"
        "\n"
        "    print(x)  # TODO drop\n"
        "    return x\n"
    )
    (repo / "notes.txt").write_text("not python: not counted\n")
    commit(repo)
    result, report = check(repo, "--base", "main")
    assert found(report) == [
        ("QG101", "app.py", 10, False), ("QG108", "app.py", 15, False), ("QG112", "app.py", 19, False),
        ("QG103", "app.py", 24, True),
        ("QG113", "extra.py", 3, True), ("QG108", "extra.py", 5, True), ("QG109", "extra.py", 5, True),
    ]
    new = report["metrics"]["new_code"]
    assert (new["new_lines"], new["files_changed"]) == (1 + 4, 2)
    assert new["new_violations"] == 4
    assert (new["new_blocker_violations"], new["new_critical_violations"], new["new_major_violations"]) == (1, 0, 1)
    assert (new["new_minor_violations"], new["new_info_violations"]) == (1, 1)
    assert (new["new_bugs"], new["new_code_smells"]) == (2, 2)
    assert result.code == 1


def test_new_complexity_sums_the_changed_functions(tmp_path):
    repo = history(tmp_path)
    (repo / "pyproject.toml").write_text('[tool.qgate.analyzers]\nenabled = ["cst", "radon"]\n')
    commit(repo, "enable radon")
    git(repo, "branch", "-f", "main")  # the config is the reference's: enable radon there too
    # total(): for + if = 3 -> adds an elif: 4; new clamp(): if + elif = 3. load/show/is_missing unchanged.
    edit(repo, "app.py", "            result += item\n", "            result += item\n        elif item < -100:\n            result -= 1\n")
    (repo / "clamp.py").write_text(
        "def clamp(x):\n    if x < 0:\n        return 0\n    elif x > 9:\n        return 9\n    return x\n"
    )
    result, report = check(repo, "--base", "main")
    functions = {(f["path"], fn["name"]): fn["cyclomatic_complexity"] for f in report["files"] for fn in f["functions"]}
    assert functions[("app.py", "total")] == 4 and functions[("clamp.py", "clamp")] == 3
    assert functions[("app.py", "load")] == 2  # unchanged: not in new_complexity
    assert report["metrics"]["new_code"]["new_complexity"] == 4 + 3
    assert [i for i in found(report) if i[3]] == []
    assert result.code == 0, result.stderr
