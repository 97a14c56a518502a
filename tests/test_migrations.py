"""Migrations build the models' schema from empty, on SQLite and PostgreSQL, and go back down."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from quizapp import create_app, migrate
from quizapp.db import Base, get_engine, new_session, utcnow
from quizapp.models import QuizAttempt, Role
from quizapp.services import answers, grading, users
from quizapp.services import attempts as attempts_service
from tests.conftest import ON_POSTGRES, PASSWORD, TEST_DATABASE_URL, base_config
from tests.quiz_helpers import import_quiz, key_answer, wrong_answer


def _assert_matches_models(app) -> None:
    with get_engine(app).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"migrations and models differ: {diff}"


def test_sqlite_upgrade_from_empty_matches_models_and_downgrades(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'm.sqlite'}", tmp_path))
    migrate.upgrade(app)
    _assert_matches_models(app)
    migrate.downgrade(app, "base")
    assert set(inspect(get_engine(app)).get_table_names()) == {"alembic_version"}
    get_engine(app).dispose()


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pragmas")
def test_sqlite_pragmas(app):
    with get_engine(app).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000


@pytest.mark.postgres_only
def test_postgres_upgrade_from_empty_matches_models_and_downgrades(tmp_path):
    name = f"quizapp_mig_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(TEST_DATABASE_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = create_app(base_config(admin_url.set(database=name).render_as_string(hide_password=False), tmp_path))
        migrate.upgrade(app)
        _assert_matches_models(app)
        migrate.downgrade(app, "base")
        assert set(inspect(get_engine(app)).get_table_names()) == {"alembic_version"}
        get_engine(app).dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _graded_attempts(app) -> dict[str, int]:
    """Three graded attempts at the test bank (really answered and submitted) and one still open."""
    found = {}
    with app.app_context():
        session = new_session(app)
        module = import_quiz(session)
        for n, kind in enumerate(("right", "critical wrong", "other wrong", "open")):
            user = users.create_user(
                session, email=f"m{n}@example.com", name=f"M {n}", role=Role.TRAINEE, password=PASSWORD
            )
            attempt = attempts_service.start_attempt(session, user, module, utcnow())
            for response in attempt.responses:
                wrong = kind == "critical wrong" if response.version.critical else kind == "other wrong"
                answer = wrong_answer(response.version) if wrong else key_answer(response.version)
                answers.store_answer(session, attempt, response, answer, utcnow())
            if kind != "open":
                grading.submit_attempt(session, attempt, utcnow())
            session.commit()
            found[kind] = attempt.id
        session.close()
    return found


def _critical_missed(app, ids: dict[str, int]) -> dict[str, bool | None]:
    with get_engine(app).connect() as conn:
        stored = dict(conn.execute(text("SELECT id, critical_missed FROM quiz_attempts")).all())
    return {kind: None if stored[i] is None else bool(stored[i]) for kind, i in ids.items()}


def test_0006_backfills_critical_missed_as_grading_sets_it(tmp_path):
    """Grading sets the flag; going down to 0005 and up again recomputes it from the responses alone."""
    app = create_app(base_config(f"sqlite:///{tmp_path / 'c.sqlite'}", tmp_path))
    migrate.upgrade(app)
    ids = _graded_attempts(app)
    expected = {"right": False, "critical wrong": True, "other wrong": False, "open": None}
    assert _critical_missed(app, ids) == expected
    migrate.downgrade(app, "0005_manager_indexes")
    migrate.upgrade(app)
    assert _critical_missed(app, ids) == expected
    with app.app_context():
        session = new_session(app)
        assert session.get(QuizAttempt, ids["other wrong"]).passed is False
        session.close()
    get_engine(app).dispose()


def test_test_database_is_at_head(app):
    assert migrate.current(app) == migrate.head()


def test_migrations_form_one_chain():
    """Branches that each added a migration must be re-chained when merged: exactly one head."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(migrate._config()).get_heads()
    assert len(heads) == 1, heads
