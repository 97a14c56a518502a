"""The seeded accounts, the data's sizes and each trainee's planned history (bench/seed.py's generation).

The accounts and sizes are what the load generator (bench/run.py, bench/profile_pages.py) logs in with; the
plans choose when each trainee attempted which module so that their certificate's state is the archetype's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from quizapp.services.certification import add_months

PASSWORD = "bench-pass-2026"  # every seeded account; for the load generator only
ADMIN_EMAIL = "bench-admin@example.com"
MANAGER_EMAIL = "bench-manager@example.com"  # manages the first MANAGER_TEAMS teams
MANAGER_TEAMS = 3
INSTRUCTOR_EMAIL = "bench-instructor@example.com"
LOAD_TRAINEES = 64  # the first trainees: certified, with a full history, for the page scenarios

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Size:
    trainees: int
    teams: int


SIZES = {"small": Size(trainees=500, teams=10), "full": Size(trainees=10_000, teams=200)}

# What a trainee's history looks like, with weights: None = no certificate yet.
ARCHETYPES = [
    ("not started", 6),
    ("in progress", 16),
    ("valid", 40),
    ("expiring", 8),
    ("expired", 10),
    ("superseded", 13),
    ("revoked", 7),
]
FAILS_BEFORE_PASS = [0, 0, 1, 1, 2, 2, 3, 4]  # failed attempts before the pass of a module


def trainee_email(n: int) -> str:
    return f"bench-t{n:05d}@example.com"


# --- trainees' histories -------------------------------------------------------------------------


@dataclass
class Plan:
    """One trainee's history: attempts (module index, start, pass intended, round) and certificates,
    each certificate earned by the passes of one round."""

    attempts: list[tuple[int, datetime, bool, int]] = field(default_factory=list)
    certs: list[dict[str, Any]] = field(default_factory=list)  # completed, revoked, superseded_at, round


def module_round(rng: random.Random, plan: Plan, n_modules: int, end: datetime, gap_days: float, rnd: int) -> None:
    """For every module some failed attempts then a pass; the last pass (the completing one) at `end`."""
    when = end
    for m in rng.sample(range(n_modules), n_modules):
        plan.attempts.append((m, when, True, rnd))
        for _ in range(rng.choice(FAILS_BEFORE_PASS)):
            when -= DAY * rng.uniform(1.05, 1.5)
            plan.attempts.append((m, when, False, rnd))
        when -= DAY * rng.uniform(1.05, gap_days)


def between(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    return lo + (hi - lo) * rng.random()


def plan_trainee(rng: random.Random, archetype: str, n_modules: int, now: datetime, window_days: int) -> Plan:
    """Dates chosen so the certificate's status at `now` is the archetype's (24-month validity)."""
    plan = Plan()
    two_years_ago = add_months(now, -24)
    if archetype == "not started":
        return plan
    if archetype == "in progress":  # some modules passed, never all of them
        when = now - DAY * rng.uniform(2, 300)
        order = rng.sample(range(n_modules), rng.randint(1, n_modules))
        passed = set(order[: rng.randint(0, min(len(order), n_modules - 1))])
        for m in order:
            for _ in range(rng.choice(FAILS_BEFORE_PASS) or (0 if m in passed else 1)):
                plan.attempts.append((m, when, False, 0))
                when -= DAY * rng.uniform(1.05, 3)
            if m in passed:
                plan.attempts.append((m, when, True, 0))
                when -= DAY * rng.uniform(1.05, 5)
        return plan
    if archetype in ("valid", "revoked"):
        completed = between(rng, two_years_ago + DAY * (window_days + 5), now - 3 * DAY)
    elif archetype == "expiring":
        completed = two_years_ago + DAY * rng.uniform(1, window_days - 1)
    elif archetype == "expired":
        completed = two_years_ago - DAY * rng.uniform(2, 180)
    else:  # superseded: certified, then recertified inside the renewal window (passes after it opened)
        completed = two_years_ago + DAY * rng.uniform(5, 20)
        opens = add_months(completed, 24) - timedelta(days=window_days)
        again = between(rng, opens + 32 * DAY, now - 2 * DAY)
        module_round(rng, plan, n_modules, completed, 30, 0)
        module_round(rng, plan, n_modules, again, 1.5, 1)
        plan.certs.append({"completed": completed, "revoked": None, "superseded_at": again, "round": 0})
        plan.certs.append({"completed": again, "revoked": None, "superseded_at": None, "round": 1})
        return plan
    module_round(rng, plan, n_modules, completed, 30, 0)
    revoked = between(rng, completed + DAY, now - DAY) if archetype == "revoked" else None
    plan.certs.append({"completed": completed, "revoked": revoked, "superseded_at": None, "round": 0})
    return plan


def build_people(
    dims: Size, password_hash: str, now: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    created = now - timedelta(days=3 * 365)
    teams = [{"id": t + 1, "name": f"Bench clinic {t + 1:03d}", "created_at": created} for t in range(dims.teams)]
    users: list[dict[str, Any]] = []

    def user(email: str, name: str, role: str) -> dict[str, Any]:
        row = {
            "id": len(users) + 1,
            "email": email,
            "name": name,
            "password_hash": password_hash,
            "role": role,
            "active": True,
            "created_at": created,
        }
        users.append(row)
        return row

    user(ADMIN_EMAIL, "Bench Admin", "admin")
    demo = user(MANAGER_EMAIL, "Bench Manager", "manager")
    managed = [{"team_id": t["id"], "user_id": demo["id"]} for t in teams[:MANAGER_TEAMS]]
    for k, start in enumerate(range(MANAGER_TEAMS, dims.teams, 10)):  # one manager per ten other teams
        other = user(f"bench-m{k + 1:03d}@example.com", f"Manager {k + 1}", "manager")
        managed += [{"team_id": t["id"], "user_id": other["id"]} for t in teams[start : start + 10]]
    first_names = ["Ana", "Ben", "Chloé", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kemi", "Lars"]
    last_names = ["Nguyen", "Smith", "García", "Okafor", "Müller", "Rossi", "Kowalski", "Sato", "Ahmed", "Dubois"]
    memberships = []
    for n in range(dims.trainees):
        row = user(trainee_email(n + 1), f"{rng.choice(first_names)} {rng.choice(last_names)} {n + 1}", "trainee")
        memberships.append({"team_id": teams[n * dims.teams // dims.trainees]["id"], "user_id": row["id"]})
    user(INSTRUCTOR_EMAIL, "Bench Instructor", "instructor")
    return users, teams, memberships, managed
