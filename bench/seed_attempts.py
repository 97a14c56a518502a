"""Answers and attempts graded by the real question types (bench/seed.py's generation), and open_attempts():
fully answered attempts left open just before Submit, for the submit scenario (bench/run.py) and the profile
(bench/profile_pages.py)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from seed_bulk import bulk_insert, insert_responses, next_id, reset_sequences
from seed_data import DAY, trainee_email
from sqlalchemy import select

from quizapp.db import get_engine, new_session, utcnow
from quizapp.models import Module, QuestionVersion, QuizAttempt, Response, User
from quizapp.question_types import get_type
from quizapp.question_types.numeric import canonical
from quizapp.services.attempts import draw_questions, percent_half_up, usable_questions
from tests.quiz_helpers import key_answer, wrong_answer

# --- answers -------------------------------------------------------------------------------------


SCALE = 720_720  # lcm(1..16): every partial credit in whole units, summed as integers (Fractions are slow)


@dataclass(frozen=True)
class Option:
    answer: Any
    awarded: Fraction
    full: bool

    @property
    def scaled(self) -> int:
        units = self.awarded * SCALE
        if units.denominator != 1:
            raise AssertionError(f"a partial credit of {self.awarded} is not a whole number of 1/{SCALE}")
        return int(units)

    @property
    def answer_json(self) -> str | None:
        return None if self.answer is None else json.dumps(self.answer)

    @property
    def awarded_decimal(self) -> Decimal:
        return Decimal(self.awarded.numerator) / Decimal(self.awarded.denominator)


def answer_options(version: QuestionVersion) -> tuple[Option, list[Option]]:
    """The right answer and a few wrong or partial ones, canonical as the type stores them, each graded
    once by the real grade(). The right and the plain wrong answer come from the test suite's helpers."""
    vtype, spec = version.type, version.spec
    right, wrong = key_answer(version), [wrong_answer(version)]
    if vtype == "multiple":
        others = [i for i in range(len(spec["options"])) if i not in right]
        wrong += [right[:-1], sorted(right + others[:1])]
    elif vtype == "numeric":
        value, tol = Decimal(spec["answer"]), Decimal(spec["tolerance"])
        wrong += [canonical(value + tol + 1)]
    elif vtype == "ordering":
        wrong += [[1, 0, *range(2, len(spec["items"]))]]
    elif vtype == "matching":
        wrong += [right[1:] + right[:1], [right[0]] + [None] * (len(right) - 1)]
    qtype = get_type(vtype)
    graded = [(a, qtype.grade(spec, a, version.points)) for a in [right, *[w for w in wrong if w != right], None]]
    if not graded[0][1].full:
        raise AssertionError(f"the right answer {right!r} does not get full marks ({vtype})")
    options = [Option(a, g.awarded, g.full) for a, g in graded]
    return options[0], [o for o in options[1:] if not o.full]


@dataclass(eq=False)
class VersionPool:
    id: int
    question_id: int
    critical: bool
    points: int
    right: Option
    wrong: list[Option]
    shuffles: list[Any]
    shuffles_json: list[str]
    scaled: dict[int, int] = field(default_factory=dict)  # id(option) -> its awarded points in 1/SCALE

    def __post_init__(self) -> None:
        self.scaled = {id(o): o.scaled for o in [self.right, *self.wrong]}


def module_draws(
    session: Any, module: Module, rng: random.Random, pool_of_version: dict[int, VersionPool]
) -> list[list[VersionPool]]:
    """Real draws (tag minimums honoured) of the module's questions, 200 of them, reused across attempts; each
    question's answers graded once (`pool_of_version` gets its pool)."""
    questions = usable_questions(session, module)
    pools = {}
    for q in questions:
        v = q.current
        right, wrong = answer_options(v)
        shuffles = [get_type(v.type).make_shuffle(v.spec, rng) for _ in range(4)]
        pools[q.id] = VersionPool(
            v.id, q.id, v.critical, v.points, right, wrong, shuffles, [json.dumps(x) for x in shuffles]
        )
        pool_of_version[v.id] = pools[q.id]
    return [[pools[q.id] for q in draw_questions(module, questions, rng)] for _ in range(200)]


def graded_attempt(
    rng: random.Random,
    attempt_id: int,
    response_id: int,
    user_id: int,
    module: Module,
    draws: dict[int, list[list[VersionPool]]],
    start: datetime,
    intend_pass: bool,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One submitted attempt whose answers give the intended outcome under the real grading rule."""
    drawn = rng.choice(draws[module.id])
    p_right = 0.95 if intend_pass else 0.55
    minutes = module.time_limit_minutes or 30
    finished = start + timedelta(minutes=rng.uniform(2, minutes - 0.5))
    possible = sum(pool.points for pool in drawn)
    for _ in range(50):
        picks = []
        units = 0  # the points awarded, in 1/SCALE
        for pool in drawn:
            right = (pool.critical and intend_pass) or rng.random() < p_right
            option = pool.right if right else rng.choice(pool.wrong)
            picks.append(option)
            units += pool.scaled[id(option)]
        critical_missed = any(pool.critical and not o.full for pool, o in zip(drawn, picks, strict=True))
        # the grading rule (services.attempts._grade) with the points counted in whole units
        passed = possible > 0 and units * 100 >= module.pass_mark * possible * SCALE and not critical_missed
        if passed == intend_pass:
            break
        if not intend_pass:
            p_right = max(0.0, p_right - 0.1)
    else:
        raise AssertionError("could not reach the intended outcome")
    awarded = Fraction(units, SCALE)
    attempt = {
        "id": attempt_id,
        "user_id": user_id,
        "module_id": module.id,
        "status": "submitted",
        "started_at": start,
        "deadline": start + timedelta(minutes=module.time_limit_minutes) if module.time_limit_minutes else None,
        "finished_at": finished,
        "pass_mark": module.pass_mark,
        "time_limit_minutes": module.time_limit_minutes,
        "review": module.review.value,
        "question_count": len(drawn),
        "awarded": Decimal(awarded.numerator) / Decimal(awarded.denominator),
        "possible": possible,
        "percent": percent_half_up(awarded, possible),
        "passed": passed,
        "critical_missed": critical_missed,
    }
    step = (finished - start) / (len(drawn) + 1)
    rows = [
        (
            response_id + position - 1,
            attempt_id,
            position,
            pool.id,
            rng.choice(pool.shuffles_json),
            option,
            start + step * position if option.answer is not None else None,
        )
        for position, (pool, option) in enumerate(zip(drawn, picks, strict=True), start=1)
    ]
    return attempt, rows


# --- open attempts, ready to submit (the submit scenario and profile) ------------------------------


@dataclass
class OpenAttempts:
    """Open, answered attempts made by open_attempts(): user id -> attempt id, and what they hold."""

    attempts: dict[int, int]
    meant_to_pass: int  # answered well enough to pass
    completing: int  # trainees given passes of the other required modules: their pass completes the set
    skipped: int  # trainees who already had an open attempt at the module


def open_attempts(
    app: Any,
    numbers: list[int],
    slug: str,
    *,
    seed_value: int = 16,
    pass_share: float = 0.6,
    completing: float = 0.5,
    limit: int | None = None,
) -> OpenAttempts:
    """For each seeded trainee number, one open attempt at the module with every question answered, in bulk
    (the same draws and really graded answers as the seed, a mix that passes and fails), as a trainee leaves
    it just before Submit. A share of the trainees (`completing`) first gets a recent pass of every other
    required module, so that their pass completes a certificate as a last module does; the others keep their
    seeded history (certified, expired, in progress…). The attempt started half its time limit ago. At most
    `limit` attempts are made."""
    from quizapp.models import AttemptStatus, Role
    from quizapp.services.modules import ordered_modules

    rng = random.Random(seed_value)
    now = utcnow()
    pool_of_version: dict[int, VersionPool] = {}
    with new_session(app) as session:
        module = session.scalar(select(Module).where(Module.slug == slug))
        if module is None:
            raise SystemExit(f"no module {slug!r} in the database")
        others = [m for m in ordered_modules(session, required_only=True) if m.id != module.id]
        draws = {m.id: module_draws(session, m, rng, pool_of_version) for m in [module, *others]}
        ids = {
            email: uid for email, uid in session.execute(select(User.email, User.id).where(User.role == Role.TRAINEE))
        }
        busy = set(
            session.scalars(
                select(QuizAttempt.user_id).where(
                    QuizAttempt.module_id == module.id, QuizAttempt.status == AttemptStatus.OPEN
                )
            )
        )
    engine = get_engine(app)
    made = OpenAttempts({}, 0, 0, 0)
    start = now - timedelta(minutes=(module.time_limit_minutes or 30) / 2)
    attempts: list[dict[str, Any]] = []
    graded_rows: list[tuple[Any, ...]] = []
    open_rows: list[tuple[Any, ...]] = []
    with engine.connect() as conn:
        attempt_id, response_id = next_id(conn, QuizAttempt), next_id(conn, Response)

        def add(user_id: int, m: Module, when: datetime, intend_pass: bool) -> tuple[dict[str, Any], list[Any]]:
            nonlocal attempt_id, response_id
            row, rows = graded_attempt(rng, attempt_id, response_id, user_id, m, draws, when, intend_pass)
            row["last_position"] = row["question_count"]
            attempts.append(row)
            attempt_id += 1
            response_id += len(rows)
            return row, rows

        for n in numbers:
            if limit is not None and len(made.attempts) >= limit:
                break
            user_id = ids[trainee_email(n)]
            if user_id in busy:
                made.skipped += 1
                continue
            if rng.random() < completing:
                made.completing += 1
                for m in others:
                    graded_rows += add(user_id, m, now - DAY * rng.uniform(1, 20), True)[1]
            intend_pass = rng.random() < pass_share
            made.meant_to_pass += intend_pass
            row, rows = add(user_id, module, start, intend_pass)
            row.update(status=AttemptStatus.OPEN.value, finished_at=None, awarded=None, possible=None, percent=None)
            row.update(passed=None, critical_missed=None)
            open_rows += [(*r[:6], None if r[6] is None else min(r[6], now)) for r in rows]
            made.attempts[user_id] = row["id"]
        bulk_insert(conn, QuizAttempt, attempts)
        insert_responses(conn, graded_rows)
        insert_responses(conn, open_rows, graded=False)
        reset_sequences(conn, QuizAttempt, Response)
        conn.commit()
    return made
