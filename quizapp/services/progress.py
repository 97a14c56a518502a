"""The one progress rule: where a trainee stands in each module and toward the certificate.

Every page, export and command that shows a module's state reads it from here, in one vocabulary:
not started, in progress, not passed (why: the score, or a safety-critical question missed), passed,
pass lapsed (why: older than the validity period, the renewal window is open, or the certificate was
revoked). Built from rows a page already loaded, so a list of many trainees costs a fixed number of
queries (`progress_of_many`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from operator import attrgetter

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session, load_only

from quizapp.models import Certificate, Module, QuizAttempt, User
from quizapp.services import certification, facts
from quizapp.services import programme as programme_service
from quizapp.services.certification import CertDates, SinceReason, add_months, best_pass, counting_from, counts_from
from quizapp.services.facts import CertFacts, Taken
from quizapp.services.grading import finalise_if_overdue, is_overdue
from quizapp.services.modules import cached_modules, ordered_modules
from quizapp.services.programme import Programme


class ModuleState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    NOT_PASSED = "not_passed"
    PASSED = "passed"
    LAPSED = "lapsed"  # passed once, but that pass no longer counts: a new pass is needed


class Why(StrEnum):
    """The reason behind NOT_PASSED and LAPSED."""

    SCORE = "score"  # below the pass mark
    CRITICAL = "critical"  # a safety-critical question missed
    TOO_OLD = "too_old"  # the pass is older than the validity period
    RENEWAL = "renewal"  # recertification: passes before the renewal window opened do not count
    REVOKED = "revoked"  # the certificate was revoked: passes before that do not count


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    state: ModuleState
    why: Why | None
    # attempts are QuizAttempt objects, or facts.AttemptFacts on pages over many trainees
    best: Taken | None  # the best counting pass (PASSED), or the best earlier pass (LAPSED)
    last: Taken | None  # the latest finished attempt
    open_attempt: Taken | None  # an attempt being taken, whatever the state
    attempts: tuple[Taken, ...]  # every attempt at the module, oldest first

    @property
    def attempts_used(self) -> int:
        """Finished attempts."""
        return sum(1 for a in self.attempts if a.finished_at is not None and not a.is_open)

    @property
    def required(self) -> bool:
        return self.module.required_for_certification

    @property
    def passed(self) -> bool:
        return self.state == ModuleState.PASSED


@dataclass(frozen=True)
class Progress:
    """Every module's state, and where that leaves the trainee toward the next certificate."""

    modules: list[ModuleProgress]
    since: datetime | None  # passes before this no longer count
    since_reason: SinceReason | None

    @property
    def required(self) -> list[ModuleProgress]:
        return [m for m in self.modules if m.required]

    @property
    def total(self) -> int:
        return len(self.required)

    @property
    def passed(self) -> int:
        return sum(1 for m in self.required if m.passed)

    @property
    def complete(self) -> bool:
        """Every required module passed (and there is one): total > 0 and passed == total, in one pass."""
        required = self.required
        return bool(required) and all(m.passed for m in required)


# sort keys of attempts (C, not a Python lambda: called for every attempt of every trainee on an export)
_BY_FINISH = attrgetter("finished_at", "id")
_BY_START = attrgetter("started_at", "id")


def module_progress(
    module: Module,
    attempts: Sequence[Taken],
    now: datetime,
    settings: Programme,
    since: datetime | None,
    since_reason: SinceReason | None,
) -> ModuleProgress:
    """One module's state from the trainee's attempts at it (pure)."""
    if not attempts:  # most modules of most trainees on a list of thousands
        return ModuleProgress(module, ModuleState.NOT_STARTED, None, None, None, None, ())
    finished: list[Taken] = []
    open_attempt: Taken | None = None
    for a in attempts:
        if a.is_open:
            if open_attempt is None:
                open_attempt = a
        elif a.finished_at is not None:
            finished.append(a)
    passes = [a for a in finished if a.passed]
    oldest = add_months(now, -settings.validity_months)
    counting = [a for a in passes if counts_from(a, oldest, since)]
    last: Taken | None
    if len(finished) > 1:
        last = max(finished, key=_BY_FINISH)
    else:
        last = finished[0] if finished else None
    why: Why | None = None
    if counting:
        state, best = ModuleState.PASSED, best_pass(counting)
    elif open_attempt is not None:
        state, best = ModuleState.IN_PROGRESS, best_pass(passes)
    elif passes:
        state, best = ModuleState.LAPSED, best_pass(passes)
        if not any(counts_from(a, oldest, None) for a in passes):
            why = Why.TOO_OLD
        else:
            why = Why.REVOKED if since_reason == SinceReason.REVOKED else Why.RENEWAL
    elif last is not None:
        state, best = ModuleState.NOT_PASSED, None
        why = Why.CRITICAL if last.critical_missed else Why.SCORE
    else:
        state, best = ModuleState.NOT_STARTED, None
    ordered = tuple(sorted(attempts, key=_BY_START)) if len(attempts) > 1 else tuple(attempts)
    return ModuleProgress(module, state, why, best, last, open_attempt, ordered)


def build(
    modules: list[Module],
    attempts: Iterable[Taken],
    certs: Sequence[CertDates],
    now: datetime,
    settings: Programme,
) -> Progress:
    """A trainee's progress from their loaded attempts and certificates (newest first) (pure)."""
    since, reason, blocked = counting_from(certs, now, settings.renewal_window_days)
    if blocked:  # certified and not yet in the window: show what earned it
        since, reason = None, None
    by_module: dict[int, list[Taken]] = defaultdict(list)
    for attempt in attempts:
        by_module[attempt.module_id].append(attempt)
    items = [module_progress(m, by_module[m.id], now, settings, since, reason) for m in modules]
    return Progress(items, since, reason)


# Ids per IN list: PostgreSQL takes at most 65,535 bound parameters in one statement, so lists of
# every trainee (an admin's 10,000) are read in slices of this size.
IN_SLICE = 5000


def _slices(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + IN_SLICE] for i in range(0, len(ids), IN_SLICE)]


def _finalise_overdue(session: Session, attempts: Iterable[QuizAttempt], now: datetime) -> None:
    for attempt in attempts:
        if attempt.is_open:
            finalise_if_overdue(session, attempt, now)


def progress_of(session: Session, user: User, now: datetime, *, settings: Programme | None = None) -> Progress:
    """The trainee's progress; see trainee_progress."""
    return trainee_progress(session, user, now, settings=settings)[0]


# Built once (the trainee's own pages): the columns of the trainee's attempts that the rules read.
_ATTEMPTS_OF_ONE = (
    select(QuizAttempt)
    .where(QuizAttempt.user_id == bindparam("user_id", type_=Integer))
    .options(load_only(*facts.RULE_COLUMNS))
)


def trainee_progress(
    session: Session, user: User, now: datetime, *, settings: Programme | None = None, stamp: str | None = None
) -> tuple[Progress, list[Certificate]]:
    """One trainee's progress and certificates (newest first), as progress_of_many gives them, with light
    loads: the attempts' columns the rule reads in one query, the
    certificates, and the modules from the per-process copy (`stamp`: the modules' version stamp read with
    `settings` by programme.current). A trainee whose progress needs a repair (an overdue attempt to grade,
    a missed certificate to issue) goes through progress_of_many, which repairs it."""
    if settings is None:
        settings, stamp = programme_service.current(session)
    attempts = list(session.scalars(_ATTEMPTS_OF_ONE, {"user_id": user.id}))
    if any(a.is_open and is_overdue(a, now) for a in attempts):
        return progress_of_many(session, [user], now, settings=settings)[user.id]
    certs = certification.certificates_of(session, user)
    progress = build(cached_modules(session, stamp), attempts, certs, now, settings)
    if _needs_certificate(progress, certs, now, settings):
        return progress_of_many(session, [user], now, settings=settings)[user.id]
    return progress, certs


def progress_of_many(
    session: Session, users: list[User], now: datetime, *, settings: Programme | None = None
) -> dict[int, tuple[Progress, list[Certificate]]]:
    """Progress and certificates (newest first) of many trainees in a fixed number of queries (per
    IN_SLICE trainees).
    Overdue attempts found on the way are graded, and a trainee who qualifies but holds no current
    certificate (a missed issue) is issued one here, so every page that reads progress also repairs
    it; the request's commit keeps both."""
    settings = settings or programme_service.get(session)
    ids = [u.id for u in users]
    attempts: dict[int, list[QuizAttempt]] = defaultdict(list)
    certs: dict[int, list[Certificate]] = defaultdict(list)
    for chunk in _slices(ids):
        found = list(session.scalars(select(QuizAttempt).where(QuizAttempt.user_id.in_(chunk))))
        _finalise_overdue(session, found, now)
        for attempt in found:
            attempts[attempt.user_id].append(attempt)
        for cert in session.scalars(
            select(Certificate)
            .where(Certificate.user_id.in_(chunk))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        ):
            certs[cert.user_id].append(cert)
    modules = ordered_modules(session)
    result = {}
    for user in users:
        progress = build(modules, attempts[user.id], certs[user.id], now, settings)
        healed = _needs_certificate(progress, certs[user.id], now, settings) and certification.issue_if_qualified(
            session, user, now, backdate=True
        )
        if healed:
            certs[user.id] = certification.certificates_of(session, user, fresh=True)
            progress = build(modules, attempts[user.id], certs[user.id], now, settings)
        result[user.id] = (progress, certs[user.id])
    return result


def _needs_certificate(progress: Progress, certs: Sequence[CertDates], now: datetime, settings: Programme) -> bool:
    """Qualified, yet no valid or expiring certificate: an issue was missed."""
    if not progress.complete:
        return False
    window = settings.renewal_window_days
    return not any(certification.status(c, now, window) in certification.CURRENT for c in certs)


def progress_facts(
    session: Session,
    ids: Sequence[int],
    now: datetime,
    *,
    settings: Programme,
    certs: Mapping[int, Sequence[CertFacts]] | None = None,
) -> dict[int, tuple[Progress, Sequence[CertDates]]]:
    """What progress_of_many gives, from column values instead of ORM objects (pages over thousands of
    trainees), in a fixed number of queries per IN_SLICE trainees. A trainee whose progress needs a repair
    (an overdue attempt to grade, a missed certificate to issue) goes through progress_of_many, which
    repairs it; the others' attempts are AttemptFacts and their certificates CertFacts: those of `certs`
    (newest first) when the caller has read them already (a page that read everyone's), returned as given."""
    attempts: dict[int, list[facts.AttemptFacts]] = {}
    read: dict[int, list[CertFacts]] = {}
    for chunk in _slices(list(ids)):
        attempts.update(facts.attempts_where(session, facts.among(session, QuizAttempt.user_id, chunk)))
        if certs is None:
            read.update(facts.certificates_where(session, facts.among(session, Certificate.user_id, chunk)))
    held_by: Mapping[int, Sequence[CertFacts]] = certs if certs is not None else read
    modules = ordered_modules(session)
    result: dict[int, tuple[Progress, Sequence[CertDates]]] = {}
    repair = []
    for user_id in ids:
        taken, held = attempts.get(user_id, []), held_by.get(user_id, [])
        if any(a.is_open and is_overdue(a, now) for a in taken):
            repair.append(user_id)
            continue
        progress = build(modules, taken, held, now, settings)
        if _needs_certificate(progress, held, now, settings):
            repair.append(user_id)
            continue
        result[user_id] = (progress, held)
    if repair:
        users = list(session.scalars(select(User).where(User.id.in_(repair))))
        for user_id, found in progress_of_many(session, users, now, settings=settings).items():
            result[user_id] = found
    return result
