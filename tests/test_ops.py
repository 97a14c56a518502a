"""Operations endpoints and the request log: /healthz, /readyz, one JSON line per request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from quizapp import create_app, migrate
from quizapp.db import get_engine
from quizapp.ops import migration_head
from tests.conftest import PASSWORD, base_config


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(json.loads(record.getMessage()))


@pytest.fixture
def log_lines() -> Iterator[list[dict]]:
    handler = Lines()
    logger = logging.getLogger("quizapp.requests")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_healthz_answers_without_the_database(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path}/missing-dir/none.sqlite", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_ready_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["ready"] is True
    assert response.json["database"] == "ok"
    assert response.json["revision"] == response.json["head"] == migration_head()


def test_readyz_503_when_migrations_are_behind(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path}/old.sqlite", tmp_path))
    migrate.upgrade(app, "0001")
    response = app.test_client().get("/readyz")
    get_engine(app).dispose()
    assert response.status_code == 503
    assert response.json["ready"] is False
    assert response.json["database"] == "ok"
    assert "database at 0001" in response.json["migrations"]
    assert response.json["head"] == migration_head() != "0001"


def test_readyz_503_on_an_empty_database(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path}/empty.sqlite", tmp_path))
    response = app.test_client().get("/readyz")
    get_engine(app).dispose()
    assert response.status_code == 503
    assert response.json["migrations"].startswith("database at base (empty)")


def test_readyz_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path}/missing-dir/none.sqlite", tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "ready": False,
        "database": "unreachable",
        "migrations": "unknown",
        "revision": None,
        "head": migration_head(),
    }


def test_request_log_is_off_in_tests_by_default(client, log_lines):
    client.get("/healthz")
    assert log_lines == []


def test_request_log_one_line_per_request(make_app, make_user, log_lines):
    app = make_app(REQUEST_LOG="1")
    client = app.test_client()
    trainee = make_user(email="logged@example.com")

    client.get("/healthz")
    client.post("/auth/login", data={"email": trainee.email, "password": PASSWORD})
    client.get("/")
    client.get("/no/such/page")

    assert [(x["method"], x["route"], x["status"]) for x in log_lines] == [
        ("GET", "ops.healthz", 200),
        ("POST", "auth.login", 302),
        ("GET", "trainee.home", 200),
        ("GET", None, 404),
    ]
    assert [x["user_id"] for x in log_lines] == [None, trainee.id, trainee.id, trainee.id]
    assert set(log_lines[0]) == {"ts", "method", "route", "status", "duration_ms", "user_id"}
    assert all(isinstance(x["duration_ms"], float) and x["duration_ms"] >= 0 for x in log_lines)


def test_request_log_never_holds_form_data_or_path_values(make_app, make_user, log_lines):
    app = make_app(REQUEST_LOG="1")
    client = app.test_client()
    trainee = make_user(email="secretive@example.com")
    client.post("/auth/login", data={"email": trainee.email, "password": "wrong-password-xyz"})
    client.get("/verify/7K3Q-9XPM-2D4T-V")
    text = json.dumps(log_lines)
    assert len(log_lines) == 2
    assert log_lines[0]["user_id"] is None  # failed login
    for secret in ("wrong-password-xyz", "secretive@example.com", "7K3Q"):
        assert secret not in text


def test_request_log_enabled_from_the_environment(make_app, monkeypatch, log_lines):
    monkeypatch.setenv("REQUEST_LOG", "1")
    make_app().test_client().get("/healthz")
    monkeypatch.setenv("REQUEST_LOG", "0")
    make_app(TESTING=False).test_client().get("/healthz")
    assert [x["route"] for x in log_lines] == ["ops.healthz"]


def test_request_log_records_server_errors(make_app, log_lines):
    app = make_app(REQUEST_LOG="1")

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert [(x["route"], x["status"]) for x in log_lines] == [("boom", 500)]
