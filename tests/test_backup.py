"""`db backup` while the app runs and `db restore` into an empty instance find every attempt, certificate
and audit entry again; SQLite through its online backup API, PostgreSQL through pg_dump/pg_restore."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from quizapp.db import get_engine, new_session, utcnow
from quizapp.models import AuditEvent, Certificate, QuizAttempt, Role, User
from tests.cert_helpers import certify, make_modules
from tests.conftest import ON_POSTGRES, PASSWORD, TEST_DATABASE_URL


def _records(session) -> dict[str, list]:
    return {
        "attempts": session.execute(select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.percent)).all(),
        "certificates": session.execute(select(Certificate.id, Certificate.code, Certificate.revoked_at)).all(),
        "audit": session.execute(select(AuditEvent.id, AuditEvent.action, AuditEvent.summary)).all(),
    }


@pytest.fixture
def records(db, make_user, make_team) -> dict[str, list]:
    team = make_team("Backup clinic")
    modules = make_modules(db, 2)
    for _ in range(3):
        certify(db, make_user(Role.TRAINEE, teams=[team]), modules, utcnow())
    db.commit()
    found = _records(db)
    assert len(found["attempts"]) == 6 and len(found["certificates"]) == 3 and len(found["audit"]) >= 6
    return found


@pytest.fixture
def empty_instance(make_app, tmp_path) -> Iterator:
    """A second app on a new, empty database (a SQLite file not yet created, or a new PostgreSQL database)."""
    if not ON_POSTGRES:
        yield make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'restored.sqlite'}")
        return
    name = f"quizapp_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = make_app(DATABASE_URL=make_url(TEST_DATABASE_URL).set(database=name).render_as_string(False))
        yield app
        get_engine(app).dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_then_restore_into_an_empty_instance_keeps_every_record(
    runner, db, make_user, records, empty_instance, tmp_path
):
    path = tmp_path / "quizapp.backup"
    db.execute(select(QuizAttempt.id)).all()  # the app's own session holds its connection open meanwhile
    result = runner.invoke(args=["db", "backup", str(path)])
    assert result.exit_code == 0, result.output
    assert ("pg_dump" if ON_POSTGRES else "SQLite online backup") in result.output
    assert "3 certificates" in result.output
    # written after the backup: not in it
    make_user(Role.TRAINEE, email="after@example.com")

    restored = empty_instance.test_cli_runner().invoke(args=["db", "restore", str(path)])
    assert restored.exit_code == 0, restored.output
    assert "6 quiz_attempts, 3 certificates" in restored.output
    session = new_session(empty_instance)
    try:
        assert _records(session) == records
        email = session.scalar(select(User.email).where(User.role == Role.TRAINEE).limit(1))
        # the restored database is migrated and live: the audit log is still append-only there
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM audit_events"))
    finally:
        session.rollback()
        session.close()
    # and the restored instance serves: a trainee of the backup logs in
    client = empty_instance.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_restore_refuses_a_database_that_is_not_empty(runner, records, tmp_path):
    path = tmp_path / "b.backup"
    assert runner.invoke(args=["db", "backup", str(path)]).exit_code == 0
    result = runner.invoke(args=["db", "restore", str(path)])
    assert result.exit_code == 1 and "not empty" in result.output and "Traceback" not in result.output


def test_backup_never_overwrites_a_file(runner, tmp_path):
    path = tmp_path / "exists.backup"
    path.write_text("keep me")
    result = runner.invoke(args=["db", "backup", str(path)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert path.read_text() == "keep me"


def test_restore_of_a_missing_or_foreign_file_is_a_clear_error(empty_instance, tmp_path):
    runner = empty_instance.test_cli_runner()
    missing = runner.invoke(args=["db", "restore", str(tmp_path / "nope.backup")])
    assert missing.exit_code == 1 and "No backup file" in missing.output
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a backup\x00" * 100)
    result = runner.invoke(args=["db", "restore", str(junk)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ("pg_restore failed" if ON_POSTGRES else "not a SQLite backup") in result.output
