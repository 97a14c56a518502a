"""`flask users`: create and list accounts; find_or_create_team, which seed-demo uses too."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from quizapp.cli.base import Group
from quizapp.db import new_session, unit_of_work
from quizapp.models import Role, Team
from quizapp.services import ServiceError
from quizapp.services import users as users_service

users_cli = Group("users", help="Create and list user accounts.")


@users_cli.command("create")
@click.option("--email", required=True, help="Login email (unique).")
@click.option("--name", default=None, help="Full name (default: the part of the email before @).")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the account may do.")
@click.option("--team", "teams", multiple=True, help="Team to join (created if missing); repeatable.")
@click.password_option(help="Password (prompted, twice, when not given).")
def users_create(email: str, name: str | None, role: str, teams: tuple[str, ...], password: str) -> None:
    """Create a user account."""
    with unit_of_work() as session:
        try:
            team_rows = [find_or_create_team(session, t) for t in teams]
            user = users_service.create_user(
                session,
                email=email,
                name=name or email.split("@")[0],
                role=role,
                password=password,
                teams=team_rows,
            )
        except ServiceError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("list")
def users_list() -> None:
    """List accounts: email, role, active, teams."""
    with new_session() as session:
        for u in users_service.list_users(session):
            teams = ", ".join(t.name for t in u.teams)
            click.echo(f"{u.email}\t{u.role.value}\t{'active' if u.active else 'deactivated'}\t{teams}")


def find_or_create_team(session: Session, name: str) -> Team:
    """The team of that name, whatever its case, created if missing (users create --team, seed-demo)."""
    return users_service.team_named(session, name) or users_service.create_team(session, name)
