"""Pages that list people or attempts send a fixed number of queries, however many rows they show."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quizapp.db import utcnow
from quizapp.models import Certificate, CertificateAttempt, Role
from quizapp.services import certificate_codes, certification
from tests.cert_helpers import attempt, certify, make_modules
from tests.query_count import count_queries


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


def test_trainee_pages_do_not_grow_with_attempts(app, client, db, login_as):
    modules = make_modules(db, 3)
    trainee = login_as(Role.TRAINEE)
    certify(db, trainee, modules, utcnow() - timedelta(days=1))
    attempt(db, trainee, modules[0], utcnow() - timedelta(days=3), percent="50.0", passed=False)
    counts = []
    for _ in range(2):
        with count_queries(app) as statements:
            for path in ("/", "/history", "/certificate", "/certificate.pdf"):
                assert client.get(path).status_code == 200
        counts.append(len(statements))
        for m in modules:
            for d in range(4):
                attempt(db, trainee, m, utcnow() - timedelta(days=10 + d), percent="60.0", passed=False)
    assert counts[0] == counts[1], counts


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
        assert all(f"by {r.name}" in html for r in revokers)
    assert len(many) == len(few), many
