"""`flask seed-demo`: the demo accounts, team, trainees in every state and attempts; the demo logins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from quizapp import demo
from quizapp.cli.base import Command
from quizapp.cli.users import find_or_create_team
from quizapp.db import unit_of_work, utcnow
from quizapp.demo_attempts import seed_demo_attempts
from quizapp.models import Role
from quizapp.services import ServiceError
from quizapp.services import users as users_service

DEMO_TEAM = "Demo clinic"
DEMO_USERS = [
    ("admin@example.com", "Ada Admin", Role.ADMIN, "admin-demo-pass"),
    ("instructor@example.com", "Ines Instructor", Role.INSTRUCTOR, "instructor-demo-pass"),
    ("reviewer@example.com", "Rui Reviewer", Role.INSTRUCTOR, "instructor-demo-pass"),  # the second pair of eyes
    ("manager@example.com", "Mona Manager", Role.MANAGER, "manager-demo-pass"),
    ("trainee1@example.com", "Tara Trainee", Role.TRAINEE, "trainee-demo-pass"),
    ("trainee2@example.com", "Theo Trainee", Role.TRAINEE, "trainee-demo-pass"),
    ("trainee3@example.com", "Zoë Ångström-Nguyễn", Role.TRAINEE, "trainee-demo-pass"),
]


@click.command("seed-demo", cls=Command)
@click.option("--logins-only", is_flag=True, help="Only print the demo logins; change nothing.")
@with_appcontext
def seed_demo(logins_only: bool) -> None:
    """Create the demo accounts and team (idempotent) and print their logins."""
    if logins_only:
        click.echo(demo_logins_text())
        return
    with unit_of_work() as session:
        team = find_or_create_team(session, DEMO_TEAM)
        created = 0
        for email, name, role, password in DEMO_USERS:
            user = users_service.find_by_email(session, email)
            if user is None:
                user = users_service.create_user(session, email=email, name=name, role=role, password=password)
                created += 1
            if role == Role.TRAINEE and team not in user.teams:
                user.teams.append(team)
            if role == Role.MANAGER and team not in user.managed_teams:
                user.managed_teams.append(team)
        manager = users_service.find_by_email(session, "manager@example.com")
        try:
            created += demo.seed_states(session, team, manager, utcnow())  # a trainee in every state
        except ServiceError as err:
            click.echo(f"No demo trainees in every state: {err}")
        click.echo(f"Demo attempts for item analysis: {seed_demo_attempts(session, utcnow())} made.")
    click.echo(f"Demo data ready ({created} accounts created).")
    click.echo(demo_logins_text())


def demo_logins_text() -> str:
    lines = ["", "Demo logins — FOR LOCAL USE ONLY; never run seed-demo on a server others can reach:"]
    lines += [f"  {role.value:<11} {email:<26} {password}" for email, _n, role, password in DEMO_USERS]
    lines += [f"  trainees in every state (certified, expiring, ...): demo-*@example.com  {demo.PASSWORD}"]
    return "\n".join(lines) + "\n"
