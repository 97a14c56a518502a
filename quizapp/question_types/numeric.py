"""Numeric answers with a tolerance and a unit, in Decimal throughout."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, DecimalException
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
    share_grade,
    zero_grade,
)

# Plain digits only: Decimal() alone would also take "nan", "inf", "1e3" and non-ASCII digits.
_TYPED = re.compile(r"\s*([+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+))\s*(.*?)\s*", re.DOTALL)
_MAX_TYPED = 40
# Far outside any measurement here; keeps str() of a normalised Decimal short.
_MAX_EXPONENT = 15


def to_decimal(value: Any) -> Decimal | None:
    """An int, float or numeric string as a finite Decimal of sensible size, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        # str() of a float is its shortest repr: YAML 0.1 becomes Decimal("0.1"), not 0.1000000000000000055.
        text = str(value)
    elif isinstance(value, str) and "_" not in value:
        # Decimal() would read "1_5" as 15.
        text = value.strip()
    else:
        return None
    try:
        number = Decimal(text)
    except DecimalException:
        return None
    if not number.is_finite() or (number and abs(number.adjusted()) > _MAX_EXPONENT):
        return None
    return number


def canonical(number: Decimal) -> str:
    """One string per value: no exponent, no trailing zeros, no negative zero ("1.50" -> "1.5")."""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def parse_typed(text: str, unit: str) -> Decimal | None:
    """A number typed by a trainee ("1.5", "1,5", "1.5 mm"), or None if it is not one in this unit."""
    if len(text) > _MAX_TYPED:
        return None
    match = _TYPED.fullmatch(text)
    if match is None:
        return None
    digits, suffix = match.groups()
    if suffix and suffix.casefold() != unit.strip().casefold():
        return None
    return Decimal(digits.replace(",", "."))


PLAUSIBLE_FACTOR = 100  # an answer this many times beyond the question's own key and tolerance is a typo


def plausible_range(spec: Spec) -> tuple[Decimal, Decimal]:
    """The answers worth storing: never negative when the key is not, and far enough beyond the key
    that the bound tells nothing about it."""
    key, tolerance = to_decimal(spec["answer"]) or Decimal(0), to_decimal(spec["tolerance"]) or Decimal(0)
    bound = max(Decimal(1), abs(key) + tolerance) * PLAUSIBLE_FACTOR
    return (Decimal(0) if key - tolerance >= 0 else -bound), bound


class Numeric(QuestionType):
    """Right when |given − answer| <= tolerance; the answer is a canonical decimal string."""

    key = "numeric"
    label = "Number"
    spec_keys = frozenset({"answer", "tolerance", "unit"})

    def validate(self, raw: Mapping[str, Any]) -> list[str]:
        """Answer and tolerance are finite numbers, tolerance >= 0, unit is text."""
        problems: list[str] = []
        for key in ("answer", "tolerance"):
            if key not in raw:
                problems.append(f"missing key '{key}'")
            elif to_decimal(raw[key]) is None:
                problems.append(f"{key} must be a finite number, not {raw[key]!r}")
        tolerance = to_decimal(raw.get("tolerance"))
        if tolerance is not None and tolerance < 0:
            problems.append(f"tolerance must be 0 or more, not {raw['tolerance']!r}")
        if "unit" not in raw:
            problems.append("missing key 'unit'")
        elif not isinstance(raw["unit"], str) or not raw["unit"].strip():
            problems.append("unit must be non-empty text such as 'mm'")
        return problems

    def normalise(self, raw: Mapping[str, Any]) -> Spec:
        """Answer and tolerance as canonical decimal strings."""
        answer, tolerance = to_decimal(raw["answer"]), to_decimal(raw["tolerance"])
        if answer is None or tolerance is None:
            raise ValueError("normalise() takes only a question that validate() accepted")
        return {"answer": canonical(answer), "tolerance": canonical(tolerance), "unit": raw["unit"].strip()}

    def export(self, spec: Spec) -> dict[str, Any]:
        """Answer and tolerance as numbers."""
        return {
            "answer": Decimal(spec["answer"]),
            "tolerance": Decimal(spec["tolerance"]),
            "unit": spec["unit"],
        }

    def present(self, spec: Spec, shuffle: Shuffle) -> dict[str, Any]:
        """Only the unit."""
        return {"unit": spec["unit"]}

    def parse(self, spec: Spec, shuffle: Shuffle, form: FormData, name: str = "answer") -> Parsed:
        """The typed number as a canonical string; empty is unanswered."""
        text = form.get(name)
        if text is None or not str(text).strip():
            return Parsed(None)
        number = parse_typed(str(text), spec["unit"])
        if number is None:
            return Parsed(None, f"Enter a number in {spec['unit']}, e.g. 0.5")
        lowest, highest = plausible_range(spec)
        if number < lowest == 0:
            return Parsed(None, f"The answer cannot be negative: enter a number of {spec['unit']} from 0 up.")
        if not lowest <= number <= highest:
            return Parsed(None, f"{text.strip()} is not a plausible answer here: check the number and the unit.")
        return Parsed(canonical(number))

    def display_value(self, spec: Spec, shuffle: Shuffle, answer: Any) -> str | None:
        """The saved number as typed back into the box."""
        return answer if isinstance(answer, str) and to_decimal(answer) is not None else None

    def grade(self, spec: Spec, answer: Any, points: int = 1) -> Grade:
        """All points within the tolerance, none outside."""
        given = to_decimal(answer) if isinstance(answer, str) else None
        key, tolerance = to_decimal(spec["answer"]), to_decimal(spec["tolerance"])
        if given is None or key is None or tolerance is None:
            return zero_grade(points)
        try:
            inside = abs(given - key) <= tolerance
        except DecimalException:
            return zero_grade(points)
        return share_grade(Fraction(1), points) if inside else zero_grade(points)

    def review(self, spec: Spec, shuffle: Shuffle, answer: Any) -> dict[str, Any]:
        """The number given and the accepted range in words."""
        unit = spec["unit"]
        given = self.display_value(spec, shuffle, answer)
        key, tolerance = Decimal(spec["answer"]), Decimal(spec["tolerance"])
        key_text = f"{spec['answer']} {unit}"
        if tolerance:
            key_text += f" (accepted {canonical(key - tolerance)}–{canonical(key + tolerance)} {unit})"
        return {
            "answered": given is not None,
            "credit": credit(self.grade(spec, answer)),
            "answer_text": None if given is None else f"{given} {unit}",
            "key_text": key_text,
            "unit": unit,
        }
