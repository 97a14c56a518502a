"""What a trainee's own pages show of their attempts: the home page (a card per module, the certificate
banner, the practice panel), history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import QuizAttempt, User
from quizapp.services import programme as programme_service
from quizapp.services.attempts import Availability, availability
from quizapp.services.certificate_pages import Banner, banner
from quizapp.services.grading import finalise_if_overdue
from quizapp.services.practice_pages import HomePanel, home_panel
from quizapp.services.progress import ModuleProgress, Progress, trainee_progress


@dataclass(frozen=True)
class ModuleCard:
    """One module on the trainee's home page: its state and whether an attempt can start now."""

    progress: ModuleProgress
    availability: Availability


@dataclass(frozen=True)
class HomePage:
    """The trainee's home page: progress toward the certificate, a card per module, the banner, practice."""

    progress: Progress
    cards: list[ModuleCard]
    banner: Banner | None
    practice: HomePanel


def home_page(session: Session, user: User, now: datetime) -> HomePage:
    """Everything on the home page in four queries (the modules come from the per-process copy); the
    programme settings and the trainee's certificates are read once, for the progress, the banner and the
    practice panel."""
    settings, stamp = programme_service.current(session)
    progress, certs = trainee_progress(session, user, now, settings=settings, stamp=stamp)
    cards = [
        ModuleCard(item, availability(session, user, item.module, now, list(item.attempts)))
        for item in progress.modules
    ]
    return HomePage(
        progress,
        cards,
        banner(session, user, now, settings=settings, certs=certs),
        home_panel(session, user, now, settings=settings, certs=certs),
    )


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
    return attempts, {a.id for a in attempts if a.critical_missed}
