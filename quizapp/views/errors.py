"""Friendly error pages; a lost database shows 503 to everyone, never a traceback or a bare page."""

from __future__ import annotations

from flask import Flask, Response, g, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from quizapp.db import rollback_quietly

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back, reload the page and try again."),
    401: ("Log in needed", "Please log in to continue."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing at this address, or it is not yours to see."),
    405: ("Method not allowed", "This page cannot be used that way."),
    413: (
        "Too large",
        "What you sent is larger than this page accepts. Shorten the text (or choose a smaller file) and try again.",
    ),
    429: ("Too many requests", "Please wait a moment before trying again."),
    500: ("Something went wrong", "An unexpected error happened. It has been logged; please try again."),
    503: ("Temporarily unavailable", "The service cannot reach its database just now. Please try again shortly."),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def _undo() -> None:
    session = g.get("db_session")
    if session is not None:
        rollback_quietly(session)


def _database_unavailable(err: DBAPIError) -> bool:
    return isinstance(err, OperationalError) or bool(err.connection_invalidated)


def _without_database() -> None:
    """The page is rendered without asking the database again: if the user was not loaded yet,
    show the page as to a visitor (the navigation needs the user, the user needs the database)."""
    if "_login_user" not in g:
        from quizapp.extensions import login_manager

        g._login_user = login_manager.anonymous_user()


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError) -> tuple[str, int]:
        return render_error(400, "The form expired or was sent from elsewhere. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> HTTPException | tuple[str, int]:
        if err.code is None or err.code < 400:
            return err
        if err.code >= 500:
            _undo()
        if isinstance(err, RateLimitExceeded) and err.limit.error_message:
            return render_error(err.code, err.description)
        return render_error(err.code)

    @app.errorhandler(DBAPIError)
    def database_error(err: DBAPIError) -> tuple[str, int]:
        """Raised in a view. (Raised by the commit after the view, it arrives as a 500, below.)"""
        return _database_error(err)

    @app.errorhandler(InternalServerError)
    def internal_error(err: InternalServerError) -> tuple[str, int] | Response:
        """Every unhandled exception arrives here wrapped; in debug mode and in tests Flask re-raises
        it before this runs, so tracebacks stay visible."""
        original = err.original_exception
        if isinstance(original, DBAPIError):
            return _database_error(original)
        _undo()
        if original is not None:
            app.logger.error("unhandled error", exc_info=original)
        return render_error(500)

    def _database_error(err: DBAPIError) -> tuple[str, int]:
        _undo()
        if _database_unavailable(err):
            app.logger.error("database unavailable: %s", err)
            _without_database()
            return render_error(ServiceUnavailable.code)
        app.logger.error("database error", exc_info=err)
        return render_error(InternalServerError.code)
