"""Put items in order; partial credit by pairs in the right relative order."""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from itertools import combinations
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
    is_permutation,
    order_of,
    share_grade,
    shuffled,
    text_problem,
    zero_grade,
)

MIN_ITEMS = 3


def field_name(name: str, k: int) -> str:
    """The form field of the k-th displayed item (ordering and matching)."""
    return f"{name}-{k}"


class Ordering(QuestionType):
    """Items listed in the right order; the answer lists original indices in the trainee's order."""

    key = "ordering"
    label = "Put in order"
    spec_keys = frozenset({"items"})

    def validate(self, raw: Mapping[str, Any]) -> list[str]:
        """At least three distinct, non-empty items."""
        items = raw.get("items")
        if items is None:
            return ["missing key 'items'"]
        if not isinstance(items, list):
            return ["items must be a list"]
        problems = [p for n, item in enumerate(items, 1) if (p := text_problem(item, f"item {n}"))]
        if len(items) < MIN_ITEMS:
            problems.append(f"needs at least {MIN_ITEMS} items, has {len(items)}")
        texts = [i for i in items if isinstance(i, str)]
        problems += [f"duplicate item {text!r}" for text in duplicates(texts)]
        return problems

    def normalise(self, raw: Mapping[str, Any]) -> Spec:
        """The items in the right order."""
        return {"items": [item.strip() for item in raw["items"]]}

    def export(self, spec: Spec) -> dict[str, Any]:
        """The items as written."""
        return {"items": list(spec["items"])}

    def make_shuffle(self, spec: Spec, rng: random.Random) -> Shuffle:
        """A display order that is never the right order."""
        size = len(spec["items"])
        return {"items": shuffled(rng, size, avoid=range(size))}

    def present(self, spec: Spec, shuffle: Shuffle) -> dict[str, Any]:
        """Items in display order, each with its field, and the positions to choose from."""
        items = spec["items"]
        order = order_of(shuffle, "items", len(items))
        return {
            "items": [{"field": k, "text": items[i]} for k, i in enumerate(order)],
            "positions": list(range(1, len(items) + 1)),
        }

    def parse(self, spec: Spec, shuffle: Shuffle, form: FormData, name: str = "answer") -> Parsed:
        """One position (1..n) per displayed item, each used once."""
        size = len(spec["items"])
        order = order_of(shuffle, "items", size)
        values = [form.get(field_name(name, k)) for k in range(size)]
        if all(v in (None, "") for v in values):
            return Parsed(None)
        if any(v in (None, "") for v in values):
            return Parsed(None, f"Give every item a position from 1 to {size}.")
        checked = [form_position(v, size + 1) for v in values]
        positions = [p for p in checked if p]
        if len(positions) != size:
            return Parsed(None, f"Positions must be whole numbers from 1 to {size}.")
        repeated = sorted({p for p in positions if positions.count(p) > 1})
        if repeated:
            listed = ", ".join(str(p) for p in repeated)
            return Parsed(None, f"Each position can be used only once; you gave position {listed} more than once.")
        answer = [0] * size
        for k, position in enumerate(positions):
            answer[position - 1] = order[k]
        return Parsed(answer)

    def display_value(self, spec: Spec, shuffle: Shuffle, answer: Any) -> list[int] | None:
        """The saved position (1..n) of each displayed item."""
        size = len(spec["items"])
        if not is_permutation(answer, size):
            return None
        order = order_of(shuffle, "items", size)
        return [answer.index(i) + 1 for i in order]

    def grade(self, spec: Spec, answer: Any, points: int = 1) -> Grade:
        """Share of item pairs in the right relative order; full only for the exact order."""
        size = len(spec["items"])
        if not is_permutation(answer, size) or size < 2:
            return zero_grade(points)
        pairs = list(combinations(answer, 2))
        in_order = sum(1 for a, b in pairs if a < b)
        return share_grade(Fraction(in_order, len(pairs)), points)

    def review(self, spec: Spec, shuffle: Shuffle, answer: Any) -> dict[str, Any]:
        """The trainee's order beside the right order, row by row."""
        items = spec["items"]
        given = answer if is_permutation(answer, len(items)) else None
        rows = [
            {
                "position": n + 1,
                "given": None if given is None else items[given[n]],
                "correct": item,
                "right": given is not None and given[n] == n,
            }
            for n, item in enumerate(items)
        ]
        return {
            "rows": rows,
            "answered": given is not None,
            "credit": credit(self.grade(spec, answer)),
            "answer_text": None if given is None else " → ".join(items[i] for i in given),
            "key_text": " → ".join(items),
        }
