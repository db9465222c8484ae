"""End to end with every built-in analyzer (cst, radon, bandit, semgrep) on fixtures/projects/basic.

One session-scoped `qgate check` run (semgrep costs seconds to start); the tests read its report.
"""

import json
import shutil
from pathlib import Path

import pytest

from support import FIXTURES, git, make_repo, run_qgate

SERVICE = "pkg/service.py"


@pytest.fixture(scope="session")
def basic_repo(tmp_path_factory) -> Path:
    """main holds the config; the feature branch adds the code, so every line of code is new."""
    repo = make_repo(tmp_path_factory.mktemp("basic") / "repo")
    source = FIXTURES / "projects" / "basic"
    for name in ("pyproject.toml", ".gitignore"):
        shutil.copy(source / name, repo / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    git(repo, "checkout", "-q", "-b", "feature")
    shutil.copytree(source, repo, dirs_exist_ok=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "code")
    return repo


@pytest.fixture(scope="session")
def run(basic_repo):
    result = run_qgate("check", "--base", "main", "--format", "json", cwd=basic_repo)
    return result, json.loads(result.stdout)


def located(issues):
    return [(i["rule"], i["tool"], i["path"], i["line"], i["column"]) for i in issues]


def test_gate_fails_on_new_issues_with_exit_1(run):
    result, report = run
    assert result.code == 1, result.stderr
    assert report["gate"]["status"] == "failed"
    assert report["gate"]["conditions"][0] == {
        "metric": "new_violations", "op": "gt", "threshold": 0.0, "actual": 6, "status": "failed", "note": "",
    }


def test_every_analyzer_reports_at_exact_positions(run):
    _, report = run
    assert located(report["issues"]) == [
        ("B404", "bandit", SERVICE, 3, 1),
        ("QG103", "cst", SERVICE, 6, 22),
        ("B602", "bandit", SERVICE, 8, 16),
        ("QG101", "cst", SERVICE, 9, 5),
        ("QG201", "radon", SERVICE, 13, 5),
        ("QGS109", "semgrep", SERVICE, 35, 12),
        ("B105", "bandit", SERVICE, 38, 15),
    ]
    assert all(i["new"] for i in report["issues"])


def test_bandit_mapping_keeps_cwe_and_splits_by_confidence(run):
    _, report = run
    by_rule = {i["rule"]: i for i in report["issues"]}
    assert (by_rule["B602"]["type"], by_rule["B602"]["severity"], by_rule["B602"]["cwe"]) == ("vulnerability", "critical", [78])
    assert (by_rule["B105"]["type"], by_rule["B105"]["review"]) == ("security_hotspot", "to_review")


def test_suppressions_are_counted_not_dropped(run):
    _, report = run
    assert [(i["rule"], i["line"], i["suppression"]) for i in report["suppressed"]] == [
        ("B602", 28, "nosec"), ("QG112", 29, "noqa"), ("QG108", 3, "config"),
    ]
    assert report["metrics"]["overall"]["suppressed_violations"] == 3


def test_rule_options_from_config_reach_the_rule(run):
    _, report = run
    (qg201,) = [i for i in report["issues"] if i["rule"] == "QG201"]
    assert qg201["message"] == "Function 'grade' has a cyclomatic complexity of 8 (threshold 5)"


def test_gitignored_files_are_not_analyzed_and_broken_file_is_one_error(run):
    _, report = run
    assert [f["path"] for f in report["files"]] == ["pkg/__init__.py", "pkg/broken.py", SERVICE, "scripts/tool.py"]
    assert [(e["path"], e["fatal"]) for e in report["errors"]] == [("pkg/broken.py", False)]


def test_file_measures_and_functions(run):
    _, report = run
    service = next(f for f in report["files"] if f["path"] == SERVICE)
    assert [(fn["qualified_name"], fn["line"], fn["end_line"], fn["cyclomatic_complexity"]) for fn in service["functions"]] == [
        ("run", 6, 10, 2), ("grade", 13, 24, 8), ("quiet", 27, 29, 1), ("stamp", 32, 35, 1),
    ]
    assert service["measures"]["lines"] == 38
    assert 0 < service["measures"]["maintainability_index"] <= 100


def test_new_code_metrics(run):
    _, report = run
    new = report["metrics"]["new_code"]
    assert new["new_violations"] == 6
    assert new["new_vulnerabilities"] == 2
    assert new["new_security_hotspots"] == 1
    assert new["new_critical_violations"] == 3
    assert new["new_complexity"] == 12
    assert new["files_changed"] == 4
    assert new["new_security_hotspots_reviewed"] == 0.0


def test_review_a_hotspot_then_it_counts_as_reviewed(run, basic_repo, tmp_path):
    _, report = run
    (hotspot,) = [i for i in report["issues"] if i["type"] == "security_hotspot"]
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report))
    reviewed = run_qgate("review", hotspot["fingerprint"][:10], "--status", "safe", "--comment", "test data", "--report", str(saved), cwd=basic_repo)
    assert reviewed.code == 0, reviewed.stderr
    stored = json.loads((basic_repo / ".qgate" / "hotspots.json").read_text())["reviews"]
    assert [(r["rule"], r["path"], r["line"], r["status"]) for r in stored] == [("B105", SERVICE, 38, "safe")]
