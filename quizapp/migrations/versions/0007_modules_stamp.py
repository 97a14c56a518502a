"""The modules' version stamp row exists from the start, so the first change to a module updates it rather
than two first changes racing to insert it (services/modules.py).

Revision ID: 0007_modules_stamp
Revises: 0006_attempt_critical_missed
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import sqlalchemy as sa
from alembic import op

from quizapp.db import UTCDateTime

revision = "0007_modules_stamp"
down_revision = "0006_attempt_critical_missed"
branch_labels = None
depends_on = None

settings = sa.table(
    "settings", sa.column("key", sa.String), sa.column("value", sa.Text), sa.column("updated_at", UTCDateTime())
)


def upgrade() -> None:
    found = op.get_bind().execute(sa.select(settings.c.key).where(settings.c.key == "modules_version")).first()
    if found is None:
        op.execute(settings.insert().values(key="modules_version", value=uuid4().hex, updated_at=datetime.now(UTC)))


def downgrade() -> None:
    op.execute(settings.delete().where(settings.c.key == "modules_version"))
