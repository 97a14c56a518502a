"""The citable sources (question_banks/sources.yaml), for showing a question's source by title."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml


@lru_cache(maxsize=4)
def _sources(path: str) -> dict[str, dict[str, Any]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    sources = data.get("sources") if isinstance(data, dict) else None
    return sources if isinstance(sources, dict) else {}


def source_label(sources_path: str, source_id: str) -> dict[str, str]:
    """Title, link and tier for a source id (from the sources list at `sources_path`); the bare id when
    it is not listed."""
    entry = _sources(sources_path).get(source_id) or {}
    return {
        "id": source_id,
        "title": str(entry.get("title") or source_id),
        "url": str(entry.get("url") or ""),
        "tier": str(entry.get("tier") or ""),
    }
