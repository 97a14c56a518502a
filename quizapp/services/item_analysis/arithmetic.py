"""The arithmetic of item analysis, pure (no database): the result types, and the statistics of one question
version or of a test computed from the sums the queries return (formulas in quizapp.services.item_analysis)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quizapp.charts import BarChart

CHOICE_TYPES = ("single", "multiple", "true_false")
_EPSILON = 1e-12  # variances this small are float noise around 0


@dataclass(frozen=True)
class OptionPicks:
    """How often one option of a choice question was picked, out of the question's responses."""

    text: str
    correct: bool
    picks: int
    share: float


@dataclass(frozen=True)
class ItemStats:
    """Statistics of one question version; None where the data cannot give a value (too few or no spread)."""

    question_key: str
    version_id: int
    version_number: int
    type: str
    stem: str
    points: int
    responses: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    options: list[OptionPicks] = field(default_factory=list)
    unanswered: int = 0


@dataclass(frozen=True)
class ModuleStats:
    """Test statistics of a module: percentages of possible marks; alpha over `alpha_attempts` attempts."""

    attempts: int
    mean: float | None
    sd: float | None
    alpha: float | None
    alpha_attempts: int
    questions_per_attempt: int | None
    error_ratio: float | None
    sem: float | None
    histogram: BarChart


@dataclass
class Sums:
    """What one statement returns for a question version: sums, value counts for C_max, answer counts."""

    n: int = 0
    sx: float = 0.0
    sxx: float = 0.0
    ny: int = 0
    sx_y: float = 0.0
    sxx_y: float = 0.0
    sy: float = 0.0
    syy: float = 0.0
    sxy: float = 0.0
    x_runs: list[tuple[float, int]] = field(default_factory=list)
    y_runs: list[tuple[float, int]] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _pair_sorted(xs: list[tuple[float, int]], ys: list[tuple[float, int]]) -> float:
    """Σ x₍ₖ₎ y₍ₖ₎ for two run-length lists (value, count) of equal total length, each sorted."""
    xs, ys = sorted(xs), sorted(ys)
    total, i, j = 0.0, 0, 0
    left_x = xs[0][1] if xs else 0
    left_y = ys[0][1] if ys else 0
    while i < len(xs) and j < len(ys):
        step = min(left_x, left_y)
        total += step * xs[i][0] * ys[j][0]
        left_x -= step
        left_y -= step
        if not left_x:
            i += 1
            left_x = xs[i][1] if i < len(xs) else 0
        if not left_y:
            j += 1
            left_y = ys[j][1] if j < len(ys) else 0
    return total


def item_stats(version: Any, sums: Sums) -> ItemStats:
    """One version's statistics from its sums; `version` is a row of the versions query (key, type, spec...)."""
    n, ny = sums.n, sums.ny
    variance = sample_variance(n, sums.sx, sums.sxx)
    discrimination = efficiency = None
    if ny > 1:
        cov = (sums.sxy - sums.sx_y * sums.sy / ny) / (ny - 1)
        var_x = (sums.sxx_y - sums.sx_y**2 / ny) / (ny - 1)
        var_y = (sums.syy - sums.sy**2 / ny) / (ny - 1)
        if var_x > _EPSILON and var_y > _EPSILON:
            discrimination = cov / math.sqrt(var_x * var_y)
        cov_max = (_pair_sorted(sums.x_runs, sums.y_runs) - sums.sx_y * sums.sy / ny) / (ny - 1)
        if cov_max > _EPSILON:
            efficiency = cov / cov_max
    options, unanswered = _options(version.type, version.spec, sums.answers, n)
    return ItemStats(
        question_key=version.key,
        version_id=version.id,
        version_number=version.number,
        type=version.type,
        stem=version.stem,
        points=version.points,
        responses=n,
        facility=sums.sx / n if n else None,
        sd=math.sqrt(variance) if variance is not None else None,
        discrimination=discrimination,
        efficiency=efficiency,
        options=options,
        unanswered=unanswered,
    )


def _options(kind: str, spec: dict[str, Any], answers: dict[str, int], n: int) -> tuple[list[OptionPicks], int]:
    """Picks per option from the counts of distinct answers: an index (single), a list of indices
    (multiple) or a bool (true_false); anything else is unanswered."""
    if kind == "true_false":
        texts, keys = ["True", "False"], [spec["answer"] is True, spec["answer"] is False]
    elif kind in CHOICE_TYPES:
        texts, keys = [o["text"] for o in spec["options"]], [bool(o["correct"]) for o in spec["options"]]
    else:
        return [], 0
    picks = [0] * len(texts)
    unanswered = 0
    for text, count in answers.items():
        value = json.loads(text)
        if kind == "true_false" and isinstance(value, bool):
            chosen = [0 if value else 1]
        elif kind == "single" and isinstance(value, int) and not isinstance(value, bool):
            chosen = [value]
        elif kind == "multiple" and isinstance(value, list):
            chosen = [v for v in set(value) if isinstance(v, int) and not isinstance(v, bool)]
        else:
            chosen = []
        chosen = [i for i in chosen if 0 <= i < len(texts)]
        if not chosen:
            unanswered += count
        for index in chosen:
            picks[index] += count
    options = [
        OptionPicks(text, key, count, count / n if n else 0.0)
        for text, key, count in zip(texts, keys, picks, strict=True)
    ]
    return options, unanswered


def sample_variance(n: int, total: float | None, squares: float | None) -> float | None:
    """Sample variance (n − 1) from a count, a sum and a sum of squares."""
    if n < 2 or total is None or squares is None:
        return None
    return max((squares - total * total / n) / (n - 1), 0.0)


def cronbach_alpha(groups: Sequence[Any], positions: Sequence[Any]) -> tuple[float | None, int, int | None]:
    """Cronbach's α over the attempts with the most common question count (ties: the larger count)."""
    if not groups:
        return None, 0, None
    group = max(groups, key=lambda g: (g[1], g[0]))
    k, n = group[0], group[1]
    total_variance = sample_variance(n, group[4], group[5])
    item_variances = [sample_variance(p[2], p[3], p[4]) for p in positions if p[0] == k]
    if k is None or k < 2 or total_variance is None or total_variance <= _EPSILON or None in item_variances:
        return None, n, k
    alpha = k / (k - 1) * (1 - sum(v for v in item_variances if v is not None) / total_variance)
    return alpha, n, k
