"""Operations endpoints and the request log: /healthz, /readyz, one JSON line per request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from quizapp import create_app, migrate
from quizapp.config import ConfigError
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
    app = make_app(REQUEST_LOG="1", PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert [(x["route"], x["status"]) for x in log_lines] == [("boom", 500)]


# --- metrics (optional: needs prometheus-client) ---------------------------------------------------

TOKEN = "metrics-token-for-tests-0123"


def test_metrics_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_need_a_long_token(make_app):
    pytest.importorskip("prometheus_client")
    with pytest.raises(ConfigError, match="at least 16"):
        make_app(METRICS_TOKEN="short")


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_without_the_bearer_token(make_app, header):
    pytest.importorskip("prometheus_client")
    client = make_app(METRICS_TOKEN=TOKEN).test_client()
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert b"quizapp_" not in response.data


def test_metrics_count_requests_attempts_and_certificates(make_app, make_user, db):
    pytest.importorskip("prometheus_client")
    from quizapp.db import utcnow
    from quizapp.services.attempts import start_attempt
    from quizapp.services.grading import submit_attempt
    from tests.quiz_helpers import import_quiz

    app = make_app(METRICS_TOKEN=TOKEN)
    client = app.test_client()
    trainee = make_user(email="counted@example.com")
    module = import_quiz(db)
    submit_attempt(db, start_attempt(db, trainee, module, utcnow()), utcnow())
    start_attempt(db, trainee, module, utcnow())  # open: not counted
    db.commit()
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page")

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.get_data(as_text=True)
    assert 'quizapp_http_requests_total{endpoint="ops.healthz",method="GET",status="200"} 2.0' in text
    assert 'quizapp_http_requests_total{endpoint="(no route)",method="GET",status="404"} 1.0' in text
    assert 'quizapp_http_request_duration_seconds_count{endpoint="ops.healthz",method="GET"} 2.0' in text
    assert "quizapp_attempts_submitted_total 1.0" in text
    assert "quizapp_certificates_issued_total 0.0" in text
