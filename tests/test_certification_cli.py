"""`flask certs list`: filters and CSV for automation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from quizapp.db import utcnow
from quizapp.models import Role
from quizapp.services import certificate_codes, certification
from tests.cert_helpers import NAME, certify, make_modules


@pytest.fixture
def certs(db, make_user):
    modules = make_modules(db, 2)
    now = utcnow()
    fresh = certify(db, make_user(Role.TRAINEE, name=NAME), modules, now - timedelta(days=1))
    expiring = certify(db, make_user(Role.TRAINEE, name="Eve Expiring"), modules, now - timedelta(days=700))
    expired = certify(db, make_user(Role.TRAINEE, name="Ed Expired"), modules, now - timedelta(days=800))
    revoked = certify(db, make_user(Role.TRAINEE, name="Rita Revoked"), modules, now - timedelta(days=2))
    certification.revoke(db, revoked, make_user(Role.ADMIN), "Test", now)
    db.commit()
    return {"fresh": fresh, "expiring": expiring, "expired": expired, "revoked": revoked}


def _csv(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


def test_csv_lists_every_certificate_with_status(runner, certs):
    result = runner.invoke(args=["certs", "list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = _csv(result.output)
    assert list(rows[0]) == ["code", "holder", "email", "programme", "issued_at", "expires_at", "status"]
    by_holder = {r["holder"]: r for r in rows}
    assert by_holder[NAME]["status"] == "valid"
    assert by_holder[NAME]["code"] == certificate_codes.format_code(certs["fresh"].code)
    assert by_holder["Eve Expiring"]["status"] == "expiring"
    assert by_holder["Ed Expired"]["status"] == "expired"
    assert by_holder["Rita Revoked"]["status"] == "revoked"


def test_filter_by_status(runner, certs):
    result = runner.invoke(args=["certs", "list", "--format", "csv", "--status", "expired", "--status", "revoked"])
    assert sorted(r["holder"] for r in _csv(result.output)) == ["Ed Expired", "Rita Revoked"]


def test_expiring_within_days(runner, certs):
    result = runner.invoke(args=["certs", "list", "--format", "csv", "--expiring-within", "90"])
    assert [r["holder"] for r in _csv(result.output)] == ["Eve Expiring"]
    result = runner.invoke(args=["certs", "list", "--format", "csv", "--expiring-within", "800"])
    assert sorted(r["holder"] for r in _csv(result.output)) == ["Eve Expiring", NAME]


def test_table_format_and_no_match(runner, certs):
    result = runner.invoke(args=["certs", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["code", "holder", "email", "issued", "expires", "status"]
    assert len(lines) == 5 and NAME in result.output
    result = runner.invoke(args=["certs", "list", "--status", "superseded"])
    assert result.output.strip() == "No certificates match."


@pytest.mark.parametrize("args", [["--status", "bogus"], ["--expiring-within", "-1"], ["--format", "xml"]])
def test_bad_options_are_usage_errors(runner, args):
    result = runner.invoke(args=["certs", "list", *args])
    assert result.exit_code == 2
