"""Item analysis against a dataset small enough to compute by hand (the working is in the comments)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from quizapp.bank_loader import Bank, ModuleSpec, QuestionSpec
from quizapp.db import utcnow
from quizapp.models import AttemptStatus, Module, Question, QuizAttempt, Response, ReviewMode
from quizapp.question_types import get_type
from quizapp.services.banks import import_bank
from quizapp.services.grading import percent_half_up
from quizapp.services.item_analysis import (
    ItemStats,
    OptionPicks,
    item_statistics,
    module_statistics,
    review_queue,
    review_reasons,
    statistics_csv,
)
from tests.query_count import count_queries

QUESTIONS = [
    QuestionSpec(
        id="ia-single",
        type="single",
        stem="Which setting fits the under-eye area?",
        spec={
            "options": [
                {"text": "0.25 mm", "correct": True, "feedback": ""},
                {"text": "1.0 mm", "correct": False, "feedback": ""},
                {"text": "2.0 mm", "correct": False, "feedback": ""},
            ]
        },
        explanation="Thin skin.",
        source="E30",
    ),
    QuestionSpec(
        id="ia-tf",
        type="true_false",
        stem="Numbing comes before needling.",
        spec={"answer": True},
        explanation="It does.",
        source="E30",
    ),
    QuestionSpec(
        id="ia-multiple",
        type="multiple",
        stem="Select ALL who must wait.",
        spec={
            "options": [
                {"text": "Cold sore", "correct": True, "feedback": ""},
                {"text": "Isotretinoin", "correct": True, "feedback": ""},
                {"text": "Dry skin", "correct": False, "feedback": ""},
                {"text": "Freckles", "correct": False, "feedback": ""},
            ]
        },
        explanation="Infection and isotretinoin.",
        source="E30",
    ),
]

# Answers per trainee, in question order: single (option index), true/false, multiple (indices).
# Scores x: single 1 or 0; true/false 1 or 0; multiple max(0, (right − wrong) / 2).
FIRST_ATTEMPTS = [
    [0, True, [0, 1]],  # x = 1, 1, 1      T = 3
    [0, True, [0]],  # x = 1, 1, 0.5    T = 2.5
    [0, False, [0, 2]],  # x = 1, 0, 0      T = 1
    [1, True, [0, 1, 2]],  # x = 0, 1, 0.5    T = 1.5
    [1, False, [1]],  # x = 0, 0, 0.5    T = 0.5
    [2, True, None],  # x = 0, 1, 0      T = 1
]
RETAKE = [0, True, [0, 1]]  # the sixth trainee's second attempt: T = 3


@pytest.fixture
def module(db) -> Module:
    spec = ModuleSpec(
        slug="item-analysis",
        title="Item analysis",
        order=1,
        pass_mark=80,
        questions_per_attempt=3,
        required_for_certification=False,
        lesson="L",
        questions=QUESTIONS,
    )
    import_bank(db, Bank(modules=[spec], sources={}))
    db.commit()
    return db.scalars(select(Module).where(Module.slug == "item-analysis")).one()


def add_attempt(db, module: Module, user, answers, started, status=AttemptStatus.SUBMITTED) -> QuizAttempt:
    """A graded attempt whose scores come from the real grading of each answer."""
    questions = {q.key: q for q in db.scalars(select(Question).where(Question.module_id == module.id))}
    attempt = QuizAttempt(
        user=user,
        module=module,
        status=status,
        started_at=started,
        pass_mark=80,
        time_limit_minutes=0,
        review=ReviewMode.FULL,
        question_count=3,
    )
    db.add(attempt)
    awarded, possible = Fraction(0), 0
    for position, (spec, answer) in enumerate(zip(QUESTIONS, answers, strict=True), start=1):
        version = questions[spec.id].current
        grade = get_type(version.type).grade(version.spec, answer, version.points)
        if status != AttemptStatus.OPEN:
            awarded += grade.awarded
            possible += version.points
        db.add(
            Response(
                attempt=attempt,
                position=position,
                version=version,
                answer=answer,
                awarded=None if status == AttemptStatus.OPEN else float(grade.awarded),
                full_marks=None if status == AttemptStatus.OPEN else grade.full,
            )
        )
    if status != AttemptStatus.OPEN:
        attempt.awarded, attempt.possible = float(awarded), possible
        attempt.percent = percent_half_up(awarded, possible)
        attempt.passed = awarded * 100 >= 80 * possible
    db.commit()
    return attempt


@pytest.fixture
def dataset(db, module, make_user):
    start = utcnow() - timedelta(days=10)
    trainees = [make_user() for _ in FIRST_ATTEMPTS]
    for n, (user, answers) in enumerate(zip(trainees, FIRST_ATTEMPTS, strict=True)):
        add_attempt(db, module, user, answers, start + timedelta(hours=n))
    add_attempt(db, module, trainees[5], RETAKE, start + timedelta(days=1))
    add_attempt(db, module, make_user(), RETAKE, start + timedelta(days=2), status=AttemptStatus.OPEN)  # not graded
    return module


def test_item_statistics_of_first_attempts_match_the_hand_calculation(db, dataset):
    items = {i.question_key: i for i in item_statistics(db, dataset.id, first_attempts_only=True)}
    assert list(items) == ["ia-single", "ia-tf", "ia-multiple"]
    single, tf, multiple = items["ia-single"], items["ia-tf"], items["ia-multiple"]
    assert (single.responses, tf.responses, multiple.responses) == (6, 6, 6)

    # single: x = 1 1 1 0 0 0, y = (T − x) / 2 = 1, .75, 0, .75, .25, .5
    #   F = 3/6 = .5;  V(x) = 6 × .25 / 5 = .3, SD = √.3 = .548
    #   ȳ = 3.25/6;  V(y) = (2.4375 − 3.25²/6) / 5 = 13/96
    #   C(x,y) = (Σxy − Σx Σy / 6) / 5 = (1.75 − 1.625) / 5 = .025;  D = .025 / √(.3 × 13/96) = .124
    #   sorted x 0 0 0 1 1 1 with sorted y 0 .25 .5 .75 .75 1: Σ = 2.5; C_max = (2.5 − 1.625) / 5 = .175
    #   DE = .025 / .175 = .143
    assert round(single.facility, 3) == 0.5
    assert round(single.sd, 3) == 0.548
    assert round(single.discrimination, 3) == 0.124
    assert round(single.efficiency, 3) == 0.143

    # true/false: x = 1 1 0 1 0 1, y = 1, .75, .5, .25, .25, 0
    #   F = 4/6 = .667;  V(x) = (4 − 16/6) / 5 = 4/15, SD = .516
    #   Σy = 2.75, V(y) = (1.9375 − 2.75²/6) / 5 = 13/96
    #   C = (Σxy − Σx Σy / 6) / 5 = (2 − 4 × 2.75 / 6) / 5 = 1/30;  D = (1/30) / √(4/15 × 13/96) = .175
    #   sorted x 0 0 1 1 1 1 with sorted y 0 .25 .25 .5 .75 1: Σ = 2.5; C_max = (2.5 − 11/6) / 5 = 2/15
    #   DE = (1/30) / (2/15) = .25
    assert round(tf.facility, 3) == 0.667
    assert round(tf.sd, 3) == 0.516
    assert round(tf.discrimination, 3) == 0.175
    assert round(tf.efficiency, 3) == 0.25

    # multiple: x = 1 .5 0 .5 .5 0, y = 1, 1, .5, .5, 0, .5
    #   F = 2.5/6 = .417;  V(x) = (1.75 − 2.5²/6) / 5 = 17/120, SD = .376
    #   Σy = 3.5, V(y) = (2.75 − 3.5²/6) / 5 = 17/120
    #   C = (Σxy − Σx Σy / 6) / 5 = (1.75 − 2.5 × 3.5 / 6) / 5 = 7/120;  D = (7/120) / (17/120) = .412
    #   sorted x 0 0 .5 .5 .5 1 with sorted y 0 .5 .5 .5 1 1: Σ = 2.5; C_max = (2.5 − 35/24) / 5 = 13/120
    #   DE = 7/13 = .538
    assert round(multiple.facility, 3) == 0.417
    assert round(multiple.sd, 3) == 0.376
    assert round(multiple.discrimination, 3) == 0.412
    assert round(multiple.efficiency, 3) == 0.538

    # option picks from the stored answers
    assert single.options == [
        OptionPicks("0.25 mm", True, 3, 0.5),
        OptionPicks("1.0 mm", False, 2, pytest.approx(2 / 6)),
        OptionPicks("2.0 mm", False, 1, pytest.approx(1 / 6)),
    ]
    assert [(o.text, o.correct, o.picks) for o in tf.options] == [("True", True, 4), ("False", False, 2)]
    assert [(o.text, o.picks) for o in multiple.options] == [
        ("Cold sore", 4),
        ("Isotretinoin", 3),
        ("Dry skin", 2),
        ("Freckles", 0),
    ]
    assert (single.unanswered, multiple.unanswered) == (0, 1)


def test_module_statistics_match_the_hand_calculation(db, dataset):
    stats = module_statistics(db, dataset.id, first_attempts_only=True)
    # percentages T/3: 100, 83.33, 33.33, 50, 16.67, 33.33 -> mean 316.67/6 = 52.778
    # SD = √(Σ(p − mean)² / 5) = 32.347
    assert stats.attempts == 6
    assert round(stats.mean, 3) == 52.778
    assert round(stats.sd, 3) == 32.347
    # α = k/(k−1) (1 − Σ V(x_i) / V(T)) with k = 3: V = .3, 4/15, 17/120 (sum 85/120); V(T) = 113/120
    #   α = 1.5 × (1 − 85/113) = 42/113 = .372
    assert stats.questions_per_attempt == 3
    assert stats.alpha_attempts == 6
    assert round(stats.alpha, 3) == 0.372
    # ER = 100 √(1 − α) = 100 √(71/113) = 79.267;  SEM = ER/100 × SD = .79267 × 32.347 = 25.640
    assert round(stats.error_ratio, 3) == 79.267
    assert round(stats.sem, 3) == 25.640
    # bands of 10 %: 16.67 -> 10–20, 33.33 ×2 -> 30–40, 50 -> 50–60, 83.33 -> 80–90, 100 -> 90–100
    assert stats.histogram.rows == [
        ("0–10", 0),
        ("10–20", 1),
        ("20–30", 0),
        ("30–40", 2),
        ("40–50", 0),
        ("50–60", 1),
        ("60–70", 0),
        ("70–80", 0),
        ("80–90", 1),
        ("90–100", 1),
    ]
    assert "<title" in str(stats.histogram.svg) and "<desc" in str(stats.histogram.svg)


def test_all_attempts_switch_counts_the_retake(db, dataset):
    stats = module_statistics(db, dataset.id, first_attempts_only=False)
    assert stats.attempts == 7  # the open attempt never counts
    assert round(stats.mean, 3) == round((316.6666667 + 100) / 7, 3)  # 59.524
    single = item_statistics(db, dataset.id, first_attempts_only=False)[0]
    assert single.responses == 7
    assert round(single.facility, 3) == round(4 / 7, 3)


def test_practice_questions_are_left_out(db, dataset):
    question = db.scalars(select(Question).where(Question.key == "ia-multiple")).one()
    question.assessed = False
    db.commit()
    keys = [i.question_key for i in item_statistics(db, dataset.id, first_attempts_only=True)]
    assert keys == ["ia-single", "ia-tf"]


def test_no_attempts_gives_empty_statistics(db, module):
    assert item_statistics(db, module.id, first_attempts_only=True) == []
    stats = module_statistics(db, module.id, first_attempts_only=True)
    assert (stats.attempts, stats.mean, stats.sd, stats.alpha, stats.error_ratio) == (0, None, None, None, None)


def test_review_queue_lists_reasons_and_editor_links(db, dataset):
    queue = review_queue(
        db, dataset.id, first_attempts_only=True, editor_url=lambda key: f"/instructor/questions/{key}/edit"
    )
    assert [(r.question_key, r.reasons, r.editor_url) for r in queue] == [
        ("ia-single", ["low discriminative efficiency: 14% (under 15%)"], "/instructor/questions/ia-single/edit"),
        ("ia-multiple", ["distractor nobody picks: “Freckles”"], "/instructor/questions/ia-multiple/edit"),
    ]


def item(**fields) -> ItemStats:
    base = dict(
        question_key="q",
        version_id=1,
        version_number=1,
        type="single",
        stem="S",
        points=1,
        responses=10,
        facility=0.5,
        sd=0.5,
        discrimination=0.3,
        efficiency=0.5,
        options=[OptionPicks("key", True, 5, 0.5), OptionPicks("other", False, 5, 0.5)],
    )
    return ItemStats(**(base | fields))


@pytest.mark.parametrize(
    ("fields", "reasons"),
    [
        ({}, []),
        ({"facility": 0.95}, ["too easy: facility 95% (over 90%)"]),
        ({"facility": 0.1}, ["too hard: facility 10% (under 20%)"]),
        ({"facility": 0.9, "discrimination": 0.0, "efficiency": 0.15}, []),  # the limits themselves pass
        (
            {"discrimination": -0.25},
            ["negative discrimination (-0.25): trainees who did well elsewhere did worse here"],
        ),
        ({"efficiency": 0.1}, ["low discriminative efficiency: 10% (under 15%)"]),
        (
            {
                "options": [
                    OptionPicks("key", True, 6, 0.6),
                    OptionPicks("a", False, 4, 0.4),
                    OptionPicks("b", False, 0, 0),
                ]
            },
            ["distractor nobody picks: “b”"],
        ),
        (
            {"options": [OptionPicks("key", True, 3, 0.3), OptionPicks("lure", False, 7, 0.7)]},
            ["key “key” picked less often (3) than a distractor (7)"],
        ),
        ({"facility": None, "sd": None, "discrimination": None, "efficiency": None}, []),  # too little data
    ],
)
def test_review_reasons(fields, reasons):
    assert review_reasons(item(**fields)) == reasons


def test_statistics_csv(db, dataset):
    text = "".join(statistics_csv(db, dataset.id, first_attempts_only=True))
    assert text.startswith("\ufeffQuestion,Version,Type,Responses,Facility index (%)")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [r["Question"] for r in rows] == ["ia-single", "ia-tf", "ia-multiple"]
    assert rows[0]["Facility index (%)"] == "50.0"
    assert rows[0]["Discrimination index (%)"] == "12.4"
    assert rows[0]["Discriminative efficiency (%)"] == "14.29"
    assert rows[0]["Option picks"] == "0.25 mm (key): 3; 1.0 mm: 2; 2.0 mm: 1"


def test_statistics_csv_neutralises_formulas_in_stems(db, dataset):
    version = db.scalars(select(Question).where(Question.key == "ia-tf")).one().current
    version.stem = '=HYPERLINK("http://evil.example")'
    db.commit()
    rows = list(csv.reader(io.StringIO("".join(statistics_csv(db, dataset.id, first_attempts_only=True))[1:])))
    assert rows[2][-1] == '\'=HYPERLINK("http://evil.example")'


def test_a_fixed_number_of_queries_whatever_the_data(app, db, dataset, make_user):
    module_id = dataset.id
    with count_queries(app) as small_items:
        item_statistics(db, module_id, first_attempts_only=False)
    with count_queries(app) as small_module:
        module_statistics(db, module_id, first_attempts_only=False)
    start = utcnow() - timedelta(days=5)
    for n in range(12):
        add_attempt(db, dataset, make_user(), FIRST_ATTEMPTS[n % 6], start + timedelta(minutes=n))
    db.expire_all()
    with count_queries(app) as large_items:
        items = item_statistics(db, module_id, first_attempts_only=False)
    with count_queries(app) as large_module:
        stats = module_statistics(db, module_id, first_attempts_only=False)
    assert items[0].responses == 19 and stats.attempts == 19
    assert len(small_items) == len(large_items) == 2
    assert len(small_module) == len(large_module) == 2
