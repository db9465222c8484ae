"""The initial history store: analyses, their gate conditions, measures and issues; tracked issues and
their lifecycle events.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qgate_analyses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("branch", sa.String(255), nullable=False),
        sa.Column("commit_sha", sa.String(64), nullable=True),
        sa.Column("pull_request", sa.Integer, nullable=True),
        sa.Column("base_branch", sa.String(255), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.Column("qgate_version", sa.String(64), nullable=False),
        sa.Column("config_hash", sa.String(128), nullable=False),
        sa.Column("gate_status", sa.String(16), nullable=False),
        sa.Column("new_code_mode", sa.String(32), nullable=False),
        sa.Column("issue_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_qgate_analyses_project_branch", "qgate_analyses", ["project", "branch", "id"])

    op.create_table(
        "qgate_conditions",
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("metric", sa.String(128), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("actual", sa.Float, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )

    op.create_table(
        "qgate_measures",
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("metric", sa.String(128), primary_key=True),
        sa.Column("value", sa.Float, nullable=True),
    )

    op.create_table(
        "qgate_tracked_issues",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("branch", sa.String(255), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("line_hash", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("first_fingerprint", sa.String(128), nullable=False),
        sa.Column("first_analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id"), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("first_new", sa.Boolean, nullable=False),
        sa.Column("closed_analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id"), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_qgate_tracked_project_branch", "qgate_tracked_issues", ["project", "branch"])

    op.create_table(
        "qgate_analysis_issues",
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("tracked_id", sa.Integer, sa.ForeignKey("qgate_tracked_issues.id"), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("end_line", sa.Integer, nullable=False),
        sa.Column("column", sa.Integer, nullable=False),
        sa.Column("end_column", sa.Integer, nullable=False),
        sa.Column("line_hash", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("effort_minutes", sa.Integer, nullable=False),
        sa.Column("new", sa.Boolean, nullable=False),
        sa.Column("review", sa.String(16), nullable=True),
    )

    op.create_table(
        "qgate_issue_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tracked_id", sa.Integer, sa.ForeignKey("qgate_tracked_issues.id"), nullable=False),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("qgate_analyses.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
    )
    op.create_index("ix_qgate_issue_events_tracked", "qgate_issue_events", ["tracked_id"])


def downgrade() -> None:
    for table in ("qgate_issue_events", "qgate_analysis_issues", "qgate_tracked_issues", "qgate_measures"):
        op.drop_table(table)
    op.drop_table("qgate_conditions")
    op.drop_table("qgate_analyses")
