"""Reading GIFT (Moodle's question text format) into question mappings in the bank format.

Written from Moodle's GIFT documentation (docs.moodle.org/en/GIFT_format) and the behaviour of its importer
(question/format/gift/format.php): questions are blocks separated by blank lines; `//` lines are comments;
`::name::` names a question; `$CATEGORY:` switches category; answers sit in one `{...}` at the end.
How GIFT maps onto our question types is described in quizapp/gift/__init__.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from quizapp.bank_loader import LineDict, ModuleSpec, Problem, QuestionSpec, check_questions
from quizapp.gift.text import has_reserved, hide_escapes, restore, slug_id, split_format, to_plain
from quizapp.question_types.numeric import canonical, to_decimal

META_KEYS = ("source", "tags", "group", "points", "critical", "review_status", "assessed", "unit")
_META = re.compile(r"//\s*@([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)")
_WEIGHT = re.compile(r"\s*%([^%]*)%")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_HUNDRED = Decimal(100)
# Moodle writes 1/3 as 33.33333%: a weight this close to the one our scoring implies is that weight.
_WEIGHT_TOLERANCE = Decimal("0.001")
_TRUE_FALSE_OPTIONS = ("True", "False")


class GiftProblem(Exception):
    """One thing wrong in a question block; the block is reported and skipped."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class _Block:
    """One question block: its first line, its text with comment lines blanked, its metadata comments."""

    start: int
    text: str
    meta: dict[str, tuple[str, int]] = field(default_factory=dict)
    meta_problems: list[tuple[int, str]] = field(default_factory=list)


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
    for block in _blocks(text):
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
                line = _line(block, hidden, hidden.find(rest.strip()))
                problems.append(Problem(filename, line, "-", "put a blank line between $CATEGORY: and the question"))
            continue  # categories are not kept: our questions belong to the module being imported
        number += 1
        name, name_problem = _name(hidden)
        qid = _unique(slug_id(name) if name else "", used_ids, filename, number)
        label = name or qid
        qline = _line(block, hidden, len(hidden) - len(hidden.lstrip()))
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
            line = qline if exc.offset is None else _line(block, hidden, exc.offset)
            problems.append(Problem(filename, line, label, exc.message))
            continue
        questions.append(_Question(label, mapping))
    return questions, problems


def _blocks(text: str) -> list[_Block]:
    """Blocks of lines separated by blank lines; comment lines blanked (so offsets keep their line)."""
    blocks: list[_Block] = []
    current: list[str] = []
    start = 1
    meta: dict[str, tuple[str, int]] = {}
    meta_problems: list[tuple[int, str]] = []
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        stripped = line.strip()
        if not stripped:
            if current:
                blocks.append(_Block(start, "\n".join(current), meta, meta_problems))
            current, meta, meta_problems = [], {}, []
            start = number + 1
            continue
        if stripped.startswith("//"):
            match = _META.fullmatch(stripped)
            if match:
                key, value = match.group(1), match.group(2).strip()
                if key not in META_KEYS:
                    meta_problems.append((number, f"unknown metadata '@{key}'; known: {', '.join(META_KEYS)}"))
                elif key in meta:
                    meta_problems.append((number, f"metadata '@{key}' given twice"))
                else:
                    meta[key] = (value, number)
            current.append("")
        else:
            current.append(line)
    return blocks


def _line(block: _Block, hidden: str, offset: int) -> int:
    return block.start + hidden.count("\n", 0, max(offset, 0))


def _name(hidden: str) -> tuple[str, str | None]:
    """The ::name:: of a block (empty if none) and a problem if it is not closed."""
    body = hidden.lstrip()
    if not body.startswith("::"):
        return "", None
    end = body.find("::", 2)
    if end == -1:
        return "", "question name opened with '::' is not closed with '::'"
    return restore(body[2:end]).strip(), None


def _unique(wanted: str, used: set[str], filename: str, number: int) -> str:
    """A question id not used before in this file: the slug of the name, else one made from the file name."""
    if not wanted:
        stem = slug_id(filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]) or "gift"
        wanted = f"{stem[:70]}-{number:03d}"
    qid, n = wanted, 2
    while qid in used:
        qid = f"{wanted[:75]}-{n}"
        n += 1
    used.add(qid)
    return qid


def _question(mapping: LineDict, block: _Block, hidden: str, qid: str, defaults: Mapping[str, Any]) -> None:
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
    stem = _plain(stem_raw, stem_fmt, "question text", body_start)
    answers = hidden[open_at + 1 : close_at]
    general_at = answers.rfind("####")
    explanation = ""
    if general_at != -1:
        fmt, raw = split_format(answers[general_at + 4 :].strip(), stem_fmt)
        explanation = _plain(raw, fmt, "general feedback", open_at + 1 + general_at)
        answers = answers[:general_at]
    offset = open_at + 1
    content = answers.strip()
    if not content:
        raise GiftProblem("essay questions ({}) are not supported", open_at)
    mapping["id"] = qid
    mapping.key_lines["id"] = mapping.line
    if content.startswith("#"):
        kind, spec = _numeric(answers, offset, stem_fmt)
    elif "~" in content:
        kind, spec = _choice(answers, offset, stem_fmt)
    elif "=" in content and "->" in content:
        kind, spec = _matching(answers, offset, stem_fmt)
    elif content.split("#", 1)[0].strip() in _TF:
        kind, spec = _true_false(content, offset, stem_fmt)
    else:
        hint = " (for true/false write {TRUE} or {FALSE} in capitals)" if content.upper() in _TF else ""
        raise GiftProblem(f"short-answer questions are not supported{hint}", open_at)
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


def _set(mapping: LineDict, block: _Block, hidden: str, key: str, value: Any, offset: int) -> None:
    mapping[key] = value
    mapping.key_lines[key] = _line(block, hidden, offset)


def _metadata(mapping: LineDict, block: _Block, kind: str, defaults: Mapping[str, Any]) -> None:
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


def _plain(raw: str, fmt: str, what: str, offset: int) -> str:
    text, problems = to_plain(raw, fmt)
    if problems:
        raise GiftProblem(f"{what}: {problems[0]}", offset)
    return text


def _segments(answers: str, markers: str, offset: int) -> list[tuple[str, str, int]]:
    """The answers split at each marker character: (marker, body, offset of the marker)."""
    found: list[tuple[str, str, int]] = []
    start = None
    for i, ch in enumerate(answers):
        if ch in markers:
            if start is None:
                if answers[:i].strip():
                    raise GiftProblem("text before the first answer (escape = ~ # as \\= \\~ \\#)", offset)
            else:
                found.append((answers[start], answers[start + 1 : i], offset + start))
            start = i
    if start is None:
        raise GiftProblem("no answers found", offset)
    found.append((answers[start], answers[start + 1 :], offset + start))
    return found


def _weight(body: str, at: int) -> tuple[Decimal | None, str]:
    """A leading %weight% (percent) and the rest of the answer."""
    match = _WEIGHT.match(body)
    if match is None:
        return None, body
    if not _NUMBER.fullmatch(match.group(1).strip()):
        raise GiftProblem(f"malformed weight %{restore(match.group(1))}%: write a percentage such as %50%", at)
    weight = Decimal(match.group(1).strip())
    if not -_HUNDRED <= weight <= _HUNDRED:
        raise GiftProblem(f"weight {weight}% is outside -100% to 100%", at)
    return weight, body[match.end() :]


def _text_and_feedback(body: str, fmt: str, at: int) -> tuple[str, str]:
    text, _, feedback = body.partition("#")
    text_fmt, text_raw = split_format(text.strip(), fmt)
    fb_fmt, fb_raw = split_format(feedback.strip(), fmt)
    return _plain(text_raw, text_fmt, "answer", at), _plain(fb_raw, fb_fmt, "feedback", at)


def _choice(answers: str, offset: int, fmt: str) -> tuple[str, dict[str, Any]]:
    """Single choice (one '=' answer) or multiple choice (~%w% weights), when the weights match our scoring."""
    options: list[dict[str, Any]] = []
    weights: list[Decimal | None] = []
    equals = 0
    for marker, body, at in _segments(answers, "~=", offset):
        weight, rest = _weight(body, at)
        if marker == "=":
            if weight is not None:
                raise GiftProblem("a weight after '=' is not read by Moodle: write ~%50%answer", at)
            equals += 1
        text, feedback = _text_and_feedback(rest, fmt, at)
        option: dict[str, Any] = {"text": text}
        if feedback:
            option["feedback"] = feedback
        options.append(option)
        weights.append(_HUNDRED if marker == "=" else weight)
    if equals:
        if equals > 1:
            raise GiftProblem(
                f"single choice needs exactly one '=' answer, has {equals} (several right answers: use ~%w% weights)",
                offset,
            )
        partial = [w for w, o in zip(weights, options, strict=True) if w not in (None, 0, _HUNDRED)]
        if partial:
            raise GiftProblem(
                f"partial or negative credit ({partial[0]}%) is not supported in single choice, which scores "
                "all or nothing: remove the weight or make it a multiple-answer question",
                offset,
            )
        for weight, option in zip(weights, options, strict=True):
            if weight == _HUNDRED:
                option["correct"] = True
        return "single", {"options": options}
    return "multiple", {"options": _multiple(options, weights, offset)}


def _multiple(options: list[dict[str, Any]], weights: list[Decimal | None], offset: int) -> list[dict[str, Any]]:
    """Our multiple choice scores (right picks − wrong picks) / keys: in Moodle weights, every key +100/K %
    and every other option −100/K %. Those map exactly; any other weights are a problem."""
    keys = [w for w in weights if w is not None and w > 0]
    if not keys:
        raise GiftProblem("no right answer: mark it with =answer, or give right answers ~%w% weights", offset)
    share = _HUNDRED / len(keys)
    expected = f"each right answer ~%{_percent(share)}% and each wrong answer ~%-{_percent(share)}%"
    for weight in weights:
        if weight is None or weight == 0:
            raise GiftProblem(
                f"a wrong answer without a negative weight: our multiple choice takes off for each wrong pick as much "
                f"as a right pick earns, so write {expected}",
                offset,
            )
        if abs(abs(weight) - share) > _WEIGHT_TOLERANCE:
            raise GiftProblem(
                f"weight {weight}% does not match our multiple-choice scoring: with {len(keys)} right answer(s) "
                f"write {expected}",
                offset,
            )
    for weight, option in zip(weights, options, strict=True):
        if weight is not None and weight > 0:
            option["correct"] = True
    return options


def _percent(value: Decimal) -> str:
    """A weight as Moodle writes it: at most five decimals (33.33333)."""
    return canonical(value.quantize(Decimal("0.00001")))


def _true_false(content: str, offset: int, fmt: str) -> tuple[str, dict[str, Any]]:
    """{T} / {FALSE}; with feedback (#wrong#right) it becomes single choice True/False carrying the feedback."""
    head, _, rest = content.partition("#")
    wrong_raw, _, right_raw = rest.partition("#")
    answer = _TF[head.strip()]
    feedback = []
    for raw in (wrong_raw, right_raw):
        raw_fmt, raw_text = split_format(raw.strip(), fmt)
        feedback.append(_plain(raw_text, raw_fmt, "feedback", offset))
    wrong, right = feedback
    if not wrong and not right:
        return "true_false", {"answer": answer}
    options: list[dict[str, Any]] = []
    for text in _TRUE_FALSE_OPTIONS:
        key = (text == "True") == answer
        option: dict[str, Any] = {"text": text}
        if key:
            option["correct"] = True
        if right if key else wrong:
            option["feedback"] = right if key else wrong
        options.append(option)
    return "single", {"options": options}


def _numeric(answers: str, offset: int, fmt: str) -> tuple[str, dict[str, Any]]:
    """{#1.5:0.25}, {#1.0..2.0} and several =%w% answers: full-credit ranges that join into one range map."""
    body = answers.strip()[1:]
    body_offset = offset + answers.index("#") + 1
    tilde = body.find("~")
    if tilde != -1:
        _, _, wrong_feedback = body[tilde + 1 :].partition("#")
        if restore(wrong_feedback).strip():
            raise GiftProblem("feedback for wrong numeric answers has no place here: move it to the general feedback")
        body = body[:tilde]
    if "=" in body:
        segments = [(b, at) for _, b, at in _segments(body, "=", body_offset)]
    else:
        segments = [(body, body_offset)]
    ranges: list[tuple[Decimal, Decimal]] = []
    for segment, at in segments:
        weight, rest = _weight(segment, at)
        value, _, feedback = rest.partition("#")
        if restore(feedback).strip():
            raise GiftProblem("per-answer feedback has no place in numeric questions: use the general feedback", at)
        low, high = _range(restore(value).strip(), at)
        if weight is None or weight == _HUNDRED:
            ranges.append((low, high))
        elif weight != 0:
            raise GiftProblem(f"partial credit ({weight}%) is not supported: numeric answers score all or nothing", at)
    if not ranges:
        raise GiftProblem("no numeric answer with full credit", body_offset)
    ranges.sort()
    low, high = ranges[0]
    for next_low, next_high in ranges[1:]:
        if next_low > high:
            raise GiftProblem("several right answers that do not join into one range: we accept one range", offset)
        high = max(high, next_high)
    answer, tolerance = (low + high) / 2, (high - low) / 2
    return "numeric", {"answer": canonical(answer), "tolerance": canonical(tolerance)}


def _range(value: str, at: int) -> tuple[Decimal, Decimal]:
    """answer:tolerance, min..max or a plain answer as the closed range it accepts."""
    if ".." in value:
        low_text, _, high_text = value.partition("..")
        low, high = to_decimal(low_text.strip()), to_decimal(high_text.strip())
        if low is None or high is None:
            raise GiftProblem(f"not a number range: {value!r}", at)
        if low > high:
            raise GiftProblem(f"range {value!r} starts above where it ends", at)
        return low, high
    answer_text, _, tolerance_text = value.partition(":")
    answer = to_decimal(answer_text.strip())
    tolerance = to_decimal(tolerance_text.strip()) if tolerance_text.strip() else Decimal(0)
    if answer is None or tolerance is None:
        raise GiftProblem(f"not a number with a tolerance: {value!r}", at)
    if tolerance < 0:
        raise GiftProblem(f"tolerance must be 0 or more: {value!r}", at)
    return answer - tolerance, answer + tolerance


def _matching(answers: str, offset: int, fmt: str) -> tuple[str, dict[str, Any]]:
    """=left -> right pairs; '= -> text' (no left) is a distractor."""
    pairs: list[dict[str, str]] = []
    distractors: list[str] = []
    for _, body, at in _segments(answers, "=", offset):
        if "->" not in body:
            raise GiftProblem("a matching answer needs 'left -> right'", at)
        if "#" in body:
            raise GiftProblem("matching answers take no feedback (escape a literal # as \\#)", at)
        if _WEIGHT.match(body):
            raise GiftProblem("matching answers take no weights", at)
        left_raw, _, right_raw = body.partition("->")
        left_fmt, left_text = split_format(left_raw.strip(), fmt)
        left = _plain(left_text, left_fmt, "left side", at)
        right = restore(right_raw).strip()
        if left:
            pairs.append({"left": left, "right": right})
        else:
            distractors.append(right)
    spec: dict[str, Any] = {"pairs": pairs}
    if distractors:
        spec["distractors"] = distractors
    return "matching", spec
