"""The citable sources (question_banks/sources.yaml), shown to trainees as readable citations."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# What a source's grade means, in a trainee's words (the bank files say tier A/B/C).
GRADES = {
    "A": "a regulator or a peer-reviewed study",
    "B": "a professional or trade publication",
    "C": "a clinic's or practitioner's own page",
}
LEGEND = (
    "Source grades: A — a regulator or a peer-reviewed study; B — a professional or trade publication; "
    "C — a clinic's or practitioner's own page, used only where better sources agree."
)
UNLISTED = "Course reference material"
# notes for authors inside a title: "(PMC8008152)", "(mirror)", "(contains errors; see reference 0.3)"
_AUTHOR_NOTE = re.compile(r"\s*\([^()]*\b(?:PMC\d+|mirror|reference|see|seed|errors?|tier)\b[^()]*\)", re.IGNORECASE)


@lru_cache(maxsize=4)
def _sources(path: str) -> dict[str, dict[str, Any]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    sources = data.get("sources") if isinstance(data, dict) else None
    return sources if isinstance(sources, dict) else {}


def citation(entry: dict[str, Any]) -> str:
    """ "Author or organisation (Year). Title." as one line; what is not known is left out ("Title (Year).",
    "Organisation. Title.", "Title."), and so are author notes and file names."""
    title = _AUTHOR_NOTE.sub("", str(entry.get("title") or "")).strip()
    who = next((str(entry[key]).strip() for key in ("author", "organisation") if entry.get(key)), "")
    year = str(entry.get("year") or "").strip()
    head = f"{who} ({year})" if who and year else who
    if title and year and not who:
        title = f"{title} ({year})"
    parts = [_sentence(part) for part in (head, title) if part]
    return " ".join(parts) or UNLISTED


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def source_label(sources_path: str, source_id: str) -> dict[str, str]:
    """A readable citation, link and grade for a source id (from the sources list at `sources_path`).
    Never the bare id or a file name: an unlisted source reads as course reference material."""
    entry = _sources(sources_path).get(source_id)
    if not isinstance(entry, dict):
        return {"title": UNLISTED, "url": "", "tier": "", "grade": ""}
    tier = str(entry.get("tier") or "")
    return {
        "title": citation(entry),
        "url": str(entry.get("url") or ""),
        "tier": tier,
        "grade": GRADES.get(tier, ""),
    }
