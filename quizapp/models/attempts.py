"""Quiz attempts and the questions drawn into them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    cast,
    false,
    func,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column, relationship

from quizapp.db import Base, UTCDateTime, utcnow
from quizapp.models.content import Module, QuestionVersion, ReviewMode
from quizapp.models.users import User


class AttemptStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"  # graded after the trainee submitted
    EXPIRED = "expired"  # graded on what was saved before the deadline


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        Index("ix_quiz_attempts_user_module", "user_id", "module_id"),
        # one open attempt per trainee and module, also under two simultaneous Start clicks
        Index(
            "uq_quiz_attempts_one_open",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    status: Mapped[AttemptStatus] = mapped_column(
        Enum(AttemptStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=AttemptStatus.OPEN,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # the module settings the attempt ran under
    pass_mark: Mapped[int] = mapped_column(Integer)
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    review: Mapped[ReviewMode] = mapped_column(
        Enum(ReviewMode, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    question_count: Mapped[int] = mapped_column(Integer)
    # results, set once when graded
    awarded: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    possible: Mapped[int | None] = mapped_column(Integer)
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # a safety-critical question not fully right (which alone fails it): set by grading with the score
    critical_missed: Mapped[bool | None] = mapped_column(Boolean)
    last_position: Mapped[int | None] = mapped_column(Integer)  # the question last saved or moved to

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()
    responses: Mapped[list[Response]] = relationship(
        back_populates="attempt", order_by="Response.position", foreign_keys="Response.attempt_id"
    )

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.OPEN

    @property
    def ran_out_of_time(self) -> bool:
        """Graded because the time was up: closed at the deadline, or submitted (by the page's own
        countdown) at or after it."""
        if self.status == AttemptStatus.EXPIRED:
            return True
        return self.deadline is not None and self.finished_at is not None and self.finished_at >= self.deadline


class Response(Base):
    """One drawn question of an attempt: the version shown, its shuffle, and the saved answer."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    shuffle: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answer: Mapped[Any | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    full_marks: Mapped[bool | None] = mapped_column(Boolean)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # flagged for review
    # what the trainee last typed when it did not parse (shown back, marked "not saved"); None once saved
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the highest client sequence number applied: a late, older autosave never overwrites a newer answer
    autosave_seq: Mapped[int | None] = mapped_column(BigInteger)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="responses", foreign_keys=[attempt_id])
    version: Mapped[QuestionVersion] = relationship()

    @hybrid_property
    def answered(self) -> bool:
        return self.answer is not None

    @answered.inplace.expression
    @classmethod
    def _answered_sql(cls) -> ColumnElement[bool]:
        """The same rule in SQL, for the navigator's light query (a test checks both agree)."""
        return _json_present(cls.answer)

    @hybrid_property
    def unsaved(self) -> bool:
        """The trainee typed something that could not be saved."""
        return self.draft is not None

    @unsaved.inplace.expression
    @classmethod
    def _unsaved_sql(cls) -> ColumnElement[bool]:
        return _json_present(cls.draft)


def _json_present(column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """A JSON column holds a value: neither SQL NULL nor JSON null (what the ORM writes for None)."""
    return func.coalesce(cast(column, Text), "null") != "null"
