"""What certificate pages, the PDF and the CLI show: banners, evidence, views, listings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import Certificate, CertificateAttempt, Module, QuizAttempt, User
from quizapp.services import NotFound
from quizapp.services import programme as programme_service
from quizapp.services.certificate_codes import format_code, verify_url
from quizapp.services.certification import (
    CURRENT,
    CertStatus,
    certificates_of,
    current_for,
    days_left,
    latest_for,
    status,
)
from quizapp.services.programme import Programme
from quizapp.services.progress import Progress, trainee_progress


class Banner(str):
    """A banner message with its Bootstrap alert level."""

    level: str

    def __new__(cls, text: str, level: str) -> Banner:
        obj = super().__new__(cls, text)
        obj.level = level
        return obj


def banner(
    session: Session,
    user: User,
    now: datetime,
    *,
    settings: Programme | None = None,
    certs: list[Certificate] | None = None,
) -> Banner | None:
    """The trainee's home-page notice: expiring soon, or expired."""
    window = (settings or programme_service.get(session)).renewal_window_days
    certs = certificates_of(session, user) if certs is None else certs
    statuses = [(c, status(c, now, window)) for c in certs]
    current = next(((c, s) for c, s in statuses if s in CURRENT), None)
    if current is not None:
        cert, state = current
        if state != CertStatus.EXPIRING:
            return None
        days = days_left(cert, now)
        when = "tomorrow" if days == 1 else f"in {days} days"
        return Banner(f"Your certificate expires {when} — recertify by passing the required modules again.", "warning")
    if statuses and statuses[0][1] == CertStatus.EXPIRED:
        return Banner("Your certificate has expired — pass the required modules again to earn a new one.", "danger")
    return None


@dataclass(frozen=True)
class EvidenceRow:
    module_title: str
    percent: Decimal | None
    passed_at: datetime | None
    attempt_id: int


def evidence(session: Session, cert: Certificate) -> list[EvidenceRow]:
    """The passes that earned the certificate, in module order."""
    return evidence_of(session, [cert])[cert.id]


def evidence_of(session: Session, certs: Iterable[Certificate]) -> dict[int, list[EvidenceRow]]:
    """The evidence of several certificates in one query: certificate id -> rows in module order."""
    rows: dict[int, list[EvidenceRow]] = {c.id: [] for c in certs}
    if not rows:
        return rows
    found = session.execute(
        select(CertificateAttempt.certificate_id, QuizAttempt, Module)
        .join(QuizAttempt, CertificateAttempt.attempt_id == QuizAttempt.id)
        .join(Module, QuizAttempt.module_id == Module.id)
        .where(CertificateAttempt.certificate_id.in_(rows))
        .order_by(Module.order, Module.title, QuizAttempt.id)
    ).all()
    for cert_id, attempt, module in found:
        rows[cert_id].append(EvidenceRow(module.title, attempt.percent, attempt.finished_at, attempt.id))
    return rows


@dataclass(frozen=True)
class CertificateView:
    """Everything the certificate page, its print view and its PDF show."""

    id: int
    holder: str
    programme: str
    code: str  # display form
    issued_at: datetime
    expires_at: datetime
    status: CertStatus
    verify_url: str
    modules: list[EvidenceRow]
    revoked_reason: str | None = None
    time_zone: str = "UTC"  # the holder's: the dates on the certificate are the days there


def view(
    session: Session,
    cert: Certificate,
    now: datetime,
    base_url: str,
    *,
    settings: Programme | None = None,
    modules: list[EvidenceRow] | None = None,
) -> CertificateView:
    """What pages and the PDF show of one certificate; pages showing several pass in the settings and
    the evidence they loaded once."""
    window = (settings or programme_service.get(session)).renewal_window_days
    return CertificateView(
        id=cert.id,
        holder=cert.user.name,
        programme=cert.programme,
        code=format_code(cert.code),
        issued_at=cert.issued_at,
        expires_at=cert.expires_at,
        status=status(cert, now, window),
        verify_url=verify_url(cert.code, base_url),
        modules=evidence(session, cert) if modules is None else modules,
        revoked_reason=cert.revoked_reason,
        time_zone=cert.user.time_zone or "UTC",
    )


@dataclass(frozen=True)
class TraineePage:
    """The trainee's certificate page: the certificate to show, older ones, progress, banner."""

    certificate: CertificateView | None  # the current one, else the latest
    history: list[CertificateView]
    progress: Progress | None  # shown when there is no current certificate, or recertification is open
    banner: Banner | None


def trainee_page(session: Session, user: User, now: datetime, base_url: str) -> TraineePage:
    """Everything on the page in a fixed number of queries, however many certificates there are."""
    settings, stamp = programme_service.current(session)
    progress, certs = trainee_progress(session, user, now, settings=settings, stamp=stamp)
    rows = evidence_of(session, certs)
    views = [view(session, c, now, base_url, settings=settings, modules=rows[c.id]) for c in certs]
    shown = next((v for v in views if v.status in CURRENT), views[0] if views else None)
    needs_progress = shown is None or shown.status != CertStatus.VALID
    return TraineePage(
        certificate=shown,
        history=[v for v in views if v is not shown],
        progress=progress if needs_progress else None,
        banner=banner(session, user, now, settings=settings, certs=certs),
    )


def own_certificate(session: Session, user: User, cert_id: int | None, now: datetime) -> Certificate:
    """One of the trainee's own certificates (default: the current one, else the latest)."""
    if cert_id is None:
        cert = current_for(session, user, now) or latest_for(session, user)
    else:
        cert = session.get(Certificate, cert_id)
        if cert is not None and cert.user_id != user.id:
            cert = None
    if cert is None:
        raise NotFound("No such certificate.")
    return cert


def list_certificates(
    session: Session,
    now: datetime,
    *,
    statuses: Iterable[str] = (),
    expiring_within: int | None = None,
) -> list[tuple[Certificate, CertStatus]]:
    """Certificates with their status, newest first; filtered by status and by expiry within N days."""
    window = programme_service.get(session).renewal_window_days
    wanted = {CertStatus(s) for s in statuses}
    rows = []
    for cert in session.scalars(
        select(Certificate)
        .options(selectinload(Certificate.user))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ):
        state = status(cert, now, window)
        if wanted and state not in wanted:
            continue
        if expiring_within is not None and (
            state not in CURRENT or cert.expires_at > now + timedelta(days=expiring_within)
        ):
            continue
        rows.append((cert, state))
    return rows
