"""What a bank file may hold: required keys, defaults and allowed values (the validator's rules)."""

from __future__ import annotations

import re
from typing import Any

from quizapp.question_types import QUESTION_TYPES

SOURCES_NAME = "sources.yaml"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_KEY_LENGTH = 80  # the database columns for slugs, question ids and sources
MAX_TITLE_LENGTH = 200

MODULE_REQUIRED = (
    "slug",
    "title",
    "order",
    "pass_mark",
    "questions_per_attempt",
    "required_for_certification",
    "lesson",
)
MODULE_DEFAULTS: dict[str, Any] = {
    "time_limit_minutes": 0,
    "review": "full",
    "draw": [],
    "attempts_per_day": 3,
    "cooldown_minutes": 0,
}
QUESTION_REQUIRED = ("id", "type", "stem", "explanation", "source")
QUESTION_DEFAULTS: dict[str, Any] = {
    "tags": [],
    "group": None,
    "points": 1,
    "critical": False,
    "review_status": "approved",
    "assessed": True,
}
INTEGER_SETTINGS: dict[str, tuple[float, float, str]] = {
    "order": (-100_000, 100_000, "a whole number from -100000 to 100000"),
    "pass_mark": (1, 100, "a whole percentage from 1 to 100"),
    "questions_per_attempt": (1, 500, "a whole number from 1 to 500"),
    "time_limit_minutes": (0, 1440, "a whole number of minutes from 0 (untimed) to 1440"),
    "attempts_per_day": (1, 100, "a whole number from 1 to 100"),
    "cooldown_minutes": (0, 43_200, "a whole number of minutes from 0 to 43200 (30 days)"),
}
REVIEW_MODES = ("full", "score_only")
REVIEW_STATUSES = ("draft", "approved")
SOURCE_TIERS = ("A", "B", "C")
# a source: title and tier, a url or a seed file; who wrote it (a person or an organisation) and its year if known
SOURCE_KEYS = ("title", "tier", "url", "seed", "author", "organisation", "year")
FIRST_SOURCE_YEAR = 1900
ALL_SPEC_KEYS = frozenset().union(*(t.spec_keys for t in QUESTION_TYPES.values()))
