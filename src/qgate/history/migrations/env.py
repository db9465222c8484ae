"""Alembic environment of the history store.

qgate never runs Alembic from an ``alembic.ini``: :mod:`qgate.history.store` builds the Config in code and
hands over a connection that is already inside its transaction (and holds the store's lock), in
``config.attributes["connection"]``. Migrations therefore run in that transaction: on SQLite and
PostgreSQL alike (both have transactional DDL) an interrupted migration leaves the store as it was.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
    raise RuntimeError("qgate's history migrations run through `qgate history migrate`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=None,
    version_table=context.config.attributes["version_table"],
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
