"""UTCDateTime reads aware UTC datetimes back, whatever form SQLite holds the text in (the fast parse, and
the general way for anything it does not take)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from quizapp.db import UTCDateTime, make_engine


@pytest.fixture
def table(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'types.sqlite'}")
    times = Table("times", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime))
    times.metadata.create_all(engine)
    yield engine, times
    engine.dispose()


def test_written_and_read_back_as_aware_utc(table):
    engine, times = table
    written = [
        datetime(2030, 1, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2030, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2))),  # stored as 07:00 UTC
        None,
    ]
    with engine.begin() as conn:
        conn.execute(insert(times), [{"at": w} for w in written])
        read = list(conn.scalars(select(times.c.at).order_by(times.c.id)))
    assert read == written
    assert all(r.tzinfo is UTC for r in read if r is not None)
    assert read[1].hour == 7


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2030-01-02 03:04:05.678901", datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)),
        ("2030-01-02 03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),  # CURRENT_TIMESTAMP's form
        ("2030-01-02", datetime(2030, 1, 2, tzinfo=UTC)),  # a bare date: the general way
    ],
)
def test_text_in_other_forms_reads_as_aware_utc(table, stored, expected):
    engine, times = table
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO times (at) VALUES (:at)"), {"at": stored})
        found = conn.scalar(select(times.c.at))
    assert found == expected and found.tzinfo is UTC


@pytest.mark.postgres_only
def test_postgresql_sessions_read_timestamps_in_utc_whatever_the_server_zone():
    """Every connection is set to UTC when it opens (and stays so after a rollback), even where the server or
    the address asks for another zone: timestamps then arrive already in UTC and read back as the instant
    written."""
    from tests.conftest import TEST_DATABASE_URL

    sep = "&" if "?" in TEST_DATABASE_URL else "?"
    engine = make_engine(f"{TEST_DATABASE_URL}{sep}options=-c%20TimeZone%3DPacific/Auckland")
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SHOW TIME ZONE")) == "UTC"
            conn.rollback()
            assert conn.scalar(text("SHOW TIME ZONE")) == "UTC"
            written = datetime(2030, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
            read = conn.scalar(text("SELECT CAST(:at AS timestamptz)"), {"at": written})
            assert read == written and read.utcoffset() == timedelta(0)
    finally:
        engine.dispose()
