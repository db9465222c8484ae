"""Alembic revision scripts, one per schema version: 0001, 0002, ... (numbered, so that order is obvious)."""
