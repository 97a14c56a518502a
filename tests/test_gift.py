"""GIFT: every construct read, malformed and unsupported blocks reported, a Moodle export imported, fuzzed."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizapp import ROOT
from quizapp.bank_loader import Bank, LineDict, ModuleSpec, Problem, check_questions, load_banks
from quizapp.gift import gift_questions, parse_gift, with_questions
from quizapp.models import Question
from quizapp.services.banks import import_bank

FIXTURES = Path(__file__).parent / "fixtures" / "gift"
SOURCES = load_banks([ROOT / "question_banks"]).sources


def read(name: str, **defaults) -> tuple[list[dict], list[Problem]]:
    path = FIXTURES / name
    mappings, problems = parse_gift(path.read_text(encoding="utf-8"), str(path), sources=SOURCES, defaults=defaults)
    return [dict(m) for m in mappings], problems


def test_every_construct_is_read_without_problems():
    questions, problems = read("every_construct.gift", source="E28")
    assert [str(p) for p in problems] == []
    by_id = {q["id"]: q for q in questions}
    assert list(by_id) == [
        "depth-eyes",
        "treat-or-refer",
        "three-keys",
        "tf-short",
        "tf-feedback",
        "num-tolerance",
        "num-range",
        "num-several",
        "match-depths",
        "escapes",
        "html-text",
        "markdown-text",
        "every_construct-013",  # no ::name:: -> generated from the file name and its number
        "cheek-texture",  # "Cheek & texture" slugified
        "cheek-texture-2",  # "Cheek — texture" slugifies alike -> made unique
    ]
    # single choice, per-answer and general feedback, metadata comments
    assert by_id["depth-eyes"] == {
        "id": "depth-eyes",
        "type": "single",
        "stem": "Which needle setting fits the under-eye (periorbital) area?",
        "options": [
            {"text": "0.25 mm", "correct": True},
            {"text": "1.0 mm", "feedback": "A cheek setting, far too deep for eyelid skin."},
            {"text": "1.5 mm", "feedback": "An acne-scar setting for thick skin."},
        ],
        "explanation": "The periorbital band is 0.2–0.3 mm because eyelid skin is the thinnest.",
        "source": "E30",
        "tags": ["face", "periorbital"],
        "group": "eye-depth",
        "critical": True,
    }
    # weights +50/-50 with two keys: multiple choice; the default source fills in where no @source is given
    assert by_id["treat-or-refer"]["type"] == "multiple"
    assert [o.get("correct", False) for o in by_id["treat-or-refer"]["options"]] == [True, True, False, False]
    assert by_id["treat-or-refer"]["points"] == 2
    assert [o.get("correct", False) for o in by_id["three-keys"]["options"]] == [True, True, True, False]
    assert by_id["three-keys"]["source"] == "E28"
    assert by_id["three-keys"]["stem"] == "Which of these belong in aftercare on day 0?"  # [plain] prefix read
    # true/false, and true/false with both feedbacks as a single choice that keeps them
    assert (by_id["tf-short"]["type"], by_id["tf-short"]["answer"], by_id["tf-short"]["review_status"]) == (
        "true_false",
        True,
        "draft",
    )
    assert by_id["tf-feedback"]["type"] == "single"
    assert by_id["tf-feedback"]["options"] == [
        {"text": "True", "feedback": "It pierces the skin, so it is minimally invasive."},
        {"text": "False", "correct": True, "feedback": "Right: it pierces the skin."},
    ]
    # numeric: tolerance, range (midpoint and half-width), several answers joined into one range
    numeric = {k: (by_id[k]["answer"], by_id[k]["tolerance"], by_id[k]["unit"]) for k in by_id if k.startswith("num")}
    assert numeric == {
        "num-tolerance": ("0.375", "0.125", "mm"),
        "num-range": ("1.75", "0.25", "mm"),
        "num-several": ("0.8", "0.3", "mm"),  # 0.5–0.7 joined with 0.7–1.1; the 0 % answer dropped
    }
    assert by_id["num-range"]["assessed"] is False
    assert by_id["match-depths"]["pairs"][0] == {"left": "Under the eyes", "right": "0.2–0.3 mm"}
    assert by_id["match-depths"]["distractors"] == ["2.0–3.0 mm"]
    # escapes
    assert by_id["escapes"]["stem"] == 'Which sign means "approximately": ~, = or #?\nPick one {exactly one}.'
    assert [o["text"] for o in by_id["escapes"]["options"]] == ["~ (tilde)", "= (equals)", "# (hash)", "a back\\slash"]
    assert by_id["escapes"]["options"][0]["feedback"] == 'Right: ~ reads "about".'
    # [html] and [markdown] read into plain text
    assert by_id["html-text"]["stem"] == "Which product is NOT used on day 0?"
    assert by_id["html-text"]["options"][0] == {
        "text": "An exfoliating scrub",
        "correct": True,
        "feedback": "Scrubs tear healing skin.",
    }
    assert by_id["html-text"]["options"][2]["text"] == "A bland moisturiser"
    assert by_id["html-text"]["explanation"] == "Scrubs wait until the skin has healed.\n\nGentle products only."
    assert by_id["markdown-text"]["stem"] == "Is redness for 1–3 days expected after a facial treatment?"


def test_malformed_and_unsupported_blocks_are_each_reported_by_line_and_name():
    path = FIXTURES / "malformed.gift"
    questions, problems = read("malformed.gift", source="E30")
    found = [(p.line, p.qid, p.message) for p in problems]
    expected = [
        (3, "essay", "essay questions ({}) are not supported"),
        (5, "short", "short-answer questions are not supported"),
        (7, "lower-tf", "short-answer questions are not supported (for true/false write {TRUE} or {FALSE}"),
        (9, "missing-word", "missing-word questions (answers inside the sentence) are not supported"),
        (11, "description", "a description (text with no {answers}) is not a question we can hold"),
        (13, "unclosed-brace", "unbalanced braces"),
        (15, "single-two-keys", "single choice needs exactly one '=' answer, has 2"),
        (17, "partial-single", "partial or negative credit (50%) is not supported in single choice"),
        (19, "bad-weights", "weight -100% does not match our multiple-choice scoring"),
        (21, "unweighted-wrong", "a wrong answer without a negative weight"),
        (23, "bad-weight", "malformed weight %fifty%"),
        (25, "num-partial", "partial credit (50%) is not supported"),
        (27, "num-gap", "several right answers that do not join into one range"),
        (29, "num-text", "not a number with a tolerance: 'about two'"),
        (31, "num-feedback", "per-answer feedback has no place in numeric questions"),
        (33, "match-feedback", "matching answers take no feedback"),
        (35, "no-general", "no general feedback (####...)"),
        (37, "html-image", "question text: HTML <img> cannot be shown"),
        (39, "malformed-019", "question name opened with '::' is not closed"),
        (41, "-", "metadata comment with no question in its block"),
        (43, "unknown-meta", "unknown metadata '@colour'"),
        (47, "no-source-listed", "source 'NOT-A-SOURCE' is not listed in sources.yaml"),
        (49, "duplicate-options", "duplicate option text 'b'"),
        (52, "-", "put a blank line between $CATEGORY: and the question"),
    ]
    assert len(found) == len(expected), "\n".join(map(str, problems))
    for (line, qid, message), (want_line, want_qid, want_start) in zip(found, expected, strict=True):
        assert (line, qid) == (want_line, want_qid), message
        assert message.startswith(want_start), message
    assert str(problems[0]) == f"{path}:3: essay: essay questions ({{}}) are not supported"
    # only blocks that read as GIFT come back; the bank checks (source list, duplicate options) still apply
    assert [q["id"] for q in questions] == ["unknown-meta", "no-source-listed", "duplicate-options"]


def test_missing_source_or_unit_without_defaults_is_a_problem():
    _, problems = parse_gift("::n::How deep, in mm?{#1.5:0.5####Because.}", "x.gift")
    assert [str(p) for p in problems] == [
        "x.gift:1: n: no source: add a '// @source: <id>' comment to the question or choose a default source"
    ]
    _, problems = parse_gift("// @source: E30\n::n::How deep, in mm?{#1.5:0.5####Because.}", "x.gift")
    assert [p.message for p in problems] == [
        "numeric question needs a unit: add a '// @unit: mm' comment or choose a default unit"
    ]


def test_moodle_export_imports(app, db):
    specs, problems = gift_questions(
        (FIXTURES / "moodle_export.gift").read_text(encoding="utf-8"),
        "moodle_export.gift",
        sources=SOURCES,
        defaults={"source": "E30", "unit": "mm"},
    )
    assert [str(p) for p in problems] == []
    assert [(q.id, q.type) for q in specs] == [
        ("under-eye-depth", "single"),
        ("do-not-treat-today", "multiple"),
        ("numbing-first", "single"),  # true/false with feedback
        ("non-invasive", "true_false"),
        ("forehead-depth", "numeric"),
        ("match-depths", "matching"),
    ]
    assert specs[0].stem == "Which needle setting fits the under-eye (periorbital) area?"
    assert specs[0].explanation == "The periorbital band is 0.2–0.3 mm: eyelid skin is the thinnest."
    assert specs[1].spec["options"][0]["feedback"] == "Active infection: refer."
    assert specs[2].spec["options"] == [
        {"text": "True", "correct": True, "feedback": "Correct."},
        {"text": "False", "correct": False, "feedback": "Numbing comes before the needles."},
    ]
    assert specs[4].spec == {"answer": "0.375", "tolerance": "0.125", "unit": "mm"}
    assert specs[5].spec["distractors"] == ["2.0–3.0 mm"]
    module = ModuleSpec(
        slug="moodle-import",
        title="Imported from Moodle",
        order=9,
        pass_mark=80,
        questions_per_attempt=3,
        required_for_certification=False,
        lesson="Imported.",
        questions=specs,
    )
    report = import_bank(db, Bank(modules=[module], sources=SOURCES))
    db.commit()
    assert report.created == 6
    assert sorted(db.scalars(select(Question.key))) == sorted(q.id for q in specs)


GIFT_ALPHABET = st.sampled_from(
    [*"{}=~#:%->[]\\/\n \tTFab01.$<>&", "::", "//", "####", "->", "[html]", "[markdown]", "\\n", "$CATEGORY:"]
    + ["\ue001", "%50%", "%-50%", "..", "TRUE", "<p>", "<img>", "\n// @source: ", "\n// @tags: ", "\n// @points: "]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(GIFT_ALPHABET, max_size=80).map("".join)))
def test_parser_never_raises(text):
    mappings, problems = parse_gift(text, "fuzz.gift", defaults={"source": "E30", "unit": "mm"})
    assert all(isinstance(p, Problem) and p.file == "fuzz.gift" and p.line >= 1 for p in problems)
    assert all(isinstance(m, dict) for m in mappings)


def test_check_questions_reports_repeated_ids_under_the_given_labels():
    def mapping(line: int) -> LineDict:
        raw = LineDict(line)
        raw.update(id="same", type="true_false", stem="S?", answer=True, explanation="E.", source="E30")
        return raw

    specs, problems = check_questions("f.gift", [mapping(1), mapping(5)], SOURCES, ["First", "Second"])
    assert [q.id for q in specs] == ["same", "same"]
    assert [str(p) for p in problems] == ["f.gift:5: Second: duplicate id, first at f.gift:1"]


def test_imported_questions_add_to_a_module_and_replace_by_id():
    module = load_banks([ROOT / "question_banks"]).modules[0]
    first, second = module.questions[0], module.questions[1]
    text = (
        f"// @source: {first.source}\n::{first.id}::Changed stem?{{TRUE####Changed.}}\n\n"
        "// @source: E30\n::brand-new::New question?{FALSE####New.}"
    )
    specs, problems = gift_questions(text, "add.gift", sources=SOURCES)
    assert problems == []
    merged = with_questions(module, specs)
    assert [q.id for q in merged.questions] == [q.id for q in module.questions] + ["brand-new"]
    assert merged.questions[0].stem == "Changed stem?" and merged.questions[1] == second
    assert (merged.slug, merged.lesson) == (module.slug, module.lesson)
