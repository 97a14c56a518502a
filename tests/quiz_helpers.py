"""Test helpers: import a small bank, and build the form a trainee would send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quizapp import question_types
from quizapp.bank_loader import load_banks
from quizapp.models import Module, QuestionVersion
from quizapp.question_types import choices, get_type
from quizapp.services.banks import import_bank

QUIZ_BANK = Path(__file__).parent / "fixtures" / "quiz" / "quiz.yaml"


def import_quiz(db, path: Path = QUIZ_BANK, **settings: Any) -> Module:
    """Import the test bank (all six types) and apply setting overrides to its module."""
    bank = load_banks([path])
    import_bank(db, bank)
    module = db.query(Module).filter_by(slug=bank.modules[0].slug).one()
    for key, value in settings.items():
        setattr(module, key, value)
    db.commit()
    return module


def key_answer(version: QuestionVersion) -> Any:
    """The canonical answer that earns full marks."""
    return question_types.key_answer(version.type, version.spec)


def wrong_answer(version: QuestionVersion) -> Any:
    """A canonical answer that earns nothing (or, for ordering/matching, less than full)."""
    spec = version.spec
    if version.type == "single":
        return next(i for i, o in enumerate(spec["options"]) if not o["correct"])
    if version.type == "multiple":
        return [i for i, o in enumerate(spec["options"]) if not o["correct"]]
    if version.type == "true_false":
        return not spec["answer"]
    if version.type == "numeric":
        return "99"
    if version.type == "ordering":
        return list(reversed(range(len(spec["items"]))))
    if version.type == "matching":
        return [len(choices(spec)) - 1 for _ in spec["pairs"]]  # the distractor for every left
    raise AssertionError(version.type)


def form_for(version: QuestionVersion, shuffle: dict, answer: Any) -> dict[str, Any]:
    """The form fields that submit `answer` for this question as displayed with `shuffle`."""
    shown = get_type(version.type).display_value(version.spec, shuffle, answer)
    if version.type in ("ordering", "matching"):
        return {f"answer-{k}": str(v) for k, v in enumerate(shown)}
    if version.type == "multiple":
        return {"answer": [str(v) for v in shown]}
    return {"answer": str(shown)}
