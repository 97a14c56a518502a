"""Writing banks into the database: versions, retiring, all or nothing, export -> import round trip."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from quizapp import ROOT
from quizapp.bank_loader import BankError, dump_module, load_banks
from quizapp.db import Base, get_engine
from quizapp.models import AuditEvent, Module, Question, QuestionVersion, ReviewMode, ReviewStatus, Role
from quizapp.services import NotFound
from quizapp.services.banks import MoveRefused, import_bank, module_spec

FIXTURES = Path(__file__).parent / "fixtures" / "banks"
VALID = FIXTURES / "valid"
BROKEN = FIXTURES / "broken"
SHIPPED_DIR = ROOT / "question_banks"
SHIPPED = sorted(p for p in SHIPPED_DIR.glob("*.yaml") if p.name != "sources.yaml")
ALPHA_IDS = [
    "alpha-single-1",
    "alpha-multiple-1",
    "alpha-tf-1",
    "alpha-numeric-1",
    "alpha-numeric-2",
    "alpha-ordering-1",
    "alpha-matching-1",
    "alpha-practice-1",
    "alpha-draft-1",
]


def snapshot(app) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read on a fresh connection (what is committed)."""
    with get_engine(app).connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(table.select().order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


def write_bank(directory: Path, name: str, data: dict[str, Any]) -> Path:
    """A bank file written from plain data, beside a copy of the fixtures' sources.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(VALID / "sources.yaml", directory / "sources.yaml")
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def fixture_data(name: str) -> dict[str, Any]:
    return yaml.safe_load((VALID / name).read_text(encoding="utf-8"))


def question(data: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == qid)


def import_paths(db, *paths: Path, actor=None):
    report = import_bank(db, load_banks(paths), actor=actor)
    db.commit()
    return report


def stored(db, key: str) -> Question:
    db.expire_all()
    return db.scalar(select(Question).where(Question.key == key))


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def imported(db):
    """The valid fixture bank (modules alpha and beta) imported and committed."""
    return import_paths(db, VALID)


# ---- first import ---------------------------------------------------------------------------------------


def test_import_creates_modules_questions_and_first_versions(db, make_user):
    instructor = make_user(Role.INSTRUCTOR)
    bank = load_banks([VALID])
    report = import_bank(db, bank, actor=instructor)
    db.commit()

    assert (report.created, report.updated, report.retired, report.unchanged) == (10, 0, 0, 0)
    assert report.modules == ["alpha", "beta"] and report.settings_changed == []
    assert str(report) == "alpha, beta: 10 created, 0 updated, 0 retired, 0 unchanged"
    for spec in bank.modules:
        module = db.scalar(select(Module).where(Module.slug == spec.slug))
        settings = spec.settings()
        settings["review"] = ReviewMode(settings["review"])
        assert {key: getattr(module, key) for key in settings} == settings
    alpha = db.scalar(select(Module).where(Module.slug == "alpha"))
    questions = db.scalars(select(Question).where(Question.module_id == alpha.id).order_by(Question.position))
    assert [q.key for q in questions] == ALPHA_IDS
    assert count(db, QuestionVersion) == 10
    for spec in bank.modules[0].questions:
        row = stored(db, spec.id)
        (version,) = row.versions
        assert version.number == 1 and version.created_by_id == instructor.id
        assert version.content_hash == spec.content_hash
        assert {key: getattr(version, key) for key in spec.version_fields()} == spec.version_fields()
        assert (row.tags, row.group, row.review_status.value, row.assessed, row.retired_at) == (
            spec.tags,
            spec.group,
            spec.review_status,
            spec.assessed,
            None,
        )
    assert stored(db, "alpha-draft-1").review_status == ReviewStatus.DRAFT
    assert not stored(db, "alpha-practice-1").usable and stored(db, "alpha-single-1").usable


def test_reimport_is_idempotent(app, db, imported):
    before = snapshot(app)
    report = import_paths(db, VALID)
    assert (report.created, report.updated, report.retired, report.unchanged) == (0, 0, 0, 10)
    assert report.changes == 0
    after = snapshot(app)
    assert {t: rows for t, rows in after.items() if t != "audit_events"} == {
        t: rows for t, rows in before.items() if t != "audit_events"
    }
    assert count(db, QuestionVersion) == 10


# ---- what makes a new version and what changes in place ------------------------------------------------


def _edit_stem(data):
    question(data, "alpha-single-1")["stem"] = "Which facial region takes the shallowest setting?"


def _edit_option(data):
    question(data, "alpha-single-1")["options"][1]["text"] = "Cheekbones"


def _edit_feedback(data):
    question(data, "alpha-single-1")["options"][0]["feedback"] = "The eyelid skin is the thinnest."


def _edit_explanation(data):
    question(data, "alpha-single-1")["explanation"] = "Eyelid skin is the thinnest on the face (R1)."


def _edit_source(data):
    question(data, "alpha-single-1")["source"] = "seed-a.txt"


def _edit_points(data):
    question(data, "alpha-single-1")["points"] = 2


def _edit_critical(data):
    question(data, "alpha-single-1")["critical"] = False


def _edit_tolerance(data):
    question(data, "alpha-numeric-1")["tolerance"] = 0.1


@pytest.mark.parametrize(
    "edit",
    [
        _edit_stem,
        _edit_option,
        _edit_feedback,
        _edit_explanation,
        _edit_source,
        _edit_points,
        _edit_critical,
        _edit_tolerance,
    ],
    ids=lambda f: f.__name__.removeprefix("_edit_"),
)
def test_changed_content_creates_version_2_and_keeps_version_1(db, imported, tmp_path, edit):
    data = fixture_data("alpha.yaml")
    edit(data)
    edited = write_bank(tmp_path, "alpha.yaml", data)
    (new_spec,) = [q for q in load_banks([edited]).modules[0].questions if q.id in _changed(data)]
    old_hash = stored(db, new_spec.id).current.content_hash

    report = import_paths(db, edited)

    assert (report.created, report.updated, report.retired, report.unchanged) == (0, 1, 0, 8)
    row = stored(db, new_spec.id)
    assert [v.number for v in row.versions] == [1, 2]
    first, second = row.versions
    assert first.content_hash == old_hash != second.content_hash == new_spec.content_hash
    assert {key: getattr(second, key) for key in new_spec.version_fields()} == new_spec.version_fields()
    assert row.current is second
    assert count(db, QuestionVersion) == 11
    again = import_paths(db, edited)
    assert again.changes == 0 and count(db, QuestionVersion) == 11


def _changed(data) -> set[str]:
    original = {q["id"]: q for q in fixture_data("alpha.yaml")["questions"]}
    return {q["id"] for q in data["questions"] if q != original.get(q["id"])}


def test_version_1_keeps_what_it_said(db, imported, tmp_path):
    data = fixture_data("alpha.yaml")
    _edit_stem(data)
    import_paths(db, write_bank(tmp_path, "alpha.yaml", data))
    first, second = stored(db, "alpha-single-1").versions
    assert first.stem == "Which region takes the shallowest setting?"
    assert second.stem == "Which facial region takes the shallowest setting?"


@pytest.mark.parametrize(
    ("key", "value", "attribute", "expected"),
    [
        ("tags", ["face", "periorbital"], "tags", ["face", "periorbital"]),
        ("group", "eye-depth", "group", "eye-depth"),
        ("review_status", "draft", "review_status", ReviewStatus.DRAFT),
        ("assessed", False, "assessed", False),
    ],
)
def test_metadata_changes_in_place_without_a_new_version(db, imported, tmp_path, key, value, attribute, expected):
    data = fixture_data("alpha.yaml")
    question(data, "alpha-single-1")[key] = value
    report = import_paths(db, write_bank(tmp_path, "alpha.yaml", data))

    assert (report.created, report.updated, report.retired, report.unchanged) == (0, 1, 0, 8)
    row = stored(db, "alpha-single-1")
    assert getattr(row, attribute) == expected
    assert [v.number for v in row.versions] == [1]
    assert count(db, QuestionVersion) == 10


def test_a_group_taken_off_is_a_change_in_place_named_in_the_audit(db, imported, tmp_path):
    assert stored(db, "alpha-numeric-1").group == "face-depth"
    data = fixture_data("alpha.yaml")
    del question(data, "alpha-numeric-1")["group"]
    report = import_paths(db, write_bank(tmp_path, "alpha.yaml", data))

    assert (report.updated, report.changed_ids["updated"]) == (1, ["alpha-numeric-1"])
    row = stored(db, "alpha-numeric-1")
    assert row.group is None and [v.number for v in row.versions] == [1]
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "bank.imported" and event.details["questions"]["updated"] == ["alpha-numeric-1"]


def test_new_order_in_the_file_is_not_a_change(db, imported, tmp_path):
    data = fixture_data("alpha.yaml")
    data["questions"].reverse()
    report = import_paths(db, write_bank(tmp_path, "alpha.yaml", data))
    assert report.changes == 0
    assert stored(db, "alpha-draft-1").position == 0


def test_module_settings_change_in_place_and_are_reported(db, imported, tmp_path):
    data = fixture_data("alpha.yaml")
    data["module"]["pass_mark"] = 70
    data["module"]["draw"] = [{"tag": "face", "count": 1}]
    report = import_paths(db, write_bank(tmp_path, "alpha.yaml", data))
    assert report.settings_changed == ["alpha"] and report.changes == 1
    assert str(report).endswith("9 unchanged; module settings changed: alpha")
    module = db.scalar(select(Module).where(Module.slug == "alpha"))
    db.refresh(module)
    assert (module.pass_mark, module.draw) == (70, [{"tag": "face", "count": 1}])


# ---- retiring -------------------------------------------------------------------------------------------


def test_question_removed_from_the_file_is_retired_not_deleted(db, imported, tmp_path):
    data = fixture_data("alpha.yaml")
    data["questions"] = [q for q in data["questions"] if q["id"] != "alpha-tf-1"]
    report = import_paths(db, write_bank(tmp_path, "alpha.yaml", data))

    assert (report.created, report.updated, report.retired, report.unchanged) == (0, 0, 1, 8)
    row = stored(db, "alpha-tf-1")
    assert row is not None and row.retired_at is not None and not row.usable
    assert [v.number for v in row.versions] == [1]
    assert count(db, Question) == 10 and count(db, QuestionVersion) == 10
    assert "alpha-tf-1" not in [q.id for q in module_spec(db, "alpha").questions]

    again = import_paths(db, write_bank(tmp_path, "alpha.yaml", data))
    assert again.changes == 0, "a retired question is retired once"
    assert stored(db, "alpha-tf-1").retired_at == row.retired_at


def test_retired_question_comes_back_when_re_added(db, imported, tmp_path):
    data = fixture_data("alpha.yaml")
    data["questions"] = [q for q in data["questions"] if q["id"] != "alpha-tf-1"]
    import_paths(db, write_bank(tmp_path / "without", "alpha.yaml", data))

    report = import_paths(db, VALID / "alpha.yaml")

    assert (report.created, report.updated, report.retired, report.unchanged) == (0, 1, 0, 8)
    row = stored(db, "alpha-tf-1")
    assert row.retired_at is None and row.usable
    assert [v.number for v in row.versions] == [1]
    assert "alpha-tf-1" in [q.id for q in module_spec(db, "alpha").questions]


def test_a_file_touches_only_its_own_modules(app, db, imported, tmp_path):
    alpha = db.scalar(select(Module).where(Module.slug == "alpha"))
    alpha_rows = _module_rows(app, alpha.id)
    data = fixture_data("beta.yaml")
    data["module"]["title"] = "Beta, renamed"
    data["questions"][0]["id"] = "beta-2"

    report = import_paths(db, write_bank(tmp_path, "beta.yaml", data))

    assert report.modules == ["beta"]
    assert (report.created, report.updated, report.retired, report.unchanged) == (1, 0, 1, 0)
    assert _module_rows(app, alpha.id) == alpha_rows
    assert stored(db, "beta-1").retired_at is not None and stored(db, "beta-2").retired_at is None


def _module_rows(app, module_id: int) -> tuple:
    with get_engine(app).connect() as conn:
        module = conn.execute(select(Module.__table__).where(Module.id == module_id)).all()
        questions = conn.execute(
            select(Question.__table__).where(Question.module_id == module_id).order_by(Question.id)
        ).all()
        versions = conn.execute(
            select(QuestionVersion.__table__)
            .join(Question.__table__)
            .where(Question.module_id == module_id)
            .order_by(QuestionVersion.id)
        ).all()
    return module, questions, versions


def test_question_moved_to_another_module_of_the_same_bank_is_not_retired(db, imported, tmp_path):
    alpha, beta = fixture_data("alpha.yaml"), fixture_data("beta.yaml")
    moved = question(alpha, "alpha-draft-1")
    alpha["questions"].remove(moved)
    beta["questions"].append(moved)
    write_bank(tmp_path, "alpha.yaml", alpha)
    write_bank(tmp_path, "beta.yaml", beta)

    report = import_paths(db, tmp_path)

    assert (report.created, report.updated, report.retired, report.unchanged) == (0, 1, 0, 9)
    row = stored(db, "alpha-draft-1")
    assert row.module.slug == "beta" and row.retired_at is None and [v.number for v in row.versions] == [1]


# ---- all or nothing -------------------------------------------------------------------------------------


def _thief(tmp_path: Path, *stolen: str) -> Path:
    """Module 'thief' holding alpha's questions with these ids (and a question of its own)."""
    alpha, beta = fixture_data("alpha.yaml"), fixture_data("beta.yaml")
    data = {
        "module": {**beta["module"], "slug": "thief", "title": "Thief"},
        "questions": [*(question(alpha, qid) for qid in stolen), {**beta["questions"][0], "id": "thief-1"}],
    }
    return write_bank(tmp_path, "thief.yaml", data)


def test_a_bank_may_not_take_questions_from_a_module_it_does_not_define(app, db, imported, tmp_path):
    before = snapshot(app)
    bank = load_banks([_thief(tmp_path, "alpha-single-1", "alpha-tf-1")])
    with pytest.raises(MoveRefused) as refused:
        import_bank(db, bank)
    db.rollback()
    assert str(refused.value) == (
        "These question ids belong to modules the bank does not define, and importing would move them: "
        "alpha-single-1 (alpha → thief), alpha-tf-1 (alpha → thief). Nothing was imported. Give them new ids, "
        "or import with --allow-move to move them on purpose."
    )
    assert snapshot(app) == before


def test_allow_move_moves_them_and_names_every_affected_module(db, imported, tmp_path, make_user):
    instructor = make_user(Role.INSTRUCTOR)
    bank = load_banks([_thief(tmp_path, "alpha-single-1", "alpha-tf-1")])
    report = import_bank(db, bank, actor=instructor, allow_move=True)
    db.commit()

    assert [(m.key, m.source, m.target) for m in report.moved] == [
        ("alpha-single-1", "alpha", "thief"),
        ("alpha-tf-1", "alpha", "thief"),
    ]
    assert report.affected_modules == ["thief", "alpha"]
    assert stored(db, "alpha-single-1").module.slug == "thief"
    assert report.draw_problems == {}  # alpha keeps 5 usable draw units, enough for its attempts
    text = str(report)
    assert "moved from other modules: alpha-single-1 (alpha → thief), alpha-tf-1 (alpha → thief)" in text
    assert "modules affected: thief, alpha" in text
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "bank.imported")).all()[-1]
    assert event.actor_id == instructor.id and "modules affected: thief, alpha" in event.summary
    assert event.details["affected_modules"] == ["thief", "alpha"]
    assert event.details["moved"] == [
        {"id": "alpha-single-1", "from": "alpha", "to": "thief"},
        {"id": "alpha-tf-1", "from": "alpha", "to": "thief"},
    ]


def test_a_move_that_breaks_the_other_modules_draw_is_reported(db, imported, tmp_path):
    # alpha needs 5 questions per attempt from its 6 usable draw units; taking two ungrouped ones leaves 4.
    report = import_bank(db, load_banks([_thief(tmp_path, "alpha-multiple-1", "alpha-tf-1")]), allow_move=True)
    assert list(report.draw_problems) == ["alpha"]
    assert "WARNING: alpha can no longer be drawn: This quiz needs 5 usable questions" in str(report)


def test_failed_load_leaves_the_database_exactly_as_it_was(app, db, imported, tmp_path):
    data = fixture_data("alpha.yaml")
    _edit_stem(data)
    write_bank(tmp_path, "alpha.yaml", data)  # valid, and would make version 2 ...
    shutil.copy(BROKEN / "numeric.yaml", tmp_path / "numeric.yaml")  # ... but this file is broken
    before = snapshot(app)

    with pytest.raises(BankError) as caught:
        import_paths(db, tmp_path)

    assert {Path(p.file).name for p in caught.value.problems} == {"numeric.yaml"}
    assert snapshot(app) == before
    with pytest.raises(BankError):
        import_paths(db, BROKEN)
    assert snapshot(app) == before


def test_a_source_too_long_for_the_database_is_refused_before_import(app, db, tmp_path):
    long_id = "R" * 81
    data = fixture_data("beta.yaml")
    data["questions"][0]["source"] = long_id
    path = write_bank(tmp_path, "beta.yaml", data)
    sources = yaml.safe_load((VALID / "sources.yaml").read_text(encoding="utf-8"))
    sources["sources"][long_id] = {"title": "A long id", "url": "https://example.org/long", "tier": "B"}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    before = snapshot(app)

    with pytest.raises(BankError) as caught:
        import_paths(db, path)

    assert [(p.file, p.qid, p.message) for p in caught.value.problems] == [
        (str(path), "beta-1", "source must be at most 80 characters, has 81")
    ]
    assert snapshot(app) == before


# ---- audit ----------------------------------------------------------------------------------------------


def test_import_is_audited(db, make_user, tmp_path):
    instructor = make_user(Role.INSTRUCTOR)
    import_paths(db, VALID, actor=instructor)
    import_paths(db, VALID)
    first, second = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "bank.imported").order_by(AuditEvent.id)
    ).all()
    assert (first.actor_id, first.target_type, first.target_id) == (instructor.id, "module", "alpha,beta")
    assert first.summary == "Bank import: alpha, beta: 10 created, 0 updated, 0 retired, 0 unchanged"
    questions = first.details.pop("questions")
    assert first.details == {
        "modules": ["alpha", "beta"],
        "settings_changed": [],
        "created": 10,
        "updated": 0,
        "retired": 0,
        "unchanged": 0,
        "moved": [],
        "affected_modules": ["alpha", "beta"],
    }
    assert len(questions["created"]) == 10 and questions["updated"] == questions["retired"] == []
    assert second.actor_id is None and second.details["unchanged"] == 10


def test_many_modules_fit_the_audit_event(db, tmp_path):
    template = fixture_data("beta.yaml")
    slugs = [f"a-module-with-a-rather-long-slug-{n}" for n in range(4)]
    for n, slug in enumerate(slugs):
        data = yaml.safe_load(yaml.safe_dump(template))
        data["module"]["slug"] = slug
        data["questions"][0]["id"] = f"q-{n}"
        write_bank(tmp_path, f"{slug}.yaml", data)

    report = import_paths(db, tmp_path)

    assert report.created == 4
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "bank.imported"))
    assert event.target_id is None and event.details["modules"] == slugs


# ---- export -> import -----------------------------------------------------------------------------------


def test_module_spec_of_an_unknown_module(db):
    with pytest.raises(NotFound, match="No module 'nope'"):
        module_spec(db, "nope")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_bank_export_then_import_reports_no_changes(app, db, tmp_path, path):
    import_paths(db, path)
    spec = load_banks([path]).modules[0]
    exported = tmp_path / path.name
    exported.write_text(dump_module(module_spec(db, spec.slug)), encoding="utf-8")
    before = snapshot(app)

    again = load_banks([exported], sources_path=SHIPPED_DIR / "sources.yaml")
    report = import_bank(db, again)
    db.commit()

    assert report.changes == 0 and report.settings_changed == []
    assert report.unchanged == len(spec.questions)
    assert again.modules[0].settings() == spec.settings()
    after = snapshot(app)
    assert {t: r for t, r in after.items() if t != "audit_events"} == {
        t: r for t, r in before.items() if t != "audit_events"
    }


def test_export_leaves_retired_questions_out_and_round_trips(db, imported, tmp_path):
    data = fixture_data("alpha.yaml")
    data["questions"] = [q for q in data["questions"] if q["id"] != "alpha-tf-1"]
    _edit_stem(data)
    import_paths(db, write_bank(tmp_path / "edited", "alpha.yaml", data))
    exported = write_bank(tmp_path / "exported", "alpha.yaml", {})
    exported.write_text(dump_module(module_spec(db, "alpha")), encoding="utf-8")

    spec = load_banks([exported]).modules[0]

    assert [q.id for q in spec.questions] == [q for q in ALPHA_IDS if q != "alpha-tf-1"]
    assert [q.id for q in spec.questions if q.group == "face-depth"] == ["alpha-single-1", "alpha-numeric-1"]
    assert spec.questions[0].stem == "Which facial region takes the shallowest setting?"
    assert import_paths(db, exported).changes == 0


def test_import_audit_names_the_questions_it_changed(db):
    from quizapp.bank_loader import load_banks
    from quizapp.models import AuditEvent
    from quizapp.services.banks import import_bank
    from tests.quiz_helpers import QUIZ_BANK

    import_bank(db, load_banks([QUIZ_BANK]))
    db.commit()
    event = db.query(AuditEvent).filter_by(action="bank.imported").one()
    assert "tq-single" in event.details["questions"]["created"]
    assert event.details["questions"]["updated"] == [] and event.details["questions"]["retired"] == []
