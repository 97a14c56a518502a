"""Practice: sessions, the questions shown in them, and each trainee's spaced-review card per question.

Kept apart from graded data: nothing here is read by attempts, item statistics, limits or certificates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.db import Base, UTCDateTime, utcnow
from quizapp.models.content import Module, Question, QuestionVersion


class PracticeSession(Base):
    """One sitting of practice: a planned list of questions, answered one at a time."""

    __tablename__ = "practice_sessions"
    __table_args__ = (Index("ix_practice_sessions_user_started", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))  # None: across modules
    kind: Mapped[str] = mapped_column(String(20), default="review")  # review | recert
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[Module | None] = relationship()
    items: Mapped[list[PracticeAnswer]] = relationship(
        back_populates="practice_session", order_by="PracticeAnswer.position"
    )


class PracticeAnswer(Base):
    """One question of a session: the version shown, its shuffle, and the answer once given."""

    __tablename__ = "practice_answers"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    reason: Mapped[str] = mapped_column(String(20))  # due | missed | practice_only | new | weak
    shuffle: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answer: Mapped[Any | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    full_marks: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)  # the FSRS rating given: 1 again … 4 easy
    seen_before: Mapped[bool | None] = mapped_column(Boolean)  # the card had been reviewed before this answer

    practice_session: Mapped[PracticeSession] = relationship(back_populates="items")
    question: Mapped[Question] = relationship()
    version: Mapped[QuestionVersion] = relationship()

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class ReviewCard(Base):
    """A trainee's spaced-review state for one question (FSRS fields), whatever version it is at."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_cards_user_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))  # the version last reviewed
    state: Mapped[int] = mapped_column(Integer)  # fsrs.State
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()
