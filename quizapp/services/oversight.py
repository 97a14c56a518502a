"""What managers (their teams) and admins (everyone) see of trainees. The scope rule is
services.scope; each trainee's module states come from services.progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import Certificate, Module, QuizAttempt, Role, Team, User, team_members
from quizapp.services import NotFound, certificate_pages, certification
from quizapp.services import programme as programme_service
from quizapp.services.certification import CertStatus
from quizapp.services.modules import ordered_modules
from quizapp.services.progress import Progress, progress_of_many
from quizapp.services.scope import can_oversee

NO_CERTIFICATE = "none"
CERT_FILTERS = [s.value for s in CertStatus if s != CertStatus.SUPERSEDED] + [NO_CERTIFICATE]


def teams_in_scope(session: Session, viewer: User) -> list[Team]:
    """Admins see every team; managers the teams they manage."""
    if viewer.role == Role.ADMIN:
        return list(session.scalars(select(Team).order_by(Team.name)))
    return sorted(viewer.managed_teams, key=lambda t: t.name)


def trainees_in_scope(session: Session, viewer: User, team_id: int | None = None) -> list[User]:
    """Trainees the viewer oversees (admins: all trainees), optionally of one team; never the viewer."""
    query = select(User).where(User.role == Role.TRAINEE, User.id != viewer.id).options(selectinload(User.teams))
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
    if user is None or not can_oversee(viewer, user):
        raise NotFound("No such trainee.")
    return user


def get_certificate(session: Session, viewer: User, cert_id: int) -> Certificate:
    """A certificate of a trainee the viewer oversees (never the viewer's own)."""
    cert = session.get(Certificate, cert_id)
    if cert is None or not can_oversee(viewer, cert.user):
        raise NotFound("No such certificate.")
    return cert


@dataclass(frozen=True)
class TraineeRow:
    trainee: User
    progress: Progress
    certificate: Certificate | None  # the current one, else the latest
    status: str  # a CertStatus value or "none"


def overview(
    session: Session,
    viewer: User,
    now: datetime,
    *,
    team_id: int | None = None,
    cert_filter: str | None = None,
) -> tuple[list[Module], list[TraineeRow]]:
    """Every trainee in scope with module states and certificate status (overdue attempts found on
    the way are graded and missed certificates issued; the request's commit keeps them)."""
    settings = programme_service.get(session)
    trainees = trainees_in_scope(session, viewer, team_id)
    found = progress_of_many(session, trainees, now, settings=settings)
    rows = []
    for trainee in trainees:
        progress, certs = found[trainee.id]
        cert, state = certification.shown_certificate(certs, now, settings.renewal_window_days)
        status = state.value if state is not None else NO_CERTIFICATE
        if cert_filter and status != cert_filter:
            continue
        rows.append(TraineeRow(trainee, progress, cert, status))
    return ordered_modules(session), rows


@dataclass(frozen=True)
class CertificateEntry:
    certificate: Certificate
    status: CertStatus
    evidence: list[certificate_pages.EvidenceRow]


@dataclass(frozen=True)
class TraineeDetail:
    trainee: User
    progress: Progress
    attempts: list[QuizAttempt]  # newest first
    certificates: list[CertificateEntry]  # newest first


def trainee_detail(session: Session, viewer: User, user_id: int, now: datetime) -> TraineeDetail:
    trainee = get_trainee(session, viewer, user_id)
    settings = programme_service.get(session)
    progress, certs = progress_of_many(session, [trainee], now, settings=settings)[trainee.id]
    attempts = list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == trainee.id)
            .options(selectinload(QuizAttempt.module))
            .order_by(QuizAttempt.started_at.desc())
        )
    )
    session.scalars(  # who revoked each is shown too: loaded here, not once per row
        select(Certificate).where(Certificate.user_id == trainee.id).options(selectinload(Certificate.revoked_by))
    ).all()
    evidence = certificate_pages.evidence_of(session, certs)
    entries = [
        CertificateEntry(c, certification.status(c, now, settings.renewal_window_days), evidence[c.id]) for c in certs
    ]
    return TraineeDetail(trainee, progress, attempts, entries)
