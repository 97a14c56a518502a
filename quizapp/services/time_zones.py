"""Each user's time zone: dates and times on their pages are shown in it (default from their browser)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy.orm import Session

from quizapp.models import User
from quizapp.services import ServiceError


class UnknownTimeZone(ServiceError):
    """Not an IANA time zone name this server knows."""


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this server knows (a browser may report an alias such as Etc/UTC)."""
    return frozenset(available_timezones() | {"UTC"})


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    """The zones offered on the settings page: UTC first, then Region/City names, sorted."""
    names = sorted(n for n in known_zones() if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/")))
    return ["UTC", *names]


def zone_of(name: str | None) -> ZoneInfo:
    """The zone by name; UTC for no name or one that is not known."""
    if name and name in known_zones():
        return ZoneInfo(name)
    return ZoneInfo("UTC")


def set_time_zone(session: Session, user: User, name: str, *, only_if_unset: bool = False) -> bool:
    """Set the user's time zone (only flushes); `only_if_unset` for the browser's guess, which never
    overrides a choice. Returns whether it changed."""
    name = (name or "").strip()
    if name not in known_zones():
        raise UnknownTimeZone("Choose a time zone from the list.")
    if (only_if_unset and user.time_zone) or user.time_zone == name:
        return False
    user.time_zone = name
    session.flush()
    return True
