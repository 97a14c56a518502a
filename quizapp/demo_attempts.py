"""Demo attempts for `seed-demo`: a cohort of simulated learners takes every quiz through the attempt service,
so item analysis and its review queue show something on `make run`. FOR LOCAL DEMOS ONLY.

Each learner has an ability; each question a difficulty (from its id, so runs repeat). A learner answers right
with the logistic probability of ability minus difficulty, and picks wrong options with uneven weights (so some
distractors are rarely or never picked). Two questions per module are deliberately bad: one that strong
learners miss more often than weak ones (negative discrimination), and one nearly everyone gets right."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import Role, Team, User
from quizapp.question_types import choices, key_answer
from quizapp.services import ServiceError
from quizapp.services import users as users_service
from quizapp.services.answers import store_answer
from quizapp.services.attempts import start_attempt
from quizapp.services.grading import submit_attempt
from quizapp.services.modules import ordered_modules

COHORT_TEAM = "Demo cohort"
LEARNERS = 24
PASSWORD = "trainee-demo-pass"


def seed_demo_attempts(session: Session, now: datetime, seed: int = 11) -> int:
    """Create the cohort and its graded attempts unless they exist (idempotent); the number of attempts made.
    Without modules there is nothing to take, and no cohort is made."""
    modules = ordered_modules(session)
    if not modules or session.scalar(select(Team).where(Team.name == COHORT_TEAM)) is not None:
        return 0
    team = users_service.create_team(session, COHORT_TEAM)
    rng = random.Random(seed)
    learners = []
    for n in range(1, LEARNERS + 1):
        user = users_service.create_user(
            session,
            email=f"learner{n:02d}@example.com",
            name=f"Learner {n:02d}",
            role=Role.TRAINEE,
            password=PASSWORD,
            teams=[team],
        )
        learners.append((user, rng.gauss(0, 1)))
    made = 0
    for module in modules:
        keys = sorted(q.key for q in module.questions if q.usable)
        bad = {keys[1]: "inverse", keys[4]: "easy"} if len(keys) > 4 else {}
        for user, ability in learners:
            tries = 2 if rng.random() < 0.4 else 1
            for k in range(tries):
                started = now - timedelta(days=40 - 10 * k, minutes=rng.randrange(600))
                made += _take(session, user, module, started, ability + 0.4 * k, bad, rng)
    return made


def _take(
    session: Session,
    user: User,
    module: Any,
    started: datetime,
    ability: float,
    bad: dict[str, str],
    rng: random.Random,
) -> int:
    try:
        attempt = start_attempt(session, user, module, started, rng)
    except ServiceError:
        return 0
    for response in attempt.responses:
        version = response.version
        pattern = bad.get(version.question.key)
        if pattern == "inverse":
            right = _sigmoid(-1.7 * ability) > rng.random()
        elif pattern == "easy":
            right = rng.random() < 0.98
        else:
            right = _sigmoid(1.7 * (ability - _difficulty(version.question.key))) > rng.random()
        answer = key_answer(version.type, version.spec) if right else _wrong(version.type, version.spec, rng)
        if rng.random() < 0.03:
            continue  # left unanswered now and then
        store_answer(session, attempt, response, answer, started + timedelta(minutes=1))
    submit_attempt(session, attempt, started + timedelta(minutes=rng.randrange(3, 9)))
    return 1


def _difficulty(key: str) -> float:
    digest = hashlib.sha256(key.encode()).digest()
    return (digest[0] / 255) * 2.4 - 1.4  # from easy (-1.4) to hard (+1.0)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _wrong(type_key: str, spec: dict[str, Any], rng: random.Random) -> Any:
    """A plausible wrong answer: the first distractor most often, the last hardly ever."""
    if type_key in ("single", "multiple"):
        wrong = [i for i, o in enumerate(spec["options"]) if not o["correct"]]
        weights = [0.7 ** (n * 2) for n in range(len(wrong))]
        pick = rng.choices(wrong, weights=weights)[0]
        if type_key == "single":
            return pick
        right = [i for i, o in enumerate(spec["options"]) if o["correct"]]
        return sorted({*right[:-1], pick})
    if type_key == "true_false":
        return not spec["answer"]
    if type_key == "numeric":
        return str(float(spec["answer"]) + 10 * float(spec["tolerance"]) + 1)
    if type_key == "ordering":
        order = list(range(len(spec["items"])))
        i = rng.randrange(len(order) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
        return order
    if type_key == "matching":
        offered = choices(spec)
        answer: list[int | None] = [offered.index(p["right"]) for p in spec["pairs"]]
        answer[rng.randrange(len(answer))] = len(offered) - 1 if len(offered) > 1 else None
        return answer
    raise ValueError(type_key)
