"""Planning a practice session: which questions it holds, in which order, and why.

Kept apart from sessions because planning only reads (the scope and the due rule of services.practice_due,
the cards' predicted recall, the progress rule) and decides; starting and answering a session write.

What a session holds, in this order (`plan`): the trainee's cards that are due; then questions missed in
graded attempts that have no card yet (most missed first; whichever version was missed, the question is
shown at its current version, and a retired or draft question is not shown); then new questions: practice-only items
(`assessed: false`, shown with a note that sources disagree) and the usable questions of modules not yet
passed (the progress rule). A recertification review (`Kind.RECERT`, offered inside the renewal window)
takes the weakest items of the required modules instead (`plan_recert`): missed questions first, then cards
by their predicted recall, lowest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quizapp.models import Module, Question, Response, ReviewCard, User
from quizapp.services.modules import ordered_modules
from quizapp.services.practice_cards import recall
from quizapp.services.practice_due import carded_questions, in_scope, misses_by_question
from quizapp.services.progress import ModuleState, Progress, progress_of

SESSION_SIZE = 10


class Reason(StrEnum):
    """Why a question is in a session."""

    DUE = "due"
    MISSED = "missed"
    PRACTICE_ONLY = "practice_only"
    NEW = "new"
    WEAK = "weak"


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
    scope = in_scope(user.id, module_ids)
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
            misses_by_question(user.id)
            .where(scope)
            .order_by(func.count(Response.id).desc(), Module.order, Question.position)
        ).all()
        chosen += [(row[0], Reason.MISSED) for row in missed[: size - len(chosen)]]
    if len(chosen) < size:
        unpassed = not_passed(session, user, now)
        fresh = session.execute(
            select(Question.id, Question.assessed)
            .join(Module, Question.module_id == Module.id)
            .where(
                scope,
                Question.id.not_in(carded_questions(user.id)),
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
    scope = in_scope(user.id, required)
    missed = session.execute(
        misses_by_question(user.id)
        .where(scope)
        .order_by(func.count(Response.id).desc(), Module.order, Question.position)
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
                Question.id.not_in(carded_questions(user.id)),
                Question.id.not_in([q for q, _ in chosen] or [-1]),
            )
            .order_by(Module.order, Question.position)
            .limit(size - len(chosen))
        ).all()
        chosen += [(q, Reason.NEW) for q in fresh]
    return chosen


def new_counts(session: Session, user: User, unpassed: list[int]) -> dict[int, int]:
    """Per module: questions never practised and not missed that a session would offer as new."""
    misses = misses_by_question(user.id).subquery()
    rows = session.execute(
        select(Question.module_id, func.count(Question.id))
        .join(Module, Question.module_id == Module.id)
        .where(
            in_scope(user.id, None),
            Question.id.not_in(carded_questions(user.id)),
            Question.id.not_in(select(misses.c.id)),
            (Question.assessed.is_(False)) | Question.module_id.in_(unpassed or [-1]),
        )
        .group_by(Question.module_id)
    ).all()
    return {m: n for m, n in rows}
