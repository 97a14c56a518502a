"""Friendly error pages; a lost database shows 503, never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back, reload the page and try again."),
    401: ("Log in needed", "Please log in to continue."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing at this address, or it is not yours to see."),
    405: ("Method not allowed", "This page cannot be used that way."),
    413: ("Too large", "The upload is larger than allowed."),
    429: ("Too many requests", "Please wait a moment before trying again."),
    500: ("Something went wrong", "An unexpected error happened. It has been logged; please try again."),
    503: ("Temporarily unavailable", "The service cannot reach its database just now. Please try again shortly."),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def _rollback() -> None:
    from flask import g

    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except Exception:
            pass


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        return render_error(400, "The form expired or was sent from elsewhere. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code is None or err.code < 400:
            return err
        if err.code >= 500:
            _rollback()
        return render_error(err.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_error(err: DBAPIError):
        _rollback()
        if isinstance(err, OperationalError) or err.connection_invalidated:
            app.logger.error("database unavailable: %s", err)
            return render_error(ServiceUnavailable.code)
        app.logger.exception("database error")
        return render_error(InternalServerError.code)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        _rollback()
        app.logger.exception("unhandled error")
        return render_error(500)
