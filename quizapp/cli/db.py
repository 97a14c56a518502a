"""`flask db`: schema migrations (Alembic), online backup and restore."""

from __future__ import annotations

from pathlib import Path

import click
from alembic.util import CommandError
from flask import current_app

from quizapp import migrate
from quizapp.cli.base import Group

db_cli = Group("db", help="Database schema migrations (Alembic).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    try:
        migrate.upgrade(current_app, revision)
    except CommandError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Database at {migrate.current(current_app)}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (e.g. base, or -1)."""
    try:
        migrate.downgrade(current_app, revision)
    except CommandError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Database at {migrate.current(current_app) or 'base (empty)'}.")


@db_cli.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    click.echo(migrate.current(current_app) or "base (empty)")


@db_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path) -> None:
    """Write a backup to PATH while the app keeps running (SQLite online backup; PostgreSQL: pg_dump)."""
    from quizapp.backup import BackupError, backup
    from quizapp.db import get_engine

    try:
        backup(get_engine(), path, click.echo)
    except BackupError as err:
        raise click.ClickException(str(err)) from None


@db_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_restore(path: Path) -> None:
    """Restore the backup in PATH into this instance's database, which must be empty."""
    from quizapp.backup import BackupError, restore
    from quizapp.db import get_engine

    try:
        restore(get_engine(), path, click.echo)
    except BackupError as err:
        raise click.ClickException(str(err)) from None
