"""One-time set-password links (hashed at rest) for onboarded trainees and forgotten passwords.

Revision ID: 0004_set_password_tokens
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quizapp.db

revision = "0004_set_password_tokens"
down_revision = "0004_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "set_password_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", quizapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", quizapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", quizapp.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_set_password_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_set_password_tokens_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_password_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_set_password_tokens_token_hash")),
    )
    with op.batch_alter_table("set_password_tokens") as batch:
        batch.create_index(batch.f("ix_set_password_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("set_password_tokens") as batch:
        batch.drop_index(batch.f("ix_set_password_tokens_user_id"))
    op.drop_table("set_password_tokens")
