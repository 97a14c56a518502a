"""Managers (their teams) and admins (everyone): dashboard, trainee table and CSV, trainee detail with attempt
reviews and the evidence pack, revoke and restore, onboarding with one-time set-password links."""

from __future__ import annotations

import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from quizapp.charts import Bar, BarChart, bar_chart
from quizapp.csv_export import CSV_MIMETYPE, content_disposition, csv_chunks
from quizapp.db import get_session, stream_body, utcnow
from quizapp.evidence_pack import evidence_zip
from quizapp.forms import ConfirmForm, OnboardCsvForm, OnboardForm, ReasonForm, TraineeTableForm
from quizapp.models import Role
from quizapp.presentation import module_state_text, status_label, viewer_zone
from quizapp.security import role_required
from quizapp.services import NotFound, ServiceError, certification, dashboard, evidence, onboarding, oversight, reports
from quizapp.services.certificate_codes import format_code
from quizapp.services.grading import failed_critical
from quizapp.services.modules import ordered_modules
from quizapp.services.progress import ModuleState
from quizapp.services.sources import source_label
from quizapp.views.errors import render_error

bp = Blueprint("manager", __name__, url_prefix="/manager")


@bp.before_request
@role_required(Role.MANAGER, Role.ADMIN)
def _managers_only() -> None:
    return None


@bp.route("/")
def overview():
    board = dashboard.dashboard(get_session(), current_user, utcnow())
    return render_template("manager/dashboard.html", board=board, charts=_charts(board))


def short_title(title: str, limit: int = 16) -> str:
    """A module title short enough for a chart's axis: up to its first colon or comma, then cut."""
    head = re.split(r"[:,]", title, maxsplit=1)[0].strip()
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def _charts(board: dashboard.Dashboard) -> list[tuple[str, BarChart]]:
    """The dashboard's pictures with their captions; each shows the same numbers as a table beside it."""
    percent = ("Module", "Percent")
    titles = {
        "status": "Certification status of the trainees",
        "pass": "Pass rate per module (% of finished attempts)",
        "mean": "Mean score per module (%)",
        "weeks": f"Attempts started per week, last {dashboard.WEEKS} weeks",
    }
    return [
        (
            titles["status"],
            bar_chart(
                [Bar(status_label(s), n, f"chart-status-{s}") for s, n in board.statuses],
                title=titles["status"],
                description="How many trainees hold each certificate status.",
                chart_id="chart-status",
                headings=("Certificate", "Trainees"),
            ),
        ),
        (
            titles["pass"],
            bar_chart(
                [Bar(short_title(f.module.title), f.pass_rate or 0) for f in board.modules],
                title=titles["pass"],
                description="Percent of finished attempts that passed, per module.",
                chart_id="chart-pass-rate",
                headings=percent,
            ),
        ),
        (
            titles["mean"],
            bar_chart(
                [Bar(short_title(f.module.title), f.mean_score or 0) for f in board.modules],
                title=titles["mean"],
                description="Mean score in percent of finished attempts, per module.",
                chart_id="chart-mean-score",
                headings=percent,
            ),
        ),
        (
            titles["weeks"],
            bar_chart(
                [Bar(f"{start.day} {start:%b}", n) for start, n in board.weeks],
                title=titles["weeks"],
                description="Quiz attempts started in each of the last twelve weeks, labelled by the week's first day.",
                chart_id="chart-weeks",
                headings=("Week from", "Attempts"),
            ),
        ),
    ]


def _table_form(table_modules, teams) -> TraineeTableForm:
    form = TraineeTableForm(formdata=request.args)
    form.team.choices = [SelectChoice("", "All my teams")] + [SelectChoice(str(t.id), t.name) for t in teams]
    form.status.choices = [SelectChoice("", "Any")] + [SelectChoice(v, status_label(v)) for v in oversight.CERT_FILTERS]
    form.module.choices = [SelectChoice("", "Any module")] + [SelectChoice(str(m.id), m.title) for m in table_modules]
    form.state.choices = [SelectChoice("", "Any state")] + [SelectChoice(s.value, status_label(s)) for s in ModuleState]
    form.sort.choices = [
        SelectChoice("status", "Certificate status"),
        SelectChoice("expires", "Expiry date"),
        SelectChoice("name", "Name"),
        SelectChoice("team", "Team"),
    ] + [SelectChoice(f"module-{m.id}", m.title) for m in table_modules]
    return form


def _filters(form: TraineeTableForm) -> reports.Filters:
    return reports.Filters(
        team_id=int(form.team.data) if form.team.data else None,
        status=form.status.data or None,
        expiring_within=form.expiring.data,
        module_id=int(form.module.data) if form.module.data else None,
        state=form.state.data or None,
        search=(form.q.data or "").strip(),
        only=form.only.data or None,
        sort=form.sort.data or "status",
        descending=form.order.data == "desc",
    )


def _parsed_table_form():
    """The table's form from the URL, and its filters (None when a value is refused: the page says which)."""
    session = get_session()
    form = _table_form(ordered_modules(session), oversight.teams_in_scope(session, current_user))
    if not form.validate():
        if form.team.errors and (request.args.get("team") or "").isdigit():
            abort(404)  # another team's (or no) team: no hint that it exists
        return form, None
    return form, _filters(form)


def table_args(filters: reports.Filters, **changes) -> dict[str, str | int]:
    """The query string of a table view (for sort links, pages and the export link)."""
    args: dict[str, str | int] = {}
    if filters.team_id is not None:
        args["team"] = filters.team_id
    if filters.status:
        args["status"] = filters.status
    if filters.expiring_within is not None:
        args["expiring"] = filters.expiring_within
    if filters.module_id is not None:
        args["module"] = filters.module_id
    if filters.state:
        args["state"] = filters.state
    if filters.search:
        args["q"] = filters.search
    if filters.only:
        args["only"] = filters.only
    args["sort"] = filters.sort
    args["order"] = "desc" if filters.descending else "asc"
    args.update(changes)
    return args


@bp.route("/trainees")
def trainees():
    session = get_session()
    form, filters = _parsed_table_form()
    table, status = None, 400
    if filters is not None:
        try:
            table = reports.table(session, current_user, utcnow(), filters, form.page.data or 1)
            status = 200
        except NotFound:
            form.team.errors = [*form.team.errors, "No such team."]
        except ServiceError as err:
            form.sort.errors = [*form.sort.errors, str(err)]
    return render_template("manager/trainees.html", form=form, table=table, table_args=table_args), status


@bp.route("/trainees.csv")
def export():
    """The filtered rows as CSV, streamed: rows are built SLICE trainees at a time while the body is sent."""
    session = get_session()
    form, filters = _parsed_table_form()
    if filters is None:
        return render_error(400, "; ".join(f"{form[k].label.text}: {' '.join(v)}" for k, v in form.errors.items()))
    try:
        modules, slices = reports.export_rows(session, current_user, utcnow(), filters)
    except NotFound:
        abort(404)
    except ServiceError as err:
        return render_error(400, str(err))
    groups = (reports.csv_rows(rows, module_state_text, status_label) for rows in slices)
    name = f"trainees-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_body(session, csv_chunks(reports.csv_header(modules), groups)),
        mimetype=CSV_MIMETYPE,
        headers={"Content-Disposition": content_disposition(name)},
    )


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


@bp.route("/attempts/<int(max=2147483647):attempt_id>")
def attempt(attempt_id: int):
    """The graded review of a finished attempt, read-only, as the trainee's result page showed it."""
    try:
        taken, items = oversight.attempt_review(get_session(), current_user, attempt_id)
    except NotFound:
        abort(404)
    sources_path = str(Path(current_app.config["QUESTION_BANKS_DIR"]) / "sources.yaml")
    sources = {item.response.id: source_label(sources_path, item.version.source) for item in items}
    return render_template(
        "manager/attempt.html",
        attempt=taken,
        items=items,
        sources=sources,
        failed_critical=failed_critical(taken),
    )


@bp.route("/trainees/<int(max=2147483647):user_id>/evidence.zip")
def evidence_pack(user_id: int):
    """The trainee's evidence pack: PDF, JSON and its schema in one ZIP."""
    try:
        data = evidence.evidence_pack(get_session(), current_user, user_id, utcnow())
    except NotFound:
        abort(404)
    name = f"evidence-{data['trainee']['email']}-{utcnow():%Y-%m-%d}.zip"
    return Response(
        evidence_zip(data, viewer_zone()),
        mimetype="application/zip",
        headers={"Content-Disposition": content_disposition(name)},
    )


def _link(token: str) -> str:
    """The full one-time link, on the site's public address (never the request's Host header)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.set_password", token=token)


def _no_store(response):
    """Pages that show one-time links are never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _onboard_forms(session) -> tuple[OnboardForm, OnboardCsvForm]:
    teams = oversight.teams_in_scope(session, current_user)
    one, many = OnboardForm(prefix="one"), OnboardCsvForm(prefix="csv")
    for form in (one, many):
        form.team.choices = [SelectChoice(t.id, t.name) for t in teams]
    return one, many


def _render_onboard(one, many, status: int = 200, plan=None, created=None):
    page = render_template(
        "manager/onboard.html",
        one=one,
        many=many,
        plan=plan,
        created=created,
        link=_link,
        link_hours=onboarding.LINK_VALID_HOURS,
    )
    return _no_store(make_response(page, status))


@bp.route("/onboard", methods=["GET", "POST"])
def onboard():
    """Add one trainee to a team; the page then shows their one-time set-password link."""
    session = get_session()
    one, many = _onboard_forms(session)
    if request.method == "GET":
        return _render_onboard(one, many)
    if not one.validate_on_submit():
        return _render_onboard(one, many, 400)
    rows = [onboarding.PlannedRow(1, one.email.data, one.name.data)]
    try:
        plan = onboarding.plan(session, current_user, one.team.data, rows)
        if not plan.ok:
            one.email.errors = [*one.email.errors, *plan.rows[0].problems]
            return _render_onboard(one, many, 400)
        created = onboarding.apply(session, current_user, one.team.data, rows, utcnow())
    except NotFound:
        abort(404)
    return _render_onboard(OnboardForm(prefix="one", formdata=None, team=one.team.data), many, created=created)


@bp.route("/onboard/csv", methods=["POST"])
def onboard_csv():
    """A dry run of a CSV (every problem row by row), or — with `apply` — all of it or nothing."""
    session = get_session()
    one, many = _onboard_forms(session)
    if not many.validate_on_submit():
        return _render_onboard(one, many, 400)
    upload = many.file.data
    data = upload.read(onboarding.MAX_CSV_BYTES + 1) if upload else (many.content.data or "").encode()
    try:
        rows = onboarding.parse_csv(data)
        plan = onboarding.plan(session, current_user, many.team.data, rows)
        if many.apply.data and plan.ok:
            created = onboarding.apply(session, current_user, many.team.data, rows, utcnow())
            return _render_onboard(one, many, created=created)
    except NotFound:
        abort(404)
    except ServiceError as err:
        many.file.errors = [*many.file.errors, str(err)]
        return _render_onboard(one, many, 400)
    many.content.data = data.decode("utf-8-sig")
    return _render_onboard(one, many, 200 if plan.ok else 400, plan=plan)


@bp.route("/trainees/<int(max=2147483647):user_id>/link", methods=["POST"])
def new_link(user_id: int):
    """A new one-time set-password link for a trainee (one who forgot their password); older ones stop working."""
    session = get_session()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        trainee = oversight.get_trainee(session, current_user, user_id)
        token = onboarding.issue_link(session, current_user, trainee, utcnow())
    except NotFound:
        abort(404)
    page = render_template("manager/link.html", trainee=trainee, link=_link(token), hours=onboarding.LINK_VALID_HOURS)
    return _no_store(make_response(page))


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
