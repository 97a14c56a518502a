"""The registry of question types: validate, present, parse, grade and review, all pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizapp.question_types.base import (
    FormData,
    Grade,
    Parsed,
    QuestionType,
    Shuffle,
    Spec,
    UnknownQuestionType,
    content_hash,
)
from quizapp.question_types.choice import MultipleChoice, SingleChoice, TrueFalse
from quizapp.question_types.matching import Matching, choices
from quizapp.question_types.numeric import Numeric
from quizapp.question_types.ordering import Ordering

QUESTION_TYPES: dict[str, QuestionType] = {
    t.key: t for t in (SingleChoice(), MultipleChoice(), TrueFalse(), Numeric(), Ordering(), Matching())
}


def key_answer(type_key: str, spec: Mapping[str, Any]) -> Any:
    """The canonical answer that earns full marks (the review preview, demo data and tests use it)."""
    if type_key == "single":
        return next(i for i, o in enumerate(spec["options"]) if o["correct"])
    if type_key == "multiple":
        return [i for i, o in enumerate(spec["options"]) if o["correct"]]
    if type_key in ("true_false", "numeric"):
        return spec["answer"]
    if type_key == "ordering":
        return list(range(len(spec["items"])))
    if type_key == "matching":
        offered = choices(dict(spec))
        return [offered.index(p["right"]) for p in spec["pairs"]]
    raise UnknownQuestionType(f"unknown question type {type_key!r}")


def get_type(key: str) -> QuestionType:
    """The registered type for a key; UnknownQuestionType if there is none."""
    try:
        return QUESTION_TYPES[key]
    except (KeyError, TypeError):
        raise UnknownQuestionType(f"unknown question type {key!r}") from None


__all__ = [
    "QUESTION_TYPES",
    "FormData",
    "Grade",
    "Parsed",
    "QuestionType",
    "Shuffle",
    "Spec",
    "UnknownQuestionType",
    "choices",
    "content_hash",
    "get_type",
    "key_answer",
]
