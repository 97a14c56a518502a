"""What counts as empty in a required text field: one rule for every service."""

from __future__ import annotations

import unicodedata

from quizapp.services import ServiceError

# Letters and symbols that draw nothing although they are not format characters (Hangul fillers, braille blank).
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_blank(value: str | None) -> bool:
    """True when nothing visible is left: only whitespace, Unicode format characters (category Cf: zero-width
    spaces, BOM, direction marks) and the few letters that draw nothing."""
    return not value or all(c.isspace() or c in INVISIBLE or unicodedata.category(c) == "Cf" for c in value)


def required_text(value: str | None, message: str) -> str:
    """The value without surrounding whitespace, or ServiceError(message) when nothing visible is in it."""
    if value is None or is_blank(value):
        raise ServiceError(message)
    return value.strip()
