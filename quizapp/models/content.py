"""Modules, questions and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Enum, ForeignKey, Integer, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.db import Base, UTCDateTime, utcnow
from quizapp.question_types.base import APPROVED, is_usable


def _enum(e: type[StrEnum]) -> Enum:
    return Enum(e, native_enum=False, length=20, values_callable=lambda x: [m.value for m in x])


class ReviewMode(StrEnum):
    FULL = "full"
    SCORE_ONLY = "score_only"


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


class Module(Base):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    order: Mapped[int] = mapped_column(Integer, default=0)
    pass_mark: Mapped[int] = mapped_column(Integer, default=80)
    questions_per_attempt: Mapped[int] = mapped_column(Integer, default=10)
    time_limit_minutes: Mapped[int] = mapped_column(Integer, default=0)
    required_for_certification: Mapped[bool] = mapped_column(Boolean, default=True)
    review: Mapped[ReviewMode] = mapped_column(_enum(ReviewMode), default=ReviewMode.FULL)
    draw: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attempts_per_day: Mapped[int] = mapped_column(Integer, default=3)
    cooldown_minutes: Mapped[int] = mapped_column(Integer, default=0)
    lesson: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    questions: Mapped[list[Question]] = relationship(back_populates="module", order_by="Question.key")

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class Question(Base):
    """A stable question identity; what it says lives in its versions."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # the bank file's `id`
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    group: Mapped[str | None] = mapped_column(String(80))  # exclusion group: at most one per attempt
    review_status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus), default=ReviewStatus.APPROVED)
    assessed: Mapped[bool] = mapped_column(Boolean, default=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the bank file
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # four eyes: who last edited the question (content or metadata) and who approved that edit, and when
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[Module] = relationship(back_populates="questions")
    versions: Mapped[list[QuestionVersion]] = relationship(back_populates="question", order_by="QuestionVersion.number")

    @property
    def current(self) -> QuestionVersion:
        return self.versions[-1]

    @hybrid_property
    def usable(self) -> bool:
        """May be drawn into a graded attempt (the rule: question_types.is_usable)."""
        return is_usable(self.review_status, self.assessed, self.retired_at is not None)

    @usable.inplace.expression
    @classmethod
    def _usable_sql(cls) -> ColumnElement[bool]:
        """The same rule in SQL (a test checks both agree on every combination)."""
        return and_(cls.retired_at.is_(None), cls.assessed.is_(True), cls.review_status == ReviewStatus(APPROVED))


class QuestionVersion(Base):
    """Everything that changes what a trainee sees or how it is graded; never updated."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    stem: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(Integer, default=1)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    question: Mapped[Question] = relationship(back_populates="versions")


class QuestionNote(Base):
    """An instructor's note on a question version, e.g. "reviewed, keep" from the item-analysis queue."""

    __tablename__ = "question_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "keep"
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
