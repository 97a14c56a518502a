"""Admin pages: users, roles, teams, passwords."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from quizapp.models import AuditEvent, Role, Team, User


def test_admin_creates_user_with_team(client, login_as, make_team, db):
    login_as(Role.ADMIN)
    team = make_team("West")
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Wendy",
            "email": "wendy@example.com",
            "role": "trainee",
            "password": "plum-kite-sea",
            "teams": [str(team.id)],
            "active": "y",
        },
    )
    assert response.status_code == 302, response.data
    user = db.scalar(select(User).where(User.email == "wendy@example.com"))
    assert user.role == Role.TRAINEE and [t.name for t in user.teams] == ["West"] and user.active


def test_admin_create_rejects_duplicate_email(client, login_as, make_user):
    login_as(Role.ADMIN)
    other = make_user()
    response = client.post(
        "/admin/users/new", data={"name": "Dup", "email": other.email, "role": "trainee", "password": "plum-kite-sea"}
    )
    assert response.status_code == 400 and b"already exists" in response.data


def test_admin_create_rejects_bad_role_and_email(client, login_as):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/users/new", data={"name": "X", "email": "not-an-email", "role": "wizard", "password": "plum-kite-sea"}
    )
    assert response.status_code == 400
    assert b"Not a valid choice" in response.data and b"Invalid email address" in response.data


def test_admin_changes_role_and_it_is_audited(client, login_as, make_user, db):
    admin = login_as(Role.ADMIN)
    user = make_user(Role.TRAINEE)
    response = client.post(
        f"/admin/users/{user.id}/edit", data={"name": user.name, "email": user.email, "role": "manager", "active": "y"}
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, user.id).role == Role.MANAGER
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.actor_id == admin.id and event.details == {"old": "trainee", "new": "manager"}


def test_admin_deactivates_user(client, login_as, make_user, db):
    login_as(Role.ADMIN)
    user = make_user(Role.TRAINEE)
    client.post(f"/admin/users/{user.id}/edit", data={"name": user.name, "email": user.email, "role": "trainee"})
    db.expire_all()
    assert db.get(User, user.id).active is False


def test_admin_cannot_demote_self(client, login_as, db):
    admin = login_as(Role.ADMIN)
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"name": admin.name, "email": admin.email, "role": "trainee", "active": "y"},
    )
    assert response.status_code == 400 and b"cannot remove your own admin role" in response.data
    db.expire_all()
    assert db.get(User, admin.id).role == Role.ADMIN


def test_admin_sets_password(client, login_as, make_user, db):
    login_as(Role.ADMIN)
    user = make_user()
    bad = client.post(f"/admin/users/{user.id}/password", data={"password": "new-kite-sea1", "confirm": "other"})
    assert bad.status_code == 400 and b"The passwords differ." in bad.data
    ok = client.post(f"/admin/users/{user.id}/password", data={"password": "new-kite-sea1", "confirm": "new-kite-sea1"})
    assert ok.status_code == 302
    db.expire_all()
    assert check_password_hash(db.get(User, user.id).password_hash, "new-kite-sea1")


def test_admin_creates_and_edits_team(client, login_as, make_user, db):
    login_as(Role.ADMIN)
    manager = make_user(Role.MANAGER)
    trainee = make_user(Role.TRAINEE)
    assert client.post("/admin/teams", data={"name": "East"}).status_code == 302
    dup = client.post("/admin/teams", data={"name": "east"})
    assert dup.status_code == 400 and b"already exists" in dup.data
    team = db.scalar(select(Team).where(Team.name == "East"))
    response = client.post(
        f"/admin/teams/{team.id}/edit",
        data={"name": "East side", "managers": [str(manager.id)], "members": [str(trainee.id)]},
    )
    assert response.status_code == 302
    db.expire_all()
    team = db.get(Team, team.id)
    assert team.name == "East side" and team.managers == [manager] and team.members == [trainee]


def test_team_manager_must_be_manager(client, login_as, make_user, make_team):
    login_as(Role.ADMIN)
    team = make_team("South")
    trainee = make_user(Role.TRAINEE)
    response = client.post(f"/admin/teams/{team.id}/edit", data={"name": "South", "managers": [str(trainee.id)]})
    assert response.status_code == 400


def test_users_page_lists_users(client, login_as, make_user):
    login_as(Role.ADMIN)
    make_user(Role.TRAINEE, name="Listed Person")
    assert b"Listed Person" in client.get("/admin/users").data


@pytest.mark.parametrize(
    ("email", "name", "problem"),
    [
        ("not-an-email", "Valid Name", "not a valid email"),
        ("ok@example.com", "   ", "needs a name"),
        ("ok@example.com", "Two\nlines", "needs a name"),
    ],
)
def test_editing_a_user_checks_email_and_name_as_creating_does(db, make_user, email, name, problem):
    """The rule lives in the service: a form or a script calling update_user gets the same checks."""
    from quizapp.services import ServiceError
    from quizapp.services import users as users_service

    user = make_user(Role.TRAINEE)
    with pytest.raises(ServiceError, match=problem):
        users_service.update_user(
            db, user, email=email, name=name, role=Role.TRAINEE, active=True, teams=[], managed_teams=[], actor=None
        )
