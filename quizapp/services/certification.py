"""Certificates: issue on the last required pass, status over time, codes, revoke and restore."""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import distinct, func, select, update
from sqlalchemy.orm import Session, object_session

from quizapp.models import Certificate, CertificateAttempt, Module, QuizAttempt, User
from quizapp.services import ServiceError
from quizapp.services import programme as programme_service
from quizapp.services.audit import record
from quizapp.services.certificate_codes import (  # noqa: F401  (part of this module's interface)
    ALPHABET,
    CODE_BITS,
    CODE_LENGTH,
    find_by_code,
    format_code,
    generate_code,
    normalise_code,
    unique_code,
    verify_url,
)
from quizapp.services.programme import Programme

MAX_REASON = 500


# --- time and status -----------------------------------------------------------------------------


class CertStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # inside the recertification window
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # replaced by a newer certificate


CURRENT = (CertStatus.VALID, CertStatus.EXPIRING)
STATUS_LABELS = {
    CertStatus.VALID: "Valid",
    CertStatus.EXPIRING: "Valid, expiring soon",
    CertStatus.EXPIRED: "Expired",
    CertStatus.REVOKED: "Revoked",
    CertStatus.SUPERSEDED: "Superseded by a newer certificate",
}


def add_months(when: datetime, months: int) -> datetime:
    """Calendar months later (or earlier); the day is clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = when.year * 12 + when.month - 1 + months
    year, month = divmod(index, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def _window_days(cert: Certificate, window_days: int | None) -> int:
    if window_days is not None:
        return window_days
    session = object_session(cert)
    if session is None:
        return programme_service.defaults().renewal_window_days
    return programme_service.get(session).renewal_window_days


def window_opens(cert: Certificate, window_days: int | None = None) -> datetime:
    """When recertification opens: the renewal window before expiry, never before the issue."""
    return max(cert.expires_at - timedelta(days=_window_days(cert, window_days)), cert.issued_at)


def status(cert: Certificate, now: datetime, window_days: int | None = None) -> CertStatus:
    """valid | expiring | expired | revoked | superseded, at `now`."""
    if cert.revoked_at is not None:
        return CertStatus.REVOKED
    if cert.superseded_at is not None:
        return CertStatus.SUPERSEDED
    if now >= cert.expires_at:
        return CertStatus.EXPIRED
    if now >= window_opens(cert, window_days):
        return CertStatus.EXPIRING
    return CertStatus.VALID


def days_left(cert: Certificate, now: datetime) -> int:
    """Whole days until expiry, rounded up (0 once expired)."""
    return max(0, math.ceil((cert.expires_at - now).total_seconds() / 86400))


def certificates_of(session: Session, user: User, *, fresh: bool = False) -> list[Certificate]:
    """The trainee's certificates, newest first."""
    query = (
        select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if fresh:  # read what other transactions committed, not this session's cached rows
        query = query.execution_options(populate_existing=True)
    return list(session.scalars(query))


def current_for(session: Session, user: User, now: datetime) -> Certificate | None:
    """The trainee's valid or expiring certificate, if any (there is at most one)."""
    window = programme_service.get(session).renewal_window_days
    return next((c for c in certificates_of(session, user) if status(c, now, window) in CURRENT), None)


def latest_for(session: Session, user: User) -> Certificate | None:
    """The most recent certificate whatever its status."""
    certs = certificates_of(session, user)
    return certs[0] if certs else None


# --- what counts toward a certificate ------------------------------------------------------------


def _counting_from(certs: list[Certificate], now: datetime, window: int) -> tuple[datetime | None, bool]:
    """(passes must finish after this, a valid certificate blocks a new one)."""
    current = next((c for c in certs if status(c, now, window) in CURRENT), None)
    if current is not None:
        return window_opens(current, window), status(current, now, window) == CertStatus.VALID
    if not certs:
        return None, False
    latest = certs[0]
    if latest.revoked_at is not None:  # a revoked certificate is re-earned with new passes only
        return latest.revoked_at, False
    return window_opens(latest, window), False


def _counting_passes(
    session: Session,
    user: User,
    modules: Iterable[Module],
    now: datetime,
    settings: Programme,
    since: datetime | None,
) -> dict[int, list[QuizAttempt]]:
    """Each module's counting passes: within the validity period and after `since`."""
    module_ids = [m.id for m in modules]
    if not module_ids:
        return {}
    query = select(QuizAttempt).where(
        QuizAttempt.user_id == user.id,
        QuizAttempt.module_id.in_(module_ids),
        QuizAttempt.passed.is_(True),
        QuizAttempt.finished_at >= add_months(now, -settings.validity_months),
        QuizAttempt.finished_at <= now,
    )
    if since is not None:
        query = query.where(QuizAttempt.finished_at > since)
    passes: dict[int, list[QuizAttempt]] = defaultdict(list)
    for attempt in session.scalars(query.execution_options(populate_existing=True)):
        passes[attempt.module_id].append(attempt)
    return passes


def _best(passes: Iterable[QuizAttempt]) -> QuizAttempt:
    return max(passes, key=lambda a: (a.percent, a.finished_at))


def _best_passes(
    session: Session,
    user: User,
    modules: Iterable[Module],
    now: datetime,
    settings: Programme,
    since: datetime | None,
) -> dict[int, QuizAttempt]:
    """The best counting pass of each module."""
    return {m: _best(p) for m, p in _counting_passes(session, user, modules, now, settings, since).items()}


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    attempt: QuizAttempt | None  # the best counting pass, if any

    @property
    def passed(self) -> bool:
        return self.attempt is not None


@dataclass(frozen=True)
class Progress:
    """Where a trainee stands toward their next certificate."""

    items: list[ModuleProgress]
    since: datetime | None  # passes before this no longer count (recertification)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def passed(self) -> int:
        return sum(1 for item in self.items if item.passed)

    @property
    def complete(self) -> bool:
        return bool(self.items) and self.passed == self.total


def progress(
    session: Session,
    user: User,
    now: datetime,
    *,
    settings: Programme | None = None,
    certs: list[Certificate] | None = None,
) -> Progress:
    """Which required modules have a counting pass ("3 of 4 required modules passed"); a page that
    already holds the settings and the trainee's certificates passes them in."""
    settings = settings or programme_service.get(session)
    certs = certificates_of(session, user) if certs is None else certs
    since, blocked = _counting_from(certs, now, settings.renewal_window_days)
    if blocked:  # certified and not yet in the window: show what earned it
        since = None
    modules = programme_service.required_modules(session)
    best = _best_passes(session, user, modules, now, settings, since)
    return Progress([ModuleProgress(m, best.get(m.id)) for m in modules], since)


# --- issuing -------------------------------------------------------------------------------------


def _lock_user(session: Session, user: User) -> None:
    """Serialise issuing per trainee. SQLite needs nothing: the submit already holds the write lock.

    FOR NO KEY UPDATE, not FOR UPDATE: rows inserted with a foreign key to the user (an attempt, an
    audit event) take KEY SHARE locks, which FOR UPDATE would wait on, deadlocking two submits."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))


def _keep_one_current(certs: list[Certificate], now: datetime, window: int) -> None:
    """At most one valid or expiring certificate: the newest stays, older ones are superseded."""
    current = [c for c in certs if status(c, now, window) in CURRENT]
    current.sort(key=lambda c: (c.issued_at, c.id or 0), reverse=True)
    for older in current[1:]:
        older.superseded_at = now


def on_attempt_passed(
    session: Session,
    user: User,
    now: datetime,
    *,
    earned_at: datetime | None = None,
) -> Certificate | None:
    """Issue a certificate if this pass completed the required modules; flush only, the caller commits.

    `earned_at` is when the pass finished, if earlier than `now` (an overdue attempt graded late):
    the certificate is dated from it, though never before the passes it rests on."""
    _lock_user(session, user)
    settings = programme_service.get(session)
    window = settings.renewal_window_days
    certs = certificates_of(session, user, fresh=True)
    since, blocked = _counting_from(certs, now, window)
    if blocked:
        return None
    modules = programme_service.required_modules(session)
    passes = _counting_passes(session, user, modules, now, settings, since)
    if not modules or len(passes) < len(modules):
        return None
    issued_at = now
    if earned_at is not None and earned_at < now:
        completed = max(min(a.finished_at for a in p) for p in passes.values())
        issued_at = max(earned_at, completed)
    best = {m: _best(a for a in p if a.finished_at <= issued_at) for m, p in passes.items()}
    cert = Certificate(
        user_id=user.id,
        code=unique_code(session),
        programme=settings.name,
        issued_at=issued_at,
        expires_at=add_months(issued_at, settings.validity_months),
    )
    session.add(cert)
    session.flush()
    for module in modules:
        session.add(CertificateAttempt(certificate_id=cert.id, attempt_id=best[module.id].id))
    _keep_one_current([cert, *certs], now, window)
    session.flush()
    record(
        session,
        None,
        "certificate.issued",
        "certificate",
        cert.id,
        f"Certificate {format_code(cert.code)} issued to {user.name} ({user.email}), "
        f"valid until {cert.expires_at:%Y-%m-%d}",
        user_id=user.id,
        code=cert.code,
        expires_at=cert.expires_at.isoformat(),
        attempt_ids=[best[m.id].id for m in modules],
    )
    return cert


def issue_where_qualified(session: Session, now: datetime) -> list[Certificate]:
    """After the rules changed (required modules, validity, window): issue every certificate now due,
    each through on_attempt_passed under the trainee's lock; flush only, the caller commits."""
    modules = programme_service.required_modules(session)
    if not modules:
        return []
    settings = programme_service.get(session)
    module_ids = [m.id for m in modules]
    if session.get_bind().dialect.name != "sqlite":
        # Lock everyone who has taken a required module before looking: a pass being graded right now
        # is then either committed before we look, or graded after this change and issues itself.
        takers = select(QuizAttempt.user_id).where(QuizAttempt.module_id.in_(module_ids))
        session.execute(select(User.id).where(User.id.in_(takers)).order_by(User.id).with_for_update(key_share=True))
    covered = (
        select(QuizAttempt.user_id)
        .where(
            QuizAttempt.module_id.in_(module_ids),
            QuizAttempt.passed.is_(True),
            QuizAttempt.finished_at >= add_months(now, -settings.validity_months),
            QuizAttempt.finished_at <= now,
        )
        .group_by(QuizAttempt.user_id)
        .having(func.count(distinct(QuizAttempt.module_id)) == len(module_ids))
    )
    certified = select(Certificate.user_id).where(  # holds a valid certificate outside its renewal window
        Certificate.revoked_at.is_(None),
        Certificate.superseded_at.is_(None),
        Certificate.expires_at > now + timedelta(days=settings.renewal_window_days),
    )
    candidates = session.scalars(
        select(User).where(User.id.in_(covered), User.id.not_in(certified)).order_by(User.id)
    ).all()
    issued = [on_attempt_passed(session, user, now) for user in candidates]
    return [cert for cert in issued if cert is not None]


# --- revoking ------------------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason.")
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Keep the reason under {MAX_REASON} characters.")
    if any(ord(c) < 32 and c not in "\r\n\t" for c in reason):
        raise ServiceError("The reason holds control characters; type it as plain text.")
    return reason


def _set_revocation(session: Session, cert: Certificate, revoked: bool, **values: object) -> bool:
    """Change the revocation only if nobody changed it first (a conditional UPDATE, so two
    managers clicking at once cannot both succeed); reload the row either way."""
    was = Certificate.revoked_at.is_(None) if revoked else Certificate.revoked_at.is_not(None)
    won = (
        session.execute(
            update(Certificate)
            .where(Certificate.id == cert.id, was)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    session.refresh(cert)
    return won


def revoke(session: Session, cert: Certificate, actor: User, reason: str, now: datetime) -> Certificate:
    """Withdraw a certificate; the verify page then says revoked."""
    reason = _reason(reason)
    if not _set_revocation(session, cert, True, revoked_at=now, revoked_reason=reason, revoked_by_id=actor.id):
        raise ServiceError("This certificate is already revoked.")
    record(
        session,
        actor,
        "certificate.revoked",
        "certificate",
        cert.id,
        f"Certificate {format_code(cert.code)} of {cert.user.name} revoked: {reason}",
        user_id=cert.user_id,
        code=cert.code,
        reason=reason,
    )
    return cert


def restore(session: Session, cert: Certificate, actor: User, reason: str, now: datetime) -> Certificate:
    """Undo a revocation; a newer certificate issued meanwhile keeps precedence."""
    reason = _reason(reason)
    _lock_user(session, cert.user)  # as when issuing: restoring may make this the current certificate
    if not _set_revocation(session, cert, False, revoked_at=None, revoked_reason=None, revoked_by_id=None):
        raise ServiceError("This certificate is not revoked.")
    window = programme_service.get(session).renewal_window_days
    _keep_one_current(certificates_of(session, cert.user, fresh=True), now, window)
    session.flush()
    record(
        session,
        actor,
        "certificate.restored",
        "certificate",
        cert.id,
        f"Certificate {format_code(cert.code)} of {cert.user.name} restored: {reason}",
        user_id=cert.user_id,
        code=cert.code,
        reason=reason,
    )
    return cert
