"""Record which CI system ran an analysis, and index the two lookups that grow with history: the open
issues of a branch (every recording loads them) and issues by fingerprint (defect escape rate).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: analyses recorded before this revision keep "unknown"
    op.add_column("qgate_analyses", sa.Column("ci_provider", sa.String(16), nullable=True))
    op.drop_index("ix_qgate_tracked_project_branch", table_name="qgate_tracked_issues")
    op.create_index("ix_qgate_tracked_open", "qgate_tracked_issues", ["project", "branch", "status"])
    op.create_index("ix_qgate_analysis_issues_fingerprint", "qgate_analysis_issues", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_qgate_analysis_issues_fingerprint", table_name="qgate_analysis_issues")
    op.drop_index("ix_qgate_tracked_open", table_name="qgate_tracked_issues")
    op.create_index("ix_qgate_tracked_project_branch", "qgate_tracked_issues", ["project", "branch"])
    with op.batch_alter_table("qgate_analyses") as batch:
        batch.drop_column("ci_provider")
