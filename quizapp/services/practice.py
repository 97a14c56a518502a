"""Practice and spaced review: what to practise, sessions with immediate feedback, and FSRS scheduling.

Practice never touches graded data: its rows live in practice_sessions, practice_answers and review_cards,
which attempts, item statistics, limits and certificates never read.

What a session holds, in this order (`plan`): the trainee's cards that are due; then questions missed in
graded attempts that have no card yet (most missed first; whichever version was missed, the question is
shown at its current version, and a retired or draft question is not shown); then new questions: practice-only items
(`assessed: false`, shown with a note that sources disagree) and the usable questions of modules not yet
passed (the progress rule). A recertification review (`Kind.RECERT`, offered inside the renewal window)
takes the weakest items of the required modules instead: missed questions first, then cards by their
predicted recall, lowest first.

Scheduling is the `fsrs` package's Scheduler. Practice happens in daily sittings, not minute drills, so the
scheduler has no intra-day learning steps (every answer schedules the next review at least a day later),
and no fuzz (due dates are reproducible). The rating comes from the grade: wrong → Again, partly right →
Hard, right → Good, right and the trainee ticked "I was sure" → Easy.

A card belongs to a trainee and a question, not a version. When the question gets a new version, the card is
kept if the answer key is unchanged (same type and same options, key, tolerance, items or pairs: a reworded
stem, explanation or source keeps it), and reset to a new card, due at once, if the key changed: what was
learnt may now be wrong (`key_changed`, applied by `sync_cards` before any practice read).

The same leak rules as graded attempts: modules whose review is score-only are never practised (their keys
are not shown after a quiz either), and a question drawn into one of the trainee's open attempts is left
out of practice until that attempt is graded."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    Subquery,
    and_,
    bindparam,
    exists,
    false,
    func,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session, selectinload

from quizapp.db import UTCDateTime, affected_rows
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
    ReviewCard,
    ReviewMode,
    ReviewStatus,
    Role,
    User,
)
from quizapp.question_types import FormData, Grade, Parsed, get_type
from quizapp.services import Forbidden, NotFound, ServiceError
from quizapp.services import programme as programme_service
from quizapp.services.certification import CertStatus, certificates_of, status
from quizapp.services.modules import ordered_modules
from quizapp.services.progress import ModuleState, Progress, progress_of

SESSION_SIZE = 10
MANAGER_MONTHS = 6
# a trainee's id, or a bound parameter standing for it in a statement built once
UserId = int | BindParameter[int]
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


class Kind(StrEnum):
    REVIEW = "review"
    RECERT = "recert"


class Reason(StrEnum):
    """Why a question is in a session."""

    DUE = "due"
    MISSED = "missed"
    PRACTICE_ONLY = "practice_only"
    NEW = "new"
    WEAK = "weak"


class PracticeUnavailable(ServiceError):
    """Nothing can be practised here now."""


class PracticeClosed(ServiceError):
    """The session has ended; nothing more can be answered in it."""


# --- scheduling (pure) ---------------------------------------------------------------------------


def utc(now: datetime) -> datetime:
    """The same moment with the tzinfo fsrs insists on."""
    return now.astimezone(UTC)


def rating_for(grade: Grade, sure: bool = False) -> Rating:
    """The FSRS rating an answer earns: wrong → Again, partly right → Hard, right → Good (Easy if sure)."""
    if grade.full:
        return Rating.Easy if sure else Rating.Good
    return Rating.Hard if grade.awarded > 0 else Rating.Again


def as_fsrs(card: ReviewCard | None, now: datetime) -> Card:
    """The library's card for a stored one (a new card, due now, when there is none)."""
    if card is None:
        return Card(card_id=0, due=utc(now))
    return Card(
        card_id=card.id or 0,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=utc(card.due),
        last_review=utc(card.last_review) if card.last_review else None,
    )


def review(card: ReviewCard | None, rating: Rating, now: datetime) -> Card:
    """The card after one review at `now` (the library's computation, nothing added)."""
    reviewed, _log = SCHEDULER.review_card(as_fsrs(card, now), rating, utc(now))
    return reviewed


def store(card: ReviewCard, reviewed: Card) -> None:
    card.state = int(reviewed.state)
    card.step = reviewed.step
    card.stability = reviewed.stability
    card.difficulty = reviewed.difficulty
    card.due = reviewed.due
    card.last_review = reviewed.last_review


def recall(card: ReviewCard, now: datetime) -> float:
    """The predicted chance of recalling the card now (0 for a card never reviewed)."""
    return float(SCHEDULER.get_card_retrievability(as_fsrs(card, now), utc(now)))


def key_changed(old: QuestionVersion, new: QuestionVersion) -> bool:
    """The edit rule: a new version resets the card only when what counts as right changed."""
    return old.type != new.type or old.spec != new.spec


def reset(card: ReviewCard, version_id: int, now: datetime) -> None:
    """A new card for a changed question: due at once, nothing learnt."""
    fresh = as_fsrs(None, now)
    store(card, fresh)
    card.version_id, card.reps, card.lapses = version_id, 0, 0


# --- what may be practised -----------------------------------------------------------------------


def _practisable() -> ColumnElement[bool]:
    """Live questions (approved, not retired) of modules whose keys may be shown (full review)."""
    return and_(
        Question.retired_at.is_(None),
        Question.review_status == ReviewStatus.APPROVED,
        Module.review == ReviewMode.FULL,
    )


def _locked(user_id: UserId) -> Select[int]:
    """Questions in the trainee's open attempts: never shown with their answer until graded."""
    return (
        select(QuestionVersion.question_id)
        .join(Response, Response.question_version_id == QuestionVersion.id)
        .join(QuizAttempt, Response.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status == AttemptStatus.OPEN)
    )


def _carded(user_id: UserId) -> Select[int]:
    return select(ReviewCard.question_id).where(ReviewCard.user_id == user_id)


def _in_scope(user_id: UserId, module_ids: Sequence[int] | None) -> ColumnElement[bool]:
    scope = and_(_practisable(), Question.id.not_in(_locked(user_id)))
    if module_ids is not None:
        scope = and_(scope, Question.module_id.in_(list(module_ids)))
    return scope


def _missed(user_id: UserId) -> Select[int]:
    """The question id of each response missed in the trainee's graded attempts, for questions with no card
    yet: the rule for a missed question (one row per miss)."""
    return (
        select(QuestionVersion.question_id)
        .select_from(Response)
        .join(QuizAttempt, Response.attempt_id == QuizAttempt.id)
        .join(QuestionVersion, Response.question_version_id == QuestionVersion.id)
        .where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.status != AttemptStatus.OPEN,
            Response.full_marks.is_(False),
            QuestionVersion.question_id.not_in(_carded(user_id)),
        )
    )


def _misses(user_id: UserId) -> Select[int, int, int, int]:
    """(question id, misses, module order, position) of questions missed in graded attempts, no card yet."""
    return (
        _missed(user_id)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Module, Question.module_id == Module.id)
        .with_only_columns(Question.id, func.count(Response.id).label("misses"), Module.order, Question.position)
        .group_by(Question.id, Module.order, Question.position)
    )


def _latest_version() -> ScalarSelect[int]:
    """The current version of a card's question (correlated to ReviewCard)."""
    return (
        select(func.max(QuestionVersion.id))
        .where(QuestionVersion.question_id == ReviewCard.question_id)
        .correlate(ReviewCard)
        .scalar_subquery()
    )


def _stale_cards(user_id: UserId) -> Select[int]:
    """The trainee's cards whose question has a newer version than the card last saw."""
    return select(ReviewCard.id).where(ReviewCard.user_id == user_id, ReviewCard.version_id != _latest_version())


def sync_cards(session: Session, user: User, now: datetime) -> int:
    """Apply the edit rule to the trainee's cards whose question has a newer version (one query when
    none has); returns how many were reset."""
    stale = session.execute(
        select(ReviewCard, QuestionVersion.id)
        .where(ReviewCard.user_id == user.id, ReviewCard.version_id != _latest_version())
        # the current version's id, to compare below
        .join(QuestionVersion, QuestionVersion.id == _latest_version())
    ).all()
    if not stale:
        return 0
    versions = {
        v.id: v
        for v in session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.id.in_([c.version_id for c, _ in stale] + [v for _, v in stale])
            )
        )
    }
    resets = 0
    for card, current_id in stale:
        if key_changed(versions[card.version_id], versions[current_id]):
            reset(card, current_id, now)
            resets += 1
        card.version_id = current_id
    session.flush()
    return resets


def _open_session(user_id: UserId) -> Select[PracticeSession]:
    """The trainee's unfinished session (the latest, should there be several)."""
    return (
        select(PracticeSession)
        .where(PracticeSession.user_id == user_id, PracticeSession.finished_at.is_(None))
        .order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc())
        .limit(1)
    )


# --- due counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueCounts:
    """Questions due for review per module id: due cards plus missed questions not practised yet."""

    cards: dict[int, int]
    missed: dict[int, int]

    def of(self, module_id: int) -> int:
        return self.cards.get(module_id, 0) + self.missed.get(module_id, 0)

    @property
    def total(self) -> int:
        return sum(self.cards.values()) + sum(self.missed.values())


def _due(user_id: UserId, now: datetime | BindParameter[datetime]) -> Subquery:
    """(module id, card) of each question due for practice: the trainee's cards due for review (card true),
    then the questions missed in graded attempts that have no card yet (card false), both in scope. The rule
    for what is due, read by due_counts and the home panel alike.

    The two kinds never overlap (a question has a card or it has not), so they are one UNION ALL joined to
    the questions once: a statement PostgreSQL plans once per connection (it keeps a generic plan), where
    two scope joins made it plan every request."""
    cards = select(ReviewCard.question_id, true().label("card")).where(
        ReviewCard.user_id == user_id, ReviewCard.due <= now
    )
    missed = _missed(user_id).add_columns(false().label("card")).distinct()
    due = union_all(cards, missed).subquery()
    return (
        select(Question.module_id, due.c.card)
        .select_from(due)
        .join(Question, Question.id == due.c.question_id)
        .join(Module, Question.module_id == Module.id)
        .where(_in_scope(user_id, None))
        .subquery()
    )


def due_counts(session: Session, user: User, now: datetime) -> DueCounts:
    """One grouped query, whatever the number of cards and attempts."""
    due = _due(user.id, now)
    counts: dict[bool, dict[int, int]] = {True: {}, False: {}}
    for module_id, card, n in session.execute(
        select(due.c.module_id, due.c.card, func.count()).group_by(due.c.module_id, due.c.card)
    ):
        counts[bool(card)][module_id] = n
    return DueCounts(cards=counts[True], missed=counts[False])


@dataclass(frozen=True)
class Panel:
    """What the home page shows of practice: how many questions are due, the unfinished session."""

    due: int
    open_session_id: int | None


def _panel_statement() -> Select[int, int | None, bool]:
    """Built once: how many questions are due, the open session and whether a card is stale, for one
    trainee."""
    user_id = bindparam("user_id", type_=Integer)
    now = bindparam("now", type_=UTCDateTime)
    return select(
        select(func.count()).select_from(_due(user_id, now)).scalar_subquery(),
        _open_session(user_id).with_only_columns(PracticeSession.id).scalar_subquery(),
        exists(_stale_cards(user_id)),
    )


_PANEL = _panel_statement()


def panel(session: Session, user: User, now: datetime) -> Panel:
    """The home page's practice counts in one query, without loading a row (cards whose question changed are
    brought up to date first, as every practice read does: sync_cards)."""
    due, open_id, stale = session.execute(_PANEL, {"user_id": user.id, "now": now}).one()
    if stale and sync_cards(session, user, now):
        due, open_id, _stale = session.execute(_PANEL, {"user_id": user.id, "now": now}).one()
    return Panel(due, open_id)


# --- planning a session --------------------------------------------------------------------------


def not_passed(session: Session, user: User, now: datetime) -> list[int]:
    """Ids of the modules the progress rule does not count as passed."""
    return not_passed_in(progress_of(session, user, now))


def not_passed_in(progress: Progress) -> list[int]:
    """Ids of the modules not passed, from progress a page already read."""
    return [m.module.id for m in progress.modules if m.state != ModuleState.PASSED]


def plan(
    session: Session, user: User, now: datetime, *, module_ids: Sequence[int] | None, size: int = SESSION_SIZE
) -> list[tuple[int, Reason]]:
    """Question ids for a review session, in order: due cards, then missed, then new."""
    scope = _in_scope(user.id, module_ids)
    chosen: list[tuple[int, Reason]] = []
    due = session.scalars(
        select(ReviewCard.question_id)
        .join(Question, ReviewCard.question_id == Question.id)
        .join(Module, Question.module_id == Module.id)
        .where(ReviewCard.user_id == user.id, ReviewCard.due <= now, scope)
        .order_by(ReviewCard.due, Module.order, Question.position)
        .limit(size)
    ).all()
    chosen += [(q, Reason.DUE) for q in due]
    if len(chosen) < size:
        missed = session.execute(
            _misses(user.id).where(scope).order_by(func.count(Response.id).desc(), Module.order, Question.position)
        ).all()
        chosen += [(row[0], Reason.MISSED) for row in missed[: size - len(chosen)]]
    if len(chosen) < size:
        unpassed = not_passed(session, user, now)
        fresh = session.execute(
            select(Question.id, Question.assessed)
            .join(Module, Question.module_id == Module.id)
            .where(
                scope,
                Question.id.not_in(_carded(user.id)),
                Question.id.not_in([q for q, _ in chosen] or [-1]),
                (Question.assessed.is_(False)) | Question.module_id.in_(unpassed or [-1]),
            )
            # practice-only items first: they are shown nowhere else
            .order_by(Question.assessed, Module.order, Question.position)
            .limit(size - len(chosen))
        ).all()
        chosen += [(q, Reason.NEW if assessed else Reason.PRACTICE_ONLY) for q, assessed in fresh]
    return chosen


def plan_recert(session: Session, user: User, now: datetime, *, size: int = SESSION_SIZE) -> list[tuple[int, Reason]]:
    """The weakest items of the required modules: missed ones not yet practised, then cards by predicted
    recall (lowest first), then new items of those modules."""
    required = [m.id for m in ordered_modules(session, required_only=True)]
    scope = _in_scope(user.id, required)
    missed = session.execute(
        _misses(user.id).where(scope).order_by(func.count(Response.id).desc(), Module.order, Question.position)
    ).all()
    chosen = [(row[0], Reason.WEAK) for row in missed[:size]]
    if len(chosen) < size:
        cards = session.scalars(
            select(ReviewCard)
            .join(Question, ReviewCard.question_id == Question.id)
            .join(Module, Question.module_id == Module.id)
            .where(ReviewCard.user_id == user.id, scope, Question.assessed.is_(True))
        ).all()
        weakest = sorted(cards, key=lambda c: (recall(c, now), -c.lapses, c.due))
        chosen += [(c.question_id, Reason.WEAK) for c in weakest[: size - len(chosen)]]
    if len(chosen) < size:
        fresh = session.scalars(
            select(Question.id)
            .join(Module, Question.module_id == Module.id)
            .where(
                scope,
                Question.usable,
                Question.id.not_in(_carded(user.id)),
                Question.id.not_in([q for q, _ in chosen] or [-1]),
            )
            .order_by(Module.order, Question.position)
            .limit(size - len(chosen))
        ).all()
        chosen += [(q, Reason.NEW) for q in fresh]
    return chosen


def new_counts(session: Session, user: User, unpassed: list[int]) -> dict[int, int]:
    """Per module: questions never practised and not missed that a session would offer as new."""
    misses = _misses(user.id).subquery()
    rows = session.execute(
        select(Question.module_id, func.count(Question.id))
        .join(Module, Question.module_id == Module.id)
        .where(
            _in_scope(user.id, None),
            Question.id.not_in(_carded(user.id)),
            Question.id.not_in(select(misses.c.id)),
            (Question.assessed.is_(False)) | Question.module_id.in_(unpassed or [-1]),
        )
        .group_by(Question.module_id)
    ).all()
    return {m: n for m, n in rows}


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
    locked = _locked(user.id).where(QuestionVersion.question_id == item.question_id)
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


def card_for(session: Session, user: User, question_id: int) -> ReviewCard | None:
    return session.scalar(
        select(ReviewCard).where(ReviewCard.user_id == user.id, ReviewCard.question_id == question_id)
    )


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


def open_session_of(session: Session, user: User) -> PracticeSession | None:
    return session.scalar(_open_session(user.id))


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
