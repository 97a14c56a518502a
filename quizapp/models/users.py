"""Accounts, roles and teams."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Enum, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.db import Base, UTCDateTime, utcnow


def session_token(password_hash: str, session_version: int = 0) -> str:
    """A short fingerprint of the password hash (not the hash itself) and the session version, for session ids:
    a new password or a logout (which bumps the version) changes it, and every older session ends."""
    salted = password_hash if not session_version else f"{password_hash}:{session_version}"
    return hashlib.sha256(salted.encode()).hexdigest()[:16]


class Role(StrEnum):
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    MANAGER = "manager"
    ADMIN = "admin"


team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", Integer, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

team_managers = Table(
    "team_managers",
    Base.metadata,
    Column("team_id", Integer, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # bumped at logout: sessions and remember-me cookies issued before then stop working
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    time_zone: Mapped[str | None] = mapped_column(String(64))  # IANA name; None until set (from the browser)

    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members", order_by="Team.name")
    managed_teams: Mapped[list[Team]] = relationship(
        secondary=team_managers, back_populates="managers", order_by="Team.name"
    )

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id sessions and remember-me cookies hold: a new password or a logout ends every older session."""
        return f"{self.id}:{session_token(self.password_hash, self.session_version or 0)}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams", order_by="User.name")
    managers: Mapped[list[User]] = relationship(
        secondary=team_managers, back_populates="managed_teams", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<Team {self.name}>"
