"""Grading attempts: the deadline, the score, once only, and overdue attempts closed on what was saved in time."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from quizapp.db import affected_rows
from quizapp.models import AttemptStatus, QuestionVersion, QuizAttempt, Response
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


# Built once (every submit runs them). Grading reads what it needs of each response and its question version
# as plain rows, and writes the marks back with one executemany: no ORM objects for the attempt's responses.
_CLOSE = (
    update(QuizAttempt)
    .where(QuizAttempt.id == bindparam("attempt_id", type_=Integer), QuizAttempt.status == AttemptStatus.OPEN)
    .values(status=bindparam("new_status"), finished_at=bindparam("new_finished_at"))
)
_TO_GRADE = (
    select(
        Response.id,
        Response.answer,
        QuestionVersion.type,
        QuestionVersion.spec,
        QuestionVersion.points,
        QuestionVersion.critical,
    )
    .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
    .where(Response.attempt_id == bindparam("attempt_id", type_=Integer))
    .order_by(Response.position)
)
_MARK = (
    update(Response)
    .where(Response.id == bindparam("response_id", type_=Integer))
    .values(awarded=bindparam("new_awarded"), full_marks=bindparam("new_full_marks"))
)
_SCORE = (
    update(QuizAttempt)
    .where(QuizAttempt.id == bindparam("attempt_id", type_=Integer))
    .values(
        awarded=bindparam("new_awarded"),
        possible=bindparam("new_possible"),
        percent=bindparam("new_percent"),
        passed=bindparam("new_passed"),
        critical_missed=bindparam("new_critical_missed"),
    )
)


def _grade(session: Session, attempt: QuizAttempt, now: datetime, status: AttemptStatus) -> bool:
    # The conditional UPDATE is the first write: it takes the lock, and only one caller wins it. The answers
    # are read after it, so an autosave either committed before (and counts) or finds the attempt graded.
    deadline = attempt.deadline
    finished_at = min(now, deadline + GRACE) if status == AttemptStatus.EXPIRED and deadline is not None else now
    session.flush()  # the session's own pending changes first, as before a query of its own
    conn = session.connection()
    closing = {"attempt_id": attempt.id, "new_status": status, "new_finished_at": finished_at}
    if affected_rows(conn.execute(_CLOSE, closing)) != 1:
        session.refresh(attempt)
        return False
    awarded, possible, critical_missed = Fraction(0), 0, False
    marks, answers = [], []
    for response_id, answer, qtype, spec, points, critical in conn.execute(_TO_GRADE, {"attempt_id": attempt.id}):
        grade = get_type(qtype).grade(spec, answer, points)
        marks.append(
            {
                "response_id": response_id,
                "new_awarded": Decimal(grade.awarded.numerator) / Decimal(grade.awarded.denominator),
                "new_full_marks": grade.full,
            }
        )
        answers.append(answer)
        awarded += grade.awarded
        possible += points
        critical_missed |= critical and not grade.full
    if marks:
        conn.execute(_MARK, marks)
    score = {
        "awarded": Decimal(awarded.numerator) / Decimal(awarded.denominator),
        "possible": possible,
        "percent": percent_half_up(awarded, possible),
        "passed": possible > 0 and awarded * 100 >= attempt.pass_mark * possible and not critical_missed,
        "critical_missed": critical_missed,
    }
    conn.execute(_SCORE, {"attempt_id": attempt.id, **{f"new_{key}": value for key, value in score.items()}})
    _as_written(session, attempt, {"status": status, "finished_at": finished_at, **score}, marks, answers)
    if attempt.passed:
        _on_pass(session, attempt, now)
    return True


def _as_written(
    session: Session, attempt: QuizAttempt, values: dict[str, Any], marks: list[dict[str, Any]], answers: list[Any]
) -> None:
    """The attempt, and those of its responses the session holds (the result page loads them all first), as
    now stored: the caller and the page read the grade from them, and the ORM has nothing to write again."""
    for key, value in values.items():
        set_committed_value(attempt, key, value)
    for mark, answer in zip(marks, answers, strict=True):
        response = session.identity_map.get(Session.identity_key(Response, mark["response_id"]))
        if response is not None:
            set_committed_value(response, "answer", answer)
            set_committed_value(response, "awarded", mark["new_awarded"])
            set_committed_value(response, "full_marks", mark["new_full_marks"])


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
