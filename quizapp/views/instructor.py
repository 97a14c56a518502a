"""Instructor pages (admins see them too): modules, the question list and editor with preview, versions and
the four-eyes review, module settings, bank import and export, item analysis."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from quizapp.bank_loader import dump_module
from quizapp.db import get_session, utcnow
from quizapp.gift import write_gift
from quizapp.instructor_forms import (
    LISTS_OF,
    ActionForm,
    ImportForm,
    ModuleSettingsForm,
    NoteForm,
    QuestionForm,
    blank_data,
    change_rows,
    question_data,
    question_mapping,
    settings_values,
)
from quizapp.markdown import render_markdown
from quizapp.models import Module, Question, Role
from quizapp.question_types import QUESTION_TYPES, get_type, key_answer
from quizapp.security import role_required
from quizapp.services import Forbidden, NotFound, ServiceError, authoring
from quizapp.services import attempts as attempts_service
from quizapp.services import item_analysis as analysis
from quizapp.services import questions as questions_service
from quizapp.services.banks import module_spec
from quizapp.services.modules import module_by_slug, ordered_modules
from quizapp.services.sources import source_label

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


@bp.before_request
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def _instructors_only() -> None:
    return None


def _sources_path() -> Path:
    return Path(current_app.config["QUESTION_BANKS_DIR"]) / "sources.yaml"


def _sources() -> dict[str, Any]:
    try:
        return authoring.load_banks_sources(_sources_path())
    except ServiceError:
        return {}


def _module(slug: str) -> Module:
    try:
        return module_by_slug(get_session(), slug)
    except NotFound:
        abort(404)


def _question(key: str) -> Question:
    try:
        return questions_service.question_by_key(get_session(), key)
    except NotFound:
        abort(404)


@bp.route("/")
def home() -> str:
    session = get_session()
    modules = ordered_modules(session)
    problems = {m.id: attempts_service.draw_problem(m, attempts_service.usable_tags(session, m)) for m in modules}
    return render_template("instructor/home.html", modules=modules, problems=problems)


# --- question list ---------------------------------------------------------------------------------


@bp.route("/modules/<slug>/questions")
def questions(slug: str) -> str:
    session = get_session()
    module = _module(slug)
    args = request.args
    filters = authoring.Filters(
        search=args.get("q", "")[:200],
        type=args.get("type", "") if args.get("type", "") in QUESTION_TYPES else "",
        tag=args.get("tag", "")[:80],
        status=args.get("status", "") if args.get("status", "") in authoring.STATUSES else "",
        assessed=args.get("assessed", "") if args.get("assessed", "") in ("assessed", "practice") else "",
    )
    rows, tags = authoring.question_rows(session, module, filters)
    return render_template(
        "instructor/questions.html",
        module=module,
        rows=rows,
        tags=tags,
        filters=filters,
        types=QUESTION_TYPES,
        statuses=authoring.STATUSES,
        problem=authoring.module_draw_problem(session, module),
    )


# --- editor ----------------------------------------------------------------------------------------


def _preview(type_key: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    """What a trainee sees (present(): no key), and the review after submitting with the right answer."""
    qtype = get_type(type_key)
    spec = fields["spec"]
    shuffle = qtype.make_shuffle(spec, random.Random(key))
    answer = key_answer(type_key, spec)
    return {
        "qtype": qtype,
        "qp": qtype.present(spec, shuffle),
        "rv": qtype.review(spec, shuffle, answer),
        "stem": fields["stem"],
        "explanation": fields["explanation"],
        "points": fields["points"],
        "critical": fields["critical"],
        "source": source_label(str(_sources_path()), fields["source"]),
    }


def _editor(module: Module, type_key: str, question: Question | None) -> Any:
    session = get_session()
    sources = _sources()
    if request.method == "POST":
        form = QuestionForm()
    else:
        form = QuestionForm(data=question_data(question) if question else blank_data(type_key))
    action = request.form.get("action", "save")
    if request.method == "POST" and action not in ("save", "preview"):
        data = form.data
        if not change_rows(data, action):
            abort(400)
        data.pop("csrf_token", None)
        form = QuestionForm(formdata=None, data=data)
    form.source.choices = [SelectChoice("", "Choose a source…")] + [
        SelectChoice(sid, str(e.get("title", sid))) for sid, e in sources.items()
    ]
    errors: dict[str, list[str]] = {}
    preview = None
    status = 200
    if request.method == "POST" and action in ("save", "preview"):
        key = question.key if question else (form.key.data or "").strip()
        checked = questions_service.check_edit(question_mapping(form, type_key, key), sources)
        errors = checked.errors
        if checked.spec is None:
            status = 400
        elif action == "preview":
            preview = _preview(type_key, key, {**checked.spec.version_fields(), "spec": checked.spec.spec})
        else:
            try:
                if question is None:
                    question = questions_service.create_question(session, module, checked.spec, current_user, utcnow())
                    flash(f"Created {question.key} as a draft; another instructor approves it.", "success")
                elif questions_service.save_question(session, question, checked.spec, current_user, utcnow()):
                    flash(
                        f"Saved {question.key} as version {question.current.number}, a draft until approved.", "success"
                    )
                else:
                    flash("Nothing changed.", "info")
            except ServiceError as err:
                session.rollback()
                errors.setdefault("id" if question is None else questions_service.GENERAL, []).append(str(err))
                status = 400
            else:
                problem = authoring.module_draw_problem(session, module)
                if problem:
                    flash(f"Trainees cannot start this quiz now: {problem}", "warning")
                return redirect(url_for("instructor.question_edit", key=question.key))
    return render_template(
        "instructor/editor.html",
        form=form,
        module=module,
        question=question,
        type_key=type_key,
        qtype=get_type(type_key),
        lists=LISTS_OF.get(type_key, ()),
        errors=errors,
        general=questions_service.GENERAL,
        preview=preview,
        action_form=ActionForm(),
    ), status


@bp.route("/modules/<slug>/questions/new", methods=["GET", "POST"])
def question_new(slug: str) -> Any:
    module = _module(slug)
    type_key = request.args.get("type", "")
    if type_key not in QUESTION_TYPES:
        return render_template("instructor/new_question.html", module=module, types=QUESTION_TYPES)
    return _editor(module, type_key, None)


@bp.route("/questions/<key>/edit", methods=["GET", "POST"])
def question_edit(key: str) -> Any:
    question = _question(key)
    return _editor(question.module, question.current.type, question)


@bp.route("/questions/<key>/preview")
def question_preview(key: str) -> str:
    question = _question(key)
    number = request.args.get("version", type=int)
    try:
        version = questions_service.version_of(question, number) if number else question.current
    except NotFound:
        abort(404)
    fields = {**{c: getattr(version, c) for c in ("stem", "explanation", "points", "critical", "source")}}
    preview = _preview(version.type, question.key, {**fields, "spec": version.spec})
    return render_template("instructor/preview.html", question=question, version=version, preview=preview)


# --- versions, review, retire ----------------------------------------------------------------------


@bp.route("/questions/<key>/history")
def question_history(key: str) -> str:
    question = _question(key)
    return render_template(
        "instructor/history.html",
        question=question,
        entries=questions_service.history(get_session(), question),
        action_form=ActionForm(),
        note_form=NoteForm(),
    )


@bp.route("/questions/<key>/diff")
def question_diff(key: str) -> str:
    question = _question(key)
    newest = question.current.number
    a = request.args.get("a", default=max(newest - 1, 1), type=int)
    b = request.args.get("b", default=newest, type=int)
    try:
        old, new = questions_service.version_of(question, a), questions_service.version_of(question, b)
    except NotFound:
        abort(404)
    rows = questions_service.side_by_side(questions_service.version_text(old), questions_service.version_text(new))
    return render_template("instructor/diff.html", question=question, old=old, new=new, rows=rows)


def _question_action(key: str, action: str) -> Any:
    question = _question(key)
    session = get_session()
    form = NoteForm() if action == "keep" else ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "approve":
            questions_service.approve_question(session, question, current_user, utcnow())
            message = f"Approved {question.key}."
        elif action == "retire":
            questions_service.retire_question(session, question, current_user, utcnow())
            message = f"Retired {question.key}: no new attempt draws it."
        elif action == "restore":
            questions_service.restore_question(session, question, current_user, utcnow())
            message = f"Restored {question.key}."
        else:
            questions_service.keep_question(session, question, form.note.data or "", current_user, utcnow())
            message = f"Marked {question.key} reviewed, keep."
    except Forbidden as err:
        abort(403, str(err))
    except ServiceError as err:
        abort(400, str(err))
    flash(message, "success")
    back = request.form.get("next", "")
    local = back.startswith("/instructor/") and "//" not in back and "\\" not in back
    return redirect(back if local else url_for("instructor.question_history", key=question.key))


@bp.route("/questions/<key>/approve", methods=["POST"])
def question_approve(key: str) -> Any:
    return _question_action(key, "approve")


@bp.route("/questions/<key>/retire", methods=["POST"])
def question_retire(key: str) -> Any:
    return _question_action(key, "retire")


@bp.route("/questions/<key>/restore", methods=["POST"])
def question_restore(key: str) -> Any:
    return _question_action(key, "restore")


@bp.route("/questions/<key>/keep", methods=["POST"])
def question_keep(key: str) -> Any:
    return _question_action(key, "keep")


# --- module settings -------------------------------------------------------------------------------


@bp.route("/modules/<slug>/settings", methods=["GET", "POST"])
def module_settings(slug: str) -> Any:
    session = get_session()
    module = _module(slug)
    errors: dict[str, list[str]] = {}
    lesson_preview = None
    status = 200
    if request.method == "POST":
        form = ModuleSettingsForm()
        action = request.form.get("action", "save")
        if action not in ("save", "preview"):
            data = form.data
            data.pop("csrf_token", None)
            if not change_rows(data, action):
                abort(400)
            form = ModuleSettingsForm(formdata=None, data=data)
        else:
            checked = authoring.check_settings(session, module, settings_values(form))
            errors = checked.errors
            if checked.settings is None:
                status = 400
            elif action == "preview":
                lesson_preview = render_markdown(checked.settings["lesson"])
            else:
                changed = authoring.save_settings(session, module, checked.settings, current_user)
                flash(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.", "success")
                return redirect(url_for("instructor.module_settings", slug=module.slug))
    else:
        data = {k: getattr(module, k) for k in authoring.SETTING_KEYS}
        data["review"] = module.review.value
        data = {k: v if isinstance(v, bool) or k == "lesson" else str(v) for k, v in data.items()}
        data["draw"] = [{"tag": r["tag"], "count": str(r["count"])} for r in module.draw or []]
        form = ModuleSettingsForm(data=data)
    return render_template(
        "instructor/settings.html", form=form, module=module, errors=errors, lesson_preview=lesson_preview
    ), status


# --- import and export -----------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def bank_import() -> Any:
    session = get_session()
    form = ImportForm()
    modules = ordered_modules(session)
    form.module.choices = [SelectChoice("", "—")] + [SelectChoice(m.slug, m.title) for m in modules]
    form.source.choices = [SelectChoice("", "—")] + [
        SelectChoice(sid, str(e.get("title", sid))) for sid, e in _sources().items()
    ]
    outcome = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            outcome = authoring.UploadOutcome(problems=["Choose a file to upload."])
        else:
            apply = request.form.get("action") == "apply"
            outcome = authoring.import_upload(
                session,
                upload.filename,
                upload.read(authoring.MAX_UPLOAD + 1),
                sources_path=_sources_path(),
                actor=current_user,
                module_slug=form.module.data or None,
                default_source=form.source.data or None,
                default_unit=(form.unit.data or "").strip() or None,
                apply=apply,
                allow_move=bool(form.allow_move.data),
            )
        if outcome.problems:
            status = 400
        elif outcome.applied:
            flash(f"Imported {outcome.report}. New and changed questions are drafts awaiting approval.", "success")
            return redirect(url_for("instructor.home"))
    return render_template("instructor/import.html", form=form, outcome=outcome), status


@bp.route("/modules/<slug>/export")
def module_export(slug: str) -> Response:
    module = _module(slug)
    spec = module_spec(get_session(), module.slug)
    if request.args.get("format") == "gift":
        text, warnings = write_gift(spec)
        body = "".join(f"// WARNING: {w}\n" for w in warnings) + text
        name, mimetype = f"{module.slug}.gift", "text/plain"
    else:
        body, name, mimetype = dump_module(spec), f"{module.slug}.yaml", "application/yaml"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- item analysis ---------------------------------------------------------------------------------


@bp.route("/modules/<slug>/analysis")
def analysis_page(slug: str) -> str:
    session = get_session()
    module = _module(slug)
    first = request.args.get("attempts") != "all"
    items = analysis.item_statistics(session, module.id, first_attempts_only=first)
    kept = questions_service.kept_versions(session, module.id)
    queue = [(item, reasons, kept.get(item.version_id)) for item in items if (reasons := analysis.review_reasons(item))]
    return render_template(
        "instructor/analysis.html",
        module=module,
        first=first,
        stats=analysis.module_statistics(session, module.id, first_attempts_only=first),
        items=items,
        queue=queue,
        note_form=NoteForm(),
    )


@bp.route("/modules/<slug>/analysis.csv")
def analysis_csv(slug: str) -> Response:
    session = get_session()
    module = _module(slug)
    first = request.args.get("attempts") != "all"
    lines = analysis.statistics_csv(session, module.id, first_attempts_only=first)
    name = f"{module.slug}-item-analysis{'' if first else '-all'}.csv"
    return Response(lines, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
