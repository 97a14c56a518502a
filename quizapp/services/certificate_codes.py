"""Certificate verification codes: Crockford base32, 65 random bits, grouped for reading aloud."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import Certificate
from quizapp.services import ServiceError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_BITS = 65  # 13 characters of 5 bits
CODE_LENGTH = CODE_BITS // 5
GROUP = 4
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")
_CANONICAL = re.compile(rf"[{ALPHABET}]{{{CODE_LENGTH}}}")


def generate_code(randbits: Callable[[int], int] = secrets.randbits) -> str:
    """A fresh canonical code: CODE_BITS random bits in Crockford base32."""
    value = randbits(CODE_BITS)
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code (case, dashes, spaces, I/L/O forgiven), or None if it is not one."""
    code = _SEPARATORS.sub("", text or "").upper().translate(_READ_AS)
    return code if _CANONICAL.fullmatch(code) else None


def format_code(code: str) -> str:
    """The display form: groups of four joined by dashes (7K3Q-9XPM-2D4T-V)."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def verify_url(code: str, base_url: str) -> str:
    """The public verify link; always built from the configured base URL, never a request's host."""
    return f"{base_url.rstrip('/')}/verify/{format_code(code)}"


def unique_code(session: Session, randbits: Callable[[int], int] = secrets.randbits, tries: int = 10) -> str:
    """A code no certificate has yet (a clash is astronomically unlikely, but checked)."""
    for _ in range(tries):
        code = generate_code(randbits)
        if session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code
    raise ServiceError("Could not find a free certificate code; try again.")


def find_by_code(session: Session, text: str) -> Certificate | None:
    code = normalise_code(text)
    if code is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))
