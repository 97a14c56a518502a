"""The role × route matrix: every route, every role. New routes must be added to ROUTES."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from quizapp.db import utcnow
from quizapp.models import Role
from quizapp.services.attempts import start_attempt
from tests.quiz_helpers import import_quiz

ANON = "anonymous"
ALL_ROLES = (ANON, *[r.value for r in Role])
LOGGED_IN = frozenset(r.value for r in Role)
PUBLIC = frozenset(ALL_ROLES)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # may hold {placeholders} filled from the `world` fixture
    allowed: frozenset[str]
    endpoint: str


def R(method: str, path: str, allowed, endpoint: str) -> Route:
    return Route(method, path, frozenset(allowed), endpoint)


ADMIN = {"admin"}
TRAINEE = {"trainee"}
ROUTES: list[Route] = [
    R("GET", "/auth/login", PUBLIC, "auth.login"),
    R("POST", "/auth/login", PUBLIC, "auth.login"),
    R("POST", "/auth/logout", PUBLIC, "auth.logout"),
    R("GET", "/", LOGGED_IN, "trainee.home"),
    R("GET", "/modules/{slug}", LOGGED_IN, "trainee.module"),
    R("POST", "/modules/{slug}/start", TRAINEE, "trainee.start"),
    R("GET", "/attempts/{attempt_id}/q/1", TRAINEE, "trainee.question"),
    R("POST", "/attempts/{attempt_id}/q/1", TRAINEE, "trainee.question"),
    R("POST", "/attempts/{attempt_id}/autosave", TRAINEE, "trainee.autosave"),
    R("GET", "/attempts/{attempt_id}/submit", TRAINEE, "trainee.submit"),
    R("POST", "/attempts/{attempt_id}/submit", TRAINEE, "trainee.submit"),
    R("GET", "/attempts/{attempt_id}/result", TRAINEE, "trainee.result"),
    R("GET", "/history", TRAINEE, "trainee.history"),
    R("GET", "/admin/users", ADMIN, "admin.users"),
    R("GET", "/admin/users/new", ADMIN, "admin.user_new"),
    R("POST", "/admin/users/new", ADMIN, "admin.user_new"),
    R("GET", "/admin/users/{trainee_id}/edit", ADMIN, "admin.user_edit"),
    R("POST", "/admin/users/{trainee_id}/edit", ADMIN, "admin.user_edit"),
    R("GET", "/admin/users/{trainee_id}/password", ADMIN, "admin.user_password"),
    R("POST", "/admin/users/{trainee_id}/password", ADMIN, "admin.user_password"),
    R("GET", "/admin/teams", ADMIN, "admin.teams"),
    R("POST", "/admin/teams", ADMIN, "admin.teams"),
    R("GET", "/admin/teams/{team_id}/edit", ADMIN, "admin.team_edit"),
    R("POST", "/admin/teams/{team_id}/edit", ADMIN, "admin.team_edit"),
    # certification (issue 5): a certificate id of 1 does not exist here, so allowed roles get 404
    R("GET", "/certificate", TRAINEE, "certificates.show"),
    R("GET", "/certificate/print", TRAINEE, "certificates.printable"),
    R("GET", "/certificate.pdf", TRAINEE, "certificates.pdf"),
    R("GET", "/verify", PUBLIC, "verify.form"),
    R("GET", "/verify/7K3Q-9XPM-2D4T-V", PUBLIC, "verify.show"),
    R("GET", "/manager/", {"manager", "admin"}, "manager.overview"),
    R("GET", "/manager/trainees/{trainee_id}", {"manager", "admin"}, "manager.trainee"),
    R("POST", "/manager/certificates/1/revoke", {"manager", "admin"}, "manager.revoke"),
    R("POST", "/manager/certificates/1/restore", {"manager", "admin"}, "manager.restore"),
    R("GET", "/admin/programme", ADMIN, "admin.programme"),
    R("POST", "/admin/programme", ADMIN, "admin.programme"),
    R("GET", "/admin/audit", ADMIN, "admin.audit"),
    # operations (issue 15): for load balancers, no login, the same answer for everyone
    R("GET", "/healthz", PUBLIC, "ops.healthz"),
    R("GET", "/readyz", PUBLIC, "ops.readyz"),
]
UNCHECKED_ENDPOINTS = {"static", "bootstrap.static"}


@pytest.fixture
def world(db, make_user, make_team) -> dict:
    team = make_team("Matrix clinic")
    trainee = make_user(Role.TRAINEE, teams=[team], email="matrix-trainee@example.com")
    module = import_quiz(db)
    attempt = start_attempt(db, trainee, module, utcnow())
    db.commit()
    return {"team_id": team.id, "trainee_id": trainee.id, "slug": module.slug, "attempt_id": attempt.id}


def test_every_route_is_in_the_matrix(app):
    covered = {(r.endpoint, r.method) for r in ROUTES}
    missing = [
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNCHECKED_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in covered
    ]
    assert not missing, f"add these routes to ROUTES in tests/test_access.py: {missing}"


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_role_route_matrix(client, login_as, world, role, route):
    if role != ANON:
        login_as(role)
    path = route.path.format(**world)
    response = client.open(path, method=route.method, data={})
    location = response.headers.get("Location", "")
    if role in route.allowed:
        assert response.status_code != 403, f"{role} refused at {path}"
        assert not (response.status_code == 302 and "/auth/login" in location and route.endpoint != "auth.logout"), (
            f"{role} sent to log in at {path}"
        )
        assert response.status_code < 500
    elif role == ANON:
        assert response.status_code == 302 and location.startswith("/auth/login"), (path, response.status_code)
    else:
        assert response.status_code == 403, (role, path, response.status_code)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("path", "status"), [("/healthz", 200), ("/readyz", 200)])
def test_ops_routes_exact_status(client, login_as, role, path, status):
    if role != ANON:
        login_as(role)
    assert client.get(path).status_code == status
