"""Logged-in sessions for many trainees without logging each in over HTTP (the submit scenario and profile).

A log-in checks the password with scrypt (~100 ms of CPU on purpose): thousands of them would take minutes
and measure the hash, not the page. Instead the session cookie is signed here, in-process, by an app built
with the server's configuration (its SECRET_KEY): Flask-Login's login_user() fills the session exactly as the
login view does (user id with its session token, fresh, the identifier of the client's address and user
agent), Flask-WTF's generate_csrf() adds the CSRF token, and Flask's own session serializer signs it. The
server cannot tell it from a cookie it set itself. For the load generator only: it needs the secret key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import session as flask_session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from quizapp.db import new_session
from quizapp.models import User


@dataclass(frozen=True)
class Signed:
    cookie: str  # "session=…", for the Cookie header
    csrf: str  # the token the forms carry
    ip: str  # the client address the session was made for (X-Forwarded-For)


def signed_sessions(app: Any, user_ids: list[int], ip_of: Any, user_agent: str) -> dict[int, Signed]:
    """user id -> a logged-in session for that user, made for the client `ip_of(user_id)` with `user_agent`."""
    with new_session(app) as session:
        users = list(session.scalars(select(User).where(User.id.in_(user_ids))))
        session.expunge_all()
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    signed = {}
    for user in users:
        ip = ip_of(user.id)
        with app.test_request_context("/", headers={"User-Agent": user_agent, "X-Forwarded-For": ip}):
            login_user(user)
            token = generate_csrf()
            signed[user.id] = Signed(f"{name}={serializer.dumps(dict(flask_session))}", token, ip)
    return signed
