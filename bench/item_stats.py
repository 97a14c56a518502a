"""Time item analysis over 100,000 responses (the goal: item statistics in under a second).

Usage: .venv/bin/python bench/item_stats.py [--responses N] [--database-url URL]
Imports the shipped banks into a fresh database (a temporary SQLite file unless --database-url names another,
whose tables are dropped and recreated), bulk-inserts graded attempts of depth-selection with random answers
graded by the real question types, then prints the seconds item_statistics and module_statistics take.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text

from quizapp import create_app, migrate
from quizapp.bank_loader import load_banks
from quizapp.db import Base, get_engine, new_session, utcnow
from quizapp.models import AttemptStatus, Module, Question, QuizAttempt, Response, Role, User
from quizapp.question_types import get_type
from quizapp.services.attempts import percent_half_up
from quizapp.services.banks import import_bank
from quizapp.services.item_analysis import item_statistics, module_statistics

ROOT = Path(__file__).resolve().parent.parent
PER_ATTEMPT = 10


def random_answer(version, rng: random.Random):
    """A plausible answer: right about 60 % of the time, otherwise something else of the right shape."""
    spec, right = version.spec, rng.random() < 0.6
    if version.type == "single":
        keys = [i for i, o in enumerate(spec["options"]) if o["correct"]]
        return keys[0] if right else rng.randrange(len(spec["options"]))
    if version.type == "multiple":
        size = len(spec["options"])
        if right:
            return [i for i, o in enumerate(spec["options"]) if o["correct"]]
        return sorted(rng.sample(range(size), rng.randint(1, size)))
    if version.type == "true_false":
        return spec["answer"] if right else rng.random() < 0.5
    if version.type == "numeric":
        return spec["answer"] if right else "9"
    if version.type == "ordering":
        order = list(range(len(spec["items"])))
        if not right:
            rng.shuffle(order)
        return order
    if version.type == "matching":
        choices = len(set(p["right"] for p in spec["pairs"])) + len(spec["distractors"])
        return [rng.randrange(choices) for _ in spec["pairs"]]
    raise ValueError(version.type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/item_stats.sqlite"
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
        if args.database_url:
            with get_engine(app).begin() as conn:
                Base.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        migrate.upgrade(app)
        session = new_session(app)
        import_bank(session, load_banks([ROOT / "question_banks"]))
        session.commit()
        module = session.scalars(select(Module).where(Module.slug == "depth-selection")).one()
        versions = [q.current for q in session.scalars(select(Question).where(Question.module_id == module.id))]
        versions = [v for v in versions if v.question.usable]
        rng = random.Random(7)
        attempts_n = args.responses // PER_ATTEMPT
        trainees = max(attempts_n // 2, 1)  # two attempts each: the first-attempts switch has work to do
        setup = time.perf_counter()
        session.execute(
            insert(User),
            [
                {"email": f"t{n}@bench.example", "name": f"T {n}", "password_hash": "x", "role": Role.TRAINEE}
                for n in range(trainees)
            ],
        )
        user_ids = list(session.scalars(select(User.id).order_by(User.id)))
        start = utcnow() - timedelta(days=30)
        attempt_rows, response_rows = [], []
        for n in range(attempts_n):
            drawn = rng.sample(versions, PER_ATTEMPT)
            awarded, possible, rows = Fraction(0), 0, []
            for position, version in enumerate(drawn, start=1):
                answer = random_answer(version, rng)
                grade = get_type(version.type).grade(version.spec, answer, version.points)
                awarded += grade.awarded
                possible += version.points
                rows.append(
                    {
                        "attempt_id": n + 1,
                        "position": position,
                        "question_version_id": version.id,
                        "shuffle": {},
                        "answer": answer,
                        "awarded": Decimal(grade.awarded.numerator) / Decimal(grade.awarded.denominator),
                        "full_marks": grade.full,
                    }
                )
            response_rows += rows
            attempt_rows.append(
                {
                    "id": n + 1,
                    "user_id": user_ids[n % trainees],
                    "module_id": module.id,
                    "status": AttemptStatus.SUBMITTED,
                    "started_at": start + timedelta(seconds=n),
                    "finished_at": start + timedelta(seconds=n + 600),
                    "pass_mark": module.pass_mark,
                    "time_limit_minutes": 0,
                    "review": module.review,
                    "question_count": PER_ATTEMPT,
                    "awarded": Decimal(awarded.numerator) / Decimal(awarded.denominator),
                    "possible": possible,
                    "percent": percent_half_up(awarded, possible),
                    "passed": awarded * 100 >= module.pass_mark * possible,
                }
            )
        session.execute(insert(QuizAttempt), attempt_rows)
        session.execute(insert(Response), response_rows)
        session.commit()
        if get_engine(app).dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
        took = time.perf_counter() - setup
        print(f"inserted {len(response_rows)} responses in {len(attempt_rows)} attempts ({took:.1f} s)")
        dialect = get_engine(app).dialect.name
        for first in (True, False):
            for label, call in (("item_statistics", item_statistics), ("module_statistics", module_statistics)):
                session.expire_all()
                began, cpu = time.perf_counter(), time.process_time()
                result = call(session, module.id, first_attempts_only=first)
                seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
                size = f"{len(result)} question versions" if isinstance(result, list) else f"{result.attempts} attempts"
                # SQLite runs in this process, so its CPU time is the query's; PostgreSQL works in the server.
                where = f"{cpu:.3f} s CPU in this process" if dialect == "sqlite" else "the server's time included"
                print(f"{label}(first_attempts_only={first}): {seconds:.3f} s ({where}; {size}) on {dialect}")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (load stretches the seconds)")
        session.close()
        get_engine(app).dispose()


if __name__ == "__main__":
    main()
