"""Operations: liveness and readiness for load balancers, one JSON log line per request, optional metrics.

Metrics (Prometheus) are off unless METRICS_TOKEN is set; /metrics then answers only a request bearing
`Authorization: Bearer <METRICS_TOKEN>`. They need the optional `prometheus-client` package. Under several
gunicorn workers set PROMETHEUS_MULTIPROC_DIR (an empty directory, the same for every worker) so every
worker's counts are added up whichever worker answers the scrape.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, jsonify, request, session
from flask import Response as FlaskResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from quizapp.config import ConfigError
from quizapp.db import get_engine

bp = Blueprint("ops", __name__)

request_log = logging.getLogger("quizapp.requests")


@bp.route("/healthz")
def healthz() -> FlaskResponse:
    """The process is up and serving; touches nothing else."""
    return FlaskResponse("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.route("/readyz")
def readyz() -> tuple[FlaskResponse, int]:
    """Ready when the database answers and its schema is at the migrations' head; 503 says what is not."""
    head = current_app.extensions["quizapp.migration_head"]
    problems: dict[str, str] = {}
    current = None
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            from alembic.runtime.migration import MigrationContext

            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as err:
        current_app.logger.error("readiness: database unreachable: %s", err)
        problems["database"] = "unreachable"
    else:
        if current != head:
            problems["migrations"] = f"database at {current or 'base (empty)'}, code expects {head}"
    body = {
        "ready": not problems,
        "database": problems.get("database", "ok"),
        "migrations": problems.get("migrations", "at head") if "database" not in problems else "unknown",
        "revision": current,
        "head": head,
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if not problems else 503


def migration_head() -> str | None:
    """The head revision of the migrations shipped with the code."""
    from quizapp.migrate import head

    return head()


# --- request log ---------------------------------------------------------------------------------


def _user_id() -> int | None:
    """The logged-in user's id without a database query: the loaded user if a view loaded it,
    else the id in the signed session cookie."""
    user = g.get("_login_user")
    if user is not None:
        return user.id if getattr(user, "is_authenticated", False) else None
    if not request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session")):
        return None  # reading the session would only add "Vary: Cookie"
    uid = str(session.get("_user_id") or "").partition(":")[0]
    return int(uid) if uid.isascii() and uid.isdigit() and len(uid) < 10 else None


def _start_timer() -> None:
    g.ops_started = time.perf_counter()


def _observe(response: FlaskResponse) -> FlaskResponse:
    started = g.get("ops_started")
    seconds = time.perf_counter() - started if started is not None else None
    current_app.extensions["quizapp.metrics"].observe(response, seconds)
    return response


def _log_request(response: FlaskResponse) -> FlaskResponse:
    started = g.get("ops_started")
    line: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": request.method,
        "route": request.endpoint,  # the endpoint name, never the path: paths hold codes and ids
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started is not None else None,
        "user_id": _user_id(),
    }
    request_log.info(json.dumps(line, separators=(",", ":")))
    return response


# --- metrics ------------------------------------------------------------------------------------

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request counts and latencies per route, kept by prometheus-client (across workers in its
    multiprocess mode); attempts submitted and certificates issued are read from the database at scrape
    time, so they count every worker and command and survive restarts."""

    def __init__(self, app: Flask, token: str) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.token = token
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "quizapp_http_requests",
            "HTTP requests answered, by route endpoint, method and status.",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "quizapp_http_request_duration_seconds",
            "Time to answer a request, by route endpoint and method.",
            ["endpoint", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.totals = DatabaseTotals(app)

    def observe(self, response: FlaskResponse, seconds: float | None) -> None:
        endpoint = request.endpoint or "(no route)"
        self.requests.labels(endpoint, request.method, str(response.status_code)).inc()
        if seconds is not None:
            self.latency.labels(endpoint, request.method).observe(seconds)

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest

        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        return generate_latest(registry) + generate_latest(self.totals.registry())


class DatabaseTotals:
    """Counters whose truth is in the database: graded attempts, certificates ever issued."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def registry(self) -> Any:
        from prometheus_client import CollectorRegistry

        registry = CollectorRegistry()
        registry.register(self)
        return registry

    def collect(self) -> Any:
        from prometheus_client.core import CounterMetricFamily
        from sqlalchemy import func, select

        from quizapp.models import AttemptStatus, Certificate, QuizAttempt

        with get_engine(self.app).connect() as conn:
            submitted = conn.execute(
                select(func.count()).select_from(QuizAttempt).where(QuizAttempt.status != AttemptStatus.OPEN)
            ).scalar_one()
            issued = conn.execute(select(func.count()).select_from(Certificate)).scalar_one()
        yield CounterMetricFamily("quizapp_attempts_submitted", "Attempts graded (submitted or timed out).", submitted)
        yield CounterMetricFamily("quizapp_certificates_issued", "Certificates ever issued.", issued)


def metrics_view() -> FlaskResponse:
    """The Prometheus exposition, for a scraper holding the bearer token."""
    metrics: Metrics = current_app.extensions["quizapp.metrics"]
    sent = request.headers.get("Authorization", "")
    if not (sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].encode(), metrics.token.encode())):
        return FlaskResponse(
            "A bearer token is required.\n", 401, {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain"}
        )
    try:
        body = metrics.exposition()
    except SQLAlchemyError:
        abort(503)
    from prometheus_client import CONTENT_TYPE_LATEST

    return FlaskResponse(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def _metrics_token(app: Flask) -> str:
    return str(app.config.get("METRICS_TOKEN") or os.environ.get("METRICS_TOKEN") or "").strip()


def _wants_request_log(app: Flask) -> bool:
    """REQUEST_LOG (config, then environment) decides; by default on, except under tests."""
    value = app.config.get("REQUEST_LOG")
    if value is None:
        value = os.environ.get("REQUEST_LOG")
    if value is None or value == "":
        return not app.testing
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def init_app(app: Flask) -> None:
    """Register /healthz and /readyz, the request log when enabled, and /metrics when METRICS_TOKEN is set."""
    app.extensions["quizapp.migration_head"] = migration_head()
    token = _metrics_token(app)
    if token:
        if len(token) < 16:
            raise ConfigError("METRICS_TOKEN must be at least 16 characters long.")
        try:
            app.extensions["quizapp.metrics"] = Metrics(app, token)
        except ImportError:
            raise ConfigError(
                "METRICS_TOKEN is set but prometheus-client is not installed: pip install 'quizapp[metrics]'."
            ) from None
        app.add_url_rule("/metrics", "ops.metrics", metrics_view)
    app.register_blueprint(bp)
    timed = _wants_request_log(app) or bool(token)
    if timed:
        app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)  # first, so it times the rest
    if token:
        app.after_request(_observe)
    if _wants_request_log(app):
        if not request_log.handlers:  # gunicorn configures no root logger: write the lines to stderr ourselves
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            request_log.addHandler(handler)
            request_log.propagate = False
        request_log.setLevel(logging.INFO)
        app.after_request(_log_request)
