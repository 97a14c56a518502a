"""The command classes every group and command of the CLI uses: an unreachable database is one line, exit 1."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError


class _DatabaseErrors:
    """Report an unreachable database in one line and exit 1, not with a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except OperationalError as err:
            raise click.ClickException(f"Cannot use the database: {err.orig or err}".strip()) from None


class Group(_DatabaseErrors, AppGroup):
    """A command group (see _DatabaseErrors)."""


class Command(_DatabaseErrors, click.Command):
    """A single command (see _DatabaseErrors)."""
