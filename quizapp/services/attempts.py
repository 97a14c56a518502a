"""Quiz attempts: draw, resume, save, deadline, grade, limits. Rules only; views stay thin."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from quizapp.bank_loader.draw import Candidate, as_candidate, choose, shortfall
from quizapp.db import affected_rows
from quizapp.models import AttemptStatus, Module, Question, QuizAttempt, Response, Role, User
from quizapp.question_types import FormData, Parsed, get_type
from quizapp.services import Forbidden, NotFound, ServiceError
from quizapp.services.facts import Taken

GRACE = timedelta(seconds=30)  # answers arriving this long after the deadline still count
DAY = timedelta(hours=24)


class QuizUnavailable(ServiceError):
    """The module cannot be started now (limit, cooldown, or too few usable questions)."""


class AttemptClosed(ServiceError):
    """The attempt is already graded; nothing more can be saved."""


class TooLate(AttemptClosed):
    """The answer arrived after the deadline and its grace period."""


@dataclass(frozen=True)
class Availability:
    """Whether a trainee can start the module now, and why not."""

    can_start: bool
    attempts_left: int
    next_at: datetime | None = None
    reason: str | None = None
    open_attempt: Taken | None = None


# --- drawing -------------------------------------------------------------------------------------


def usable_questions(session: Session, module: Module) -> list[Question]:
    """Approved, assessed, not retired questions, with their versions loaded."""
    return list(
        session.scalars(
            select(Question)
            .where(Question.module_id == module.id, Question.usable)
            .options(selectinload(Question.versions))
            .order_by(Question.position, Question.key)
        )
    )


def usable_tags(session: Session, module: Module) -> list[Candidate]:
    """The tags and group of each usable question: enough to check a draw without loading the questions."""
    query = select(Question.tags, Question.group).where(Question.module_id == module.id, Question.usable)
    rows = session.execute(query)
    return [Candidate(tuple(tags or []), group) for tags, group in rows]


def draw_problem(module: Module, candidates: Sequence[Candidate | Sequence[str]]) -> str | None:
    """Why no attempt can be drawn from usable questions with these tags and groups (or bare tag lists), or None."""
    problem = shortfall(module.questions_per_attempt, module.draw or [], [as_candidate(c) for c in candidates])
    if problem is None:
        return None
    after = "An instructor must add or approve questions."
    if problem.kind == "units":
        return (
            f"This quiz needs {problem.needed} usable questions, each from a different group, but the bank's usable "
            f"questions fall into {problem.available} groups (questions that share a group count once). {after}"
        )
    if problem.kind == "tag":
        return (
            f"This quiz needs at least {problem.needed} questions tagged “{problem.tag}”, each from a different "
            f"group, but the bank's usable questions with that tag fall into {problem.available} groups "
            f"(questions that share a group count once). {after}"
        )
    if problem.kind == "rules":
        return "The module's draw rules ask for more questions than an attempt holds."
    return f"The module's draw rules cannot all be met at once: too many tagged questions share groups. {after}"


def draw_questions(module: Module, questions: list[Question], rng: random.Random) -> list[Question]:
    """A random draw honouring the module's minimums per tag, at most one question per group, in random order."""
    candidates = [Candidate(tuple(q.tags), q.group) for q in questions]
    chosen = choose(module.questions_per_attempt, module.draw or [], candidates, rng)
    if chosen is None:
        raise QuizUnavailable(draw_problem(module, candidates) or "No attempt can be drawn.")
    return [questions[index] for index in chosen]


# --- limits --------------------------------------------------------------------------------------


def attempts_of(session: Session, user: User, module: Module) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
            .order_by(QuizAttempt.started_at)
        )
    )


def availability(
    session: Session, user: User, module: Module, now: datetime, attempts: Sequence[Taken] | None = None
) -> Availability:
    """Attempts left in the rolling 24 hours, cooldown after a fail, the open attempt if any (of the
    attempts given; read when not given)."""
    return availability_of(module, now, attempts_of(session, user, module) if attempts is None else attempts)


def availability_of(module: Module, now: datetime, attempts: Sequence[Taken]) -> Availability:
    """availability() from the trainee's attempts at the module: ORM objects or facts.AttemptFacts (pure)."""
    open_attempt = next((a for a in attempts if a.is_open), None)
    recent = [a for a in attempts if a.started_at > now - DAY]
    left = max(0, module.attempts_per_day - len(recent))
    if open_attempt is not None:
        return Availability(True, left, open_attempt=open_attempt)
    if left == 0:
        next_at = min(a.started_at for a in recent) + DAY
        return Availability(
            False, 0, next_at, f"You have used all {module.attempts_per_day} attempts for the last 24 hours."
        )
    finished = [(a.finished_at, a) for a in attempts if a.finished_at is not None]
    if finished and module.cooldown_minutes:
        last_at, last = max(finished, key=lambda pair: pair[0])
        until = last_at + timedelta(minutes=module.cooldown_minutes)
        if not last.passed and until > now:
            return Availability(
                False, left, until, "After a failed attempt, take time to review the lesson before trying again."
            )
    return Availability(True, left)


# --- starting and finding ------------------------------------------------------------------------


def start_attempt(
    session: Session, user: User, module: Module, now: datetime, rng: random.Random | None = None
) -> QuizAttempt:
    """Resume the open attempt, or draw a new one. Only flushes."""
    if user.role != Role.TRAINEE:
        raise Forbidden("Only trainees take quizzes; instructors use the preview pages.")
    mine = attempts_of(session, user, module)
    for attempt in mine:
        if attempt.is_open:
            finalise_if_overdue(session, attempt, now)
    open_attempt = next((a for a in mine if a.is_open), None)
    if open_attempt is not None:
        return open_attempt
    avail = availability(session, user, module, now, mine)
    if not avail.can_start:
        raise QuizUnavailable(avail.reason or "This quiz cannot be started now.")
    rng = rng or random.SystemRandom()
    drawn = draw_questions(module, usable_questions(session, module), rng)
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        status=AttemptStatus.OPEN,
        started_at=now,
        deadline=now + timedelta(minutes=module.time_limit_minutes) if module.time_limit_minutes else None,
        pass_mark=module.pass_mark,
        time_limit_minutes=module.time_limit_minutes,
        review=module.review,
        question_count=len(drawn),
    )
    for position, question in enumerate(drawn, start=1):
        version = question.current
        attempt.responses.append(
            Response(
                position=position,
                question_version_id=version.id,
                shuffle=get_type(version.type).make_shuffle(version.spec, rng),
            )
        )
    session.add(attempt)
    session.flush()  # IntegrityError if a simultaneous request opened one; the view resumes that
    return attempt


def get_attempt(session: Session, user: User, attempt_id: int, now: datetime) -> QuizAttempt:
    """The user's own attempt with its questions loaded; overdue ones are graded first."""
    attempt = session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id)
        .options(
            selectinload(QuizAttempt.responses).selectinload(Response.version),
            selectinload(QuizAttempt.module),
        )
    )
    if attempt is None or attempt.user_id != user.id:
        raise NotFound("No such attempt.")
    finalise_if_overdue(session, attempt, now)
    return attempt


def response_at(attempt: QuizAttempt, position: int) -> Response:
    if not 1 <= position <= len(attempt.responses):
        raise NotFound("No such question in this attempt.")
    return attempt.responses[position - 1]


def is_overdue(attempt: Taken, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


def seconds_left(attempt: QuizAttempt, now: datetime) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - now).total_seconds()))


# --- saving --------------------------------------------------------------------------------------


DRAFT_FIELDS = 40  # at most this many answer fields are kept of a draft
DRAFT_CHARS = 200  # and this many characters of each


def draft_of(form: FormData, name: str = "answer") -> dict[str, str]:
    """The answer fields as typed, bounded, to show back until they can be saved."""
    keys = [k for k in getattr(form, "keys", lambda: [])() if k == name or k.startswith(f"{name}-")]
    return {k: str(form.get(k) or "")[:DRAFT_CHARS] for k in sorted(keys)[:DRAFT_FIELDS]}


def save_answer(
    session: Session,
    attempt: QuizAttempt,
    position: int,
    form: FormData,
    now: datetime,
    *,
    seq: int | None = None,
    flagged: bool | None = None,
) -> Parsed:
    """Parse and store one answer. Input that does not parse stores nothing as the answer: what was saved
    before stays (or the question stays unanswered), the input is kept as a draft marked "not saved", and
    the trainee gets the message. `seq` is the client's sequence number: an older one than the last applied
    changes nothing (raises StaleAnswer). `flagged` sets the flag for review either way."""
    if not attempt.is_open:
        raise AttemptClosed("This attempt has already been submitted.")
    response = response_at(attempt, position)
    version = response.version
    parsed = get_type(version.type).parse(version.spec, response.shuffle, form)
    values: dict[str, Any]
    if parsed.error is not None:
        values = {"draft": draft_of(form)}
    else:
        values = {"answer": parsed.answer, "answered_at": now if parsed.answer is not None else None, "draft": None}
    if flagged is not None:
        values["flagged"] = flagged
    _write_response(session, attempt, response, values, now, seq)
    return parsed


class StaleAnswer(ServiceError):
    """An autosave older than one already applied: the newer answer stays."""


def set_flag(session: Session, attempt: QuizAttempt, position: int, flagged: bool, now: datetime) -> None:
    """Flag a question for review (or clear the flag) without touching its answer."""
    if not attempt.is_open:
        raise AttemptClosed("This attempt has already been submitted.")
    _write_response(session, attempt, response_at(attempt, position), {"flagged": flagged}, now, None)


def visit(session: Session, attempt: QuizAttempt, position: int) -> None:
    """Remember the question the trainee is on, for Resume."""
    if attempt.is_open and attempt.last_position != position:
        attempt.last_position = position
        session.flush()


def resume_position(attempt: QuizAttempt) -> int:
    """Where Resume leads: the first question not answered (or not saved), else the last one visited."""
    for response in attempt.responses:
        if not response.answered or response.unsaved:
            return response.position
    last = attempt.last_position or 1
    return last if 1 <= last <= len(attempt.responses) else 1


def finalise_overdue_of(session: Session, user: User, module: Module, now: datetime) -> QuizAttempt | None:
    """Grade the trainee's open attempt at this module if its time ran out; return it if so."""
    for attempt in attempts_of(session, user, module):
        if attempt.is_open and finalise_if_overdue(session, attempt, now):
            return attempt
    return None


def store_answer(session: Session, attempt: QuizAttempt, response: Response, answer: Any, now: datetime) -> None:
    """Write one canonical answer if the attempt is still open and in time."""
    values = {"answer": answer, "answered_at": now if answer is not None else None, "draft": None}
    _write_response(session, attempt, response, values, now, None)


def _write_response(
    session: Session, attempt: QuizAttempt, response: Response, values: dict[str, Any], now: datetime, seq: int | None
) -> None:
    if is_overdue(attempt, now):
        finalise_if_overdue(session, attempt, now)
        raise TooLate("Time is up: this answer arrived after the deadline and was not saved.")
    # Lock the attempt row (PostgreSQL) so a concurrent submit grades before or after this save,
    # never in the middle; the conditional UPDATE refuses writes to a graded attempt, and (with a
    # sequence number) writes older than the last one applied.
    session.execute(select(QuizAttempt.id).where(QuizAttempt.id == attempt.id).with_for_update())
    conditions = [
        Response.id == response.id,
        Response.attempt_id.in_(
            select(QuizAttempt.id).where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.OPEN)
        ),
    ]
    if seq is not None:
        conditions.append(or_(Response.autosave_seq.is_(None), Response.autosave_seq < seq))
        values = {**values, "autosave_seq": seq}
    result = session.execute(
        update(Response).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        session.refresh(attempt)
        if not attempt.is_open:
            raise AttemptClosed("This attempt has already been submitted.")
        raise StaleAnswer("A newer answer to this question was already saved; this older one was ignored.")
    for key, value in values.items():
        setattr(response, key, value)
    session.flush()


# --- grading -------------------------------------------------------------------------------------


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
