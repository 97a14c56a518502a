"""The shape every question type shares, and the small pure helpers the six types use."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Protocol

Spec = dict[str, Any]
Shuffle = dict[str, Any]

_POSITION = re.compile(r"[0-9]{1,6}")

APPROVED = "approved"


def is_usable(review_status: str, assessed: bool, retired: bool) -> bool:
    """The one rule for a question that may be drawn into a graded attempt: approved, assessed, not
    retired. `Question.usable` applies it to rows (and in SQL); the bank loader to file entries."""
    return review_status == APPROVED and assessed and not retired


class FormData(Protocol):
    """What parse() needs from a submitted form (a Werkzeug MultiDict fits)."""

    def get(self, key: str, /) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


@dataclass(frozen=True)
class Grade:
    """Points awarded out of points possible; full means nothing was missed."""

    awarded: Fraction
    possible: Fraction
    full: bool


@dataclass(frozen=True)
class Parsed:
    """A canonical answer from a form (None when unanswered or unusable) and a message for the trainee."""

    answer: Any
    error: str | None = None


class UnknownQuestionType(LookupError):
    """No question type is registered under this key."""


class QuestionType:
    """Base of the question types: stateless, every method pure."""

    key: ClassVar[str]
    label: ClassVar[str]
    spec_keys: ClassVar[frozenset[str]]

    @property
    def template(self) -> str:
        """The partial that renders the inputs."""
        return f"questions/_{self.key}.html"

    @property
    def review_template(self) -> str:
        """The partial that renders the graded answer."""
        return f"questions/_review_{self.key}.html"

    def validate(self, raw: Mapping[str, Any]) -> list[str]:
        """Problems with the type-specific keys of a question mapping read from YAML."""
        raise NotImplementedError

    def normalise(self, raw: Mapping[str, Any]) -> Spec:
        """The stored, JSON-safe spec of a valid question mapping, defaults filled in."""
        raise NotImplementedError

    def export(self, spec: Spec) -> dict[str, Any]:
        """The spec as an author writes it in a bank file, defaults left out."""
        raise NotImplementedError

    def make_shuffle(self, spec: Spec, rng: random.Random) -> Shuffle:
        """The presentation order to store with an attempt."""
        return {}

    def present(self, spec: Spec, shuffle: Shuffle) -> dict[str, Any]:
        """What the quiz page may show: nothing about the key."""
        raise NotImplementedError

    def parse(self, spec: Spec, shuffle: Shuffle, form: FormData, name: str = "answer") -> Parsed:
        """The canonical answer from the submitted form, or a message."""
        raise NotImplementedError

    def display_value(self, spec: Spec, shuffle: Shuffle, answer: Any) -> Any:
        """A saved canonical answer as the form should show it pre-selected."""
        raise NotImplementedError

    def grade(self, spec: Spec, answer: Any, points: int = 1) -> Grade:
        """Points for an answer; a missing or malformed answer scores 0."""
        raise NotImplementedError

    def review(self, spec: Spec, shuffle: Shuffle, answer: Any) -> dict[str, Any]:
        """What the review partial shows: the answer, the key, and what was right."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key!r}>"


def content_hash(fields: Mapping[str, Any]) -> str:
    """Sha256 of the canonical JSON of a question version's fields."""
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def share_grade(share: Fraction, points: int) -> Grade:
    """A Grade for a share of the points, clamped to [0, 1]."""
    share = min(max(share, Fraction(0)), Fraction(1))
    return Grade(awarded=share * points, possible=Fraction(points), full=share == 1)


def credit(grade: Grade) -> str:
    """The grade in a word for the review page: full, partial or none."""
    if grade.full:
        return "full"
    return "partial" if grade.awarded > 0 else "none"


def zero_grade(points: int) -> Grade:
    """Nothing awarded."""
    return share_grade(Fraction(0), points)


def is_index(value: Any, size: int) -> bool:
    """True for an int (not a bool) in range(size)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def is_permutation(value: Any, size: int) -> bool:
    """True for a list holding each of range(size) exactly once."""
    return (
        isinstance(value, list)
        and len(value) == size
        and all(is_index(v, size) for v in value)
        and len(set(value)) == size
    )


def order_of(shuffle: Any, field: str, size: int) -> list[int]:
    """The stored display order, or the key order if the stored one does not fit the spec."""
    order = shuffle.get(field) if isinstance(shuffle, Mapping) else None
    return [int(i) for i in order] if order is not None and is_permutation(order, size) else list(range(size))


def shuffled(rng: random.Random, size: int, avoid: Sequence[int] | None = None) -> list[int]:
    """A random order of range(size), redrawn until it differs from `avoid` when that is possible."""
    order = list(range(size))
    rng.shuffle(order)
    if avoid is not None and size > 1:
        while order == list(avoid):
            rng.shuffle(order)
    return order


def form_position(value: Any, size: int) -> int | None:
    """A form value as an index in range(size), or None if it is not one."""
    if not isinstance(value, str) or not _POSITION.fullmatch(value.strip()):
        return None
    position = int(value)
    return position if position < size else None


def is_text(value: Any) -> bool:
    """True for a string with something besides whitespace."""
    return isinstance(value, str) and bool(value.strip())


def text_problem(value: Any, what: str) -> str | None:
    """Why a value is not usable as display text, or None."""
    if value is None:
        return f"{what} is missing"
    if not isinstance(value, str):
        return f"{what} must be text; put quotes around {value!r}"
    if not value.strip():
        return f"{what} is empty"
    return None


def duplicates(texts: Sequence[str]) -> list[str]:
    """Texts that occur more than once, ignoring case and surrounding space."""
    seen: set[str] = set()
    repeated: list[str] = []
    for text in texts:
        folded = text.strip().casefold()
        if folded in seen and text not in repeated:
            repeated.append(text)
        seen.add(folded)
    return repeated


def unknown_keys(mapping: Mapping[Any, Any], allowed: frozenset[str]) -> list[str]:
    """Keys of a mapping that are not allowed, in their file order."""
    return [str(k) for k in mapping if k not in allowed]
