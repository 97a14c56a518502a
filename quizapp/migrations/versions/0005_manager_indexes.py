"""Manager dashboard at 10,000 trainees: attempts by when they started (the weekly chart, the daily limit)
and when they finished (cooldowns), so neither reads every attempt.

Revision ID: 0005_manager_indexes
Revises: 0004_trainee
"""

from __future__ import annotations

from alembic import op

revision = "0005_manager_indexes"
down_revision = "0004_trainee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_quiz_attempts_started_at", "quiz_attempts", ["started_at"])
    op.create_index("ix_quiz_attempts_finished_at", "quiz_attempts", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_quiz_attempts_finished_at", table_name="quiz_attempts")
    op.drop_index("ix_quiz_attempts_started_at", table_name="quiz_attempts")
