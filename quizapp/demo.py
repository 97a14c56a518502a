"""Demo trainees in every state a manager meets (for `seed-demo`), built through the real services from the
imported banks: real attempts with real questions, so reviews, charts and evidence packs show something."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from quizapp.models import Module, QuizAttempt, Role, Team, User
from quizapp.question_types import key_answer
from quizapp.services import ServiceError, answers, certification, grading
from quizapp.services import attempts as attempts_service
from quizapp.services import programme as programme_service
from quizapp.services import users as users_service
from quizapp.services.modules import ordered_modules

PASSWORD = "trainee-demo-pass"
# email, name, state
STATES = [
    ("demo-certified@example.com", "Cara Certified", "certified"),
    ("demo-expiring@example.com", "Eve Expiring", "expiring"),
    ("demo-expired@example.com", "Ed Expired", "expired"),
    ("demo-revoked@example.com", "Rita Revoked", "revoked"),
    ("demo-failed@example.com", "Fred Failed-Twice", "failed_twice"),
    ("demo-cooldown@example.com", "Cody Cooldown", "cooldown"),
    ("demo-critical@example.com", "Chris Critical", "critical"),
    ("demo-progress@example.com", "Ivy In-Progress", "in_progress"),
    ("demo-never@example.com", "Nina Never-Started", "never_started"),
]


def take(
    session: Session, user: User, module: Module, when: datetime, *, right: bool, skip_critical: bool = False
) -> QuizAttempt:
    """A finished attempt started at `when`: every answer right, or (not `right`) only the safety-critical
    ones, so it fails on the score; with `skip_critical`, every answer right but the safety-critical ones
    (none at all if the draw holds no critical question)."""
    attempt = attempts_service.start_attempt(session, user, module, when, rng=random.Random(f"{user.email}{when}"))
    drew_critical = any(r.version.critical for r in attempt.responses)
    for response in attempt.responses:
        critical = response.version.critical
        if right and skip_critical:
            answer = drew_critical and not critical
        else:
            answer = right or critical
        if answer:
            answers.store_answer(
                session, attempt, response, key_answer(response.version.type, response.version.spec), when
            )
    return grading.submit_attempt(session, attempt, when + timedelta(minutes=9))


def seed_states(session: Session, team: Team, manager: User | None, now: datetime) -> int:
    """Create the trainees of STATES that do not exist yet, in the team; returns how many were created.
    ServiceError, before writing anything, when a required module's quiz cannot be drawn."""
    modules = ordered_modules(session, required_only=True)
    if not modules:
        return 0
    for module in modules:
        problem = attempts_service.draw_problem(module, attempts_service.usable_tags(session, module))
        if problem is not None:
            raise ServiceError(f"{module.title}: {problem}")
    validity = programme_service.get(session).validity_months
    created = 0
    for email, name, state in STATES:
        if users_service.find_by_email(session, email) is not None:
            continue
        user = users_service.create_user(
            session, email=email, name=name, role=Role.TRAINEE, password=PASSWORD, teams=[team]
        )
        user.created_at = now - timedelta(days=400)
        _bring_to(session, user, state, modules, manager, now, validity)
        created += 1
    return created


def _bring_to(
    session: Session,
    user: User,
    state: str,
    modules: list[Module],
    manager: User | None,
    now: datetime,
    validity: int,
) -> None:
    def pass_all(start: datetime) -> None:
        for n, module in enumerate(modules):
            take(session, user, module, start + timedelta(hours=n), right=True)

    if state == "certified":
        pass_all(now - timedelta(days=30))
    elif state == "expiring":  # issued so that 20 days are left
        pass_all(certification.add_months(now, -validity) + timedelta(days=20) - timedelta(hours=len(modules)))
    elif state == "expired":
        pass_all(certification.add_months(now, -validity) - timedelta(days=5))
    elif state == "revoked":
        pass_all(now - timedelta(days=90))
        cert = certification.current_for(session, user, now)
        if cert is not None and manager is not None:
            certification.revoke(session, cert, manager, "Demo: treated a client outside the protocol", now)
    elif state == "failed_twice":
        for days in (6, 3):
            take(session, user, modules[0], now - timedelta(days=days), right=False)
    elif state == "cooldown":  # every attempt of the last 24 hours used
        module = modules[-1]
        for n in range(module.attempts_per_day):
            take(session, user, module, now - timedelta(hours=3, minutes=-20 * n), right=False)
    elif state == "critical":
        module = max(modules, key=lambda m: sum(1 for q in m.questions if q.versions and q.versions[-1].critical))
        for days in (3, 2, 1):  # until a draw holds a safety-critical question (almost always the first)
            if take(session, user, module, now - timedelta(days=days), right=True, skip_critical=True).percent:
                break
    elif state == "in_progress":
        for n, module in enumerate(modules[:2]):
            take(session, user, module, now - timedelta(days=4 - n), right=True)
    elif state == "never_started":
        user.created_at = now - timedelta(days=30)
