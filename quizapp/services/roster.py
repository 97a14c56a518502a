"""Light facts about every trainee in a manager's scope, for pages that must not load 10,000 trainees'
attempts as ORM objects: name, email, and the certificate status read from column tuples through the one
status rule (certification.shown_certificate); and, for the rule-heavy questions (stuck, never started,
in cooldown, a module state), SQL that selects a *superset* of the trainees it may concern. The rule itself
stays in Python: callers confirm each candidate with the full progress rule (reports.rows_of) and keep
only those it confirms, so a candidate query may be generous but must never miss anyone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

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
    if not certs:  # a good share of a large roster: nothing to work out
        return None, NO_CERTIFICATE, None
    cert, state = certification.shown_certificate(certs, now, window_days)
    status = state.value if state is not None else NO_CERTIFICATE
    days = certification.days_left(cert, now) if cert is not None and state in certification.CURRENT else None
    return cert, status, days


class Summary(NamedTuple):
    """What the table's filters and sorts, the tiles and the certificate reasons read of a trainee; a
    reports.Row offers the same attributes. (A named tuple: made for every trainee in scope on every
    manager page, where a frozen dataclass's slower construction shows.)"""

    trainee_id: int
    name: str
    email: str
    created_at: datetime
    status: str  # a CertStatus value or "none"
    days_left: int | None
    expires_at: datetime | None  # of the shown certificate
    team_names: str = ""
    certificate: facts.CertFacts | None = None  # the shown one
    certificates: Sequence[facts.CertFacts] = ()  # all the trainee's, newest first: what the status came from

    @property
    def person(self) -> facts.Person:
        return facts.Person(self.trainee_id, self.name, self.email, self.created_at)


def team_names(session: Session, scope: Scope | list[int]) -> dict[int, str]:
    """Each trainee's teams by name, comma-separated (one query)."""
    found: dict[int, list[str]] = defaultdict(list)
    query = (
        select(members.c.user_id, Team.name)
        .join(Team, Team.id == members.c.team_id)
        .where(
            members.c.user_id.in_(scope)
            if isinstance(scope, Select)
            else facts.among(session, members.c.user_id, scope)
        )
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
        held = certs.get(user_id, [])
        cert, status, days = shown(held, now, window_days)
        expires = cert.expires_at if cert is not None else None
        team = teams.get(user_id, "")
        found.append(Summary(user_id, name, email, created_at, status, days, expires, team, cert, held))
    return found


# --- candidates (supersets; the progress rule decides) ----------------------------------------------------


def _finished() -> Any:
    return (QuizAttempt.status != AttemptStatus.OPEN) & QuizAttempt.finished_at.is_not(None)


def never_started(scope: Scope) -> Scope:
    """Trainees with no attempt at all (Row.started is false exactly for them)."""
    return select(User.id).where(User.id.in_(scope), ~exists().where(QuizAttempt.user_id == User.id))


def _per_module(scope: Scope) -> Select[Any]:
    """The finished attempts of the trainees in scope, one group per trainee and module (a grouped read of
    the attempts, to which the reasons below add their HAVING)."""
    return (
        select(QuizAttempt.user_id)
        .where(QuizAttempt.user_id.in_(scope), _finished())
        .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
    )


def _last_pass_started() -> Any:
    """In a group of _per_module: when the latest pass started (NULL: never passed)."""
    return func.max(case((QuizAttempt.passed.is_(True), QuizAttempt.started_at)))


def _repeated_fails(fails: int) -> Any:
    """In a group of _per_module: `fails` or more failed attempts, the latest started no earlier than the
    last pass. A superset of `fails` or more failed attempts started no earlier than the last pass (which
    attention counts, of modules not passed), read in the same pass over the attempts."""
    failed = QuizAttempt.passed.is_not(True)
    last_pass = _last_pass_started()
    return and_(
        func.sum(case((failed, 1), else_=0)) >= fails,
        or_(last_pass.is_(None), func.max(case((failed, QuizAttempt.started_at))) >= last_pass),
    )


def _critical() -> Any:
    """In a group of _per_module: an attempt that missed a safety-critical question, and no pass at all
    (NOT_PASSED needs none)."""
    return and_(
        func.max(case((QuizAttempt.critical_missed.is_(True), 1), else_=0)) == 1, _last_pass_started().is_(None)
    )


def repeated_fails(scope: Scope, fails: int) -> Scope:
    """Trainees who may have failed a module `fails` times or more since they last passed it."""
    return _per_module(scope).having(_repeated_fails(fails))


def critical(scope: Scope) -> Scope:
    """Trainees with a failed attempt that missed a safety-critical question, at a module they never passed."""
    return _per_module(scope).having(_critical())


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
    progress = _per_module(scope).having(or_(_repeated_fails(fails), _critical()))  # one pass for both
    union = never_started(scope).union(progress, waiting(scope, modules, now))
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
