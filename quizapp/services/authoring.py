"""The instructor's module pages: the question list with statistics, module settings checked as the bank
loader checks them, and bank files uploaded in the browser (dry run, then all or nothing)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.bank_loader import Bank, BankError, LineDict, load_banks
from quizapp.bank_loader.checks import Scope, check_module
from quizapp.bank_loader.specs import Problem
from quizapp.gift import gift_questions, with_questions
from quizapp.models import Module, Question, ReviewMode, User
from quizapp.services import ServiceError
from quizapp.services.attempts import draw_problem, usable_tags
from quizapp.services.audit import record
from quizapp.services.banks import ImportReport, import_bank, module_spec
from quizapp.services.item_analysis import ItemStats, item_statistics, review_reasons

STATUSES = ("draft", "approved", "retired")
MAX_UPLOAD = 2 * 1024 * 1024


# --- the question list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    status: str
    stats: ItemStats | None
    flags: list[str]


@dataclass(frozen=True)
class Filters:
    search: str = ""
    type: str = ""
    tag: str = ""
    status: str = ""
    assessed: str = ""  # "assessed", "practice" or ""


def status_of(question: Question) -> str:
    """draft, approved or retired (retired wins)."""
    return "retired" if question.retired_at is not None else question.review_status.value


def question_rows(session: Session, module: Module, filters: Filters) -> tuple[list[QuestionRow], list[str]]:
    """The module's questions matching the filters, with their current version's statistics (first attempts),
    and every tag used in the module (for the tag filter). A fixed number of queries."""
    questions = list(
        session.scalars(
            select(Question)
            .where(Question.module_id == module.id)
            .options(selectinload(Question.versions))
            .order_by(Question.position, Question.key)
        )
    )
    stats = {s.version_id: s for s in item_statistics(session, module.id, first_attempts_only=True)}
    tags = sorted({t for q in questions for t in q.tags})
    needle = filters.search.strip().casefold()
    rows = []
    for q in questions:
        status = status_of(q)
        current = q.current
        if filters.status and status != filters.status:
            continue
        if filters.type and current.type != filters.type:
            continue
        if filters.tag and filters.tag not in q.tags:
            continue
        if filters.assessed == "assessed" and not q.assessed or filters.assessed == "practice" and q.assessed:
            continue
        if needle and needle not in f"{q.key}\n{current.stem}\n{current.explanation}".casefold():
            continue
        item = stats.get(current.id)
        rows.append(QuestionRow(q, status, item, review_reasons(item) if item else []))
    return rows, tags


def module_draw_problem(session: Session, module: Module) -> str | None:
    """Why no attempt of the module can be drawn now, or None (the attempt service's rule)."""
    return draw_problem(module, usable_tags(session, module))


# --- module settings -------------------------------------------------------------------------------

SETTING_KEYS = (
    "title",
    "order",
    "pass_mark",
    "questions_per_attempt",
    "required_for_certification",
    "lesson",
    "time_limit_minutes",
    "review",
    "attempts_per_day",
    "cooldown_minutes",
)


@dataclass
class CheckedSettings:
    settings: dict[str, Any] | None
    errors: dict[str, list[str]] = field(default_factory=dict)


def check_settings(session: Session, module: Module, values: Mapping[str, Any]) -> CheckedSettings:
    """Module settings checked by the bank loader's check_module against the module's usable questions;
    errors keyed by field (`draw-2` for the second draw rule)."""
    raw = LineDict(line=0)
    raw["slug"] = module.slug
    raw.key_lines["slug"] = 1
    keys = ["slug", *SETTING_KEYS, "draw"]
    for number, key in enumerate(keys, start=1):
        if key in values:
            raw[key] = values[key]
            raw.key_lines[key] = number
    rules = []
    for index, rule in enumerate(values.get("draw") or [], start=1):
        entry = LineDict(line=1000 + index)
        entry.update(rule)
        rules.append(entry)
    raw["draw"] = rules
    raw.key_lines["draw"] = keys.index("draw") + 1
    problems: list[Problem] = []
    settings = check_module(Scope("settings", "module", raw, problems), usable_tags(session, module))
    errors: dict[str, list[str]] = {}
    for problem in problems:
        if problem.line > 1000:
            name = f"draw-{problem.line - 1000}"
        elif 1 <= problem.line <= len(keys):
            name = keys[problem.line - 1]
        else:
            name = "_general"
        errors.setdefault(name, []).append(problem.message)
    return CheckedSettings(None if problems else settings, errors)


def save_settings(session: Session, module: Module, settings: Mapping[str, Any], actor: User) -> list[str]:
    """Apply checked settings; the names of those that changed (audited)."""
    changed = []
    for key in (*SETTING_KEYS, "draw"):
        value = ReviewMode(settings[key]) if key == "review" else settings[key]
        if getattr(module, key) != value:
            setattr(module, key, value)
            changed.append(key)
    if changed:
        session.flush()
        record(
            session,
            actor,
            "module.settings",
            "module",
            module.slug,
            f"Module {module.slug} settings changed: {', '.join(changed)}",
            changed=changed,
        )
    return changed


# --- uploads ---------------------------------------------------------------------------------------


@dataclass
class UploadOutcome:
    """What an uploaded bank file would do (dry run) or did (applied), or every problem found in it."""

    report: ImportReport | None = None
    problems: list[str] = field(default_factory=list)
    applied: bool = False


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def import_upload(
    session: Session,
    filename: str,
    data: bytes,
    *,
    sources_path: Path,
    actor: User,
    module_slug: str | None = None,
    default_source: str | None = None,
    default_unit: str | None = None,
    apply: bool = False,
    allow_move: bool = False,
) -> UploadOutcome:
    """Read an uploaded YAML bank or GIFT file; dry run (what would be created, changed and retired) or
    apply all or nothing. Browser imports create drafts awaiting another instructor's approval."""
    name = _SAFE_NAME.sub("-", Path(filename or "upload").name)[:80] or "upload"
    if len(data) > MAX_UPLOAD:
        return UploadOutcome(problems=[f"{name}: the file is larger than {MAX_UPLOAD // 1024 // 1024} MB"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return UploadOutcome(problems=[f"{name}: not UTF-8 text ({exc.reason})"])
    if name.lower().endswith((".gift", ".txt")):
        defaults = {k: v for k, v in (("source", default_source), ("unit", default_unit)) if v}
        bank, problems = _gift_bank(session, name, text, sources_path, module_slug, defaults)
    elif name.lower().endswith((".yaml", ".yml")):
        bank, problems = _yaml_bank(name, text, sources_path)
    else:
        return UploadOutcome(problems=[f"{name}: upload a .yaml bank file or a .gift (or .txt) GIFT file"])
    if bank is None:
        return UploadOutcome(problems=problems)
    try:
        report = import_bank(session, bank, actor, allow_move, as_drafts=True, dry_run=not apply)
    except ServiceError as err:
        return UploadOutcome(problems=[str(err)])
    return UploadOutcome(report=report, applied=apply)


def _yaml_bank(name: str, text: str, sources_path: Path) -> tuple[Bank | None, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        try:
            return load_banks([path], fallback_sources=sources_path), []
        except BankError as err:
            return None, [str(p).replace(f"{tmp}/", "") for p in err.problems]


def _gift_bank(
    session: Session, name: str, text: str, sources_path: Path, slug: str | None, defaults: dict[str, str]
) -> tuple[Bank | None, list[str]]:
    if not slug:
        return None, [f"{name}: choose the module the GIFT questions go into"]
    try:
        sources = load_banks_sources(sources_path)
        module = module_spec(session, slug)
    except ServiceError as err:
        return None, [str(err)]
    questions, problems = gift_questions(text, name, sources=sources, defaults=defaults)
    if problems:
        return None, [str(p) for p in problems]
    if not questions:
        return None, [f"{name}: no questions found"]
    return Bank(modules=[with_questions(module, questions)], sources=sources), []


def load_banks_sources(sources_path: Path) -> dict[str, Any]:
    """The citable sources list as the bank loader reads it (id -> entry)."""
    from quizapp.bank_loader.loader import _load_sources

    sources, problems = _load_sources(sources_path)
    if sources is None:
        raise ServiceError("; ".join(str(p) for p in problems) or "The sources list cannot be read.")
    return sources
