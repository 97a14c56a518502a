"""Test helpers for certification: modules, passed attempts as plain rows, a certified trainee."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from quizapp.models import AttemptStatus, Certificate, Module, QuizAttempt, ReviewMode, User
from quizapp.services import certification

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)  # a frozen "now", passed to the services
NAME = "Zoë Ångström-Nguyễn"


def make_modules(db, count: int = 4, *, required: bool = True, start: int = 1) -> list[Module]:
    modules = [
        Module(slug=f"module-{n}", title=f"Module {n}", order=n, required_for_certification=required)
        for n in range(start, start + count)
    ]
    db.add_all(modules)
    db.commit()
    return modules


def attempt_row(
    user: User,
    module: Module,
    finished_at: datetime,
    *,
    percent: str = "90.0",
    passed: bool = True,
    critical_missed: bool = False,
) -> QuizAttempt:
    """A graded attempt as the quiz service would leave it (not added to a session); a missed
    safety-critical question fails it."""
    return QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        status=AttemptStatus.SUBMITTED,
        started_at=finished_at - timedelta(minutes=15),
        finished_at=finished_at,
        pass_mark=80,
        time_limit_minutes=20,
        review=ReviewMode.FULL,
        question_count=10,
        awarded=Decimal(percent) / 10,
        possible=10,
        percent=Decimal(percent),
        passed=passed and not critical_missed,
        critical_missed=critical_missed,
    )


def attempt(
    db,
    user: User,
    module: Module,
    finished_at: datetime,
    *,
    percent: str = "90.0",
    passed: bool = True,
    critical_missed: bool = False,
) -> QuizAttempt:
    """A graded attempt, committed."""
    row = attempt_row(user, module, finished_at, percent=percent, passed=passed, critical_missed=critical_missed)
    db.add(row)
    db.commit()
    return row


def pass_all(db, user: User, modules: list[Module], finished_at: datetime, percent: str = "90.0") -> list[QuizAttempt]:
    return [attempt(db, user, m, finished_at, percent=percent) for m in modules]


def certify(db, user: User, modules: list[Module], now: datetime = NOW) -> Certificate:
    """Pass every module an hour before `now` and issue the certificate (committed)."""
    pass_all(db, user, modules, now - timedelta(hours=1))
    cert = certification.issue_if_qualified(db, user, now)
    assert cert is not None
    db.commit()
    return cert
