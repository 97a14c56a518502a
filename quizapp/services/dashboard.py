"""The manager's dashboard: tiles, the needs-attention list and the numbers behind its charts, all from
the trainee table's rows (one progress read for everyone in scope: a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from quizapp.models import Module, QuizAttempt, User
from quizapp.services import attention, reports
from quizapp.services.certification import CertStatus
from quizapp.services.oversight import NO_CERTIFICATE

WEEKS = 12
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
    attention: list[attention.Item]
    statuses: list[tuple[str, int]]  # certificate status -> trainees
    modules: list[ModuleFigures]
    weeks: list[tuple[datetime, int]]  # start of each of the last 12 seven-day weeks -> attempts started


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def dashboard(session: Session, viewer: User, now: datetime) -> Dashboard:
    modules, rows = reports.select_rows(session, viewer, now, reports.Filters())
    statuses = [(s, sum(1 for r in rows if r.status == s)) for s in CHART_STATUSES]
    attempts: list[QuizAttempt] = [a for r in rows for m in r.progress.modules for a in m.attempts]
    figures = []
    for module in modules:
        done = [a for a in attempts if a.module_id == module.id and a.finished_at is not None and not a.is_open]
        passed = sum(1 for a in done if a.passed)
        scores = [a.percent for a in done if a.percent is not None]
        figures.append(
            ModuleFigures(
                module,
                len(done),
                passed,
                _one_decimal(Decimal(100 * passed) / len(done)) if done else None,
                _one_decimal(sum(scores, Decimal(0)) / len(scores)) if scores else None,
            )
        )
    starts = [now - timedelta(weeks=WEEKS - i) for i in range(WEEKS)]
    weeks = [
        (start, sum(1 for a in attempts if start <= a.started_at < start + timedelta(weeks=1))) for start in starts
    ]
    return Dashboard(attention.tiles(rows), attention.needs_attention(rows, now), statuses, figures, weeks)
