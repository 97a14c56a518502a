"""What practice pages show: the home panel (questions due, the recertification offer) and the trainee's
practice progress (due and new per module, retention by week, the questions missed most often), each in a
fixed number of queries. The rules live in services.practice_due, practice_plan, practice_cards and practice."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quizapp.models import (
    AttemptStatus,
    Certificate,
    Module,
    PracticeAnswer,
    PracticeSession,
    Question,
    QuestionVersion,
    QuizAttempt,
    Response,
    ReviewMode,
    User,
)
from quizapp.services import practice, practice_cards, practice_due, practice_plan
from quizapp.services import programme as programme_service
from quizapp.services.programme import Programme
from quizapp.services.progress import trainee_progress

MOST_MISSED = 5
RETENTION_WEEKS = 8


@dataclass(frozen=True)
class HomePanel:
    due: int
    open_session_id: int | None
    recert: bool


def home_panel(
    session: Session, user: User, now: datetime, *, settings: Programme, certs: list[Certificate]
) -> HomePanel:
    """What the home page shows of practice, in one query; the home page passes in the programme settings
    and the trainee's certificates it read."""
    counts = practice_due.panel(session, user, now)
    return HomePanel(
        due=counts.due,
        open_session_id=counts.open_session_id,
        recert=practice.in_renewal_window(session, user, now, settings=settings, certs=certs),
    )


# --- the progress page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    due: int
    new: int
    practisable: bool  # the module's keys may be shown (full review)


@dataclass(frozen=True)
class RetentionWeek:
    start: datetime
    reviews: int  # answers to questions practised before
    right: int
    answers: int  # every practice answer that week

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.reviews) if self.reviews else 0


@dataclass(frozen=True)
class Missed:
    question_id: int
    module_title: str
    stem: str
    misses: int


@dataclass(frozen=True)
class Overview:
    modules: list[ModuleRow]
    due: int
    weeks: list[RetentionWeek]
    most_missed: list[Missed]
    open_session: PracticeSession | None
    recert: bool


def week_start(when: datetime) -> datetime:
    day = when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def retention(session: Session, user: User, now: datetime, weeks: int = RETENTION_WEEKS) -> list[RetentionWeek]:
    """Per week (Monday, UTC) of the last `weeks`: practice answers, and of those to questions
    practised before, how many were right. One query."""
    first = week_start(now) - timedelta(weeks=weeks - 1)
    rows = session.execute(
        select(PracticeAnswer.answered_at, PracticeAnswer.full_marks, PracticeAnswer.seen_before)
        .join(PracticeSession, PracticeAnswer.session_id == PracticeSession.id)
        .where(PracticeSession.user_id == user.id, PracticeAnswer.answered_at >= first)
    ).all()
    tally: dict[datetime, Counter[str]] = defaultdict(Counter)
    for answered_at, full, seen in rows:
        if answered_at is None:
            continue
        counter = tally[week_start(answered_at)]
        counter["answers"] += 1
        if seen:
            counter["reviews"] += 1
            counter["right"] += 1 if full else 0
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    return [RetentionWeek(s, tally[s]["reviews"], tally[s]["right"], tally[s]["answers"]) for s in starts]


def most_missed(session: Session, user: User, limit: int = MOST_MISSED) -> list[Missed]:
    """The trainee's questions missed most often, in graded attempts and practice together (three queries)."""
    counts: Counter[int] = Counter()
    graded = session.execute(
        select(QuestionVersion.question_id, func.count(Response.id))
        .join(Response, Response.question_version_id == QuestionVersion.id)
        .join(QuizAttempt, Response.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.status != AttemptStatus.OPEN, Response.full_marks.is_(False))
        .group_by(QuestionVersion.question_id)
    ).all()
    practised = session.execute(
        select(PracticeAnswer.question_id, func.count(PracticeAnswer.id))
        .join(PracticeSession, PracticeAnswer.session_id == PracticeSession.id)
        .where(PracticeSession.user_id == user.id, PracticeAnswer.full_marks.is_(False))
        .group_by(PracticeAnswer.question_id)
    ).all()
    for question_id, n in [*graded, *practised]:
        counts[question_id] += n
    top = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    if not top:
        return []
    latest = (
        select(QuestionVersion.question_id, func.max(QuestionVersion.id).label("vid"))
        .where(QuestionVersion.question_id.in_([q for q, _ in top]))
        .group_by(QuestionVersion.question_id)
        .subquery()
    )
    rows = session.execute(
        select(latest.c.question_id, Module.title, QuestionVersion.stem)
        .join(QuestionVersion, QuestionVersion.id == latest.c.vid)
        .join(Question, Question.id == latest.c.question_id)
        .join(Module, Question.module_id == Module.id)
    ).all()
    found = {q: (title, stem) for q, title, stem in rows}
    return [Missed(q, found[q][0], found[q][1], n) for q, n in top if q in found]


def overview(session: Session, user: User, now: datetime) -> Overview:
    """Everything the trainee's practice page shows, in a fixed number of queries."""
    practice_cards.sync_cards(session, user, now)
    settings, stamp = programme_service.current(session)
    progress, certs = trainee_progress(session, user, now, settings=settings, stamp=stamp)
    due = practice_due.due_counts(session, user, now)
    new = practice_plan.new_counts(session, user, practice_plan.not_passed_in(progress))
    modules = [
        ModuleRow(m, due.of(m.id), new.get(m.id, 0), m.review == ReviewMode.FULL)
        for m in (item.module for item in progress.modules)
    ]
    return Overview(
        modules=modules,
        due=due.total,
        weeks=retention(session, user, now),
        most_missed=most_missed(session, user),
        open_session=practice_due.open_session_of(session, user),
        recert=practice.in_renewal_window(session, user, now, settings=settings, certs=certs),
    )
