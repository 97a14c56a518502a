"""Log in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from quizapp.db import get_session
from quizapp.extensions import limiter
from quizapp.forms import ConfirmForm, LoginForm
from quizapp.security import safe_next
from quizapp.services.users import authenticate, end_sessions, normalise_email

bp = Blueprint("auth", __name__, url_prefix="/auth")

ACCOUNT_LIMITED = (
    "Too many failed log-ins for this account. Wait 15 minutes and try again, or ask your administrator "
    "to set a new password."
)


def _account_key() -> str:
    """Failed log-ins count against the account, from whatever address they come."""
    return "login-account:" + normalise_email(request.form.get("email", ""))[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=lambda response: response.status_code == 401,
    error_message=ACCOUNT_LIMITED,
)
def login():
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("trainee.home"))
    if form.validate_on_submit():
        user = authenticate(get_session(), form.email.data, form.password.data)
        if user is None:
            flash("Wrong email or password.", "danger")
        elif not user.active:
            flash("This account is deactivated. Ask your administrator.", "danger")
        else:
            session.pop("csrf_token", None)  # a token seen before the log-in is not valid after it
            login_user(user, remember=form.remember.data)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(next_url or url_for("trainee.home"))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if ConfirmForm().validate_on_submit():
        if current_user.is_authenticated:
            end_sessions(get_session(), current_user._get_current_object())  # copies of the cookie end too
        logout_user()
        flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def set_password(token: str):
    """A one-time link from a manager: the trainee chooses a password, then logs in with it."""
    # imported here so this route stays one self-contained block of this module
    from quizapp.db import utcnow
    from quizapp.forms import SetPasswordForm
    from quizapp.services import NotFound, ServiceError, onboarding

    session = get_session()
    try:
        link = onboarding.find_link(session, token, utcnow())
    except NotFound as err:
        return render_template("auth/set_password.html", form=None, problem=str(err)), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = onboarding.redeem_link(session, token, form.password.data, utcnow())
        except NotFound as err:
            return render_template("auth/set_password.html", form=None, problem=str(err)), 404
        except ServiceError as err:
            form.password.errors = [*form.password.errors, str(err)]
        else:
            flash(f"Password set, {user.name}. Log in with your email and the new password.", "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/set_password.html", form=form, user=link.user, problem=None), status
