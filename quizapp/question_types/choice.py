"""Single choice, multiple choice and true/false."""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from quizapp.question_types.base import (
    FormData,
    Grade,
    Parsed,
    QuestionType,
    Shuffle,
    Spec,
    credit,
    duplicates,
    form_position,
    is_index,
    order_of,
    share_grade,
    shuffled,
    text_problem,
    unknown_keys,
    zero_grade,
)

OPTION_KEYS = frozenset({"text", "correct", "feedback"})


class _Choice(QuestionType):
    """Options with one or more marked correct; shared by single and multiple."""

    spec_keys = frozenset({"options"})

    def validate(self, raw: Mapping[str, Any]) -> list[str]:
        """Problems with the options list."""
        options = raw.get("options")
        if options is None:
            return ["missing key 'options'"]
        if not isinstance(options, list):
            return ["options must be a list"]
        problems: list[str] = []
        if len(options) < 2:
            problems.append(f"needs at least 2 options, has {len(options)}")
        texts: list[str] = []
        correct = 0
        for number, option in enumerate(options, start=1):
            if not isinstance(option, Mapping):
                problems.append(f"option {number} must be a mapping with 'text'")
                continue
            for key in unknown_keys(option, OPTION_KEYS):
                problems.append(f"option {number}: unknown key '{key}'")
            problem = text_problem(option.get("text"), f"option {number} text")
            if problem:
                problems.append(problem)
            else:
                texts.append(option["text"])
            if not isinstance(option.get("correct", False), bool):
                problems.append(f"option {number}: correct must be true or false")
            elif option.get("correct", False):
                correct += 1
            feedback = option.get("feedback", "")
            if not isinstance(feedback, str):
                problems.append(f"option {number}: feedback must be text")
        problems += [f"duplicate option text {text!r}" for text in duplicates(texts)]
        problems += self._count_problems(correct)
        return problems

    def _count_problems(self, correct: int) -> list[str]:
        raise NotImplementedError

    def normalise(self, raw: Mapping[str, Any]) -> Spec:
        """Options with text, correct and feedback always present."""
        return {
            "options": [
                {
                    "text": o["text"].strip(),
                    "correct": o.get("correct", False),
                    "feedback": (o.get("feedback") or "").strip(),
                }
                for o in raw["options"]
            ]
        }

    def export(self, spec: Spec) -> dict[str, Any]:
        """Options without the default correct: false and empty feedback."""
        options = []
        for o in spec["options"]:
            option: dict[str, Any] = {"text": o["text"]}
            if o["correct"]:
                option["correct"] = True
            if o["feedback"]:
                option["feedback"] = o["feedback"]
            options.append(option)
        return {"options": options}

    def make_shuffle(self, spec: Spec, rng: random.Random) -> Shuffle:
        """Original option indices in display order."""
        return {"options": shuffled(rng, len(spec["options"]))}

    def present(self, spec: Spec, shuffle: Shuffle) -> dict[str, Any]:
        """Option texts in display order; values are display positions."""
        options = spec["options"]
        order = order_of(shuffle, "options", len(options))
        return {"options": [{"value": pos, "text": options[i]["text"]} for pos, i in enumerate(order)]}

    def _picked(self, answer: Any, size: int) -> set[int]:
        raise NotImplementedError

    def review(self, spec: Spec, shuffle: Shuffle, answer: Any) -> dict[str, Any]:
        """Every option in display order with picked, correct and feedback."""
        options = spec["options"]
        picked = self._picked(answer, len(options))
        order = order_of(shuffle, "options", len(options))
        rows = [
            {
                "text": options[i]["text"],
                "picked": i in picked,
                "correct": options[i]["correct"],
                "feedback": options[i]["feedback"],
            }
            for i in order
        ]
        return {
            "options": rows,
            "answered": bool(picked),
            "credit": credit(self.grade(spec, answer)),
            "answer_text": "; ".join(r["text"] for r in rows if r["picked"]) or None,
            "key_text": "; ".join(r["text"] for r in rows if r["correct"]),
        }


class SingleChoice(_Choice):
    """One correct option; the answer is its original index."""

    key = "single"
    label = "Single choice"

    def _count_problems(self, correct: int) -> list[str]:
        return [] if correct == 1 else [f"needs exactly one correct option, has {correct}"]

    def parse(self, spec: Spec, shuffle: Shuffle, form: FormData, name: str = "answer") -> Parsed:
        """The picked option as an original index."""
        values = [v for v in form.getlist(name) if v != ""]
        if not values:
            return Parsed(None)
        order = order_of(shuffle, "options", len(spec["options"]))
        position = form_position(values[0], len(order))
        if len(values) > 1 or position is None:
            return Parsed(None, "Choose one of the options.")
        return Parsed(order[position])

    def display_value(self, spec: Spec, shuffle: Shuffle, answer: Any) -> int | None:
        """The display position of the saved option."""
        order = order_of(shuffle, "options", len(spec["options"]))
        return order.index(answer) if is_index(answer, len(order)) else None

    def grade(self, spec: Spec, answer: Any, points: int = 1) -> Grade:
        """All points for the correct option, none otherwise."""
        options = spec["options"]
        if not is_index(answer, len(options)) or not options[answer]["correct"]:
            return zero_grade(points)
        return share_grade(Fraction(1), points)

    def _picked(self, answer: Any, size: int) -> set[int]:
        return {answer} if is_index(answer, size) else set()


class MultipleChoice(_Choice):
    """Any number of correct options; the answer is the sorted list of original indices picked."""

    key = "multiple"
    label = "Multiple choice"

    def _count_problems(self, correct: int) -> list[str]:
        return [] if correct >= 1 else ["needs at least one correct option, has none"]

    def parse(self, spec: Spec, shuffle: Shuffle, form: FormData, name: str = "answer") -> Parsed:
        """The ticked options as sorted original indices."""
        values = [v for v in form.getlist(name) if v != ""]
        if not values:
            return Parsed(None)
        order = order_of(shuffle, "options", len(spec["options"]))
        positions = [form_position(v, len(order)) for v in values]
        if None in positions:
            return Parsed(None, "Choose only from the listed options.")
        return Parsed(sorted({order[p] for p in positions if p is not None}))

    def display_value(self, spec: Spec, shuffle: Shuffle, answer: Any) -> list[int] | None:
        """Display positions of the saved options."""
        order = order_of(shuffle, "options", len(spec["options"]))
        picked = self._picked(answer, len(order))
        return sorted(order.index(i) for i in picked) if picked else None

    def grade(self, spec: Spec, answer: Any, points: int = 1) -> Grade:
        """(correct picks − wrong picks) / number of correct options, at least 0."""
        options = spec["options"]
        key = {i for i, o in enumerate(options) if o["correct"]}
        picked = self._picked(answer, len(options))
        if not key or not picked:
            return zero_grade(points)
        return share_grade(Fraction(len(picked & key) - len(picked - key), len(key)), points)

    def _picked(self, answer: Any, size: int) -> set[int]:
        valid = isinstance(answer, list) and all(is_index(i, size) for i in answer) and len(set(answer)) == len(answer)
        return set(answer) if valid else set()


class TrueFalse(QuestionType):
    """A statement that is true or false; the answer is a bool."""

    key = "true_false"
    label = "True or false"
    spec_keys = frozenset({"answer"})

    def validate(self, raw: Mapping[str, Any]) -> list[str]:
        """The answer must be a YAML bool."""
        if "answer" not in raw:
            return ["missing key 'answer'"]
        if not isinstance(raw["answer"], bool):
            return [f"answer must be true or false, not {raw['answer']!r}"]
        return []

    def normalise(self, raw: Mapping[str, Any]) -> Spec:
        """The answer as a bool."""
        return {"answer": raw["answer"]}

    def export(self, spec: Spec) -> dict[str, Any]:
        """The answer as written."""
        return {"answer": spec["answer"]}

    def present(self, spec: Spec, shuffle: Shuffle) -> dict[str, Any]:
        """The two choices, True first."""
        return {"options": [{"value": "true", "text": "True"}, {"value": "false", "text": "False"}]}

    def parse(self, spec: Spec, shuffle: Shuffle, form: FormData, name: str = "answer") -> Parsed:
        """'true' or 'false' as a bool."""
        value = form.get(name)
        if value in (None, ""):
            return Parsed(None)
        if value not in ("true", "false"):
            return Parsed(None, "Choose True or False.")
        return Parsed(value == "true")

    def display_value(self, spec: Spec, shuffle: Shuffle, answer: Any) -> str | None:
        """The form value of the saved answer."""
        return ("true" if answer else "false") if isinstance(answer, bool) else None

    def grade(self, spec: Spec, answer: Any, points: int = 1) -> Grade:
        """All points for the right bool."""
        if not isinstance(answer, bool) or answer != spec["answer"]:
            return zero_grade(points)
        return share_grade(Fraction(1), points)

    def review(self, spec: Spec, shuffle: Shuffle, answer: Any) -> dict[str, Any]:
        """The answer and the key as True/False."""
        given = answer if isinstance(answer, bool) else None
        return {
            "options": [
                {"text": "True", "picked": given is True, "correct": spec["answer"] is True, "feedback": ""},
                {
                    "text": "False",
                    "picked": given is False,
                    "correct": spec["answer"] is False,
                    "feedback": "",
                },
            ],
            "answered": given is not None,
            "credit": credit(self.grade(spec, answer)),
            "answer_text": None if given is None else str(given),
            "key_text": str(spec["answer"]),
        }
