"""Backups while the app runs (`flask --app wsgi db backup PATH`) and restores into an empty database.

SQLite: the online backup API copies a consistent snapshot page by page while other connections keep
writing. PostgreSQL: pg_dump (custom format) and pg_restore, run for you."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

COUNTED = ("users", "quiz_attempts", "certificates", "audit_events")


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


def backup(engine: Engine, path: Path, say: Callable[[str], None]) -> None:
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name (a backup never overwrites).")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    if engine.dialect.name == "sqlite":
        source = _sqlite_file(engine)
        with sqlite3.connect(source) as src, sqlite3.connect(path) as dest:
            src.backup(dest)  # the online backup API: a consistent snapshot while the app keeps writing
        with sqlite3.connect(path) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"The copy in {path} failed SQLite's integrity check; try again.")
        say(f"SQLite online backup of {source} written to {path}.")
    else:
        say(f"PostgreSQL: running pg_dump --format=custom into {path}.")
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", _libpq(engine)])
        say(f"Written {path}. Restore it with: flask --app wsgi db restore {path}")
    say("Counted: " + ", ".join(f"{n} {t}" for t, n in counts(engine).items()))


def restore(engine: Engine, path: Path, say: Callable[[str], None]) -> None:
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    busy = {t: n for t, n in counts(engine).items() if n}
    if busy:
        held = ", ".join(f"{n} {t}" for t, n in busy.items())
        raise BackupError(
            f"The database is not empty ({held}); restore only into a new, empty database "
            "(a new DATABASE_URL, or a SQLite file that does not exist yet)."
        )
    if engine.dialect.name == "sqlite":
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as src:
                tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as err:
            raise BackupError(f"{path} is not a SQLite backup: {err}.") from None
        if "alembic_version" not in tables:
            raise BackupError(f"{path} is not a quizapp backup (no alembic_version table).")
        engine.dispose()  # no pooled connection may hold the file while it is replaced
        target = _sqlite_file(engine)
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as src, sqlite3.connect(target) as dest:
            src.backup(dest)
        say(f"Restored {path} into {target}.")
    else:
        say(f"PostgreSQL: running pg_restore from {path}.")
        # the empty tables of a migrated database are replaced by the backup's
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={_libpq(engine)}", str(path)])  # fmt: skip
        engine.dispose()
        say(f"Restored {path}.")
    say("Counted: " + ", ".join(f"{n} {t}" for t, n in counts(engine).items()))


def counts(engine: Engine) -> dict[str, int]:
    """Rows in the tables that matter most (0 for a table that does not exist yet)."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() if t in present else 0 for t in COUNTED}


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("This SQLite database lives in memory; there is no file to back up.")
    return Path(database)


def _libpq(engine: Engine) -> str:
    """The SQLAlchemy URL as pg_dump understands it (no +driver)."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        shown = " ".join("<DATABASE_URL without +psycopg>" if "://" in c else c for c in command)
        raise BackupError(
            f"{command[0]} is not installed. Install PostgreSQL's client programs (Debian: apt-get install "
            f"postgresql-client), or run it yourself: {shown}"
        )
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")
