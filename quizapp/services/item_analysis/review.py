"""Flags and export of item analysis: why a question version needs a look, the review queue, the CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from quizapp.csv_export import csv_lines
from quizapp.services.item_analysis.arithmetic import ItemStats
from quizapp.services.item_analysis.queries import item_statistics

FACILITY_HIGH = 0.9
FACILITY_LOW = 0.2
EFFICIENCY_LOW = 0.15


@dataclass(frozen=True)
class ReviewItem:
    """A question version that needs an instructor's look, why, and where to edit it."""

    question_key: str
    version_number: int
    stem: str
    reasons: list[str]
    editor_url: str


def review_queue(
    session: Session, module_id: int, *, first_attempts_only: bool, editor_url: Callable[[str], str]
) -> list[ReviewItem]:
    """Question versions to look at, each with its reasons; editor_url(question_key) links to its editor."""
    queue = []
    for item in item_statistics(session, module_id, first_attempts_only=first_attempts_only):
        reasons = review_reasons(item)
        if reasons:
            queue.append(
                ReviewItem(item.question_key, item.version_number, item.stem, reasons, editor_url(item.question_key))
            )
    return queue


def review_reasons(item: ItemStats) -> list[str]:
    """Why a question version needs a look: too easy or hard, not discriminating, a dead distractor, a
    distractor more attractive than a key."""
    reasons = []
    if item.facility is not None and item.facility > FACILITY_HIGH:
        reasons.append(f"too easy: facility {item.facility:.0%} (over {FACILITY_HIGH:.0%})")
    if item.facility is not None and item.facility < FACILITY_LOW:
        reasons.append(f"too hard: facility {item.facility:.0%} (under {FACILITY_LOW:.0%})")
    if item.discrimination is not None and item.discrimination < 0:
        reasons.append(
            f"negative discrimination ({item.discrimination:.2f}): trainees who did well elsewhere did worse here"
        )
    if item.efficiency is not None and item.efficiency < EFFICIENCY_LOW:
        reasons.append(f"low discriminative efficiency: {item.efficiency:.0%} (under {EFFICIENCY_LOW:.0%})")
    distractors = [o for o in item.options if not o.correct]
    for option in distractors:
        if option.picks == 0 and item.responses:
            reasons.append(f"distractor nobody picks: “{option.text}”")
    most = max((o.picks for o in distractors), default=0)
    for option in item.options:
        if option.correct and option.picks < most:
            reasons.append(f"key “{option.text}” picked less often ({option.picks}) than a distractor ({most})")
    return reasons


def statistics_csv(session: Session, module_id: int, *, first_attempts_only: bool) -> Iterator[str]:
    """The item statistics as CSV lines (queried now, streamed later); percentages to two decimals."""
    items = item_statistics(session, module_id, first_attempts_only=first_attempts_only)
    header = [
        "Question",
        "Version",
        "Type",
        "Responses",
        "Facility index (%)",
        "Standard deviation (%)",
        "Discrimination index (%)",
        "Discriminative efficiency (%)",
        "Option picks",
        "Review",
        "Stem",
    ]
    rows = (
        [
            item.question_key,
            item.version_number,
            item.type,
            item.responses,
            _percent(item.facility),
            _percent(item.sd),
            _percent(item.discrimination),
            _percent(item.efficiency),
            "; ".join(f"{o.text}{' (key)' if o.correct else ''}: {o.picks}" for o in item.options),
            "; ".join(review_reasons(item)),
            item.stem,
        ]
        for item in items
    )
    return csv_lines(header, rows)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)
