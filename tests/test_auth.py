"""Login, logout, remember me, deactivated users, safe `next` redirects."""

from __future__ import annotations

import pytest

from quizapp.models import Role
from quizapp.security import safe_next
from tests.conftest import PASSWORD


def test_login_page(client):
    page = client.get("/auth/login")
    assert page.status_code == 200
    assert b'<label class="form-label" for="email">Email</label>' in page.data


def test_login_and_logout(client, auth, make_user):
    user = make_user(Role.TRAINEE)
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_email_is_case_insensitive(auth, make_user):
    user = make_user(email="Mixed.Case@Example.com")
    assert auth.login("  MIXED.case@example.COM ").status_code == 302
    assert user.email == "mixed.case@example.com"


def test_wrong_password(client, auth, make_user):
    user = make_user()
    response = auth.login(user.email, "not-the-password")
    assert response.status_code == 401
    assert b"Wrong email or password." in response.data
    assert client.get("/").status_code == 302


def test_unknown_email(auth):
    response = auth.login("nobody@example.com")
    assert response.status_code == 401
    assert b"Wrong email or password." in response.data


def test_deactivated_user_cannot_log_in(client, auth, make_user):
    user = make_user(active=False)
    response = auth.login(user.email)
    assert response.status_code == 401
    assert b"deactivated" in response.data
    assert client.get("/").status_code == 302


def test_deactivated_while_logged_in_is_logged_out(client, auth, make_user, db):
    user = make_user()
    auth.login(user.email)
    user.active = False
    db.commit()
    assert client.get("/").status_code == 302


def test_remember_me_sets_cookie(client, auth, make_user):
    user = make_user()
    auth.login(user.email, remember="y")
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_no_cookie(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    assert client.get_cookie("remember_token") is None


def test_next_redirect_on_site(client, make_user):
    user = make_user(Role.ADMIN)
    response = client.post("/auth/login?next=/admin/teams", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/teams"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil",
        "javascript:alert(1)",
        "evil.example",
        "/\r\nSet-Cookie:x",
        "\\\\evil.example",
        " //evil.example",
    ],
)
def test_unsafe_next_is_ignored(client, make_user, target):
    user = make_user()
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/history", "/history"),
        ("/a?b=c", "/a?b=c"),
        ("//x", None),
        ("https://x/", None),
        ("", None),
        (None, None),
        ("/\\x", None),
        ("x/y", None),
        ("/ok\r\nX: y", None),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_logout_needs_post(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    assert client.get("/auth/logout").status_code == 405


def test_logged_in_user_visiting_login_is_redirected(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    assert client.get("/auth/login").status_code == 302


def test_login_form_validation_errors(client):
    response = client.post("/auth/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert b"This field is required." in response.data
