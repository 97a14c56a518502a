"""Exclusion groups in the draw: at most one question per group, feasibility counted in groups."""

from __future__ import annotations

import itertools
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.bank_loader import load_banks
from quizapp.bank_loader.draw import Candidate, choose, shortfall, unit_count
from quizapp.models import Module, Role
from quizapp.services import attempts as svc
from quizapp.services import grading
from quizapp.services.attempts import QuizUnavailable
from quizapp.services.banks import import_bank

VALID = Path(__file__).parent / "fixtures" / "banks" / "valid"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TAGS = ["face", "back", "neck"]


def _feasible_by_brute_force(per_attempt: int, rules: list[dict[str, Any]], candidates: list[Candidate]) -> bool:
    """Whether some set of per_attempt questions, one per group, meets every rule (tries them all).
    The minimums must also add up to at most an attempt: the bank format's rule for a sound draw."""
    if sum(rule["count"] for rule in rules) > per_attempt:
        return False
    for combo in itertools.combinations(range(len(candidates)), per_attempt):
        groups = [candidates[i].group for i in combo if candidates[i].group is not None]
        if len(groups) != len(set(groups)):
            continue
        if all(sum(rule["tag"] in candidates[i].tags for i in combo) >= rule["count"] for rule in rules):
            return True
    return False


candidate_lists = st.lists(
    st.builds(
        Candidate,
        st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple),
        st.one_of(st.none(), st.sampled_from(["g1", "g2", "g3", "g4"])),
    ),
    max_size=9,
)
rule_lists = st.lists(
    st.fixed_dictionaries({"tag": st.sampled_from(TAGS), "count": st.integers(1, 3)}),
    max_size=3,
    unique_by=lambda rule: rule["tag"],
)


@settings(max_examples=300, deadline=None)
@given(candidates=candidate_lists, rules=rule_lists, per_attempt=st.integers(1, 5), seed=st.integers(0, 10**6))
def test_the_draw_is_feasible_exactly_when_a_valid_draw_exists_and_never_repeats_a_group(
    candidates, rules, per_attempt, seed
):
    feasible = _feasible_by_brute_force(per_attempt, rules, candidates)
    assert (shortfall(per_attempt, rules, candidates) is None) == feasible
    chosen = choose(per_attempt, rules, candidates, random.Random(seed))
    if not feasible:
        assert chosen is None
        return
    assert chosen is not None and len(chosen) == per_attempt == len(set(chosen))
    groups = [candidates[i].group for i in chosen if candidates[i].group is not None]
    assert len(groups) == len(set(groups))
    for rule in rules:
        assert sum(rule["tag"] in candidates[i].tags for i in chosen) >= rule["count"]


def test_units_count_a_group_once_and_each_ungrouped_question_alone():
    candidates = [Candidate(("face",), "a"), Candidate(("face",), "a"), Candidate(("back",), "a"), Candidate(())]
    assert unit_count(candidates) == 2
    assert unit_count(candidates, "face") == 1
    assert unit_count(candidates, "back") == 1
    assert unit_count(candidates, "neck") == 0


def test_rules_met_alone_but_not_together_are_a_shortfall():
    # The one face question and the one back question share a group: either, never both.
    candidates = [Candidate(("face",), "g"), Candidate(("back",), "g"), Candidate(()), Candidate(())]
    rules = [{"tag": "face", "count": 1}, {"tag": "back", "count": 1}]
    problem = shortfall(3, rules, candidates)
    assert problem is not None and problem.kind == "together"
    assert shortfall(3, rules[:1], candidates) is None


# ---- through the database -------------------------------------------------------------------------------


def _bank(tmp_path: Path, questions: list[tuple[str, list[str], str | None]], **module: Any) -> Path:
    """A module of true/false questions (id, tags, group), beside the fixtures' sources.yaml."""
    shutil.copy(VALID / "sources.yaml", tmp_path / "sources.yaml")
    data = {
        "module": {
            "slug": "grouped",
            "title": "Grouped",
            "order": 1,
            "pass_mark": 50,
            "questions_per_attempt": 4,
            "required_for_certification": False,
            "lesson": "## Grouped",
            **module,
        },
        "questions": [
            {
                "id": qid,
                "type": "true_false",
                "stem": f"Statement {qid}.",
                "answer": True,
                "explanation": "Because.",
                "source": "R1",
                "tags": tags,
                **({"group": group} if group else {}),
            }
            for qid, tags, group in questions
        ],
    }
    path = tmp_path / "grouped.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


GROUPED = [
    ("q1", ["face"], "depth-eyes"),
    ("q2", ["face"], "depth-eyes"),
    ("q3", ["face"], "depth-eyes"),
    ("q4", ["back"], "depth-back"),
    ("q5", ["back"], "depth-back"),
    ("q6", ["face", "back"], None),
    ("q7", [], None),
    ("q8", [], "numbing"),
    ("q9", [], "numbing"),
]


def test_no_attempt_ever_holds_two_questions_of_one_group(db, make_user, tmp_path):
    path = _bank(tmp_path, GROUPED, draw=[{"tag": "face", "count": 2}, {"tag": "back", "count": 1}])
    import_bank(db, load_banks([path]))
    db.commit()
    module = db.query(Module).filter_by(slug="grouped").one()
    trainee = make_user(Role.TRAINEE)
    rng = random.Random(20261125)
    seen: set[str] = set()
    for day in range(60):
        attempt = svc.start_attempt(db, trainee, module, T0 + timedelta(days=day), random.Random(rng.random()))
        questions = [r.version.question for r in attempt.responses]
        groups = [q.group for q in questions if q.group is not None]
        assert len(questions) == 4 and len(groups) == len(set(groups))
        assert sum("face" in q.tags for q in questions) >= 2 and any("back" in q.tags for q in questions)
        seen |= {q.key for q in questions}
        grading.submit_attempt(db, attempt, T0 + timedelta(days=day, minutes=1))
        db.commit()
    assert seen == {qid for qid, _, _ in GROUPED}  # every question still gets drawn sometimes


def test_a_draw_short_of_groups_is_refused_with_a_message_about_groups(db, make_user, tmp_path):
    import_bank(db, load_banks([_bank(tmp_path, GROUPED)]))
    db.commit()
    module = db.query(Module).filter_by(slug="grouped").one()
    # Nine usable questions, but only five groups (three named, two questions alone).
    module.questions_per_attempt = 6
    problem = svc.draw_problem(module, svc.usable_tags(db, module))
    assert problem is not None and "needs 6 usable questions" in problem and "fall into 5 groups" in problem
    with pytest.raises(QuizUnavailable, match="5 groups"):
        svc.start_attempt(db, make_user(Role.TRAINEE), module, T0)
    module.questions_per_attempt, module.draw = 4, [{"tag": "face", "count": 3}]
    problem = svc.draw_problem(module, svc.usable_tags(db, module))
    assert problem is not None and "tagged “face”" in problem and "fall into 2 groups" in problem
    module.draw = [{"tag": "face", "count": 2}]
    assert svc.draw_problem(module, svc.usable_tags(db, module)) is None


def test_draw_problem_still_takes_bare_tag_lists(db, tmp_path):
    import_bank(db, load_banks([_bank(tmp_path, GROUPED)]))
    module = db.query(Module).filter_by(slug="grouped").one()
    assert svc.draw_problem(module, [["face"]] * 4) is None
    assert "needs 4 usable questions" in (svc.draw_problem(module, [["face"]] * 3) or "")
