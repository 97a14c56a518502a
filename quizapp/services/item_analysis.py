"""Item analysis of a module's graded attempts: question statistics, test statistics, a review queue, CSV.

Formulas as Moodle defines them ("Quiz statistics calculations", https://docs.moodle.org/dev/Quiz_statistics_calculations,
and its implementation question/classes/statistics/questions/calculator.php), adapted to random draws:

- Only submitted or expired (graded) attempts count, and only questions that are `assessed` (practice items
  never reach a graded attempt). `first_attempts_only` keeps each trainee's first graded attempt (Moodle's
  default, because later attempts break the assumptions of item analysis); otherwise every attempt counts as
  if by a different trainee.
- Per question version, over its n responses: x = the response's score as a fraction of the question's
  points; y = the rest of the attempt, (attempt score − x's marks) / (attempt possible − the question's points),
  so attempts that drew different questions stay comparable.
- Facility index F = mean(x). Standard deviation SD = sqrt(Σ(x − F)² / (n − 1)).
- Discrimination index D = r(x, y) = C(x, y) / sqrt(V(x) V(y)), the corrected item-total correlation
  (Moodle shows 100 D). Discriminative efficiency DE = C(x, y) / C_max(x, y), where C_max pairs the sorted x
  with the sorted y: the largest covariance these two sets of values allow (Moodle shows 100 DE).
- Test: mean and SD of the attempt percentages; coefficient of internal consistency (Cronbach's α, which is
  KR-20 when every item scores 0 or full marks) α = k / (k − 1) × (1 − Σ V(mark at position p) / V(total)),
  over the attempts with the most common number of questions k (positions play Moodle's quiz slots); error ratio
  ER = 100 √(1 − α) %; standard error of measurement SEM = ER / 100 × SD (in percentage points).

Everything comes from SQL aggregates grouped by question version (sums of x, x², y, y², xy; the counts of
each distinct x and y value, from which the sorted pairing for C_max is walked; the counts of each distinct
answer for option picks): a fixed number of queries whatever the number of responses, and no Python loop
over responses.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, Subquery, Text, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from quizapp.charts import Bar, BarChart, bar_chart
from quizapp.csv_export import csv_lines
from quizapp.models import AttemptStatus, Question, QuestionVersion, QuizAttempt, Response

GRADED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
CHOICE_TYPES = ("single", "multiple", "true_false")
FACILITY_HIGH = 0.9
FACILITY_LOW = 0.2
EFFICIENCY_LOW = 0.15
HISTOGRAM_BANDS = 10
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


@dataclass(frozen=True)
class ReviewItem:
    """A question version that needs an instructor's look, why, and where to edit it."""

    question_key: str
    version_number: int
    stem: str
    reasons: list[str]
    editor_url: str


def item_statistics(session: Session, module_id: int, *, first_attempts_only: bool) -> list[ItemStats]:
    """Per question version of the module, in bank order (two queries)."""
    sums = _item_sums(session, _attempts(module_id, first_attempts_only))
    return [_item(version, sums[version.id]) for version in _versions(session, list(sums))]


def module_statistics(session: Session, module_id: int, *, first_attempts_only: bool) -> ModuleStats:
    """Attempts, mean, SD, Cronbach's α, error ratio, SEM and the score histogram (two queries)."""
    attempts = _attempts(module_id, first_attempts_only)
    percent = cast(attempts.c.awarded, Float) * 100 / cast(func.nullif(attempts.c.possible, 0), Float)
    total = cast(attempts.c.awarded, Float)
    bands = [func.sum(case((_in_band(percent, band), 1), else_=0)) for band in range(HISTOGRAM_BANDS)]
    groups = session.execute(
        select(
            attempts.c.question_count,
            func.count(),
            func.sum(percent),
            func.sum(percent * percent),
            func.sum(total),
            func.sum(total * total),
            *bands,
        ).group_by(attempts.c.question_count)
    ).all()
    mark = cast(Response.awarded, Float)
    positions = session.execute(
        select(attempts.c.question_count, Response.position, func.count(), func.sum(mark), func.sum(mark * mark))
        .join(attempts, attempts.c.attempt_id == Response.attempt_id)
        .group_by(attempts.c.question_count, Response.position)
    ).all()
    n = sum(g[1] for g in groups)
    mean = sum(g[2] or 0 for g in groups) / n if n else None
    variance = _variance(n, sum(g[2] or 0 for g in groups), sum(g[3] or 0 for g in groups))
    sd = math.sqrt(variance) if variance is not None else None
    counts = [sum(g[6 + b] or 0 for g in groups) for b in range(HISTOGRAM_BANDS)]
    alpha, alpha_n, k = _alpha(groups, positions)
    error_ratio = 100 * math.sqrt(1 - alpha) if alpha is not None and alpha <= 1 else None
    sem = error_ratio / 100 * sd if error_ratio is not None and sd is not None else None
    return ModuleStats(
        attempts=n,
        mean=mean,
        sd=sd,
        alpha=alpha,
        alpha_attempts=alpha_n,
        questions_per_attempt=k,
        error_ratio=error_ratio,
        sem=sem,
        histogram=score_histogram(counts),
    )


def _in_band(percent: Any, band: int) -> Any:
    """Band b holds b×10 % up to (not including) (b+1)×10 %; the last band also holds 100 %."""
    low = band * 100 / HISTOGRAM_BANDS
    if band == HISTOGRAM_BANDS - 1:
        return percent >= low
    return and_(percent >= low, percent < low + 100 / HISTOGRAM_BANDS)


def score_histogram(counts: list[int]) -> BarChart:
    """The attempts per 10 % band of score as an SVG bar chart (and a table)."""
    width = 100 // len(counts) if counts else 10
    bars = [Bar(f"{b * width}–{(b + 1) * width}", count) for b, count in enumerate(counts)]
    return bar_chart(
        bars,
        title="Score distribution",
        description="Number of attempts scoring in each band of 10 percentage points; each band includes its "
        "lower bound, the last also 100 %.",
        chart_id="score-histogram",
        headings=("Score (%)", "Attempts"),
    )


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


# --- queries ---------------------------------------------------------------------------------------


def _attempts(module_id: int, first_attempts_only: bool) -> Subquery:
    """The graded attempts that count: id, marks, possible, question count."""
    nth = func.row_number().over(partition_by=QuizAttempt.user_id, order_by=(QuizAttempt.started_at, QuizAttempt.id))
    graded = (
        select(
            QuizAttempt.id.label("attempt_id"),
            QuizAttempt.awarded,
            QuizAttempt.possible,
            QuizAttempt.question_count,
            nth.label("nth"),
        )
        .where(QuizAttempt.module_id == module_id, QuizAttempt.status.in_(GRADED))
        .subquery("graded")
    )
    query = select(graded)
    if first_attempts_only:
        query = query.where(graded.c.nth == 1)
    return query.subquery("counted")


@dataclass
class _Sums:
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


_SUMS, _X_VALUES, _Y_VALUES, _ANSWERS = 0, 1, 2, 3


def _item_sums(session: Session, attempts: Subquery) -> dict[int, _Sums]:
    """Per question version, in one statement over the counted responses: the sums of x, x², y, y² and xy;
    how many responses have each distinct x and each distinct y (scores take few values, so C_max's sorted
    pairing walks these counts, never the responses); how many gave each distinct answer (choice types)."""
    # Floats throughout: PostgreSQL's numeric arithmetic would make the aggregates several times slower.
    x = cast(Response.awarded, Float) / cast(QuestionVersion.points, Float)
    rest = cast(func.nullif(attempts.c.possible - QuestionVersion.points, 0), Float)
    y = (cast(attempts.c.awarded, Float) - cast(Response.awarded, Float)) / rest
    answer = case((QuestionVersion.type.in_(CHOICE_TYPES), func.coalesce(cast(Response.answer, Text), "null")))
    items = (
        select(Response.question_version_id.label("version_id"), x.label("x"), y.label("y"), answer.label("answer"))
        .join(attempts, attempts.c.attempt_id == Response.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.assessed.is_(True), Response.awarded.is_not(None))
        .cte("items")
        # computed once, not once per aggregate that names x or y (SQLite materialises a CTE used more than
        # once by itself; PostgreSQL, from version 12, may inline it unless told)
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    has_y = items.c.y.is_not(None)
    no_float, no_text = cast(null(), Float), cast(null(), Text)
    nothing = [no_float] * 8

    def counts(kind: int, value: Any, text: Any, where: Any) -> Any:
        return (
            select(items.c.version_id, literal(kind), value, text, func.count(), *nothing)
            .where(where)
            .group_by(items.c.version_id, value if text is no_text else text)
        )

    sums = select(
        items.c.version_id,
        literal(_SUMS),
        no_float,
        no_text,
        func.count(),
        func.sum(items.c.x),
        func.sum(items.c.x * items.c.x),
        func.count(items.c.y),
        func.sum(case((has_y, items.c.x))),
        func.sum(case((has_y, items.c.x * items.c.x))),
        func.sum(items.c.y),
        func.sum(items.c.y * items.c.y),
        func.sum(items.c.x * items.c.y),
    ).group_by(items.c.version_id)
    statement = union_all(
        sums,
        counts(_X_VALUES, items.c.x, no_text, has_y),
        counts(_Y_VALUES, items.c.y, no_text, has_y),
        counts(_ANSWERS, no_float, items.c.answer, items.c.answer.is_not(None)),
    )
    found: dict[int, _Sums] = defaultdict(_Sums)
    for version_id, kind, value, text, count, *totals in session.execute(statement):
        entry = found[version_id]
        if kind == _SUMS:
            entry.n = count
            entry.sx, entry.sxx, ny, entry.sx_y, entry.sxx_y, entry.sy, entry.syy, entry.sxy = (
                float(t or 0) for t in totals
            )
            entry.ny = int(ny)
        elif kind == _X_VALUES:
            entry.x_runs.append((value, count))
        elif kind == _Y_VALUES:
            entry.y_runs.append((value, count))
        else:
            # equal answers written differently (spacing in JSON) count together
            entry.answers[json.dumps(json.loads(text))] += count
    return found


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


def _versions(session: Session, ids: Sequence[int]) -> list[Any]:
    """The question versions with their question's key, in bank order."""
    return list(
        session.execute(
            select(
                QuestionVersion.id,
                QuestionVersion.number,
                QuestionVersion.type,
                QuestionVersion.stem,
                QuestionVersion.spec,
                QuestionVersion.points,
                Question.key,
            )
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(QuestionVersion.id.in_(ids))
            .order_by(Question.position, Question.key, QuestionVersion.number)
        )
    )


# --- arithmetic ------------------------------------------------------------------------------------


def _item(version: Any, sums: _Sums) -> ItemStats:
    n, ny = sums.n, sums.ny
    variance = _variance(n, sums.sx, sums.sxx)
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


def _variance(n: int, total: float | None, squares: float | None) -> float | None:
    """Sample variance (n − 1) from a count, a sum and a sum of squares."""
    if n < 2 or total is None or squares is None:
        return None
    return max((squares - total * total / n) / (n - 1), 0.0)


def _alpha(groups: Sequence[Any], positions: Sequence[Any]) -> tuple[float | None, int, int | None]:
    """Cronbach's α over the attempts with the most common question count (ties: the larger count)."""
    if not groups:
        return None, 0, None
    group = max(groups, key=lambda g: (g[1], g[0]))
    k, n = group[0], group[1]
    total_variance = _variance(n, group[4], group[5])
    item_variances = [_variance(p[2], p[3], p[4]) for p in positions if p[0] == k]
    if k is None or k < 2 or total_variance is None or total_variance <= _EPSILON or None in item_variances:
        return None, n, k
    alpha = k / (k - 1) * (1 - sum(v for v in item_variances if v is not None) / total_variance)
    return alpha, n, k


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)
