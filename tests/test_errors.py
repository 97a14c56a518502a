"""Friendly error pages, CSRF, and a lost database showing 503."""

from __future__ import annotations

import pytest

from quizapp.models import Role


def test_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data and b"Traceback" not in response.data


def test_405_page(client):
    response = client.delete("/auth/login")
    assert response.status_code == 405
    assert b"Method not allowed" in response.data


def test_403_page(client, login_as):
    login_as(Role.TRAINEE)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert b"Not allowed" in response.data


def test_bad_id_in_url_is_404(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/admin/users/999999/edit").status_code == 404
    assert client.get("/admin/users/abc/edit").status_code == 404


def test_csrf_on_refuses_post_without_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = make_user()
    response = client.post("/auth/login", data={"email": user.email, "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert b"The form expired" in response.data
    # with the token from the form it works
    page = client.get("/auth/login").data.decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post(
        "/auth/login", data={"email": user.email, "password": "correct-horse-battery", "csrf_token": token}
    )
    assert ok.status_code == 302


def test_database_down_shows_503(make_app, tmp_path):
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "a@b.test", "password": "whatever-pass"})
    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.data and b"Traceback" not in response.data


def test_unexpected_error_shows_500_page(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data and b"boom" not in response.data


@pytest.mark.parametrize(
    "path", ["/admin/users/2147483648/edit", "/attempts/99999999999999999999/q/1", "/attempts/1/q/99999999999"]
)
def test_ids_beyond_the_database_range_are_404(client, login_as, path):
    login_as(Role.ADMIN if path.startswith("/admin") else Role.TRAINEE)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("where", ["form", "query"])
def test_nul_characters_are_a_clear_400_before_anything_reads_them(client, where):
    if where == "form":
        response = client.post("/auth/login", data={"email": "a\x00@b.com", "password": "whatever-pass"})
    else:
        response = client.get("/verify", query_string={"code": "AB\x00CD"})
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_new_password_ends_older_sessions(client, auth, make_user, db):
    from quizapp.services import users as users_service

    user = make_user()
    auth.login(user.email, remember="y")
    assert client.get("/").status_code == 200
    with client.application.app_context():
        users_service.set_password(db, user, "a-brand-new-password", actor=None)
    db.commit()
    assert client.get("/").status_code == 302  # session and remember-me cookie both refused


def test_https_public_url_makes_cookies_secure(make_app):
    app = make_app(PUBLIC_BASE_URL="https://clinic.example")
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    plain = make_app(PUBLIC_BASE_URL="http://127.0.0.1:5000")
    assert not plain.config.get("SESSION_COOKIE_SECURE")


def test_trusted_proxies_take_the_client_address_from_the_proxy(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    seen = []

    @app.route("/whoami")
    def whoami():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert seen == ["203.0.113.9"]
    from quizapp.config import ConfigError

    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be a whole number"):
        make_app(TRUSTED_PROXIES="two")


DEAD_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"


def _logged_in_cookie(make_app, make_user) -> str:
    """A session cookie of a logged-in trainee, made while the database was up."""
    app = make_app()
    client = app.test_client()
    user = make_user()
    assert (
        client.post("/auth/login", data={"email": user.email, "password": "correct-horse-battery"}).status_code == 302
    )
    return client.get_cookie("session").value


@pytest.mark.parametrize("propagate", [True, False])
def test_database_down_shows_the_503_page_to_logged_in_users_too(make_app, make_user, propagate):
    """Rendering the error page must not ask the database for the user again (that gave a bare 500)."""
    cookie = _logged_in_cookie(make_app, make_user)
    down = make_app(DATABASE_URL=DEAD_DATABASE, PROPAGATE_EXCEPTIONS=propagate)
    client = down.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Temporarily unavailable" in page and "Traceback" not in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_failing_commit_is_a_503_page(make_app, monkeypatch):
    """The request's one commit runs after the view; if the database goes away then, still the 503 page."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/writes")
    def writes():
        from quizapp.db import get_session

        get_session()  # a request that used the database
        return "done"

    def lost(self):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", lost)  # the database, not our code: the connection drops
    response = app.test_client().get("/writes")
    assert response.status_code == 503 and b"Temporarily unavailable" in response.data
    assert "Content-Security-Policy" in response.headers


def test_unexpected_errors_keep_their_traceback_in_tests_and_debug(app):
    """Only InternalServerError is handled, so Flask re-raises the original in testing and debug mode."""

    @app.route("/boom-visible")
    def boom():
        raise RuntimeError("visible boom")

    with pytest.raises(RuntimeError, match="visible boom"):
        app.test_client().get("/boom-visible")
