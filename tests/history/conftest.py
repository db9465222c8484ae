"""History-store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``QGATE_TEST_DATABASE_URL``. When it is unset: in CI (``CI`` set) the PostgreSQL
tests fail; locally a throwaway cluster is started with scripts/ci-postgres.sh (and stopped at the end),
or they are skipped when that cannot start one. Each test gets its own PostgreSQL schema (through
``search_path`` in the URL), so tests never see each other's data.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .history_support import REPO

SCRIPT = REPO / "scripts" / "ci-postgres.sh"


def _start_cluster() -> tuple[Optional[str], Optional[str], str]:
    """(url, data dir, why not) from scripts/ci-postgres.sh."""
    try:
        proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, None, f"scripts/ci-postgres.sh did not run: {exc}"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, None, f"scripts/ci-postgres.sh could not start PostgreSQL: {last}"
    values = {}
    for line in proc.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            name, _, value = line[len("export ") :].partition("=")
            values[name] = value
    return values.get("QGATE_TEST_DATABASE_URL"), values.get("QGATE_TEST_PGDATA"), ""


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("QGATE_TEST_DATABASE_URL", "").strip()
    if url:
        yield url
        return
    if os.environ.get("CI"):
        pytest.fail("QGATE_TEST_DATABASE_URL is not set in CI: run `eval \"$(scripts/ci-postgres.sh)\"` first")
    url, data_dir, why = _start_cluster()
    if not url:
        pytest.skip(why)
    try:
        yield url
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(data_dir)], capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def postgres_admin(postgres_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(
        make_url(postgres_url).set(drivername="postgresql+psycopg"), poolclass=sa.pool.NullPool,
        isolation_level="AUTOCOMMIT",
    )
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL naming an empty store of the parametrized backend, private to the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'history.db'}"
        return
    admin: sa.Engine = request.getfixturevalue("postgres_admin")
    base: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).set(drivername="postgresql").update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
