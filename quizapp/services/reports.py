"""The manager's trainee table: one row per trainee in scope with certificate status first and every
module's state from the progress rule; filters, sort, pages of 50, and the same rows for the CSV export.

Fast at 10,000 trainees: filters and sorts on name, email, team and certificate read light facts of
everyone (services.roster: column tuples through the one certificate rule); only the rows shown (a page,
or the export slice being written) are built with the full progress rule. Filters and sorts on module
states let SQL pick the candidates, then confirm each with the progress rule, SLICE trainees at a time.
Every path sends a fixed number of queries whatever the team size (per SLICE trainees where it slices)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import Certificate, Module, Team, User
from quizapp.services import ServiceError, attention, facts, roster
from quizapp.services import programme as programme_service
from quizapp.services.attempts import availability_of
from quizapp.services.certification import CURRENT, CertStatus
from quizapp.services.facts import CertFacts, Person
from quizapp.services.modules import ordered_modules
from quizapp.services.oversight import NO_CERTIFICATE, scope_ids, teams_in_scope
from quizapp.services.programme import Programme
from quizapp.services.progress import ModuleProgress, ModuleState, Progress, progress_facts

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
ONLY = ("stuck", "never_started")  # the dashboard's tiles of those names
SLICE = 500  # trainees whose full progress is built at a time (the export, filters on module states)


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
    trainee: Person
    progress: Progress
    certificate: CertFacts | Certificate | None  # the current one, else the latest
    status: str  # a CertStatus value or "none"
    days_left: int | None  # days to expiry of a valid or expiring certificate
    cells: list[ModuleCell]
    team_names: str = ""  # the trainee's teams by name, comma-separated

    @property
    def trainee_id(self) -> int:
        return self.trainee.id

    @property
    def name(self) -> str:
        return self.trainee.name

    @property
    def email(self) -> str:
        return self.trainee.email

    @property
    def expires_at(self) -> datetime | None:
        return self.certificate.expires_at if self.certificate is not None else None

    @property
    def certified(self) -> bool:
        return self.status in CURRENT

    @property
    def started(self) -> bool:
        return any(m.attempts for m in self.progress.modules)


class Entry(attention.CertificateFacts, Protocol):
    """What filters on certificates and names, and the sorts other than by module, read of a trainee: a
    Row, or a light roster.Summary (the certificate facts, and these)."""

    @property
    def email(self) -> str: ...
    @property
    def team_names(self) -> str: ...


@dataclass(frozen=True)
class Filters:
    """What the table shows; every field travels in the URL so a view can be bookmarked."""

    team_id: int | None = None
    status: str | None = None  # a CertStatus value (not superseded) or "none"
    expiring_within: int | None = None  # days: current certificates expiring within
    module_id: int | None = None
    state: str | None = None  # a ModuleState value, of module_id (or of any module)
    search: str = ""
    only: str | None = None  # "stuck" or "never_started", as the dashboard's tiles count them
    sort: str = "status"
    descending: bool = False

    def matches_entry(self, entry: Entry) -> bool:
        """The filters that need no progress: certificate, expiry, name or email."""
        if self.status and entry.status != self.status:
            return False
        if self.expiring_within is not None and (entry.days_left is None or entry.days_left > self.expiring_within):
            return False
        if self.search:
            needle = self.search.casefold()
            if needle not in entry.name.casefold() and needle not in entry.email.casefold():
                return False
        return True

    @property
    def needs_progress(self) -> bool:
        return bool(self.state or self.only or self.sort.startswith("module-"))

    def matches_progress(self, row: Row) -> bool:
        """The filters on module states, stuck and never started (the progress rule's)."""
        if self.state:
            cells = [c for c in row.cells if self.module_id is None or c.progress.module.id == self.module_id]
            if not any(c.state == self.state for c in cells):
                return False
        if self.only == "stuck":
            return attention.is_stuck(row)
        return not (self.only == "never_started" and row.started)

    def matches(self, row: Row) -> bool:
        return self.matches_entry(row) and self.matches_progress(row)


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
    if filters.only is not None and filters.only not in ONLY:
        raise ServiceError("Unknown trainee group.")
    if len(filters.search) > MAX_SEARCH:
        raise ServiceError(f"Search: at most {MAX_SEARCH} characters.")
    if filters.sort not in sort_keys(modules):
        raise ServiceError("Unknown sort column.")


def sort_keys(modules: Sequence[Module]) -> list[str]:
    return [*SORTS, *(f"module-{m.id}" for m in modules)]


def build_rows(session: Session, viewer: User, now: datetime, team_id: int | None = None) -> list[Row]:
    """Every trainee in scope (of one team if given: another team is NotFound), unfiltered, by name: the
    full computation, which the fast paths must agree with."""
    ids = list(session.scalars(select(User.id).where(User.id.in_(scope_ids(session, viewer, team_id)))))
    people = facts.people(session, ids)
    ordered = sorted(ids, key=lambda i: (people[i].name, i))
    return [row for chunk in chunks(ordered) for row in rows_of(session, chunk, now, programme_service.get(session))]


def rows_of(
    session: Session,
    ids: Sequence[int],
    now: datetime,
    settings: Programme,
    known: Mapping[int, roster.Summary] | None = None,
    *,
    known_teams: bool = False,
) -> list[Row]:
    """The rows of these trainees (of the viewer's scope: the caller checked it), in this order, from
    column values (progress_facts): a fixed number of queries. `known`: what roster.summaries read of
    these trainees at this `now` (a page that read everyone's first): their names, certificates and shown
    certificate are taken from there instead of read and worked out again, and their team names too when
    `known_teams` (summaries read them)."""
    window = settings.renewal_window_days
    if known is None:
        people, certs = facts.people(session, ids), None
    else:
        people = {i: known[i].person for i in ids}
        certs = {i: known[i].certificates for i in ids}
    if known is not None and known_teams:
        teams = {i: known[i].team_names for i in ids}
    else:
        teams = roster.team_names(session, list(ids))
    found = progress_facts(session, ids, now, settings=settings, certs=certs)
    rows = []
    for user_id in ids:
        person = people.get(user_id)
        if person is None:
            continue
        progress, held = found[user_id]
        entry = known[user_id] if known is not None else None
        if entry is not None and held is entry.certificates:  # not re-read by a repair: the status stands
            cert, status, days = entry.certificate, entry.status, entry.days_left
        else:
            cert, status, days = roster.shown(list(held), now, window)
        cells = [ModuleCell(m, _next_attempt(m, now)) for m in progress.modules]
        rows.append(Row(person, progress, cert, status, days, cells, teams.get(user_id, "")))
    return rows


_NO_WAIT = frozenset({ModuleState.PASSED, ModuleState.NOT_STARTED})  # asked for every module of every row


def _next_attempt(item: ModuleProgress, now: datetime) -> datetime | None:
    """When a trainee who may not start the module now can start it again (limit or cooldown)."""
    if item.state in _NO_WAIT or item.open_attempt is not None:
        return None
    found = availability_of(item.module, now, item.attempts)
    return None if found.can_start else found.next_at


def _entry_key(sort: str) -> Callable[[Entry], Any]:
    if sort == "name":
        return lambda e: (e.name.casefold(), e.trainee_id)
    if sort == "team":
        return lambda e: (e.team_names.casefold(), e.name.casefold(), e.trainee_id)
    if sort == "expires":
        return lambda e: (
            e.expires_at is None,
            e.expires_at if e.expires_at is not None else datetime.max,
            e.name.casefold(),
            e.trainee_id,
        )
    return lambda e: (
        STATUS_ORDER[e.status],
        e.days_left if e.days_left is not None else MAX_EXPIRING_DAYS * 10,
        e.name.casefold(),
        e.trainee_id,
    )


def _module_key(row: Row, module_id: int) -> tuple[int, Decimal, str, int]:
    cell = next(c for c in row.cells if c.progress.module.id == module_id)
    return (STATE_ORDER[cell.state], cell.score or Decimal(0), row.name.casefold(), row.trainee_id)


def _candidates(session: Session, scope: roster.Scope, filters: Filters) -> set[int] | None:
    """Who the progress filters may keep (None: anyone): SQL supersets, one query each."""
    queries = []
    if filters.state:
        queries.append(roster.in_state(scope, filters.state, filters.module_id))
    if filters.only == "stuck":
        queries.append(roster.repeated_fails(scope, attention.REPEATED_FAILS))
    if filters.only == "never_started":
        queries.append(roster.never_started(scope))
    found: set[int] | None = None
    for query in queries:
        if query is not None:
            ids: set[int] = set(session.scalars(query))
            found = ids if found is None else found & ids
    return found


def chunks(items: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    size = size or SLICE
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Selection:
    modules: list[Module]
    settings: Programme
    ids: list[int]  # the matching trainees, in order (all pages)
    known: dict[int, roster.Summary]  # what was read of them (rows_of takes it instead of reading it again)
    known_teams: bool  # whether that holds their team names

    def rows(self, session: Session, ids: Sequence[int], now: datetime) -> list[Row]:
        """The rows of some of these trainees (rows_of, with what is known)."""
        return rows_of(session, ids, now, self.settings, self.known, known_teams=self.known_teams)


def select_ids(
    session: Session, viewer: User, now: datetime, filters: Filters, *, with_teams: bool = False
) -> Selection:
    """The trainees matching the filters (all pages), in the chosen order; ServiceError for a bad filter,
    NotFound for a team outside the viewer's scope. `with_teams`: read everyone's team names now (when
    rows of all of them will be built: the export), not page by page."""
    modules = ordered_modules(session)
    check_filters(filters, modules)
    settings = programme_service.get(session)
    scope = scope_ids(session, viewer, filters.team_id)
    with_teams = with_teams or filters.sort == "team"
    entries: list[roster.Summary] = roster.summaries(
        session, scope, now, settings.renewal_window_days, with_teams=with_teams
    )
    known = {e.trainee_id: e for e in entries}
    entries = [e for e in entries if filters.matches_entry(e)]
    key: Callable[[Any], Any] = _entry_key(filters.sort)
    if filters.needs_progress:
        candidates = _candidates(session, scope, filters)
        if candidates is not None:
            entries = [e for e in entries if e.trainee_id in candidates]
        kept, by_module = [], {}
        module_id = int(filters.sort.removeprefix("module-")) if filters.sort.startswith("module-") else None
        for chunk in chunks(entries):
            rows = rows_of(session, [e.trainee_id for e in chunk], now, settings, known, known_teams=with_teams)
            for entry, row in zip(chunk, rows, strict=True):
                if filters.matches_progress(row):
                    kept.append(entry)
                    if module_id is not None:
                        by_module[entry.trainee_id] = _module_key(row, module_id)
        entries = kept
        if module_id is not None:
            key = lambda e: by_module[e.trainee_id]  # noqa: E731
    entries.sort(key=key, reverse=filters.descending)
    return Selection(modules, settings, [e.trainee_id for e in entries], known, with_teams)


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
    """Every row matching the filters (all pages), in the chosen order (see select_ids)."""
    chosen = select_ids(session, viewer, now, filters)
    rows = [row for ids in chunks(chosen.ids) for row in chosen.rows(session, ids, now)]
    return chosen.modules, rows


def table(session: Session, viewer: User, now: datetime, filters: Filters, page: int = 1) -> Table:
    """One page (PER_PAGE rows) of the filtered, sorted table; a page past the end shows the last. Only
    the page's rows are built with the progress rule."""
    chosen = select_ids(session, viewer, now, filters)
    pages = max(1, -(-len(chosen.ids) // PER_PAGE))
    page = min(max(page, 1), pages)
    shown = chosen.rows(session, chosen.ids[(page - 1) * PER_PAGE : page * PER_PAGE], now)
    return Table(chosen.modules, teams_in_scope(session, viewer), shown, len(chosen.ids), page, pages, filters)


def export_rows(
    session: Session, viewer: User, now: datetime, filters: Filters
) -> tuple[list[Module], Iterator[list[Row]]]:
    """The modules, and the rows of select_ids in slices of SLICE, each built only when asked for (a
    streamed export holds one slice of rows at a time, and the light facts select_ids read of everyone:
    names, teams and certificates, read once, not again per slice). Bad filters and another team fail
    here, before any row."""
    chosen = select_ids(session, viewer, now, filters, with_teams=True)

    def slices() -> Iterator[list[Row]]:
        for ids in chunks(chosen.ids):
            yield chosen.rows(session, ids, now)

    return chosen.modules, slices()


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
