"""Log in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from quizapp.db import get_session
from quizapp.extensions import limiter
from quizapp.forms import ConfirmForm, LoginForm
from quizapp.security import safe_next
from quizapp.services.users import authenticate

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
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
            login_user(user, remember=form.remember.data)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(next_url or url_for("trainee.home"))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if ConfirmForm().validate_on_submit():
        logout_user()
        flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
