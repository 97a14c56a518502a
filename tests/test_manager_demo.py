"""seed-demo on the shipped banks: a trainee in every state the dashboard knows, idempotent."""

from __future__ import annotations

from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.demo import STATES
from quizapp.models import User
from quizapp.services import attention, reports


def test_seed_demo_creates_every_state(runner, db):
    assert runner.invoke(args=["banks", "import"]).exit_code == 0
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "demo-*@example.com" in first.output
    manager = db.scalar(select(User).where(User.email == "manager@example.com"))
    now = utcnow()
    rows = {r.trainee.email: r for r in reports.build_rows(db, manager, now)}
    assert {email for email, _n, _s in STATES} <= set(rows)
    status = {email.split("@")[0].removeprefix("demo-"): rows[email].status for email, _n, _s in STATES}
    assert status["certified"] == "valid" and status["revoked"] == "revoked" and status["expired"] == "expired"
    assert status["expiring"] == "expiring" and rows["demo-expiring@example.com"].days_left in (20, 21)
    reasons = {}
    for item in attention.needs_attention(list(rows.values()), now):
        reasons.setdefault(item.row.trainee.email, set()).add(item.reason.value)
    assert "repeated_fails" in reasons["demo-failed@example.com"]
    assert "cooldown" in reasons["demo-cooldown@example.com"]
    assert "critical" in reasons["demo-critical@example.com"]
    assert reasons["demo-never@example.com"] == {"never_started"}
    assert rows["demo-progress@example.com"].progress.passed == 2
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "(0 accounts created)" in again.output
