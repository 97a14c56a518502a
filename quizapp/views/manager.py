"""Managers (their teams) and admins (everyone): trainee overview, detail, revoke and restore."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from quizapp.db import get_session, utcnow
from quizapp.forms import ReasonForm, TeamOverviewForm
from quizapp.models import Role
from quizapp.presentation import status_label
from quizapp.security import role_required
from quizapp.services import NotFound, ServiceError, certification, oversight
from quizapp.services.certificate_codes import format_code

bp = Blueprint("manager", __name__, url_prefix="/manager")


@bp.before_request
@role_required(Role.MANAGER, Role.ADMIN)
def _managers_only() -> None:
    return None


@bp.route("/")
def overview():
    session = get_session()
    form = TeamOverviewForm(formdata=request.args)
    teams = oversight.teams_in_scope(session, current_user)
    form.team.choices = [SelectChoice("", "All my teams")] + [SelectChoice(str(t.id), t.name) for t in teams]
    form.certificate.choices = [SelectChoice("", "Any")] + [
        SelectChoice(v, status_label(v)) for v in oversight.CERT_FILTERS
    ]
    if request.args and not form.validate():
        modules, rows = [], []
        status = 400
    else:
        modules, rows = oversight.overview(
            session,
            current_user,
            utcnow(),
            team_id=int(form.team.data) if form.team.data else None,
            cert_filter=form.certificate.data or None,
        )
        status = 200
    return render_template(
        "manager/overview.html",
        form=form,
        modules=modules,
        rows=rows,
        teams=teams,
    ), status


def _reason_forms(detail: oversight.TraineeDetail) -> dict[int, ReasonForm]:
    return {e.certificate.id: ReasonForm(prefix=f"cert{e.certificate.id}", formdata=None) for e in detail.certificates}


def _render_trainee(user_id: int, forms: dict[int, ReasonForm] | None = None, status: int = 200):
    session = get_session()
    try:
        detail = oversight.trainee_detail(session, current_user, user_id, utcnow())
    except NotFound:
        abort(404)
    all_forms = _reason_forms(detail)
    all_forms.update(forms or {})
    return render_template(
        "manager/trainee.html",
        detail=detail,
        forms=all_forms,
        format_code=format_code,
    ), status


@bp.route("/trainees/<int(max=2147483647):user_id>")
def trainee(user_id: int):
    return _render_trainee(user_id)


def _change(cert_id: int, action: str):
    session = get_session()
    try:
        cert = oversight.get_certificate(session, current_user, cert_id)
    except NotFound:
        abort(404)
    user_id = cert.user_id
    form = ReasonForm(prefix=f"cert{cert.id}")
    if form.validate_on_submit():
        change = certification.revoke if action == "revoke" else certification.restore
        try:
            change(session, cert, current_user, form.reason.data, utcnow())
        except ServiceError as err:
            session.rollback()
            form.reason.errors = [*form.reason.errors, str(err)]
        else:
            verb = "revoked" if action == "revoke" else "restored"
            flash(f"Certificate {format_code(cert.code)} {verb}.", "success")
            return redirect(url_for("manager.trainee", user_id=user_id))
    return _render_trainee(user_id, {cert_id: form}, 400)


@bp.route("/certificates/<int(max=2147483647):cert_id>/revoke", methods=["POST"])
def revoke(cert_id: int):
    return _change(cert_id, "revoke")


@bp.route("/certificates/<int(max=2147483647):cert_id>/restore", methods=["POST"])
def restore(cert_id: int):
    return _change(cert_id, "restore")
