"""Authoring: who approved a question and when (four eyes), and notes such as "reviewed, keep".

Revision ID: 0004_authoring
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from quizapp.db import UTCDateTime

revision = "0004_authoring"
down_revision = "0004_set_password_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("edited_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approved_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_questions_edited_by_id_users", "users", ["edited_by_id"], ["id"])
        batch.create_foreign_key("fk_questions_approved_by_id_users", "users", ["approved_by_id"], ["id"])
    op.create_table(
        "question_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("questions.id"), nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("question_versions.id"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_question_notes_question_id", "question_notes", ["question_id"])


def downgrade() -> None:
    op.drop_index("ix_question_notes_question_id", table_name="question_notes")
    op.drop_table("question_notes")
    with op.batch_alter_table("questions") as batch:
        batch.drop_constraint("fk_questions_approved_by_id_users", type_="foreignkey")
        batch.drop_constraint("fk_questions_edited_by_id_users", type_="foreignkey")
        batch.drop_column("approved_at")
        batch.drop_column("approved_by_id")
        batch.drop_column("edited_by_id")
