"""What a trainee's own pages show of their attempts: each module's card on home, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import QuizAttempt, User
from quizapp.services.attempts import Availability, availability, finalise_if_overdue
from quizapp.services.progress import ModuleProgress, Progress, critical_misses, progress_of


@dataclass(frozen=True)
class ModuleCard:
    """One module on the trainee's home page: its state and whether an attempt can start now."""

    progress: ModuleProgress
    availability: Availability


def home_cards(session: Session, user: User, now: datetime) -> tuple[Progress, list[ModuleCard]]:
    """The trainee's progress and a card per module, in a fixed number of queries."""
    progress = progress_of(session, user, now)
    cards = [
        ModuleCard(item, availability(session, user, item.module, now, list(item.attempts)))
        for item in progress.modules
    ]
    return progress, cards


def history(session: Session, user: User, now: datetime) -> tuple[list[QuizAttempt], set[int]]:
    """The trainee's attempts, newest first, and the ids of those that missed a safety-critical question."""
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
    failed = [a.id for a in attempts if a.passed is False]
    return attempts, critical_misses(session, failed)
