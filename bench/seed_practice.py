"""Practice sittings and their FSRS review cards, as services.practice makes them (bench/seed.py's generation)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from fsrs import Card, Rating, State
from seed_attempts import VersionPool
from seed_data import DAY

from quizapp.question_types.base import Grade
from quizapp.services.practice import Kind
from quizapp.services.practice_cards import SCHEDULER, as_fsrs, rating_for, utc
from quizapp.services.practice_plan import SESSION_SIZE, Reason

# --- practice ------------------------------------------------------------------------------------

PRACTISING = 0.4  # the share of trainees with a missed question who practise (the load trainees all do)
SITTINGS = (1, 8)  # practice sittings per practising trainee
SITTING_GAP_DAYS = (1, 21)
P_RIGHT = {State.Review: 0.8}  # a learnt card is mostly recalled; a new or relearning one about half the time
P_RIGHT_OTHER = 0.55
P_SURE = 0.3  # right answers ticked "I was sure" (rated Easy)


@dataclass
class PracticeRows:
    sessions: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CardState:
    pool: VersionPool
    card: Card
    created: datetime
    reps: int = 0
    lapses: int = 0


def practise(
    rng: random.Random,
    rows: PracticeRows,
    user_id: int,
    misses: list[tuple[datetime, list[VersionPool]]],
    now: datetime,
) -> None:
    """A trainee's practice sittings from shortly after their first graded attempt, as services.practice runs
    them: each sitting takes the due cards (earliest first), then the questions missed in attempts graded
    before it that have no card yet (most missed first), up to SESSION_SIZE. Each answer is one of the seed's
    really graded options, rated by practice.rating_for and scheduled by practice's FSRS scheduler; a card's
    reps and lapses count as practice.answer counts them. The card is at the question's current version (the
    seed has one version per question)."""
    cards: dict[int, CardState] = {}
    when = misses[0][0] + DAY * rng.uniform(0.2, 3)
    for _ in range(rng.randint(*SITTINGS)):
        if when >= now - timedelta(hours=1):
            break
        due = sorted((c for c in cards.values() if c.card.due <= when), key=lambda c: c.card.due)
        chosen = [(c.pool, Reason.DUE) for c in due[:SESSION_SIZE]]
        missed = Counter(
            p for finished, pools in misses if finished < when for p in pools if p.question_id not in cards
        )
        chosen += [(p, Reason.MISSED) for p, _ in missed.most_common(SESSION_SIZE - len(chosen))]
        if chosen:
            session_id = len(rows.sessions) + 1
            at = when
            for position, (pool, reason) in enumerate(chosen, start=1):
                at = when + timedelta(seconds=45 * position)
                state = cards.get(pool.question_id)
                learnt = state is not None and state.card.state == State.Review
                right = rng.random() < (P_RIGHT.get(state.card.state, P_RIGHT_OTHER) if state else P_RIGHT_OTHER)
                option = pool.right if right or not pool.wrong else rng.choice(pool.wrong)
                sure = option.full and rng.random() < P_SURE
                rating = rating_for(Grade(option.awarded, Fraction(pool.points), option.full), sure)
                if state is None:
                    state = cards[pool.question_id] = CardState(pool, as_fsrs(None, at), at)
                seen_before = state.reps > 0
                state.card, _log = SCHEDULER.review_card(state.card, rating, utc(at))
                state.reps += 1
                state.lapses += learnt and seen_before and rating == Rating.Again
                rows.answers.append(
                    {
                        "id": len(rows.answers) + 1,
                        "session_id": session_id,
                        "position": position,
                        "question_id": pool.question_id,
                        "question_version_id": pool.id,
                        "reason": reason.value,
                        "shuffle": rng.choice(pool.shuffles),
                        "answer": option.answer,
                        "answered_at": at,
                        "awarded": option.awarded_decimal,
                        "full_marks": option.full,
                        "rating": int(rating),
                        "seen_before": seen_before,
                    }
                )
            rows.sessions.append(
                {
                    "id": session_id,
                    "user_id": user_id,
                    "module_id": None,
                    "kind": Kind.REVIEW.value,
                    "started_at": when,
                    "finished_at": at,
                }
            )
        when += DAY * rng.randint(*SITTING_GAP_DAYS)
    for state in cards.values():
        card = state.card
        rows.cards.append(
            {
                "id": len(rows.cards) + 1,
                "user_id": user_id,
                "question_id": state.pool.question_id,
                "version_id": state.pool.id,
                "state": int(card.state),
                "step": card.step,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": card.due,
                "last_review": card.last_review,
                "reps": state.reps,
                "lapses": state.lapses,
                "created_at": state.created,
            }
        )
