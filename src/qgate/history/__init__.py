"""Analysis history: every ``qgate check --record`` stored in SQLite or PostgreSQL, the issue lifecycle
across analyses of a branch, and KPIs over it (``qgate history list|kpis|migrate``).

Importing this package is cheap: SQLAlchemy is loaded only when :func:`record_analysis` or
:func:`open_store` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from qgate.history.record import record_analysis
    from qgate.history.store import Store, open_store

__all__ = ["Store", "open_store", "record_analysis"]


def __getattr__(name: str) -> Any:
    if name == "record_analysis":
        from qgate.history.record import record_analysis

        return record_analysis
    if name in ("Store", "open_store"):
        from qgate.history import store

        return getattr(store, name)
    raise AttributeError(f"module 'qgate.history' has no attribute {name!r}")
