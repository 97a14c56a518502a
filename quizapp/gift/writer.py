"""Writing a module's questions as GIFT, in the layout Moodle's exporter uses (one block per question)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import yaml

from quizapp.bank_loader import ModuleSpec, QuestionSpec
from quizapp.bank_loader.schema import QUESTION_DEFAULTS
from quizapp.gift.text import escape
from quizapp.question_types.numeric import canonical

_WEIGHT_PLACES = Decimal("0.00001")


class _Unwritable(Exception):
    """The question cannot be written as GIFT; it goes out as a comment instead."""


def write_gift(module: ModuleSpec) -> tuple[str, list[str]]:
    """The module's questions as GIFT text, and a warning for each question GIFT cannot hold.

    Ordering questions (GIFT has no such type) and questions whose text GIFT cannot carry are written as
    comments, with a warning. What GIFT has no syntax for (source, tags, group, points, critical,
    review_status, assessed, unit) goes in `// @key: value` comments, which Moodle ignores and parse_gift reads back."""
    lines = [
        f"// quizapp module: {_one_line(module.slug)} ({_one_line(module.title)})",
        "// '// @key: value' comments carry what GIFT has no syntax for; Moodle ignores them.",
        f"$CATEGORY: $course$/top/{module.slug}",
        "",
    ]
    warnings: list[str] = []
    for question in module.questions:
        try:
            lines += _question(question)
        except _Unwritable as exc:
            warnings.append(f"{question.id}: {exc}; written as a comment")
            lines += _as_comment(question, str(exc))
        lines.append("")
    return "\n".join(lines), warnings


def _question(question: QuestionSpec) -> list[str]:
    if question.type == "ordering":
        raise _Unwritable("ordering questions have no GIFT form")
    out = [f"// question: {question.id}"]
    for key, value in _metadata(question):
        out.append(f"// @{key}: {_meta_value(value)}")
    head = f"::{escape(question.id)}::[plain]{escape(question.stem)}"
    spec = question.spec
    explanation = f"####{_text(question.explanation)}"
    if question.type == "true_false":
        return [*out, f"{head}{{{'TRUE' if spec['answer'] else 'FALSE'}{explanation}}}"]
    if question.type == "numeric":
        return [*out, f"{head}{{#{spec['answer']}:{spec['tolerance']}{explanation}}}"]
    body: list[str] = []
    if question.type == "single":
        for option in spec["options"]:
            body.append(("=" if option["correct"] else "~") + _option(option))
    elif question.type == "multiple":
        keys = sum(1 for o in spec["options"] if o["correct"])
        share = canonical((Decimal(100) / keys).quantize(_WEIGHT_PLACES))
        for option in spec["options"]:
            body.append(f"~%{'' if option['correct'] else '-'}{share}%" + _option(option))
    elif question.type == "matching":
        for pair in spec["pairs"]:
            if "->" in pair["left"]:
                raise _Unwritable("a matching left side containing '->' cannot be written in GIFT")
            body.append(f"={_text(pair['left'])} -> {escape(pair['right'])}")
        body += [f"= -> {escape(d)}" for d in spec["distractors"]]
    else:
        raise _Unwritable(f"{question.type} questions have no GIFT form")
    return [*out, head + "{", *(f"\t{line}" for line in body), f"\t{explanation}", "}"]


def _metadata(question: QuestionSpec) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [("source", question.source)]
    if question.type == "numeric":
        found.append(("unit", question.spec["unit"]))
    for key in ("tags", "group", "points", "critical", "review_status", "assessed"):
        value = getattr(question, key)
        if value != QUESTION_DEFAULTS[key]:
            found.append((key, value))
    return found


def _meta_value(value: Any) -> str:
    """A value as YAML that reads back to itself on one line."""
    if isinstance(value, list):
        text = "[" + ", ".join(str(v) for v in value) + "]"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    try:
        same = "\n" not in text and yaml.safe_load(text) == value
    except yaml.YAMLError:
        same = False
    return text if same else json.dumps(value, ensure_ascii=False)


def _option(option: dict[str, Any]) -> str:
    text = _text(option["text"])
    return f"{text}#{_text(option['feedback'])}" if option["feedback"] else text


def _text(text: str) -> str:
    """Escaped text; [plain] in front when it starts with something GIFT would read as a format or weight."""
    escaped = escape(text)
    return f"[plain]{escaped}" if escaped.startswith(("[", "%")) else escaped


def _as_comment(question: QuestionSpec, reason: str) -> list[str]:
    lines = [f"// {question.type} question {question.id}: {reason}.", f"// | {_one_line(question.stem)}"]
    if question.type == "ordering":
        lines += [f"// | {n}. {_one_line(item)}" for n, item in enumerate(question.spec["items"], start=1)]
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())
