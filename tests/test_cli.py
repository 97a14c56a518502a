"""CLI commands through Flask's CLI runner."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp import migrate
from quizapp.cli.demo import DEMO_USERS
from quizapp.models import AuditEvent, Role, Team, User


def test_users_create_and_list(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.com",
            "--role",
            "instructor",
            "--name",
            "Nia New",
            "--team",
            "North",
        ],
        input="plum-kite-sea\nplum-kite-sea\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created new@example.com (instructor)" in result.output
    user = db.scalar(select(User).where(User.email == "new@example.com"))
    assert user.role == Role.INSTRUCTOR and [t.name for t in user.teams] == ["North"]
    listing = runner.invoke(args=["users", "list"])
    assert "new@example.com\tinstructor\tactive\tNorth" in listing.output


def test_users_create_rejects_bad_role(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "a@example.com", "--role", "wizard", "--password", "plum-kite-sea"]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output


def test_users_create_rejects_duplicate_and_short_password(runner, make_user):
    user = make_user()
    dup = runner.invoke(
        args=["users", "create", "--email", user.email, "--role", "trainee", "--password", "plum-kite-sea"]
    )
    assert dup.exit_code == 1 and "already exists" in dup.output
    short = runner.invoke(
        args=["users", "create", "--email", "s@example.com", "--role", "trainee", "--password", "short"]
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output


def test_seed_demo_is_idempotent(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "FOR LOCAL USE ONLY" in first.output
    for email, _name, _role, password in DEMO_USERS:
        assert email in first.output and password in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "(0 accounts created)" in second.output
    assert db.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)
    team = db.scalar(select(Team).where(Team.name == "Demo clinic"))
    assert len(team.members) == 3 and [m.email for m in team.managers] == ["manager@example.com"]


def test_demo_accounts_log_in_with_role_menus(runner, client):
    runner.invoke(args=["seed-demo"])
    expectations = {
        "admin@example.com": (b"/admin/users", b"Teams"),
        "trainee1@example.com": (b"Your training", None),
    }
    for email, (expected, also) in expectations.items():
        password = next(p for e, _n, _r, p in DEMO_USERS if e == email)
        response = client.post("/auth/login", data={"email": email, "password": password}, follow_redirects=True)
        assert response.status_code == 200 and expected in response.data
        if also:
            assert also in response.data
        client.post("/auth/logout")


def test_user_creation_is_audited(runner, db):
    runner.invoke(
        args=["users", "create", "--email", "aud@example.com", "--role", "trainee", "--password", "plum-kite-sea"]
    )
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.created")).all()
    assert [e.summary for e in events] == ["Created aud@example.com as trainee"]


def test_db_current(runner):
    result = runner.invoke(args=["db", "current"])
    assert result.exit_code == 0 and result.output.strip() == migrate.head()


def test_unreachable_database_is_one_clear_line(make_app):
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    runner = app.test_cli_runner()
    for args in (["users", "list"], ["seed-demo"], ["db", "upgrade"], ["banks", "import"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert "Cannot use the database" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "--email", "", "--role", "trainee", "--password", "plum-kite-sea"], "not a valid email"),
        (
            ["users", "create", "--email", "notanemail", "--role", "trainee", "--password", "plum-kite-sea"],
            "not a valid email",
        ),
        (
            [
                "users",
                "create",
                "--email",
                "ok@example.com",
                "--name",
                "   ",
                "--role",
                "trainee",
                "--password",
                "plum-kite-sea",
            ],
            "needs a name",
        ),
        (["db", "upgrade", "bogus"], "bogus"),
        (["db", "downgrade", "nonsense"], "nonsense"),
        (["certs", "list", "--expiring-within", "1000000000"], "Invalid value"),
    ],
)
def test_bad_cli_arguments_are_clear_errors(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code in (1, 2), result.output
    assert message in result.output and "Traceback" not in result.output


def test_team_option_matches_existing_team_whatever_the_case(runner, make_team, db):
    make_team("Demo clinic")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "c@example.com",
            "--role",
            "trainee",
            "--team",
            "demo CLINIC",
            "--password",
            "plum-kite-sea",
        ]
    )
    assert result.exit_code == 0, result.output
