"""The role × route matrix: every route, every role. New routes must be added to ROUTES."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.models import Certificate, QuizAttempt, Role
from quizapp.services import practice
from quizapp.services.attempts import start_attempt
from quizapp.services.certificate_codes import format_code
from tests.cert_helpers import certify, make_modules
from tests.quiz_helpers import import_quiz

ANON = "anonymous"
# Who asks: the world's trainee owns the attempt and the certificate; another trainee owns nothing here;
# manager A manages the trainee's team, manager B another team.
ACTORS = (ANON, "trainee", "other_trainee", "instructor", "manager_a", "manager_b", "admin")
LOGIN = "login"  # a redirect to the login page


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # may hold {placeholders} filled from the `world` fixture
    endpoint: str
    expected: dict[str, int | str]  # actor -> exact status code (or LOGIN)


def R(method: str, path: str, endpoint: str, *, anonymous: int | str = LOGIN, others: int = 403, **given) -> Route:
    """A route with the exact answer for each actor: those not named get `others` (anonymous: `anonymous`)."""
    unknown = set(given) - set(ACTORS)
    assert not unknown, unknown
    expected = {actor: given.get(actor, anonymous if actor == ANON else others) for actor in ACTORS}
    return Route(method, path, endpoint, expected)


def everyone(status: int | str) -> dict[str, int | str]:
    return {actor: status for actor in ACTORS if actor != ANON}


def trainees(status: int, other: int | None = None) -> dict[str, int]:
    """The trainee owns the object; another trainee gets `other` (404: not theirs, no hint it exists)."""
    return {"trainee": status, "other_trainee": status if other is None else other}


def managers(status_a: int, status_b: int, admin: int | None = None) -> dict[str, int]:
    return {"manager_a": status_a, "manager_b": status_b, "admin": status_a if admin is None else admin}


ROUTES: list[Route] = [
    R("GET", "/auth/login", "auth.login", anonymous=200, **everyone(302)),
    R("POST", "/auth/login", "auth.login", anonymous=400, **everyone(302)),
    R("POST", "/auth/logout", "auth.logout", anonymous=302, **everyone(302)),
    # home sends each role to its own start page
    R("GET", "/", "trainee.home", **trainees(200), instructor=302, manager_a=302, manager_b=302, admin=302),
    R("GET", "/modules/{slug}", "trainee.module", **everyone(200)),
    R("POST", "/modules/{slug}/start", "trainee.start", **trainees(302)),
    R("GET", "/attempts/{attempt_id}/q/1", "trainee.question", **trainees(200, 404)),
    R("POST", "/attempts/{attempt_id}/q/1", "trainee.question", **trainees(302, 404)),
    # JSON for every answer, also to a visitor whose session expired (401, not a redirect to an HTML page)
    R("POST", "/attempts/{attempt_id}/autosave", "trainee.autosave", anonymous=401, **trainees(400, 404)),
    R("GET", "/attempts/{attempt_id}/resume", "trainee.resume", **trainees(302, 404)),
    # each user's own settings (the time zone); an empty form names no zone: 400
    R("GET", "/profile", "trainee.profile", **everyone(200)),
    R("POST", "/profile", "trainee.profile", **everyone(400)),
    R("POST", "/profile/time-zone", "trainee.browser_time_zone", **everyone(400)),
    R("GET", "/attempts/{attempt_id}/submit", "trainee.submit", **trainees(200, 404)),
    R("POST", "/attempts/{attempt_id}/submit", "trainee.submit", **trainees(302, 404)),
    R("GET", "/attempts/{attempt_id}/result", "trainee.result", **trainees(302, 404)),
    R("GET", "/history", "trainee.history", **trainees(200)),
    R("GET", "/instructor/", "instructor.home", instructor=200, admin=200),
    R("GET", "/instructor/modules/{slug}/questions", "instructor.questions", instructor=200, admin=200),
    R("GET", "/instructor/modules/{slug}/questions/new", "instructor.question_new", instructor=200, admin=200),
    R("POST", "/instructor/modules/{slug}/questions/new", "instructor.question_new", instructor=200, admin=200),
    R("GET", "/instructor/questions/{question_key}/edit", "instructor.question_edit", instructor=200, admin=200),
    # an empty form: the loader's checks refuse it
    R("POST", "/instructor/questions/{question_key}/edit", "instructor.question_edit", instructor=400, admin=400),
    R("GET", "/instructor/questions/{question_key}/preview", "instructor.question_preview", instructor=200, admin=200),
    R("GET", "/instructor/questions/{question_key}/history", "instructor.question_history", instructor=200, admin=200),
    R("GET", "/instructor/questions/{question_key}/diff", "instructor.question_diff", instructor=200, admin=200),
    # already approved (400); retiring works (302); restoring a question that is not retired (400); no note (400)
    R("POST", "/instructor/questions/{question_key}/approve", "instructor.question_approve", instructor=400, admin=400),
    R("POST", "/instructor/questions/{question_key}/retire", "instructor.question_retire", instructor=302, admin=302),
    R("POST", "/instructor/questions/{question_key}/restore", "instructor.question_restore", instructor=400, admin=400),
    R("POST", "/instructor/questions/{question_key}/keep", "instructor.question_keep", instructor=400, admin=400),
    R("GET", "/instructor/modules/{slug}/settings", "instructor.module_settings", instructor=200, admin=200),
    R("POST", "/instructor/modules/{slug}/settings", "instructor.module_settings", instructor=400, admin=400),
    R("GET", "/instructor/import", "instructor.bank_import", instructor=200, admin=200),
    R("POST", "/instructor/import", "instructor.bank_import", instructor=400, admin=400),
    R("GET", "/instructor/modules/{slug}/export", "instructor.module_export", instructor=200, admin=200),
    R("GET", "/instructor/modules/{slug}/analysis", "instructor.analysis_page", instructor=200, admin=200),
    R("GET", "/instructor/modules/{slug}/analysis.csv", "instructor.analysis_csv", instructor=200, admin=200),
    R("GET", "/admin/users", "admin.users", admin=200),
    R("GET", "/admin/users/new", "admin.user_new", admin=200),
    R("POST", "/admin/users/new", "admin.user_new", admin=400),
    R("GET", "/admin/users/{trainee_id}/edit", "admin.user_edit", admin=200),
    R("POST", "/admin/users/{trainee_id}/edit", "admin.user_edit", admin=400),
    R("GET", "/admin/users/{trainee_id}/password", "admin.user_password", admin=200),
    R("POST", "/admin/users/{trainee_id}/password", "admin.user_password", admin=400),
    R("GET", "/admin/teams", "admin.teams", admin=200),
    R("POST", "/admin/teams", "admin.teams", admin=400),
    R("GET", "/admin/teams/{team_id}/edit", "admin.team_edit", admin=200),
    R("POST", "/admin/teams/{team_id}/edit", "admin.team_edit", admin=400),
    R("GET", "/certificate", "certificates.show", **trainees(200)),
    # the trainee's own certificate; another trainee has none (404)
    R("GET", "/certificate/print", "certificates.printable", **trainees(200, 404)),
    R("GET", "/certificate.pdf", "certificates.pdf", **trainees(200, 404)),
    R("GET", "/certificate/print?id={cert_id}", "certificates.printable", **trainees(200, 404)),
    R("GET", "/verify", "verify.form", anonymous=200, **everyone(200)),
    R("GET", "/verify/{code}", "verify.show", anonymous=200, **everyone(200)),
    R("GET", "/verify/7K3Q-9XPM-2D4T-V", "verify.show", anonymous=404, **everyone(404)),
    R("GET", "/manager/", "manager.overview", **managers(200, 200)),
    R("GET", "/manager/trainees/{trainee_id}", "manager.trainee", **managers(200, 404)),
    R("GET", "/manager/trainees", "manager.trainees", **managers(200, 200)),
    R("GET", "/manager/onboard", "manager.onboard", **managers(200, 200)),
    R("POST", "/manager/onboard", "manager.onboard", **managers(400, 400)),  # empty form
    R("POST", "/manager/onboard/csv", "manager.onboard_csv", **managers(400, 400)),  # no team, no file
    R("POST", "/manager/trainees/{trainee_id}/link", "manager.new_link", **managers(200, 404)),
    R("GET", "/auth/set-password/not-a-token", "auth.set_password", anonymous=404, **everyone(404)),
    R("POST", "/auth/set-password/not-a-token", "auth.set_password", anonymous=404, **everyone(404)),
    R("GET", "/manager/trainees/{trainee_id}/evidence.zip", "manager.evidence_pack", **managers(200, 404)),
    R("GET", "/manager/attempts/{finished_attempt_id}", "manager.attempt", **managers(200, 404)),
    R("GET", "/manager/attempts/{attempt_id}", "manager.attempt", **managers(404, 404)),  # still open
    R("GET", "/manager/trainees?team={team_id}", "manager.trainees", **managers(200, 404)),
    R("GET", "/manager/trainees.csv", "manager.export", **managers(200, 200)),
    R("GET", "/manager/trainees.csv?team={team_id}", "manager.export", **managers(200, 404)),
    # an empty form: the manager in scope is asked for a reason (400); out of scope, no hint (404)
    R("POST", "/manager/certificates/{cert_id}/revoke", "manager.revoke", **managers(400, 404)),
    R("POST", "/manager/certificates/{cert_id}/restore", "manager.restore", **managers(400, 404)),
    R("POST", "/manager/certificates/{manager_cert_id}/restore", "manager.restore", **managers(404, 404, 404)),
    R("GET", "/admin/programme", "admin.programme", admin=200),
    R("POST", "/admin/programme", "admin.programme", admin=400),
    R("GET", "/admin/audit", "admin.audit", admin=200),
    # practice: only trainees practise; a session is its trainee's own (another trainee: 404)
    R("GET", "/practice/", "practice.index", **trainees(200)),
    R("POST", "/practice/start", "practice.start", **trainees(302)),
    R("GET", "/practice/sessions/{practice_id}", "practice.resume", **trainees(302, 404)),
    R("GET", "/practice/sessions/{practice_id}/q/1", "practice.question", **trainees(200, 404)),
    R("POST", "/practice/sessions/{practice_id}/q/1", "practice.question", **trainees(400, 404)),
    R("POST", "/practice/sessions/{practice_id}/finish", "practice.finish", **trainees(302, 404)),
    R("GET", "/practice/sessions/{practice_id}/done", "practice.done", **trainees(200, 404)),
    # object level: records of a trainee in another team, one's own finished attempt, a manager's own certificate
    R("GET", "/attempts/{done_attempt_id}/result", "trainee.result", **trainees(200, 404)),
    R("GET", "/attempts/{far_attempt_id}/result", "trainee.result", **trainees(404, 404)),
    R("GET", "/attempts/{far_attempt_id}/q/1", "trainee.question", **trainees(404, 404)),
    R("POST", "/attempts/{far_attempt_id}/q/1", "trainee.question", **trainees(404, 404)),
    R("POST", "/attempts/{far_attempt_id}/autosave", "trainee.autosave", anonymous=401, **trainees(404, 404)),
    R("POST", "/attempts/{far_attempt_id}/submit", "trainee.submit", **trainees(404, 404)),
    R("GET", "/certificate/print?id={far_cert_id}", "certificates.printable", **trainees(404, 404)),
    R("GET", "/manager/trainees/{far_trainee_id}", "manager.trainee", **managers(404, 200, 200)),
    R("POST", "/manager/certificates/{far_cert_id}/revoke", "manager.revoke", **managers(404, 400, 400)),
    R("POST", "/manager/certificates/{far_cert_id}/restore", "manager.restore", **managers(404, 400, 400)),
    R("POST", "/manager/certificates/{own_cert_id}/revoke", "manager.revoke", **managers(404, 404, 404)),
    R("GET", "/manager/trainees/{manager_a_id}", "manager.trainee", **managers(404, 404, 404)),
    # operations (issue 15): for load balancers, no login, the same answer for everyone
    R("GET", "/healthz", "ops.healthz", anonymous=200, **everyone(200)),
    R("GET", "/readyz", "ops.readyz", anonymous=200, **everyone(200)),
    R("GET", "/manager/trainees/{far_trainee_id}/evidence.zip", "manager.evidence_pack", **managers(404, 200, 200)),
    R("GET", "/manager/trainees/{manager_a_id}/evidence.zip", "manager.evidence_pack", **managers(404, 404, 404)),
    R("POST", "/manager/trainees/{far_trainee_id}/link", "manager.new_link", **managers(404, 200, 200)),
    R("POST", "/manager/trainees/{manager_a_id}/link", "manager.new_link", **managers(404, 404, 404)),
    R("GET", "/manager/attempts/{done_attempt_id}", "manager.attempt", **managers(200, 404)),
]
UNCHECKED_ENDPOINTS = {"static", "bootstrap.static"}
PLACEHOLDERS = sorted({name for r in ROUTES for name in re.findall(r"{(\w+)}", r.path)} - {"code", "slug"})


@pytest.fixture
def world(db, make_user, make_team) -> dict:
    team, other_team = make_team("Matrix clinic"), make_team("Other clinic")
    trainee = make_user(Role.TRAINEE, teams=[team], email="trainee@matrix.example")
    make_user(Role.TRAINEE, teams=[team], email="other_trainee@matrix.example")
    make_user(Role.INSTRUCTOR, email="instructor@matrix.example")
    manager_a = make_user(Role.MANAGER, managed=[team], teams=[team], email="manager_a@matrix.example")
    make_user(Role.MANAGER, managed=[other_team], email="manager_b@matrix.example")
    make_user(Role.ADMIN, email="admin@matrix.example")
    module = import_quiz(db)
    module.required_for_certification = False  # the certificate rests on the two modules below
    attempt = start_attempt(db, trainee, module, utcnow())
    practice_session = practice.start_session(db, trainee, utcnow())
    modules = make_modules(db, 2, start=10)
    cert = certify(db, trainee, modules, utcnow())
    # a manager who is also in the team holds a certificate of their own, revoked: nobody restores it
    manager_cert = Certificate(
        user_id=manager_a.id,
        code="MANAGERCERT01",
        programme="P",
        issued_at=utcnow(),
        expires_at=utcnow() + timedelta(days=700),
        revoked_at=utcnow(),
        revoked_reason="test",
    )
    own_cert = Certificate(
        user_id=manager_a.id,
        code="MANAGERCERT02",
        programme="P",
        issued_at=utcnow(),
        expires_at=utcnow() + timedelta(days=700),
    )
    db.add_all([manager_cert, own_cert])
    far = make_user(Role.TRAINEE, teams=[other_team], email="far_trainee@matrix.example")
    far_cert = certify(db, far, modules, utcnow())
    done_attempt = db.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == trainee.id, QuizAttempt.finished_at.is_not(None))
    ).first()
    far_attempt = db.scalars(select(QuizAttempt).where(QuizAttempt.user_id == far.id)).first()
    db.commit()
    return {
        "team_id": team.id,
        "trainee_id": trainee.id,
        "slug": module.slug,
        "attempt_id": attempt.id,
        "cert_id": cert.id,
        "code": format_code(cert.code),
        "manager_cert_id": manager_cert.id,
        "practice_id": practice_session.id,
        "own_cert_id": own_cert.id,
        "manager_a_id": manager_a.id,
        "far_trainee_id": far.id,
        "far_cert_id": far_cert.id,
        "far_attempt_id": far_attempt.id,
        "done_attempt_id": done_attempt.id,
        "finished_attempt_id": cert.evidence[0].attempt_id,
        "question_key": "tq-single",
    }


def test_every_route_is_in_the_matrix(app):
    """Each row must reach the endpoint it names, and every URL rule × method (not only every endpoint) needs a
    row: a new route, a second URL for an endpoint or a new method on a route fails here until it is listed."""
    adapter = app.url_map.bind("localhost")
    covered: set[tuple[str, str]] = set()
    wrong = []
    for r in ROUTES:
        path = r.path.split("?")[0].format(**dict.fromkeys(PLACEHOLDERS, "1"), code="7K3Q-9XPM-2D4T-V", slug="s")
        rule, _args = adapter.match(path, method=r.method, return_rule=True)
        if rule.endpoint != r.endpoint:
            wrong.append((r.method, r.path, r.endpoint, rule.endpoint))
        covered.add((rule.rule, r.method))
    assert not wrong, f"rows whose path reaches another endpoint: {wrong}"
    missing = [
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNCHECKED_ENDPOINTS
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})  # HEAD is GET without the body; OPTIONS is Flask's
        if (rule.rule, method) not in covered
    ]
    assert not missing, f"add these routes to ROUTES in tests/test_access.py: {missing}"


def test_every_row_names_every_actor():
    for r in ROUTES:
        assert set(r.expected) == set(ACTORS), r
        assert all(v == LOGIN or 200 <= int(v) < 600 for v in r.expected.values()), r


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_role_route_matrix(client, auth, world, actor, route):
    if actor != ANON:
        assert auth.login(f"{actor}@matrix.example").status_code == 302
    path = route.path.format(**world)
    response = client.open(path, method=route.method, data={})
    expected = route.expected[actor]
    if expected == LOGIN:
        location = response.headers.get("Location", "")
        assert response.status_code == 302 and location.startswith("/auth/login"), (path, response.status_code)
    else:
        assert response.status_code == expected, (actor, route.method, path, response.status_code)
