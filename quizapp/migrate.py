"""Alembic driven from the app's engine (wrapped by `flask --app wsgi db ...`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from quizapp.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    with get_engine(app).begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(app: Flask, revision: str) -> None:
    with get_engine(app).begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def head() -> str:
    """The newest revision of the migration scripts (they form one chain: several heads raise)."""
    from alembic.script import ScriptDirectory

    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None, "no migrations"
    return found


def current(app: Flask) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(app).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def revision(app: Flask, message: str) -> None:
    """Autogenerate a new revision against the current database (for developers)."""
    with get_engine(app).begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
