"""Match each left item to a right-hand choice; several lefts may share one right."""

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
from quizapp.question_types.ordering import field_name

MIN_PAIRS = 2
PAIR_KEYS = frozenset({"left", "right"})


def choices(spec: Spec) -> list[str]:
    """The canonical choice list: distinct rights in pair order, then the distractors."""
    return list(dict.fromkeys([*(pair["right"] for pair in spec["pairs"]), *spec["distractors"]]))


class Matching(QuestionType):
    """Pairs of left and right; the answer holds, per left in key order, a canonical choice index or None."""

    key = "matching"
    label = "Matching"
    spec_keys = frozenset({"pairs", "distractors"})

    def validate(self, raw: Mapping[str, Any]) -> list[str]:
        """At least two well-formed pairs, distinct lefts, distractors that are not answers."""
        pairs = raw.get("pairs")
        if pairs is None:
            return ["missing key 'pairs'"]
        if not isinstance(pairs, list):
            return ["pairs must be a list"]
        problems: list[str] = []
        if len(pairs) < MIN_PAIRS:
            problems.append(f"needs at least {MIN_PAIRS} pairs, has {len(pairs)}")
        lefts: list[str] = []
        rights: list[str] = []
        for number, pair in enumerate(pairs, start=1):
            if not isinstance(pair, Mapping):
                problems.append(f"pair {number} must be a mapping with 'left' and 'right'")
                continue
            problems += [f"pair {number}: unknown key '{key}'" for key in unknown_keys(pair, PAIR_KEYS)]
            for side, found in (("left", lefts), ("right", rights)):
                problem = text_problem(pair.get(side), f"pair {number} {side}")
                if problem:
                    problems.append(problem)
                else:
                    found.append(pair[side].strip())
        problems += [f"duplicate left {text!r}" for text in duplicates(lefts)]
        distractors = raw.get("distractors") or []
        if not isinstance(distractors, list):
            return [*problems, "distractors must be a list of texts"]
        answers = {r.casefold() for r in rights}
        for number, distractor in enumerate(distractors, start=1):
            problem = text_problem(distractor, f"distractor {number}")
            if problem:
                problems.append(problem)
            elif distractor.strip().casefold() in answers:
                problems.append(f"distractor {distractor!r} is also a right-hand answer")
        texts = [d for d in distractors if isinstance(d, str)]
        problems += [f"duplicate distractor {text!r}" for text in duplicates(texts)]
        if not problems and len(set(rights)) + len(distractors) < 2:
            problems.append("offers only one choice; add a distractor")
        return problems

    def normalise(self, raw: Mapping[str, Any]) -> Spec:
        """Pairs with stripped texts and a distractor list, possibly empty."""
        return {
            "pairs": [{"left": p["left"].strip(), "right": p["right"].strip()} for p in raw["pairs"]],
            "distractors": [d.strip() for d in raw.get("distractors") or []],
        }

    def export(self, spec: Spec) -> dict[str, Any]:
        """Pairs, and distractors only if there are any."""
        exported: dict[str, Any] = {"pairs": [dict(p) for p in spec["pairs"]]}
        if spec["distractors"]:
            exported["distractors"] = list(spec["distractors"])
        return exported

    def make_shuffle(self, spec: Spec, rng: random.Random) -> Shuffle:
        """Lefts in any order; choices in an order that differs from the canonical one."""
        size = len(choices(spec))
        return {"lefts": shuffled(rng, len(spec["pairs"])), "choices": shuffled(rng, size, avoid=range(size))}

    def present(self, spec: Spec, shuffle: Shuffle) -> dict[str, Any]:
        """Lefts and choices in display order; choice values are display positions."""
        pairs, offered = spec["pairs"], choices(spec)
        lefts = order_of(shuffle, "lefts", len(pairs))
        shown = order_of(shuffle, "choices", len(offered))
        return {
            "lefts": [{"field": k, "text": pairs[i]["left"]} for k, i in enumerate(lefts)],
            "choices": [{"value": pos, "text": offered[c]} for pos, c in enumerate(shown)],
        }

    def parse(self, spec: Spec, shuffle: Shuffle, form: FormData, name: str = "answer") -> Parsed:
        """One choice (display position) per displayed left, blanks allowed."""
        pairs, offered = spec["pairs"], choices(spec)
        lefts = order_of(shuffle, "lefts", len(pairs))
        shown = order_of(shuffle, "choices", len(offered))
        answer: list[int | None] = [None] * len(pairs)
        for k, left in enumerate(lefts):
            value = form.get(field_name(name, k))
            if value in (None, ""):
                continue
            position = form_position(value, len(shown))
            if position is None:
                return Parsed(None, "Choose an answer from the list for each item.")
            answer[left] = shown[position]
        return Parsed(None if all(a is None for a in answer) else answer)

    def display_value(self, spec: Spec, shuffle: Shuffle, answer: Any) -> list[int | None] | None:
        """The display position of the saved choice for each displayed left."""
        pairs, offered = spec["pairs"], choices(spec)
        if not self._well_formed(answer, len(pairs), len(offered)):
            return None
        lefts = order_of(shuffle, "lefts", len(pairs))
        shown = order_of(shuffle, "choices", len(offered))
        return [None if answer[i] is None else shown.index(answer[i]) for i in lefts]

    def grade(self, spec: Spec, answer: Any, points: int = 1) -> Grade:
        """Share of lefts whose chosen text is their pair's right."""
        pairs, offered = spec["pairs"], choices(spec)
        if not pairs or not self._well_formed(answer, len(pairs), len(offered)):
            return zero_grade(points)
        right = sum(1 for pair, c in zip(pairs, answer, strict=True) if c is not None and offered[c] == pair["right"])
        return share_grade(Fraction(right, len(pairs)), points)

    def review(self, spec: Spec, shuffle: Shuffle, answer: Any) -> dict[str, Any]:
        """Per displayed left: the choice made and the right one."""
        pairs, offered = spec["pairs"], choices(spec)
        given = answer if self._well_formed(answer, len(pairs), len(offered)) else [None] * len(pairs)
        rows = []
        for i in order_of(shuffle, "lefts", len(pairs)):
            pick = given[i]
            chosen = None if pick is None else offered[pick]
            rows.append(
                {
                    "left": pairs[i]["left"],
                    "chosen": chosen,
                    "correct": pairs[i]["right"],
                    "right": chosen == pairs[i]["right"],
                }
            )
        answered = any(c is not None for c in given)
        return {
            "rows": rows,
            "answered": answered,
            "credit": credit(self.grade(spec, answer)),
            "answer_text": "; ".join(f"{r['left']} → {r['chosen'] or '(no answer)'}" for r in rows)
            if answered
            else None,
            "key_text": "; ".join(f"{r['left']} → {r['correct']}" for r in rows),
        }

    @staticmethod
    def _well_formed(answer: Any, size: int, offered: int) -> bool:
        return (
            isinstance(answer, list) and len(answer) == size and all(c is None or is_index(c, offered) for c in answer)
        )
