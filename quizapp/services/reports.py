"""The manager's trainee table: one row per trainee in scope with certificate status first and every
module's state from the progress rule; filters, sort, pages of 50, and the same rows for the CSV export.

Every row is built from one `progress_of_many` call over the trainees in scope, so the table, the
dashboard and the export cost a fixed number of queries whatever the team size."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from quizapp.models import Certificate, Module, Team, User
from quizapp.services import ServiceError, certification
from quizapp.services import programme as programme_service
from quizapp.services.attempts import availability
from quizapp.services.certification import CertStatus
from quizapp.services.modules import ordered_modules
from quizapp.services.oversight import NO_CERTIFICATE, teams_in_scope, trainees_in_scope
from quizapp.services.progress import ModuleProgress, ModuleState, Progress, progress_of_many

PER_PAGE = 50
MAX_EXPIRING_DAYS = 3650
MAX_SEARCH = 100
# the table's default order: who may not treat clients comes first
STATUS_ORDER = {
    CertStatus.REVOKED.value: 0,
    CertStatus.EXPIRED.value: 1,
    CertStatus.EXPIRING.value: 2,
    NO_CERTIFICATE: 3,
    CertStatus.VALID.value: 4,
}
STATE_ORDER = {
    ModuleState.NOT_PASSED: 0,
    ModuleState.LAPSED: 1,
    ModuleState.NOT_STARTED: 2,
    ModuleState.IN_PROGRESS: 3,
    ModuleState.PASSED: 4,
}
SORTS = ("status", "name", "team", "expires")  # and "module-<id>" for each module


@dataclass(frozen=True)
class ModuleCell:
    """One module of one trainee: the progress rule's state, and when a refused next attempt opens."""

    progress: ModuleProgress
    next_at: datetime | None

    @property
    def state(self) -> ModuleState:
        return self.progress.state

    @property
    def score(self) -> Decimal | None:
        """The best counting pass when passed (or lapsed), else the last finished attempt's score."""
        shown = self.progress.best if self.progress.best is not None else self.progress.last
        return shown.percent if shown is not None else None


@dataclass(frozen=True)
class Row:
    trainee: User
    progress: Progress
    certificate: Certificate | None  # the current one, else the latest
    status: str  # a CertStatus value or "none"
    days_left: int | None  # days to expiry of a valid or expiring certificate
    cells: list[ModuleCell]

    @property
    def certified(self) -> bool:
        return self.status in (CertStatus.VALID, CertStatus.EXPIRING)

    @property
    def team_names(self) -> str:
        return ", ".join(t.name for t in self.trainee.teams)

    @property
    def started(self) -> bool:
        return any(m.attempts for m in self.progress.modules)


@dataclass(frozen=True)
class Filters:
    """What the table shows; every field travels in the URL so a view can be bookmarked."""

    team_id: int | None = None
    status: str | None = None  # a CertStatus value (not superseded) or "none"
    expiring_within: int | None = None  # days: current certificates expiring within
    module_id: int | None = None
    state: str | None = None  # a ModuleState value, of module_id (or of any module)
    search: str = ""
    sort: str = "status"
    descending: bool = False

    def matches(self, row: Row) -> bool:
        if self.status and row.status != self.status:
            return False
        if self.expiring_within is not None and (row.days_left is None or row.days_left > self.expiring_within):
            return False
        if self.state:
            cells = [c for c in row.cells if self.module_id is None or c.progress.module.id == self.module_id]
            if not any(c.state == self.state for c in cells):
                return False
        if self.search:
            needle = self.search.casefold()
            if needle not in row.trainee.name.casefold() and needle not in row.trainee.email.casefold():
                return False
        return True


def check_filters(filters: Filters, modules: Sequence[Module]) -> None:
    """ServiceError for a value no form offers (a hand-edited URL)."""
    cert_values = {s.value for s in CertStatus if s != CertStatus.SUPERSEDED} | {NO_CERTIFICATE}
    if filters.status and filters.status not in cert_values:
        raise ServiceError("Unknown certificate status.")
    if filters.state and filters.state not in {s.value for s in ModuleState}:
        raise ServiceError("Unknown module state.")
    if filters.module_id is not None and filters.module_id not in {m.id for m in modules}:
        raise ServiceError("Unknown module.")
    if filters.expiring_within is not None and not 0 <= filters.expiring_within <= MAX_EXPIRING_DAYS:
        raise ServiceError(f"Expiring within: a number of days from 0 to {MAX_EXPIRING_DAYS}.")
    if len(filters.search) > MAX_SEARCH:
        raise ServiceError(f"Search: at most {MAX_SEARCH} characters.")
    if filters.sort not in sort_keys(modules):
        raise ServiceError("Unknown sort column.")


def sort_keys(modules: Sequence[Module]) -> list[str]:
    return [*SORTS, *(f"module-{m.id}" for m in modules)]


def build_rows(session: Session, viewer: User, now: datetime, team_id: int | None = None) -> list[Row]:
    """Every trainee in scope (of one team if given: another team is NotFound), unfiltered, by name."""
    settings = programme_service.get(session)
    trainees = trainees_in_scope(session, viewer, team_id)
    found = progress_of_many(session, trainees, now, settings=settings)
    rows = []
    for trainee in trainees:
        progress, certs = found[trainee.id]
        cert, state = certification.shown_certificate(certs, now, settings.renewal_window_days)
        status = state.value if state is not None else NO_CERTIFICATE
        days = certification.days_left(cert, now) if cert is not None and state in certification.CURRENT else None
        cells = [ModuleCell(m, _next_attempt(session, trainee, m, now)) for m in progress.modules]
        rows.append(Row(trainee, progress, cert, status, days, cells))
    return rows


def _next_attempt(session: Session, trainee: User, item: ModuleProgress, now: datetime) -> datetime | None:
    """When a trainee who may not start the module now can start it again (limit or cooldown)."""
    if item.state in (ModuleState.PASSED, ModuleState.NOT_STARTED) or item.open_attempt is not None:
        return None
    found = availability(session, trainee, item.module, now, list(item.attempts))  # the attempts given: no query
    return None if found.can_start else found.next_at


def _sort_key(sort: str) -> Any:
    if sort == "name":
        return lambda r: (r.trainee.name.casefold(), r.trainee.id)
    if sort == "team":
        return lambda r: (r.team_names.casefold(), r.trainee.name.casefold(), r.trainee.id)
    if sort == "expires":
        return lambda r: (
            r.certificate is None,
            r.certificate.expires_at if r.certificate is not None else datetime.max,
            r.trainee.name.casefold(),
            r.trainee.id,
        )
    if sort.startswith("module-"):
        module_id = int(sort.removeprefix("module-"))

        def by_module(r: Row) -> tuple[int, Decimal, str, int]:
            cell = next(c for c in r.cells if c.progress.module.id == module_id)
            return (STATE_ORDER[cell.state], cell.score or Decimal(0), r.trainee.name.casefold(), r.trainee.id)

        return by_module
    return lambda r: (
        STATUS_ORDER[r.status],
        r.days_left if r.days_left is not None else MAX_EXPIRING_DAYS * 10,
        r.trainee.name.casefold(),
        r.trainee.id,
    )


@dataclass(frozen=True)
class Table:
    modules: list[Module]
    teams: list[Team]
    rows: list[Row]  # this page's
    total: int  # rows matching the filters, all pages
    page: int
    pages: int
    filters: Filters = field(default_factory=Filters)


def select_rows(session: Session, viewer: User, now: datetime, filters: Filters) -> tuple[list[Module], list[Row]]:
    """Every row matching the filters (all pages), in the chosen order; ServiceError for a bad filter,
    NotFound for a team outside the viewer's scope."""
    modules = ordered_modules(session)
    check_filters(filters, modules)
    rows = [r for r in build_rows(session, viewer, now, filters.team_id) if filters.matches(r)]
    rows.sort(key=_sort_key(filters.sort), reverse=filters.descending)
    return modules, rows


def table(session: Session, viewer: User, now: datetime, filters: Filters, page: int = 1) -> Table:
    """One page (PER_PAGE rows) of the filtered, sorted table; a page past the end shows the last."""
    modules, rows = select_rows(session, viewer, now, filters)
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    return Table(modules, teams_in_scope(session, viewer), shown, len(rows), page, pages, filters)


# --- CSV -----------------------------------------------------------------------------------------


def csv_header(modules: Sequence[Module]) -> list[str]:
    header = ["certificate status", "days to expiry", "certificate expires", "certificate code"]
    header += ["name", "email", "teams"]
    for m in modules:
        header += [f"{m.title}: state", f"{m.title}: attempts", f"{m.title}: score", f"{m.title}: date"]
    return header


def csv_rows(rows: Sequence[Row], state_words: Any, status_words: Any) -> Iterator[list[Any]]:
    """The rows as CSV values (dates as datetimes: csv_export writes them as ISO 8601); the words come
    from the one presentation mapping, passed in."""
    for row in rows:
        cert = row.certificate
        values: list[Any] = [
            status_words(row.status),
            row.days_left,
            cert.expires_at if cert is not None else None,
            cert.code if cert is not None else None,
            row.trainee.name,
            row.trainee.email,
            row.team_names,
        ]
        for cell in row.cells:
            item = cell.progress
            when = item.best.finished_at if item.best is not None else cell.next_at
            if when is None and item.last is not None:
                when = item.last.finished_at
            values += [state_words(item), item.attempts_used, cell.score, when]
        yield values
