"""The citable sources (question_banks/sources.yaml), for showing a question's source by title."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import current_app


@lru_cache(maxsize=4)
def _sources(path: str) -> dict[str, dict[str, Any]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    sources = data.get("sources") if isinstance(data, dict) else None
    return sources if isinstance(sources, dict) else {}


def source_label(source_id: str) -> dict[str, str]:
    """Title, link and tier for a source id; the bare id when it is not listed."""
    path = str(Path(current_app.config["QUESTION_BANKS_DIR"]) / "sources.yaml")
    entry = _sources(path).get(source_id) or {}
    return {
        "id": source_id,
        "title": str(entry.get("title") or source_id),
        "url": str(entry.get("url") or ""),
        "tier": str(entry.get("tier") or ""),
    }
