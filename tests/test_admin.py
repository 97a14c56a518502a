"""Admin pages: users, roles, teams, passwords."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from quizapp.models import AuditEvent, Role, Team, User
from tests.quiz_helpers import import_quiz


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


# ---- tables as cards on a phone, typed names isolated (issue 9 items 7 and the RTL layout) ----------------

RTL_NAME = "ليلى حداد"
RTL_TEAM = "عيادة الشمال"


def tables(html: str) -> list[str]:
    return re.findall(r"<table\b.*?</table>", html, flags=re.S)


def assert_cards(table: str) -> None:
    """A table that becomes stacked cards on a phone: the class, its roles kept, every cell named."""
    head = table.split(">", 1)[0]
    assert "table-cards" in head and 'role="table"' in head, head
    assert table.count("<tr") == table.count('<tr role="row"')
    for cell in re.findall(r"<td\b[^>]*>", table):
        assert 'role="cell"' in cell and ("data-label=" in cell or "colspan=" in cell), cell
    assert len(re.findall(r"<th\b", table)) == table.count('role="columnheader"')


def test_staff_tables_become_cards_with_status_and_action_first_and_names_in_bdi(
    client, db, login_as, make_user, make_team
):
    import_quiz(db)
    team = make_team(RTL_TEAM)
    trainee = make_user(Role.TRAINEE, name=RTL_NAME, teams=[team])
    login_as(Role.ADMIN)
    pages = {
        "/admin/users": 1,
        "/admin/teams": 1,
        "/admin/audit": 1,
        f"/manager/trainees/{trainee.id}": 2,
        "/manager/trainees": 0,  # its own cards: a list beside the table
        "/instructor/modules/test-quiz/questions": 1,
        "/instructor/modules/test-quiz/analysis": 1,
    }
    for url, count in pages.items():
        if url.startswith("/instructor"):
            client.post("/auth/logout")
            login_as(Role.INSTRUCTOR)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        cards = [t for t in tables(html) if "table-cards" in t]
        assert len(cards) == count, (url, len(cards))
        for table in cards:
            assert_cards(table)
        if not url.startswith("/instructor"):
            # outside <bdi> nowhere on the page (<title> and <option> take text only: each is a line of its own)
            outside = re.sub(r"<bdi>.*?</bdi>|<option\b.*?</option>", "", html.split("<body", 1)[1], flags=re.S)
            assert RTL_NAME not in outside and RTL_TEAM not in outside, url
    client.post("/auth/logout")
    login_as(Role.ADMIN)
    users = client.get("/admin/users").get_data(as_text=True)
    row = next(r for r in re.findall(r'<tr role="row">(.*?)</tr>', users, re.S) if RTL_NAME in r)
    labels = re.findall(r'data-label="([^"]*)"', row)
    assert labels[:3] == ["Status", "", "Name"]  # status, then the actions, then who
    assert ">Edit<" in row.split('data-label="Name"')[0]
