"""Practice sessions: starting one, answering with immediate feedback, finishing; the recertification offer;
how often trainees practise (for managers).

Practice never touches graded data: its rows live in practice_sessions, practice_answers and review_cards,
which attempts, item statistics, limits and certificates never read.

The rules a session applies live next to this module, one responsibility each: what may be practised and
what is due (services.practice_due), which questions a session holds (services.practice_plan), FSRS
scheduling and keeping cards in step with question edits (services.practice_cards). Starting a session and
answering a question are the writes; they apply those rules and store the result."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from fsrs import Rating, State
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from quizapp.db import affected_rows
from quizapp.models import (
    Certificate,
    Module,
    PracticeAnswer,
    PracticeSession,
    Question,
    QuestionVersion,
    ReviewCard,
    ReviewMode,
    Role,
    User,
)
from quizapp.question_types import FormData, Parsed, get_type
from quizapp.services import Forbidden, NotFound, ServiceError
from quizapp.services import programme as programme_service
from quizapp.services.certification import CertStatus, certificates_of, status
from quizapp.services.practice_cards import as_fsrs, key_changed, rating_for, reset, review, store, sync_cards, utc
from quizapp.services.practice_due import locked_questions
from quizapp.services.practice_plan import plan, plan_recert

MANAGER_MONTHS = 6


class Kind(StrEnum):
    REVIEW = "review"
    RECERT = "recert"


class PracticeUnavailable(ServiceError):
    """Nothing can be practised here now."""


class PracticeClosed(ServiceError):
    """The session has ended; nothing more can be answered in it."""


# --- starting a session --------------------------------------------------------------------------


def _lock_user(session: Session, user: User) -> None:
    """One session start at a time per trainee (PostgreSQL; on SQLite the first write takes the lock)."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))


def start_session(
    session: Session,
    user: User,
    now: datetime,
    *,
    module: Module | None = None,
    kind: Kind = Kind.REVIEW,
    rng: random.Random | None = None,
) -> PracticeSession:
    """End any unfinished session and plan a new one. Only flushes."""
    if user.role != Role.TRAINEE:
        raise Forbidden("Only trainees practise; instructors use the preview pages.")
    if module is not None and module.review != ReviewMode.FULL:
        raise PracticeUnavailable("This module shows scores only, so its questions are not practised with answers.")
    if kind == Kind.RECERT and not in_renewal_window(session, user, now):
        raise PracticeUnavailable("The recertification review opens inside your certificate's renewal window.")
    session.execute(  # the first write: it takes SQLite's write lock
        update(PracticeSession)
        .where(PracticeSession.user_id == user.id, PracticeSession.finished_at.is_(None))
        .values(finished_at=now)
        .execution_options(synchronize_session=False)
    )
    _lock_user(session, user)
    sync_cards(session, user, now)
    if kind == Kind.RECERT:
        chosen = plan_recert(session, user, now)
    else:
        chosen = plan(session, user, now, module_ids=None if module is None else [module.id])
    if not chosen:
        where = f" in “{module.title}”" if module is not None else ""
        raise PracticeUnavailable(f"Nothing to practise{where} right now: no question is due, missed or new.")
    questions = {
        q.id: q
        for q in session.scalars(
            select(Question).where(Question.id.in_([q for q, _ in chosen])).options(selectinload(Question.versions))
        )
    }
    rng = rng or random.SystemRandom()
    practice = PracticeSession(
        user_id=user.id, module_id=module.id if module else None, kind=kind.value, started_at=now
    )
    for position, (question_id, reason) in enumerate(chosen, start=1):
        version = questions[question_id].current
        practice.items.append(
            PracticeAnswer(
                position=position,
                question_id=question_id,
                question_version_id=version.id,
                reason=reason.value,
                shuffle=get_type(version.type).make_shuffle(version.spec, rng),
            )
        )
    session.add(practice)
    session.flush()
    return practice


# --- a session -----------------------------------------------------------------------------------


def get_practice(session: Session, user: User, session_id: int) -> PracticeSession:
    """The trainee's own session with its questions loaded (NotFound for anyone else's)."""
    practice = session.scalar(
        select(PracticeSession)
        .where(PracticeSession.id == session_id)
        .options(
            selectinload(PracticeSession.items).selectinload(PracticeAnswer.version),
            selectinload(PracticeSession.items).selectinload(PracticeAnswer.question),
        )
    )
    if practice is None or practice.user_id != user.id:
        raise NotFound("No such practice session.")
    return practice


def item_at(practice: PracticeSession, position: int) -> PracticeAnswer:
    if not 1 <= position <= len(practice.items):
        raise NotFound("No such question in this session.")
    return practice.items[position - 1]


def next_open(practice: PracticeSession) -> int | None:
    """The first unanswered position, or None when every question is answered."""
    return next((i.position for i in practice.items if not i.answered), None)


def is_locked(session: Session, user: User, item: PracticeAnswer) -> bool:
    """The question is in one of the trainee's open attempts (one query)."""
    locked = locked_questions(user.id).where(QuestionVersion.question_id == item.question_id)
    return session.scalar(select(func.count()).select_from(locked.subquery())) != 0


def answer(
    session: Session, user: User, practice: PracticeSession, position: int, form: FormData, now: datetime
) -> Parsed:
    """Grade one answer with the question type's grade(), store it, and review the trainee's card.
    An unparsable or empty answer stores nothing and comes back with a message; a second submit of an
    answered question changes nothing."""
    if practice.user_id != user.id:
        raise NotFound("No such practice session.")
    item = item_at(practice, position)
    if item.answered:
        return Parsed(item.answer)
    if practice.finished_at is not None:
        raise PracticeClosed("This practice session has ended; start a new one.")
    if is_locked(session, user, item):
        raise PracticeUnavailable("This question is in a quiz you have open: submit the quiz first.")
    version = item.version
    qtype = get_type(version.type)
    parsed = qtype.parse(version.spec, item.shuffle, form)
    if parsed.error is not None:
        return parsed
    if parsed.answer is None:
        return Parsed(None, "Answer the question first; then you see whether it was right.")
    grade = qtype.grade(version.spec, parsed.answer, version.points)
    sure = form.get("sure") == "1"
    rating = rating_for(grade, sure)
    won = session.execute(
        update(PracticeAnswer)
        .where(PracticeAnswer.id == item.id, PracticeAnswer.answered_at.is_(None))
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(won) != 1:  # a simultaneous submit answered it first
        session.refresh(item)
        return Parsed(item.answer)
    card = session.scalar(
        select(ReviewCard)
        .where(ReviewCard.user_id == user.id, ReviewCard.question_id == item.question_id)
        .with_for_update()
    )
    if card is None:
        card = ReviewCard(user_id=user.id, question_id=item.question_id, version_id=version.id, reps=0, lapses=0)
        session.add(card)
        store(card, as_fsrs(None, now))
    elif card.version_id != version.id:
        old = session.get(QuestionVersion, card.version_id)
        if old is None or key_changed(old, version):
            reset(card, version.id, now)
        card.version_id = version.id
    seen_before = card.reps > 0
    was_learnt = card.state == State.Review and seen_before
    store(card, review(card, rating, now))
    card.reps += 1
    if was_learnt and rating == Rating.Again:
        card.lapses += 1
    item.answer, item.answered_at = parsed.answer, now
    item.awarded = Decimal(grade.awarded.numerator) / Decimal(grade.awarded.denominator)
    item.full_marks, item.rating, item.seen_before = grade.full, int(rating), seen_before
    if all(i.answered for i in practice.items):
        practice.finished_at = now
    session.flush()
    return parsed


def finish(session: Session, user: User, practice: PracticeSession, now: datetime) -> None:
    """End the session early; unanswered questions stay as they were (their cards unchanged)."""
    if practice.user_id != user.id:
        raise NotFound("No such practice session.")
    if practice.finished_at is None:
        practice.finished_at = now
        session.flush()


# --- the recertification offer, the open session -------------------------------------------------


def in_renewal_window(
    session: Session,
    user: User,
    now: datetime,
    *,
    settings: programme_service.Programme | None = None,
    certs: list[Certificate] | None = None,
) -> bool:
    """The trainee holds a certificate inside its renewal window (status expiring). Pages that read the
    programme settings and the trainee's certificates already pass them in."""
    window = (settings or programme_service.get(session)).renewal_window_days
    certs = certificates_of(session, user) if certs is None else certs
    return any(status(c, now, window) == CertStatus.EXPIRING for c in certs)


# --- what managers see ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    month: datetime  # the first day of the month, UTC
    sessions: int


def month_start(when: datetime, back: int = 0) -> datetime:
    index = when.year * 12 + when.month - 1 - back
    year, month = divmod(index, 12)
    return datetime(year, month + 1, 1, tzinfo=UTC)


def sessions_per_month(
    session: Session, user_ids: Iterable[int], now: datetime, months: int = MANAGER_MONTHS
) -> dict[int, list[MonthCount]]:
    """Per trainee, the practice sessions with at least one answer in each of the last `months` calendar
    months (newest first): whether practice happens, never what was answered. One query."""
    ids = list(user_ids)
    now = utc(now)
    starts = [month_start(now, back) for back in range(months)]
    result: dict[int, Counter[datetime]] = {i: Counter() for i in ids}
    if ids:
        answered = select(PracticeAnswer.session_id).where(PracticeAnswer.answered_at.is_not(None))
        rows = session.execute(
            select(PracticeSession.user_id, PracticeSession.started_at).where(
                PracticeSession.user_id.in_(ids),
                PracticeSession.started_at >= starts[-1],
                PracticeSession.id.in_(answered),
            )
        ).all()
        for user_id, started_at in rows:
            result[user_id][month_start(started_at)] += 1
    return {i: [MonthCount(s, result[i][s]) for s in starts] for i in ids}
