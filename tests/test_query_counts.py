"""Pages send a fixed number of queries, however many rows they show: lists of people, every main trainee
page, and the quiz pages whatever the attempt's length. The limits are today's counts: lower them when a
page gets leaner, never raise them to make a test pass."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.models import Certificate, CertificateAttempt, QuizAttempt, Role
from quizapp.services import answers, certificate_codes, certification
from tests.cert_helpers import attempt, certify, make_modules
from tests.conftest import ON_POSTGRES
from tests.practice_helpers import graded_attempt
from tests.query_count import count_queries
from tests.quiz_helpers import form_for, import_big_quiz, import_quiz, key_answer


def populate(db, make_user, team, modules, n: int, offset: int) -> list:
    trainees = []
    for i in range(n):
        trainee = make_user(Role.TRAINEE, teams=[team], email=f"qc{offset + i}@example.com")
        attempt(db, trainee, modules[0], utcnow() - timedelta(days=2), percent="50.0", passed=False)
        if i % 2:
            certify(db, trainee, modules, utcnow() - timedelta(days=1))
        trainees.append(trainee)
    return trainees


@pytest.mark.parametrize(
    "path",
    ["/manager/", "/manager/trainees", "/manager/trainees.csv", "/admin/users", "/admin/teams", "/admin/audit"],
)
def test_list_pages_do_not_grow_with_rows(app, client, db, make_user, make_team, login_as, path):
    team = make_team("Counted clinic")
    modules = make_modules(db, 3)
    populate(db, make_user, team, modules, 2, 0)
    login_as(Role.ADMIN)
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    populate(db, make_user, team, modules, 10, 100)
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), many


# statements per request, the user loader's included
TRAINEE_PAGES = {
    "/": 5,
    "/modules/test-quiz": 4,
    "/history": 4,
    "/certificate": 5,
    "/certificate.pdf": 5,
    "/profile": 1,
    "/practice/": 12,
}


def test_trainee_pages_do_not_grow_with_attempts(app, client, db, login_as):
    """Every main trainee page with one graded attempt and a certificate, then with six attempts and more."""
    module = import_quiz(db)
    trainee = login_as(Role.TRAINEE)
    graded_attempt(db, trainee, module, utcnow() - timedelta(days=30), wrong={"tq-single"})
    certify(db, trainee, [module], utcnow() - timedelta(days=25))
    few = trainee_page_counts(app, client)
    for days in (20, 18, 16, 14, 12):  # five more graded attempts
        graded_attempt(db, trainee, module, utcnow() - timedelta(days=days), wrong={"tq-numeric", "tq-tf"})
    many = trainee_page_counts(app, client)
    assert few == many
    assert all(many[path] <= limit for path, limit in TRAINEE_PAGES.items()), many


def trainee_page_counts(app, client) -> dict[str, int]:
    """Statements per request once the process has warmed up (the first request fills the per-process copy of
    the modules, which later requests reuse while the modules are unchanged)."""
    counts = {}
    for path in TRAINEE_PAGES:
        assert client.get(path).status_code == 200, path
        with count_queries(app) as statements:
            assert client.get(path).status_code == 200, path
        counts[path] = len(statements)
    return counts


# statements per request: the question page reads the attempt with the one question shown, then the
# navigator's states; saving adds the guarded UPDATEs of the attempt and the response
QUIZ_PAGES = {
    "question page": 3,
    "save and next": 4,
    "autosave": 5,
    "resume": 3,
    "submit page": 3,
    "submit": 6,
    "result": 4,
}


def quiz_page_counts(app, client, db, slug: str) -> dict[str, int]:
    """Statements per request of each quiz page, on a new attempt at the module."""
    assert client.post(f"/modules/{slug}/start").status_code == 302
    db.expire_all()
    taken = db.scalars(select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()
    second = taken.responses[1]
    answer = form_for(second.version, second.shuffle, key_answer(second.version))
    base = f"/attempts/{taken.id}"
    requests = {
        "question page": lambda: client.get(f"{base}/q/2"),
        "save and next": lambda: client.post(f"{base}/q/2", data={**answer, "nav": "next"}),
        "autosave": lambda: client.post(f"{base}/autosave", data={**answer, "position": "2"}),
        "resume": lambda: client.get(f"{base}/resume"),
        "submit page": lambda: client.get(f"{base}/submit"),
        "submit": lambda: client.post(f"{base}/submit"),
        "result": lambda: client.get(f"{base}/result"),
    }
    counts = {}
    for label, request in requests.items():
        with count_queries(app) as statements:
            assert request().status_code in (200, 302), label
        counts[label] = len(statements)
    return counts


def test_quiz_pages_do_not_grow_with_the_attempt(app, client, db, login_as):
    """The question page, autosave and the rest load what they show: the same count for 7 questions and 60."""
    import_quiz(db)
    import_big_quiz(db, size=60)
    login_as(Role.TRAINEE)
    small = quiz_page_counts(app, client, db, "test-quiz")
    big = quiz_page_counts(app, client, db, "big-quiz")
    assert db.scalars(select(QuizAttempt.question_count).order_by(QuizAttempt.id)).all() == [7, 60]
    assert small == big
    assert all(big[label] <= limit for label, limit in QUIZ_PAGES.items()), big


def old_certificate(db, trainee, modules, issued_days_ago: int, *, revoked_by=None, superseded: bool = False):
    """A past certificate with its evidence, as rows (its status comes from the dates and marks)."""
    issued = utcnow() - timedelta(days=issued_days_ago)
    passes = [attempt(db, trainee, m, issued - timedelta(hours=1)) for m in modules]
    cert = Certificate(
        user_id=trainee.id,
        code=certificate_codes.generate_code(),
        programme="Earlier programme",
        issued_at=issued,
        expires_at=certification.add_months(issued, 24),
        revoked_at=issued + timedelta(days=30) if revoked_by else None,
        revoked_reason="Checked again" if revoked_by else None,
        revoked_by_id=revoked_by.id if revoked_by else None,
        superseded_at=issued + timedelta(days=700) if superseded else None,
    )
    db.add(cert)
    db.flush()
    db.add_all(CertificateAttempt(certificate_id=cert.id, attempt_id=a.id) for a in passes)
    db.commit()
    return cert


@pytest.mark.parametrize("viewer", [Role.TRAINEE, Role.ADMIN])
def test_certificate_pages_do_not_grow_with_certificates(app, client, db, make_user, login_as, viewer):
    """/certificate and /manager/trainees/<id> with one current and one revoked certificate, then with
    expired, superseded and more revoked ones (each revoked by someone else) besides."""
    modules = make_modules(db, 3)
    revokers = [make_user(Role.MANAGER) for _ in range(4)]
    if viewer == Role.TRAINEE:
        trainee = login_as(Role.TRAINEE)
        path = "/certificate"
    else:
        trainee = make_user(Role.TRAINEE)
        login_as(Role.ADMIN)
        path = f"/manager/trainees/{trainee.id}"
    old_certificate(db, trainee, modules, 300, revoked_by=revokers[0])
    certify(db, trainee, modules, utcnow() - timedelta(days=1))
    assert client.get(path).status_code == 200  # fills the per-process copy of the modules
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    old_certificate(db, trainee, modules, 2000)  # expired
    old_certificate(db, trainee, modules, 1800, revoked_by=revokers[1])
    old_certificate(db, trainee, modules, 1500, superseded=True)
    old_certificate(db, trainee, modules, 1000, revoked_by=revokers[2])
    old_certificate(db, trainee, modules, 900, revoked_by=revokers[3])
    with count_queries(app) as many:
        response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("Earlier programme") == 6 and "Superseded" in html and "Expired" in html
    if viewer == Role.ADMIN:
        assert all(f"by <bdi>{r.name}</bdi>" in html for r in revokers)
    assert len(many) == len(few), many


# statements of a submit that passes and completes a certificate: the user, the attempt, the guarded UPDATE,
# the answers with their versions, the marks and the score, then certification (the trainee's lock on
# PostgreSQL, the programme with the modules' stamp, the certificates, the passes, a free code, the
# certificate with its evidence, the audit event)
SUBMIT_ISSUING = 13 + ON_POSTGRES


def issuing_submit_count(app, client, db, trainee, module) -> int:
    """Statements of the trainee's submit of a new attempt at the module, every answer right (it issues)."""
    assert client.get("/").status_code == 200  # fills the per-process copy of the modules
    assert client.post(f"/modules/{module.slug}/start").status_code == 302
    db.expire_all()
    opened = QuizAttempt.user_id == trainee.id, QuizAttempt.module_id == module.id, QuizAttempt.status == "open"
    taken = db.scalars(select(QuizAttempt).where(*opened)).one()
    for response in taken.responses:
        answers.store_answer(db, taken, response, key_answer(response.version), utcnow())
    db.commit()
    with count_queries(app) as statements:
        assert client.post(f"/attempts/{taken.id}/submit").status_code == 302
    db.expire_all()
    assert db.scalar(select(QuizAttempt.passed).where(QuizAttempt.id == taken.id)) is True
    issued = db.scalar(
        select(Certificate).where(Certificate.user_id == trainee.id, Certificate.superseded_at.is_(None))
    )
    assert issued is not None and issued.revoked_at is None
    return len(statements)


def test_an_issuing_submit_does_not_grow_with_the_attempt_or_the_history(app, client, db, auth, login_as):
    """The last required pass of a trainee with nothing else (7 questions), and of one with a long history
    (60 questions; expired, revoked and superseded certificates; failed attempts): the same statements."""
    others = make_modules(db, 3)
    small = import_quiz(db)
    big = import_big_quiz(db, size=60)
    first = login_as(Role.TRAINEE)
    for module in [*others, big]:
        attempt(db, first, module, utcnow() - timedelta(days=2))
    few = issuing_submit_count(app, client, db, first, small)
    auth.logout()
    second = login_as(Role.TRAINEE)
    everything = [*others, small, big]
    old_certificate(db, second, everything, 2000)
    old_certificate(db, second, everything, 1500, superseded=True)
    old_certificate(db, second, everything, 1000, revoked_by=first)
    for days in (9, 8, 7, 6, 5):
        attempt(db, second, big, utcnow() - timedelta(days=days), percent="50.0", passed=False)
    for module in [*others, small]:
        attempt(db, second, module, utcnow() - timedelta(days=2))
    many = issuing_submit_count(app, client, db, second, big)
    assert few == many
    assert many <= SUBMIT_ISSUING, many
