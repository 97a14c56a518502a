"""Trainee pages: home, lessons, taking and reviewing attempts, history."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from quizapp.db import get_session, utcnow
from quizapp.forms import ConfirmForm
from quizapp.markdown import render_lesson
from quizapp.models import Module, Response, Role
from quizapp.question_types import get_type
from quizapp.question_types.base import form_position
from quizapp.security import role_required
from quizapp.services import Forbidden, NotFound, answers, attempt_overview, attempt_pages, grading, time_zones
from quizapp.services import attempts as attempts_service
from quizapp.services.answers import AttemptClosed, StaleAnswer
from quizapp.services.attempt_pages import AttemptPage, Navigator
from quizapp.services.attempts import QuizUnavailable
from quizapp.services.sources import LEGEND, source_label
from quizapp.services.time_zones import UnknownTimeZone

bp = Blueprint("trainee", __name__)

ROLE_HOME = {Role.ADMIN: "admin.users", Role.MANAGER: "manager.overview", Role.INSTRUCTOR: "instructor.home"}


def _module_or_404(slug: str) -> Module:
    module = get_session().scalar(select(Module).where(Module.slug == slug))
    if module is None:
        abort(404)
    return module


def _page_or_404(attempt_id: int, position: int | None = None) -> AttemptPage:
    try:
        return attempt_pages.attempt_page(get_session(), current_user, attempt_id, utcnow(), position)
    except NotFound:
        abort(404)


@bp.route("/")
@login_required
def home():
    if current_user.role in ROLE_HOME:
        return redirect(url_for(ROLE_HOME[current_user.role]))
    now = utcnow()
    page = attempt_overview.home_page(get_session(), current_user, now)
    return render_template(
        "trainee/home.html",
        progress=page.progress,
        cards=page.cards,
        now=now,
        banner=page.banner,
        practice=page.practice,
    )


@bp.route("/modules/<slug>")
@login_required
def module(slug: str):
    session = get_session()
    module = _module_or_404(slug)
    now = utcnow()
    avail = problem = None
    if current_user.role == Role.TRAINEE:
        avail = attempts_service.availability_now(session, current_user, module, now)
        problem = attempts_service.draw_problem(module, attempts_service.usable_tags(session, module))
    return render_template(
        "trainee/module.html",
        module=module,
        lesson=render_lesson(module.lesson),
        avail=avail,
        problem=problem,
        form=ConfirmForm(),
    )


@bp.route("/modules/<slug>/start", methods=["POST"])
@role_required(Role.TRAINEE)
def start(slug: str):
    session = get_session()
    module = _module_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    expired = attempts_service.finalise_overdue_of(session, current_user, module, utcnow())
    if expired is not None:  # "Resume" on an attempt whose time ran out: show its result, start nothing
        flash("Time ran out on that attempt; it was graded on the answers saved in time.", "info")
        return redirect(url_for("trainee.result", attempt_id=expired.id))
    try:
        attempt = attempts_service.start_attempt(session, current_user, module, utcnow())
    except IntegrityError:  # a simultaneous Start won: resume its attempt
        session.rollback()
        attempt = attempts_service.start_attempt(session, current_user, module, utcnow())
    except (QuizUnavailable, Forbidden) as err:
        session.rollback()
        flash(str(err), "warning")
        return redirect(url_for("trainee.module", slug=slug))
    first_open = next((r.position for r in attempt.responses if not r.answered), 1)
    return redirect(url_for("trainee.question", attempt_id=attempt.id, n=first_open))


def _nav_target(n: int, total: int) -> int | None:
    """The question the buttons of the question form lead to after saving, or None for the submit page."""
    action = request.form.get("nav", "next")
    if action == "prev":
        return max(1, n - 1)
    if action == "finish" or (action == "next" and n >= total):
        return None
    if re.fullmatch(r"goto-[0-9]{1,6}", action) and 1 <= int(action[5:]) <= total:
        return int(action[5:])
    if action == "next":
        return n + 1
    return n


def _seq(form) -> int | None:
    """The client's sequence number of this save (the page's script sends one), or None."""
    value = form.get("seq", "")
    return int(value) if re.fullmatch(r"[0-9]{1,15}", value) else None


@bp.route("/attempts/<int:attempt_id>/q/<int:n>", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def question(attempt_id: int, n: int):
    session = get_session()
    page = _page_or_404(attempt_id, n)
    attempt, response = page.attempt, page.response
    if not attempt.is_open:
        flash("This attempt is finished; here is your result.", "info")
        return redirect(url_for("trainee.result", attempt_id=attempt.id))
    if response is None:
        abort(404)
    status = 200
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        goes_to = _nav_target(n, page.total)
        target = (
            url_for("trainee.submit", attempt_id=attempt.id)
            if goes_to is None
            else url_for("trainee.question", attempt_id=attempt.id, n=goes_to)
        )
        try:
            parsed = answers.save_answer(
                session,
                attempt,
                response,
                request.form,
                utcnow(),
                seq=_seq(request.form),
                flagged="flag" in request.form,
                visiting=n if goes_to is None else goes_to,
            )
        except AttemptClosed as err:
            flash(str(err), "warning")
            return redirect(url_for("trainee.result", attempt_id=attempt.id))
        except StaleAnswer:
            return redirect(target)
        if parsed.error is None:
            return redirect(target)
        # Moving away always works: the input stays as a draft, marked "not saved", and nothing invalid is stored.
        if goes_to != n:
            flash(f"Question {n} is not saved: {parsed.error} What you entered is kept there.", "warning")
            return redirect(target)
        status = 400
    context = _question_context(page, response, attempt_pages.navigator(session, attempt))
    return render_template("trainee/question.html", **context), status


def _draft_context(version, qp: dict, draft: dict[str, str]) -> tuple[object, set[int]]:
    """What the trainee typed (shown back) and which items clash, for a draft that could not be saved."""
    if version.type == "numeric":
        return draft.get("answer", ""), set()
    if version.type == "ordering":
        size = len(qp["positions"])
        given = [form_position(draft.get(f"answer-{k}"), size + 1) or None for k in range(size)]
        clashing = {k for k, p in enumerate(given) if p is None or given.count(p) > 1}
        return given, clashing if len(clashing) < size else set()
    return None, set()


def _question_context(page: AttemptPage, response: Response, navigator: Navigator) -> dict:
    version = response.version
    qtype = get_type(version.type)
    qp = qtype.present(version.spec, response.shuffle)
    current = qtype.display_value(version.spec, response.shuffle, response.answer) if response.answered else None
    error: str | None = None
    clashing: set[int] = set()
    if response.draft is not None:  # show back what was typed, with its message, so it can be corrected
        error = qtype.parse(version.spec, response.shuffle, MultiDict(response.draft)).error
        if error is not None:
            current, clashing = _draft_context(version, qp, response.draft)
    return {
        "attempt": page.attempt,
        "n": response.position,
        "total": page.total,
        "response": response,
        "qtype": qtype,
        "qp": qp,
        "current": current,
        "error": error,
        "clashing": clashing,
        "stem": version.stem,
        "points": version.points,
        "seconds_left": attempt_pages.seconds_left(page.attempt, utcnow()),
        "navigator": navigator.items,
    }


@bp.route("/attempts/<int:attempt_id>/resume")
@role_required(Role.TRAINEE)
def resume(attempt_id: int):
    """Back into an attempt: the first question not answered, or the last one saved or moved to."""
    attempt = _page_or_404(attempt_id).attempt
    if not attempt.is_open:
        return redirect(url_for("trainee.result", attempt_id=attempt.id))
    back = attempt_pages.navigator(get_session(), attempt).resume_position(attempt.last_position)
    return redirect(url_for("trainee.question", attempt_id=attempt.id, n=back))


def _json_error(message: str, status: int, **extra):
    return jsonify(saved=False, error=message, **extra), status


@bp.route("/attempts/<int:attempt_id>/autosave", methods=["POST"])
def autosave(attempt_id: int):
    # JSON on every outcome: the quiz script reads it (an HTML login page or error page would read as "offline")
    if not current_user.is_authenticated:
        return _json_error(AUTOSAVE_ERRORS[401], 401, login=_login_again({"attempt_id": attempt_id}))
    if current_user.role != Role.TRAINEE:
        return _json_error("Only trainees take quizzes.", 403)
    session = get_session()
    field = request.form.get("position", "")
    position = int(field) if re.fullmatch(r"[0-9]{1,6}", field) else None
    try:
        page = attempt_pages.attempt_page(session, current_user, attempt_id, utcnow(), position)
    except NotFound:
        return _json_error("No such attempt.", 404)
    attempt, response = page.attempt, page.response
    if response is None:
        return _json_error("Unknown question.", 400)
    try:
        parsed = answers.save_answer(
            session,
            attempt,
            response,
            request.form,
            utcnow(),
            seq=_seq(request.form),
            flagged="flag" in request.form,
            visiting=response.position,
        )
    except AttemptClosed as err:
        return _json_error(str(err), 409, closed=True, result=url_for("trainee.result", attempt_id=attempt.id))
    except StaleAnswer as err:
        return jsonify(saved=False, stale=True, error=str(err)), 200
    navigator = attempt_pages.navigator(session, attempt)
    return jsonify(
        saved=parsed.error is None,
        error=parsed.error,
        answered=navigator.answered,
        unsaved=navigator.unsaved,
        flagged=navigator.flagged,
    ), 200 if parsed.error is None else 400


AUTOSAVE_ERRORS = {
    400: "Not saved: this page has expired. Reload it; the answers saved so far are kept.",
    401: "Your session has expired. Log in again; the answers saved so far are kept.",
    429: "Not saved: too many saves at once. Your answer is saved when you move on.",
    503: "Not saved: the server cannot reach its database just now. Your answer is saved when you move on.",
}


@bp.after_request
def autosave_errors_as_json(response):
    """Errors raised before or after the autosave view (an expired form token, a lost database) answer
    JSON too, never an HTML page."""
    if request.endpoint == "trainee.autosave" and response.status_code >= 400 and not response.is_json:
        status = response.status_code
        extra = {}
        # an expired session fails the form token first: say what happened, and where to log in again
        if status == 400 and not current_user.is_authenticated:
            status, extra = 401, {"login": _login_again(request.view_args or {})}
        message = AUTOSAVE_ERRORS.get(status, "Not saved: something went wrong. Try moving on.")
        body = jsonify(saved=False, error=message, **extra)
        body.status_code = status
        return body
    return response


def _login_again(view_args: dict) -> str:
    attempt_id = view_args.get("attempt_id")
    back = url_for("trainee.resume", attempt_id=attempt_id) if attempt_id else url_for("trainee.home")
    return url_for("auth.login", next=back)


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def submit(attempt_id: int):
    session = get_session()
    page = _page_or_404(attempt_id)
    attempt = page.attempt
    form = ConfirmForm()
    if attempt.is_open and request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        grading.submit_attempt(session, attempt, utcnow())
        return redirect(url_for("trainee.result", attempt_id=attempt.id))
    if not attempt.is_open:
        return redirect(url_for("trainee.result", attempt_id=attempt.id))
    navigator = attempt_pages.navigator(session, attempt)
    return render_template(
        "trainee/submit.html",
        attempt=attempt,
        total=page.total,
        unanswered=navigator.unanswered,
        unsaved=navigator.unsaved,
        flagged=navigator.flagged,
        back=navigator.resume_position(attempt.last_position),
        form=form,
        seconds_left=attempt_pages.seconds_left(attempt, utcnow()),
    )


@bp.route("/attempts/<int:attempt_id>/result")
@role_required(Role.TRAINEE)
def result(attempt_id: int):
    try:
        attempt = attempt_pages.get_attempt(get_session(), current_user, attempt_id, utcnow())
    except NotFound:
        abort(404)
    if attempt.is_open:
        return redirect(url_for("trainee.resume", attempt_id=attempt.id))
    reviews = []
    sources_path = str(Path(current_app.config["QUESTION_BANKS_DIR"]) / "sources.yaml")
    if attempt.review.value == "full":
        for r in attempt.responses:
            qtype = get_type(r.version.type)
            reviews.append(
                {
                    "response": r,
                    "version": r.version,
                    "qtype": qtype,
                    "rv": qtype.review(r.version.spec, r.shuffle, r.answer),
                    "source": source_label(sources_path, r.version.source),
                }
            )
    return render_template(
        "trainee/result.html",
        attempt=attempt,
        reviews=reviews,
        failed_critical=grading.failed_critical(attempt),
        not_answered=[r.position for r in attempt.responses if not r.answered],
        source_legend=LEGEND,
    )


@bp.route("/history")
@role_required(Role.TRAINEE)
def history():
    session = get_session()
    attempts, critical = attempt_overview.history(session, current_user, utcnow())
    return render_template("trainee/history.html", attempts=attempts, critical=critical)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The user's own settings: the time zone their dates and times are shown in."""
    form = ConfirmForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            time_zones.set_time_zone(get_session(), current_user, request.form.get("time_zone", ""))
        except UnknownTimeZone as err:
            error = str(err)
        else:
            flash(f"Saved: dates and times are shown in {current_user.time_zone}.", "success")
            return redirect(url_for("trainee.profile"))
    return render_template(
        "trainee/profile.html", form=form, zones=_offered_zones(), error=error, now=utcnow()
    ), 400 if error else 200


def _offered_zones() -> list[str]:
    names = time_zones.zone_names()
    mine = current_user.time_zone
    return names if not mine or mine in names else [mine, *names]


@bp.route("/profile/time-zone", methods=["POST"])
@login_required
def browser_time_zone():
    """The browser's time zone, sent once by the page script while the user has none: the default."""
    try:
        changed = time_zones.set_time_zone(
            get_session(), current_user, request.form.get("time_zone", ""), only_if_unset=True
        )
    except UnknownTimeZone as err:
        return jsonify(saved=False, error=str(err)), 400
    return jsonify(saved=changed, time_zone=current_user.time_zone)
