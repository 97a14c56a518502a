"""The registry of question types: validate, present, parse, grade and review, all pure."""

from __future__ import annotations

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
]
