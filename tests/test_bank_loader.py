"""The bank loader: every problem reported with file and line, plain dataclasses, dump -> load round trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from quizapp import ROOT
from quizapp.bank_loader import (
    BankError,
    BankYamlLoader,
    LineDict,
    Problem,
    dump_module,
    load_banks,
    read_yaml,
    summary,
)
from quizapp.bank_loader.schema import SOURCE_KEYS

FIXTURES = Path(__file__).parent / "fixtures" / "banks"
VALID = FIXTURES / "valid"
BROKEN = FIXTURES / "broken"
SHIPPED_DIR = ROOT / "question_banks"
SHIPPED = sorted(p for p in SHIPPED_DIR.glob("*.yaml") if p.name != "sources.yaml")
NO_BANKS_YET = [pytest.param(None, marks=pytest.mark.skip(reason="no shipped banks yet"))]

# (file, line, question id, part of the message): every problem the broken fixtures hold, nothing else.
EXPECTED = [
    ("bad_flags.yaml", 16, "flags-1", "review_status must be draft or approved"),
    ("bad_flags.yaml", 17, "flags-1", "assessed must be true or false"),
    ("bad_flags.yaml", 24, "flags-2", "critical must be true or false"),
    ("bad_flags.yaml", 25, "flags-2", "points must be a whole number from 1 to 100, not 0"),
    ("bad_flags.yaml", 32, "flags-3", "points must be a whole number from 1 to 100, not 1.5"),
    ("bad_slug.yaml", 2, "module", "slug must be lower-case letters"),
    ("bad_slug.yaml", 10, "bad slug 1", "id must be letters, digits"),
    ("bad_source.yaml", 10, "source-1", "missing key 'source'"),
    ("bad_source.yaml", 20, "source-2", "source 'some-blog.txt' is not listed in sources.yaml"),
    ("bad_tags.yaml", 16, "tags-1", "tags must be a list of non-empty texts"),
    ("bad_tags.yaml", 23, "tags-2", "tags must be a list of non-empty texts"),
    (
        "draw_impossible.yaml",
        8,
        "module",
        "draw asks for 3 questions in all, more than questions_per_attempt (2)",
    ),
    (
        "draw_impossible.yaml",
        9,
        "module",
        "draw needs 2 questions tagged 'face'; the module has 1 usable question",
    ),
    ("draw_impossible.yaml", 11, "module", "draw entry 3: count must be a whole number, at least 1"),
    ("duplicate_id_second.yaml", 10, "shared-id", "duplicate id, first at "),
    ("duplicate_keys.yaml", 6, "module", "duplicate key 'pass_mark'"),
    ("duplicate_keys.yaml", 14, "dupkeys-1", "duplicate key 'stem'"),
    ("duplicate_keys.yaml", 17, "dupkeys-1", "duplicate key 'text'"),
    ("duplicate_slug.yaml", 2, "module", "duplicate module slug, first at "),
    ("empty_text.yaml", 12, "empty-1", "stem must be non-empty text"),
    ("empty_text.yaml", 14, "empty-1", "explanation must be non-empty text"),
    (
        "malformed_yaml.yaml",
        6,
        "-",
        "malformed YAML: found unexpected end of stream (while scanning a quoted scalar at line 3)",
    ),
    ("matching.yaml", 10, "matching-one-pair", "needs at least 2 pairs, has 1"),
    ("matching.yaml", 17, "matching-bad-pairs", "pair 3 right is missing"),
    ("matching.yaml", 17, "matching-bad-pairs", "duplicate left 'forehead'"),
    ("matching.yaml", 17, "matching-bad-pairs", "distractor '0.25–0.5 mm' is also a right-hand answer"),
    ("missing_keys.yaml", 2, "module", "missing key 'title'"),
    ("missing_keys.yaml", 9, "missing-1", "missing key 'stem'"),
    ("missing_keys.yaml", 9, "missing-1", "missing key 'source'"),
    ("missing_keys.yaml", 9, "missing-1", "missing key 'options'"),
    ("module_settings.yaml", 4, "module", "order must be a whole number"),
    ("module_settings.yaml", 5, "module", "pass_mark must be a whole percentage from 1 to 100, not 0"),
    ("module_settings.yaml", 6, "module", "questions_per_attempt is 3, more than the 1 usable question"),
    (
        "module_settings.yaml",
        7,
        "module",
        "time_limit_minutes must be a whole number of minutes from 0 (untimed) to 1440",
    ),
    ("module_settings.yaml", 8, "module", "required_for_certification must be true or false"),
    ("module_settings.yaml", 9, "module", "review must be one of full, score_only, not 'none'"),
    ("module_settings.yaml", 10, "module", "attempts_per_day must be a whole number from 1 to 100, not 0"),
    (
        "module_settings.yaml",
        11,
        "module",
        "cooldown_minutes must be a whole number of minutes from 0 to 43200 (30 days), not -1",
    ),
    ("module_settings.yaml", 12, "module", "lesson must be non-empty text"),
    ("multiple_choice.yaml", 10, "multiple-none-correct", "needs at least one correct option, has none"),
    ("multiple_choice.yaml", 19, "multiple-one-option", "needs at least 2 options, has 1"),
    ("multiple_choice.yaml", 27, "multiple-not-a-list", "options must be a list"),
    ("no_questions_key.yaml", 1, "-", "missing key 'questions'"),
    ("numeric.yaml", 10, "numeric-missing", "missing key 'tolerance'"),
    ("numeric.yaml", 10, "numeric-missing", "missing key 'unit'"),
    ("numeric.yaml", 16, "numeric-negative", "tolerance must be 0 or more"),
    ("numeric.yaml", 16, "numeric-negative", "unit must be non-empty text"),
    ("numeric.yaml", 24, "numeric-not-numbers", "answer must be a finite number"),
    ("numeric.yaml", 24, "numeric-not-numbers", "tolerance must be a finite number"),
    ("ordering.yaml", 10, "ordering-two", "needs at least 3 items, has 2"),
    ("ordering.yaml", 16, "ordering-duplicate", "item 4 is empty"),
    ("ordering.yaml", 16, "ordering-duplicate", "duplicate item 'cleanse'"),
    ("single_choice.yaml", 10, "single-none-correct", "needs exactly one correct option, has 0"),
    ("single_choice.yaml", 18, "single-two-correct", "needs exactly one correct option, has 2"),
    ("single_choice.yaml", 28, "single-bad-options", "option 3 text is empty"),
    ("single_choice.yaml", 28, "single-bad-options", "option 4 text must be text; put quotes around 2"),
    ("single_choice.yaml", 28, "single-bad-options", "option 5: correct must be true or false"),
    ("single_choice.yaml", 28, "single-bad-options", "duplicate option text '0.5 MM'"),
    ("single_choice.yaml", 41, "single-one-option", "needs at least 2 options, has 1"),
    (
        "top_level_list.yaml",
        1,
        "-",
        "top level must be a mapping with 'module' and 'questions', found a list",
    ),
    ("true_false.yaml", 10, "tf-quoted", "answer must be true or false, not 'false'"),
    ("true_false.yaml", 16, "tf-missing", "missing key 'answer'"),
    ("unknown_keys.yaml", 6, "module", "unknown key 'pass_grade'"),
    ("unknown_keys.yaml", 10, "-", "unknown key 'extra'"),
    ("unknown_keys.yaml", 12, "unknown-1", "option 1: unknown key 'explain'"),
    ("unknown_keys.yaml", 15, "unknown-1", "unknown key 'hint'"),
    ("unknown_keys.yaml", 16, "unknown-1", "unknown key 'answer'"),
    (
        "unknown_type.yaml",
        11,
        "unknown-type-1",
        "unknown type 'essay'; expected one of single, multiple, true_false",
    ),
    ("unsafe_tag.yaml", 1, "-", "malformed YAML: could not determine a constructor for the tag"),
]


def _problems(*paths: Path | str, sources: Path | None = None) -> list[Problem]:
    with pytest.raises(BankError) as caught:
        load_banks(paths, sources_path=sources)
    return caught.value.problems


@pytest.fixture(scope="module")
def broken() -> list[Problem]:
    return _problems(BROKEN)


@pytest.fixture(scope="module")
def valid():
    return load_banks([VALID])


# ---- the valid fixture bank -----------------------------------------------------------------------------


def test_valid_bank_loads_into_plain_dataclasses(valid):
    alpha, beta = valid.modules
    assert (alpha.slug, alpha.title, alpha.order, alpha.pass_mark, alpha.questions_per_attempt) == (
        "alpha",
        "Alpha: every question type",
        1,
        80,
        5,
    )
    assert alpha.draw == [{"tag": "face", "count": 2}, {"tag": "back", "count": 1}]
    assert alpha.lesson.startswith("## Alpha\n\nA lesson in *Markdown*")
    assert alpha.path == str(VALID / "alpha.yaml")
    assert [q.id for q in alpha.usable] == [
        "alpha-single-1",
        "alpha-multiple-1",
        "alpha-tf-1",
        "alpha-numeric-1",
        "alpha-numeric-2",
        "alpha-ordering-1",
        "alpha-matching-1",
    ]
    assert sorted(valid.sources) == ["R1", "seed-a.txt"]
    assert valid.sources["R1"]["url"] == "https://example.org/r1"
    assert (
        beta.time_limit_minutes,
        beta.review,
        beta.draw,
        beta.attempts_per_day,
        beta.cooldown_minutes,
    ) == (0, "score_only", [], 5, 30)
    assert (alpha.attempts_per_day, alpha.cooldown_minutes, alpha.required_for_certification) == (3, 0, True)
    with pytest.raises(AttributeError):
        alpha.slug = "other"  # type: ignore[misc]


def test_questions_carry_normalised_specs_and_defaults(valid):
    questions = {q.id: q for q in valid.modules[0].questions}
    single = questions["alpha-single-1"]
    assert single.spec["options"][1] == {"text": "Cheeks", "correct": False, "feedback": ""}
    assert (single.critical, single.points, single.review_status, single.assessed, single.line) == (
        True,
        1,
        "approved",
        True,
        21,
    )
    assert questions["alpha-multiple-1"].points == 2
    assert questions["alpha-multiple-1"].explanation == (
        "Sun protection and a gentle cleanser protect healing skin; scrubs and heat irritate it."
    )
    assert questions["alpha-numeric-1"].spec == {"answer": "0.375", "tolerance": "0.125", "unit": "mm"}
    assert questions["alpha-numeric-2"].spec == {"answer": "30", "tolerance": "10", "unit": "minutes"}
    assert questions["alpha-matching-1"].spec["distractors"] == ["3.0 mm"]
    assert questions["alpha-matching-1"].explanation == "Thin skin over bone is shallow.\nThe back is deepest."
    assert questions["alpha-practice-1"].assessed is False and not questions["alpha-practice-1"].usable
    assert questions["alpha-draft-1"].review_status == "draft" and not questions["alpha-draft-1"].usable
    assert valid.modules[1].questions[0].spec == {"answer": True}


def test_version_fields_and_content_hash(valid):
    question = valid.modules[0].questions[0]
    assert set(question.version_fields()) == {
        "type",
        "stem",
        "spec",
        "explanation",
        "source",
        "points",
        "critical",
    }
    assert len(question.content_hash) == 64
    assert len({q.content_hash for q in valid.modules[0].questions}) == len(valid.modules[0].questions)


def test_summary(valid):
    assert summary(valid) == [
        "alpha: 9 questions, 7 usable (approved+assessed) in 6 draw units, 1 practice, 1 draft; "
        "types: single 2, multiple 1, true_false 2, numeric 2, ordering 1, matching 1",
        "beta: 1 questions, 1 usable (approved+assessed), 0 practice, 0 draft; types: true_false 1",
    ]


def test_files_and_directories_mix_and_sources_yaml_is_skipped():
    bank = load_banks([VALID / "beta.yaml", VALID / "sources.yaml", VALID, VALID / "beta.yaml"])
    assert [m.slug for m in bank.modules] == ["beta", "alpha"]


def test_sources_default_to_the_first_files_directory_and_can_be_given():
    problems = _problems(VALID, sources=SHIPPED_DIR / "sources.yaml")
    assert {p.message for p in problems} == {
        "source 'R1' is not listed in sources.yaml",
        "source 'seed-a.txt' is not listed in sources.yaml",
    }


# ---- broken fixtures: one file per kind of mistake ------------------------------------------------------


def test_every_problem_in_every_file_is_reported_in_one_run(broken):
    found = [(Path(p.file).name, p.line, p.qid, p.message) for p in broken]
    for file, line, qid, fragment in EXPECTED:
        assert any(f == file and ln == line and q == qid and fragment in m for f, ln, q, m in found), (
            file,
            line,
            qid,
            fragment,
        )
    assert len(found) == len(EXPECTED), "\n".join(map(str, broken))


def test_each_broken_fixture_file_is_reported(broken):
    reported = {Path(p.file).name for p in broken}
    fixtures = {p.name for p in BROKEN.glob("*.yaml")} - {"sources.yaml", "duplicate_id_first.yaml"}
    assert fixtures <= reported


def test_problems_render_as_file_line_id_message(broken):
    rendered = [str(p) for p in broken]
    assert f"{BROKEN / 'true_false.yaml'}:16: tf-missing: missing key 'answer'" in rendered
    assert str(BankError(broken)).splitlines()[0] == f"{len(EXPECTED)} problem(s) in the question banks:"


def test_duplicate_ids_across_files_name_the_first(broken):
    (dup,) = [p for p in broken if p.message.startswith("duplicate id")]
    assert dup.message == f"duplicate id, first at {BROKEN / 'duplicate_id_first.yaml'}:10"


def test_problems_are_sorted_by_file_then_line(broken):
    order = [(p.file, p.line) for p in broken]
    assert order == sorted(order)


def test_duplicate_keys_in_a_string():
    loader = BankYamlLoader("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n")
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    assert isinstance(data, LineDict) and data == {"a": 4, "b": {"c": 3}}
    assert data.duplicates == [("a", 5)]
    assert data["b"].duplicates == [("c", 4)] and data["b"].line == 3
    assert data.key_lines == {"a": 1, "b": 2}


def test_read_yaml_records_lines():
    data, problems = read_yaml(VALID / "alpha.yaml")
    assert problems == []
    assert data["module"].line == 2 and data["questions"][0].line == 21
    assert data["questions"][0].key_lines["options"] == 24


def test_the_loader_is_a_safe_loader():
    assert issubclass(BankYamlLoader, yaml.SafeLoader)


def test_missing_path_and_empty_directory(tmp_path):
    problems = _problems(tmp_path / "nope.yaml", tmp_path)
    assert {(p.file, p.line, p.message) for p in problems} == {
        (str(tmp_path / "nope.yaml"), 0, "no such file or directory"),
        (str(tmp_path), 0, "no *.yaml bank files in this directory"),
    }


def test_sources_list_comes_from_beside_the_files_else_the_fallback_else_a_problem(tmp_path):
    shutil.copy(VALID / "beta.yaml", tmp_path / "beta.yaml")
    (problem,) = _problems(tmp_path / "beta.yaml")
    assert (problem.file, problem.line, problem.qid) == (str(tmp_path / "beta.yaml"), 0, "-")
    assert problem.message == "no sources.yaml beside the bank files and none given, so no source can be checked"
    bank = load_banks([tmp_path / "beta.yaml"], fallback_sources=VALID / "sources.yaml")
    assert bank.sources["R1"]["tier"] == "A"
    # A list beside the files wins over the fallback.
    shutil.copy(SHIPPED_DIR / "sources.yaml", tmp_path / "sources.yaml")
    problems = _problems(tmp_path / "beta.yaml")
    assert [p.message for p in problems] == ["source 'seed-a.txt' is not listed in sources.yaml"]
    assert _problems(tmp_path / "beta.yaml", sources=None) == problems


def test_missing_sources_list_is_one_problem(tmp_path):
    shutil.copy(VALID / "beta.yaml", tmp_path / "beta.yaml")
    problems = _problems(tmp_path / "beta.yaml", sources=tmp_path / "sources.yaml")
    assert [p.message for p in problems] == ["sources list not found, so no source can be checked"]


def test_bad_sources_entries_are_reported(tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  R1: {title: A, url: 'https://x', tier: A}\n  R2: {title: '', tier: D}\n  R3: nothing\n",
        encoding="utf-8",
    )
    shutil.copy(VALID / "beta.yaml", tmp_path / "beta.yaml")
    (tmp_path / "beta.yaml").write_text((VALID / "beta.yaml").read_text().replace("seed-a.txt", "R1"))
    problems = _problems(tmp_path)
    assert [(p.line, p.qid, p.message) for p in problems] == [
        (3, "R2", "title must be non-empty text"),
        (3, "R2", "needs a url or a seed file name"),
        (3, "R2", "tier must be one of A, B, C"),
        (4, "R3", "must be a mapping with title, url or seed, and tier"),
    ]


def test_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("module: {title: 'Ã©t\xe9'}\n".encode("latin-1"))
    problems = _problems(tmp_path, sources=VALID / "sources.yaml")
    assert problems[0].message.startswith("not UTF-8 text")


def test_several_questions_not_mappings(tmp_path):
    text = (VALID / "beta.yaml").read_text() + "  - just a string\n"
    (tmp_path / "beta.yaml").write_text(text)
    problems = _problems(tmp_path, sources=VALID / "sources.yaml")
    assert [(p.line, p.message) for p in problems] == [(12, "question 2 must be a mapping")]


# ---- dump -> load round trip ----------------------------------------------------------------------------


def _round_trip(modules, tmp_path: Path, sources: Path):
    for module in modules:
        (tmp_path / f"{module.slug}.yaml").write_text(dump_module(module), encoding="utf-8")
    again = load_banks([tmp_path / f"{m.slug}.yaml" for m in modules], sources_path=sources)
    for before, after in zip(modules, again.modules, strict=True):
        assert after.settings() == before.settings()
        assert [q.content_hash for q in after.questions] == [q.content_hash for q in before.questions]
        assert [(q.id, q.tags, q.group, q.review_status, q.assessed) for q in after.questions] == [
            (q.id, q.tags, q.group, q.review_status, q.assessed) for q in before.questions
        ]
        assert dump_module(after) == dump_module(before)


def test_fixture_bank_round_trips(valid, tmp_path):
    _round_trip(valid.modules, tmp_path, VALID / "sources.yaml")


def test_dump_leaves_defaults_out_and_writes_blocks_and_numbers(valid):
    text = dump_module(valid.modules[0])
    assert text.startswith("module:\n  slug: alpha\n")
    assert "  lesson: |\n    ## Alpha\n" in text
    assert "correct: false" not in text and "feedback: ''" not in text and "points: 1\n" not in text
    assert "    answer: 0.375\n    tolerance: 0.125\n    unit: mm\n" in text
    assert "    answer: 30\n    tolerance: 10\n" in text
    assert "    tags: [face, back]\n" in text and "    - {tag: face, count: 2}\n" in text
    assert "    points: 2\n" in text and "    critical: true\n" in text
    assert "    review_status: draft\n" in text and "    assessed: false\n" in text
    assert text.count("    group: face-depth\n") == 2 and "group: null" not in text
    assert "0.25–0.5 mm" in text


@pytest.mark.parametrize("path", SHIPPED or NO_BANKS_YET, ids=lambda p: p.name if p else "none")
def test_shipped_bank_validates_with_30_usable_questions(path):
    (module,) = load_banks([path]).modules
    assert len(module.usable) >= 30, summary(load_banks([path]))


@pytest.mark.parametrize("path", SHIPPED or NO_BANKS_YET, ids=lambda p: p.name if p else "none")
def test_shipped_bank_round_trips(path, tmp_path):
    _round_trip(load_banks([path]).modules, tmp_path, SHIPPED_DIR / "sources.yaml")


@pytest.mark.skipif(not SHIPPED, reason="no shipped banks yet")
def test_shipped_banks_validate_together():
    bank = load_banks([SHIPPED_DIR])
    assert len(bank.modules) == len(SHIPPED)


def _bank_file(tmp_path, extra_module: str = "", lesson: str = '"## L"', tags: str = "[face]"):
    import shutil

    from quizapp import ROOT

    shutil.copy(ROOT / "question_banks" / "sources.yaml", tmp_path / "sources.yaml")
    path = tmp_path / "bank.yaml"
    path.write_text(
        "module:\n  slug: x\n  title: X\n  order: 1\n  pass_mark: 80\n  questions_per_attempt: 1\n"
        f"  required_for_certification: true\n{extra_module}  lesson: {lesson}\n"
        "questions:\n  - id: x-1\n    type: true_false\n    stem: S\n    answer: true\n    explanation: E\n"
        f"    source: E12\n    tags: {tags}\n"
    )
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("  cooldown_minutes: 1000000000000\n", "cooldown_minutes must be a whole number of minutes from 0 to 43200"),
        ("  time_limit_minutes: 100000\n", "time_limit_minutes must be a whole number of minutes from 0"),
        ("  attempts_per_day: 100000000000000000000\n", "attempts_per_day must be a whole number from 1 to 100"),
    ],
)
def test_settings_have_realistic_bounds(tmp_path, extra, message):
    with pytest.raises(BankError) as err:
        load_banks([_bank_file(tmp_path, extra)])
    assert message in str(err.value)


def test_aliases_and_nul_characters_are_refused_with_a_line(tmp_path):
    with pytest.raises(BankError) as err:
        load_banks([_bank_file(tmp_path, tags="&t [face, *t]")])
    assert "bank.yaml:16: -: malformed YAML: aliases (*name) are not allowed" in str(err.value)
    with pytest.raises(BankError) as err:
        load_banks([_bank_file(tmp_path, lesson='"## L\\0"')])
    assert "bank.yaml:8: -: malformed YAML: text contains a NUL character" in str(err.value)


@pytest.mark.parametrize("review_status", ["draft", "approved"])
@pytest.mark.parametrize("assessed", [True, False])
@pytest.mark.parametrize("retired", [True, False])
def test_usable_rule_agrees_in_python_and_sql(app, review_status, assessed, retired):
    """One rule for a drawable question: the row property and the SQL filter say the same."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from quizapp.db import new_session
    from quizapp.models import Module, Question
    from quizapp.question_types.base import is_usable

    with new_session(app) as session:
        module = Module(slug="m", title="M", lesson="")
        question = Question(
            key="q1",
            module=module,
            review_status=review_status,
            assessed=assessed,
            retired_at=datetime(2026, 1, 1, tzinfo=UTC) if retired else None,
        )
        session.add_all([module, question])
        session.flush()
        in_sql = session.scalar(select(Question.id).where(Question.usable)) is not None
        assert question.usable == in_sql == is_usable(review_status, assessed, retired)
        assert in_sql == (review_status == "approved" and assessed and not retired)


# ---- exclusion groups -----------------------------------------------------------------------------------


def _grouped_bank(
    tmp_path: Path, groups: list[str], per_attempt: int = 1, draw: str = "", tags: list[str] | None = None
) -> Path:
    """A module of true/false questions, one per `group:` value given (an empty value leaves the key out)."""
    shutil.copy(VALID / "sources.yaml", tmp_path / "sources.yaml")
    questions = "".join(
        f"  - id: g-{n}\n    type: true_false\n    stem: S{n}\n    answer: true\n    explanation: E\n"
        f"    source: R1\n    tags: {tag_list}\n" + (f"    group: {group}\n" if group else "")
        for n, (group, tag_list) in enumerate(zip(groups, tags or ["[face]"] * len(groups), strict=True), start=1)
    )
    path = tmp_path / "grouped.yaml"
    path.write_text(
        "module:\n  slug: grouped\n  title: G\n  order: 1\n  pass_mark: 80\n"
        f"  questions_per_attempt: {per_attempt}\n  required_for_certification: true\n{draw}  lesson: L\n"
        f"questions:\n{questions}",
        encoding="utf-8",
    )
    return path


def test_group_is_read_and_a_group_of_one_is_fine(valid, tmp_path):
    alpha = valid.modules[0]
    assert {q.id: q.group for q in alpha.questions if q.group} == {
        "alpha-single-1": "face-depth",
        "alpha-numeric-1": "face-depth",
    }
    (module,) = load_banks([_grouped_bank(tmp_path, ["only-me", "", ""], per_attempt=3)]).modules
    assert [q.group for q in module.questions] == ["only-me", None, None]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('""', "''"),
        ("Upper-Case", "'Upper-Case'"),
        ("two words", "'two words'"),
        ("5", "5"),
        ("null", "None"),
        ("[a, b]", "['a', 'b']"),
        ("a--b", "'a--b'"),
        ("x" * 81, "'" + "x" * 81 + "'"),
    ],
)
def test_a_group_must_be_slug_like_text(tmp_path, value, shown):
    problems = _problems(_grouped_bank(tmp_path, [value]))
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        f"g-1: group must be lower-case letters, digits and single hyphens, at most 80, not {shown}"
    ]
    assert problems[0].line == 17


def test_questions_per_attempt_counts_groups_not_questions(tmp_path):
    path = _grouped_bank(tmp_path, ["a", "a", "b", "b", ""], per_attempt=4)
    (problem,) = _problems(path)
    assert (problem.line, problem.qid) == (6, "module")
    assert problem.message == (
        "questions_per_attempt is 4, more than the 3 usable draw units (approved and assessed, one per group)"
    )
    assert load_banks([_grouped_bank(tmp_path, ["a", "a", "b", "b", ""], per_attempt=3)]).modules


def test_a_draw_minimum_counts_one_question_per_group(tmp_path):
    draw = "  draw:\n    - {tag: face, count: 3}\n"
    tags = ["[face]"] * 4 + ["[back]"]
    (problem,) = _problems(_grouped_bank(tmp_path, ["a", "a", "a", "b", ""], per_attempt=3, draw=draw, tags=tags))
    assert problem.message == (
        "draw needs 3 questions tagged 'face'; the module has 2 usable draw units "
        "(approved and assessed, one per group) with that tag"
    )


def test_draw_rules_that_cannot_be_met_together_because_of_groups(tmp_path):
    # g-1 is the only face question, g-2 the only back one, and they share group a: either, never both.
    draw = "  draw:\n    - {tag: face, count: 1}\n    - {tag: back, count: 1}\n"
    path = _grouped_bank(tmp_path, ["a", "a", "", ""], per_attempt=3, draw=draw, tags=["[face]", "[back]", "[]", "[]"])
    (problem,) = _problems(path)
    assert (problem.qid, problem.line) == ("module", 8)
    assert problem.message == (
        "draw rules can each be met but not all in one attempt: questions that share a group count once, for one rule"
    )


def test_citation_fields_are_checked_and_every_problem_has_its_line(tmp_path):
    """author or organisation (not both), year a whole number up to this year, no unknown keys: each reported
    as file:line with the source's id, all in one run, and nothing imported."""
    from datetime import date

    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        "  R1:\n"
        "    author: Chu S, Foulad DP\n"
        "    year: 2021\n"
        "    title: A review\n"
        "    url: 'https://x'\n"
        "    tier: A\n"
        "  R2:\n"
        "    organization: FDA\n"  # the American spelling is a typo here
        "    author: ''\n"
        "    year: '2018'\n"
        "    title: B\n"
        "    url: 'https://x'\n"
        "    tier: B\n"
        "  R3:\n"
        "    author: Someone\n"
        "    organisation: Some body\n"
        f"    year: {date.today().year + 1}\n"
        "    title: C\n"
        "    seed: c.txt\n"
        "    tier: C\n"
        "  R4: {title: D, url: 'https://x', tier: A, year: true}\n",
        encoding="utf-8",
    )
    (tmp_path / "beta.yaml").write_text((VALID / "beta.yaml").read_text().replace("seed-a.txt", "R1"))
    problems = _problems(tmp_path)
    this_year = date.today().year
    assert [(Path(p.file).name, p.line, p.qid, p.message) for p in problems] == [
        ("sources.yaml", 9, "R2", f"unknown key 'organization'; a source has {', '.join(SOURCE_KEYS)}"),
        ("sources.yaml", 10, "R2", "author must be non-empty text of at most 200 characters"),
        ("sources.yaml", 11, "R2", f"year must be a whole number from 1900 to {this_year}, not '2018'"),
        ("sources.yaml", 17, "R3", "give author or organisation, not both: the citation names one"),
        ("sources.yaml", 18, "R3", f"year must be a whole number from 1900 to {this_year}, not {this_year + 1}"),
        ("sources.yaml", 22, "R4", f"year must be a whole number from 1900 to {this_year}, not True"),
    ]
    assert str(problems[0]).startswith(f"{tmp_path / 'sources.yaml'}:9:")


def test_the_shipped_sources_name_who_and_when_where_the_documents_say():
    sources = load_banks(SHIPPED).sources
    assert sources["E07"]["author"] == "Chu S, Foulad DP, Mesinkovska NA" and sources["E07"]["year"] == 2021
    assert sources["E01"]["organisation"] == "U.S. Food and Drug Administration" and "year" not in sources["E01"]
    assert sources["004_ca5615557aa76ba5.txt"]["organisation"] == "Elite Medical Skin and Laser Center"
    # most cite a person or a body; those the documents do not name are left without one
    named = [s for s in sources.values() if s.get("author") or s.get("organisation")]
    assert len(named) >= 60 and "author" not in sources["E10"] and "organisation" not in sources["E10"]
