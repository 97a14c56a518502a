"""Quality lints: each one on small banks, its thresholds, and `banks check` / `banks check --strict`."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from quizapp.bank_loader import Lint, lint_bank, load_banks
from quizapp.bank_loader.lints import (
    critical_sources,
    leaks,
    longest_option_keys,
    similar_stems,
    thin_draw_tags,
    true_false_balance,
)

LINTS_DIR = Path(__file__).parent / "fixtures" / "banks" / "lints"


class _NoAliases(yaml.SafeDumper):
    """Writes a repeated question out in full: bank files refuse aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def make_bank(tmp_path: Path, questions: list[dict[str, Any]], name: str = "m", **module: Any):
    """A one-module bank loaded by the real loader, citing the lint fixtures' sources (tiers A, B, C)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(LINTS_DIR / "sources.yaml", tmp_path / "sources.yaml")
    data = {
        "module": {
            "slug": name,
            "title": name.upper(),
            "order": 1,
            "pass_mark": 80,
            "questions_per_attempt": 1,
            "required_for_certification": True,
            "lesson": "## Lesson\n\nPlain words.",
            **module,
        },
        "questions": [
            {"id": f"{name}-{n}", "explanation": "Because.", "source": "R-A", **q} for n, q in enumerate(questions)
        ],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_banks([path])


def tf(answer: bool, stem: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "true_false", "stem": stem or f"Statement {answer} {id(extra)}", "answer": answer, **extra}


def single(key: str, *others: str | dict[str, str], stem: str = "Which one?", **extra: Any) -> dict[str, Any]:
    options = [{"text": key, "correct": True}, *(o if isinstance(o, dict) else {"text": o} for o in others)]
    return {"type": "single", "stem": stem, "options": options, **extra}


def _distinct_tf(answers: list[bool]) -> list[dict[str, Any]]:
    stems = ["Numbing goes on first.", "Scrubs help healing.", "Redness is expected.", "Sauna is fine.",
             "Sun protection matters.", "Acne is a reason to wait.", "Retinoids can go on at once."]  # fmt: skip
    return [tf(answer, stems[n]) for n, answer in enumerate(answers)]


# ---- true/false balance -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "warned"),
    [
        ([True, False, False, False, False], True),  # 20 %
        ([True, True, True, True, True], True),  # 100 %
        ([True, True, True, True, False], True),  # 80 %
        ([True, True, True, False, False], False),  # 60 %
        ([True, False, False], False),  # 33 %, but only three items
        ([False, False, False], False),
        ([True, True, False, False, False, False, False], True),  # 29 %
    ],
)
def test_true_false_balance(tmp_path, answers, warned):
    bank = make_bank(tmp_path, _distinct_tf(answers))
    found = true_false_balance(bank)
    assert bool(found) is warned
    if warned:
        (lint,) = found
        assert (lint.qid, lint.severity) == ("module", "warning")
        assert lint.message.startswith(f"{sum(answers)} of {len(answers)} true/false items")


def test_true_false_balance_boundaries_are_inclusive(tmp_path):
    # 35 % and 65 % exactly (7 of 20, 13 of 20) are fine; 6 of 20 (30 %) is not.
    stems = [f"Statement number {n} about aftercare." for n in range(20)]
    for trues, warned in [(7, False), (13, False), (6, True), (14, True)]:
        questions = [tf(n < trues, stems[n]) for n in range(20)]
        assert bool(true_false_balance(make_bank(tmp_path, questions))) is warned, trues


# ---- longest option as the key ------------------------------------------------------------------------


def test_longest_key_share_above_forty_percent_is_warned(tmp_path):
    long_key = single("A long and careful answer", "Short", "Brief", stem="Which first?")
    tied = single("Left", "Ripe", stem="Which second?")  # the same length: not *strictly* longest
    short_key = single("Yes", "A much longer wrong answer", stem="Which third?")
    # 2 of 5 = 40 %: fine. 3 of 5 = 60 %: warned, naming the items.
    fine = make_bank(
        tmp_path, [long_key, {**long_key, "stem": "Which fourth?"}, tied, short_key, {**short_key, "stem": "Fifth?"}]
    )
    assert longest_option_keys(fine) == []
    bank = make_bank(
        tmp_path,
        [long_key, {**long_key, "stem": "Which fourth?"}, {**long_key, "stem": "Which fifth?"}, tied, short_key],
    )
    (lint,) = longest_option_keys(bank)
    assert lint.message == (
        "3 of 5 single-choice items (60%) have the longest option as their key (at most 40%): m-0, m-1, m-2"
    )


def test_longest_key_ignores_other_types(tmp_path):
    multiple = {
        "type": "multiple",
        "stem": "Select all.",
        "options": [{"text": "A very long correct answer", "correct": True}, {"text": "No"}],
    }
    assert longest_option_keys(make_bank(tmp_path, [multiple])) == []


# ---- similar stems ------------------------------------------------------------------------------------


def test_identical_and_near_identical_stems_across_modules(tmp_path):
    first = make_bank(tmp_path / "a", [tf(True, "Which depth suits the FOREHEAD?")], name="a")
    second = make_bank(
        tmp_path / "b",
        [tf(False, "which depth suits the forehead"), tf(False, "Which depths suit the forehead?")],
        name="b",
    )
    bank = load_banks([first.modules[0].path, second.modules[0].path], sources_path=LINTS_DIR / "sources.yaml")
    found = similar_stems(bank)
    assert [(lint.qid, lint.message.split(" (")[0]) for lint in found] == [
        ("b-0", "the same stem as a-0"),
        ("b-1", "a stem 97% similar to a-0"),
        ("b-1", "a stem 97% similar to b-0"),
    ]
    assert f"({first.modules[0].path}:" in found[0].message


def test_similar_stems_in_one_group_are_fine_and_different_ones_are_not_flagged(tmp_path):
    stem = "Which depth suits the forehead?"
    grouped = [tf(True, stem, group="forehead"), tf(False, stem, group="forehead")]
    assert similar_stems(make_bank(tmp_path, grouped, questions_per_attempt=1)) == []
    different = [tf(True, "Which depth suits the forehead?"), tf(False, "Which depth suits the upper back?")]
    assert similar_stems(make_bank(tmp_path, different)) == []


# ---- leaks into trainee-visible text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (tf(True, "Charts agree (E28)."), "the stem mentions a reference id ('E28')"),
        (tf(True, "See E3a for this."), "the stem mentions a reference id ('E3a')"),
        (tf(True, explanation="From 001_c9ba38f6f15a2b3e.txt."), "the explanation mentions a file name"),
        (tf(True, explanation="From 001_c9ba38f6f15a2b3e."), "the explanation mentions a file name"),
        (tf(True, explanation="The handout.PDF says so."), "the explanation mentions a file name ('handout.PDF')"),
        (tf(True, explanation="The Seed articles say so."), "the explanation mentions the word 'seed' ('Seed')"),
        (tf(True, explanation="A tier B source."), "the explanation mentions an evidence tier ('tier B')"),
        (single("Yes (E12)", "No"), "option 1 mentions a reference id ('E12')"),
        (single("Yes", {"text": "No", "feedback": "The seed says so."}), "option 2 feedback mentions the word 'seed'"),
        (
            {"type": "ordering", "stem": "Order.", "items": ["one", "two per E05", "three"]},
            "item 2 mentions a reference id ('E05')",
        ),
        (
            {"type": "matching", "stem": "Match.",
             "pairs": [{"left": "a", "right": "b"}, {"left": "c", "right": "notes.md"}]},
            "pair 2 mentions a file name ('notes.md')",
        ),
        (
            {"type": "matching", "stem": "Match.", "pairs": [{"left": "a", "right": "b"}, {"left": "c", "right": "d"}],
             "distractors": ["tier A"]},
            "distractor 1 mentions an evidence tier ('tier A')",
        ),
    ],
)  # fmt: skip
def test_leaks_in_each_trainee_visible_text(tmp_path, question, expected):
    (lint,) = leaks(make_bank(tmp_path, [question]))
    assert lint.qid == "m-0" and lint.message.startswith(expected)


def test_leaks_in_the_lesson_and_words_that_only_look_alike(tmp_path):
    bank = make_bank(tmp_path, [tf(True, "Seedlings, E-mail, tiers and SPF30 are fine words.")], lesson="Per E12.")
    (lint,) = leaks(bank)
    assert (lint.qid, lint.message) == ("module", "the lesson mentions a reference id ('E12')")


# ---- critical items and their sources ------------------------------------------------------------------


@pytest.mark.parametrize(("source", "warned"), [("R-A", False), ("R-B", False), ("R-C", True)])
def test_critical_items_need_a_tier_a_or_b_source(tmp_path, source, warned):
    bank = make_bank(tmp_path, [tf(True, critical=True, source=source), tf(True, source="R-C")])
    found = critical_sources(bank)
    assert [lint.qid for lint in found] == (["m-0"] if warned else [])
    if warned:
        assert "source 'R-C' is tier C; a critical item needs a tier A or B source" in found[0].message


# ---- draw tags with too few draw units -----------------------------------------------------------------


def test_a_draw_tag_needs_twice_its_count_in_draw_units(tmp_path):
    questions = [tf(True, "One.", tags=["face"], group="g"), tf(False, "Two.", tags=["face"], group="g"),
                 tf(True, "Three.", tags=["face"]), tf(False, "Four.", tags=["face"], assessed=False)]  # fmt: skip
    # Four face questions, but one draw unit for group g and one practice item: two usable draw units.
    bank = make_bank(tmp_path, questions, questions_per_attempt=2, draw=[{"tag": "face", "count": 2}])
    (lint,) = thin_draw_tags(bank)
    assert lint.message == (
        "draw tag 'face' needs 2 per attempt and has 2 usable draw units; give it at least 4 so attempts vary"
    )
    bank = make_bank(tmp_path, questions, questions_per_attempt=1, draw=[{"tag": "face", "count": 1}])
    assert thin_draw_tags(bank) == []


# ---- all together, and the command ---------------------------------------------------------------------


def test_the_clean_fixture_draws_no_lint_and_the_leaky_one_one_of_each():
    bank = load_banks([LINTS_DIR])
    found = lint_bank(bank)
    assert all(lint.file.endswith("leaky.yaml") for lint in found)
    for check in (true_false_balance, longest_option_keys, similar_stems, leaks, critical_sources, thin_draw_tags):
        assert check(bank), check.__name__
    assert [lint.severity for lint in found] == ["warning"] * len(found)
    assert {lint.severity for lint in lint_bank(bank, strict=True)} == {"error"}
    assert [(lint.line, lint.qid) for lint in found] == sorted((lint.line, lint.qid) for lint in found)


def test_lint_renders_as_file_line_id_severity_message():
    assert str(Lint("a.yaml", 3, "q-1", "text")) == "a.yaml:3: q-1: warning: text"


def test_check_prints_warnings_and_exits_0(runner):
    result = runner.invoke(args=["banks", "check", str(LINTS_DIR)])
    assert result.exit_code == 0, result.output
    expected = [str(lint) for lint in lint_bank(load_banks([LINTS_DIR]))]
    assert len(expected) == 10
    assert [line for line in result.output.splitlines() if ": warning: " in line] == expected
    assert "leaky.yaml:36: leaky-3: warning: critical, but its source 'R-C' is tier C" in result.output
    assert result.output.strip().endswith("OK: 2 module(s) valid (10 quality warning(s)).")


def test_check_strict_turns_warnings_into_errors_and_exits_1(runner):
    result = runner.invoke(args=["banks", "check", "--strict", str(LINTS_DIR)])
    assert result.exit_code == 1
    assert "leaky.yaml:36: leaky-3: error: critical, but its source 'R-C' is tier C" in result.output
    assert ": warning: " not in result.output
    assert "Error: 10 quality error(s) (--strict)" in result.output


def test_check_strict_passes_a_clean_bank(runner):
    result = runner.invoke(args=["banks", "check", "--strict", str(LINTS_DIR / "clean.yaml")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "error" not in result.output
