"""Practice pages: the trainee's practice overview, sessions one question a screen with feedback, and the
small panel the manager's trainee page includes (sessions per month)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from quizapp.charts import Bar, bar_chart
from quizapp.db import get_session, utcnow
from quizapp.forms import ConfirmForm
from quizapp.models import PracticeSession, Role, User
from quizapp.question_types import get_type
from quizapp.security import role_required
from quizapp.services import Forbidden, NotFound, practice, practice_cards, practice_due, practice_pages
from quizapp.services.modules import module_by_slug
from quizapp.services.practice import Kind, PracticeClosed, PracticeUnavailable
from quizapp.services.practice_plan import Reason
from quizapp.services.scope import can_oversee
from quizapp.services.sources import source_label
from quizapp.views.errors import render_error

bp = Blueprint("practice", __name__, url_prefix="/practice")

ID = "int(max=2147483647)"
REASONS = {
    Reason.DUE: "Due for review",
    Reason.MISSED: "Missed in a quiz",
    Reason.PRACTICE_ONLY: "Practice only",
    Reason.NEW: "New",
    Reason.WEAK: "Weak spot",
}


@bp.app_template_global("practice_activity")
def practice_activity(trainee: User) -> list[practice.MonthCount]:
    """For the manager's trainee page: sessions per month, only for a trainee the viewer oversees."""
    if not current_user.is_authenticated or not can_oversee(current_user, trainee):
        return []
    return practice.sessions_per_month(get_session(), [trainee.id], utcnow())[trainee.id]


def _practice_or_404(session_id: int) -> PracticeSession:
    try:
        return practice.get_practice(get_session(), current_user, session_id)
    except NotFound:
        abort(404)


def _retention_chart(weeks: list[practice_pages.RetentionWeek]):
    shown = [w for w in weeks if w.reviews]
    return bar_chart(
        [Bar(w.start.strftime("%d %b"), w.percent) for w in shown],
        title="Retention by week",
        description="Per week, the percent of answers right on questions practised before. "
        + "; ".join(f"week of {w.start:%d %b}: {w.percent}% of {w.reviews}" for w in shown),
        chart_id="retention",
        headings=("Week of", "Right (%)"),
        top=100,
    )


@bp.route("/")
@role_required(Role.TRAINEE)
def index():
    data = practice_pages.overview(get_session(), current_user, utcnow())
    return render_template(
        "practice/index.html",
        data=data,
        chart=_retention_chart(data.weeks),
        form=ConfirmForm(),
    )


@bp.route("/start", methods=["POST"])
@role_required(Role.TRAINEE)
def start():
    session = get_session()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind_value = request.form.get("kind", Kind.REVIEW.value)
    if kind_value not in {k.value for k in Kind}:
        return render_error(400, "Unknown kind of practice session: choose a review or a recertification review.")
    module = None
    if request.form.get("module"):
        try:
            module = module_by_slug(session, request.form["module"])
        except NotFound:
            return render_error(404, "No such module to practise.")
    try:
        started = practice.start_session(session, current_user, utcnow(), module=module, kind=Kind(kind_value))
    except IntegrityError:  # a simultaneous start: show what there is
        session.rollback()
        flash("Another practice session was just started; here is your practice page.", "info")
        return redirect(url_for("practice.index"))
    except (PracticeUnavailable, Forbidden) as err:
        session.rollback()
        flash(str(err), "info")
        return redirect(url_for("practice.index"))
    return redirect(url_for("practice.question", session_id=started.id, n=1))


@bp.route(f"/sessions/<{ID}:session_id>")
@role_required(Role.TRAINEE)
def resume(session_id: int):
    ps = _practice_or_404(session_id)
    n = practice.next_open(ps)
    if ps.finished_at is not None or n is None:
        return redirect(url_for("practice.done", session_id=ps.id))
    return redirect(url_for("practice.question", session_id=ps.id, n=n))


def _next_url(ps: PracticeSession, n: int) -> str:
    later = next((i.position for i in ps.items if i.position > n and not i.answered), None)
    if later is None or ps.finished_at is not None:
        return url_for("practice.done", session_id=ps.id)
    return url_for("practice.question", session_id=ps.id, n=later)


@bp.route(f"/sessions/<{ID}:session_id>/q/<{ID}:n>", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def question(session_id: int, n: int):
    session = get_session()
    ps = _practice_or_404(session_id)
    try:
        item = practice.item_at(ps, n)
    except NotFound:
        abort(404)
    error, status = None, 200
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            parsed = practice.answer(session, current_user, ps, n, request.form, utcnow())
        except PracticeClosed as err:
            flash(str(err), "info")
            return redirect(url_for("practice.done", session_id=ps.id))
        except PracticeUnavailable as err:
            flash(str(err), "info")
            return redirect(_next_url(ps, n))
        except IntegrityError:  # the same question answered at the same moment elsewhere
            session.rollback()
            flash("That answer was not saved because the question was answered elsewhere at the same moment.", "info")
            return redirect(url_for("practice.question", session_id=ps.id, n=n))
        if parsed.error is None:
            return redirect(url_for("practice.question", session_id=ps.id, n=n))
        error, status = parsed.error, 400
    if item.answered:
        return render_template("practice/feedback.html", **_feedback_context(ps, item))
    if ps.finished_at is not None:
        flash("This practice session has ended; start a new one.", "info")
        return redirect(url_for("practice.done", session_id=ps.id))
    if practice.is_locked(session, current_user, item):
        flash("That question is in a quiz you have open, so it is skipped here.", "info")
        return redirect(_next_url(ps, n))
    return render_template("practice/question.html", **_question_context(ps, item, error)), status


def _question_context(ps: PracticeSession, item, error: str | None) -> dict:
    version = item.version
    qtype = get_type(version.type)
    current = request.form.get("answer") if error is not None and version.type == "numeric" else None
    return {
        "ps": ps,
        "item": item,
        "n": item.position,
        "total": len(ps.items),
        "qtype": qtype,
        "qp": qtype.present(version.spec, item.shuffle),
        "stem": version.stem,
        "current": current,
        "error": error,
        "reason": REASONS.get(Reason(item.reason), item.reason),
        "practice_only": not item.question.assessed,
        "form": ConfirmForm(),
    }


def _feedback_context(ps: PracticeSession, item) -> dict:
    version = item.version
    qtype = get_type(version.type)
    sources_path = str(Path(current_app.config["QUESTION_BANKS_DIR"]) / "sources.yaml")
    card = practice_cards.card_for(get_session(), current_user, item.question_id)
    return {
        "ps": ps,
        "item": item,
        "n": item.position,
        "total": len(ps.items),
        "version": version,
        "qtype": qtype,
        "rv": qtype.review(version.spec, item.shuffle, item.answer),
        "source": source_label(sources_path, version.source),
        "reason": REASONS.get(Reason(item.reason), item.reason),
        "practice_only": not item.question.assessed,
        "card": card,
        "next_url": _next_url(ps, item.position),
        "last": practice.next_open(ps) is None or ps.finished_at is not None,
        "form": ConfirmForm(),
    }


@bp.route(f"/sessions/<{ID}:session_id>/finish", methods=["POST"])
@role_required(Role.TRAINEE)
def finish(session_id: int):
    ps = _practice_or_404(session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    practice.finish(get_session(), current_user, ps, utcnow())
    return redirect(url_for("practice.done", session_id=ps.id))


@bp.route(f"/sessions/<{ID}:session_id>/done")
@role_required(Role.TRAINEE)
def done(session_id: int):
    session = get_session()
    ps = _practice_or_404(session_id)
    answered = [i for i in ps.items if i.answered]
    return render_template(
        "practice/done.html",
        ps=ps,
        answered=answered,
        right=sum(1 for i in answered if i.full_marks),
        due=practice_due.due_counts(session, current_user, utcnow()).total,
        form=ConfirmForm(),
    )
