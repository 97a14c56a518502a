"""The six question types: validate, normalise, shuffle, present, parse, grade, review and their partials."""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from itertools import permutations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from werkzeug.datastructures import MultiDict

from quizapp import ROOT
from quizapp.question_types import QUESTION_TYPES, Grade, UnknownQuestionType, choices, content_hash, get_type

SINGLE = {
    "options": [
        {"text": "Under the eyes", "correct": True, "feedback": "Thinnest skin."},
        {"text": "Cheeks", "correct": False, "feedback": ""},
        {"text": "Back", "correct": False, "feedback": "Deepest, not shallowest."},
    ]
}
MULTIPLE = {
    "options": [
        {"text": "Sun protection", "correct": True, "feedback": ""},
        {"text": "Gentle cleanser", "correct": True, "feedback": ""},
        {"text": "Scrub", "correct": False, "feedback": "Irritates healing skin."},
        {"text": "Sauna", "correct": False, "feedback": ""},
    ]
}
TRUE_FALSE = {"answer": False}
NUMERIC = {"answer": "1.5", "tolerance": "0.25", "unit": "mm"}
ORDERING = {"items": ["Assess", "Cleanse", "Numb", "Needle"]}
MATCHING = {
    "pairs": [
        {"left": "Forehead", "right": "0.25–0.5 mm"},
        {"left": "Nose", "right": "0.25–0.5 mm"},
        {"left": "Back", "right": "1.5–2.0 mm"},
    ],
    "distractors": ["3.0 mm"],
}
SPECS = {
    "single": SINGLE,
    "multiple": MULTIPLE,
    "true_false": TRUE_FALSE,
    "numeric": NUMERIC,
    "ordering": ORDERING,
    "matching": MATCHING,
}
KEYS = {
    "single": 0,
    "multiple": [0, 1],
    "true_false": False,
    "numeric": "1.5",
    "ordering": [0, 1, 2, 3],
    "matching": [0, 0, 1],
}
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


def form(**fields: Any) -> MultiDict:
    """A submitted form; list values become repeated fields."""
    pairs = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key.replace("_", "-"), item))
    return MultiDict(pairs)


# ---- registry -------------------------------------------------------------------------------------------


def test_registry_has_six_types_with_templates_on_disk():
    assert list(QUESTION_TYPES) == ["single", "multiple", "true_false", "numeric", "ordering", "matching"]
    for key, qtype in QUESTION_TYPES.items():
        assert qtype.key == key and qtype.label
        assert qtype.template == f"questions/_{key}.html"
        assert qtype.review_template == f"questions/_review_{key}.html"
        assert (ROOT / "templates" / qtype.template).is_file()
        assert (ROOT / "templates" / qtype.review_template).is_file()


def test_spec_keys():
    assert {k: set(t.spec_keys) for k, t in QUESTION_TYPES.items()} == {
        "single": {"options"},
        "multiple": {"options"},
        "true_false": {"answer"},
        "numeric": {"answer", "tolerance", "unit"},
        "ordering": {"items"},
        "matching": {"pairs", "distractors"},
    }


@pytest.mark.parametrize("key", ["essay", "", None, "Single"])
def test_get_type_rejects_unknown_keys(key):
    with pytest.raises(UnknownQuestionType):
        get_type(key)


def test_content_hash_is_sha256_of_canonical_json():
    fields = {"stem": "Zoë?", "points": 1, "spec": {"b": [1, 2], "a": True}}
    expected = hashlib.sha256('{"points":1,"spec":{"a":true,"b":[1,2]},"stem":"Zoë?"}'.encode()).hexdigest()
    assert content_hash(fields) == expected
    assert content_hash(dict(reversed(list(fields.items())))) == expected


# ---- validate and normalise ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "raw", "problem"),
    [
        ("single", {"options": [{"text": "A", "correct": True}, {"text": "B"}]}, None),
        ("single", {"options": [{"text": "A"}, {"text": "B"}]}, "exactly one correct option, has 0"),
        ("single", {"options": [{"text": "A", "correct": True}, {"text": "a "}]}, "duplicate option text"),
        (
            "single",
            {"options": [{"text": "A", "correct": True, "hint": "x"}, {"text": "B"}]},
            "unknown key 'hint'",
        ),
        ("single", {}, "missing key 'options'"),
        ("multiple", {"options": [{"text": "A", "correct": True}, {"text": "B", "correct": True}]}, None),
        ("multiple", {"options": [{"text": "A"}, {"text": "B"}]}, "at least one correct"),
        ("multiple", {"options": [{"text": "A", "correct": True}]}, "at least 2 options"),
        ("multiple", {"options": [{"text": "A", "correct": True}, {"text": "B", "feedback": 3}]}, "feedback"),
        ("true_false", {"answer": True}, None),
        ("true_false", {"answer": "true"}, "true or false"),
        ("numeric", {"answer": 1.5, "tolerance": 0.25, "unit": "mm"}, None),
        ("numeric", {"answer": "1.5", "tolerance": "0", "unit": "mm"}, None),
        ("numeric", {"answer": 1.5, "unit": "mm"}, "missing key 'tolerance'"),
        ("numeric", {"answer": 1.5, "tolerance": 0.25}, "missing key 'unit'"),
        ("numeric", {"answer": 1.5, "tolerance": -1, "unit": "mm"}, "0 or more"),
        ("numeric", {"answer": "inf", "tolerance": 0, "unit": "mm"}, "finite number"),
        ("numeric", {"answer": True, "tolerance": 0, "unit": "mm"}, "finite number"),
        ("numeric", {"answer": 1, "tolerance": 0, "unit": " "}, "unit"),
        ("ordering", {"items": ["a", "b", "c"]}, None),
        ("ordering", {"items": ["a", "b"]}, "at least 3 items"),
        ("ordering", {"items": ["a", "b", "B"]}, "duplicate item"),
        ("ordering", {"items": ["a", "b", 3]}, "item 3 must be text"),
        (
            "matching",
            {"pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "x"}], "distractors": ["y"]},
            None,
        ),
        (
            "matching",
            {"pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "x"}]},
            "only one choice",
        ),
        ("matching", {"pairs": [{"left": "a", "right": "x"}]}, "at least 2 pairs"),
        ("matching", {"pairs": [{"left": "a", "right": "x"}, {"left": "A", "right": "y"}]}, "duplicate left"),
        (
            "matching",
            {"pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "y"}], "distractors": ["X"]},
            "also a right-hand answer",
        ),
        ("matching", {"pairs": [{"left": "a", "right": "x"}, {"left": "b"}]}, "pair 2 right is missing"),
        (
            "matching",
            {"pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "y"}], "distractors": "z"},
            "distractors must be a list",
        ),
    ],
)
def test_validate(key, raw, problem):
    problems = get_type(key).validate(raw)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_normalise_fills_defaults_and_strips():
    raw = {"options": [{"text": " A ", "correct": True}, {"text": "B", "feedback": "Why\n"}]}
    assert get_type("single").normalise(raw) == {
        "options": [
            {"text": "A", "correct": True, "feedback": ""},
            {"text": "B", "correct": False, "feedback": "Why"},
        ]
    }
    assert get_type("matching").normalise({"pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "y"}]}) == {
        "pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "y"}],
        "distractors": [],
    }


@pytest.mark.parametrize(
    ("answer", "tolerance", "expected"),
    [
        (1.5, 0.25, ("1.5", "0.25")),
        ("1.50", "0.250", ("1.5", "0.25")),
        (0.1, 0, ("0.1", "0")),
        (100, 10, ("100", "10")),
        ("1e2", "0.0", ("100", "0")),
        ("-0", 0.05, ("0", "0.05")),
    ],
)
def test_numeric_normalise_gives_one_string_per_value(answer, tolerance, expected):
    spec = get_type("numeric").normalise({"answer": answer, "tolerance": tolerance, "unit": " mm "})
    assert (spec["answer"], spec["tolerance"], spec["unit"]) == (*expected, "mm")


def test_numeric_hash_ignores_trailing_zeros():
    numeric = get_type("numeric")
    a = numeric.normalise({"answer": 1.5, "tolerance": 0.25, "unit": "mm"})
    b = numeric.normalise({"answer": "1.50", "tolerance": "0.250", "unit": "mm"})
    assert content_hash({"spec": a}) == content_hash({"spec": b})


def test_matching_choices_are_distinct_rights_then_distractors():
    assert choices(MATCHING) == ["0.25–0.5 mm", "1.5–2.0 mm", "3.0 mm"]


# ---- grade ----------------------------------------------------------------------------------------------

GRADE_CASES = [
    ("single", 0, 1, 1, True),
    ("single", 0, 3, 3, True),
    ("single", 1, 1, 0, False),
    ("single", 7, 1, 0, False),
    ("single", -1, 1, 0, False),
    ("single", "0", 1, 0, False),
    ("single", True, 1, 0, False),
    ("single", [0], 1, 0, False),
    ("single", None, 1, 0, False),
    ("multiple", [0, 1], 1, 1, True),
    ("multiple", [0, 1], 2, 2, True),
    ("multiple", [0], 1, Fraction(1, 2), False),
    ("multiple", [0], 2, 1, False),
    ("multiple", [0, 1, 2], 1, Fraction(1, 2), False),
    ("multiple", [0, 2], 1, 0, False),
    ("multiple", [2, 3], 1, 0, False),
    ("multiple", [0, 1, 2, 3], 1, 0, False),
    ("multiple", [0, 0], 1, 0, False),
    ("multiple", [0, 9], 1, 0, False),
    ("multiple", [], 1, 0, False),
    ("multiple", 0, 1, 0, False),
    ("multiple", None, 1, 0, False),
    ("true_false", False, 1, 1, True),
    ("true_false", True, 1, 0, False),
    ("true_false", "false", 1, 0, False),
    ("true_false", 0, 1, 0, False),
    ("true_false", None, 1, 0, False),
    ("numeric", "1.5", 1, 1, True),
    ("numeric", "1.75", 1, 1, True),
    ("numeric", "1.25", 2, 2, True),
    ("numeric", "1.76", 1, 0, False),
    ("numeric", "1.2", 1, 0, False),
    ("numeric", "1,5", 1, 0, False),
    ("numeric", "1_5", 1, 0, False),
    ("numeric", " 1.5 ", 1, 1, True),
    ("numeric", "abc", 1, 0, False),
    ("numeric", "NaN", 1, 0, False),
    ("numeric", "Infinity", 1, 0, False),
    ("numeric", "1e999999999", 1, 0, False),
    ("numeric", 1.5, 1, 0, False),
    ("numeric", None, 1, 0, False),
    ("ordering", [0, 1, 2, 3], 1, 1, True),
    ("ordering", [0, 1, 2, 3], 4, 4, True),
    ("ordering", [1, 0, 2, 3], 1, Fraction(5, 6), False),
    ("ordering", [0, 1, 3, 2], 6, 5, False),
    ("ordering", [3, 2, 1, 0], 1, 0, False),
    ("ordering", [0, 1, 2], 1, 0, False),
    ("ordering", [0, 0, 1, 2], 1, 0, False),
    ("ordering", [0, 1, 2, 4], 1, 0, False),
    ("ordering", "0123", 1, 0, False),
    ("ordering", None, 1, 0, False),
    ("matching", [0, 0, 1], 1, 1, True),
    ("matching", [0, 0, 1], 3, 3, True),
    ("matching", [0, 0, None], 1, Fraction(2, 3), False),
    ("matching", [0, 0, 2], 3, 2, False),
    ("matching", [1, 1, 0], 1, 0, False),
    ("matching", [None, None, None], 1, 0, False),
    ("matching", [0, 0], 1, 0, False),
    ("matching", [0, 0, 7], 1, 0, False),
    ("matching", [False, 0, 1], 1, 0, False),
    ("matching", None, 1, 0, False),
]


@pytest.mark.parametrize(("key", "answer", "points", "awarded", "full"), GRADE_CASES)
def test_grade(key, answer, points, awarded, full):
    grade = get_type(key).grade(SPECS[key], answer, points)
    assert grade == Grade(awarded=Fraction(awarded), possible=Fraction(points), full=full)
    assert isinstance(grade.awarded, Fraction)


def test_grade_default_points_is_one():
    assert get_type("single").grade(SINGLE, 0) == Grade(Fraction(1), Fraction(1), True)


def test_numeric_grade_is_exact_decimal():
    spec = {"answer": "0.3", "tolerance": "0.1", "unit": "mm"}
    # 0.2 is exactly on the edge; in floats 0.3 - 0.2 > 0.1 and it would be marked wrong.
    assert get_type("numeric").grade(spec, "0.2").full


def test_matching_shared_right_is_graded_by_text():
    spec = {"pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "x"}], "distractors": ["y"]}
    assert get_type("matching").grade(spec, [0, 0]).full
    assert get_type("matching").grade(spec, [0, 1]).awarded == Fraction(1, 2)


# ---- parse ----------------------------------------------------------------------------------------------

SHUFFLES = {
    "single": {"options": [2, 0, 1]},
    "multiple": {"options": [3, 2, 1, 0]},
    "true_false": {},
    "numeric": {},
    "ordering": {"items": [2, 0, 3, 1]},
    "matching": {"lefts": [2, 0, 1], "choices": [2, 0, 1]},
}
NUMBER_ERROR = "Enter a number in mm, e.g. 0.5"

PARSE_CASES = [
    ("single", form(answer="1"), 0, None),
    ("single", form(answer="0"), 2, None),
    ("single", form(answer=""), None, None),
    ("single", form(), None, None),
    ("single", form(answer="3"), None, "Choose one"),
    ("single", form(answer="-1"), None, "Choose one"),
    ("single", form(answer="x"), None, "Choose one"),
    ("single", form(answer=["0", "1"]), None, "Choose one"),
    ("multiple", form(answer=["3", "2"]), [0, 1], None),
    ("multiple", form(answer=["1", "1"]), [2], None),
    ("multiple", form(answer=["0"]), [3], None),
    ("multiple", form(), None, None),
    ("multiple", form(answer=["0", "9"]), None, "listed options"),
    ("true_false", form(answer="true"), True, None),
    ("true_false", form(answer="false"), False, None),
    ("true_false", form(answer=""), None, None),
    ("true_false", form(answer="yes"), None, "True or False"),
    ("numeric", form(answer="1.5"), "1.5", None),
    ("numeric", form(answer="1,5"), "1.5", None),
    ("numeric", form(answer="1.5 mm"), "1.5", None),
    ("numeric", form(answer=" 1.5mm "), "1.5", None),
    ("numeric", form(answer="1.5 MM"), "1.5", None),
    ("numeric", form(answer="1.50"), "1.5", None),
    ("numeric", form(answer=".5"), "0.5", None),
    ("numeric", form(answer="2"), "2", None),
    ("numeric", form(answer="-0.0"), "0", None),
    ("numeric", form(answer=""), None, None),
    ("numeric", form(answer="   "), None, None),
    ("numeric", form(), None, None),
    ("numeric", form(answer="1.5 cm"), None, NUMBER_ERROR),
    ("numeric", form(answer="nan"), None, NUMBER_ERROR),
    ("numeric", form(answer="NaN"), None, NUMBER_ERROR),
    ("numeric", form(answer="inf"), None, NUMBER_ERROR),
    ("numeric", form(answer="-Infinity"), None, NUMBER_ERROR),
    ("numeric", form(answer="1e3"), None, NUMBER_ERROR),
    ("numeric", form(answer="abc"), None, NUMBER_ERROR),
    ("numeric", form(answer="1.5.2"), None, NUMBER_ERROR),
    ("numeric", form(answer="1,000.5"), None, NUMBER_ERROR),
    ("numeric", form(answer="١٫٥"), None, NUMBER_ERROR),
    ("numeric", form(answer="1" * 50), None, NUMBER_ERROR),
    ("ordering", form(answer_0="3", answer_1="1", answer_2="4", answer_3="2"), [0, 1, 2, 3], None),
    ("ordering", form(answer_0="1", answer_1="2", answer_2="3", answer_3="4"), [2, 0, 3, 1], None),
    ("ordering", form(), None, None),
    ("ordering", form(answer_0="", answer_1="", answer_2="", answer_3=""), None, None),
    (
        "ordering",
        form(answer_0="1", answer_1="1", answer_2="3", answer_3="4"),
        None,
        "position 1 more than once",
    ),
    ("ordering", form(answer_0="1", answer_1="2", answer_2="3"), None, "every item a position from 1 to 4"),
    ("ordering", form(answer_0="0", answer_1="2", answer_2="3", answer_3="4"), None, "from 1 to 4"),
    ("ordering", form(answer_0="5", answer_1="2", answer_2="3", answer_3="4"), None, "from 1 to 4"),
    ("ordering", form(answer_0="x", answer_1="2", answer_2="3", answer_3="4"), None, "from 1 to 4"),
    ("matching", form(answer_0="2", answer_1="1", answer_2="1"), [0, 0, 1], None),
    ("matching", form(answer_1="1"), [0, None, None], None),
    ("matching", form(answer_0="0", answer_1="", answer_2="0"), [None, 2, 2], None),
    ("matching", form(), None, None),
    ("matching", form(answer_0="9"), None, "from the list"),
    ("matching", form(answer_0="x"), None, "from the list"),
]


@pytest.mark.parametrize(("key", "submitted", "answer", "error"), PARSE_CASES)
def test_parse(key, submitted, answer, error):
    parsed = get_type(key).parse(SPECS[key], SHUFFLES[key], submitted)
    assert parsed.answer == answer
    if error is None:
        assert parsed.error is None
    else:
        assert parsed.error is not None and error in parsed.error


def test_parse_uses_the_field_name():
    parsed = get_type("ordering").parse(
        ORDERING, {"items": [0, 1, 2, 3]}, form(q7_0="1", q7_1="2", q7_2="3", q7_3="4"), name="q7"
    )
    assert parsed.answer == [0, 1, 2, 3]


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
def test_display_value_shows_the_saved_answer_again(key):
    qtype = get_type(key)
    for submitted in (f for k, f, answer, error in PARSE_CASES if k == key and answer is not None):
        answer = qtype.parse(SPECS[key], SHUFFLES[key], submitted).answer
        assert (
            qtype.parse(
                SPECS[key],
                SHUFFLES[key],
                _form_for(key, qtype.display_value(SPECS[key], SHUFFLES[key], answer)),
            ).answer
            == answer
        )


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
@pytest.mark.parametrize("answer", [None, "junk", [99], {"a": 1}])
def test_display_value_of_a_malformed_answer_is_none(key, answer):
    assert get_type(key).display_value(SPECS[key], SHUFFLES[key], answer) is None


def test_display_value_uses_display_positions():
    assert get_type("single").display_value(SINGLE, {"options": [2, 0, 1]}, 0) == 1
    assert get_type("multiple").display_value(MULTIPLE, {"options": [3, 2, 1, 0]}, [0, 1]) == [2, 3]
    assert get_type("ordering").display_value(ORDERING, {"items": [2, 0, 3, 1]}, [0, 1, 2, 3]) == [3, 1, 4, 2]
    assert get_type("matching").display_value(MATCHING, SHUFFLES["matching"], [0, None, 1]) == [2, 1, None]
    assert get_type("true_false").display_value(TRUE_FALSE, {}, False) == "false"
    assert get_type("numeric").display_value(NUMERIC, {}, "1.4") == "1.4"


def _form_for(key: str, current: Any) -> MultiDict:
    """The form a browser submits when the partial shows `current` and nothing is changed."""
    if current is None:
        return MultiDict()
    if key in ("ordering", "matching"):
        return MultiDict([(f"answer-{k}", "" if v is None else str(v)) for k, v in enumerate(current)])
    if key == "multiple":
        return MultiDict([("answer", str(v)) for v in current])
    return MultiDict([("answer", str(current))])


# ---- shuffle and present --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_make_shuffle(seed):
    rng = random.Random(seed)
    assert sorted(get_type("single").make_shuffle(SINGLE, rng)["options"]) == [0, 1, 2]
    assert sorted(get_type("multiple").make_shuffle(MULTIPLE, rng)["options"]) == [0, 1, 2, 3]
    ordering = get_type("ordering").make_shuffle({"items": ["a", "b", "c"]}, rng)["items"]
    assert sorted(ordering) == [0, 1, 2] and ordering != [0, 1, 2]
    matching = get_type("matching").make_shuffle(MATCHING, rng)
    assert sorted(matching["lefts"]) == [0, 1, 2]
    assert sorted(matching["choices"]) == [0, 1, 2] and matching["choices"] != [0, 1, 2]
    assert get_type("true_false").make_shuffle(TRUE_FALSE, rng) == {}
    assert get_type("numeric").make_shuffle(NUMERIC, rng) == {}


def test_make_shuffle_is_reproducible_from_the_seed():
    assert get_type("ordering").make_shuffle(ORDERING, random.Random(5)) == get_type("ordering").make_shuffle(
        ORDERING, random.Random(5)
    )


SECRETS = {
    "correct",
    "feedback",
    "answer",
    "tolerance",
    "explanation",
    "right",
    "key",
    "distractors",
    "pairs",
}


def _keys_and_values(value: Any) -> tuple[set[str], list[Any]]:
    if isinstance(value, dict):
        keys, values = set(value), []
        for child in value.values():
            more_keys, more_values = _keys_and_values(child)
            keys |= more_keys
            values += more_values
        return keys, values
    if isinstance(value, list):
        keys, values = set(), []
        for child in value:
            more_keys, more_values = _keys_and_values(child)
            keys |= more_keys
            values += more_values
        return keys, values
    return set(), [value]


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
def test_present_reveals_nothing_about_the_key(key):
    qtype = get_type(key)
    shown = qtype.present(SPECS[key], qtype.make_shuffle(SPECS[key], random.Random(1)))
    keys, values = _keys_and_values(shown)
    assert not keys & SECRETS
    for secret in ("Thinnest skin.", "Deepest, not shallowest.", "Irritates healing skin.", "1.5", "0.25"):
        assert secret not in values


def test_present_lists_texts_in_display_order_with_positions_as_values():
    assert get_type("single").present(SINGLE, {"options": [2, 0, 1]}) == {
        "options": [
            {"value": 0, "text": "Back"},
            {"value": 1, "text": "Under the eyes"},
            {"value": 2, "text": "Cheeks"},
        ]
    }
    assert get_type("ordering").present(ORDERING, {"items": [2, 0, 3, 1]})["items"][0] == {
        "field": 0,
        "text": "Numb",
    }
    shown = get_type("matching").present(MATCHING, SHUFFLES["matching"])
    assert [c["text"] for c in shown["choices"]] == ["3.0 mm", "0.25–0.5 mm", "1.5–2.0 mm"]
    assert [left["text"] for left in shown["lefts"]] == ["Back", "Forehead", "Nose"]
    assert get_type("numeric").present(NUMERIC, {}) == {"unit": "mm"}


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
@pytest.mark.parametrize("shuffle", [{}, {"options": [0, 0, 1]}, {"items": "x"}, None])
def test_a_shuffle_that_does_not_fit_falls_back_to_key_order(key, shuffle):
    qtype = get_type(key)
    assert qtype.present(SPECS[key], shuffle) == qtype.present(SPECS[key], {})


# ---- review ---------------------------------------------------------------------------------------------


def test_review_single():
    rv = get_type("single").review(SINGLE, {"options": [2, 0, 1]}, 2)
    assert [o["text"] for o in rv["options"]] == ["Back", "Under the eyes", "Cheeks"]
    assert rv["options"][0] == {
        "text": "Back",
        "picked": True,
        "correct": False,
        "feedback": "Deepest, not shallowest.",
    }
    assert (rv["answered"], rv["credit"], rv["answer_text"], rv["key_text"]) == (
        True,
        "none",
        "Back",
        "Under the eyes",
    )


def test_review_multiple_partial():
    rv = get_type("multiple").review(MULTIPLE, {}, [0])
    assert rv["credit"] == "partial"
    assert rv["key_text"] == "Sun protection; Gentle cleanser"


def test_review_numeric_in_words():
    rv = get_type("numeric").review(NUMERIC, {}, "1.4")
    assert rv["answer_text"] == "1.4 mm"
    assert rv["key_text"] == "1.5 mm (accepted 1.25–1.75 mm)"
    assert rv["credit"] == "full"
    exact = get_type("numeric").review({"answer": "2", "tolerance": "0", "unit": "mm"}, {}, None)
    assert (exact["key_text"], exact["answered"], exact["credit"]) == ("2 mm", False, "none")


def test_review_ordering_compares_orders():
    rv = get_type("ordering").review(ORDERING, {}, [1, 0, 2, 3])
    assert [r["given"] for r in rv["rows"]] == ["Cleanse", "Assess", "Numb", "Needle"]
    assert [r["correct"] for r in rv["rows"]] == ORDERING["items"]
    assert [r["right"] for r in rv["rows"]] == [False, False, True, True]
    assert rv["key_text"] == "Assess → Cleanse → Numb → Needle"


def test_review_matching_per_left():
    rv = get_type("matching").review(MATCHING, SHUFFLES["matching"], [0, None, 2])
    assert rv["rows"] == [
        {"left": "Back", "chosen": "3.0 mm", "correct": "1.5–2.0 mm", "right": False},
        {"left": "Forehead", "chosen": "0.25–0.5 mm", "correct": "0.25–0.5 mm", "right": True},
        {"left": "Nose", "chosen": None, "correct": "0.25–0.5 mm", "right": False},
    ]
    assert rv["credit"] == "partial"


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
@pytest.mark.parametrize("answer", [None, "junk", [5, 5], True])
def test_review_of_a_malformed_answer_does_not_raise(key, answer):
    rv = get_type(key).review(SPECS[key], SHUFFLES[key], answer)
    assert rv["credit"] == "none" or key == "true_false"


# ---- properties -----------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(list(QUESTION_TYPES)), answer=ANY_JSON, points=st.integers(1, 5))
def test_grade_is_within_zero_and_points_and_never_raises(key, answer, points):
    grade = get_type(key).grade(SPECS[key], answer, points)
    assert 0 <= grade.awarded <= grade.possible == points
    assert grade.full == (grade.awarded == points)


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(list(QUESTION_TYPES)), values=st.lists(st.text(max_size=6), max_size=6))
def test_parse_never_raises(key, values):
    submitted = MultiDict([("answer", v) for v in values] + [(f"answer-{k}", v) for k, v in enumerate(values)])
    parsed = get_type(key).parse(SPECS[key], SHUFFLES[key], submitted)
    assert parsed.answer is None or get_type(key).grade(SPECS[key], parsed.answer).possible == 1


texts = st.text(alphabet="abcdefgh ", min_size=1, max_size=6).map(str.strip).filter(bool)


@st.composite
def specs_with_keys(draw: st.DrawFn) -> tuple[str, dict[str, Any], Any]:
    """A valid normalised spec of any type and its key answer."""
    key = draw(st.sampled_from(list(QUESTION_TYPES)))
    if key in ("single", "multiple"):
        option_texts = draw(st.lists(texts, min_size=2, max_size=6, unique_by=str.casefold))
        if key == "single":
            correct = {draw(st.integers(0, len(option_texts) - 1))}
        else:
            correct = set(draw(st.lists(st.integers(0, len(option_texts) - 1), min_size=1, unique=True)))
        raw = {"options": [{"text": t, "correct": i in correct} for i, t in enumerate(option_texts)]}
        answer: Any = min(correct) if key == "single" else sorted(correct)
    elif key == "true_false":
        raw = {"answer": draw(st.booleans())}
        answer = raw["answer"]
    elif key == "numeric":
        value = draw(st.decimals(-100, 100, places=2))
        raw = {"answer": str(value), "tolerance": str(draw(st.decimals(0, 5, places=2))), "unit": "mm"}
        answer = get_type("numeric").normalise(raw)["answer"]
    elif key == "ordering":
        raw = {"items": draw(st.lists(texts, min_size=3, max_size=7, unique_by=str.casefold))}
        answer = list(range(len(raw["items"])))
    else:
        lefts = draw(st.lists(texts, min_size=2, max_size=5, unique_by=str.casefold))
        rights = draw(
            st.lists(
                st.sampled_from(["0.25 mm", "0.5 mm", "1 mm", "2 mm"]),
                min_size=len(lefts),
                max_size=len(lefts),
            )
        )
        raw = {
            "pairs": [{"left": a, "right": b} for a, b in zip(lefts, rights, strict=True)],
            "distractors": ["9 mm"],
        }
        offered = choices({"pairs": raw["pairs"], "distractors": raw["distractors"]})
        answer = [offered.index(b) for b in rights]
    assert get_type(key).validate(raw) == []
    return key, get_type(key).normalise(raw), answer


@settings(max_examples=100, deadline=None)
@given(case=specs_with_keys(), points=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_the_key_gets_full_points_through_any_shuffle(case, points, seed):
    key, spec, answer = case
    qtype = get_type(key)
    assert qtype.grade(spec, answer, points) == Grade(Fraction(points), Fraction(points), True)
    shuffle = qtype.make_shuffle(spec, random.Random(seed))
    shown = _form_for(key, qtype.display_value(spec, shuffle, answer))
    assert qtype.parse(spec, shuffle, shown).answer == answer
    assert qtype.review(spec, shuffle, answer)["credit"] == "full"


@settings(max_examples=100, deadline=None)
@given(items=st.integers(3, 6), data=st.data())
def test_any_other_order_scores_less_than_full(items, data):
    spec = {"items": [f"step {n}" for n in range(items)]}
    order = data.draw(st.permutations(range(items)))
    grade = get_type("ordering").grade(spec, list(order), 3)
    assert grade.full == (list(order) == list(range(items)))
    assert grade.full or grade.awarded < grade.possible


def test_every_wrong_order_of_four_scores_less_than_full():
    ordering = get_type("ordering")
    grades = {order: ordering.grade(ORDERING, list(order)) for order in permutations(range(4))}
    assert [o for o, g in grades.items() if g.full] == [(0, 1, 2, 3)]
    assert all(g.awarded < 1 for o, g in grades.items() if o != (0, 1, 2, 3))


@settings(max_examples=100, deadline=None)
@given(answer=st.lists(st.none() | st.integers(0, 2), min_size=3, max_size=3))
def test_any_other_matching_scores_less_than_full(answer):
    grade = get_type("matching").grade(MATCHING, answer, 2)
    offered = choices(MATCHING)
    right = [a is not None and offered[a] == p["right"] for a, p in zip(answer, MATCHING["pairs"], strict=True)]
    assert grade.full == all(right)
    assert grade.awarded == Fraction(2 * sum(right), 3)


@settings(max_examples=100, deadline=None)
@given(value=st.decimals(0, 175, places=3), comma=st.booleans(), unit=st.sampled_from(["", " mm", "mm"]))
def test_a_typed_number_parses_to_its_canonical_value(value, comma, unit):
    # the plausible range of a key of 1.5 ± 0.25: 0 to 100 × 1.75 (outside it: a message, below)
    typed = f"{value:f}".replace(".", "," if comma else ".") + unit
    answer = get_type("numeric").parse(NUMERIC, {}, MultiDict([("answer", typed)])).answer
    assert Decimal(answer) == value
    assert get_type("numeric").grade(NUMERIC, answer).full == (abs(value - Decimal("1.5")) <= Decimal("0.25"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-0.5", "cannot be negative"),
        ("-0,001 mm", "cannot be negative"),
        ("175.001", "not a plausible answer"),
        ("4000 mm", "not a plausible answer"),
    ],
)
def test_an_implausible_number_gets_a_message_and_is_not_stored(typed, message):
    parsed = get_type("numeric").parse(NUMERIC, {}, MultiDict([("answer", typed)]))
    assert parsed.answer is None and message in parsed.error


def test_a_negative_key_allows_negative_answers():
    spec = {**NUMERIC, "answer": "-2", "tolerance": "0.5"}
    assert get_type("numeric").parse(spec, {}, MultiDict([("answer", "-2.2")])).answer == "-2.2"


# ---- templates ------------------------------------------------------------------------------------------

ENV = Environment(loader=FileSystemLoader(ROOT / "templates"), autoescape=True, undefined=StrictUndefined)


class _Page(HTMLParser):
    """Collects tags, ids, label targets and attributes of a rendered partial."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def ids(self) -> set[str | None]:
        return {a.get("id") for _, a in self.tags if a.get("id")}

    def inputs(self) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t in ("input", "select") and a.get("type") != "hidden"]


def _render_quiz(key: str, error: str | None = None, answer: Any = None) -> str:
    qtype = get_type(key)
    shuffle = SHUFFLES[key]
    return ENV.get_template(qtype.template).render(
        qp=qtype.present(SPECS[key], shuffle),
        name="answer",
        current=qtype.display_value(SPECS[key], shuffle, answer),
        error=error,
        qid="q3",
        stem="Depth <b>&</b> skin?",
    )


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
@pytest.mark.parametrize("error", [None, "Something <wrong>"])
def test_quiz_partial_is_accessible_and_static(key, error):
    html = _render_quiz(key, error, KEYS[key])
    page = _Page(html)
    tags = [t for t, _ in page.tags]
    assert tags.count("fieldset") == 1 and tags.count("legend") == 1
    assert "<legend" in html and "Depth &lt;b&gt;&amp;&lt;/b&gt; skin?" in html
    labelled = {a.get("for") for t, a in page.tags if t == "label"}
    assert page.inputs() and all(a.get("id") in labelled for a in page.inputs())
    assert len(page.ids()) == len([a for _, a in page.tags if a.get("id")])
    for forbidden in ("<script", "style=", "onclick", "onchange"):
        assert forbidden not in html.lower()
    for _, attrs in page.tags:
        for target in (attrs.get("aria-describedby") or "").split():
            assert target in page.ids()
    if error:
        assert "Something &lt;wrong&gt;" in html
        assert any("q3-error" in (a.get("aria-describedby") or "") for _, a in page.tags)
    for secret in ("Thinnest skin.", "Irritates healing skin.", "correct", "Correct"):
        assert secret not in html


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
def test_quiz_partial_preselects_the_saved_answer(key):
    page = _Page(_render_quiz(key, answer=KEYS[key]))
    chosen = [a for _, a in page.tags if "checked" in a or "selected" in a]
    if key == "numeric":
        assert page.inputs()[0]["value"] == "1.5"
    else:
        assert chosen
    assert "checked" not in _render_quiz(key) and "selected" not in _render_quiz(key)


def test_numeric_partial_has_decimal_input_and_unit():
    page = _Page(_render_quiz("numeric"))
    (box,) = page.inputs()
    assert (box["type"], box["inputmode"], box["name"]) == ("text", "decimal", "answer")
    assert "mm" in _render_quiz("numeric")


def test_ordering_and_matching_use_one_select_per_item():
    ordering = _Page(_render_quiz("ordering"))
    assert [a["name"] for t, a in ordering.tags if t == "select"] == [f"answer-{k}" for k in range(4)]
    matching = _Page(_render_quiz("matching"))
    assert [a["name"] for t, a in matching.tags if t == "select"] == [f"answer-{k}" for k in range(3)]


@pytest.mark.parametrize("key", list(QUESTION_TYPES))
@pytest.mark.parametrize("which", ["key", "none", "wrong"])
def test_review_partial_marks_with_words(key, which):
    wrong = {
        "single": 1,
        "multiple": [2],
        "true_false": True,
        "numeric": "9",
        "ordering": [3, 2, 1, 0],
        "matching": [1, 1, 0],
    }
    answer = {"key": KEYS[key], "none": None, "wrong": wrong[key]}[which]
    qtype = get_type(key)
    html = ENV.get_template(qtype.review_template).render(rv=qtype.review(SPECS[key], SHUFFLES[key], answer))
    expected = {"key": "Correct", "none": "Not answered", "wrong": "Incorrect"}[which]
    assert expected in html
    assert ("✓" in html) if which == "key" else ("✗" in html)
    for forbidden in ("<script", "style=", "onclick"):
        assert forbidden not in html.lower()
