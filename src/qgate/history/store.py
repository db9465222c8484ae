"""The history store: SQLAlchemy Core over SQLite (default, ``.qgate/history.db``) or PostgreSQL.

Connection
    ``url`` None -> the SQLite file ``<root>/.qgate/history.db``. ``postgresql://`` and ``postgres://``
    URLs use the psycopg (3) driver; ``sqlite:///path`` and a plain file path name a SQLite file.
    SQLite runs in WAL mode with a busy timeout of :data:`BUSY_TIMEOUT_SECONDS`, and every transaction
    starts with ``BEGIN IMMEDIATE`` (it takes the write lock at once, so two writers queue instead of
    failing on a lock upgrade). PostgreSQL serializes with advisory transaction locks: exclusive on the
    schema while migrating, shared on the schema and exclusive on (project, branch) while recording.

Schema
    Alembic migrations in ``qgate/history/migrations`` (revisions :data:`REVISIONS`, version table
    :data:`VERSION_TABLE`); tables are prefixed ``qgate_`` so a shared PostgreSQL database can hold them.
    An empty database is created at head on first use. A store at an older revision is refused until
    ``qgate history migrate``; a newer one (written by a newer qgate) is refused outright. A SQLite file
    that is not a database, or a database with other tables and no qgate version, is refused untouched.

Writes
    One analysis is one transaction (:meth:`Store.record`): an interrupted run leaves nothing of it.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from qgate.errors import InputError
from qgate.history.kpis import AnalysisRecord, EventRecord, History, PrNewRecord, TrackedRecord
from qgate.history.lifecycle import LifecyclePlan, TrackedState, plan_lifecycle
from qgate.model import Frozen, Issue, Report

DEFAULT_PATH = Path(".qgate/history.db")
VERSION_TABLE = "qgate_alembic_version"
REVISIONS = ("0001", "0002", "0003")
"""Every schema revision this qgate knows, oldest first; the last is head."""
HEAD = REVISIONS[-1]
BUSY_TIMEOUT_SECONDS = 60.0
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_LOCK_NAMESPACE = 0x71676174  # "qgat": first key of every advisory lock qgate takes
_SCHEMA_LOCK = 0

# ---------------------------------------------------------------------------------------------- tables (head)

metadata = sa.MetaData()


def _issue_columns() -> list[sa.Column]:
    """What identifies and locates an issue: shared by tracked issues and the issues of each analysis."""
    text = {"path": sa.Text, "message": sa.Text}
    sizes = {"rule": 128, "type": 32, "severity": 16, "line_hash": 64, "fingerprint": 128}
    columns = [sa.Column(name, sa.String(size), nullable=False) for name, size in sizes.items()]
    columns += [sa.Column(name, kind, nullable=False) for name, kind in text.items()]
    return [*columns, sa.Column("line", sa.Integer, nullable=False)]


analyses = sa.Table(
    "qgate_analyses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(255), nullable=False),
    sa.Column("branch", sa.String(255), nullable=False),
    sa.Column("commit_sha", sa.String(64)),
    sa.Column("pull_request", sa.Integer),
    sa.Column("base_branch", sa.String(255)),
    sa.Column("started_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("duration_seconds", sa.Float, nullable=False),
    sa.Column("qgate_version", sa.String(64), nullable=False),
    sa.Column("config_hash", sa.String(128), nullable=False),
    sa.Column("gate_status", sa.String(16), nullable=False),
    sa.Column("new_code_mode", sa.String(32), nullable=False),
    sa.Column("issue_count", sa.Integer, nullable=False),
    sa.Column("ci_provider", sa.String(16)),
    sa.Index("ix_qgate_analyses_project_branch", "project", "branch", "id"),
)

conditions = sa.Table(
    "qgate_conditions",
    metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("metric", sa.String(128), nullable=False),
    sa.Column("op", sa.String(8), nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("actual", sa.Float),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
)

measures = sa.Table(
    "qgate_measures",
    metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("metric", sa.String(128), primary_key=True),
    sa.Column("value", sa.Float),
)

# Per-file measures of an analysis (revision 0003): what the dashboard ranks files by.
FILE_METRICS = ("cognitive_complexity", "complexity", "ncloc")

file_measures = sa.Table(
    "qgate_file_measures",
    metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("metric", sa.String(64), primary_key=True),
    sa.Column("value", sa.Float),
)

tracked = sa.Table(
    "qgate_tracked_issues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(255), nullable=False),
    sa.Column("branch", sa.String(255), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    *_issue_columns(),
    sa.Column("first_fingerprint", sa.String(128), nullable=False),
    sa.Column("first_analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id"), nullable=False),
    sa.Column("first_seen_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("first_new", sa.Boolean, nullable=False),
    sa.Column("closed_analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id")),
    sa.Column("closed_at", sa.DateTime(timezone=False)),
    sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_qgate_tracked_open", "project", "branch", "status"),
)

analysis_issues = sa.Table(
    "qgate_analysis_issues",
    metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("tracked_id", sa.Integer, sa.ForeignKey("qgate_tracked_issues.id"), nullable=False),
    *_issue_columns(),
    sa.Column("tool", sa.String(64), nullable=False),
    *(sa.Column(name, sa.Integer, nullable=False) for name in ("end_line", "column", "end_column", "effort_minutes")),
    sa.Column("new", sa.Boolean, nullable=False),
    sa.Column("review", sa.String(16)),
    sa.Index("ix_qgate_analysis_issues_fingerprint", "fingerprint"),
)

issue_events = sa.Table(
    "qgate_issue_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tracked_id", sa.Integer, sa.ForeignKey("qgate_tracked_issues.id"), nullable=False),
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("at", sa.DateTime(timezone=False), nullable=False),
    sa.Index("ix_qgate_issue_events_tracked", "tracked_id"),
)


# ---------------------------------------------------------------------------------------------- the analysis to write


class AnalysisMeta(Frozen):
    """Where and when an analysis ran: everything recorded besides the report itself."""

    project: str
    branch: str
    commit: Optional[str] = None
    pull_request: Optional[int] = None
    base: Optional[str] = None
    started_at: datetime
    config_hash: str = ""
    ci_provider: Optional[str] = None
    existing_paths: Optional[frozenset[str]] = Field(
        default=None,
        description="Files present in the work tree (relative to the analysis root): the issues of present files "
        "the analysis did not see stay open, those of vanished files close or follow a move; None: unknown.",
    )


def to_utc_naive(moment: datetime) -> datetime:
    """Stored form of a timestamp: UTC without tzinfo (a naive ``moment`` is taken as UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _aware(moment: Optional[datetime]) -> Optional[datetime]:
    return None if moment is None else moment.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------- urls and engines


def database_url(url: Optional[str], root: Path) -> URL:
    """The SQLAlchemy URL of the store (see the module docstring). Unsupported schemes are an InputError."""
    if url is None or not url.strip():
        return URL.create("sqlite", database=str(root / DEFAULT_PATH))
    text = url.strip()
    if "://" not in text:  # a plain path to a SQLite file
        return URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise InputError(f"history store: cannot parse the database URL {_redact_text(text)!r}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver in ("", "psycopg2"):  # qgate ships psycopg (3)
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise InputError(
        f"history store: unsupported database URL {parsed.render_as_string(hide_password=True)!r} "
        "(use postgresql://... or a SQLite path)"
    )


def _redact_text(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    if sep and "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def _sqlite_engine(url: URL) -> Engine:
    path = url.database
    if path and path != ":memory:" and not path.startswith("file:"):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"history store: cannot create the folder of {path}: {exc.strerror or exc}") from None
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}, poolclass=sa.pool.NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        try:
            # nothing here may write: the file is not known to be a qgate store yet (WAL is set once it is)
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: Optional[str], root: Path) -> Engine:
    target = database_url(url, root)
    if target.get_backend_name() == "sqlite":
        return _sqlite_engine(target)
    try:
        return sa.create_engine(target, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 15})
    except (ImportError, ArgumentError) as exc:
        raise InputError(f"history store: cannot use {target.render_as_string(hide_password=True)}: {exc}") from None


def _lock_key(project: str, branch: str) -> int:
    """The second advisory-lock key of one (project, branch): a signed 32-bit CRC (1 and up; 0 is the schema)."""
    value = zlib.crc32(f"{project}\0{branch}".encode("utf-8", "surrogatepass")) & 0x7FFFFFFF
    return value or 1


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------- the store


class SchemaState(Frozen):
    revision: Optional[str] = None
    empty: bool = False
    foreign: str = ""


class Store:
    """An open history store. Use :func:`open_store`, which checks the schema; close it when done."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.label = (
            str(engine.url.database)
            if engine.dialect.name == "sqlite"
            else engine.url.render_as_string(hide_password=True)
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction (BEGIN IMMEDIATE on SQLite); database errors become InputErrors naming the store."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise InputError(f"history store {self.label}: {_first_line(exc)}") from None
        except OSError as exc:
            raise InputError(f"history store {self.label}: {exc.strerror or exc}") from None

    def _lock(self, conn: Connection, key: int, *, shared: bool = False) -> None:
        if self.dialect == "postgresql":
            function = sa.func.pg_advisory_xact_lock_shared if shared else sa.func.pg_advisory_xact_lock
            conn.execute(sa.select(function(_LOCK_NAMESPACE, key)))

    # -- schema ------------------------------------------------------------------------------------------

    def schema_state(self, conn: Connection) -> SchemaState:
        tables = set(sa.inspect(conn).get_table_names())
        if VERSION_TABLE in tables:
            version = sa.table(VERSION_TABLE, sa.column("version_num"))
            rows = conn.execute(sa.select(version.c.version_num)).scalars().all()
            if len(rows) != 1:
                return SchemaState(foreign=f"{VERSION_TABLE} holds {len(rows)} versions")
            return SchemaState(revision=str(rows[0]))
        ours = sorted(t for t in tables if t.startswith("qgate_"))
        if ours:
            return SchemaState(foreign=f"qgate tables ({', '.join(ours)}) without a schema version")
        if tables and self.dialect == "sqlite":
            return SchemaState(foreign=f"a database with other tables ({', '.join(sorted(tables)[:5])})")
        return SchemaState(empty=True)

    def _refuse(self, state: SchemaState, *, migrate: bool) -> Optional[str]:
        """None when the store may be used (after migrating it when ``migrate``); the error message otherwise."""
        if state.foreign:
            return f"history store {self.label} is not a qgate history store: {state.foreign}"
        revision = state.revision
        if revision is None or revision == HEAD or (migrate and revision in REVISIONS):
            return None
        if revision in REVISIONS:
            return (
                f"history store {self.label} has schema version {revision}, this qgate needs {HEAD}: "
                "run `qgate history migrate`"
            )
        newer = revision.isdigit() and int(revision) > int(HEAD)
        what = "a newer schema version" if newer else "an unknown schema version"
        return (
            f"history store {self.label} has {what} ({revision}; this qgate knows up to {HEAD}): "
            "upgrade qgate to use it"
        )

    def _upgrade(self, conn: Connection, target: str) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        config.attributes["version_table"] = VERSION_TABLE
        command.upgrade(config, target)

    def ensure_schema(self, *, migrate: bool = False, create: bool = True) -> tuple[Optional[str], str]:
        """Check (and create or migrate) the schema in one locked transaction: (revision before, revision after).

        An empty database is created at head when ``create``; an older revision is upgraded to head when
        ``migrate``, refused otherwise. Refusals are InputErrors that say what to do.
        """
        with self.transaction() as conn:
            state = self.schema_state(conn)
            if state.revision != HEAD:  # a change may be needed: serialize with other writers of the schema
                self._lock(conn, _SCHEMA_LOCK)
                state = self.schema_state(conn)
            problem = self._refuse(state, migrate=migrate)
            if problem is not None:
                raise InputError(problem)
            if state.empty and not create:
                raise InputError(f"history store {self.label} is empty: record an analysis first (qgate check --record)")
            if state.revision != HEAD:
                self._upgrade(conn, HEAD)
        self._use_wal()
        return state.revision, HEAD

    def _use_wal(self) -> None:
        """Put a SQLite store in WAL mode (persistent in the file; a no-op once done). Outside any transaction."""
        if self.dialect != "sqlite":
            return
        # Switching to WAL needs the file to itself and SQLite answers "database is locked" at once, without
        # its busy handler, while another process (a concurrent CI job creating the same store) holds it:
        # retry for as long as the busy timeout would have waited.
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA journal_mode = WAL").fetchall()
                finally:
                    raw.close()
                return
            except Exception as exc:  # noqa: BLE001 - sqlite3 errors and SQLAlchemy's wrappers alike
                if "locked" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise InputError(f"history store {self.label}: cannot switch to WAL mode: {_first_line(exc)}") from None

    def upgrade_to(self, revision: str) -> None:
        """Bring an empty or older store to ``revision`` exactly (tests build old stores with this)."""
        with self.transaction() as conn:
            self._lock(conn, _SCHEMA_LOCK)
            self._upgrade(conn, revision)
        self._use_wal()

    def revision(self) -> Optional[str]:
        with self.transaction() as conn:
            return self.schema_state(conn).revision

    # -- recording ---------------------------------------------------------------------------------------

    def record(self, report: Report, meta: AnalysisMeta, *, _hook: Optional[Any] = None) -> int:
        """Write one analysis and advance its branch's issue lifecycle, in one transaction. Its id."""
        with self.transaction() as conn:
            self._lock(conn, _SCHEMA_LOCK, shared=True)
            problem = self._refuse(self.schema_state(conn), migrate=False)
            if problem is not None:
                raise InputError(problem)
            self._lock(conn, _lock_key(meta.project, meta.branch))
            analysis_id = _insert_analysis(conn, report, meta)
            _advance_lifecycle(conn, report, meta, analysis_id)
            if _hook is not None:  # tests: everything written, nothing committed yet
                _hook(conn, analysis_id)
            return analysis_id

    # -- reading -----------------------------------------------------------------------------------------

    def load_history(self, project: Optional[str] = None) -> History:
        """Everything the KPIs read, for one project or all: plain data, loaded once."""
        with self.transaction() as conn:
            return History(
                analyses=tuple(self._analyses(conn, project)),
                tracked=tuple(_tracked_records(conn, project)),
                events=tuple(_event_records(conn, project)),
                pr_new=tuple(_pr_new_records(conn, project)),
            )

    def list_analyses(
        self, project: Optional[str] = None, branch: Optional[str] = None, limit: Optional[int] = None
    ) -> list[AnalysisRecord]:
        """Recorded analyses, newest first."""
        with self.transaction() as conn:
            return self._analyses(conn, project, branch, limit)

    def _analyses(
        self, conn: Connection, project: Optional[str], branch: Optional[str] = None, limit: Optional[int] = None
    ) -> list[AnalysisRecord]:
        a, i = analyses, analysis_issues
        wanted = sa.select(a.c.id)
        if project is not None:
            wanted = wanted.where(a.c.project == project)
        if branch is not None:
            wanted = wanted.where(a.c.branch == branch)
        if limit is not None:
            wanted = wanted.order_by(a.c.id.desc()).limit(limit)
        counts = (
            sa.select(
                i.c.analysis_id,
                sa.func.sum(sa.case((i.c.type == "vulnerability", 1), else_=0)).label("vulnerabilities"),
                sa.func.sum(
                    sa.case(
                        (sa.and_(i.c.type == "security_hotspot", sa.or_(i.c.review.is_(None), i.c.review == "to_review")), 1),
                        else_=0,
                    )
                ).label("hotspots"),
            )
            .where(i.c.type.in_(("vulnerability", "security_hotspot")), i.c.analysis_id.in_(wanted))
            .group_by(i.c.analysis_id)
            .subquery()
        )
        query = (
            sa.select(a, counts.c.vulnerabilities, counts.c.hotspots)
            .outerjoin(counts, counts.c.analysis_id == a.c.id)
            .where(a.c.id.in_(wanted))
            .order_by(a.c.id.desc())
        )
        rows = conn.execute(query).mappings().all()
        return [
            AnalysisRecord(
                id=r["id"],
                project=r["project"],
                branch=r["branch"],
                commit=r["commit_sha"],
                pull_request=r["pull_request"],
                base=r["base_branch"],
                started_at=_aware(r["started_at"]),
                duration_seconds=r["duration_seconds"],
                gate_status=r["gate_status"],
                qgate_version=r["qgate_version"],
                config_hash=r["config_hash"],
                new_code_mode=r["new_code_mode"],
                issue_count=r["issue_count"],
                ci_provider=r["ci_provider"],
                vulnerabilities=int(r["vulnerabilities"] or 0),
                open_hotspots=int(r["hotspots"] or 0),
            )
            for r in rows
        ]

    def analysis_detail(self, analysis_id: int) -> dict[str, Any]:
        """One analysis with its gate conditions, measures and issues, as plain JSON-ready data."""
        with self.transaction() as conn:
            head = conn.execute(sa.select(analyses).where(analyses.c.id == analysis_id)).mappings().first()
            if head is None:
                raise InputError(f"history store {self.label}: no analysis {analysis_id}")
            conds = conn.execute(
                sa.select(conditions).where(conditions.c.analysis_id == analysis_id).order_by(conditions.c.position)
            ).mappings()
            values = conn.execute(
                sa.select(measures).where(measures.c.analysis_id == analysis_id).order_by(measures.c.scope, measures.c.metric)
            ).mappings()
            issues = conn.execute(
                sa.select(analysis_issues)
                .where(analysis_issues.c.analysis_id == analysis_id)
                .order_by(analysis_issues.c.position)
            ).mappings()
            detail = dict(head)
            detail["started_at"] = _aware(detail["started_at"])
            detail["conditions"] = [{k: v for k, v in c.items() if k != "analysis_id"} for c in conds]
            detail["measures"] = {}
            for m in values:
                detail["measures"].setdefault(m["scope"], {})[m["metric"]] = m["value"]
            detail["issues"] = [{k: v for k, v in row.items() if k != "analysis_id"} for row in issues]
            return detail


# ---------------------------------------------------------------------------------------------- writing


def _number(value: Any) -> Optional[float]:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    return float(value)


def _insert_analysis(conn: Connection, report: Report, meta: AnalysisMeta) -> int:
    analysis_id = conn.execute(
        sa.insert(analyses).returning(analyses.c.id),
        {
            "project": meta.project,
            "branch": meta.branch,
            "commit_sha": meta.commit,
            "pull_request": meta.pull_request,
            "base_branch": meta.base,
            "started_at": to_utc_naive(meta.started_at),
            "duration_seconds": float(report.duration_seconds),
            "qgate_version": report.tool.version,
            "config_hash": meta.config_hash,
            "gate_status": report.gate.status,
            "new_code_mode": report.new_code.mode,
            "issue_count": len(report.issues),
            "ci_provider": meta.ci_provider,
        },
    ).scalar_one()
    rows = [
        {
            "analysis_id": analysis_id,
            "position": position,
            "metric": c.metric,
            "op": c.op,
            "threshold": c.threshold,
            "actual": _number(c.actual),
            "status": c.status,
            "note": c.note,
        }
        for position, c in enumerate(report.gate.conditions)
    ]
    if rows:
        conn.execute(sa.insert(conditions), rows)
    values = [
        {"analysis_id": analysis_id, "scope": scope, "metric": metric, "value": _number(value)}
        for scope, table in (("overall", report.metrics.overall), ("new_code", report.metrics.new_code))
        for metric, value in sorted(table.items())
    ]
    if values:
        conn.execute(sa.insert(measures), values)
    per_file = [
        {"analysis_id": analysis_id, "path": f.path, "metric": metric, "value": _number(f.measures.get(metric))}
        for f in report.files
        for metric in FILE_METRICS
        if f.measures.get(metric) is not None
    ]
    if per_file:
        conn.execute(sa.insert(file_measures), per_file)
    return analysis_id


def _states(rows: Sequence[Mapping[str, Any]]) -> list[TrackedState]:
    return [
        TrackedState(
            id=r["id"], rule=r["rule"], path=r["path"], line=r["line"], line_hash=r["line_hash"],
            message=r["message"], fingerprint=r["fingerprint"],
        )
        for r in rows
    ]


_LOCATION = ("rule", "type", "severity", "path", "line", "line_hash", "message", "fingerprint")


def _location(issue: Issue) -> tuple[Any, ...]:
    """An issue's values for the :data:`_LOCATION` columns of its tracked row."""
    return (issue.rule, issue.type.value, issue.severity.value, issue.path, issue.line, issue.line_hash,
            issue.message, issue.fingerprint)


def _location_params(issue: Issue, tracked_id: int) -> dict[str, Any]:
    return {"v_id": tracked_id, **{f"v_{name}": value for name, value in zip(_LOCATION, _location(issue))}}


def _rewrite(conn: Connection, issues: Sequence[Issue], pairs: Sequence[tuple[int, int]], **changes: Any) -> None:
    """Set the tracked rows of ``pairs`` (issue index, tracked id) to their issue's location, plus ``changes``."""
    if pairs:
        t = tracked
        values = {name: sa.bindparam(f"v_{name}") for name in _LOCATION}
        conn.execute(
            sa.update(t).where(t.c.id == sa.bindparam("v_id")).values(**values, **changes),
            [_location_params(issues[index], tracked_id) for index, tracked_id in pairs],
        )


def _open_new(conn: Connection, issues: Sequence[Issue], opened: Sequence[int], meta: AnalysisMeta, analysis_id: int) -> list[int]:
    """Insert a tracked row per newly seen issue; their ids, in ``opened`` order."""
    if not opened:
        return []
    at = to_utc_naive(meta.started_at)
    rows = [
        {
            **dict(zip(_LOCATION, _location(issues[i]))),
            "project": meta.project, "branch": meta.branch, "status": "open",
            "first_fingerprint": issues[i].fingerprint, "first_analysis_id": analysis_id,
            "first_seen_at": at, "first_new": issues[i].new, "reopen_count": 0,
        }
        for i in opened
    ]
    return list(conn.execute(sa.insert(tracked).returning(tracked.c.id, sort_by_parameter_order=True), rows).scalars())


def _branch_rows(conn: Connection, meta: AnalysisMeta) -> list[Mapping[str, Any]]:
    t = tracked
    query = (
        sa.select(t.c.id, t.c.status, *(t.c[k] for k in _LOCATION))
        .where(t.c.project == meta.project, t.c.branch == meta.branch)
        .order_by(t.c.id)
    )
    return list(conn.execute(query).mappings())


def _moved(issues: Sequence[Issue], pairs: Sequence[tuple[int, int]], rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """The still-open pairs whose issue moved or was re-rated: only their rows are rewritten."""
    by_id = {r["id"]: r for r in rows}
    return [(i, tid) for i, tid in pairs if _location(issues[i]) != tuple(by_id[tid][k] for k in _LOCATION)]


def _write_events(conn: Connection, plan: LifecyclePlan, created: Sequence[int], analysis_id: int, at: datetime) -> None:
    events = [
        *((tid, "opened") for tid in created),
        *((tid, "reopened") for _, tid in plan.reopened),
        *((tid, "fixed") for tid in plan.fixed),
    ]
    if events:
        rows = [{"tracked_id": tid, "kind": kind, "analysis_id": analysis_id, "at": at} for tid, kind in events]
        conn.execute(sa.insert(issue_events), rows)


def _advance_lifecycle(conn: Connection, report: Report, meta: AnalysisMeta, analysis_id: int) -> None:
    """Match the analysis' issues with its branch's tracked issues; write the transitions, events and issues."""
    t = tracked
    at = to_utc_naive(meta.started_at)
    issues = report.issues
    rows = _branch_rows(conn, meta)
    analyzed = {f.path for f in report.files} | {e.path for e in report.errors if e.path} | {i.path for i in issues}
    tracked_paths = {r["path"] for r in rows}
    present = meta.existing_paths  # None: the work tree is unknown, every tracked file counts as observed
    unobserved = set() if present is None else {p for p in tracked_paths - analyzed if p in present}
    vanished = set() if present is None else {p for p in tracked_paths - analyzed if p not in present}
    plan = plan_lifecycle(
        issues,
        _states([r for r in rows if r["status"] == "open"]),
        _states([r for r in rows if r["status"] != "open"]),
        unobserved=unobserved,
        vanished=vanished,
    )
    created = _open_new(conn, issues, plan.opened, meta, analysis_id)
    _rewrite(conn, issues, _moved(issues, plan.still_open, rows))
    _rewrite(conn, issues, plan.reopened, status="open", closed_analysis_id=None, closed_at=None, reopen_count=t.c.reopen_count + 1)
    if plan.fixed:
        conn.execute(sa.update(t).where(t.c.id.in_(plan.fixed)).values(status="closed", closed_analysis_id=analysis_id, closed_at=at))
    _write_events(conn, plan, created, analysis_id, at)
    tracked_of = {**dict(zip(plan.opened, created)), **dict(plan.still_open), **dict(plan.reopened)}
    if issues:
        occurrences = [_occurrence(issue, index, analysis_id, tracked_of[index]) for index, issue in enumerate(issues)]
        conn.execute(sa.insert(analysis_issues), occurrences)


def _occurrence(issue: Issue, position: int, analysis_id: int, tracked_id: int) -> dict[str, Any]:
    return {
        "analysis_id": analysis_id, "position": position, "tracked_id": tracked_id,
        **issue.model_dump(include={"fingerprint", "rule", "tool", "path", "line", "end_line", "column", "end_column",
                                    "line_hash", "message", "effort_minutes", "new", "review"}),
        "type": issue.type.value, "severity": issue.severity.value,
    }


# ---------------------------------------------------------------------------------------------- reading


def _tracked_records(conn: Connection, project: Optional[str]) -> Iterator[TrackedRecord]:
    t = tracked
    query = sa.select(
        t.c.id, t.c.project, t.c.branch, t.c.rule, t.c.type, t.c.severity, t.c.status, t.c.first_analysis_id,
        t.c.first_seen_at, t.c.first_new, t.c.first_fingerprint, t.c.closed_analysis_id, t.c.closed_at,
        t.c.reopen_count,
    ).order_by(t.c.id)
    if project is not None:
        query = query.where(t.c.project == project)
    for r in conn.execute(query).mappings():
        yield TrackedRecord(
            id=r["id"], project=r["project"], branch=r["branch"], rule=r["rule"], type=r["type"],
            severity=r["severity"], status=r["status"], first_analysis_id=r["first_analysis_id"],
            first_seen_at=_aware(r["first_seen_at"]), first_new=bool(r["first_new"]),
            first_fingerprint=r["first_fingerprint"], closed_analysis_id=r["closed_analysis_id"],
            closed_at=_aware(r["closed_at"]), reopen_count=r["reopen_count"],
        )


def _event_records(conn: Connection, project: Optional[str]) -> Iterator[EventRecord]:
    e, t = issue_events, tracked
    query = sa.select(e.c.tracked_id, e.c.analysis_id, e.c.kind, e.c.at).order_by(e.c.id)
    if project is not None:
        query = query.join(t, t.c.id == e.c.tracked_id).where(t.c.project == project)
    for r in conn.execute(query).mappings():
        yield EventRecord(tracked_id=r["tracked_id"], analysis_id=r["analysis_id"], kind=r["kind"], at=_aware(r["at"]))


def _pr_new_records(conn: Connection, project: Optional[str]) -> Iterator[PrNewRecord]:
    a, i = analyses, analysis_issues
    query = (
        sa.select(a.c.project, i.c.fingerprint, sa.func.min(a.c.started_at).label("first_at"))
        .join(a, a.c.id == i.c.analysis_id)
        .where(a.c.pull_request.is_not(None), i.c.new.is_(True))
        .group_by(a.c.project, i.c.fingerprint)
        .order_by(a.c.project, i.c.fingerprint)
    )
    if project is not None:
        query = query.where(a.c.project == project)
    for r in conn.execute(query).mappings():
        yield PrNewRecord(project=r["project"], fingerprint=r["fingerprint"], first_at=_aware(r["first_at"]))


# ---------------------------------------------------------------------------------------------- opening


def open_store(url: Optional[str], root: Path, *, migrate: bool = False, create: bool = True) -> Store:
    """Open the store at ``url`` (None: ``<root>/.qgate/history.db``) and check its schema version.

    An empty database is created at head (unless ``create`` is False); ``migrate`` upgrades an older
    store to head. Every problem (unreachable server, a file that is not a database, a foreign database,
    a schema too old or too new) is an InputError, and nothing is written then.
    """
    target = database_url(url, root)
    if not create and target.get_backend_name() == "sqlite" and not Path(target.database or "").is_file():
        raise InputError(f"no history store at {target.database}: record analyses with `qgate check --record`")
    store = Store(make_engine(url, root))
    try:
        store.ensure_schema(migrate=migrate, create=create)
    except BaseException:
        store.close()
        raise
    return store
