"""Keep per-file measures of each analysis (cognitive complexity, complexity, lines of code), so that the
dashboard can show the worst files by cognitive complexity.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qgate_file_measures",
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("metric", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float),
    )


def downgrade() -> None:
    op.drop_table("qgate_file_measures")
