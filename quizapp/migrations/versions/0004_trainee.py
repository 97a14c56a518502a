"""Trainee experience: flags for review, unsaved drafts, autosave sequence, last question visited, time zone.

Revision ID: 0004_trainee
Revises: 0004_authoring
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_trainee"
down_revision = "0004_authoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("draft", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("autosave_seq", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.add_column(sa.Column("last_position", sa.Integer(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.drop_column("last_position")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("autosave_seq")
        batch.drop_column("draft")
        batch.drop_column("flagged")
