"""What the quiz pages load of an attempt: one question (question page, autosave), the navigator's states,
or everything (the result). Overdue attempts are graded first, whichever is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from quizapp.models import QuizAttempt, Response, User
from quizapp.services import NotFound
from quizapp.services.grading import finalise_if_overdue


@dataclass(frozen=True)
class AttemptPage:
    """The trainee's own attempt with its module, and the response at the position asked for (with its question
    version), or None when the attempt has no question there; the other responses are not loaded."""

    attempt: QuizAttempt
    response: Response | None

    @property
    def total(self) -> int:
        return self.attempt.question_count


# Built once (the hot path): the attempt, its module, and one response with its version.
_ONE_QUESTION = (
    select(QuizAttempt, Response)
    .outerjoin(
        Response, and_(Response.attempt_id == QuizAttempt.id, Response.position == bindparam("position", type_=Integer))
    )
    .where(QuizAttempt.id == bindparam("attempt_id", type_=Integer), QuizAttempt.user_id == bindparam("user_id"))
    .options(joinedload(QuizAttempt.module), joinedload(Response.version))
)


def attempt_page(
    session: Session, user: User, attempt_id: int, now: datetime, position: int | None = None
) -> AttemptPage:
    """One query (an overdue attempt is graded first, which loads it all). Without a position (positions
    start at 1) no response is loaded."""
    row = session.execute(
        _ONE_QUESTION, {"attempt_id": attempt_id, "user_id": user.id, "position": position or 0}
    ).one_or_none()
    if row is None:
        raise NotFound("No such attempt.")
    attempt, response = row
    finalise_if_overdue(session, attempt, now)
    return AttemptPage(attempt, response)


def get_attempt(session: Session, user: User, attempt_id: int, now: datetime) -> QuizAttempt:
    """The user's own attempt with every question loaded (the result page); overdue ones are graded first."""
    attempt = session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user.id)
        .options(joinedload(QuizAttempt.module), selectinload(QuizAttempt.responses).selectinload(Response.version))
    )
    if attempt is None:
        raise NotFound("No such attempt.")
    finalise_if_overdue(session, attempt, now)
    return attempt


@dataclass(frozen=True)
class NavItem:
    """One question's state in the navigator."""

    position: int
    answered: bool
    unsaved: bool  # input kept as a draft that could not be saved
    flagged: bool


@dataclass(frozen=True)
class Navigator:
    """Every question's state, in order: the navigator, the autosave reply and the submit page."""

    items: list[NavItem]

    @property
    def answered(self) -> list[int]:
        return [i.position for i in self.items if i.answered]

    @property
    def unsaved(self) -> list[int]:
        return [i.position for i in self.items if i.unsaved]

    @property
    def flagged(self) -> list[int]:
        return [i.position for i in self.items if i.flagged]

    @property
    def unanswered(self) -> list[int]:
        """Nothing entered at all (a draft that could not be saved is listed as unsaved instead)."""
        return [i.position for i in self.items if not i.answered and not i.unsaved]

    def resume_position(self, last_position: int | None) -> int:
        """Where Resume leads: the first question not answered (or not saved), else the last one the trainee
        saved or moved to (a save records it; looking at a page writes nothing)."""
        for item in self.items:
            if not item.answered or item.unsaved:
                return item.position
        last = last_position or 1
        return last if 1 <= last <= len(self.items) else 1


_NAVIGATOR = (
    select(Response.position, Response.answered, Response.unsaved, Response.flagged)
    .where(Response.attempt_id == bindparam("attempt_id", type_=Integer))
    .order_by(Response.position)
)


def navigator(session: Session, attempt: QuizAttempt) -> Navigator:
    """The states of the attempt's questions as plain rows, in one query (no responses or versions loaded),
    read through the session's connection: plain rows need none of the ORM's result processing."""
    session.flush()  # what the session would flush before a query of its own (nothing, on the quiz pages)
    rows = session.connection().execute(_NAVIGATOR, {"attempt_id": attempt.id})
    return Navigator([NavItem(position, answered, unsaved, flagged) for position, answered, unsaved, flagged in rows])


def seconds_left(attempt: QuizAttempt, now: datetime) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - now).total_seconds()))
