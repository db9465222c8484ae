"""`qgate check --record` stores analyses that `qgate history list|kpis` read back (SQLite store)."""

from support import git, make_repo, run_qgate

CONFIG = '[tool.qgate.analyzers]\nenabled = ["cst"]\n'
BAD = "def f(x):\n    try:\n        x()\n    except:\n        pass\n"


def test_recorded_analyses_feed_history_and_kpis(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(CONFIG)
    (repo / "a.py").write_text("def ok():\n    return 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    first = run_qgate("check", "--record", "--project", "demo", "--all-files", cwd=repo)
    assert first.code == 0, first.stderr
    (repo / "b.py").write_text(BAD)  # an uncommitted change on main: new code, gate fails
    second = run_qgate("check", "--record", "--project", "demo", cwd=repo)
    assert second.code == 1, second.stderr
    assert (repo / ".qgate" / "history.db").is_file()

    listed = run_qgate("history", "list", "--format", "json", "--project", "demo", cwd=repo)
    assert listed.code == 0, listed.stderr
    rows = listed.json()
    rows = rows["analyses"] if isinstance(rows, dict) else rows
    assert sorted(r["gate_status"] for r in rows) == ["failed", "passed"]

    kpis = run_qgate("history", "kpis", "--format", "json", "--project", "demo", cwd=repo)
    assert kpis.code == 0, kpis.stderr
    data = kpis.json()
    assert data["analyses"] == 2
    assert data["pass_rate"]["overall"]["percent"] == 50.0


def test_unreadable_store_is_exit_2(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(CONFIG)
    (repo / ".qgate").mkdir()
    (repo / ".qgate" / "history.db").write_text("this is not a database")
    result = run_qgate("check", "--record", "--all-files", cwd=repo)
    assert result.code == 2
    assert result.stderr.count("\n") == 1


def test_configured_main_branch_reaches_the_kpis(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(CONFIG + '[tool.qgate.history]\nmain_branch = "trunk"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    assert run_qgate("check", "--record", "--project", "demo", "--all-files", cwd=repo).code == 0
    kpis = run_qgate("history", "kpis", "--format", "json", "--project", "demo", cwd=repo)
    assert kpis.code == 0, kpis.stderr
    assert kpis.json()["main_branch"] == "trunk"
