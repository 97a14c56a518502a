"""Grading attempts: the deadline, the score, once only, and overdue attempts closed on what was saved in time."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from quizapp.db import affected_rows
from quizapp.models import AttemptStatus, QuizAttempt, Response
from quizapp.question_types import get_type
from quizapp.services.facts import Taken

GRACE = timedelta(seconds=30)  # answers arriving this long after the deadline still count


def is_overdue(attempt: Taken, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


def percent_half_up(awarded: Fraction, possible: int) -> Decimal:
    """awarded / possible × 100, rounded half up to one decimal."""
    if possible == 0:
        return Decimal("0.0")
    tenths = floor(awarded * 1000 / possible + Fraction(1, 2))
    return (Decimal(tenths) / 10).quantize(Decimal("0.1"))


def finalise_if_overdue(session: Session, attempt: QuizAttempt, now: datetime) -> bool:
    """Grade an open attempt whose deadline (plus grace) has passed, on what was saved in time."""
    if attempt.is_open and is_overdue(attempt, now):
        return _grade(session, attempt, now, AttemptStatus.EXPIRED)
    return False


def submit_attempt(session: Session, attempt: QuizAttempt, now: datetime) -> QuizAttempt:
    """Grade once. A second (or simultaneous) submit finds it graded and changes nothing."""
    status = AttemptStatus.EXPIRED if is_overdue(attempt, now) else AttemptStatus.SUBMITTED
    _grade(session, attempt, now, status)
    return attempt


def _grade(session: Session, attempt: QuizAttempt, now: datetime, status: AttemptStatus) -> bool:
    # The conditional UPDATE is the first write: it takes the lock, and only one caller wins it.
    deadline = attempt.deadline
    finished_at = min(now, deadline + GRACE) if status == AttemptStatus.EXPIRED and deadline is not None else now
    result = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.OPEN)
        .values(status=status, finished_at=finished_at)
        .execution_options(synchronize_session=False)
    )
    won = affected_rows(result) == 1
    if not won:
        session.refresh(attempt)
        return False
    responses = session.scalars(
        select(Response)
        .where(Response.attempt_id == attempt.id)
        .options(selectinload(Response.version))
        .order_by(Response.position)
        .execution_options(populate_existing=True)
    ).all()
    awarded, possible, critical_missed = Fraction(0), 0, False
    for response in responses:
        version = response.version
        grade = get_type(version.type).grade(version.spec, response.answer, version.points)
        response.awarded = Decimal(grade.awarded.numerator) / Decimal(grade.awarded.denominator)
        response.full_marks = grade.full
        awarded += grade.awarded
        possible += version.points
        critical_missed |= version.critical and not grade.full
    attempt.status, attempt.finished_at = status, finished_at
    attempt.awarded = Decimal(awarded.numerator) / Decimal(awarded.denominator)
    attempt.possible = possible
    attempt.percent = percent_half_up(awarded, possible)
    attempt.passed = possible > 0 and awarded * 100 >= attempt.pass_mark * possible and not critical_missed
    attempt.critical_missed = critical_missed
    session.flush()
    if attempt.passed:
        _on_pass(session, attempt, now)
    return True


def _on_pass(session: Session, attempt: QuizAttempt, now: datetime) -> None:
    """Passing is recorded on the attempt; certification decides whether it completes a certificate."""
    from quizapp.services import certification

    certification.issue_if_qualified(session, attempt.user, now, earned_at=attempt.finished_at)


def failed_critical(attempt: QuizAttempt) -> list[Response]:
    """The critical questions not fully right (each alone fails the attempt)."""
    return [r for r in attempt.responses if r.version.critical and r.full_marks is False]


def close_overdue(session: Session, now: datetime) -> int:
    """Grade every open attempt past its deadline (for a scheduler); returns how many."""
    candidates = session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.status == AttemptStatus.OPEN,
            QuizAttempt.deadline.is_not(None),
            QuizAttempt.deadline < now - GRACE,
        )
    ).all()
    return sum(1 for attempt in candidates if finalise_if_overdue(session, attempt, now))
