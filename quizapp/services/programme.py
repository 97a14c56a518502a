"""Programme settings: name, validity and renewal window (Setting rows over the configured defaults).

This module stores settings only; `certification.update_programme` reacts to a change of the rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from quizapp.models import Setting, User
from quizapp.services import ServiceError, settings_of
from quizapp.services.audit import record
from quizapp.services.modules import STAMP, ordered_modules
from quizapp.services.text import is_blank

MAX_VALIDITY_MONTHS = 120
MAX_WINDOW_DAYS = 365
MAX_NAME = 200


@dataclass(frozen=True)
class Programme:
    name: str
    validity_months: int
    renewal_window_days: int


# setting key -> (Programme field, parser)
KEYS: dict[str, tuple[str, type]] = {
    "programme_name": ("name", str),
    "validity_months": ("validity_months", int),
    "renewal_window_days": ("renewal_window_days", int),
}


def defaults(session: Session) -> Programme:
    """The programme as the configuration sets it, before any admin edits."""
    config = settings_of(session)
    return Programme(config.programme_name, config.cert_validity_months, config.cert_renewal_window_days)


def get(session: Session) -> Programme:
    """The programme as configured: stored settings win over the config defaults."""
    return current(session)[0]


# built once: the programme's settings rows and the modules' version stamp (key = ... OR ..., not IN (...): a
# list is an "expanding" parameter, whose SQL is finished anew on every execution)
_SETTINGS = select(Setting.key, Setting.value).where(or_(*(Setting.key == key for key in [*KEYS, STAMP])))


def current(session: Session) -> tuple[Programme, str | None]:
    """The programme (see get) and the modules' version stamp (for modules.cached_modules), in one query."""
    values = vars(defaults(session)).copy()
    stamp = None
    for key, value in session.execute(_SETTINGS):
        if key == STAMP:
            stamp = value
            continue
        field, parse = KEYS[key]
        try:
            values[field] = parse(value)
        except ValueError:  # a hand-edited row; keep the default rather than fail every page
            continue
    return Programme(**values), stamp


def validate(name: str, validity_months: int, renewal_window_days: int) -> list[str]:
    """Every problem with the proposed settings (empty when they are fine)."""
    problems = []
    if is_blank(name):
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


@dataclass(frozen=True)
class Changes:
    """What `update` changed, and whether who qualifies for a certificate may have changed with it."""

    lines: list[str]
    rules_changed: bool


def update(
    session: Session,
    *,
    name: str,
    validity_months: int,
    renewal_window_days: int,
    required_module_ids: Iterable[int],
    actor: User | None,
) -> Changes:
    """Store the settings and the modules' required flags; audit each change."""
    problems = validate(name, validity_months, renewal_window_days)
    if problems:
        raise ServiceError(" ".join(problems))
    old = get(session)
    new = Programme(name.strip(), validity_months, renewal_window_days)
    lines: list[str] = []
    for key, (field, _parse) in KEYS.items():
        before, after = getattr(old, field), getattr(new, field)
        if before == after:
            continue
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=str(after)))
        else:
            row.value = str(after)
        lines.append(f"{key}: {before} → {after}")
        record(session, actor, "programme.updated", "setting", key, f"{key}: {before} → {after}", old=before, new=after)
    rules_changed = (old.validity_months, old.renewal_window_days) != (new.validity_months, new.renewal_window_days)
    wanted = set(required_module_ids)
    for module in ordered_modules(session):
        required = module.id in wanted
        if module.required_for_certification != required:
            module.required_for_certification = required
            rules_changed = True
            text = f"{module.slug}: {'required' if required else 'not required'} for certification"
            lines.append(text)
            record(session, actor, "module.required_changed", "module", module.id, text, required=required)
    session.flush()
    return Changes(lines, rules_changed)
