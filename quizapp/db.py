"""Engine, one session per request and one transaction boundary (plain SQLAlchemy 2, no Flask-SQLAlchemy).

Services only flush. A request's work is committed in one place, `end_request`, when the response is a success
or a redirect (status below 400), and rolled back otherwise; CLI commands commit through `unit_of_work`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g
from sqlalchemy import CursorResult, DateTime, Engine, MetaData, Result, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Timezone-aware now in UTC (a callable, for column defaults)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """On SQLite, the stored naive UTC text read straight into an aware datetime: one C call per value
        instead of parsing, then replacing the time zone (pages over 100,000 attempts read 300,000 of
        them); anything else goes the general way."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general
        parse = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            try:
                found = parse(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)
            return found if found.tzinfo is not None else general(value)  # a bare date ignores the offset

        return process


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (SQLAlchemy types `execute()` as a plain Result)."""
    return cast(CursorResult[Any], result).rowcount


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, NORMAL sync, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        return engine
    # No ping before every checkout (a round trip per request). A connection the server dropped fails its
    # request (a 503 page), and SQLAlchemy then discards every pooled connection older than the failure, so
    # the next requests connect afresh; connections are renewed every half hour before idle timeouts bite.
    engine = create_engine(url, pool_pre_ping=False, pool_recycle=1800)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _utc(dbapi_conn: Any, _record: Any) -> None:
            """Timestamps arrive in UTC, whatever the server's zone: the driver then builds them without
            converting each (an export over 10,000 trainees reads 300,000), and UTCDateTime has nothing to do.
            Committed at once, so that no rollback of the first transaction undoes it."""
            cur = dbapi_conn.cursor()
            cur.execute("SET TIME ZONE 'UTC'")
            cur.close()
            dbapi_conn.commit()

    return engine


def init_app(app: Flask) -> None:
    """Attach an engine and session factory to the app; close the request's session at teardown."""
    from quizapp.services import ServiceSettings

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["quizapp.engine"] = engine
    settings = ServiceSettings.from_config(app.config)  # services read their configuration from here
    app.extensions["quizapp.sessionmaker"] = sessionmaker(
        bind=engine, expire_on_commit=False, info={"settings": settings}
    )
    app.after_request(end_request)
    app.teardown_appcontext(close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["quizapp.engine"]


def new_session(app: Flask | None = None) -> Session:
    """A session outside the request cycle (CLI, background work, tests)."""
    return (app or current_app).extensions["quizapp.sessionmaker"]()


def get_session() -> Session:
    """The session of the current request or app context."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def end_request(response: Response) -> Response:
    """The request's one commit: below 400 the work is kept, otherwise it is undone. A failing commit
    (the database went away) propagates to the error handlers, which answer 503."""
    session = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            rollback_quietly(session)
    return response


def stream_body(session: Session, pieces: Iterable[T]) -> Iterator[T]:
    """The body of a streamed response whose pieces read (and may repair: progress grades overdue attempts
    and issues missed certificates) the database, such as a CSV built slice by slice.

    Flask sends the body after the request is over: end_request has committed and teardown has closed
    the request's session before the first piece is asked for. So the body works in that session anew
    (a closed session opens a new transaction when used; `get_session()` is not called again, and
    `stream_with_context` is not needed): each piece's work is committed once the piece is built, before
    it is sent, so a repair shown in the file is kept; when the body ends, fails or the client goes away,
    whatever is unfinished is rolled back and the session closed, so no connection is left open."""
    try:
        for piece in pieces:
            session.commit()
            yield piece
    finally:
        close_session_quietly(session)


def close_session_quietly(session: Session) -> None:
    """Close a session (rolling back what is not committed); a connection already gone is no error."""
    try:
        session.close()
    except Exception:  # the connection may already be gone; nothing is left to undo
        pass


def rollback_quietly(session: Session) -> None:
    """Undo the session's work; if the connection is gone there is nothing to undo."""
    try:
        session.rollback()
    except Exception:  # the database went away: the server has dropped the transaction already
        pass


def close_session(_exc: BaseException | None = None) -> None:
    """Close the session at the end of the app context; anything not committed is rolled back."""
    session = g.pop("db_session", None)
    if session is not None:
        close_session_quietly(session)


@contextmanager
def unit_of_work(app: Flask | None = None) -> Iterator[Session]:
    """A session outside requests (CLI, scripts) committed once at the end, rolled back on any error."""
    session = new_session(app)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
