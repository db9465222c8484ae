"""`qgate history list|kpis|migrate` through the real command line (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qgate.cli import history as history_cli
from qgate.cli import main as cli_main
from qgate.history.record import record_analysis
from qgate.history.store import VERSION_TABLE, Store, make_engine
from support import git, make_repo

from .history_support import at, issue, report

ISSUES = (issue("QG101", line=10), issue("QG108", line=15))


@pytest.fixture(autouse=True)
def history_command(monkeypatch):
    """`qgate history` as main.py registers it (a no-op once it does)."""
    monkeypatch.setitem(cli_main.SUBCOMMANDS, "history", cli_main.SUBCOMMANDS.get("history", history_cli))
    for name in [n for n in __import__("os").environ if n.startswith(("GITHUB_", "CI_", "QGATE_")) or n in ("CI", "GITLAB_CI")]:
        monkeypatch.delenv(name)


def qgate(capsys, *args: str) -> tuple[int, str, str]:
    code = cli_main.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A repository with an origin remote (project key acme/app) and two analyses recorded on main."""
    repo = make_repo(tmp_path / "work", "history")
    git(repo, "remote", "add", "origin", "https://github.com/acme/app.git")
    for n, (found, status) in enumerate([(ISSUES, "failed"), (ISSUES[:1], "passed")]):
        record_analysis(
            report(found, status=status, duration=2.0 + n), root=repo, url=None, project=None, env={},
            pull_request=None, base=None, started_at=at(24 * n), config_hash="c",
        )
    record_analysis(
        report((), duration=9.0), root=repo, url=None, project="acme/other", env={}, pull_request=None, base=None,
        started_at=at(1), config_hash="c",
    )
    monkeypatch.chdir(repo)
    return repo


def test_list_shows_the_current_project_newest_first(capsys, repo):
    code, out, _ = qgate(capsys, "history", "list", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    head = git(repo, "rev-parse", "HEAD").strip()
    assert [(r["id"], r["project"], r["branch"], r["gate_status"], r["issue_count"], r["commit"]) for r in rows] == [
        (2, "acme/app", "main", "passed", 1, head), (1, "acme/app", "main", "failed", 2, head)
    ]
    code, out, _ = qgate(capsys, "history", "list")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "started", "(UTC)", "project", "branch", "PR", "commit", "gate", "issues", "duration"]
    assert lines[1].split() == ["2", "2025-03-04", "09:00", "acme/app", "main", head[:12], "passed", "1", "3.0s"]
    assert len(lines) == 3


def test_kpis_for_the_current_project_and_rolled_up(capsys, repo):
    code, out, _ = qgate(capsys, "history", "kpis", "--format", "json")
    kpis = json.loads(out)
    assert code == 0
    assert (kpis["projects"], kpis["analyses"], kpis["main_branch"]) == (["acme/app"], 2, "main")
    assert kpis["pass_rate"]["overall"] == {"passed": 1, "total": 2, "percent": 50.0}
    assert kpis["mttr"]["overall"] == {"count": 1, "mean_hours": 24.0, "median_hours": 24.0}
    assert kpis["branches"] == [
        {"project": "acme/app", "branch": "main", "analyses": 2, "baseline": 2, "opened": 0, "fixed": 1, "reopened": 0, "open": 1}
    ]
    code, out, _ = qgate(capsys, "history", "kpis", "--all-projects", "--format", "json")
    rolled = json.loads(out)
    assert (rolled["projects"], rolled["analyses"]) == (["acme/app", "acme/other"], 3)
    assert rolled["duration_seconds"] == {"count": 3, "p50": 3.0, "p90": 7.8, "p95": 8.4}
    code, out, _ = qgate(capsys, "history", "kpis", "--since", "2025-03-04")
    assert code == 0
    head = git(repo, "rev-parse", "HEAD").strip()
    assert out == (
        "History KPIs: acme/app since 2025-03-04 00:00; main branch main\n"
        "Analyses: 1\n"
        "Quality gate pass rate:\n"
        "  overall         100.0%  (1/1)\n"
        "  main branch     100.0%  (1/1)\n"
        "  pull requests        -  (0/0)\n"
        "Issues per branch:\n"
        "  project   branch  analyses  opened  fixed  reopened  open  baseline\n"
        "  acme/app  main    1         0       1      0         1     0\n"
        "Time to remediation on main (mean / median):\n"
        "  all                    24.0 h / 24.0 h     (1 fixed)\n"
        "  code_smell             24.0 h / 24.0 h     (1 fixed)\n"
        "  major                  24.0 h / 24.0 h     (1 fixed)\n"
        "Defect escape rate on main: - (0 of 0 new issues not seen in a pull request)\n"
        "Analysis duration: p50 3.00s, p90 3.00s, p95 3.00s (1 analyses)\n"
        "New issues per week on main:\n"
        "  -\n"
        "Open vulnerabilities / security hotspots on main:\n"
        f"  2025-03-04 09:00     0 / 0    {head[:12]}\n"
    )


def test_outside_a_repository_every_project_is_rolled_up(capsys, repo, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    code, out, _ = qgate(capsys, "history", "kpis", "--format", "json", "--database-url", str(repo / ".qgate" / "history.db"))
    assert code == 0
    assert json.loads(out)["projects"] == ["acme/app", "acme/other"]
    code, _, err = qgate(capsys, "history", "list")
    assert code == 2
    assert err.startswith("qgate: error: no history store at ") and "record analyses with `qgate check --record`" in err


def test_migrate_upgrades_then_has_nothing_to_do(capsys, store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Store(make_engine(store_url, tmp_path)) as store:
        store.upgrade_to("0001")
    code, _, err = qgate(capsys, "history", "list", "--database-url", store_url)
    assert code == 2 and "run `qgate history migrate`" in err
    code, _, err = qgate(capsys, "history", "migrate", "--database-url", store_url)
    assert code == 0 and err.endswith("upgraded from schema version 0001 to 0003\n")
    code, _, err = qgate(capsys, "history", "migrate", "--database-url", store_url)
    assert code == 0 and err.endswith("is at schema version 0003: nothing to do\n")
    code, out, _ = qgate(capsys, "history", "list", "--database-url", store_url)
    assert (code, out) == (0, "no analyses recorded in the store\n")


def test_migrate_creates_a_store_and_refuses_a_newer_one(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = qgate(capsys, "history", "migrate")
    assert code == 0 and "created at schema version 0003" in err
    with Store(make_engine(None, tmp_path)) as store, store.transaction() as conn:
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '0004'")
    code, _, err = qgate(capsys, "history", "kpis")
    assert code == 2 and "newer schema version (0004; this qgate knows up to 0003): upgrade qgate" in err


def test_usage_errors(capsys, repo):
    assert qgate(capsys, "history", "kpis", "--since", "soon")[0] == 2
    code, _, err = qgate(capsys, "history", "list", "--project", "x", "--all-projects")
    assert code == 2 and "--project and --all-projects exclude each other" in err
    with pytest.raises(SystemExit) as stopped:  # argparse: one line, exit 2
        cli_main.main(["history"])
    assert stopped.value.code == 2
    assert "the following arguments are required: SUBCOMMAND" in capsys.readouterr().err
