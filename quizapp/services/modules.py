"""The course's modules: the one ordered list every page, report and command uses, and a per-process copy
of it for the hot pages, valid while the modules' version stamp is unchanged."""

from __future__ import annotations

from itertools import chain
from typing import Any
from uuid import uuid4
from weakref import WeakKeyDictionary

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from quizapp.models import Module, Setting
from quizapp.services import NotFound

# The modules' version stamp: a settings row renewed (a random token) in the same transaction as every
# change to a module, so every worker and host sees a change as soon as it is committed.
STAMP = "modules_version"


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


# engine -> (stamp, modules): one entry per database this process serves
_cache: WeakKeyDictionary[Any, tuple[str, list[Module]]] = WeakKeyDictionary()


def cached_modules(session: Session, stamp: str | None) -> list[Module]:
    """ordered_modules() for pages that only read them (the trainee's own pages): read once per process and
    stamp (programme.current reads the stamp with the settings), as copies that belong to no session.
    Without a stamp (a database whose modules have not changed since stamps began), or in a session with
    unflushed changes, they are read."""
    if stamp is None or session.new or session.dirty or session.deleted:
        return ordered_modules(session)
    engine = session.get_bind()
    found = _cache.get(engine)
    if found is not None and found[0] == stamp:
        return found[1]
    modules = [_detached_copy(m) for m in ordered_modules(session)]
    _cache[engine] = (stamp, modules)
    return modules


def _detached_copy(module: Module) -> Module:
    """The module's column values in a new object that no session holds (safe to share between requests)."""
    return Module(**{attr.key: getattr(module, attr.key) for attr in inspect(Module).column_attrs})


@event.listens_for(Session, "before_flush")
def _renew_stamp(session: Session, _ctx: Any, _instances: Any) -> None:
    """A new stamp whenever a module is added, changed or removed (flushed with the change)."""
    if not any(isinstance(obj, Module) for obj in chain(session.new, session.dirty, session.deleted)):
        return
    with session.no_autoflush:
        row = session.get(Setting, STAMP)
    if row is None:
        session.add(Setting(key=STAMP, value=uuid4().hex))
    else:
        row.value = uuid4().hex
