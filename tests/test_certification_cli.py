"""`flask certs list`: filters and CSV for automation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from quizapp.db import utcnow
from quizapp.models import Module, Role
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
    assert output.startswith("\ufeff")  # the app's one CSV writer: UTF-8 with a BOM
    return list(csv.DictReader(io.StringIO(output.removeprefix("\ufeff"), newline="")))


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


def test_csv_neutralises_formulas_and_table_strips_control_characters(runner, db, make_user, certs):
    modules = db.query(Module).all()
    holder = make_user(Role.TRAINEE, email="evil@example.com")
    holder.name = "=cmd|' /C calc'!A0\x1b[31m\x07"  # as an older import might have stored it
    db.commit()
    certify(db, holder, modules, utcnow() - timedelta(hours=1))
    rows = _csv(runner.invoke(args=["certs", "list", "--format", "csv"]).output)
    evil = next(r for r in rows if r["email"] == "evil@example.com")
    assert evil["holder"].startswith("'=cmd")
    assert evil["issued_at"].endswith("Z")
    table = runner.invoke(args=["certs", "list"]).output
    assert "\x1b" not in table and "\x07" not in table and "=cmd|' /C calc'!A0[31m" in table
