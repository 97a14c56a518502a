"""Importing in the browser (dry run, apply all or nothing, drafts, no silent moves) and GIFT on the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from quizapp.models import Module, Question, QuestionVersion, ReviewStatus, Role
from tests.quiz_helpers import QUIZ_BANK, import_quiz

GIFT_DIR = Path(__file__).parent / "fixtures" / "gift"


@pytest.fixture
def module(app, db):
    app.config["QUESTION_BANKS_DIR"] = str(QUIZ_BANK.parent)
    return import_quiz(db)


@pytest.fixture
def instructor(login_as):
    return login_as(Role.INSTRUCTOR)


def counts(db) -> tuple[int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(Question)),
        db.scalar(select(func.count()).select_from(QuestionVersion)),
    )


def upload(client, name: str, text: str, action: str, **fields):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name), "action": action, **fields}
    return client.post("/instructor/import", data=data, content_type="multipart/form-data")


def edited_bank() -> str:
    data = yaml.safe_load(QUIZ_BANK.read_text(encoding="utf-8"))
    data["questions"][0]["stem"] = "Which region takes the very shallowest setting?"
    data["questions"] = [q for q in data["questions"] if q["id"] != "tq-ordering"]
    data["questions"].append({**data["questions"][2], "id": "tq-tf-new", "stem": "A new statement."})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_dry_run_lists_created_changed_retired_and_writes_nothing(client, db, module, instructor):
    before = counts(db)
    response = upload(client, "quiz.yaml", edited_bank(), "check")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Dry run" in page and "tq-tf-new" in page and "tq-single" in page and "tq-ordering" in page
    assert "1 created, 1 updated, 1 retired" in page
    assert counts(db) == before


def test_apply_makes_drafts_and_the_importer_cannot_approve(client, db, module, instructor):
    response = upload(client, "quiz.yaml", edited_bank(), "apply")
    assert response.status_code == 302
    db.expire_all()
    new = db.scalars(select(Question).where(Question.key == "tq-tf-new")).one()
    changed = db.scalars(select(Question).where(Question.key == "tq-single")).one()
    unchanged = db.scalars(select(Question).where(Question.key == "tq-multiple")).one()
    assert new.review_status == changed.review_status == ReviewStatus.DRAFT
    assert unchanged.review_status == ReviewStatus.APPROVED
    assert changed.current.number == 2 and changed.current.created_by_id == instructor.id
    assert client.post("/instructor/questions/tq-single/approve").status_code == 403


def test_problems_are_listed_with_lines_and_nothing_is_written(client, db, module, instructor):
    before = counts(db)
    broken = edited_bank().replace("pass_mark: 80", "pass_mark: 800")
    response = upload(client, "quiz.yaml", broken, "apply")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "quiz.yaml:5: module: pass_mark must be a whole percentage from 1 to 100" in page
    assert counts(db) == before


def test_browser_import_refuses_a_silent_move(client, db, module, instructor):
    data = yaml.safe_load(QUIZ_BANK.read_text(encoding="utf-8"))
    data["module"].update(slug="thief", questions_per_attempt=1, draw=[])
    data["questions"] = [q for q in data["questions"] if q["id"] == "tq-tf"]
    text = yaml.safe_dump(data, sort_keys=False)
    before = counts(db)
    response = upload(client, "thief.yaml", text, "apply")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "tq-tf (test-quiz → thief)" in page and "Nothing was imported" in page
    assert counts(db) == before and db.scalar(select(Module).where(Module.slug == "thief")) is None
    assert upload(client, "thief.yaml", text, "apply", allow_move="y").status_code == 302


def test_a_moodle_gift_file_imports_into_a_module_as_drafts(client, db, module, instructor):
    text = (GIFT_DIR / "moodle_export.gift").read_text(encoding="utf-8")
    page = upload(client, "moodle.gift", text, "check", module="test-quiz", source="S1", unit="mm").get_data(
        as_text=True
    )
    assert "6 created" in page and "under-eye-depth" in page
    response = upload(client, "moodle.gift", text, "apply", module="test-quiz", source="S1", unit="mm")
    assert response.status_code == 302
    db.expire_all()
    imported = db.scalars(select(Question).where(Question.key == "forehead-depth")).one()
    assert imported.review_status == ReviewStatus.DRAFT and imported.module.slug == "test-quiz"
    assert db.scalars(select(Question).where(Question.key == "tq-single")).one().retired_at is None


def test_gift_problems_name_line_and_question(client, db, module, instructor):
    text = "::Essay::Write about microneedling.{}\n"
    response = upload(client, "bad.gift", text, "check", module="test-quiz", source="S1")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "bad.gift:1" in page and "Essay" in page
    assert upload(client, "bad.gift", text, "check").status_code == 400  # no module chosen


def test_other_uploads_are_refused_clearly(client, db, module, instructor):
    assert "upload a .yaml" in upload(client, "x.exe", "MZ", "check").get_data(as_text=True)
    response = client.post(
        "/instructor/import",
        data={"file": (io.BytesIO(b"\xff\xfe"), "x.yaml"), "action": "check"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "not UTF-8" in response.get_data(as_text=True)


def test_cli_imports_gift_keeping_the_file_status_and_exports_gift(app, runner, db, module, tmp_path):
    text = (GIFT_DIR / "moodle_export.gift").read_text(encoding="utf-8")
    path = tmp_path / "moodle.gift"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["banks", "import", str(path)])
    assert result.exit_code == 2 and "--module" in result.output
    result = runner.invoke(
        args=["banks", "import", str(path), "--module", "test-quiz", "--source", "S1", "--unit", "mm"]
    )
    assert result.exit_code == 0, result.output
    assert "6 created" in result.output and "6 approved, 0 draft among the created and updated" in result.output
    db.expire_all()
    assert db.scalars(select(Question).where(Question.key == "forehead-depth")).one().review_status == "approved"
    result = runner.invoke(args=["banks", "export", "test-quiz", "--format", "gift"])
    assert result.exit_code == 0 and "::forehead-depth::" in result.stdout
    assert "ordering questions have no GIFT form" in result.stderr


def test_seed_demo_makes_graded_attempts_once_and_the_queue_fills(app, runner, db, module):
    from quizapp.models import AttemptStatus, QuizAttempt
    from quizapp.services.item_analysis import item_statistics, review_reasons

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "reviewer@example.com" in result.output  # a second instructor approves the first one's edits
    db.expire_all()
    graded = db.scalars(select(QuizAttempt).where(QuizAttempt.status == AttemptStatus.SUBMITTED)).all()
    assert len(graded) >= 24 and len({a.percent for a in graded}) > 3  # varied scores
    items = item_statistics(db, module.id, first_attempts_only=True)
    assert any(review_reasons(item) for item in items)
    again = runner.invoke(args=["seed-demo"])
    assert "0 made" in again.output
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == len(graded)


@pytest.mark.parametrize("fmt", ["yaml", "gift"])
def test_export_then_import_in_the_browser_changes_nothing(client, db, module, instructor, fmt):
    exported = client.get(f"/instructor/modules/test-quiz/export?format={fmt}").get_data(as_text=True)
    before = counts(db)
    response = upload(client, f"test-quiz.{fmt}", exported, "apply", module="test-quiz")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert counts(db) == before
    db.expire_all()
    assert all(q.review_status == ReviewStatus.APPROVED for q in db.scalars(select(Question)) if q.key != "tq-draft")
