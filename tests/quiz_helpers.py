"""Test helpers: import a small bank, and build the form a trainee would send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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


def import_big_quiz(db, slug: str = "big-quiz", size: int = 60) -> Module:
    """The test bank again under another slug, with `size` more true/false questions, drawing `size` a quiz."""
    data = yaml.safe_load(QUIZ_BANK.read_text())
    data["module"]["slug"] = slug
    data["module"]["questions_per_attempt"] = size
    extra = [dict(data["questions"][2], id=f"big-{i}", stem=f"Statement {i}") for i in range(size)]
    data["questions"] = [dict(q, id=f"{slug}-{q['id']}") for q in data["questions"]] + extra
    path = QUIZ_BANK.parent / f"{slug}.yaml"
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        return import_quiz(db, path)
    finally:
        path.unlink()


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
