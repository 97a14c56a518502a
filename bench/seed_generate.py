"""Every row the seed inserts, planned and graded in memory (bench/seed.py's generation; cached by seed.py)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from seed_attempts import VersionPool, graded_attempt, module_draws
from seed_data import ADMIN_EMAIL, ARCHETYPES, LOAD_TRAINEES, PASSWORD, Size, build_people, plan_trainee
from seed_practice import PRACTISING, PracticeRows, practise
from sqlalchemy import select

from quizapp.db import new_session, utcnow
from quizapp.models import Module, Question
from quizapp.services import programme as programme_service
from quizapp.services.certificate_codes import generate_code
from quizapp.services.certification import add_months
from quizapp.services.practice_due import _practisable as practisable_rule
from quizapp.services.users import hash_password

# --- the seed ------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Everything the seed inserts, as rows (generated once, then cached for the next database)."""

    now: datetime
    teams: list[dict[str, Any]]
    users: list[dict[str, Any]]
    memberships: list[dict[str, Any]]
    managed: list[dict[str, Any]]
    attempts: list[dict[str, Any]]
    responses: list[tuple[Any, ...]]
    certs: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    practised: PracticeRows
    archetypes: dict[str, int]


def generate(app: Any, dims: Size, seed_value: int) -> Dataset:
    """Plan every trainee's history and grade it with the real question types, from the imported questions."""
    rng = random.Random(seed_value)
    with new_session(app) as session:
        password_hash = hash_password(session, PASSWORD)  # one real hash (the configured method) for everyone
        programme = programme_service.defaults(session)
    now = utcnow().replace(microsecond=0)
    session = new_session(app)
    modules = list(session.scalars(select(Module).order_by(Module.order, Module.slug)))
    draws: dict[int, list[list[VersionPool]]] = {}
    pool_of_version: dict[int, VersionPool] = {}
    practisable = set(
        session.scalars(select(Question.id).join(Module, Question.module_id == Module.id).where(practisable_rule()))
    )
    for module in modules:
        draws[module.id] = module_draws(session, module, rng, pool_of_version)
    session.close()

    users, teams, memberships, managed = build_people(dims, password_hash, now, rng)
    user_ids = {u["email"]: u["id"] for u in users}
    admin_id = user_ids[ADMIN_EMAIL]
    attempts, responses, certs, evidence = [], [], [], []
    attempt_id, response_id, cert_id = 1, 1, 1
    codes: set[str] = set()
    trainees = [u for u in users if u["role"] == "trainee"]
    names = [a for a, _ in ARCHETYPES]
    weights = [w for _, w in ARCHETYPES]
    archetype_counts: dict[str, int] = defaultdict(int)
    practice_rng = random.Random(seed_value + 1)  # its own stream: the graded data stays as it was
    practised = PracticeRows()
    window = programme.renewal_window_days
    for n, trainee in enumerate(trainees):
        archetype = "valid" if n < LOAD_TRAINEES else rng.choices(names, weights)[0]
        archetype_counts[archetype] += 1
        plan = plan_trainee(rng, archetype, len(modules), now, window)
        pass_ids: dict[tuple[int, int], int] = {}  # (round, module index) -> the pass's attempt id
        misses: list[tuple[datetime, list[VersionPool]]] = []  # per graded attempt: the questions missed
        for m, start, intend_pass, rnd in sorted(plan.attempts, key=lambda a: a[1]):
            module = modules[m]
            row, rows = graded_attempt(rng, attempt_id, response_id, trainee["id"], module, draws, start, intend_pass)
            attempts.append(row)
            responses.extend(rows)
            missed = [pool_of_version[r[3]] for r in rows if not r[5].full]
            misses.append((row["finished_at"], [p for p in missed if p.question_id in practisable]))
            if intend_pass:
                pass_ids[(rnd, m)] = attempt_id
            attempt_id += 1
            response_id += len(rows)
        for cert in plan.certs:
            code = generate_code(rng.getrandbits)
            while code in codes:
                code = generate_code(rng.getrandbits)
            codes.add(code)
            revoked = cert["revoked"]
            certs.append(
                {
                    "id": cert_id,
                    "user_id": trainee["id"],
                    "code": code,
                    "programme": programme.name,
                    "issued_at": cert["completed"],
                    "expires_at": add_months(cert["completed"], programme.validity_months),
                    "revoked_at": revoked,
                    "revoked_reason": "Bench data: protocol breach reported by the clinic" if revoked else None,
                    "revoked_by_id": admin_id if revoked else None,
                    "superseded_at": cert["superseded_at"],
                }
            )
            evidence += [
                {"certificate_id": cert_id, "attempt_id": pass_ids[(cert["round"], m)]} for m in range(len(modules))
            ]
            cert_id += 1
        if any(pools for _, pools in misses) and (n < LOAD_TRAINEES or practice_rng.random() < PRACTISING):
            practise(practice_rng, practised, trainee["id"], sorted(misses, key=lambda m: m[0]), now)
    return Dataset(
        now,
        teams,
        users,
        memberships,
        managed,
        attempts,
        responses,
        certs,
        evidence,
        practised,
        dict(archetype_counts),
    )
