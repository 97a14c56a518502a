"""Light stand-ins for the rows the progress and certificate rules read: plain column values instead of ORM
objects, for pages over thousands of trainees (loading 100,000 attempts as ORM objects takes seconds; as
tuples, a fraction of that). The rules are the same functions either way: they read only these
attributes (the Protocols), which a QuizAttempt or a Certificate offers too. The queries run on the
session's connection (Core: no ORM bookkeeping for plain columns) in the session's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from sqlalchemy import ColumnElement, Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute, Session

from quizapp.models import AttemptStatus, Certificate, QuizAttempt, User


class Taken(Protocol):
    """What the progress, pass and limit rules read of an attempt."""

    @property
    def id(self) -> int: ...
    @property
    def module_id(self) -> int: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def deadline(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def percent(self) -> Decimal | None: ...
    @property
    def passed(self) -> bool | None: ...
    @property
    def critical_missed(self) -> bool | None: ...
    @property
    def is_open(self) -> bool: ...


class AttemptFacts(NamedTuple):
    """An attempt's columns (a named tuple: built 100,000 times on the export, a tuple is the cheapest)."""

    id: int
    user_id: int
    module_id: int
    started_at: datetime
    deadline: datetime | None
    finished_at: datetime | None
    percent: Decimal | None
    passed: bool | None
    critical_missed: bool | None
    is_open: bool  # status is open: read by every rule for every attempt, so computed by the query


class CertFacts(NamedTuple):
    """A certificate's columns that pages over many trainees show (status comes from the dates)."""

    id: int
    user_id: int
    code: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    superseded_at: datetime | None


class Person(NamedTuple):
    """A trainee as a list shows them."""

    id: int
    name: str
    email: str
    created_at: datetime


# The columns of an attempt that the progress and attention rules read (besides its id): what
# progress.trainee_progress loads of the ORM object (QuizAttempt.is_open reads the status).
RULE_COLUMNS = (
    QuizAttempt.user_id,
    QuizAttempt.module_id,
    QuizAttempt.status,
    QuizAttempt.started_at,
    QuizAttempt.deadline,
    QuizAttempt.finished_at,
    QuizAttempt.percent,
    QuizAttempt.passed,
    QuizAttempt.critical_missed,
)

# AttemptFacts' columns between the id and is_open: the status itself is read by no rule once is_open is known.
_FACT_COLUMNS = tuple(column for column in RULE_COLUMNS if column is not QuizAttempt.status)


def attempts_where(session: Session, where: ColumnElement[bool]) -> dict[int, list[AttemptFacts]]:
    """The attempts matching `where`, by trainee (one query)."""
    query = select(QuizAttempt.id, *_FACT_COLUMNS, QuizAttempt.status == AttemptStatus.OPEN).where(where)
    found: dict[int, list[AttemptFacts]] = defaultdict(list)
    make = AttemptFacts._make
    for row in session.connection().execute(query):
        fact = make(row)
        found[fact.user_id].append(fact)
    return found


def certificates_where(session: Session, where: ColumnElement[bool]) -> dict[int, list[CertFacts]]:
    """The certificates matching `where`, by trainee, newest first (one query)."""
    query = (
        select(
            Certificate.id,
            Certificate.user_id,
            Certificate.code,
            Certificate.issued_at,
            Certificate.expires_at,
            Certificate.revoked_at,
            Certificate.superseded_at,
        )
        .where(where)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    found: dict[int, list[CertFacts]] = defaultdict(list)
    make = CertFacts._make
    for row in session.connection().execute(query):
        found[row[1]].append(make(row))
    return found


def among(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], ids: Iterable[int]
) -> ColumnElement[bool]:
    """`column IN ids` for a list of ids; on PostgreSQL as `= ANY(one array)`: one parameter instead of one
    per id (an export reads 10,000 trainees in slices: half the time of each slice's queries)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


def people(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    """These users as Persons (one query)."""
    query = select(User.id, User.name, User.email, User.created_at).where(among(session, User.id, ids))
    return {row[0]: Person._make(row) for row in session.connection().execute(query)}
