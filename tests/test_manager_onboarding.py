"""Onboarding: one trainee or a CSV with a dry run and an all-or-nothing apply; one-time set-password links."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.models import Role, SetPasswordToken, User
from quizapp.services import NotFound, ServiceError, onboarding

LINK = re.compile(r'value="https://quizapp\.example(/auth/set-password/[A-Za-z0-9_-]+)"')


@pytest.fixture
def setup(db, make_team, make_user):
    north, south = make_team("North clinic"), make_team("South clinic")
    manager = make_user(Role.MANAGER, email="mona@clinic.example", managed=[north])
    make_user(Role.TRAINEE, email="taken@clinic.example", teams=[south])
    make_user(Role.TRAINEE, email="member@clinic.example", teams=[north])
    return {"north": north, "south": south, "manager": manager}


def upload(client, team_id, text: str, *, apply: bool = False):
    data = {"csv-team": str(team_id), "csv-file": (io.BytesIO(text.encode("utf-8")), "people.csv")}
    if apply:
        data["csv-apply"] = "y"
    return client.post("/manager/onboard/csv", data=data, content_type="multipart/form-data")


def count_users(db) -> int:
    db.expire_all()
    return len(db.scalars(select(User)).all())


BAD = (
    "email,name\r\n"
    "ok@clinic.example,Olga Okay\r\n"
    "not-an-email,Bad Email\r\n"
    "dup@clinic.example,First Dup\r\n"
    "DUP@clinic.example,Second Dup\r\n"
    "taken@clinic.example,In Another Team\r\n"
    "empty@clinic.example,\r\n"
    "ghost@clinic.example,\u200b\u200d\u2060\r\n"
)


def test_dry_run_lists_every_problem_row_by_row_and_writes_nothing(client, auth, db, setup):
    auth.login("mona@clinic.example")
    before = count_users(db)
    response = upload(client, setup["north"].id, BAD)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "7 rows, 5 problems" in html
    for message in (
        "&#39;not-an-email&#39; is not a valid email address.",
        "The same email is on line 4 of the file.",
        "An account with this email exists in another team",
        "The name is empty.",
        "The name holds only invisible characters.",
    ):
        assert message in html
    assert "will be created" in html and "Nothing was added" in html
    assert count_users(db) == before


def test_apply_with_a_problem_adds_nobody(client, auth, db, setup):
    auth.login("mona@clinic.example")
    before = count_users(db)
    assert upload(client, setup["north"].id, BAD, apply=True).status_code == 400
    assert count_users(db) == before


def test_apply_creates_all_with_one_time_links(client, auth, db, setup):
    auth.login("mona@clinic.example")
    text = "\ufeffemail,name\nana@clinic.example,Ana Ant\nbo@clinic.example,Bo Bee\n"
    before = count_users(db)
    dry = upload(client, setup["north"].id, text)
    assert dry.status_code == 200 and "2 rows, 0 problems" in dry.get_data(as_text=True)
    assert count_users(db) == before
    response = client.post(
        "/manager/onboard/csv", data={"csv-team": setup["north"].id, "csv-content": text, "csv-apply": "y"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    links = LINK.findall(html)
    assert len(links) == 2 and "2 trainees added" in html
    assert count_users(db) == before + 2
    ana = db.scalar(select(User).where(User.email == "ana@clinic.example"))
    assert ana.role == Role.TRAINEE and [t.name for t in ana.teams] == ["North clinic"]
    stored = db.scalars(select(SetPasswordToken.token_hash)).all()
    assert len(stored) == 2 and not any(link.rsplit("/", 1)[1] in stored for link in links)  # hashed at rest


def test_one_trainee_then_the_link_sets_a_password_once(client, auth, db, setup):
    auth.login("mona@clinic.example")
    response = client.post(
        "/manager/onboard",
        data={"one-team": setup["north"].id, "one-email": "Nia@Clinic.example", "one-name": "Nia New"},
    )
    assert response.status_code == 200
    [path] = LINK.findall(response.get_data(as_text=True))
    auth.logout()
    page = client.get(path)
    assert page.status_code == 200 and "nia@clinic.example" in page.get_data(as_text=True)
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    done = client.post(path, data={"password": "a-good-password", "confirm": "a-good-password"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/login")
    assert auth.login("nia@clinic.example", "a-good-password").status_code == 302
    auth.logout()
    again = client.post(path, data={"password": "another-password", "confirm": "another-password"})
    assert again.status_code == 404 and "expired or was already used" in again.get_data(as_text=True)
    assert client.get(path).status_code == 404


def test_one_trainee_problems_are_shown(client, auth, setup):
    auth.login("mona@clinic.example")
    response = client.post(
        "/manager/onboard",
        data={"one-team": setup["north"].id, "one-email": "member@clinic.example", "one-name": "Again"},
    )
    assert response.status_code == 400 and "Already a member of this team." in response.get_data(as_text=True)
    other_team = client.post(
        "/manager/onboard", data={"one-team": setup["south"].id, "one-email": "x@clinic.example", "one-name": "X"}
    )
    assert other_team.status_code == 400  # not a team this manager may choose


def test_links_expire_and_a_new_one_replaces_the_old(db, setup, make_user):
    manager = setup["manager"]
    trainee = db.scalar(select(User).where(User.email == "member@clinic.example"))
    now = trainee.created_at
    first = onboarding.issue_link(db, manager, trainee, now)
    second = onboarding.issue_link(db, manager, trainee, now + timedelta(minutes=1))
    with pytest.raises(NotFound):
        onboarding.find_link(db, first, now + timedelta(minutes=2))  # replaced
    assert onboarding.find_link(db, second, now + timedelta(minutes=2)).user_id == trainee.id
    late = now + timedelta(hours=onboarding.LINK_VALID_HOURS, minutes=2)
    with pytest.raises(NotFound):
        onboarding.redeem_link(db, second, "a-good-password", late)
    outsider = make_user(Role.MANAGER, managed=[setup["south"]])
    with pytest.raises(NotFound):
        onboarding.issue_link(db, outsider, trainee, now)


def test_manager_issues_a_new_link_from_the_trainee_page(client, auth, db, setup):
    trainee = db.scalar(select(User).where(User.email == "member@clinic.example"))
    auth.login("mona@clinic.example")
    response = client.post(f"/manager/trainees/{trainee.id}/link")
    assert response.status_code == 200 and len(LINK.findall(response.get_data(as_text=True))) == 1
    outsider = db.scalar(select(User).where(User.email == "taken@clinic.example"))
    assert client.post(f"/manager/trainees/{outsider.id}/link").status_code == 404


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"", "no rows"),
        (b"email,name\n", "no rows"),
        (b"a@b.example,A\n" * (onboarding.MAX_ROWS + 1), "at most"),
        (b"x" * (onboarding.MAX_CSV_BYTES + 1), "larger than"),
    ],
)
def test_unreadable_files_are_refused_whole(data, message):
    with pytest.raises(ServiceError, match=message):
        onboarding.parse_csv(data)
