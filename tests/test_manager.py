"""Managers see their teams' trainees (admins: all), revoke and restore with a reason; scope in the service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.models import AuditEvent, Certificate, Role
from quizapp.services import NotFound, certificate_codes, oversight
from tests.cert_helpers import attempt, certify, make_modules


@pytest.fixture
def world(db, make_team, make_user):
    """Two clinics, a trainee in each; the mine-clinic trainee is certified."""
    mine, theirs = make_team("Mine clinic"), make_team("Their clinic")
    modules = make_modules(db, 2)
    alice = make_user(Role.TRAINEE, name="Alice Able", teams=[mine])
    bob = make_user(Role.TRAINEE, name="Bob Other", teams=[theirs])
    attempt(db, bob, modules[0], utcnow() - timedelta(days=1), percent="55.0", passed=False)
    cert = certify(db, alice, modules, utcnow() - timedelta(minutes=5))
    return {"mine": mine, "theirs": theirs, "alice": alice, "bob": bob, "cert": cert, "modules": modules}


def test_overview_lists_only_the_managers_teams(client, login_as, world):
    login_as(Role.MANAGER, managed=[world["mine"]])
    html = client.get("/manager/trainees").get_data(as_text=True)
    assert "Alice Able" in html and "Bob Other" not in html
    assert "Valid" in html and "Passed" in html


def test_admin_overview_lists_everyone(client, login_as, world):
    login_as(Role.ADMIN)
    html = client.get("/manager/trainees").get_data(as_text=True)
    assert "Alice Able" in html and "Bob Other" in html and "Not passed" in html


def test_overview_filters(client, login_as, world):
    login_as(Role.ADMIN)
    html = client.get("/manager/trainees", query_string={"status": "none"}).get_data(as_text=True)
    assert "Bob Other" in html and "Alice Able" not in html
    html = client.get("/manager/trainees", query_string={"team": world["mine"].id}).get_data(as_text=True)
    assert "Alice Able" in html and "Bob Other" not in html


@pytest.mark.parametrize(
    "query, status", [({"status": "bogus"}, 400), ({"team": "abc"}, 400), ({"team": "999999"}, 404)]
)
def test_overview_refuses_bad_filters(client, login_as, world, query, status):
    login_as(Role.ADMIN)
    assert client.get("/manager/trainees", query_string=query).status_code == status


def test_a_manager_cannot_filter_on_another_team(client, login_as, world):
    login_as(Role.MANAGER, managed=[world["mine"]])
    assert client.get("/manager/trainees", query_string={"team": world["theirs"].id}).status_code == 404
    assert client.get("/manager/trainees.csv", query_string={"team": world["theirs"].id}).status_code == 404


def test_trainee_detail_shows_certificate_history_and_attempts(client, login_as, world):
    login_as(Role.MANAGER, managed=[world["mine"]])
    html = client.get(f"/manager/trainees/{world['alice'].id}").get_data(as_text=True)
    assert certificate_codes.format_code(world["cert"].code) in html
    assert "Revoke certificate" in html and "Module 1" in html and "90%" in html  # whole scores without ".0"
    assert "2 of 2 required modules passed" in html


def test_another_teams_trainee_is_404_for_a_manager(client, login_as, world):
    login_as(Role.MANAGER, managed=[world["mine"]])
    assert client.get(f"/manager/trainees/{world['bob'].id}").status_code == 404
    assert client.get("/manager/trainees/999999").status_code == 404
    assert client.get("/manager/trainees/99999999999999999999").status_code == 404
    assert client.post("/manager/certificates/99999999999999999999/revoke").status_code == 404


def test_non_trainees_are_404(client, login_as, world, make_user):
    manager = login_as(Role.MANAGER, managed=[world["mine"]])
    colleague = make_user(Role.INSTRUCTOR, teams=[world["mine"]])
    assert client.get(f"/manager/trainees/{colleague.id}").status_code == 404
    assert client.get(f"/manager/trainees/{manager.id}").status_code == 404


def test_scope_is_checked_in_the_service(db, world, make_user):
    manager = make_user(Role.MANAGER, managed=[world["theirs"]])
    with pytest.raises(NotFound):
        oversight.get_trainee(db, manager, world["alice"].id)
    with pytest.raises(NotFound):
        oversight.get_certificate(db, manager, world["cert"].id)
    with pytest.raises(NotFound):
        oversight.trainees_in_scope(db, manager, world["mine"].id)
    instructor = make_user(Role.INSTRUCTOR, teams=[world["mine"]])
    with pytest.raises(NotFound):
        oversight.get_trainee(db, instructor, world["alice"].id)
    assert [t.name for t in oversight.trainees_in_scope(db, manager)] == ["Bob Other"]


def test_revoke_needs_a_reason(client, login_as, world, db):
    login_as(Role.MANAGER, managed=[world["mine"]])
    cert = world["cert"]
    response = client.post(f"/manager/certificates/{cert.id}/revoke", data={f"cert{cert.id}-reason": "  "})
    assert response.status_code == 400
    assert "Give a reason" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Certificate, cert.id).revoked_at is None


@pytest.mark.parametrize(
    "reason, message",
    [
        ("x" * 501, "Field cannot be longer than 500 characters."),
        ("bad\x00byte", "NUL character"),
        ("bad\x07bell", "control characters"),
    ],
)
def test_bad_reasons_are_refused_with_a_message(client, login_as, world, db, reason, message):
    login_as(Role.ADMIN)
    cert = world["cert"]
    response = client.post(f"/manager/certificates/{cert.id}/revoke", data={f"cert{cert.id}-reason": reason})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Certificate, cert.id).revoked_at is None


def test_revoke_then_restore_shows_on_verify_and_in_the_audit_log(client, login_as, world, db):
    manager = login_as(Role.MANAGER, managed=[world["mine"]])
    cert = world["cert"]
    field = f"cert{cert.id}-reason"
    response = client.post(f"/manager/certificates/{cert.id}/revoke", data={field: "Failed the practical check"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/manager/trainees/{world['alice'].id}"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "revoked" in detail and "Failed the practical check" in detail and "Restore certificate" in detail
    assert 'id="cert-status">revoked<' in client.get(f"/verify/{cert.code}").get_data(as_text=True)

    response = client.post(f"/manager/certificates/{cert.id}/restore", data={field: "Practical re-checked, fine"})
    assert response.status_code == 302
    assert 'id="cert-status">valid<' in client.get(f"/verify/{cert.code}").get_data(as_text=True)

    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("certificate.%")).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.details.get("reason")) for e in events[1:]] == [
        ("certificate.revoked", manager.id, "Failed the practical check"),
        ("certificate.restored", manager.id, "Practical re-checked, fine"),
    ]


def test_restore_of_a_valid_certificate_is_refused_with_a_message(client, login_as, world):
    login_as(Role.ADMIN)
    cert = world["cert"]
    response = client.post(f"/manager/certificates/{cert.id}/restore", data={f"cert{cert.id}-reason": "why not"})
    assert response.status_code == 400
    assert "This certificate is not revoked." in response.get_data(as_text=True)


def test_a_manager_of_another_team_cannot_revoke(client, login_as, world, db):
    login_as(Role.MANAGER, managed=[world["theirs"]])
    cert = world["cert"]
    response = client.post(f"/manager/certificates/{cert.id}/revoke", data={f"cert{cert.id}-reason": "spite"})
    assert response.status_code == 404
    db.expire_all()
    assert db.get(Certificate, cert.id).revoked_at is None


def test_revoke_is_csrf_protected(make_app, make_user, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    manager = make_user(Role.MANAGER, managed=[world["mine"]])
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        client.post(
            "/auth/login", data={"email": manager.email, "password": "correct-horse-battery", "csrf_token": token}
        ).status_code
        == 302
    )
    cert = world["cert"]
    response = client.post(f"/manager/certificates/{cert.id}/revoke", data={f"cert{cert.id}-reason": "x"})
    assert response.status_code == 400
    page = client.get(f"/manager/trainees/{world['alice'].id}").get_data(as_text=True)
    token = page.split(f'name="cert{cert.id}-csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/manager/certificates/{cert.id}/revoke",
        data={f"cert{cert.id}-reason": "Checked", f"cert{cert.id}-csrf_token": token},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.INSTRUCTOR])
def test_other_roles_are_refused(client, login_as, world, role):
    login_as(role)
    assert client.get("/manager/").status_code == 403
    assert client.post(f"/manager/certificates/{world['cert'].id}/revoke").status_code == 403
