"""How values read on pages: the date, time and points filters, and the one mapping from a status to
its words and badge colour that every template, the PDF and exports use."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from flask import Flask, has_request_context

from quizapp.services.certification import CertStatus
from quizapp.services.progress import ModuleProgress, ModuleState, Why
from quizapp.services.time_zones import zone_of

NO_CERTIFICATE = "none"

# status -> (words, Bootstrap colour of its badge)
BADGES: dict[str, tuple[str, str]] = {
    CertStatus.VALID: ("Valid", "success"),
    CertStatus.EXPIRING: ("Valid, expiring soon", "warning"),
    CertStatus.EXPIRED: ("Expired", "secondary"),
    CertStatus.REVOKED: ("Revoked", "danger"),
    CertStatus.SUPERSEDED: ("Superseded by a newer certificate", "light"),
    NO_CERTIFICATE: ("No certificate", "light"),
    ModuleState.NOT_STARTED: ("Not started", "light"),
    ModuleState.IN_PROGRESS: ("In progress", "info"),
    ModuleState.NOT_PASSED: ("Not passed", "warning"),
    ModuleState.PASSED: ("Passed", "success"),
    ModuleState.LAPSED: ("Pass lapsed", "secondary"),
}
WHY: dict[Why, str] = {
    Why.SCORE: "score below the pass mark",
    Why.CRITICAL: "safety-critical question missed",
    Why.TOO_OLD: "older than the validity period; pass again",
    Why.RENEWAL: "recertification open; pass again",
    Why.REVOKED: "certificate revoked; pass again",
}


# the word stamped across a certificate that no longer counts (PDF and printable page)
STAMPS: dict[str, str] = {
    CertStatus.REVOKED: "REVOKED",
    CertStatus.EXPIRED: "EXPIRED",
    CertStatus.SUPERSEDED: "SUPERSEDED",
}


def stamp_word(status: str | StrEnum | None) -> str | None:
    return STAMPS.get(str(status))


def status_label(status: str | StrEnum | None) -> str:
    return BADGES.get(str(status or NO_CERTIFICATE), (str(status), "secondary"))[0]


def status_class(status: str | StrEnum | None) -> str:
    return BADGES.get(str(status or NO_CERTIFICATE), (str(status), "secondary"))[1]


def why_label(why: Why | None) -> str:
    return WHY[why] if why is not None else ""


def module_state_text(item: ModuleProgress) -> str:
    """The state in words with its reason: "Not passed — safety-critical question missed"."""
    return _state_text(item.state, item.why)


@cache  # a handful of (state, why) pairs; an export asks for them once per module of every trainee
def _state_text(state: ModuleState, why: Why | None) -> str:
    label = status_label(state)
    return f"{label} — {why_label(why)}" if why is not None else label


def format_points(value: Decimal | float | int | None) -> str:
    """Points and scores as people read them: 1, 0.5, 0.33, 85, 87.5 (no trailing .0)."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def viewer_zone() -> ZoneInfo:
    """The time zone of the person looking at the page (their profile setting; UTC until they have one)."""
    if not has_request_context():
        return ZoneInfo("UTC")
    from flask_login import current_user

    return zone_of(getattr(current_user, "time_zone", None))


def _zone(zone: str | ZoneInfo | None) -> ZoneInfo:
    """A zone given by name (a certificate's holder's, say) or as a ZoneInfo, else the viewer's."""
    if isinstance(zone, ZoneInfo):
        return zone
    return zone_of(zone) if zone is not None else viewer_zone()


def format_when(value: datetime | None, zone: str | ZoneInfo | None = None) -> str:
    """A datetime in the viewer's time zone (or the one named), the zone named: 15 Jan 2026, 14:05 CET."""
    if not value:
        return "—"
    local = value.astimezone(_zone(zone))
    return local.strftime("%d %b %Y, %H:%M ") + (local.tzname() or "UTC")


def format_day(value: datetime | None, zone: str | None = None, *, long: bool = False) -> str:
    """A date (15 Jan 2026; `long`: 15 January 2026), the day it is in the viewer's time zone or the one
    named: a certificate shows its dates in its holder's zone, whoever looks at it."""
    if not value:
        return "—"
    return value.astimezone(_zone(zone)).strftime("%d %B %Y" if long else "%d %b %Y")


def init_app(app: Flask) -> None:
    app.add_template_filter(format_points, "points")
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_day, "day")
    app.add_template_global(status_label)
    app.add_template_global(status_class)
    app.add_template_global(why_label)
    app.add_template_global(module_state_text)
    app.add_template_global(stamp_word)
