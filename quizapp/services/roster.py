"""Light facts about every trainee in a manager's scope, for pages that must not load 10,000 trainees'
attempts as ORM objects: name, email, and the certificate status read from column tuples through the one
status rule (certification.shown_certificate); and, for the rule-heavy questions (stuck, never started,
in cooldown, a module state), SQL that selects a *superset* of the trainees it may concern. The rule itself
stays in Python: callers confirm each candidate with the full progress rule (reports.rows_of) and keep
only those it confirms, so a candidate query may be generous but must never miss anyone."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from quizapp.models import AttemptStatus, Certificate, Module, QuizAttempt, Team, User
from quizapp.models import team_members as members
from quizapp.services import certification, facts
from quizapp.services.attempts import DAY
from quizapp.services.oversight import NO_CERTIFICATE
from quizapp.services.progress import ModuleState

Scope = Select[Any]  # the ids of the trainees in view: oversight.scope_ids


def shown(certs: list[Any], now: datetime, window_days: int) -> tuple[Any, str, int | None]:
    """(the certificate a page shows, its status or "none", days to expiry if current) of one trainee's
    certificates, newest first: Certificate objects or CertDates."""
    cert, state = certification.shown_certificate(certs, now, window_days)
    status = state.value if state is not None else NO_CERTIFICATE
    days = certification.days_left(cert, now) if cert is not None and state in certification.CURRENT else None
    return cert, status, days


@dataclass(frozen=True)
class Summary:
    """What the table's filters and sorts, the tiles and the certificate reasons read of a trainee; a
    reports.Row offers the same attributes."""

    trainee_id: int
    name: str
    email: str
    created_at: datetime
    status: str  # a CertStatus value or "none"
    days_left: int | None
    expires_at: datetime | None  # of the shown certificate
    team_names: str = ""


def team_names(session: Session, scope: Scope | list[int]) -> dict[int, str]:
    """Each trainee's teams by name, comma-separated (one query)."""
    found: dict[int, list[str]] = defaultdict(list)
    query = (
        select(members.c.user_id, Team.name)
        .join(Team, Team.id == members.c.team_id)
        .where(members.c.user_id.in_(scope))
        .order_by(Team.name, Team.id)
    )
    for user_id, name in session.connection().execute(query):
        found[user_id].append(name)
    return {k: ", ".join(v) for k, v in found.items()}


def summaries(
    session: Session, scope: Scope, now: datetime, window_days: int, *, with_teams: bool = False
) -> list[Summary]:
    """Every trainee in scope, by name (two queries, three with the team names)."""
    people = (
        session.connection()
        .execute(
            select(User.id, User.name, User.email, User.created_at)
            .where(User.id.in_(scope))
            .order_by(User.name, User.id)
        )
        .all()
    )
    certs = facts.certificates_where(session, Certificate.user_id.in_(scope))
    teams = team_names(session, scope) if with_teams else {}
    found = []
    for user_id, name, email, created_at in people:
        cert, status, days = shown(certs.get(user_id, []), now, window_days)
        expires = cert.expires_at if cert is not None else None
        found.append(Summary(user_id, name, email, created_at, status, days, expires, teams.get(user_id, "")))
    return found


# --- candidates (supersets; the progress rule decides) ----------------------------------------------------


def _finished() -> Any:
    return (QuizAttempt.status != AttemptStatus.OPEN) & QuizAttempt.finished_at.is_not(None)


def never_started(scope: Scope) -> Scope:
    """Trainees with no attempt at all (Row.started is false exactly for them)."""
    return select(User.id).where(User.id.in_(scope), ~exists().where(QuizAttempt.user_id == User.id))


def _last_passes() -> Any:
    """Per trainee and module, when the latest passed attempt started (a derived table)."""
    return (
        select(QuizAttempt.user_id, QuizAttempt.module_id, func.max(QuizAttempt.started_at).label("started_at"))
        .where(QuizAttempt.passed.is_(True))
        .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
        .subquery()
    )


def _with_last_pass(query: Select[Any]) -> tuple[Select[Any], Any]:
    last = _last_passes()
    joined = query.outerjoin(
        last, (last.c.user_id == QuizAttempt.user_id) & (last.c.module_id == QuizAttempt.module_id)
    )
    return joined, last


def repeated_fails(scope: Scope, fails: int) -> Scope:
    """Trainees with `fails` or more finished, failed attempts at one module started no earlier than their
    last pass of it (attention counts fails after the last pass, of modules not passed)."""
    query, last = _with_last_pass(select(QuizAttempt.user_id))
    return (
        query.where(
            QuizAttempt.user_id.in_(scope),
            _finished(),
            QuizAttempt.passed.is_not(True),
            or_(last.c.started_at.is_(None), QuizAttempt.started_at >= last.c.started_at),
        )
        .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
        .having(func.count() >= fails)
    )


def critical(scope: Scope) -> Scope:
    """Trainees with a failed attempt that missed a safety-critical question, at a module they never
    passed (NOT_PASSED needs no pass at all)."""
    passed = aliased(QuizAttempt)
    return (
        select(QuizAttempt.user_id)
        .where(
            QuizAttempt.critical_missed.is_(True),
            QuizAttempt.user_id.in_(scope),
            QuizAttempt.passed.is_(False),
            ~exists().where(
                passed.user_id == QuizAttempt.user_id,
                passed.module_id == QuizAttempt.module_id,
                passed.passed.is_(True),
            ),
        )
    )


def waiting(scope: Scope, modules: list[Module], now: datetime) -> Scope:
    """Trainees who may be refused a next attempt now: an attempt started in the last 24 hours (the daily
    limit) or finished within the longest cooldown."""
    cooldown = max((m.cooldown_minutes or 0 for m in modules), default=0)
    return select(QuizAttempt.user_id).where(
        QuizAttempt.user_id.in_(scope),
        or_(QuizAttempt.started_at > now - DAY, QuizAttempt.finished_at > now - timedelta(minutes=cooldown)),
    )


def needing_attention(session: Session, scope: Scope, modules: list[Module], now: datetime, fails: int) -> set[int]:
    """Every trainee some progress reason of the needs-attention list or a tile may concern (one query)."""
    union = never_started(scope).union(repeated_fails(scope, fails), critical(scope), waiting(scope, modules, now))
    return set(session.scalars(select(union.subquery().c[0])))


def in_state(scope: Scope, state: str, module_id: int | None) -> Scope | None:
    """Trainees who may have a module (this one, or any) in this state; None: anyone may."""
    query = select(QuizAttempt.user_id).where(QuizAttempt.user_id.in_(scope))
    if module_id is not None:
        query = query.where(QuizAttempt.module_id == module_id)
    if state == ModuleState.NOT_STARTED:
        if module_id is None:
            return None  # a trainee lacks an attempt at some module unless they took every one
        return select(User.id).where(User.id.in_(scope), User.id.not_in(query))
    if state == ModuleState.IN_PROGRESS:
        return query.where(QuizAttempt.status == AttemptStatus.OPEN)
    if state in (ModuleState.PASSED, ModuleState.LAPSED):
        return query.where(QuizAttempt.passed.is_(True))
    return query.where(_finished())
