"""Reading the audit trail (writing is audit.record only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import AuditEvent, User

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def actions(session: Session) -> list[str]:
    """The actions the log holds, for the filter."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def search(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """Events newest first, filtered by action, actor (name or email contains; "system" for none)
    and UTC dates (both inclusive)."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        needle = actor.strip().lower()
        if needle == "system":
            query = query.where(AuditEvent.actor_id.is_(None))
        else:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"
            people = select(User.id).where(
                or_(
                    func.lower(User.name).like(like, escape="\\"),
                    func.lower(User.email).like(like, escape="\\"),
                )
            )
            query = query.where(AuditEvent.actor_id.in_(people))
    if date_from:
        query = query.where(AuditEvent.at >= datetime.combine(date_from, time.min, UTC))
    if date_to and date_to < date.max:
        query = query.where(AuditEvent.at < datetime.combine(date_to + timedelta(days=1), time.min, UTC))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    events = list(
        session.scalars(
            query.options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(events, page, pages, total)
