"""Practice and spaced review: sessions, the answers given in them, and a review card per trainee and question.

Revision ID: 0004_practice
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from quizapp.db import UTCDateTime

revision = "0004_practice"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_practice_sessions_module_id_modules")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_practice_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_sessions")),
    )
    op.create_index("ix_practice_sessions_user_started", "practice_sessions", ["user_id", "started_at"])
    op.create_table(
        "practice_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("shuffle", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("awarded", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("full_marks", sa.Boolean(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("seen_before", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["practice_sessions.id"],
            name=op.f("fk_practice_answers_session_id_practice_sessions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], name=op.f("fk_practice_answers_question_id_questions")),
        sa.ForeignKeyConstraint(
            ["question_version_id"], ["question_versions.id"],
            name=op.f("fk_practice_answers_question_version_id_question_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_answers")),
        sa.UniqueConstraint("session_id", "position", name=op.f("uq_practice_answers_session_id")),
    )
    op.create_index(op.f("ix_practice_answers_session_id"), "practice_answers", ["session_id"])
    op.create_index(op.f("ix_practice_answers_question_id"), "practice_answers", ["question_id"])
    op.create_table(
        "review_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTCDateTime(), nullable=False),
        sa.Column("last_review", UTCDateTime(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], name=op.f("fk_review_cards_question_id_questions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_review_cards_user_id_users")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["question_versions.id"], name=op.f("fk_review_cards_version_id_question_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cards")),
        sa.UniqueConstraint("user_id", "question_id", name=op.f("uq_review_cards_user_id")),
    )
    op.create_index("ix_review_cards_user_due", "review_cards", ["user_id", "due"])
    op.create_index(op.f("ix_review_cards_question_id"), "review_cards", ["question_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_review_cards_question_id"), table_name="review_cards")
    op.drop_index("ix_review_cards_user_due", table_name="review_cards")
    op.drop_table("review_cards")
    op.drop_index(op.f("ix_practice_answers_question_id"), table_name="practice_answers")
    op.drop_index(op.f("ix_practice_answers_session_id"), table_name="practice_answers")
    op.drop_table("practice_answers")
    op.drop_index("ix_practice_sessions_user_started", table_name="practice_sessions")
    op.drop_table("practice_sessions")
