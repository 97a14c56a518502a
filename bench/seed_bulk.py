"""Many rows at once into a new database (bench/seed.py's load and open_attempts): COPY on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from seed_attempts import Option


def bulk_load_mode(conn: Connection) -> str:
    """Settings for one bulk load into a new database whose rows are consistent by construction: no
    foreign-key checks row by row (the most of the load's time), on SQLite also a big page cache and no
    fsync. Run first on the connection, before its transaction starts; returns what was done."""
    if conn.dialect.name == "sqlite":  # PRAGMA foreign_keys is ignored inside a transaction
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.exec_driver_sql("PRAGMA cache_size = -400000")
        conn.exec_driver_sql("PRAGMA synchronous = OFF")
        return "bulk load: foreign keys not checked row by row, no fsync (SQLite pragmas)"
    if conn.exec_driver_sql("SHOW is_superuser").scalar() == "on":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # until the commit
        return "bulk load: foreign keys not checked row by row (session_replication_role = replica)"
    return "bulk load: foreign keys checked row by row (not a superuser: session_replication_role unavailable)"


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany of a Core insert() elsewhere."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            names = ", ".join(f'"{c}"' for c in columns)
            with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(
                        [json.dumps(row[c]) if c in json_cols and row[c] is not None else row[c] for c in columns]
                    )
        return
    for start in range(0, len(rows), chunk):
        conn.execute(table.insert(), rows[start : start + chunk])


def next_id(conn: Connection, model: Any) -> int:
    return (conn.execute(select(func.max(model.id))).scalar() or 0) + 1


RESPONSE_COLUMNS = ("id", "attempt_id", "position", "question_version_id", "shuffle", "answer", "answered_at")
RESPONSE_COLUMNS += ("awarded", "full_marks")


def reset_sequences(conn: Connection, *models: Any) -> None:
    """After rows were written with their own ids, PostgreSQL's id sequences continue after the largest (the app's
    own inserts would otherwise collide); SQLite needs nothing."""
    if conn.dialect.name != "postgresql":
        return
    for model in models:
        tbl = model.__table__.name
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), (SELECT max(id) FROM {tbl}))"))


def copy_text(value: str) -> str:
    """A value in PostgreSQL's COPY text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def insert_responses(conn: Connection, rows: list[tuple[Any, ...]], graded: bool = True) -> None:
    """A million rows: straight to the driver in the form SQLAlchemy's types store them (JSON text,
    UTC timestamps; on SQLite naive text with microseconds and REAL numbers), skipping per-value
    type processing. COPY on PostgreSQL. Not `graded`: the answers of open attempts, without marks."""
    raw = conn.connection.driver_connection
    names = ", ".join(RESPONSE_COLUMNS)
    if conn.dialect.name == "postgresql":
        # COPY's text format written directly: each shared value (a shuffle, an answer option) escaped once,
        # the rows joined in large chunks (psycopg's write_row adapts every value on its own: ~5 times slower)
        shuffles: dict[str, str] = {}
        options: dict[int, tuple[str, str]] = {}
        with raw.cursor() as cur, cur.copy(f"COPY responses ({names}) FROM STDIN") as copy:
            for start in range(0, len(rows), 50_000):
                lines = []
                for rid, aid, pos, vid, shuffle, option, answered in rows[start : start + 50_000]:
                    if shuffle not in shuffles:
                        shuffles[shuffle] = copy_text(shuffle)
                    if id(option) not in options:
                        answer = r"\N" if option.answer_json is None else copy_text(option.answer_json)
                        marks = f"{option.awarded_decimal}\t{'t' if option.full else 'f'}" if graded else "\\N\t\\N"
                        options[id(option)] = (answer, marks)
                    answer, marks = options[id(option)]
                    when = r"\N" if answered is None else answered.isoformat()
                    lines.append(f"{rid}\t{aid}\t{pos}\t{vid}\t{shuffles[shuffle]}\t{answer}\t{when}\t{marks}\n")
                copy.write("".join(lines))
        return
    texts: dict[int, tuple[str | None, float | None]] = {}

    def stored(option: Option) -> tuple[str | None, float | None]:
        if id(option) not in texts:
            texts[id(option)] = (option.answer_json, float(option.awarded_decimal) if graded else None)
        return texts[id(option)]

    def full(option: Option) -> int | None:
        return int(option.full) if graded else None

    def timestamp(when: datetime | None) -> str | None:
        return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    cur = raw.cursor()
    cur.executemany(
        f"INSERT INTO responses ({names}) VALUES ({', '.join('?' for _ in RESPONSE_COLUMNS)})",
        (
            (rid, aid, pos, vid, shuffle, *stored(option)[:1], timestamp(answered), stored(option)[1], full(option))
            for rid, aid, pos, vid, shuffle, option, answered in rows
        ),
    )
    cur.close()
