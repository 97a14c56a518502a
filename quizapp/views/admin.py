"""Admin: users, teams (programme settings and the audit log join in the certification issue)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from quizapp.db import get_session, utcnow
from quizapp.forms import AuditFilterForm, NewTeamForm, NewUserForm, PasswordForm, ProgrammeForm, TeamForm, UserForm
from quizapp.models import Role, Team, User
from quizapp.security import role_required
from quizapp.services import ServiceError, audit_log, certification
from quizapp.services import programme as programme_service
from quizapp.services import users as users_service
from quizapp.services.modules import ordered_modules

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_FILTERS = ("action", "actor", "date_from", "date_to")  # what the audit log's pager links carry


@bp.before_request
@role_required(Role.ADMIN)
def _admins_only() -> None:
    return None


def _get_or_404(model: type, obj_id: int):
    obj = get_session().get(model, obj_id)
    if obj is None:
        abort(404)
    return obj


def _team_choices() -> list[SelectChoice]:
    return [SelectChoice(t.id, t.name) for t in users_service.list_teams(get_session())]


@bp.route("/users")
def users():
    return render_template("admin/users.html", users=users_service.list_users(get_session()))


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = NewUserForm()
    form.teams.choices = form.managed_teams.choices = _team_choices()
    return _user_form(form, None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _get_or_404(User, user_id)
    form = UserForm(obj=None if request.method == "POST" else user)  # a POST says everything itself
    form.teams.choices = form.managed_teams.choices = _team_choices()
    if not form.is_submitted():
        form.role.data = user.role.value
        form.teams.data = [t.id for t in user.teams]
        form.managed_teams.data = [t.id for t in user.managed_teams]
    return _user_form(form, user)


def _user_form(form: UserForm, user: User | None):
    """Create (user None) or update an account from the form; errors go back on the form."""
    session = get_session()
    is_new = user is None
    if form.validate_on_submit():
        try:
            if user is None:
                user = users_service.create_user(
                    session,
                    email=form.email.data,
                    name=form.name.data,
                    role=form.role.data,
                    password=form.password.data,
                    active=form.active.data,
                    actor=current_user,
                )
            users_service.update_user(
                session,
                user,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                active=form.active.data,
                teams=users_service.teams_by_id(session, form.teams.data or []),
                managed_teams=users_service.teams_by_id(session, form.managed_teams.data or []),
                actor=current_user,
            )
        except ServiceError as err:
            session.rollback()
            form.email.errors.append(str(err))
        else:
            flash(f"Saved {form.email.data}.", "success")
            _warn_teamless([user])
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None if is_new else user), (
        400 if form.errors else 200
    )


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def user_password(user_id: int):
    session = get_session()
    user = _get_or_404(User, user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users_service.set_password(session, user, form.password.data, actor=current_user)
        except ServiceError as err:
            form.password.errors.append(str(err))
        else:
            flash(f"New password set for {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/password.html", form=form, user=user), 400 if form.errors else 200


def _warn_teamless(users: Iterable[User]) -> None:
    """A trainee in no team is seen by no manager: say so when a save leaves one there."""
    names = [u.name for u in users if u.role == Role.TRAINEE and not u.teams]
    if names:
        who = "them" if len(names) > 1 else "this trainee"
        flash(f"{', '.join(names)}: in no team now, so no manager sees {who}.", "warning")


@bp.route("/teams", methods=["GET", "POST"])
def teams():
    session = get_session()
    form = NewTeamForm()
    if form.validate_on_submit():
        try:
            team = users_service.create_team(session, form.name.data, actor=current_user)
        except ServiceError as err:
            session.rollback()
            form.name.errors.append(str(err))
        else:
            flash(f"Created team {team.name}.", "success")
            return redirect(url_for("admin.team_edit", team_id=team.id))
    status = 400 if form.errors else 200
    return render_template("admin/teams.html", teams=users_service.list_teams(session), form=form), status


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
def team_edit(team_id: int):
    session = get_session()
    team = _get_or_404(Team, team_id)
    form = TeamForm()
    everyone = users_service.list_users(session)
    form.managers.choices = [SelectChoice(u.id, u.name) for u in everyone if u.role in (Role.MANAGER, Role.ADMIN)]
    form.members.choices = [SelectChoice(u.id, f"{u.name} ({u.role.value})") for u in everyone]
    if not form.is_submitted():
        form.name.data = team.name
        form.managers.data = [u.id for u in team.managers]
        form.members.data = [u.id for u in team.members]
    if form.validate_on_submit():
        before = list(team.members)
        try:
            users_service.update_team(
                session,
                team,
                name=form.name.data,
                managers=users_service.users_by_id(session, form.managers.data or []),
                members=users_service.users_by_id(session, form.members.data or []),
                actor=current_user,
            )
        except ServiceError as err:
            session.rollback()
            form.name.errors.append(str(err))
        else:
            flash(f"Saved team {team.name}.", "success")
            _warn_teamless(u for u in before if u not in team.members)
            return redirect(url_for("admin.teams"))
    return render_template("admin/team_form.html", form=form, team=team), 400 if form.errors else 200


@bp.route("/programme", methods=["GET", "POST"])
def programme():
    session = get_session()
    modules = ordered_modules(session)
    form = ProgrammeForm()
    form.required_modules.choices = [SelectChoice(m.id, f"{m.order}. {m.title}") for m in modules]
    if not form.is_submitted():
        current = programme_service.get(session)
        form.name.data = current.name
        form.validity_months.data = current.validity_months
        form.renewal_window_days.data = current.renewal_window_days
        form.required_modules.data = [m.id for m in modules if m.required_for_certification]
    if form.validate_on_submit():
        try:
            changes = certification.update_programme(
                session,
                name=form.name.data,
                validity_months=form.validity_months.data,
                renewal_window_days=form.renewal_window_days.data,
                required_module_ids=form.required_modules.data or [],
                actor=current_user,
                now=utcnow(),
            )
        except ServiceError as err:
            session.rollback()
            form.renewal_window_days.errors.append(str(err))
        else:
            flash(f"Saved: {'; '.join(changes)}." if changes else "Nothing changed.", "success")
            return redirect(url_for("admin.programme"))
    return render_template("admin/programme.html", form=form), 400 if form.errors else 200


@bp.route("/audit")
def audit():
    session = get_session()
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a, a) for a in audit_log.actions(session)]
    if request.args and not form.validate():
        return render_template("admin/audit.html", form=form, page=None), 400
    page = audit_log.search(
        session,
        action=form.action.data or None,
        actor=form.actor.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        page=form.page.data or 1,
    )
    # only the known filters: url_for would take raw keys such as _method or _anchor as its own arguments
    filters = {k: request.args[k] for k in AUDIT_FILTERS if request.args.get(k)}
    return render_template("admin/audit.html", form=form, page=page, filters=filters)
