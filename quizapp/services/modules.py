"""The course's modules: the one ordered list every page, report and command uses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import Module
from quizapp.services import NotFound


def ordered_modules(session: Session, *, required_only: bool = False) -> list[Module]:
    """Modules in course order (their `order`, then title); only those a certificate needs if asked."""
    query = select(Module).order_by(Module.order, Module.title, Module.id)
    if required_only:
        query = query.where(Module.required_for_certification.is_(True))
    return list(session.scalars(query))


def module_by_slug(session: Session, slug: str) -> Module:
    module = session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        raise NotFound("No such module.")
    return module
