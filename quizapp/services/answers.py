"""Saving answers to an open attempt: parse, keep what cannot be saved as a draft, in time, once per sequence
number, never into a graded attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from quizapp.db import affected_rows
from quizapp.models import AttemptStatus, QuizAttempt, Response
from quizapp.question_types import FormData, Parsed, get_type
from quizapp.services import ServiceError
from quizapp.services.grading import finalise_if_overdue, is_overdue

DRAFT_FIELDS = 40  # at most this many answer fields are kept of a draft
DRAFT_CHARS = 200  # and this many characters of each


class AttemptClosed(ServiceError):
    """The attempt is already graded; nothing more can be saved."""


class TooLate(AttemptClosed):
    """The answer arrived after the deadline and its grace period."""


class StaleAnswer(ServiceError):
    """An autosave older than one already applied: the newer answer stays."""


def draft_of(form: FormData, name: str = "answer") -> dict[str, str]:
    """The answer fields as typed, bounded, to show back until they can be saved."""
    keys = [k for k in getattr(form, "keys", lambda: [])() if k == name or k.startswith(f"{name}-")]
    return {k: str(form.get(k) or "")[:DRAFT_CHARS] for k in sorted(keys)[:DRAFT_FIELDS]}


def save_answer(
    session: Session,
    attempt: QuizAttempt,
    response: Response,
    form: FormData,
    now: datetime,
    *,
    seq: int | None = None,
    flagged: bool | None = None,
    visiting: int | None = None,
) -> Parsed:
    """Parse and store the answer to one of the attempt's questions. Input that does not parse stores nothing
    as the answer: what was saved before stays (or the question stays unanswered), the input is kept as a
    draft marked "not saved", and the trainee gets the message. `seq` is the client's sequence number: an
    older one than the last applied changes nothing (raises StaleAnswer). `flagged` sets the flag for review
    either way. `visiting` is the question the trainee moves on to, remembered for Resume."""
    if not attempt.is_open:
        raise AttemptClosed("This attempt has already been submitted.")
    version = response.version
    parsed = get_type(version.type).parse(version.spec, response.shuffle, form)
    values: dict[str, Any]
    if parsed.error is not None:
        values = {"draft": draft_of(form)}
    else:
        values = {"answer": parsed.answer, "answered_at": now if parsed.answer is not None else None, "draft": None}
    if flagged is not None:
        values["flagged"] = flagged
    _write_response(session, attempt, response, values, now, seq, visiting)
    return parsed


def store_answer(session: Session, attempt: QuizAttempt, response: Response, answer: Any, now: datetime) -> None:
    """Write one canonical answer if the attempt is still open and in time."""
    values = {"answer": answer, "answered_at": now if answer is not None else None, "draft": None}
    _write_response(session, attempt, response, values, now, None, None)


def _write_response(
    session: Session,
    attempt: QuizAttempt,
    response: Response,
    values: dict[str, Any],
    now: datetime,
    seq: int | None,
    visiting: int | None,
) -> None:
    if is_overdue(attempt, now):
        finalise_if_overdue(session, attempt, now)
        raise TooLate("Time is up: this answer arrived after the deadline and was not saved.")
    # The first write is a conditional UPDATE of the attempt row: it refuses a graded attempt, remembers
    # where the trainee is, and locks the row (PostgreSQL; SQLite has one writer at a time) so a concurrent
    # submit grades before or after this save, never in the middle.
    position = visiting if visiting is not None else QuizAttempt.last_position
    opened = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.OPEN)
        .values(last_position=position)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(opened) != 1:
        session.refresh(attempt)
        raise AttemptClosed("This attempt has already been submitted.")
    if visiting is not None:
        set_committed_value(attempt, "last_position", visiting)
    # With a sequence number, a write older than the last one applied changes nothing.
    conditions = [Response.id == response.id, Response.attempt_id == attempt.id]
    if seq is not None:
        conditions.append(or_(Response.autosave_seq.is_(None), Response.autosave_seq < seq))
        values = {**values, "autosave_seq": seq}
    result = session.execute(
        update(Response).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        raise StaleAnswer("A newer answer to this question was already saved; this older one was ignored.")
    for key, value in values.items():  # what was written, as loaded: nothing left for the ORM to write again
        set_committed_value(response, key, value)
