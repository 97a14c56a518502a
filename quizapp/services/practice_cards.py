"""Review cards: FSRS scheduling of a trainee's cards and keeping them in step with question edits.

Kept apart from sessions and the due rule because it is the one place that knows the `fsrs` library: every
other practice module reads a card's due date, never computes one.

Scheduling is the `fsrs` package's Scheduler. Practice happens in daily sittings, not minute drills, so the
scheduler has no intra-day learning steps (every answer schedules the next review at least a day later),
and no fuzz (due dates are reproducible). The rating comes from the grade: wrong → Again, partly right →
Hard, right → Good, right and the trainee ticked "I was sure" → Easy.

A card belongs to a trainee and a question, not a version. When the question gets a new version, the card is
kept if the answer key is unchanged (same type and same options, key, tolerance, items or pairs: a reworded
stem, explanation or source keeps it), and reset to a new card, due at once, if the key changed: what was
learnt may now be wrong (`key_changed`, applied by `sync_cards` before any practice read)."""

from __future__ import annotations

from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import BindParameter, ScalarSelect, Select, func, select
from sqlalchemy.orm import Session

from quizapp.models import QuestionVersion, ReviewCard, User
from quizapp.question_types import Grade

# a trainee's id, or a bound parameter standing for it in a statement built once
UserId = int | BindParameter[int]
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


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


# --- cards after question edits ------------------------------------------------------------------


def _latest_version() -> ScalarSelect[int]:
    """The current version of a card's question (correlated to ReviewCard)."""
    return (
        select(func.max(QuestionVersion.id))
        .where(QuestionVersion.question_id == ReviewCard.question_id)
        .correlate(ReviewCard)
        .scalar_subquery()
    )


def stale_cards(user_id: UserId) -> Select[int]:
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


def card_for(session: Session, user: User, question_id: int) -> ReviewCard | None:
    return session.scalar(
        select(ReviewCard).where(ReviewCard.user_id == user.id, ReviewCard.question_id == question_id)
    )
