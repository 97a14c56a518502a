"""What may be practised and what is due: the practice scope, the due rule and the home page's panel.

Kept apart from planning and sessions because these rules are read on every trainee page (the home panel,
the practice index, the progress page) as well as when a session is planned: one statement each, built here
once, so every reader counts the same questions.

The same leak rules as graded attempts: modules whose review is score-only are never practised (their keys
are not shown after a quiz either), and a question drawn into one of the trainee's open attempts is left
out of practice until that attempt is graded (`in_scope`).

Due for practice (`_due`): the trainee's cards due for review, and questions missed in graded attempts that
have no card yet (whichever version was missed; a retired or draft question is out of scope)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
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
)
from sqlalchemy.orm import Session

from quizapp.db import UTCDateTime
from quizapp.models import (
    AttemptStatus,
    Module,
    PracticeSession,
    Question,
    QuestionVersion,
    QuizAttempt,
    Response,
    ReviewCard,
    ReviewMode,
    ReviewStatus,
    User,
)
from quizapp.services.practice_cards import UserId, stale_cards, sync_cards

# --- what may be practised -----------------------------------------------------------------------


def _practisable() -> ColumnElement[bool]:
    """Live questions (approved, not retired) of modules whose keys may be shown (full review)."""
    return and_(
        Question.retired_at.is_(None),
        Question.review_status == ReviewStatus.APPROVED,
        Module.review == ReviewMode.FULL,
    )


def locked_questions(user_id: UserId) -> Select[int]:
    """Questions in the trainee's open attempts: never shown with their answer until graded."""
    return (
        select(QuestionVersion.question_id)
        .join(Response, Response.question_version_id == QuestionVersion.id)
        .join(QuizAttempt, Response.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status == AttemptStatus.OPEN)
    )


def carded_questions(user_id: UserId) -> Select[int]:
    return select(ReviewCard.question_id).where(ReviewCard.user_id == user_id)


def in_scope(user_id: UserId, module_ids: Sequence[int] | None) -> ColumnElement[bool]:
    scope = and_(_practisable(), Question.id.not_in(locked_questions(user_id)))
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
            QuestionVersion.question_id.not_in(carded_questions(user_id)),
        )
    )


def misses_by_question(user_id: UserId) -> Select[int, int, int, int]:
    """(question id, misses, module order, position) of questions missed in graded attempts, no card yet."""
    return (
        _missed(user_id)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Module, Question.module_id == Module.id)
        .with_only_columns(Question.id, func.count(Response.id).label("misses"), Module.order, Question.position)
        .group_by(Question.id, Module.order, Question.position)
    )


def _open_session(user_id: UserId) -> Select[PracticeSession]:
    """The trainee's unfinished session (the latest, should there be several)."""
    return (
        select(PracticeSession)
        .where(PracticeSession.user_id == user_id, PracticeSession.finished_at.is_(None))
        .order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc())
        .limit(1)
    )


def open_session_of(session: Session, user: User) -> PracticeSession | None:
    return session.scalar(_open_session(user.id))


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
        .where(in_scope(user_id, None))
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
        exists(stale_cards(user_id)),
    )


_PANEL = _panel_statement()


def panel(session: Session, user: User, now: datetime) -> Panel:
    """The home page's practice counts in one query, without loading a row (cards whose question changed are
    brought up to date first, as every practice read does: sync_cards)."""
    due, open_id, stale = session.execute(_PANEL, {"user_id": user.id, "now": now}).one()
    if stale and sync_cards(session, user, now):
        due, open_id, _stale = session.execute(_PANEL, {"user_id": user.id, "now": now}).one()
    return Panel(due, open_id)
