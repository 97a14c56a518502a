"""Certificates: the rules — status over time, which passes count, issuing on the last required pass,
healing a missed issue, revoke and restore. What pages show lives in certificate_pages and progress."""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Protocol, TypeVar

from sqlalchemy import Integer, bindparam, distinct, func, select, update
from sqlalchemy.orm import Session

from quizapp.db import affected_rows
from quizapp.models import Certificate, CertificateAttempt, Module, QuizAttempt, Role, User
from quizapp.services import ServiceError
from quizapp.services import programme as programme_service
from quizapp.services.audit import record
from quizapp.services.certificate_codes import format_code, unique_code
from quizapp.services.facts import Taken
from quizapp.services.modules import cached_modules, ordered_modules
from quizapp.services.scope import ensure_can_oversee
from quizapp.services.text import required_text

MAX_REASON = 500


# --- time and status (pure) ----------------------------------------------------------------------


class CertStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # inside the recertification window
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # replaced by a newer certificate


CURRENT = (CertStatus.VALID, CertStatus.EXPIRING)


class CertDates(Protocol):
    """What the status rule reads of a certificate: a Certificate, or a light tuple of its columns (the
    dashboard reads 10,000 trainees' certificates without loading ORM objects)."""

    @property
    def issued_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def superseded_at(self) -> datetime | None: ...


C = TypeVar("C", bound=CertDates)
A = TypeVar("A", bound=Taken)


@lru_cache(maxsize=4096)  # pure; the validity rule asks it for the same `now` once per pass of every trainee
def add_months(when: datetime, months: int) -> datetime:
    """Calendar months later (or earlier); the day is clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = when.year * 12 + when.month - 1 + months
    year, month = divmod(index, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def window_opens(cert: CertDates, window_days: int) -> datetime:
    """When recertification opens: the renewal window before expiry, never before the issue."""
    opens = cert.expires_at - timedelta(days=window_days)
    return opens if opens >= cert.issued_at else cert.issued_at


def status(cert: CertDates, now: datetime, window_days: int) -> CertStatus:
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


def days_left(cert: CertDates, now: datetime) -> int:
    """Whole days until expiry, rounded up (0 once expired)."""
    return max(0, math.ceil((cert.expires_at - now).total_seconds() / 86400))


def shown_certificate(certs: list[C], now: datetime, window_days: int) -> tuple[C, CertStatus] | tuple[None, None]:
    """The certificate a page shows for a trainee (newest first in `certs`): the current one, else the latest."""
    statuses = [(c, status(c, now, window_days)) for c in certs]
    return next(((c, s) for c, s in statuses if s in CURRENT), statuses[0] if statuses else (None, None))


# built once (every trainee page reads them)
_CERTIFICATES_OF = (
    select(Certificate)
    .where(Certificate.user_id == bindparam("user_id", type_=Integer))
    .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
)
# read what other transactions committed, not this session's cached rows
_FRESH_CERTIFICATES_OF = _CERTIFICATES_OF.execution_options(populate_existing=True)


def certificates_of(session: Session, user: User, *, fresh: bool = False) -> list[Certificate]:
    """The trainee's certificates, newest first."""
    return list(session.scalars(_FRESH_CERTIFICATES_OF if fresh else _CERTIFICATES_OF, {"user_id": user.id}))


def current_for(session: Session, user: User, now: datetime) -> Certificate | None:
    """The trainee's valid or expiring certificate, if any (there is at most one)."""
    window = programme_service.get(session).renewal_window_days
    return next((c for c in certificates_of(session, user) if status(c, now, window) in CURRENT), None)


def latest_for(session: Session, user: User) -> Certificate | None:
    """The most recent certificate whatever its status."""
    certs = certificates_of(session, user)
    return certs[0] if certs else None


# --- which passes count (pure) -------------------------------------------------------------------


class SinceReason(StrEnum):
    """Why passes before a moment no longer count."""

    RENEWAL = "renewal"  # recertification: only passes after the renewal window opened
    REVOKED = "revoked"  # a revoked certificate is re-earned with new passes only


def counting_from(
    certs: Sequence[CertDates], now: datetime, window_days: int
) -> tuple[datetime | None, SinceReason | None, bool]:
    """(passes must finish after this, why, a valid certificate outside its window blocks a new one);
    `certs` newest first."""
    current = next((c for c in certs if status(c, now, window_days) in CURRENT), None)
    if current is not None:
        blocked = status(current, now, window_days) == CertStatus.VALID
        return window_opens(current, window_days), SinceReason.RENEWAL, blocked
    if not certs:
        return None, None, False
    latest = certs[0]
    if latest.revoked_at is not None:
        return latest.revoked_at, SinceReason.REVOKED, False
    return window_opens(latest, window_days), SinceReason.RENEWAL, False


def counts(attempt: Taken, now: datetime, validity_months: int, since: datetime | None) -> bool:
    """The one rule for a pass that counts toward a certificate: passed, finished inside the validity
    period before `now`, and after `since`. There is no upper bound: a pass committed by a concurrent
    submit whose clock read a moment later still counts."""
    return counts_from(attempt, add_months(now, -validity_months), since)


def counts_from(attempt: Taken, oldest: datetime, since: datetime | None) -> bool:
    """counts() with the validity period's start (`add_months(now, -validity_months)`) worked out once by
    the caller (the progress rule asks it for every pass of every trainee)."""
    return (
        bool(attempt.passed)
        and attempt.finished_at is not None
        and attempt.finished_at >= oldest
        and (since is None or attempt.finished_at > since)
    )


def finished_at(attempt: QuizAttempt) -> datetime:
    """When a finished attempt finished (an open one has no such time: a programming error)."""
    if attempt.finished_at is None:
        raise ValueError(f"attempt {attempt.id} is not finished")
    return attempt.finished_at


_BEST = attrgetter("percent", "finished_at")  # C, not a lambda: asked for every module of every trainee


def best_pass(passes: Iterable[A]) -> A | None:
    """The pass a page shows and a certificate rests on: highest score, then the latest."""
    return max(passes, key=_BEST, default=None)


# --- issuing -------------------------------------------------------------------------------------


def _lock_user(session: Session, user: User) -> None:
    """Serialise issuing per trainee. SQLite needs nothing: the submit already holds the write lock.

    FOR NO KEY UPDATE, not FOR UPDATE: rows inserted with a foreign key to the user (an attempt, an
    audit event) take KEY SHARE locks, which FOR UPDATE would wait on, deadlocking two submits."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))


def _passes_of(session: Session, user: User, modules: list[Module]) -> dict[int, list[QuizAttempt]]:
    """Every passed attempt of the trainee at these modules, read fresh (what others committed counts)."""
    found: dict[int, list[QuizAttempt]] = defaultdict(list)
    query = select(QuizAttempt).where(
        QuizAttempt.user_id == user.id,
        QuizAttempt.module_id.in_([m.id for m in modules]),
        QuizAttempt.passed.is_(True),
    )
    for attempt in session.scalars(query.execution_options(populate_existing=True)):
        found[attempt.module_id].append(attempt)
    return found


def _keep_one_current(certs: list[Certificate], now: datetime, window: int) -> None:
    """At most one valid or expiring certificate: the newest stays, older ones are superseded."""
    current = [c for c in certs if status(c, now, window) in CURRENT]
    current.sort(key=lambda c: (c.issued_at, c.id or 0), reverse=True)
    for older in current[1:]:
        older.superseded_at = now


def issue_if_qualified(
    session: Session, user: User, now: datetime, *, earned_at: datetime | None = None, backdate: bool = False
) -> Certificate | None:
    """Issue a certificate when every required module has a counting pass and no valid certificate
    blocks it; flush only, the caller commits.

    Everything is read after the trainee's lock, so of two final passes submitted at once the second
    to take the lock sees the first. Dated from `now`, or from `earned_at` when the pass was graded
    late (an overdue attempt), or (`backdate`, when healing a missed issue) from the pass that
    completed the set — never before the passes it rests on."""
    if user.role != Role.TRAINEE:
        return None
    _lock_user(session, user)
    settings, stamp = programme_service.current(session)
    window = settings.renewal_window_days
    certs = certificates_of(session, user, fresh=True)
    since, _why, blocked = counting_from(certs, now, window)
    # the modules as of the stamp read just now with the settings (a change of the modules renews it)
    modules = [m for m in cached_modules(session, stamp) if m.required_for_certification]
    if blocked or not modules:
        return None
    found = _passes_of(session, user, modules)
    passes = {m.id: [a for a in found[m.id] if counts(a, now, settings.validity_months, since)] for m in modules}
    if not all(passes.values()):
        return None
    completed = max(min(finished_at(a) for a in p) for p in passes.values())
    start = completed if backdate else (earned_at if earned_at is not None and earned_at < now else now)
    issued_at = max(start, completed)
    best = {m: best_pass(a for a in p if finished_at(a) <= issued_at) for m, p in passes.items()}
    cert = Certificate(
        user_id=user.id,
        code=unique_code(session),
        programme=settings.name,
        issued_at=issued_at,
        expires_at=add_months(issued_at, settings.validity_months),
    )
    session.add(cert)
    session.flush()
    evidence = [best[m.id] for m in modules]
    for attempt in evidence:
        assert attempt is not None  # every module has a pass finished by issued_at
        session.add(CertificateAttempt(certificate_id=cert.id, attempt_id=attempt.id))
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
        attempt_ids=[a.id for a in evidence if a is not None],
    )
    return cert


def issue_where_qualified(
    session: Session, now: datetime, *, user_ids: Iterable[int] | None = None, backdate: bool = False
) -> list[Certificate]:
    """Issue every certificate now due (after the rules changed, or to heal one a race or a crash
    missed: `certs reconcile`); each through issue_if_qualified under the trainee's lock. Flush only."""
    modules = ordered_modules(session, required_only=True)
    if not modules:
        return []
    settings = programme_service.get(session)
    module_ids = [m.id for m in modules]
    trainees = select(User.id).where(User.role == Role.TRAINEE)
    if user_ids is not None:
        trainees = trainees.where(User.id.in_(list(user_ids)))
    if session.get_bind().dialect.name != "sqlite":
        # Lock everyone who has taken a required module before looking: a pass being graded right now
        # is then either committed before we look, or graded after this and issues itself.
        takers = select(QuizAttempt.user_id).where(QuizAttempt.module_id.in_(module_ids))
        session.execute(
            select(User.id)
            .where(User.id.in_(takers), User.id.in_(trainees))
            .order_by(User.id)
            .with_for_update(key_share=True)
        )
    # Candidates only (issue_if_qualified decides): a pass in every required module, and no
    # certificate that is VALID in status()'s sense (not revoked or superseded, outside its window).
    covered = (
        select(QuizAttempt.user_id)
        .where(QuizAttempt.module_id.in_(module_ids), QuizAttempt.passed.is_(True))
        .group_by(QuizAttempt.user_id)
        .having(func.count(distinct(QuizAttempt.module_id)) == len(module_ids))
    )
    certified = select(Certificate.user_id).where(
        Certificate.revoked_at.is_(None),
        Certificate.superseded_at.is_(None),
        Certificate.expires_at > now + timedelta(days=settings.renewal_window_days),
    )
    candidates = session.scalars(
        select(User).where(User.id.in_(trainees), User.id.in_(covered), User.id.not_in(certified)).order_by(User.id)
    ).all()
    issued = [issue_if_qualified(session, user, now, backdate=backdate) for user in candidates]
    return [cert for cert in issued if cert is not None]


def update_programme(
    session: Session,
    *,
    name: str,
    validity_months: int,
    renewal_window_days: int,
    required_module_ids: Iterable[int],
    actor: User | None,
    now: datetime,
) -> list[str]:
    """Store the programme settings; when who qualifies changed (required modules, validity, window),
    issue in the same transaction the certificates trainees have now earned."""
    changes = programme_service.update(
        session,
        name=name,
        validity_months=validity_months,
        renewal_window_days=renewal_window_days,
        required_module_ids=required_module_ids,
        actor=actor,
    )
    lines = list(changes.lines)
    if changes.rules_changed:
        issued = issue_where_qualified(session, now)
        if issued:
            lines.append(f"{len(issued)} certificate(s) issued to trainees who now qualify")
    return lines


# --- revoking ------------------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    reason = required_text(reason, "Give a reason.")
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Keep the reason under {MAX_REASON} characters.")
    if any(ord(c) < 32 and c not in "\r\n\t" for c in reason):
        raise ServiceError("The reason holds control characters; type it as plain text.")
    return reason


def _set_revocation(session: Session, cert: Certificate, revoked: bool, **values: object) -> bool:
    """Change the revocation only if nobody changed it first (a conditional UPDATE, so two
    managers clicking at once cannot both succeed); reload the row either way."""
    was = Certificate.revoked_at.is_(None) if revoked else Certificate.revoked_at.is_not(None)
    result = session.execute(
        update(Certificate)
        .where(Certificate.id == cert.id, was)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    won = affected_rows(result) == 1
    session.refresh(cert)
    return won


def revoke(session: Session, cert: Certificate, actor: User, reason: str, now: datetime) -> Certificate:
    """Withdraw a certificate; the verify page then says revoked. Only for a trainee the actor oversees."""
    ensure_can_oversee(actor, cert.user)
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
    ensure_can_oversee(actor, cert.user)
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
