"""Checks of one module's settings and one question, each problem recorded with its line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from quizapp.bank_loader.draw import Candidate, shortfall, unit_count
from quizapp.bank_loader.schema import (
    ALL_SPEC_KEYS,
    INTEGER_SETTINGS,
    MAX_KEY_LENGTH,
    MAX_TITLE_LENGTH,
    MODULE_DEFAULTS,
    MODULE_REQUIRED,
    QUESTION_DEFAULTS,
    QUESTION_ID,
    QUESTION_REQUIRED,
    REVIEW_MODES,
    REVIEW_STATUSES,
    SLUG,
    SOURCES_NAME,
)
from quizapp.bank_loader.specs import Problem, QuestionSpec
from quizapp.bank_loader.yaml_reader import LineDict
from quizapp.question_types import QUESTION_TYPES
from quizapp.question_types.base import is_usable


@dataclass
class Scope:
    """Where problems are being found: the file, the id to report them under, the mapping that gives lines."""

    file: str
    qid: str
    mapping: LineDict
    problems: list[Problem]

    def add(self, message: str, key: Any = None, line: int | None = None) -> None:
        """Record a problem at a given line, else at the key's line, else at the mapping's first line."""
        if line is None:
            line = self.mapping.key_lines.get(key, self.mapping.line)
        self.problems.append(Problem(self.file, line, self.qid, message))

    def check_keys(self, required: Iterable[str], optional: Iterable[str], nested: bool = True) -> None:
        """Missing and unknown keys, and keys given twice (in nested mappings too unless nested=False)."""
        known = {*required, *optional}
        for key in required:
            if key not in self.mapping:
                self.add(f"missing key '{key}'", line=self.mapping.line)
        for key in self.mapping:
            if key not in known:
                self.add(f"unknown key '{key}'", key)
        for key, line in _duplicates(self.mapping) if nested else self.mapping.duplicates:
            self.add(f"duplicate key '{key}'", line=line)


def check_module(scope: Scope, candidates: list[Candidate] | None) -> dict[str, Any]:
    """Module settings with defaults filled in; candidates holds the tags and group of each usable question."""
    raw = scope.mapping
    scope.check_keys(MODULE_REQUIRED, MODULE_DEFAULTS)
    settings = {
        **MODULE_DEFAULTS,
        **{k: v for k, v in raw.items() if k in MODULE_REQUIRED or k in MODULE_DEFAULTS},
    }
    slug = settings.get("slug")
    if "slug" in raw and not (isinstance(slug, str) and SLUG.fullmatch(slug) and len(slug) <= MAX_KEY_LENGTH):
        scope.add(f"slug must be lower-case letters, digits and single hyphens (url-safe), not {slug!r}", "slug")
        settings["slug"] = None
    for key in ("title", "lesson"):
        if key in raw and not is_text(raw[key]):
            scope.add(f"{key} must be non-empty text", key)
    if is_text(settings.get("title")):
        settings["title"] = settings["title"].strip()
        if len(settings["title"]) > MAX_TITLE_LENGTH:
            scope.add(f"title is longer than {MAX_TITLE_LENGTH} characters", "title")
    for key, (low, high, wanted) in INTEGER_SETTINGS.items():
        value = settings.get(key)
        if key in settings and not (_is_int(value) and low <= value <= high):
            scope.add(f"{key} must be {wanted}, not {value!r}", key)
    if "required_for_certification" in raw and not isinstance(raw["required_for_certification"], bool):
        scope.add("required_for_certification must be true or false", "required_for_certification")
    if settings["review"] not in REVIEW_MODES:
        scope.add(f"review must be one of {', '.join(REVIEW_MODES)}, not {settings['review']!r}", "review")
    qpa = settings.get("questions_per_attempt") if _is_int(settings.get("questions_per_attempt")) else None
    if candidates is not None and qpa is not None and qpa > unit_count(candidates):
        scope.add(
            f"questions_per_attempt is {qpa}, more than the {_usable(unit_count(candidates), candidates)}",
            "questions_per_attempt",
        )
    before = len(scope.problems)
    settings["draw"] = _draw(scope, qpa, candidates)
    problem = shortfall(qpa, settings["draw"], candidates) if candidates is not None and qpa is not None else None
    if len(scope.problems) == before and problem is not None and problem.kind == "together":
        scope.add(
            "draw rules can each be met but not all in one attempt: questions that share a group "
            "count once, for one rule",
            "draw",
        )
    return settings


def _draw(scope: Scope, qpa: int | None, candidates: list[Candidate] | None) -> list[dict[str, Any]]:
    """Checked draw rules; a question with several tags counts toward each rule, a group counts once."""
    value = scope.mapping.get("draw") or []
    if not isinstance(value, list):
        scope.add("draw must be a list of {tag: ..., count: ...}", "draw")
        return []
    rules: list[dict[str, Any]] = []
    for number, entry in enumerate(value, start=1):
        line = entry.line if isinstance(entry, LineDict) else scope.mapping.key_lines.get("draw")
        if not isinstance(entry, Mapping) or set(entry) != {"tag", "count"}:
            scope.add(f"draw entry {number} must be {{tag: ..., count: ...}} and nothing else", line=line)
            continue
        tag, count = entry["tag"], entry["count"]
        if not is_text(tag):
            scope.add(f"draw entry {number}: tag must be non-empty text", line=line)
        elif not (_is_int(count) and count >= 1):
            scope.add(f"draw entry {number}: count must be a whole number, at least 1, not {count!r}", line=line)
        elif any(rule["tag"] == tag.strip() for rule in rules):
            scope.add(f"draw entry {number}: tag {tag!r} is listed twice", line=line)
        else:
            rules.append({"tag": tag.strip(), "count": count})
            carrying = unit_count(candidates or [], tag.strip())
            if candidates is not None and carrying < count:
                scope.add(
                    f"draw needs {count} questions tagged {tag!r}; the module has "
                    f"{_usable(carrying, candidates)} with that tag",
                    line=line,
                )
    total = sum(rule["count"] for rule in rules)
    if qpa is not None and total > qpa:
        scope.add(f"draw asks for {total} questions in all, more than questions_per_attempt ({qpa})", "draw")
    return rules


def check_question(scope: Scope, sources: dict[str, Any] | None) -> tuple[QuestionSpec | None, Candidate | None]:
    """The checked question (None if it has problems) and, if it is usable, what the draw needs of it."""
    raw = scope.mapping
    before = len(scope.problems)
    kind = QUESTION_TYPES.get(raw["type"]) if isinstance(raw.get("type"), str) else None
    scope.check_keys(QUESTION_REQUIRED, [*QUESTION_DEFAULTS, *(kind.spec_keys if kind else ALL_SPEC_KEYS)])
    if "id" in raw and not (
        isinstance(raw["id"], str) and QUESTION_ID.fullmatch(raw["id"]) and len(raw["id"]) <= MAX_KEY_LENGTH
    ):
        scope.add(f"id must be letters, digits, '.', '_' or '-', at most {MAX_KEY_LENGTH}, not {raw['id']!r}", "id")
    if "type" in raw and kind is None:
        scope.add(f"unknown type {raw['type']!r}; expected one of {', '.join(QUESTION_TYPES)}", "type")
    for key in ("stem", "explanation", "source"):
        if key in raw and not is_text(raw[key]):
            scope.add(f"{key} must be non-empty text", key)
    source = raw.get("source")
    if is_text(source) and len(source.strip()) > MAX_KEY_LENGTH:
        scope.add(f"source must be at most {MAX_KEY_LENGTH} characters, has {len(source.strip())}", "source")
    elif sources is not None and is_text(source) and source.strip() not in sources:
        scope.add(f"source {source!r} is not listed in {SOURCES_NAME}", "source")
    values = {**QUESTION_DEFAULTS, **{k: v for k, v in raw.items() if k in QUESTION_DEFAULTS}}
    tags = values["tags"]
    if not (isinstance(tags, list) and all(is_text(t) for t in tags)):
        scope.add(f"tags must be a list of non-empty texts, not {tags!r}", "tags")
        tags = []
    tags = list(dict.fromkeys(t.strip() for t in tags))
    if not (_is_int(values["points"]) and 1 <= values["points"] <= 100):
        scope.add(f"points must be a whole number from 1 to 100, not {values['points']!r}", "points")
    group = values["group"]
    if "group" in raw and not (isinstance(group, str) and SLUG.fullmatch(group) and len(group) <= MAX_KEY_LENGTH):
        scope.add(
            f"group must be lower-case letters, digits and single hyphens, at most {MAX_KEY_LENGTH}, not {group!r}",
            "group",
        )
        group = None
    for key in ("critical", "assessed"):
        if not isinstance(values[key], bool):
            scope.add(f"{key} must be true or false, not {values[key]!r}", key)
    if values["review_status"] not in REVIEW_STATUSES:
        scope.add(f"review_status must be draft or approved, not {values['review_status']!r}", "review_status")
    for message in kind.validate(raw) if kind else []:
        scope.add(message)
    usable = is_usable(values["review_status"], values["assessed"] is True, retired=False)
    candidate = Candidate(tuple(tags), group) if usable else None
    if len(scope.problems) > before or kind is None:
        return None, candidate
    question = QuestionSpec(
        id=raw["id"],
        type=kind.key,
        stem=raw["stem"].strip(),
        spec=kind.normalise(raw),
        explanation=raw["explanation"].strip(),
        source=raw["source"].strip(),
        tags=tags,
        group=group,
        points=values["points"],
        critical=values["critical"],
        review_status=values["review_status"],
        assessed=values["assessed"],
        line=raw.line,
    )
    return question, candidate


def _duplicates(value: Any) -> list[tuple[Any, int]]:
    """Repeated keys in a mapping and everything nested in it."""
    found: list[tuple[Any, int]] = []
    if isinstance(value, LineDict):
        found += value.duplicates
        children: Iterable[Any] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return found
    for child in children:
        found += _duplicates(child)
    return found


def _usable(count: int, candidates: list[Candidate]) -> str:
    if any(c.group is not None for c in candidates):
        return f"{count} usable draw unit{'' if count == 1 else 's'} (approved and assessed, one per group)"
    return f"{count} usable question{'' if count == 1 else 's'} (approved and assessed)"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())
