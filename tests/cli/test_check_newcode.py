"""End to end: `qgate check` deciding new code on real git repositories (cst analyzer only, to stay fast)."""

import json
from pathlib import Path

from support import git, make_repo, run_qgate

CONFIG = '[tool.qgate.analyzers]\nenabled = ["cst"]\n'
OLD = "def old(x):\n    try:\n        x()\n    except:\n        pass\n"
NEW = "def new(y):\n    try:\n        y()\n    except:\n        pass\n"


def repo_with_history(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(CONFIG)
    (repo / "old.py").write_text(OLD)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def check(repo: Path, *args: str):
    result = run_qgate("check", "--format", "json", *args, cwd=repo)
    return result, (json.loads(result.stdout) if result.stdout else None)


def test_clean_change_passes_despite_old_issues(tmp_path):
    repo = repo_with_history(tmp_path)
    (repo / "clean.py").write_text("def fine():\n    return 1\n")
    result, report = check(repo, "--base", "main")
    assert result.code == 0, result.stderr
    assert report["new_code"]["mode"] == "reference"
    assert report["new_code"]["reference"] == "main"
    assert [f["path"] for f in report["files"]] == ["clean.py"]  # only changed files are analyzed
    assert report["metrics"]["new_code"]["new_violations"] == 0
    assert report["metrics"]["new_code"]["new_lines"] == 2


def test_all_files_analyzes_everything_but_old_issues_are_not_new(tmp_path):
    repo = repo_with_history(tmp_path)
    (repo / "clean.py").write_text("def fine():\n    return 1\n")
    result, report = check(repo, "--base", "main", "--all-files")
    assert result.code == 0, result.stderr
    assert {f["path"] for f in report["files"]} == {"clean.py", "old.py"}
    old = [i for i in report["issues"] if i["path"] == "old.py"]
    assert [(i["rule"], i["line"], i["new"]) for i in old] == [("QG101", 4, False), ("QG102", 4, False)]


def test_new_issue_in_committed_change_fails_the_gate(tmp_path):
    repo = repo_with_history(tmp_path)
    (repo / "new.py").write_text(NEW)
    git(repo, "add", "new.py")
    git(repo, "commit", "-q", "-m", "add new")
    result, report = check(repo, "--base", "main")
    assert result.code == 1
    assert [(i["rule"], i["path"], i["line"], i["column"], i["new"]) for i in report["issues"]] == [
        ("QG101", "new.py", 4, 5, True),
        ("QG102", "new.py", 4, 5, True),
    ]
    assert report["gate"]["status"] == "failed"


def test_untracked_and_unstaged_changes_are_new(tmp_path):
    repo = repo_with_history(tmp_path)
    (repo / "old.py").write_text(OLD + "\n\n" + NEW)  # unstaged edit appends a new function
    (repo / "untracked.py").write_text(NEW)
    result, report = check(repo, "--base", "main")
    assert result.code == 1
    new = sorted((i["path"], i["line"]) for i in report["issues"] if i["new"] and i["rule"] == "QG101")
    assert new == [("old.py", 11), ("untracked.py", 4)]
    assert not [i for i in report["issues"] if i["path"] == "old.py" and i["line"] == 4 and i["new"]]


def test_repository_without_commits_treats_everything_as_new(tmp_path):
    repo = make_repo(tmp_path / "empty", commit=False)
    (repo / "pyproject.toml").write_text(CONFIG)
    (repo / "a.py").write_text(NEW)
    result, report = check(repo)
    assert result.code == 1
    assert report["new_code"]["mode"] == "all"
    assert "no commits" in report["new_code"]["note"]


def test_unknown_base_is_exit_2_with_one_line(tmp_path):
    repo = repo_with_history(tmp_path)
    result, _ = check(repo, "--base", "no-such-branch")
    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no-such-branch" in result.stderr


def test_a_change_cannot_weaken_its_own_gate(tmp_path):
    repo = repo_with_history(tmp_path)
    (repo / "new.py").write_text(NEW)
    (repo / "pyproject.toml").write_text('[tool.qgate]\nignore = ["QG101", "QG102"]\n\n' + CONFIG)
    result, report = check(repo, "--base", "main")
    assert result.code == 1
    assert {i["rule"] for i in report["issues"] if i["new"]} == {"QG101", "QG102"}
    assert any("modifies the qgate configuration" in note for note in report["gate"]["notes"])
    result, report = check(repo, "--base", "main", "--config-from-head")
    assert result.code == 0
    assert any("--config-from-head" in note for note in report["gate"]["notes"])


def test_baseline_create_then_check_then_update(tmp_path):
    repo = repo_with_history(tmp_path)
    created = run_qgate("baseline", "create", cwd=repo)
    assert created.code == 0, created.stderr
    baseline = repo / ".qgate" / "baseline.json"
    assert [e["rule"] for e in json.loads(baseline.read_text())["issues"]] == ["QG101", "QG102"]
    # the accepted issues moved down by two lines, and a copy of them was added: one new pair only
    (repo / "old.py").write_text("import os\n\n" + OLD + "\n\n" + OLD.replace("old", "other"))
    result, report = check(repo, "--baseline", str(baseline))
    assert report["new_code"]["mode"] == "baseline"
    assert sorted((i["rule"], i["line"], i["new"]) for i in report["issues"]) == [
        ("QG101", 6, False), ("QG101", 13, True), ("QG102", 6, False), ("QG102", 13, True),
    ]
    assert result.code == 1
    (repo / "old.py").write_text("def fixed():\n    return 1\n")
    updated = run_qgate("baseline", "update", cwd=repo)
    assert updated.code == 0, updated.stderr
    assert json.loads(baseline.read_text())["issues"] == []


def test_corrupt_baseline_is_exit_2(tmp_path):
    repo = repo_with_history(tmp_path)
    (repo / "b.json").write_text('{"schema": "qgate-baseline", "version": 1, "issues": [')
    result, _ = check(repo, "--baseline", "b.json")
    assert result.code == 2
    assert "corrupt baseline" in result.stderr


BLOCK = '''def summarize(records, key, threshold):
    totals = {}
    for record in records:
        value = record.get(key, 0)
        if value > threshold:
            totals[record["name"]] = totals.get(record["name"], 0) + value
        else:
            totals.setdefault(record["name"], 0)
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    report = [f"{name}: {total}" for name, total in ordered]
    header = "summary of " + str(len(report)) + " names above " + str(threshold)
    return "\\n".join([header, *report])
'''


def test_block_copied_from_an_unchanged_file_is_new_duplication(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(CONFIG + "[tool.qgate.gate]\nsmall_change_lines = 10\n")
    (repo / "stats.py").write_text(BLOCK)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "copy.py").write_text("import os\n\n\n" + BLOCK.replace("def summarize", "def summarize_again"))
    result, report = check(repo, "--base", "main")
    assert report is not None, result.stderr
    assert [f["path"] for f in report["files"]] == ["copy.py"]  # the original is context, not analyzed
    (block,) = report["duplications"]
    assert [(o["path"], o["line"], o["end_line"]) for o in block["occurrences"]] == [("copy.py", 4, 15), ("stats.py", 1, 12)]
    new = report["metrics"]["new_code"]
    assert new["new_duplicated_lines"] == 12
    assert new["new_duplicated_lines_density"] == round(100 * 12 / new["new_lines"], 1)
    condition = next(c for c in report["gate"]["conditions"] if c["metric"] == "new_duplicated_lines_density")
    assert condition["status"] == "failed"
    assert result.code == 1


def test_an_extended_config_file_is_also_read_at_the_reference(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "config").mkdir()
    (repo / "config" / "team.toml").write_text('[analyzers]\nenabled = ["cst"]\n')
    (repo / "pyproject.toml").write_text('[tool.qgate]\nextends = ["config/team.toml"]\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "new.py").write_text(NEW)
    (repo / "config" / "team.toml").write_text('ignore = ["QG1"]\n[analyzers]\nenabled = ["cst"]\n')
    result, report = check(repo, "--base", "main")
    assert result.code == 1
    assert {i["rule"] for i in report["issues"] if i["new"]} == {"QG101", "QG102"}
    assert any("modifies the qgate configuration" in note for note in report["gate"]["notes"])
