"""Programme settings: name, validity and renewal window (Setting rows over config defaults)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.db import utcnow
from quizapp.models import Module, Setting, User
from quizapp.services import ServiceError
from quizapp.services.audit import record

MAX_VALIDITY_MONTHS = 120
MAX_WINDOW_DAYS = 365
MAX_NAME = 200


@dataclass(frozen=True)
class Programme:
    name: str
    validity_months: int
    renewal_window_days: int


# setting key -> (Programme field, config default, parser)
KEYS: dict[str, tuple[str, str, type]] = {
    "programme_name": ("name", "PROGRAMME_NAME", str),
    "validity_months": ("validity_months", "CERT_VALIDITY_MONTHS", int),
    "renewal_window_days": ("renewal_window_days", "CERT_RENEWAL_WINDOW_DAYS", int),
}


def _defaults() -> Mapping[str, Any]:
    if has_app_context():
        return current_app.config
    from quizapp.config import Defaults

    return vars(Defaults)


def defaults() -> Programme:
    """The programme as the configuration sets it, before any admin edits."""
    config = _defaults()
    return Programme(**{field: parse(config[conf]) for field, conf, parse in KEYS.values()})


def get(session: Session) -> Programme:
    """The programme as configured: stored settings win over the config defaults."""
    values = vars(defaults()).copy()
    for row in session.scalars(select(Setting).where(Setting.key.in_(KEYS))):
        field, _conf, parse = KEYS[row.key]
        try:
            values[field] = parse(row.value)
        except ValueError:  # a hand-edited row; keep the default rather than fail every page
            continue
    return Programme(**values)


def required_modules(session: Session) -> list[Module]:
    """The modules a certificate needs (the modules' own flag is the only list)."""
    return list(
        session.scalars(
            select(Module).where(Module.required_for_certification.is_(True)).order_by(Module.order, Module.title)
        )
    )


def validate(name: str, validity_months: int, renewal_window_days: int) -> list[str]:
    """Every problem with the proposed settings (empty when they are fine)."""
    problems = []
    if not name.strip():
        problems.append("The programme needs a name.")
    elif len(name.strip()) > MAX_NAME:
        problems.append(f"The programme name may have at most {MAX_NAME} characters.")
    elif any(ord(c) < 32 for c in name):
        problems.append("The programme name must be one line of plain text.")
    if not 1 <= validity_months <= MAX_VALIDITY_MONTHS:
        problems.append(f"Validity must be between 1 and {MAX_VALIDITY_MONTHS} months.")
    if not 0 <= renewal_window_days <= MAX_WINDOW_DAYS:
        problems.append(f"The renewal window must be between 0 and {MAX_WINDOW_DAYS} days.")
    elif 1 <= validity_months <= MAX_VALIDITY_MONTHS and renewal_window_days >= validity_months * 28:
        problems.append("The renewal window must be shorter than the validity period.")
    return problems


def update(
    session: Session,
    *,
    name: str,
    validity_months: int,
    renewal_window_days: int,
    required_module_ids: Iterable[int],
    actor: User | None,
    now: datetime | None = None,
) -> list[str]:
    """Store the settings and the modules' required flags; audit each change; return what changed.

    A change to who qualifies (the required modules, the validity, the window) issues, in the same
    transaction, the certificates trainees have now earned: nobody waits for another pass."""
    problems = validate(name, validity_months, renewal_window_days)
    if problems:
        raise ServiceError(" ".join(problems))
    old = get(session)
    new = Programme(name.strip(), validity_months, renewal_window_days)
    changes: list[str] = []
    for key, (field, _conf, _parse) in KEYS.items():
        before, after = getattr(old, field), getattr(new, field)
        if before == after:
            continue
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=str(after)))
        else:
            row.value = str(after)
        changes.append(f"{key}: {before} → {after}")
        record(session, actor, "programme.updated", "setting", key, f"{key}: {before} → {after}", old=before, new=after)
    rules_changed = (old.validity_months, old.renewal_window_days) != (new.validity_months, new.renewal_window_days)
    wanted = set(required_module_ids)
    for module in session.scalars(select(Module).order_by(Module.order, Module.title)):
        required = module.id in wanted
        if module.required_for_certification != required:
            module.required_for_certification = required
            rules_changed = True
            text = f"{module.slug}: {'required' if required else 'not required'} for certification"
            changes.append(text)
            record(session, actor, "module.required_changed", "module", module.id, text, required=required)
    session.flush()
    if rules_changed:
        from quizapp.services import certification  # it imports this module: a top-level import is circular

        issued = certification.issue_where_qualified(session, now or utcnow())
        if issued:
            changes.append(f"{len(issued)} certificate(s) issued to trainees who now qualify")
    return changes
