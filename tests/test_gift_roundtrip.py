"""Round trips: YAML -> GIFT -> YAML and GIFT -> YAML -> GIFT keep everything both formats hold."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp import ROOT
from quizapp.bank_loader import ModuleSpec, QuestionSpec, dump_module, load_banks
from quizapp.gift import gift_questions, parse_gift, write_gift

FIXTURES = Path(__file__).parent / "fixtures" / "gift"
BANK = load_banks([ROOT / "question_banks"])


def without_lines(questions: list[QuestionSpec]) -> list[QuestionSpec]:
    return [dataclasses.replace(q, line=0) for q in questions]


def reread(module: ModuleSpec, sources: dict | None = BANK.sources) -> tuple[list[QuestionSpec], list[str]]:
    text, warnings = write_gift(module)
    questions, problems = gift_questions(text, f"{module.slug}.gift", sources=sources)
    assert [str(p) for p in problems] == []
    return questions, warnings


@pytest.mark.parametrize("module", BANK.modules, ids=lambda m: m.slug)
def test_yaml_to_gift_to_yaml_keeps_every_question_but_ordering(module):
    questions, warnings = reread(module)
    held = [q for q in module.questions if q.type != "ordering"]
    assert without_lines(questions) == without_lines(held)
    assert warnings == [
        f"{q.id}: ordering questions have no GIFT form; written as a comment"
        for q in module.questions
        if q.type == "ordering"
    ]
    # the bank file written back is the same text as the original's, ordering questions aside
    assert dump_module(dataclasses.replace(module, questions=questions)) == dump_module(
        dataclasses.replace(module, questions=held)
    )


def test_shipped_banks_cover_every_type_gift_holds():
    kinds = {q.type for m in BANK.modules for q in m.questions}
    assert kinds == {"single", "multiple", "true_false", "numeric", "ordering", "matching"}


def test_gift_to_yaml_to_gift(tmp_path):
    path = FIXTURES / "every_construct.gift"
    first, problems = gift_questions(
        path.read_text(encoding="utf-8"), str(path), sources=BANK.sources, defaults={"source": "E28"}
    )
    assert problems == []
    module = ModuleSpec(
        slug="every-construct",
        title="Every GIFT construct",
        order=1,
        pass_mark=80,
        questions_per_attempt=5,
        required_for_certification=False,
        lesson="All of GIFT.",
        questions=first,
    )
    bank_file = tmp_path / "every-construct.yaml"
    bank_file.write_text(dump_module(module), encoding="utf-8")
    from_yaml = load_banks([bank_file], sources_path=ROOT / "question_banks" / "sources.yaml").modules[0]
    assert without_lines(from_yaml.questions) == without_lines(first)
    gift_text, warnings = write_gift(from_yaml)
    assert warnings == []
    second, problems = gift_questions(gift_text, "again.gift", sources=BANK.sources)
    assert problems == []
    assert without_lines(second) == without_lines(first)
    # and writing what was read back gives the same GIFT text: a fixed point
    assert write_gift(dataclasses.replace(from_yaml, questions=second))[0] == gift_text


def question(**fields) -> QuestionSpec:
    base = {"id": "q1", "stem": "Stem?", "explanation": "Because.", "source": "E30"}
    return QuestionSpec(**(base | fields))


def module_of(*questions: QuestionSpec) -> ModuleSpec:
    return ModuleSpec(
        slug="m",
        title="M",
        order=1,
        pass_mark=80,
        questions_per_attempt=1,
        required_for_certification=False,
        lesson="L",
        questions=list(questions),
    )


def test_text_gift_would_misread_survives_the_round_trip():
    tricky = question(
        type="single",
        stem="[html] is not a format here: {braces}, #hash, ~tilde, = and : and a \\ backslash\nsecond line",
        spec={
            "options": [
                {"text": "%50% of clients", "correct": True, "feedback": "[plain] stays"},
                {"text": "[markdown] text", "correct": False, "feedback": ""},
                {"text": "a -> b", "correct": False, "feedback": "#1"},
            ]
        },
        explanation="[html]<b>not bold</b>",
        tags=["a b", "123", "yes"],
        points=3,
        source="123",
    )
    matching = question(
        id="q2",
        type="matching",
        spec={"pairs": [{"left": "[b]", "right": "x -> y"}, {"left": "%1%", "right": "[z]"}], "distractors": ["#"]},
    )
    multiple = question(
        id="q3",
        type="multiple",
        spec={"options": [{"text": t, "correct": t != "d", "feedback": ""} for t in "abcd"]},
        critical=True,
        review_status="draft",
        assessed=False,
        group="same-fact",
    )
    numeric = question(id="q4", type="numeric", spec={"answer": "-0.5", "tolerance": "0", "unit": "%"})
    module = module_of(tricky, matching, multiple, numeric)
    questions, warnings = reread(module, sources=None)  # "123" is no listed source; a number-like text is the test
    assert warnings == []
    assert without_lines(questions) == without_lines(module.questions)


def test_what_gift_cannot_hold_is_written_as_a_comment_with_a_warning():
    pairs = [{"left": "a -> b", "right": "1"}, {"left": "c", "right": "2"}]
    arrow = question(type="matching", spec={"pairs": pairs, "distractors": []})
    ordering = question(id="q2", type="ordering", spec={"items": ["one", "two", "@source: x"]})
    text, warnings = write_gift(module_of(arrow, ordering))
    assert warnings == [
        "q1: a matching left side containing '->' cannot be written in GIFT; written as a comment",
        "q2: ordering questions have no GIFT form; written as a comment",
    ]
    assert "// | 3. @source: x" in text
    assert parse_gift(text, "w.gift") == ([], [])


TEXT = (
    st.text(
        alphabet=st.one_of(
            st.characters(blacklist_categories=("Cs", "Cc", "Co")), st.sampled_from(list("{}=~#:%[]\\-> \n/@"))
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=150, deadline=None)
@given(
    stem=TEXT,
    texts=st.lists(TEXT, min_size=2, max_size=5, unique_by=str.casefold),
    feedback=st.lists(st.one_of(st.just(""), TEXT), min_size=5, max_size=5),
    explanation=TEXT,
    keys=st.integers(min_value=1, max_value=5),
    rights=st.lists(TEXT.filter(lambda t: "->" not in t), min_size=2, max_size=4, unique_by=str.casefold),
)
def test_any_text_survives_yaml_to_gift_to_yaml(stem, texts, feedback, explanation, keys, rights):
    options = [
        {"text": t, "correct": n < keys, "feedback": f} for n, (t, f) in enumerate(zip(texts, feedback, strict=False))
    ]
    single = question(
        type="single",
        stem=stem,
        explanation=explanation,
        spec={"options": [{**o, "correct": n == 0} for n, o in enumerate(options)]},
    )
    multiple = question(id="q2", type="multiple", stem=stem, explanation=explanation, spec={"options": options})
    pairs = [{"left": left, "right": texts[n % len(texts)]} for n, left in enumerate(rights)]
    matching = question(
        id="q3", type="matching", stem=stem, explanation=explanation, spec={"pairs": pairs, "distractors": []}
    )
    module = module_of(single, multiple, matching)
    questions, warnings = reread(module, sources=None)
    assert warnings == []
    assert without_lines(questions) == without_lines(module.questions)
