"""Authoring questions in the browser: check an edit as the bank loader does, save it as a new immutable
version, the four-eyes review, retire and restore, notes, history and a side-by-side diff."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.bank_loader import LineDict, QuestionSpec
from quizapp.bank_loader.checks import Scope, check_question
from quizapp.bank_loader.specs import Problem
from quizapp.models import AuditEvent, Module, Question, QuestionNote, QuestionVersion, ReviewStatus, User
from quizapp.question_types import get_type
from quizapp.services import Forbidden, NotFound, ServiceError
from quizapp.services.audit import record

GENERAL = "_general"  # errors that belong to the question as a whole (or its type's spec)
_ROW = re.compile(r"(option|item|pair|distractor) (\d+)\b")
_ROW_FIELDS = {"option": "options", "item": "items", "pair": "pairs", "distractor": "distractors"}
_LIST_WORDS = {"options": "options", "items": "items", "pairs": "pairs", "distractor": "distractors"}


# --- checking an edit ------------------------------------------------------------------------------


@dataclass
class Checked:
    """A question mapping checked by the bank loader: the spec if it passed, else errors by field name
    (`stem`, `options`, `options-2` for the second option row, GENERAL for the rest)."""

    spec: QuestionSpec | None
    errors: dict[str, list[str]] = field(default_factory=dict)


def check_edit(raw: Mapping[str, Any], sources: Mapping[str, Any] | None) -> Checked:
    """Check a question mapping exactly as a bank file's question (`check_question`), each problem placed on
    the field it concerns."""
    mapping = LineDict(line=0)
    keys = list(raw)
    for number, key in enumerate(keys, start=1):
        mapping[key] = raw[key]
        mapping.key_lines[key] = number
    problems: list[Problem] = []
    spec, _ = check_question(Scope("editor", str(raw.get("id") or "new"), mapping, problems), dict(sources or {}))
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(_field_of(problem, keys), []).append(problem.message)
    return Checked(spec if not problems else None, errors)


def _field_of(problem: Problem, keys: Sequence[str]) -> str:
    if 1 <= problem.line <= len(keys):
        return keys[problem.line - 1]
    match = _ROW.match(problem.message)
    if match:
        return f"{_ROW_FIELDS[match.group(1)]}-{match.group(2)}"
    for word in problem.message.split():
        if word in ("answer", "tolerance", "unit"):
            return word
    for word, name in _LIST_WORDS.items():
        if word in problem.message:
            return name
    return GENERAL


# --- saving ----------------------------------------------------------------------------------------


def question_by_key(session: Session, key: str) -> Question:
    question = session.scalar(
        select(Question)
        .where(Question.key == key)
        .options(selectinload(Question.versions), selectinload(Question.module))
    )
    if question is None:
        raise NotFound("No such question.")
    return question


def create_question(session: Session, module: Module, spec: QuestionSpec, actor: User, now: datetime) -> Question:
    """A new question, a draft until another instructor approves it."""
    if session.scalar(select(Question.id).where(Question.key == spec.id)) is not None:
        raise ServiceError(f"The id {spec.id!r} is already used by another question; choose another.")
    position = len(module.questions)
    question = Question(
        key=spec.id,
        module=module,
        tags=list(spec.tags),
        group=spec.group,
        assessed=spec.assessed,
        review_status=ReviewStatus.DRAFT,
        position=position,
        created_at=now,
        edited_by_id=actor.id,
    )
    session.add(question)
    question.versions.append(
        QuestionVersion(
            number=1, content_hash=spec.content_hash, created_by_id=actor.id, created_at=now, **spec.version_fields()
        )
    )
    session.flush()
    record(session, actor, "question.created", "question", question.key, f"Question {question.key} created (draft)")
    return question


def save_question(session: Session, question: Question, spec: QuestionSpec, actor: User, now: datetime) -> bool:
    """Save an edit: changed content becomes a new version (past attempts keep theirs), tags, group and
    assessed change in place; any change makes the question a draft again. False when nothing changed."""
    changed: list[str] = []
    if question.current.content_hash != spec.content_hash:
        number = question.current.number + 1
        question.versions.append(
            QuestionVersion(
                number=number,
                content_hash=spec.content_hash,
                created_by_id=actor.id,
                created_at=now,
                **spec.version_fields(),
            )
        )
        changed.append(f"version {number}")
    for name, value in (("tags", list(spec.tags)), ("group", spec.group), ("assessed", spec.assessed)):
        if getattr(question, name) != value:
            setattr(question, name, value)
            changed.append(name)
    if not changed:
        return False
    question.review_status = ReviewStatus.DRAFT
    question.edited_by_id = actor.id
    question.approved_by_id = None
    question.approved_at = None
    session.flush()
    record(
        session,
        actor,
        "question.edited",
        "question",
        question.key,
        f"Question {question.key} edited ({', '.join(changed)}); draft until approved",
        changed=changed,
    )
    return True


# --- review, retire, restore, notes --------------------------------------------------------------


def approve_question(session: Session, question: Question, actor: User, now: datetime) -> None:
    """Four eyes: a draft is approved by an instructor other than the one who last edited it."""
    if question.review_status == ReviewStatus.APPROVED:
        raise ServiceError("This question is already approved.")
    if actor.id in (question.edited_by_id, question.current.created_by_id):
        raise Forbidden("You edited this question, so another instructor must approve it (four eyes).")
    question.review_status = ReviewStatus.APPROVED
    question.approved_by_id = actor.id
    question.approved_at = now
    session.flush()
    record(
        session,
        actor,
        "question.approved",
        "question",
        question.key,
        f"Question {question.key} version {question.current.number} approved",
        version=question.current.number,
    )


def retire_question(session: Session, question: Question, actor: User, now: datetime) -> None:
    if question.retired_at is not None:
        raise ServiceError("This question is already retired.")
    question.retired_at = now
    session.flush()
    record(session, actor, "question.retired", "question", question.key, f"Question {question.key} retired")


def restore_question(session: Session, question: Question, actor: User, now: datetime) -> None:
    if question.retired_at is None:
        raise ServiceError("This question is not retired.")
    question.retired_at = None
    session.flush()
    record(session, actor, "question.restored", "question", question.key, f"Question {question.key} restored")


def keep_question(session: Session, question: Question, note: str, actor: User, now: datetime) -> QuestionNote:
    """Mark the current version "reviewed, keep" with the reason; the note shows in its history."""
    note = note.strip()
    if not note:
        raise ServiceError("Write why the question stays as it is.")
    if len(note) > 2000:
        raise ServiceError("Keep the note under 2000 characters.")
    entry = QuestionNote(
        question_id=question.id,
        version_id=question.current.id,
        kind="keep",
        note=note,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    record(session, actor, "question.kept", "question", question.key, f"Question {question.key} reviewed, keep: {note}")
    return entry


def kept_versions(session: Session, module_id: int) -> dict[int, QuestionNote]:
    """The latest "reviewed, keep" note per question version of the module."""
    notes = session.scalars(
        select(QuestionNote)
        .join(Question, Question.id == QuestionNote.question_id)
        .where(Question.module_id == module_id, QuestionNote.kind == "keep")
        .order_by(QuestionNote.created_at, QuestionNote.id)
    )
    return {note.version_id: note for note in notes}


# --- history and diff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    what: str
    version: int | None = None
    note: str | None = None


def history(session: Session, question: Question) -> list[HistoryEntry]:
    """Versions (who created each, when), approvals, retire/restore and notes, newest first (three queries)."""
    notes = list(session.scalars(select(QuestionNote).where(QuestionNote.question_id == question.id)))
    events = list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.target_type == "question",
                AuditEvent.target_id == question.key,
                AuditEvent.action.in_(["question.approved", "question.retired", "question.restored"]),
            )
        )
    )
    ids = {v.created_by_id for v in question.versions} | {n.created_by_id for n in notes} | {e.actor_id for e in events}
    users = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_([i for i in ids if i])))}
    entries = [
        HistoryEntry(
            v.created_at, users.get(v.created_by_id or 0, "bank import"), f"version {v.number} saved", v.number
        )
        for v in question.versions
    ]
    numbers = {v.id: v.number for v in question.versions}
    for note in notes:
        who = users.get(note.created_by_id or 0, "?")
        entries.append(HistoryEntry(note.created_at, who, "reviewed, keep", numbers.get(note.version_id), note.note))
    for event in events:
        what = event.action.removeprefix("question.")
        version = event.details.get("version") if isinstance(event.details, dict) else None
        entries.append(HistoryEntry(event.at, users.get(event.actor_id or 0, "?"), what, version))
    return sorted(entries, key=lambda e: e.at, reverse=True)


def version_text(version: QuestionVersion) -> list[str]:
    """The version as an author reads it in a bank file, line by line (what the diff compares)."""
    data = {
        "type": version.type,
        "stem": version.stem,
        **get_type(version.type).export(version.spec),
        "explanation": version.explanation,
        "source": version.source,
        "points": version.points,
        "critical": version.critical,
    }
    text = yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=80)
    return text.splitlines()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if type(value).__name__ == "Decimal":
        return str(value)
    return value


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side diff: kind is equal, replace, delete or insert."""

    kind: str
    old_number: int | None
    old: str
    new_number: int | None
    new: str


def side_by_side(old: list[str], new: list[str]) -> list[DiffRow]:
    """The two texts aligned line by line (difflib), changed lines marked."""
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        span = max(i2 - i1, j2 - j1)
        for k in range(span):
            i, j = i1 + k, j1 + k
            rows.append(
                DiffRow(
                    tag,
                    i + 1 if i < i2 else None,
                    old[i] if i < i2 else "",
                    j + 1 if j < j2 else None,
                    new[j] if j < j2 else "",
                )
            )
    return rows


def version_of(question: Question, number: int) -> QuestionVersion:
    for version in question.versions:
        if version.number == number:
            return version
    raise NotFound(f"Question {question.key} has no version {number}.")


# --- preview ---------------------------------------------------------------------------------------
