"""`flask attempts`: quiz attempt housekeeping run from a scheduler."""

from __future__ import annotations

import click

from quizapp.cli.base import Group
from quizapp.db import unit_of_work, utcnow

attempts_cli = Group("attempts", help="Quiz attempt housekeeping.")


@attempts_cli.command("close-overdue")
def attempts_close_overdue() -> None:
    """Grade every open attempt past its deadline (run from a scheduler, e.g. every 5 minutes)."""
    from quizapp.services.grading import close_overdue

    with unit_of_work() as session:
        count = close_overdue(session, utcnow())
    click.echo(f"Graded {count} overdue attempt(s).")
