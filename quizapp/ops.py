"""Operations: liveness and readiness for load balancers, one JSON log line per request, optional metrics."""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request, session
from flask import Response as FlaskResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

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
    from alembic.script import ScriptDirectory

    from quizapp.migrate import MIGRATIONS

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


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


def _wants_request_log(app: Flask) -> bool:
    """REQUEST_LOG (config, then environment) decides; by default on, except under tests."""
    value = app.config.get("REQUEST_LOG")
    if value is None:
        value = os.environ.get("REQUEST_LOG")
    if value is None or value == "":
        return not app.testing
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def init_app(app: Flask) -> None:
    """Register /healthz and /readyz, and the request log when enabled."""
    app.extensions["quizapp.migration_head"] = migration_head()
    app.register_blueprint(bp)
    if _wants_request_log(app):
        if not request_log.handlers:  # gunicorn configures no root logger: write the lines to stderr ourselves
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            request_log.addHandler(handler)
            request_log.propagate = False
        request_log.setLevel(logging.INFO)
        app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)  # first, so it times the rest
        app.after_request(_log_request)
