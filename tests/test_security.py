"""The security probe's findings, each pinned: request size, per-account login limit, logout that ends the
session, CSRF rotation, caching headers, NUL in paths, password rules, invisible required text, bidi isolation
and the append-only audit log."""

from __future__ import annotations

import re

import pytest
from flask import Flask, request
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from quizapp.db import get_engine, utcnow
from quizapp.models import AuditEvent, Certificate, Role, Team, User
from quizapp.security import accepts_upload
from quizapp.services import ServiceError
from quizapp.services import users as users_service
from quizapp.services.text import is_blank
from quizapp.services.users import check_password
from tests.cert_helpers import certify, make_modules
from tests.conftest import PASSWORD
from tests.quiz_helpers import import_quiz

INVISIBLE_VALUES = ["\ufeff", "\u200b\u200b\u200b", " \u200c\u200d\u2060 ", "\u202e", "\u3164", "\t\u00a0"]


# --- request size ------------------------------------------------------------------------------------------


def test_a_huge_anonymous_post_is_refused_with_a_friendly_413(client):
    response = client.post("/auth/login", data={"email": "a@b.test", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Too large" in html and "Shorten the text" in html


def test_an_ordinary_form_is_well_under_the_limit(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] <= 1024 * 1024
    form = {"email": "a@b.test", "password": "x" * 200, "ignored": "y" * 100_000}  # a big but honest form
    assert client.post("/auth/login", data=form).status_code == 401


def test_only_an_upload_route_accepts_a_larger_body(make_app):
    app: Flask = make_app(MAX_CONTENT_LENGTH=1000, MAX_UPLOAD_LENGTH=100_000)

    @accepts_upload
    def upload():
        return str(len(request.get_data()))

    app.add_url_rule("/test-upload", "test_upload", upload, methods=["POST"])
    client = app.test_client()
    body = b"x" * 50_000
    assert client.post("/test-upload", data=body, content_type="application/octet-stream").status_code == 200
    assert client.post("/auth/login", data=body, content_type="application/octet-stream").status_code == 413
    too_big = b"x" * 200_000
    assert client.post("/test-upload", data=too_big, content_type="application/octet-stream").status_code == 413


# --- per-account login limit -------------------------------------------------------------------------------


def test_failed_logins_are_limited_per_account_from_any_address(make_app, db):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1000 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per hour")
    with app.app_context():
        users_service.create_user(db, email="target@example.com", name="T", role="trainee", password=PASSWORD)
        users_service.create_user(db, email="other@example.com", name="O", role="trainee", password=PASSWORD)
    db.commit()
    client = app.test_client()

    def login(email: str, password: str, address: str):
        return client.post(
            "/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
        )

    for n, spelling in enumerate(["target@example.com", " Target@Example.com", "TARGET@example.com "]):
        assert login(spelling, "wrong-password-123", f"10.0.0.{n}").status_code == 401
    blocked = login("target@example.com", PASSWORD, "10.0.9.9")  # the right password, from a fresh address
    assert blocked.status_code == 429
    assert "Too many failed log-ins for this account" in blocked.get_data(as_text=True)
    assert login("other@example.com", PASSWORD, "10.0.0.1").status_code == 302  # other accounts unaffected


def test_successful_logins_do_not_count_against_the_account(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1000 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    user = make_user()
    for _ in range(4):
        client = app.test_client()
        assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


# --- logout ends the session server-side ------------------------------------------------------------------


def test_a_copied_session_cookie_stops_working_after_logout(app, client, auth, make_user):
    user = make_user()
    assert auth.login(user.email).status_code == 302
    copied = client.get_cookie("session").value
    assert client.get("/history").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/history")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_the_remember_me_cookie_ends_with_logout(app, client, auth, make_user):
    user = make_user()
    auth.login(user.email, remember="y")
    remembered = client.get_cookie("remember_token").value
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered)
    assert fresh.get("/history").status_code == 200  # the cookie alone logs in, before the logout
    auth.logout()
    later = app.test_client()
    later.set_cookie("remember_token", remembered)
    assert later.get("/history").status_code == 302


def test_logging_in_again_after_logout_works(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    auth.logout()
    assert auth.login(user.email).status_code == 302
    assert client.get("/history").status_code == 200


def test_csrf_token_is_rotated_at_login(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    with client.session_transaction() as s:
        before = s["csrf_token"]
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    client.get("/history")
    with client.session_transaction() as s:
        assert s.get("csrf_token") != before
    # the token seen before the log-in no longer works for a form after it
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 400


# --- caching and transport headers -------------------------------------------------------------------------


@pytest.fixture
def certified(db, make_user, make_team) -> dict:
    team = make_team("Cache clinic")
    trainee = make_user(Role.TRAINEE, teams=[team], email="cached@example.com")
    module = import_quiz(db)
    module.required_for_certification = False
    cert = certify(db, trainee, make_modules(db, 2, start=10), utcnow())
    db.commit()
    return {"trainee": trainee, "team": team, "module": module, "cert": cert}


def test_authenticated_pages_are_never_stored(client, auth, make_user, certified):
    auth.login("cached@example.com")
    start = client.post(f"/modules/{certified['module'].slug}/start")
    question = start.headers["Location"]
    pages = ["/", "/history", "/certificate", "/certificate/print", "/certificate.pdf", question]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "no-store" in response.headers["Cache-Control"], page
    auth.logout()
    make_user(Role.ADMIN, email="admin@cache.example", managed=[certified["team"]])
    auth.login("admin@cache.example")
    trainee_id = certified["trainee"].id
    for page in ["/manager/", f"/manager/trainees/{trainee_id}", "/admin/users", "/admin/audit", "/instructor/"]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.headers["Cache-Control"] == "no-store", page


def test_public_pages_and_static_files_may_be_cached(client):
    assert "no-store" not in client.get("/verify").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/auth/login").headers.get("Cache-Control", "")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login", base_url="http://localhost").headers
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


# --- NUL in the path ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/modules/%00", "/modules/a%00b", "/verify/%00", "/modules/%00/start"])
def test_a_nul_byte_in_the_path_is_a_clean_400(client, login_as, path):
    login_as(Role.TRAINEE)
    method = "POST" if path.endswith("/start") else "GET"
    response = client.open(path, method=method)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_byte_in_the_path_is_a_400_for_visitors_too(client):
    assert client.get("/verify/AB%00CD").status_code == 400


# --- passwords ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, message",
    [
        ("password", "at least 12"),
        ("aaaaaaaa", "at least 12"),
        ("\u200b" * 12, "invisible"),
        (" " * 14, "invisible"),
        ("\ufeff\u200c" * 8, "invisible"),
        ("aaaaaaaaaaaa", "too easy"),
        ("passwordpassword", "too easy"),
        ("123qweasdzxc", "most common"),
        ("qwerty123456", "most common"),
        ("a" * 1001, "at most"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    with pytest.raises(ServiceError, match=message):
        check_password(password)


def test_a_password_made_of_the_account_name_is_refused():
    with pytest.raises(ServiceError, match="too easy"):
        check_password("mariagonzalez", hints=["maria.gonzalez@clinic.example", "Maria Gonzalez"])


def test_a_long_passphrase_is_accepted():
    check_password("correct-horse-battery")
    check_password("wir fahren um sieben Uhr los")
    check_password("x" * 5 + "ü" * 70 + "!")  # longer than zxcvbn checks: length alone suffices


def test_the_admin_page_refuses_a_weak_password_with_a_message(client, login_as, make_user, db):
    login_as(Role.ADMIN)
    user = make_user()
    before = db.get(User, user.id).password_hash
    response = client.post(
        f"/admin/users/{user.id}/password", data={"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}
    )
    assert response.status_code == 400
    assert "too easy to guess" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).password_hash == before


def test_a_new_user_with_an_invisible_password_is_not_created(client, login_as, db):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/users/new",
        data={"name": "New", "email": "new@example.com", "role": "trainee", "password": "\u200b" * 14},
    )
    assert response.status_code == 400
    assert db.scalar(select(func.count()).select_from(User).where(User.email == "new@example.com")) == 0


# --- required text: invisible is empty -------------------------------------------------------------------


@pytest.mark.parametrize("value", INVISIBLE_VALUES)
def test_invisible_text_is_blank(value):
    assert is_blank(value)


@pytest.mark.parametrize("value", ["a", "\u200bA", "Zoë", "שלום", "\u202eabc", "·"])
def test_visible_text_is_not_blank(value):
    assert not is_blank(value)


@pytest.mark.parametrize("reason", INVISIBLE_VALUES)
def test_an_invisible_revoke_reason_is_refused(client, auth, make_user, certified, db, reason):
    make_user(Role.MANAGER, email="boss@cache.example", managed=[certified["team"]])
    auth.login("boss@cache.example")
    cert = certified["cert"]
    response = client.post(f"/manager/certificates/{cert.id}/revoke", data={f"cert{cert.id}-reason": reason})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(Certificate, cert.id).revoked_at is None


@pytest.mark.parametrize("name", INVISIBLE_VALUES)
def test_invisible_team_and_user_names_are_refused(client, login_as, db, name):
    admin = login_as(Role.ADMIN)
    teams_before = db.scalar(select(func.count()).select_from(Team))
    assert client.post("/admin/teams", data={"name": name}).status_code == 400
    assert db.scalar(select(func.count()).select_from(Team)) == teams_before
    response = client.post(
        f"/admin/users/{admin.id}/edit", data={"name": name, "email": admin.email, "role": "admin", "active": "y"}
    )
    assert response.status_code == 400
    db.expire_all()
    assert db.get(User, admin.id).name == admin.name


@pytest.mark.parametrize("name", INVISIBLE_VALUES)
def test_an_invisible_programme_name_is_refused(client, login_as, name):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/programme", data={"name": name, "validity_months": "24", "renewal_window_days": "60"}
    )
    assert response.status_code == 400
    assert ("needs a name" if name.strip() else "This field is required") in response.get_data(as_text=True)


def test_invisible_team_names_are_refused_in_the_service_too(db):
    with pytest.raises(ServiceError, match="needs a name"):
        users_service.create_team(db, "\u200b\ufeff")


# --- bidi isolation ------------------------------------------------------------------------------------------


def test_a_right_to_left_override_stays_inside_its_cell_on_the_audit_page(client, auth, make_user, certified):
    make_user(Role.ADMIN, email="boss@cache.example", managed=[certified["team"]])
    auth.login("boss@cache.example")
    cert = certified["cert"]
    reason = "\u202eoops reordered"
    revoked = client.post(f"/manager/certificates/{cert.id}/revoke", data={f"cert{cert.id}-reason": reason})
    assert revoked.status_code == 302
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "oops reordered" in html
    for match in re.finditer("\u202e", html):  # every occurrence sits inside an isolating element
        before = html[: match.start()]
        assert before.rfind("<bdi>") > before.rfind("</bdi>"), html[match.start() - 200 : match.start() + 50]


# --- the audit log is append-only in the database ----------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_audit_events(app, db, make_user):
    make_user()  # records user.created
    assert db.scalar(select(func.count()).select_from(AuditEvent)) >= 1
    engine = get_engine(app)
    for statement in ("UPDATE audit_events SET summary = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events WHERE summary = 'forged'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() >= 1


def test_audit_events_can_still_be_added(app, db, make_user):
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    make_user()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
