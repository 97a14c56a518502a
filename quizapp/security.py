"""Role checks, safe redirects, request size limits and security headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, request
from flask import Request as FlaskRequest
from flask_login import current_user

from quizapp.models import Role

F = TypeVar("F", bound=Callable[..., Any])

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Anonymous users go to the login page; users of another role get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from quizapp.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def accepts_upload(view: F) -> F:
    """Mark a view that receives files: its requests may reach MAX_UPLOAD_LENGTH instead of the small
    MAX_CONTENT_LENGTH every form gets."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


class Request(FlaskRequest):
    """Flask's request, whose body limit depends on the view (decided before anything reads the body)."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app and self.endpoint:
            view = current_app.view_functions.get(self.endpoint)
            if getattr(view, "accepts_upload", False):
                return int(current_app.config["MAX_UPLOAD_LENGTH"])
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def safe_next(target: str | None) -> str | None:
    """Return target only when it is a path on this site (never another host)."""
    if not target or "\\" in target or any(c in target for c in "\r\n\t"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def init_app(app: Flask) -> None:
    app.request_class = Request

    @app.before_request
    def refuse_nul():
        """A NUL character is never meaningful input, and PostgreSQL cannot store it."""
        if "\x00" in request.path:
            from quizapp.views.errors import render_error

            return render_error(400, "The address contains a NUL character (%00), which is never valid.")
        # A request without a body (every GET) has no form to build and check; one with a body always reads
        # it here, so its size limit (413) applies before any view.
        sources = (request.args, request.form) if request.want_form_data_parsed else (request.args,)
        for values in sources:
            if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in values.lists()):
                from quizapp.views.errors import render_error

                return render_error(
                    400,
                    "The request contains a NUL character (\\0), which is never valid input. Remove it and try again.",
                )
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        user = g.get("_login_user")  # loaded by this request (never loaded here: static files need no database)
        private = user is not None and user.is_authenticated and request.endpoint != "static"
        if private and "no-store" not in response.headers.get("Cache-Control", ""):  # answers, keys, records
            response.headers["Cache-Control"] = "no-store"
        return response
