"""What managers (their teams) and admins (everyone) see of trainees. The scope rule is
services.scope; each trainee's module states come from services.progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import (
    AuditEvent,
    Certificate,
    QuestionVersion,
    QuizAttempt,
    Response,
    Role,
    Team,
    User,
    team_members,
)
from quizapp.question_types import QuestionType, get_type
from quizapp.services import NotFound, certificate_pages, certification
from quizapp.services import programme as programme_service
from quizapp.services.certification import CertStatus
from quizapp.services.progress import Progress, progress_of_many
from quizapp.services.scope import can_oversee

NO_CERTIFICATE = "none"
CERT_FILTERS = [s.value for s in CertStatus if s != CertStatus.SUPERSEDED] + [NO_CERTIFICATE]


def teams_in_scope(session: Session, viewer: User) -> list[Team]:
    """Admins see every team; managers the teams they manage."""
    if viewer.role == Role.ADMIN:
        return list(session.scalars(select(Team).order_by(Team.name)))
    return sorted(viewer.managed_teams, key=lambda t: t.name)


def scope_ids(session: Session, viewer: User, team_id: int | None = None) -> Select[Any]:
    """The ids of the trainees the viewer oversees (admins: all trainees), optionally of one team (another
    team is NotFound), never the viewer: a subquery, so 10,000 ids never travel as parameters."""
    query = select(User.id).where(User.role == Role.TRAINEE, User.id != viewer.id)
    if viewer.role != Role.ADMIN or team_id is not None:
        team_ids = {t.id for t in teams_in_scope(session, viewer)}
        if team_id is not None:
            if team_id not in team_ids:
                raise NotFound("No such team.")
            team_ids = {team_id}
        members = select(team_members.c.user_id).where(team_members.c.team_id.in_(team_ids))
        query = query.where(User.id.in_(members))
    return query


def trainees_in_scope(session: Session, viewer: User, team_id: int | None = None) -> list[User]:
    """Trainees the viewer oversees (see scope_ids), by name, with their teams."""
    query = select(User).where(User.id.in_(scope_ids(session, viewer, team_id))).options(selectinload(User.teams))
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
class HistoryEntry:
    """One event in a certificate's life: issued, expired, revoked or restored (with reason and who)."""

    at: datetime
    what: str
    who: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CertificateEntry:
    certificate: Certificate
    status: CertStatus
    evidence: list[certificate_pages.EvidenceRow]
    history: list[HistoryEntry]


@dataclass(frozen=True)
class AttemptRow:
    attempt: QuizAttempt
    critical_missed: bool

    @property
    def duration(self) -> timedelta | None:
        finished = self.attempt.finished_at
        return finished - self.attempt.started_at if finished is not None else None


@dataclass(frozen=True)
class TraineeDetail:
    trainee: User
    progress: Progress
    attempts: list[AttemptRow]  # newest first
    certificates: list[CertificateEntry]  # newest first


CERT_ACTIONS = {
    "certificate.issued": "Issued",
    "certificate.revoked": "Revoked",
    "certificate.restored": "Restored",
}


def certificate_history(session: Session, certs: list[Certificate], now: datetime) -> dict[int, list[HistoryEntry]]:
    """Each certificate's events from the audit log, and its expiry once passed, oldest first (one query)."""
    found: dict[int, list[HistoryEntry]] = {c.id: [] for c in certs}
    if not found:
        return found
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.target_type == "certificate",
            AuditEvent.target_id.in_([str(i) for i in found]),
            AuditEvent.action.in_(list(CERT_ACTIONS)),
        )
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    for event in events:
        what = CERT_ACTIONS[event.action] + ("" if event.actor is not None else " automatically")  # by the rules
        who = event.actor.name if event.actor is not None else None
        reason = event.details.get("reason") if isinstance(event.details, dict) else None
        found[int(event.target_id or 0)].append(HistoryEntry(event.at, what, who, reason))
    for cert in certs:
        if cert.superseded_at is not None:
            found[cert.id].append(HistoryEntry(cert.superseded_at, "Superseded by a newer certificate"))
        if cert.expires_at <= now:
            found[cert.id].append(HistoryEntry(cert.expires_at, "Expired"))
        found[cert.id].sort(key=lambda e: e.at)
    return found


def trainee_detail(session: Session, viewer: User, user_id: int, now: datetime) -> TraineeDetail:
    trainee = get_trainee(session, viewer, user_id)
    settings = programme_service.get(session)
    progress, certs = progress_of_many(session, [trainee], now, settings=settings)[trainee.id]
    attempts = list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == trainee.id)
            .options(selectinload(QuizAttempt.module))
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    )
    session.scalars(  # who revoked each is shown too: loaded here, not once per row
        select(Certificate).where(Certificate.user_id == trainee.id).options(selectinload(Certificate.revoked_by))
    ).all()
    evidence = certificate_pages.evidence_of(session, certs)
    history = certificate_history(session, certs, now)
    entries = [
        CertificateEntry(c, certification.status(c, now, settings.renewal_window_days), evidence[c.id], history[c.id])
        for c in certs
    ]
    return TraineeDetail(trainee, progress, [AttemptRow(a, bool(a.critical_missed)) for a in attempts], entries)


def get_attempt(session: Session, viewer: User, attempt_id: int) -> QuizAttempt:
    """A finished attempt of a trainee the viewer oversees; an open one is NotFound too (its answers are
    not final, and its questions' keys must not reach a browser)."""
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.is_open or not can_oversee(viewer, attempt.user):
        raise NotFound("No such attempt.")
    return attempt


@dataclass(frozen=True)
class ReviewItem:
    response: Response
    version: QuestionVersion
    qtype: QuestionType
    rv: dict[str, Any]  # what the review partial shows


def attempt_review(session: Session, viewer: User, attempt_id: int) -> tuple[QuizAttempt, list[ReviewItem]]:
    """A finished attempt and each question as the trainee's review showed it (their order and answers)."""
    attempt = get_attempt(session, viewer, attempt_id)
    responses = session.scalars(
        select(Response)
        .where(Response.attempt_id == attempt.id)
        .options(selectinload(Response.version).selectinload(QuestionVersion.question))
        .order_by(Response.position)
    ).all()
    items = []
    for r in responses:
        qtype = get_type(r.version.type)
        items.append(ReviewItem(r, r.version, qtype, qtype.review(r.version.spec, r.shuffle, r.answer)))
    return attempt, items
