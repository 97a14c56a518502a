"""Reading the answers of one GIFT question (what sits between its braces) into our question type and its spec:
single and multiple choice with their weights, true/false, numeric ranges, matching pairs."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from quizapp.gift.blocks import GiftProblem
from quizapp.gift.text import restore, split_format, to_plain
from quizapp.question_types.numeric import canonical, to_decimal

_WEIGHT = re.compile(r"\s*%([^%]*)%")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_HUNDRED = Decimal(100)
# Moodle writes 1/3 as 33.33333%: a weight this close to the one our scoring implies is that weight.
_WEIGHT_TOLERANCE = Decimal("0.001")
_TRUE_FALSE_OPTIONS = ("True", "False")


def read_answers(answers: str, open_at: int, fmt: str) -> tuple[str, dict[str, Any]]:
    """The type and spec the answers (found after the '{' at open_at; not empty) are written for."""
    offset = open_at + 1
    content = answers.strip()
    if content.startswith("#"):
        return _numeric(answers, offset, fmt)
    if "~" in content:
        return _choice(answers, offset, fmt)
    if "=" in content and "->" in content:
        return _matching(answers, offset, fmt)
    if content.split("#", 1)[0].strip() in _TF:
        return _true_false(content, offset, fmt)
    hint = " (for true/false write {TRUE} or {FALSE} in capitals)" if content.upper() in _TF else ""
    raise GiftProblem(f"short-answer questions are not supported{hint}", open_at)


def plain(raw: str, fmt: str, what: str, offset: int) -> str:
    """The text read into plain text from its format, or a GiftProblem naming `what` held it."""
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
    return plain(text_raw, text_fmt, "answer", at), plain(fb_raw, fb_fmt, "feedback", at)


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
        feedback.append(plain(raw_text, raw_fmt, "feedback", offset))
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
        left = plain(left_text, left_fmt, "left side", at)
        right = restore(right_raw).strip()
        if left:
            pairs.append({"left": left, "right": right})
        else:
            distractors.append(right)
    spec: dict[str, Any] = {"pairs": pairs}
    if distractors:
        spec["distractors"] = distractors
    return "matching", spec
