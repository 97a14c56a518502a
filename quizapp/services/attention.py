"""Who needs a manager's attention, and why: the one definition of each reason and of "stuck", with
its thresholds, read from the rows the trainee table already built (pure: no query)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from quizapp.models import Module, QuizAttempt
from quizapp.services.certification import CertStatus
from quizapp.services.progress import ModuleState, Why
from quizapp.services.reports import Row

EXPIRING_WITHIN_DAYS = 30  # a current certificate this close to expiry needs renewing now
REPEATED_FAILS = 2  # failed the same module this often, without passing it since: stuck
NEVER_STARTED_AFTER_DAYS = 14  # an account this old with no attempt at all


class Reason(StrEnum):
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REPEATED_FAILS = "repeated_fails"
    COOLDOWN = "cooldown"
    CRITICAL = "critical"
    NEVER_STARTED = "never_started"


@dataclass(frozen=True)
class Item:
    """One reason one trainee needs attention, in words, with the module it concerns if any."""

    row: Row
    reason: Reason
    text: str
    module: Module | None = None


def _fails_since_last_pass(attempts: Sequence[QuizAttempt]) -> int:
    """Failed finished attempts after the last pass (attempts oldest first)."""
    count = 0
    for attempt in attempts:
        if attempt.finished_at is None or attempt.is_open:
            continue
        count = 0 if attempt.passed else count + 1
    return count


def reasons(row: Row, now: datetime) -> list[Item]:
    """Every reason this trainee needs attention (empty when none)."""
    found: list[Item] = []
    if row.days_left is not None and row.days_left <= EXPIRING_WITHIN_DAYS:
        days = row.days_left
        found.append(Item(row, Reason.EXPIRING, f"Certificate expires in {days} day{'' if days == 1 else 's'}"))
    if row.status == CertStatus.EXPIRED and row.certificate is not None:
        found.append(Item(row, Reason.EXPIRED, f"Certificate expired on {row.certificate.expires_at:%d %b %Y}"))
    for cell in row.cells:
        item, module = cell.progress, cell.progress.module
        if item.state == ModuleState.PASSED:
            continue
        fails = _fails_since_last_pass(item.attempts)
        if fails >= REPEATED_FAILS:
            found.append(Item(row, Reason.REPEATED_FAILS, f"Failed {module.title} {fails} times", module))
        if item.state == ModuleState.NOT_PASSED and item.why == Why.CRITICAL:
            found.append(Item(row, Reason.CRITICAL, f"Missed a safety-critical question in {module.title}", module))
        if cell.next_at is not None:
            found.append(
                Item(
                    row,
                    Reason.COOLDOWN,
                    f"{module.title}: next attempt from {cell.next_at:%d %b %Y, %H:%M} UTC",
                    module,
                )
            )
    if not row.started and (now - row.trainee.created_at).days >= NEVER_STARTED_AFTER_DAYS:
        days = (now - row.trainee.created_at).days
        found.append(Item(row, Reason.NEVER_STARTED, f"Never started, {days} days after the account was created"))
    return found


def is_stuck(row: Row) -> bool:
    """Stuck: failed a module REPEATED_FAILS times or more without passing it since."""
    return any(
        c.progress.state != ModuleState.PASSED and _fails_since_last_pass(c.progress.attempts) >= REPEATED_FAILS
        for c in row.cells
    )


def needs_attention(rows: Sequence[Row], now: datetime) -> list[Item]:
    """Every reason of every trainee, most urgent reason first, then by name."""
    order = list(Reason)
    items = [item for row in rows for item in reasons(row, now)]
    items.sort(key=lambda i: (order.index(i.reason), i.row.days_left or 0, i.row.trainee.name.casefold()))
    return items


@dataclass(frozen=True)
class Tiles:
    trainees: int
    certified: int
    expiring: int  # within EXPIRING_WITHIN_DAYS
    expired: int
    revoked: int
    never_started: int
    stuck: int


def tiles(rows: Sequence[Row]) -> Tiles:
    return Tiles(
        trainees=len(rows),
        certified=sum(1 for r in rows if r.certified),
        expiring=sum(1 for r in rows if r.days_left is not None and r.days_left <= EXPIRING_WITHIN_DAYS),
        expired=sum(1 for r in rows if r.status == CertStatus.EXPIRED),
        revoked=sum(1 for r in rows if r.status == CertStatus.REVOKED),
        never_started=sum(1 for r in rows if not r.started),
        stuck=sum(1 for r in rows if is_stuck(r)),
    )
