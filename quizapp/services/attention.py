"""Who needs a manager's attention, and why: the one definition of each reason and of "stuck", with
its thresholds, read from the rows the trainee table built (pure: no query).

At 10,000 trainees the dashboard does not build a row for everyone: the certificate reasons and tiles
read light facts (roster.Summary: the same status and days left), and the progress reasons are read from
the rows of the candidates SQL found (roster.needing_attention, a superset); `first_items` puts the two
together in the one order of `needs_attention`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from quizapp.models import Module
from quizapp.services.certification import CURRENT, CertStatus
from quizapp.services.facts import Taken
from quizapp.services.progress import ModuleState, Why

if TYPE_CHECKING:
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
    when: datetime | None = None  # the moment the text leads up to, shown in the reader's time zone after it


def _fails_since_last_pass(attempts: Sequence[Taken]) -> int:
    """Failed finished attempts after the last pass (attempts oldest first)."""
    count = 0
    for attempt in attempts:
        if attempt.finished_at is None or attempt.is_open:
            continue
        count = 0 if attempt.passed else count + 1
    return count


class CertificateFacts(Protocol):
    """What the certificate reasons and tiles read: a Row, or a light roster.Summary."""

    @property
    def trainee_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def days_left(self) -> int | None: ...
    @property
    def expires_at(self) -> datetime | None: ...


def certificate_reasons(entry: CertificateFacts) -> list[tuple[Reason, str]]:
    """The reasons a trainee's certificate needs attention, in words."""
    found: list[tuple[Reason, str]] = []
    if entry.days_left is not None and entry.days_left <= EXPIRING_WITHIN_DAYS:
        days = entry.days_left
        found.append((Reason.EXPIRING, f"Certificate expires in {days} day{'' if days == 1 else 's'}"))
    if entry.status == CertStatus.EXPIRED and entry.expires_at is not None:
        found.append((Reason.EXPIRED, f"Certificate expired on {entry.expires_at:%d %b %Y}"))
    return found


def progress_reasons(row: Row, now: datetime) -> list[Item]:
    """The reasons from the trainee's progress: repeated fails, a missed safety-critical question, no
    attempt open until later, never started."""
    found: list[Item] = []
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
            found.append(Item(row, Reason.COOLDOWN, f"{module.title}: next attempt from", module, when=cell.next_at))
    if not row.started and (now - row.trainee.created_at).days >= NEVER_STARTED_AFTER_DAYS:
        days = (now - row.trainee.created_at).days
        found.append(Item(row, Reason.NEVER_STARTED, f"Never started, {days} days after the account was created"))
    return found


def reasons(row: Row, now: datetime) -> list[Item]:
    """Every reason this trainee needs attention (empty when none)."""
    return [Item(row, reason, text) for reason, text in certificate_reasons(row)] + progress_reasons(row, now)


def is_stuck(row: Row) -> bool:
    """Stuck: failed a module REPEATED_FAILS times or more without passing it since."""
    return any(
        c.progress.state != ModuleState.PASSED and _fails_since_last_pass(c.progress.attempts) >= REPEATED_FAILS
        for c in row.cells
    )


ORDER = list(Reason)


def _key(reason: Reason, entry: CertificateFacts, module: Module | None) -> tuple[int, int, str, int, int]:
    """The list's order: most urgent reason first, then fewest days left, then by name."""
    return (
        ORDER.index(reason),
        entry.days_left or 0,
        entry.name.casefold(),
        entry.trainee_id,
        module.id if module else 0,
    )


def needs_attention(rows: Sequence[Row], now: datetime) -> list[Item]:
    """Every reason of every trainee, most urgent reason first, then by name."""
    items = [item for row in rows for item in reasons(row, now)]
    items.sort(key=lambda i: _key(i.reason, i.row, i.module))
    return items


def first_items(
    entries: Iterable[CertificateFacts],
    rows: Sequence[Row],
    now: datetime,
    limit: int,
    rows_for: Callable[[list[int]], Sequence[Row]],
) -> tuple[list[Item], int]:
    """The first `limit` items of needs_attention over every trainee, and how many there are in all, from
    light facts of everyone (`entries`: the certificate reasons) and the rows of every trainee a progress
    reason may concern (`rows`, a superset); `rows_for` builds the rows of the others shown."""
    built = {r.trainee_id: r for r in rows}
    keys: list[tuple[tuple[int, int, str, int, int], int]] = []
    for entry in entries:
        if entry.trainee_id not in built:
            keys += [(_key(reason, entry, None), entry.trainee_id) for reason, _text in certificate_reasons(entry)]
    for row in rows:
        keys += [(_key(i.reason, row, i.module), row.trainee_id) for i in reasons(row, now)]
    keys.sort()
    shown = keys[:limit]
    missing = list(dict.fromkeys(t for _k, t in shown if t not in built))
    built.update((r.trainee_id, r) for r in rows_for(missing))
    wanted = {k for k, _t in shown}
    items = [i for t in dict.fromkeys(t for _k, t in shown) for i in reasons(built[t], now)]
    items = [i for i in items if _key(i.reason, i.row, i.module) in wanted]
    items.sort(key=lambda i: _key(i.reason, i.row, i.module))
    return items, len(keys)


@dataclass(frozen=True)
class Tiles:
    trainees: int
    certified: int
    expiring: int  # within EXPIRING_WITHIN_DAYS
    expired: int
    revoked: int
    never_started: int
    stuck: int


def tiles(entries: Sequence[CertificateFacts], rows: Sequence[Row] | None = None) -> Tiles:
    """The counts over every trainee (`entries`); never started and stuck from `rows`, the rows of every
    trainee who may be either (all of them when not given: then entries must be rows)."""
    progress_rows: Sequence[Row] = rows if rows is not None else entries  # type: ignore[assignment]
    return Tiles(
        trainees=len(entries),
        certified=sum(1 for e in entries if e.status in CURRENT),
        expiring=sum(1 for e in entries if e.days_left is not None and e.days_left <= EXPIRING_WITHIN_DAYS),
        expired=sum(1 for e in entries if e.status == CertStatus.EXPIRED),
        revoked=sum(1 for e in entries if e.status == CertStatus.REVOKED),
        never_started=sum(1 for r in progress_rows if not r.started),
        stuck=sum(1 for r in progress_rows if is_stuck(r)),
    )
