"""Instructor forms: the question editor (rows added and removed by submit buttons, no JavaScript needed),
module settings, bank upload and notes. The checks themselves are the bank loader's."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from quizapp.models import Question

ROW_LISTS = ("options", "items", "pairs", "distractors", "draw")
LISTS_OF = {
    "single": ("options",),
    "multiple": ("options",),
    "ordering": ("items",),
    "matching": ("pairs", "distractors"),
}
MAX_ROWS = 30


class OptionForm(Form):
    text = StringField("Option text")
    correct = BooleanField("Correct")
    feedback = StringField("Feedback shown in the review (optional)")


class PairForm(Form):
    left = StringField("Item")
    right = StringField("Matching answer")


class QuestionForm(FlaskForm):
    key = StringField("Question id")
    stem = TextAreaField("Question text")
    explanation = TextAreaField("Explanation (shown in the review)")
    source = SelectField("Source", choices=[], validate_choice=False)
    tags = StringField("Tags (comma-separated)")
    group = StringField("Exclusion group (optional)")
    points = StringField("Points")
    critical = BooleanField("Safety-critical: less than full marks fails the attempt")
    assessed = BooleanField("Assessed (untick for practice only)")
    options = FieldList(FormField(OptionForm), max_entries=MAX_ROWS)
    truth = RadioField(
        "Correct answer", choices=[SelectChoice("true", "True"), SelectChoice("false", "False")], validate_choice=False
    )
    answer = StringField("Correct answer (a number)")
    tolerance = StringField("Tolerance (±)")
    unit = StringField("Unit")
    items = FieldList(StringField("Item"), max_entries=MAX_ROWS)
    pairs = FieldList(FormField(PairForm), max_entries=MAX_ROWS)
    distractors = FieldList(StringField("Extra wrong answer"), max_entries=MAX_ROWS)


def question_mapping(form: QuestionForm, type_key: str, key: str) -> dict[str, Any]:
    """The form as a bank-file question mapping, for the bank loader's checks."""
    points = (form.points.data or "").strip()
    raw: dict[str, Any] = {
        "id": key,
        "type": type_key,
        "stem": form.stem.data or "",
        "explanation": form.explanation.data or "",
        "source": form.source.data or "",
        "tags": [t.strip() for t in (form.tags.data or "").split(",") if t.strip()],
        "points": int(points) if points.isdigit() else points,
        "critical": bool(form.critical.data),
        "assessed": bool(form.assessed.data),
        "review_status": "draft",
    }
    if (form.group.data or "").strip():
        raw["group"] = form.group.data.strip()
    if type_key in ("single", "multiple"):
        raw["options"] = [
            {"text": o["text"] or "", "correct": bool(o["correct"]), "feedback": o["feedback"] or ""}
            for o in form.options.data
        ]
    elif type_key == "true_false":
        raw["answer"] = {"true": True, "false": False}.get(form.truth.data or "", form.truth.data)
    elif type_key == "numeric":
        raw["answer"] = (form.answer.data or "").strip()
        raw["tolerance"] = (form.tolerance.data or "").strip()
        raw["unit"] = form.unit.data or ""
    elif type_key == "ordering":
        raw["items"] = [item or "" for item in form.items.data]
    elif type_key == "matching":
        raw["pairs"] = [{"left": p["left"] or "", "right": p["right"] or ""} for p in form.pairs.data]
        raw["distractors"] = [d or "" for d in form.distractors.data if (d or "").strip()]
    return raw


def question_data(question: Question) -> dict[str, Any]:
    """The form's data for the question's current version."""
    version = question.current
    spec = version.spec
    data: dict[str, Any] = {
        "key": question.key,
        "stem": version.stem,
        "explanation": version.explanation,
        "source": version.source,
        "tags": ", ".join(question.tags),
        "group": question.group or "",
        "points": str(version.points),
        "critical": version.critical,
        "assessed": question.assessed,
    }
    if version.type in ("single", "multiple"):
        data["options"] = [dict(o) for o in spec["options"]]
    elif version.type == "true_false":
        data["truth"] = "true" if spec["answer"] else "false"
    elif version.type == "numeric":
        data.update(answer=spec["answer"], tolerance=spec["tolerance"], unit=spec["unit"])
    elif version.type == "ordering":
        data["items"] = list(spec["items"])
    elif version.type == "matching":
        data["pairs"] = [dict(p) for p in spec["pairs"]]
        data["distractors"] = list(spec["distractors"])
    return data


def blank_data(type_key: str) -> dict[str, Any]:
    """A new question's starting rows."""
    data: dict[str, Any] = {"points": "1", "assessed": True}
    if type_key in ("single", "multiple"):
        data["options"] = [{"text": "", "correct": False, "feedback": ""} for _ in range(3)]
    elif type_key == "ordering":
        data["items"] = ["", "", ""]
    elif type_key == "matching":
        data["pairs"] = [{"left": "", "right": ""} for _ in range(2)]
    return data


def change_rows(data: dict[str, Any], action: str) -> bool:
    """Apply an "add-options" / "remove-options-2" button to the form data; False if it is not one."""
    verb, _, rest = action.partition("-")
    name, _, index = rest.partition("-")
    if verb not in ("add", "remove") or name not in ROW_LISTS:
        return False
    rows = list(data.get(name) or [])
    if verb == "add" and len(rows) < MAX_ROWS:
        blank: Any = {
            "options": {"text": "", "correct": False, "feedback": ""},
            "pairs": {"left": "", "right": ""},
            "draw": {"tag": "", "count": ""},
        }.get(name, "")
        rows.append(blank)
    elif verb == "remove" and index.isdigit() and int(index) < len(rows):
        del rows[int(index)]
    data[name] = rows
    return True


class DrawRuleForm(Form):
    tag = StringField("Tag")
    count = StringField("At least this many questions")


class ModuleSettingsForm(FlaskForm):
    title = StringField("Title")
    order = StringField("Position in the course (order)")
    lesson = TextAreaField("Lesson (Markdown)")
    pass_mark = StringField("Pass mark (%)")
    questions_per_attempt = StringField("Questions per attempt")
    draw = FieldList(FormField(DrawRuleForm), max_entries=MAX_ROWS)
    time_limit_minutes = StringField("Time limit in minutes (0: untimed)")
    attempts_per_day = StringField("Attempts per 24 hours")
    cooldown_minutes = StringField("Cooldown after a failed attempt (minutes)")
    review = SelectField(
        "After submitting, trainees see",
        choices=[SelectChoice("full", "the full review with answers"), SelectChoice("score_only", "their score only")],
        validate_choice=False,
    )
    required_for_certification = BooleanField("Required for the certificate")


def _number(value: str | None) -> Any:
    text = (value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else text


def settings_values(form: ModuleSettingsForm) -> dict[str, Any]:
    """The form as the settings of a bank file's `module:` mapping."""
    return {
        "title": form.title.data or "",
        "order": _number(form.order.data),
        "lesson": form.lesson.data or "",
        "pass_mark": _number(form.pass_mark.data),
        "questions_per_attempt": _number(form.questions_per_attempt.data),
        "time_limit_minutes": _number(form.time_limit_minutes.data),
        "attempts_per_day": _number(form.attempts_per_day.data),
        "cooldown_minutes": _number(form.cooldown_minutes.data),
        "review": form.review.data or "",
        "required_for_certification": bool(form.required_for_certification.data),
        "draw": [
            {"tag": r["tag"] or "", "count": _number(r["count"])}
            for r in form.draw.data
            if (r["tag"] or "").strip() or (r["count"] or "").strip()
        ],
    }


class ImportForm(FlaskForm):
    file = FileField("Bank file (.yaml) or GIFT file (.gift, .txt)")
    module = SelectField("Module for GIFT questions", choices=[], validate_choice=False)
    source = SelectField("Source for GIFT questions that name none", choices=[], validate_choice=False)
    unit = StringField("Unit for GIFT number questions", default="mm")
    allow_move = BooleanField("Move questions from other modules if the file holds their ids")


class NoteForm(FlaskForm):
    note = TextAreaField("Why it stays as it is", validators=[DataRequired(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""
