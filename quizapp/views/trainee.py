"""Trainee pages: home, lessons, attempts, history."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from quizapp.db import get_session
from quizapp.models import Module, Role

bp = Blueprint("trainee", __name__)

ROLE_HOME = {Role.ADMIN: "admin.users"}


@bp.route("/")
@login_required
def home():
    if current_user.role in ROLE_HOME:
        return redirect(url_for(ROLE_HOME[current_user.role]))
    modules = get_session().scalars(select(Module).order_by(Module.order, Module.title)).all()
    return render_template("trainee/home.html", modules=modules)
