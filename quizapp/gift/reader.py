"""Reading GIFT (Moodle's question text format) into question mappings in the bank format.

Written from Moodle's GIFT documentation (docs.moodle.org/en/GIFT_format) and the behaviour of its importer
(question/format/gift/format.php): questions are blocks separated by blank lines; `//` lines are comments;
`::name::` names a question; `$CATEGORY:` switches category; answers sit in one `{...}` at the end.
How GIFT maps onto our question types is described in quizapp/gift/__init__.py.

This module holds the entry points and puts one question together from its block; quizapp/gift/blocks.py
splits the file into blocks, quizapp/gift/answers.py reads the answers between the braces.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from quizapp.bank_loader import LineDict, ModuleSpec, Problem, QuestionSpec, check_questions
from quizapp.gift.answers import plain, read_answers
from quizapp.gift.blocks import META_KEYS, Block, GiftProblem, line_of, question_name, split_blocks, unique_id
from quizapp.gift.text import has_reserved, hide_escapes, slug_id, split_format


@dataclass
class _Question:
    """What one block became, before the bank checks."""

    label: str
    mapping: LineDict


def parse_gift(
    text: str,
    filename: str,
    *,
    sources: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> tuple[list[LineDict], list[Problem]]:
    """Question mappings in the bank format and every problem (`file:line: question name: message`).

    Each question is checked by the bank loader exactly as a YAML bank question; `sources` (id -> entry) lets
    it check `source` against the list. `defaults` fills metadata a GIFT file cannot hold (`source`, `unit`,
    `tags`, `points`, `critical`, `review_status`, `assessed`) where no `// @key: value` comment gives it.
    The caller imports nothing when problems is non-empty (all or nothing)."""
    questions, problems = _read(text, filename, defaults or {})
    _, checked = check_questions(filename, [q.mapping for q in questions], sources, [q.label for q in questions])
    problems = sorted([*problems, *checked], key=lambda p: p.line)
    return [q.mapping for q in questions], problems


def gift_questions(
    text: str,
    filename: str,
    *,
    sources: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> tuple[list[QuestionSpec], list[Problem]]:
    """The checked questions (as the bank loader returns them) and every problem; see parse_gift."""
    questions, problems = _read(text, filename, defaults or {})
    specs, checked = check_questions(filename, [q.mapping for q in questions], sources, [q.label for q in questions])
    return specs, sorted([*problems, *checked], key=lambda p: p.line)


def with_questions(module: ModuleSpec, questions: Sequence[QuestionSpec]) -> ModuleSpec:
    """The module with imported questions added: a question whose id the module has replaces it in place, the
    others follow in file order. (A GIFT file holds questions only, so importing one adds and updates; the
    module's other questions stay, where importing the module's YAML file would retire them.)"""
    incoming = {q.id: q for q in questions}
    kept = [incoming.pop(q.id, q) for q in module.questions]
    return dataclasses.replace(module, questions=[*kept, *incoming.values()])


def _read(text: str, filename: str, defaults: Mapping[str, Any]) -> tuple[list[_Question], list[Problem]]:
    problems: list[Problem] = []
    questions: list[_Question] = []
    used_ids: set[str] = set()
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    number = 0
    for block in split_blocks(text):
        if not block.text.strip():
            problems += [Problem(filename, line, "-", message) for line, message in block.meta_problems]
            if block.meta:
                line = min(line for _, line in block.meta.values())
                problems.append(Problem(filename, line, "-", "metadata comment with no question in its block"))
            continue
        hidden = hide_escapes(block.text)
        if hidden.lstrip().startswith("$CATEGORY:"):
            problems += [Problem(filename, line, "-", message) for line, message in block.meta_problems]
            _, _, rest = hidden.strip().partition("\n")
            if rest.strip():
                line = line_of(block, hidden, hidden.find(rest.strip()))
                problems.append(Problem(filename, line, "-", "put a blank line between $CATEGORY: and the question"))
            continue  # categories are not kept: our questions belong to the module being imported
        number += 1
        name, name_problem = question_name(hidden)
        qid = unique_id(slug_id(name) if name else "", used_ids, filename, number)
        label = name or qid
        qline = line_of(block, hidden, len(hidden) - len(hidden.lstrip()))
        problems += [Problem(filename, line, label, message) for line, message in block.meta_problems]
        if has_reserved(block.text):
            problems.append(Problem(filename, qline, label, "text holds private-use characters U+E000–U+E007"))
            continue
        if name_problem:
            problems.append(Problem(filename, qline, label, name_problem))
            continue
        mapping = LineDict(qline)
        try:
            _question(mapping, block, hidden, qid, defaults)
        except GiftProblem as exc:
            line = qline if exc.offset is None else line_of(block, hidden, exc.offset)
            problems.append(Problem(filename, line, label, exc.message))
            continue
        questions.append(_Question(label, mapping))
    return questions, problems


def _question(mapping: LineDict, block: Block, hidden: str, qid: str, defaults: Mapping[str, Any]) -> None:
    """Fill the mapping from one question block, or raise GiftProblem."""
    body_start = len(hidden) - len(hidden.lstrip())
    if hidden.startswith("::", body_start):
        body_start = hidden.index("::", body_start + 2) + 2
    open_at = hidden.find("{", body_start)
    close_at = hidden.find("}", body_start)
    if open_at == -1 and close_at == -1:
        raise GiftProblem("a description (text with no {answers}) is not a question we can hold")
    if open_at == -1 or close_at == -1 or close_at < open_at:
        raise GiftProblem("unbalanced braces: answers go in one {...} (escape a literal brace as \\{ or \\})")
    inner_open = hidden.find("{", open_at + 1, close_at)
    if inner_open != -1:
        raise GiftProblem("'{' inside the answers (escape it as \\{), or a '}' is missing", inner_open)
    tail = hidden[close_at + 1 :]
    if "{" in tail or "}" in tail:
        raise GiftProblem("more than one {...} answer block in one question", close_at + 1)
    if tail.strip():
        raise GiftProblem("missing-word questions (answers inside the sentence) are not supported", open_at)
    stem_fmt, stem_raw = split_format(hidden[body_start:open_at].strip(), "moodle")
    stem = plain(stem_raw, stem_fmt, "question text", body_start)
    answers = hidden[open_at + 1 : close_at]
    general_at = answers.rfind("####")
    explanation = ""
    if general_at != -1:
        fmt, raw = split_format(answers[general_at + 4 :].strip(), stem_fmt)
        explanation = plain(raw, fmt, "general feedback", open_at + 1 + general_at)
        answers = answers[:general_at]
    if not answers.strip():
        raise GiftProblem("essay questions ({}) are not supported", open_at)
    mapping["id"] = qid
    mapping.key_lines["id"] = mapping.line
    kind, spec = read_answers(answers, open_at, stem_fmt)
    _set(mapping, block, hidden, "type", kind, body_start)
    _set(mapping, block, hidden, "stem", stem, body_start)
    for key, value in spec.items():
        _set(mapping, block, hidden, key, value, open_at)
    if not explanation:
        raise GiftProblem(
            "no general feedback (####...): our questions need it as the explanation shown after the quiz", close_at
        )
    _set(mapping, block, hidden, "explanation", explanation, open_at + 1 + max(general_at, 0))
    _metadata(mapping, block, kind, defaults)


def _set(mapping: LineDict, block: Block, hidden: str, key: str, value: Any, offset: int) -> None:
    mapping[key] = value
    mapping.key_lines[key] = line_of(block, hidden, offset)


def _metadata(mapping: LineDict, block: Block, kind: str, defaults: Mapping[str, Any]) -> None:
    """source, unit and the question settings from // @key: value comments, else the defaults."""
    for key in META_KEYS:
        if key == "unit" and kind != "numeric":
            if key in block.meta:
                raise GiftProblem("'@unit' is only for numeric questions")
            continue
        if key in block.meta:
            raw, line = block.meta[key]
            try:
                value = yaml.safe_load(raw) if raw else None
            except yaml.YAMLError as exc:
                raise GiftProblem(f"metadata '@{key}' is not a readable value: {exc}") from None
            mapping[key] = value
            mapping.key_lines[key] = line
        elif key in defaults:
            mapping[key] = defaults[key]
        elif key == "source":
            raise GiftProblem("no source: add a '// @source: <id>' comment to the question or choose a default source")
        elif key == "unit":
            raise GiftProblem("numeric question needs a unit: add a '// @unit: mm' comment or choose a default unit")
