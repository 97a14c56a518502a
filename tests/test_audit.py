"""The audit trail is append-only; the admin pages for it and for the programme settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.models import AuditEvent, Certificate, Module, Role, Setting
from quizapp.services import certification
from quizapp.services.audit import AuditImmutable, record
from tests.cert_helpers import make_modules, pass_all

PACKAGE = Path(__file__).resolve().parent.parent / "quizapp"


# --- append-only ------------------------------------------------------------------------------------


def test_an_audit_event_cannot_be_changed(db):
    event = record(db, None, "test.event", "thing", 1, "Something happened")
    db.commit()
    event.summary = "Something else happened"
    with pytest.raises(AuditImmutable):
        db.flush()
    db.rollback()
    db.expire_all()
    assert db.get(AuditEvent, event.id).summary == "Something happened"


def test_an_audit_event_cannot_be_deleted(db):
    event = record(db, None, "test.event", "thing", 1, "Something happened")
    db.commit()
    db.delete(event)
    with pytest.raises(AuditImmutable):
        db.flush()
    db.rollback()
    assert db.get(AuditEvent, event.id) is not None


def test_no_code_updates_or_deletes_audit_events():
    """Bulk statements bypass the flush guard, so none may exist in the package."""
    bulk = re.compile(r"(update|delete)\(\s*AuditEvent\b|AuditEvent\b[^\n]*\.(update|delete)\(")
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in PACKAGE.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if bulk.search(line) or re.search(r"\b(UPDATE|DELETE FROM)\s+audit_events\b", line, re.I)
    ]
    assert not offenders, offenders


# --- the audit log page -----------------------------------------------------------------------------


@pytest.fixture
def events_dated(db, make_user):
    """Events with chosen times (inserted with `at` set, never updated)."""
    admin = make_user(Role.ADMIN, name="Ada Admin", email="ada@example.com")
    manager = make_user(Role.MANAGER, name="Mona Manager", email="mona@example.com")
    rows = [
        AuditEvent(
            at=datetime(2030, 1, 10, 9, 0, tzinfo=UTC),
            actor_id=admin.id,
            action="user.role_changed",
            target_type="user",
            target_id="7",
            summary="someone: role trainee → instructor",
            details={},
        ),
        AuditEvent(
            at=datetime(2030, 1, 20, 23, 59, tzinfo=UTC),
            actor_id=manager.id,
            action="certificate.revoked",
            target_type="certificate",
            target_id="1",
            summary="Certificate ABCD revoked: reason one",
            details={"reason": "reason one"},
        ),
        AuditEvent(
            at=datetime(2030, 2, 1, 0, 0, tzinfo=UTC),
            actor_id=None,
            action="certificate.issued",
            target_type="certificate",
            target_id="2",
            summary="Certificate EFGH issued",
            details={},
        ),
    ]
    db.add_all(rows)
    db.commit()
    return rows


def _rows(html: str) -> list[str]:
    body = re.split(r"<tbody\b[^>]*>", html)[1].split("</tbody>")[0]
    return re.findall(r"<code>([a-z_.]+)</code>", body)


def test_audit_log_lists_events_newest_first_with_who_what_when(client, login_as, events_dated):
    login_as(Role.ADMIN)
    html = client.get("/admin/audit").get_data(as_text=True)
    rows = _rows(html)
    assert rows[:3] == ["certificate.issued", "certificate.revoked", "user.role_changed"]
    assert "Mona Manager" in html and "system" in html and "reason one" in html
    assert "20 Jan 2030, 23:59 UTC" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"action": "certificate.revoked"}, ["certificate.revoked"]),
        ({"actor": "mona"}, ["certificate.revoked"]),
        ({"actor": "ADA@EXAMPLE"}, ["user.role_changed"]),
        ({"actor": "system"}, ["certificate.issued"]),
        ({"actor": "%"}, []),
        ({"date_from": "2030-01-11", "date_to": "2030-01-20"}, ["certificate.revoked"]),
        ({"date_to": "2030-01-10"}, ["user.role_changed"]),
        ({"date_from": "2030-02-01"}, ["certificate.issued"]),
    ],
)
def test_audit_log_filters(client, login_as, events_dated, query, expected):
    login_as(Role.ADMIN)
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    rows = [r for r in _rows(response.get_data(as_text=True)) if r != "user.created"]
    assert rows == expected


@pytest.mark.parametrize(
    "query, message",
    [
        ({"date_from": "2030-13-01"}, "Not a valid date value."),
        ({"date_from": "yesterday"}, "Not a valid date value."),
        ({"date_from": "2030-02-01", "date_to": "2030-01-01"}, "The end date is before the start date."),
        ({"action": "no.such.action"}, "Not a valid choice."),
        ({"page": "0"}, "Number must be between 1 and 100000."),
        ({"page": "two"}, "Not a valid integer value."),
        ({"actor": "a\x00b"}, "NUL character"),
    ],
)
def test_audit_log_refuses_bad_filters_with_a_message(client, login_as, events_dated, query, message):
    login_as(Role.ADMIN)
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_audit_log_pages(client, login_as, db):
    login_as(Role.ADMIN)
    base = datetime(2030, 3, 1, tzinfo=UTC)
    db.add_all(
        AuditEvent(
            at=base + timedelta(minutes=i),
            action="test.bulk",
            target_type="x",
            target_id=str(i),
            summary=f"event number {i:03d}",
            details={},
        )
        for i in range(60)
    )
    db.commit()
    first = client.get("/admin/audit", query_string={"action": "test.bulk"}).get_data(as_text=True)
    assert "page 1 of 2" in first and "event number 059" in first and "event number 009" not in first
    assert "page=2" in first and "action=test.bulk" in first
    second = client.get("/admin/audit", query_string={"action": "test.bulk", "page": 2}).get_data(as_text=True)
    assert "event number 009" in second and "event number 010" not in second
    beyond = client.get("/admin/audit", query_string={"page": 50})
    assert beyond.status_code == 200 and "No events match." in beyond.get_data(as_text=True)


@pytest.mark.parametrize(
    "extra",
    [
        {"_method": "POST"},
        {"_anchor": "elsewhere"},
        {"_external": "1"},
        {"_scheme": "javascript"},
        {"unknown": "kept-out"},
    ],
)
def test_audit_pager_links_carry_only_the_known_filters(client, login_as, db, extra):
    login_as(Role.ADMIN)
    base = datetime(2030, 3, 1, tzinfo=UTC)
    db.add_all(
        AuditEvent(
            at=base + timedelta(minutes=i),
            action="test.bulk",
            target_type="x",
            target_id=str(i),
            summary=f"event number {i:03d}",
            details={},
        )
        for i in range(60)
    )
    db.commit()
    filters = {"action": "test.bulk", "actor": "system", "date_from": "2030-03-01", "date_to": "2030-03-02"}
    response = client.get("/admin/audit", query_string={**filters, **extra})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    older = re.search(r'href="([^"]*)"[^>]*>Older</a>', html).group(1)
    assert older.startswith("/admin/audit?") and "#" not in older
    query = dict(part.split("=", 1) for part in older.split("?", 1)[1].split("&amp;"))
    assert query == {
        "page": "2",
        "action": "test.bulk",
        "actor": "system",
        "date_from": "2030-03-01",
        "date_to": "2030-03-02",
    }


# --- programme settings page -------------------------------------------------------------------------


def test_programme_page_shows_the_settings_and_the_required_flags(client, login_as, db):
    make_modules(db, 2)
    make_modules(db, 1, required=False, start=3)
    login_as(Role.ADMIN)
    html = client.get("/admin/programme").get_data(as_text=True)
    assert 'value="Microneedling practitioner — face and back"' in html
    assert 'value="24"' in html and 'value="60"' in html
    checked = re.findall(r'<input checked[^>]*value="(\d+)"|<input[^>]*value="(\d+)"[^>]*checked', html)
    assert len(checked) == 2


def test_programme_page_saves_and_audits(client, login_as, db):
    modules = make_modules(db, 3)
    admin = login_as(Role.ADMIN)
    response = client.post(
        "/admin/programme",
        data={
            "name": "Microneedling — advanced",
            "validity_months": "12",
            "renewal_window_days": "30",
            "required_modules": [str(modules[0].id), str(modules[2].id)],
        },
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Setting, "programme_name").value == "Microneedling — advanced"
    assert db.get(Setting, "validity_months").value == "12"
    assert [m.required_for_certification for m in db.scalars(select(Module).order_by(Module.order))] == [
        True,
        False,
        True,
    ]
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)).all()
    assert actions.count("programme.updated") == 3 and actions.count("module.required_changed") == 1


def test_unrequiring_the_last_missing_module_issues_the_certificate_at_once(client, login_as, db, make_user):
    modules = make_modules(db, 4)
    trainee = make_user(Role.TRAINEE, name="Three of Four")
    pass_all(db, trainee, modules[:3], utcnow() - timedelta(days=2))
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/programme",
        data={
            "name": "Microneedling practitioner — face and back",
            "validity_months": "24",
            "renewal_window_days": "60",
            "required_modules": [str(m.id) for m in modules[:3]],
        },
        follow_redirects=True,
    )
    assert "1 certificate(s) issued to trainees who now qualify" in response.get_data(as_text=True)
    db.expire_all()
    cert = db.scalar(select(Certificate).where(Certificate.user_id == trainee.id))
    assert cert is not None and certification.status(cert, utcnow(), 60) == certification.CertStatus.VALID
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issued"))
    assert event.target_id == str(cert.id) and event.details["user_id"] == trainee.id


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "validity_months": "24", "renewal_window_days": "60"}, "This field is required."),
        ({"name": "P", "validity_months": "0", "renewal_window_days": "60"}, "Number must be between 1 and 120."),
        ({"name": "P", "validity_months": "x", "renewal_window_days": "60"}, "Not a valid integer value."),
        ({"name": "P", "validity_months": "2", "renewal_window_days": "60"}, "shorter than the validity period"),
        ({"name": "P\x00", "validity_months": "24", "renewal_window_days": "60"}, "NUL character"),
        (
            {"name": "P", "validity_months": "24", "renewal_window_days": "60", "required_modules": "99999"},
            "is not a valid choice for this field.",
        ),
    ],
)
def test_programme_page_refuses_bad_input(client, login_as, db, data, message):
    make_modules(db, 1)
    login_as(Role.ADMIN)
    response = client.post("/admin/programme", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Setting, "validity_months") is None
