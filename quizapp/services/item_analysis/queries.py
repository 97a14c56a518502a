"""The database reads of item analysis: which attempts count, the per-version sums in one statement, the
versions in bank order, and item_statistics / module_statistics built from them (a fixed number of queries)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Subquery, Text, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from quizapp.charts import Bar, BarChart, bar_chart
from quizapp.models import AttemptStatus, Question, QuestionVersion, QuizAttempt, Response
from quizapp.services.item_analysis.arithmetic import (
    CHOICE_TYPES,
    ItemStats,
    ModuleStats,
    Sums,
    cronbach_alpha,
    item_stats,
    sample_variance,
)

GRADED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
HISTOGRAM_BANDS = 10


def item_statistics(session: Session, module_id: int, *, first_attempts_only: bool) -> list[ItemStats]:
    """Per question version of the module, in bank order (two queries)."""
    sums = _item_sums(session, _attempts(module_id, first_attempts_only))
    return [item_stats(version, sums[version.id]) for version in _versions(session, list(sums))]


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
    variance = sample_variance(n, sum(g[2] or 0 for g in groups), sum(g[3] or 0 for g in groups))
    sd = math.sqrt(variance) if variance is not None else None
    counts = [sum(g[6 + b] or 0 for g in groups) for b in range(HISTOGRAM_BANDS)]
    alpha, alpha_n, k = cronbach_alpha(groups, positions)
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


_SUMS, _X_VALUES, _Y_VALUES, _ANSWERS = 0, 1, 2, 3


def _item_sums(session: Session, attempts: Subquery) -> dict[int, Sums]:
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
    found: dict[int, Sums] = defaultdict(Sums)
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
