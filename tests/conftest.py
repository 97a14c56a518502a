"""Fixtures: an app on a fresh database per test (SQLite file, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from quizapp import create_app, migrate
from quizapp.db import Base, get_engine, new_session
from quizapp.models import Role, Team, User
from quizapp.services import users as users_service

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
PASSWORD = "correct-horse-battery"

# The browser suite needs the e2e extra (`make e2e` installs it); `make test` installs only the test tools.
collect_ignore = [] if importlib.util.find_spec("playwright") else ["e2e"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs TEST_DATABASE_URL=postgresql+psycopg://...")
    for item in items:
        if "postgres_only" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)


def base_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "PUBLIC_BASE_URL": "https://quizapp.example",
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a template SQLite file, or the PostgreSQL test database."""
    if ON_POSTGRES:
        app = create_app(base_config(TEST_DATABASE_URL, tmp_path_factory.mktemp("inst")))
        with get_engine(app).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(app)
        get_engine(app).dispose()
        return TEST_DATABASE_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite"
    app = create_app(base_config(f"sqlite:///{template}", tmp_path_factory.mktemp("inst")))
    migrate.upgrade(app)
    get_engine(app).dispose()
    return str(template)


@pytest.fixture
def make_app(migrated_database: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Factory for apps that share this test's fresh database."""
    if ON_POSTGRES:
        url = migrated_database
    else:
        db_file = tmp_path / "test.sqlite"
        shutil.copy(migrated_database, db_file)
        url = f"sqlite:///{db_file}"
    apps: list[Flask] = []

    def factory(**overrides) -> Flask:
        cfg = base_config(url, tmp_path / "instance")
        cfg.update(overrides)
        app = create_app(cfg)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        get_engine(app).dispose()
    if ON_POSTGRES and apps:
        app = create_app(base_config(url, tmp_path / "instance"))
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with get_engine(app).begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        get_engine(app).dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator:
    """A session for arranging and checking data (committed, so requests see it); call
    db.expire_all() before reading what a request changed."""
    session = new_session(app)
    yield session
    session.close()


@pytest.fixture
def make_user(app: Flask, db) -> Callable[..., User]:
    counter = {"n": 0}

    def factory(
        role: Role | str = Role.TRAINEE,
        *,
        email: str | None = None,
        name: str | None = None,
        teams: list[Team] = (),
        managed: list[Team] = (),
        active: bool = True,
        password: str = PASSWORD,
    ) -> User:
        counter["n"] += 1
        role = Role(role)
        email = email or f"{role.value}{counter['n']}@example.com"
        with app.app_context():
            user = users_service.create_user(
                db,
                email=email,
                name=name or f"{role.value.title()} {counter['n']}",
                role=role,
                password=password,
                teams=teams,
                active=active,
            )
        user.managed_teams = list(managed)
        db.commit()
        return user

    return factory


@pytest.fixture
def make_team(db) -> Callable[[str], Team]:
    def factory(name: str = "Clinic A") -> Team:
        team = users_service.create_team(db, name)
        db.commit()
        return team

    return factory


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        return self.client.post("/auth/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(make_user, auth) -> Callable[..., User]:
    """Create a user of the role and log the test client in as them."""

    def do(role: Role | str = Role.TRAINEE, **kwargs) -> User:
        user = make_user(role, **kwargs)
        response = auth.login(user.email)
        assert response.status_code == 302, response.data
        return user

    return do
