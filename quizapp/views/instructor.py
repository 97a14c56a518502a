"""Instructor pages (admins see them too): the modules as trainees see them, and what stops a quiz."""

from __future__ import annotations

from flask import Blueprint, render_template

from quizapp.db import get_session
from quizapp.models import Role
from quizapp.security import role_required
from quizapp.services import attempts as attempts_service
from quizapp.services.modules import ordered_modules

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


@bp.before_request
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def _instructors_only() -> None:
    return None


@bp.route("/")
def home() -> str:
    session = get_session()
    modules = ordered_modules(session)
    problems = {m.id: attempts_service.draw_problem(m, attempts_service.usable_tags(session, m)) for m in modules}
    return render_template("instructor/home.html", modules=modules, problems=problems)
