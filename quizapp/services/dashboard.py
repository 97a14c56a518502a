"""The manager's dashboard: tiles, the needs-attention list and the numbers behind its charts.

Fast at 10,000 trainees without a second copy of any rule: plain counts (attempts per week, pass rate and
mean score per module over finished attempts) are SQL aggregates; the certificate tiles and chart read
light column tuples through the one certificate rule (roster.summaries); stuck, never started and the
progress reasons of the list come from the full progress rule run on the candidates SQL picked (a
superset: roster.needing_attention). The list shows the first ATTENTION_SHOWN items and says how many
there are. `from_rows` is the same dashboard computed from every trainee's full row: the reference the
fast path is tested against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from quizapp.models import AttemptStatus, Module, QuizAttempt, User
from quizapp.services import attention, reports, roster
from quizapp.services import programme as programme_service
from quizapp.services.certification import CertStatus
from quizapp.services.facts import Taken
from quizapp.services.modules import ordered_modules
from quizapp.services.oversight import NO_CERTIFICATE, scope_ids

WEEKS = 12
ATTENTION_SHOWN = 50  # the list's first items; the rest are one click away in the filtered table
CHART_STATUSES = [CertStatus.VALID.value, CertStatus.EXPIRING.value, CertStatus.EXPIRED.value]
CHART_STATUSES += [CertStatus.REVOKED.value, NO_CERTIFICATE]


@dataclass(frozen=True)
class ModuleFigures:
    module: Module
    finished: int
    passed: int
    pass_rate: Decimal | None  # percent of finished attempts that passed
    mean_score: Decimal | None  # mean percent of finished attempts


@dataclass(frozen=True)
class Dashboard:
    tiles: attention.Tiles
    attention: list[attention.Item]  # the first ATTENTION_SHOWN
    attention_total: int
    statuses: list[tuple[str, int]]  # certificate status -> trainees
    modules: list[ModuleFigures]
    weeks: list[tuple[datetime, int]]  # start of each of the last 12 seven-day weeks -> attempts started


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def figures(module: Module, finished: int, passed: int, score_sum: Decimal, scored: int) -> ModuleFigures:
    """A module's chart figures from its finished attempts: how many, passed, and the sum of the scores."""
    return ModuleFigures(
        module,
        finished,
        passed,
        _one_decimal(Decimal(100 * passed) / finished) if finished else None,
        _one_decimal(score_sum / scored) if scored else None,
    )


def week_starts(now: datetime) -> list[datetime]:
    return [now - timedelta(weeks=WEEKS - i) for i in range(WEEKS)]


def _statuses(entries: Sequence[attention.CertificateFacts]) -> list[tuple[str, int]]:
    return [(s, sum(1 for e in entries if e.status == s)) for s in CHART_STATUSES]


def from_rows(modules: list[Module], rows: list[reports.Row], now: datetime) -> Dashboard:
    """The dashboard computed from every trainee's full row (the reference; slow for thousands)."""
    attempts: list[Taken] = [a for r in rows for m in r.progress.modules for a in m.attempts]
    found = []
    for module in modules:
        done = [a for a in attempts if a.module_id == module.id and a.finished_at is not None and not a.is_open]
        scores = [a.percent for a in done if a.percent is not None]
        found.append(figures(module, len(done), sum(1 for a in done if a.passed), sum(scores, Decimal(0)), len(scores)))
    week = timedelta(weeks=1)
    weeks = [(start, sum(1 for a in attempts if start <= a.started_at < start + week)) for start in week_starts(now)]
    items = attention.needs_attention(rows, now)
    return Dashboard(attention.tiles(rows), items[:ATTENTION_SHOWN], len(items), _statuses(rows), found, weeks)


def dashboard(session: Session, viewer: User, now: datetime) -> Dashboard:
    """The viewer's dashboard in a fixed number of queries (see the module's docstring)."""
    modules = ordered_modules(session)
    settings = programme_service.get(session)
    scope = scope_ids(session, viewer)
    entries = roster.summaries(session, scope, now, settings.renewal_window_days)
    candidates = roster.needing_attention(session, scope, modules, now, attention.REPEATED_FAILS)
    known = {e.trainee_id: e for e in entries}  # names and certificates: rows_of reads them no more

    def rows_of(ids: Sequence[int]) -> list[reports.Row]:
        return reports.rows_of(session, ids, now, settings, known)

    by_name = [e.trainee_id for e in entries if e.trainee_id in candidates]
    rows = [r for ids in reports.chunks(by_name, 5000) for r in rows_of(ids)]
    items, total = attention.first_items(entries, rows, now, ATTENTION_SHOWN, rows_of)
    return Dashboard(
        attention.tiles(entries, rows),
        items,
        total,
        _statuses(entries),
        _module_figures(session, scope, modules),
        _weeks(session, scope, now),
    )


def _finished() -> ColumnElement[bool]:
    return and_(QuizAttempt.status != AttemptStatus.OPEN, QuizAttempt.finished_at.is_not(None))


def _module_figures(session: Session, scope: roster.Scope, modules: list[Module]) -> list[ModuleFigures]:
    """Per module, over the finished attempts of the trainees in scope (one query)."""
    query = (
        select(
            QuizAttempt.module_id,
            func.count(),
            func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.sum(QuizAttempt.percent),
            func.count(QuizAttempt.percent),
        )
        .where(QuizAttempt.user_id.in_(scope), _finished())
        .group_by(QuizAttempt.module_id)
    )
    found = {m: (n, int(p or 0), Decimal(s or 0), k) for m, n, p, s, k in session.execute(query)}
    return [figures(m, *found.get(m.id, (0, 0, Decimal(0), 0))) for m in modules]


def _weeks(session: Session, scope: roster.Scope, now: datetime) -> list[tuple[datetime, int]]:
    """Attempts started in each of the last WEEKS weeks by the trainees in scope (one query)."""
    starts, week = week_starts(now), timedelta(weeks=1)
    started = QuizAttempt.started_at
    counts = [func.sum(case((and_(started >= s, started < s + week), 1), else_=0)) for s in starts]
    query = select(*counts).where(QuizAttempt.user_id.in_(scope), started >= starts[0], started < starts[-1] + week)
    found = session.execute(query).one()
    return [(start, int(n or 0)) for start, n in zip(starts, found, strict=True)]
