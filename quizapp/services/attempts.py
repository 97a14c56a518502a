"""Quiz attempts: draw, limits, start. Saving answers is in services.answers, grading in services.grading,
what the quiz pages load in services.attempt_pages."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.bank_loader.draw import Candidate, as_candidate, choose, shortfall
from quizapp.models import AttemptStatus, Module, Question, QuizAttempt, Response, Role, User
from quizapp.question_types import get_type
from quizapp.services import Forbidden, ServiceError
from quizapp.services.facts import Taken
from quizapp.services.grading import finalise_if_overdue
from quizapp.services.grading import percent_half_up as percent_half_up  # bench/ imports it from here

DAY = timedelta(hours=24)


class QuizUnavailable(ServiceError):
    """The module cannot be started now (limit, cooldown, or too few usable questions)."""


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


def availability_now(session: Session, user: User, module: Module, now: datetime) -> Availability:
    """Availability after grading an open attempt whose time ran out, from one read of the attempts."""
    attempts = attempts_of(session, user, module)
    for attempt in attempts:
        if attempt.is_open:
            finalise_if_overdue(session, attempt, now)
    return availability(session, user, module, now, attempts)


# --- starting -------------------------------------------------------------------------------------


def start_attempt(
    session: Session, user: User, module: Module, now: datetime, rng: random.Random | None = None
) -> QuizAttempt:
    """Resume the open attempt, or draw a new one. Only flushes."""
    if user.role != Role.TRAINEE:
        raise Forbidden("Only trainees take quizzes; instructors use the preview pages.")
    avail = availability_now(session, user, module, now)
    if avail.open_attempt is not None:
        assert isinstance(avail.open_attempt, QuizAttempt)  # availability_now reads ORM attempts
        return avail.open_attempt
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


def finalise_overdue_of(session: Session, user: User, module: Module, now: datetime) -> QuizAttempt | None:
    """Grade the trainee's open attempt at this module if its time ran out; return it if so."""
    for attempt in attempts_of(session, user, module):
        if attempt.is_open and finalise_if_overdue(session, attempt, now):
            return attempt
    return None
