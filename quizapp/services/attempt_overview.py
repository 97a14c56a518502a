"""What a trainee's pages show of their attempts: status per module, history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import Module, QuizAttempt, User
from quizapp.services.attempts import Availability, availability, finalise_if_overdue


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    state: str  # not_started | in_progress | passed | failed
    best: QuizAttempt | None
    last: QuizAttempt | None
    open_attempt: QuizAttempt | None
    availability: Availability


def module_statuses(session: Session, user: User, now: datetime) -> list[ModuleStatus]:
    """Every module with the trainee's status in it, from two queries."""
    modules = session.scalars(select(Module).order_by(Module.order, Module.title)).all()
    by_module: dict[int, list[QuizAttempt]] = defaultdict(list)
    for attempt in session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.started_at)
    ):
        by_module[attempt.module_id].append(attempt)
    statuses = []
    for module in modules:
        attempts = by_module[module.id]
        for attempt in attempts:
            if attempt.is_open:
                finalise_if_overdue(session, attempt, now)
        avail = availability(session, user, module, now, attempts)
        finished = [a for a in attempts if not a.is_open]
        passed = [a for a in finished if a.passed]
        best = max(passed, key=lambda a: (a.percent, a.finished_at)) if passed else None
        last = max(finished, key=lambda a: a.finished_at) if finished else None
        if avail.open_attempt is not None:
            state = "in_progress"
        elif best is not None:
            state = "passed"
        elif last is not None:
            state = "failed"
        else:
            state = "not_started"
        statuses.append(ModuleStatus(module, state, best, last, avail.open_attempt, avail))
    return statuses


def history(session: Session, user: User, now: datetime) -> list[QuizAttempt]:
    attempts = list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id)
            .options(selectinload(QuizAttempt.module))
            .order_by(QuizAttempt.started_at.desc())
        )
    )
    for attempt in attempts:
        finalise_if_overdue(session, attempt, now)
    return attempts
