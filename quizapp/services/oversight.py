"""What managers (their teams) and admins (everyone) see of trainees; the team scope lives here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import Certificate, Module, QuizAttempt, Role, Team, User, team_members
from quizapp.services import NotFound, certificate_pages, certification
from quizapp.services import programme as programme_service
from quizapp.services.certification import CertStatus

NO_CERTIFICATE = "none"
CERT_FILTERS = [s.value for s in CertStatus if s != CertStatus.SUPERSEDED] + [NO_CERTIFICATE]


def teams_in_scope(session: Session, viewer: User) -> list[Team]:
    """Admins see every team; managers the teams they manage."""
    if viewer.role == Role.ADMIN:
        return list(session.scalars(select(Team).order_by(Team.name)))
    return sorted(viewer.managed_teams, key=lambda t: t.name)


def trainees_in_scope(session: Session, viewer: User, team_id: int | None = None) -> list[User]:
    """Trainees of the viewer's teams (admins: all trainees), optionally of one team."""
    query = select(User).where(User.role == Role.TRAINEE).options(selectinload(User.teams))
    if viewer.role != Role.ADMIN or team_id is not None:
        team_ids = {t.id for t in teams_in_scope(session, viewer)}
        if team_id is not None:
            if team_id not in team_ids:
                raise NotFound("No such team.")
            team_ids = {team_id}
        members = select(team_members.c.user_id).where(team_members.c.team_id.in_(team_ids))
        query = query.where(User.id.in_(members))
    return list(session.scalars(query.order_by(User.name, User.id)))


def get_trainee(session: Session, viewer: User, user_id: int) -> User:
    """A trainee the viewer may see; anyone else is NotFound (a 404, not a hint that they exist)."""
    user = session.get(User, user_id)
    if user is None or user.role != Role.TRAINEE or not _in_scope(viewer, user):
        raise NotFound("No such trainee.")
    return user


def get_certificate(session: Session, viewer: User, cert_id: int) -> Certificate:
    cert = session.get(Certificate, cert_id)
    if cert is None or not _in_scope(viewer, cert.user):
        raise NotFound("No such certificate.")
    return cert


def _in_scope(viewer: User, user: User) -> bool:
    if viewer.role == Role.ADMIN:
        return True
    if viewer.role != Role.MANAGER:
        return False
    return bool({t.id for t in viewer.managed_teams} & {t.id for t in user.teams})


@dataclass(frozen=True)
class ModuleState:
    module: Module
    state: str  # passed | lapsed (pass older than the validity) | failed | in_progress | not_started
    best: QuizAttempt | None
    attempts: int

    @property
    def label(self) -> str:
        return {
            "passed": "Passed",
            "lapsed": "Pass lapsed",
            "failed": "Not passed",
            "in_progress": "In progress",
            "not_started": "Not started",
        }[self.state]


@dataclass(frozen=True)
class TraineeRow:
    trainee: User
    modules: list[ModuleState]
    certificate: Certificate | None  # the current one, else the latest
    status: str  # a CertStatus value or "none"


def _module_states(
    modules: list[Module],
    attempts: list[QuizAttempt],
    cutoff: datetime,
) -> list[ModuleState]:
    by_module: dict[int, list[QuizAttempt]] = defaultdict(list)
    for attempt in attempts:
        by_module[attempt.module_id].append(attempt)
    states = []
    for module in modules:
        mine = by_module[module.id]
        finished = [a for a in mine if not a.is_open]
        passes = [a for a in finished if a.passed]
        counting = [a for a in passes if a.finished_at >= cutoff]
        best = max(counting or passes, key=lambda a: (a.percent, a.finished_at)) if passes else None
        if counting:
            state = "passed"
        elif any(a.is_open for a in mine):
            state = "in_progress"
        elif passes:
            state = "lapsed"
        elif finished:
            state = "failed"
        else:
            state = "not_started"
        states.append(ModuleState(module, state, best, len(finished)))
    return states


def _finalise_overdue(session: Session, attempts: list[QuizAttempt], now: datetime) -> None:
    from quizapp.services.attempts import finalise_if_overdue

    for attempt in attempts:
        if attempt.is_open:
            finalise_if_overdue(session, attempt, now)


def overview(
    session: Session,
    viewer: User,
    now: datetime,
    *,
    team_id: int | None = None,
    cert_filter: str | None = None,
) -> tuple[list[Module], list[TraineeRow]]:
    """Every trainee in scope with module status and certificate status (the caller commits:
    overdue attempts found on the way are graded)."""
    settings = programme_service.get(session)
    cutoff = certification.add_months(now, -settings.validity_months)
    trainees = trainees_in_scope(session, viewer, team_id)
    ids = [t.id for t in trainees]
    modules = list(session.scalars(select(Module).order_by(Module.order, Module.title)))
    attempts: dict[int, list[QuizAttempt]] = defaultdict(list)
    certs: dict[int, list[Certificate]] = defaultdict(list)
    if ids:
        found = list(session.scalars(select(QuizAttempt).where(QuizAttempt.user_id.in_(ids))))
        _finalise_overdue(session, found, now)
        for attempt in found:
            attempts[attempt.user_id].append(attempt)
        for cert in session.scalars(
            select(Certificate)
            .where(Certificate.user_id.in_(ids))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        ):
            certs[cert.user_id].append(cert)
    rows = []
    for trainee in trainees:
        mine = [(c, certification.status(c, now, settings.renewal_window_days)) for c in certs[trainee.id]]
        shown = next(((c, s) for c, s in mine if s in certification.CURRENT), mine[0] if mine else None)
        cert, state = shown if shown else (None, NO_CERTIFICATE)
        if cert_filter and state != cert_filter:
            continue
        rows.append(TraineeRow(trainee, _module_states(modules, attempts[trainee.id], cutoff), cert, state))
    return modules, rows


@dataclass(frozen=True)
class CertificateEntry:
    certificate: Certificate
    status: CertStatus
    evidence: list[certificate_pages.EvidenceRow]


@dataclass(frozen=True)
class TraineeDetail:
    trainee: User
    modules: list[ModuleState]
    attempts: list[QuizAttempt]  # newest first
    certificates: list[CertificateEntry]  # newest first
    progress: certification.Progress


def trainee_detail(session: Session, viewer: User, user_id: int, now: datetime) -> TraineeDetail:
    trainee = get_trainee(session, viewer, user_id)
    settings = programme_service.get(session)
    attempts = list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == trainee.id)
            .options(selectinload(QuizAttempt.module))
            .order_by(QuizAttempt.started_at.desc())
        )
    )
    _finalise_overdue(session, attempts, now)
    modules = list(session.scalars(select(Module).order_by(Module.order, Module.title)))
    cutoff = certification.add_months(now, -settings.validity_months)
    certs = list(
        session.scalars(  # who revoked each is shown too: loaded here, not once per row
            select(Certificate)
            .where(Certificate.user_id == trainee.id)
            .options(selectinload(Certificate.revoked_by))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )
    evidence = certificate_pages.evidence_of(session, certs)
    entries = [
        CertificateEntry(c, certification.status(c, now, settings.renewal_window_days), evidence[c.id]) for c in certs
    ]
    return TraineeDetail(
        trainee,
        _module_states(modules, attempts, cutoff),
        attempts,
        entries,
        certification.progress(session, trainee, now, settings=settings, certs=certs),
    )
