"""Unbound extensions, bound to the app in init_app."""

from __future__ import annotations

from flask import Flask
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    bootstrap.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)

    from sqlalchemy import Integer, bindparam, select

    from quizapp.models.users import User, session_token

    by_id = select(User).where(User.id == bindparam("id", type_=Integer))  # built once: read on every request

    @login_manager.user_loader
    def load_user(user_id: str):
        from quizapp.db import get_session

        uid, _, token = user_id.partition(":")
        if not (uid.isascii() and uid.isdigit() and len(uid) < 10):
            return None
        user = get_session().execute(by_id, {"id": int(uid)}).scalar_one_or_none()
        if user is None or not user.active or token != session_token(user.password_hash, user.session_version):
            return None  # deactivation, a new password or a logout ends sessions
        return user
