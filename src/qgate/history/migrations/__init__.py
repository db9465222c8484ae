"""Alembic migrations of the history store (shipped inside the package; run by :mod:`qgate.history.store`)."""
