"""The store: URLs, schema versions and migrations, refusing corrupt or foreign databases, one transaction per
analysis (interrupted by an exception or a SIGKILL), and two processes recording at once."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from qgate.errors import InputError
from qgate.history.record import record_analysis
from qgate.history.store import (
    HEAD,
    REVISIONS,
    VERSION_TABLE,
    AnalysisMeta,
    Store,
    analyses,
    database_url,
    issue_events,
    make_engine,
    metadata,
    open_store,
    tracked,
)

from .history_support import at, issue, report

ISSUES = (issue("QG101", line=10), issue("QG108", line=15), issue("QG112", line=19))


def record(url: str, root: Path, found=ISSUES, hours: float = 0, branch: str = "main") -> int:
    return record_analysis(
        report(found), root=root, url=url, project="acme/app", env={"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": branch},
        pull_request=None, base=None, started_at=at(hours), config_hash="c",
    )


def count(url: str, root: Path, table: sa.Table) -> int:
    with Store(make_engine(url, root)) as store, store.transaction() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def schema_drift(conn: sa.Connection) -> list:
    """Differences between the migrated database and the table definitions the code writes with."""
    return compare_metadata(MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}), metadata)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------- urls


def test_database_urls(tmp_path):
    assert database_url(None, tmp_path).database == str(tmp_path / ".qgate" / "history.db")
    assert database_url("postgresql://u:secret@db:5433/q", tmp_path).drivername == "postgresql+psycopg"
    assert database_url("postgres://u@db/q", tmp_path).drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://u@db/q", tmp_path).drivername == "postgresql+psycopg"
    assert database_url(str(tmp_path / "h.db"), tmp_path).render_as_string() == f"sqlite:///{tmp_path / 'h.db'}"
    with pytest.raises(InputError, match=r"unsupported database URL 'mysql://u:\*\*\*@db/q'"):
        database_url("mysql://u:secret@db/q", tmp_path)


def test_unreachable_postgresql_is_an_input_error_without_the_password(tmp_path):
    with pytest.raises(InputError) as caught:
        open_store("postgresql://qgate:hunter2@127.0.0.1:1/nothing?connect_timeout=2", tmp_path)
    assert str(caught.value).startswith("history store postgresql+psycopg://qgate:***@127.0.0.1:1/nothing")
    assert "hunter2" not in str(caught.value)


# ---------------------------------------------------------------------------------------------- schema


def test_a_new_store_is_created_at_head_and_matches_the_table_definitions(store_url, tmp_path):
    with open_store(store_url, tmp_path) as store:
        assert store.revision() == HEAD == REVISIONS[-1]
        with store.transaction() as conn:
            assert schema_drift(conn) == []
            if store.dialect == "sqlite":
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_too_new_schema_is_refused_and_nothing_is_written(store_url, tmp_path):
    record(store_url, tmp_path)
    with Store(make_engine(store_url, tmp_path)) as store, store.transaction() as conn:
        conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '0099'"))
    with pytest.raises(InputError, match=r"has a newer schema version \(0099; this qgate knows up to 0003\): upgrade qgate"):
        record(store_url, tmp_path, hours=1)
    with pytest.raises(InputError, match="newer schema version"):
        open_store(store_url, tmp_path, migrate=True)
    assert count(store_url, tmp_path, analyses) == 1


def _insert_0001_rows(conn: sa.Connection) -> None:
    """One analysis with one open tracked issue, written with the 0001 schema (no ci_provider yet)."""
    conn.execute(sa.text(
        "INSERT INTO qgate_analyses (id, project, branch, commit_sha, started_at, duration_seconds, qgate_version, "
        "config_hash, gate_status, new_code_mode, issue_count) VALUES "
        "(1, 'acme/app', 'main', 'abc', :t, 1.5, '0.0.9', 'c', 'passed', 'all', 1)"
    ), {"t": at(0).replace(tzinfo=None)})
    one = ISSUES[0]
    conn.execute(sa.text(
        "INSERT INTO qgate_tracked_issues (id, project, branch, status, rule, type, severity, path, line, line_hash, "
        "message, fingerprint, first_fingerprint, first_analysis_id, first_seen_at, first_new, reopen_count) VALUES "
        "(1, 'acme/app', 'main', 'open', :rule, 'code_smell', 'major', :path, :line, :lh, :msg, :fp, :fp, 1, :t, false, 0)"
    ), {"rule": one.rule, "path": one.path, "line": one.line, "lh": one.line_hash, "msg": one.message, "fp": one.fingerprint,
        "t": at(0).replace(tzinfo=None)})
    conn.execute(sa.text(
        "INSERT INTO qgate_issue_events (tracked_id, analysis_id, kind, at) VALUES (1, 1, 'opened', :t)"
    ), {"t": at(0).replace(tzinfo=None)})
    if conn.dialect.name == "postgresql":  # explicit ids do not advance the sequences
        for table in ("qgate_analyses", "qgate_tracked_issues"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1)"))


def test_migration_from_0001_to_head_keeps_the_data(store_url, tmp_path):
    with Store(make_engine(store_url, tmp_path)) as store:
        store.upgrade_to("0001")
        assert store.revision() == "0001"
        with store.transaction() as conn:
            _insert_0001_rows(conn)
            assert "ci_provider" not in {c["name"] for c in sa.inspect(conn).get_columns("qgate_analyses")}
    with pytest.raises(InputError, match=r"schema version 0001, this qgate needs 0003: run `qgate history migrate`"):
        record(store_url, tmp_path, hours=1)
    with open_store(store_url, tmp_path, migrate=True) as store:
        assert store.revision() == HEAD
        [old] = store.list_analyses()
        assert (old.id, old.project, old.commit, old.qgate_version, old.ci_provider) == (1, "acme/app", "abc", "0.0.9", None)
        with store.transaction() as conn:
            inspector = sa.inspect(conn)
            assert "ix_qgate_tracked_open" in {i["name"] for i in inspector.get_indexes("qgate_tracked_issues")}
            assert "ix_qgate_analysis_issues_fingerprint" in {i["name"] for i in inspector.get_indexes("qgate_analysis_issues")}
            assert schema_drift(conn) == []
    # the lifecycle goes on from the migrated rows: QG101 stays the same open issue
    new_id = record(store_url, tmp_path, hours=1)
    with open_store(store_url, tmp_path) as store:
        history = store.load_history()
    assert new_id == 2
    assert [(t.id, t.rule, t.status, t.first_analysis_id) for t in history.tracked] == [
        (1, "QG101", "open", 1), (2, "QG108", "open", 2), (3, "QG112", "open", 2)
    ]
    assert [a.ci_provider for a in sorted(history.analyses, key=lambda a: a.id)] == [None, "github"]


def test_corrupt_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / ".qgate" / "history.db"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database" * 200)
    before = digest(path)
    with pytest.raises(InputError, match=r"history store .*history\.db: file is not a database"):
        record(None, tmp_path)  # type: ignore[arg-type]  # None: the default store under root
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.db"]


def test_foreign_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users VALUES (1, 'ada')")
    conn.close()
    before = digest(path)
    with pytest.raises(InputError, match=r"other\.db is not a qgate history store: a database with other tables \(users\)"):
        record(str(path), tmp_path)
    assert digest(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_qgate_tables_without_a_version_are_refused(store_url, tmp_path):
    with Store(make_engine(store_url, tmp_path)) as store, store.transaction() as conn:
        conn.execute(sa.text("CREATE TABLE qgate_analyses (id INTEGER PRIMARY KEY)"))
    with pytest.raises(InputError, match=r"not a qgate history store: qgate tables \(qgate_analyses\) without a schema version"):
        record(store_url, tmp_path)


def test_reading_commands_do_not_create_a_store(tmp_path):
    with pytest.raises(InputError, match=r"no history store at .*history\.db: record analyses with `qgate check --record`"):
        open_store(None, tmp_path, create=False)
    assert not (tmp_path / ".qgate").exists()


# ---------------------------------------------------------------------------------------------- one transaction


def test_an_exception_inside_the_transaction_leaves_nothing(store_url, tmp_path):
    first = record(store_url, tmp_path, found=ISSUES[:1])

    def boom(conn: sa.Connection, analysis_id: int) -> None:
        assert conn.execute(sa.select(sa.func.count()).select_from(tracked)).scalar_one() == 3  # all written...
        raise RuntimeError("interrupted")

    meta = AnalysisMeta(project="acme/app", branch="main", started_at=at(1))
    with open_store(store_url, tmp_path) as store:
        with pytest.raises(RuntimeError, match="interrupted"):
            store.record(report(ISSUES[1:]), meta, _hook=boom)
        assert [a.id for a in store.list_analyses()] == [first]
        history = store.load_history()
    assert [(t.rule, t.status) for t in history.tracked] == [("QG101", "open")]  # ...and none of it committed
    assert [e.kind for e in history.events] == ["opened"]


CHILD = textwrap.dedent(
    """
    import json, os, signal, sys, time
    from pathlib import Path
    from datetime import datetime
    from qgate.history.store import AnalysisMeta, open_store
    from qgate.model import Report

    url, root, report_file, go, mode, started = sys.argv[1:7]
    report = Report.model_validate_json(Path(report_file).read_text())
    meta = AnalysisMeta(project="acme/app", branch="main", started_at=datetime.fromisoformat(started))

    def hook(conn, analysis_id):
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.3)  # hold the transaction open so that the other process has to wait for it

    with open_store(url, Path(root)) as store:
        Path(go + "." + report_file.rsplit("/", 1)[-1]).touch()  # ready
        deadline = time.monotonic() + 30
        while not Path(go).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        print(store.record(report, meta, _hook=hook))
    """
)


def _child(tmp_path: Path, url: str, mode: str, started: datetime, name: str) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    report_file = tmp_path / f"{name}.json"
    report_file.write_text(report(ISSUES).model_dump_json())
    return subprocess.Popen(
        [sys.executable, str(script), url, str(tmp_path), str(report_file), str(tmp_path / "go"), mode, started.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_a_process_killed_mid_transaction_leaves_nothing(store_url, tmp_path):
    url = store_url
    open_store(url, tmp_path).close()
    (tmp_path / "go").touch()
    child = _child(tmp_path, url, "kill", at(0), "killed")
    _, err = child.communicate(timeout=60)
    assert child.returncode == -9, err
    with open_store(url, tmp_path) as store:
        assert store.list_analyses() == []
    assert count(url, tmp_path, tracked) == 0
    record(url, tmp_path)  # the store is usable afterwards
    assert (count(url, tmp_path, analyses), count(url, tmp_path, tracked)) == (1, 3)


@pytest.mark.parametrize("fresh", [False, True], ids=["existing", "created-by-both"])
def test_two_processes_recording_at_once_both_land(store_url, tmp_path, fresh):
    if not fresh:  # else both processes find an empty database and race to create the schema
        open_store(store_url, tmp_path).close()
    children = [_child(tmp_path, store_url, "wait", at(n), f"r{n}") for n in range(2)]
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"go.r{n}.json").exists() for n in range(2)) and time.monotonic() < deadline:
        time.sleep(0.01)  # both started, store open, waiting for the signal
    (tmp_path / "go").touch()
    outputs = [c.communicate(timeout=60) for c in children]
    assert [c.returncode for c in children] == [0, 0], [err for _, err in outputs]
    ids = sorted(int(out.strip()) for out, _ in outputs)
    with open_store(store_url, tmp_path) as store:
        assert sorted(a.id for a in store.list_analyses()) == ids
        history = store.load_history()
    # serialized per branch: the second saw the first's issues as still open, no duplicates
    assert sorted((t.rule, t.status) for t in history.tracked) == [("QG101", "open"), ("QG108", "open"), ("QG112", "open")]
    assert [e.kind for e in history.events] == ["opened"] * 3
    assert count(store_url, tmp_path, issue_events) == 3
    assert len(set(ids)) == 2


def test_the_gate_measures_and_issues_of_an_analysis_are_stored(store_url, tmp_path):
    analysis_id = record(store_url, tmp_path)
    with open_store(store_url, tmp_path) as store:
        detail = store.analysis_detail(analysis_id)
    assert (detail["project"], detail["branch"], detail["gate_status"], detail["config_hash"]) == ("acme/app", "main", "passed", "c")
    assert detail["started_at"] == at(0)
    assert detail["conditions"] == [
        {"position": 0, "metric": "new_violations", "op": "gt", "threshold": 0.0, "actual": 0.0, "status": "passed", "note": ""}
    ]
    assert detail["measures"] == {"new_code": {"new_violations": 0.0}, "overall": {"ncloc": 120.0, "violations": 3.0}}
    assert [(i["position"], i["rule"], i["line"], i["fingerprint"]) for i in detail["issues"]] == [
        (n, i.rule, i.line, i.fingerprint) for n, i in enumerate(ISSUES)
    ]
    with pytest.raises(InputError, match="no analysis 999"):
        with open_store(store_url, tmp_path) as store:
            store.analysis_detail(999)
