"""Manager pages at 10,000 trainees: whether a graded attempt missed a safety-critical question, stored on
the attempt by grading (services.grading) instead of being read again from every response each time a
page shows "not passed: safety-critical question missed". Backfilled from the responses, as grading
decides it: a critical question's response not given full marks.

Revision ID: 0006_attempt_critical_missed
Revises: 0005_manager_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_attempt_critical_missed"
down_revision = "0005_manager_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("quiz_attempts", sa.Column("critical_missed", sa.Boolean(), nullable=True))
    attempts = sa.table(
        "quiz_attempts", sa.column("id", sa.Integer), sa.column("status", sa.String), sa.column("critical_missed")
    )
    responses = sa.table(
        "responses",
        sa.column("attempt_id", sa.Integer),
        sa.column("question_version_id", sa.Integer),
        sa.column("full_marks", sa.Boolean),
    )
    versions = sa.table("question_versions", sa.column("id", sa.Integer), sa.column("critical", sa.Boolean))
    missed = (
        sa.exists()
        .where(
            responses.c.attempt_id == attempts.c.id,
            responses.c.question_version_id == versions.c.id,
            versions.c.critical.is_(True),
            responses.c.full_marks.is_(False),
        )
        .correlate(attempts)
    )
    op.execute(attempts.update().where(attempts.c.status != "open").values(critical_missed=missed))


def downgrade() -> None:
    # a plain ALTER TABLE (SQLite 3.35+): a batch copy of the table would trip the responses' foreign keys
    op.drop_column("quiz_attempts", "critical_missed")
