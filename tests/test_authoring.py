"""Instructor authoring through the test client: list, editor per type, versions, four eyes, settings, import."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.models import AuditEvent, Question, ReviewStatus, Role
from quizapp.services.attempts import start_attempt
from quizapp.services.grading import submit_attempt
from tests.quiz_helpers import QUIZ_BANK, import_quiz


@pytest.fixture
def module(app, db):
    app.config["QUESTION_BANKS_DIR"] = str(QUIZ_BANK.parent)  # where this bank's sources.yaml lives
    return import_quiz(db)


@pytest.fixture
def instructor(login_as):
    return login_as(Role.INSTRUCTOR, email="ines@example.com")


def question(db, key: str) -> Question:
    db.expire_all()
    return db.scalars(select(Question).where(Question.key == key)).one()


def edit_form(client, key: str) -> dict:
    """The editor's fields as the browser would send them back unchanged."""
    import re

    page = client.get(f"/instructor/questions/{key}/edit").get_data(as_text=True)
    data: dict = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        if name != "csrf_token":
            data[name] = value
    for match in re.finditer(r'<input([^>]*)type="checkbox"([^>]*)>', page):
        attrs = match.group(1) + match.group(2)
        name = re.search(r'name="([^"]+)"', attrs).group(1)
        if " checked" in attrs:
            data[name] = "y"
        else:
            data.pop(name, None)
    for match in re.finditer(r'<input([^>]*)type="radio"([^>]*)>', page):
        attrs = match.group(1) + match.group(2)
        if " checked" in attrs:
            data[re.search(r'name="([^"]+)"', attrs).group(1)] = re.search(r'value="([^"]*)"', attrs).group(1)
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*(.*?)</textarea>', page, re.S):
        data[name] = body.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        if chosen:
            data[name] = chosen.group(1) or chosen.group(2)
    return data


def test_question_list_filters_and_statistics_columns(client, module, instructor):
    page = client.get("/instructor/modules/test-quiz/questions").get_data(as_text=True)
    assert "tq-single" in page and "tq-draft" in page and "Facility" in page and "Discrimination" in page
    page = client.get("/instructor/modules/test-quiz/questions?status=draft").get_data(as_text=True)
    assert "tq-draft" in page and 'tq-single"' not in page and ">tq-single<" not in page
    page = client.get("/instructor/modules/test-quiz/questions?type=numeric").get_data(as_text=True)
    assert ">tq-numeric<" in page and ">tq-tf<" not in page
    page = client.get("/instructor/modules/test-quiz/questions?assessed=practice").get_data(as_text=True)
    assert ">tq-practice<" in page and ">tq-single<" not in page
    page = client.get("/instructor/modules/test-quiz/questions?q=periorbital").get_data(as_text=True)
    assert ">tq-single<" in page and ">tq-multiple<" not in page


def test_impossible_draw_warning_on_the_list(client, db, module, instructor):
    module.questions_per_attempt = 50
    db.commit()
    page = client.get("/instructor/modules/test-quiz/questions").get_data(as_text=True)
    assert "Trainees cannot start this quiz" in page


@pytest.mark.parametrize("key", ["tq-single", "tq-multiple", "tq-tf", "tq-numeric", "tq-ordering", "tq-matching"])
def test_unchanged_edit_saves_nothing_and_edit_makes_a_draft_version(client, db, module, instructor, key):
    data = edit_form(client, key)
    response = client.post(f"/instructor/questions/{key}/edit", data={**data, "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert len(question(db, key).versions) == 1
    data["stem"] = data["stem"] + " (edited)"
    response = client.post(f"/instructor/questions/{key}/edit", data={**data, "action": "save"})
    assert response.status_code == 302
    q = question(db, key)
    assert [v.number for v in q.versions] == [1, 2]
    assert q.current.stem.endswith("(edited)") and q.current.created_by_id == instructor.id
    assert q.review_status == ReviewStatus.DRAFT and q.edited_by_id == instructor.id
    assert q.versions[0].stem == data["stem"].removesuffix(" (edited)")  # the old version is untouched


INVALID = {
    "tq-single": ({"options-0-correct": ""}, "needs exactly one correct option"),
    "tq-multiple": ({"options-0-text": ""}, "option 1 text is empty"),
    "tq-tf": ({"truth": "maybe"}, "answer must be true or false"),
    "tq-numeric": ({"tolerance": "-1"}, "tolerance must be 0 or more"),
    "tq-ordering": ({"items-1": "  "}, "item 2 is empty"),
    "tq-matching": ({"pairs-0-left": ""}, "pair 1 left is empty"),
}


@pytest.mark.parametrize("key", list(INVALID))
def test_each_type_refuses_what_the_loader_refuses_with_the_error_by_its_field(client, db, module, instructor, key):
    change, message = INVALID[key]
    data = {**edit_form(client, key), **change, "action": "save"}
    if key == "tq-single":
        data.pop("options-0-correct", None)
    response = client.post(f"/instructor/questions/{key}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and "Nothing was saved" in page
    assert len(question(db, key).versions) == 1


def test_common_fields_are_checked_as_in_bank_files(client, db, module, instructor):
    data = {**edit_form(client, "tq-single"), "points": "500", "source": "nowhere", "group": "Not A Slug"}
    page = client.post("/instructor/questions/tq-single/edit", data={**data, "action": "save"}).get_data(as_text=True)
    assert 'id="err-points"' in page and "points must be a whole number from 1 to 100" in page
    assert 'id="err-source"' in page and "is not listed in sources.yaml" in page
    assert 'id="err-group"' in page


def test_add_and_remove_rows_without_javascript(client, db, module, instructor):
    data = edit_form(client, "tq-single")
    page = client.post("/instructor/questions/tq-single/edit", data={**data, "action": "add-options"}).get_data(
        as_text=True
    )
    assert 'name="options-4-text"' in page and "Remove option 5" in page
    page = client.post("/instructor/questions/tq-single/edit", data={**data, "action": "remove-options-3"}).get_data(
        as_text=True
    )
    assert 'name="options-3-text"' not in page and "Forehead" not in page
    assert client.post("/instructor/questions/tq-single/edit", data={**data, "action": "explode"}).status_code == 400


def test_new_question_is_a_draft_and_its_id_must_be_free(client, db, module, instructor):
    form = {
        "key": "tq-new",
        "stem": "Is this new?",
        "truth": "true",
        "explanation": "It is.",
        "source": "S1",
        "points": "1",
        "assessed": "y",
        "action": "save",
    }
    response = client.post("/instructor/modules/test-quiz/questions/new?type=true_false", data=form)
    assert response.status_code == 302
    q = question(db, "tq-new")
    assert q.review_status == ReviewStatus.DRAFT and q.current.spec == {"answer": True}
    response = client.post("/instructor/modules/test-quiz/questions/new?type=true_false", data=form)
    assert response.status_code == 400 and "already used" in response.get_data(as_text=True)


def test_preview_shows_no_key_and_the_review_shows_it(client, db, module, instructor):
    page = client.get("/instructor/questions/tq-single/preview").get_data(as_text=True)
    trainee_part, review_part = page.split('id="preview-review"')
    assert "Under the eyes" in trainee_part and "correct" not in trainee_part.lower().split("as a trainee")[1]
    assert "Correct answer" in review_part or "Your answer, correct" in review_part
    assert "The periorbital skin is the thinnest on the face." in review_part
    assert 'class="small text-body-secondary mt-2 mb-0 source-line">Source: ' in review_part  # as trainees read it
    assert "(tier" not in page
    data = edit_form(client, "tq-numeric")
    page = client.post("/instructor/questions/tq-numeric/edit", data={**data, "action": "preview"}).get_data(
        as_text=True
    )
    trainee_part = page.split('id="preview-trainee"')[1].split('id="preview-review"')[0]
    assert "Your answer, in mm" in trainee_part and "0.25" not in trainee_part
    assert len(question(db, "tq-numeric").versions) == 1  # a preview saves nothing


def test_editing_never_changes_what_a_past_attempt_shows(client, db, module, make_user, instructor, auth):
    trainee = make_user(Role.TRAINEE)
    attempt = start_attempt(db, trainee, module, utcnow())
    submit_attempt(db, attempt, utcnow())
    db.commit()
    data = edit_form(client, "tq-single")
    client.post("/instructor/questions/tq-single/edit", data={**data, "stem": "A new wording?", "action": "save"})
    auth.logout()
    auth.login(trainee.email)
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Which region takes the shallowest setting?" in page and "A new wording?" not in page


def test_four_eyes_approval(client, db, module, instructor, make_user, auth):
    data = edit_form(client, "tq-tf")
    client.post("/instructor/questions/tq-tf/edit", data={**data, "stem": "Edited?", "action": "save"})
    assert client.post("/instructor/questions/tq-tf/approve").status_code == 403  # own edit
    assert question(db, "tq-tf").review_status == ReviewStatus.DRAFT
    other = make_user(Role.INSTRUCTOR, email="other@example.com")
    auth.logout()
    auth.login(other.email)
    assert client.post("/instructor/questions/tq-tf/approve").status_code == 302
    q = question(db, "tq-tf")
    assert q.review_status == ReviewStatus.APPROVED and q.approved_by_id == other.id and q.approved_at is not None
    assert client.post("/instructor/questions/tq-tf/approve").status_code == 400  # already approved
    page = client.get("/instructor/questions/tq-tf/history").get_data(as_text=True)
    assert "approved" in page and other.name in page and instructor.name in page


def test_drafts_are_never_drawn(db, module, make_user):
    from quizapp.services.attempts import usable_questions

    keys = {q.key for q in usable_questions(db, module)}
    assert "tq-draft" not in keys and "tq-practice" not in keys and "tq-single" in keys


def test_retire_restore_and_keep_note_in_history(client, db, module, instructor):
    assert client.post("/instructor/questions/tq-ordering/retire").status_code == 302
    assert question(db, "tq-ordering").retired_at is not None
    assert client.post("/instructor/questions/tq-ordering/retire").status_code == 400
    assert client.post("/instructor/questions/tq-ordering/restore").status_code == 302
    assert question(db, "tq-ordering").retired_at is None
    assert client.post("/instructor/questions/tq-ordering/keep", data={"note": ""}).status_code == 400
    assert client.post("/instructor/questions/tq-ordering/keep", data={"note": "Hard on purpose"}).status_code == 302
    page = client.get("/instructor/questions/tq-ordering/history").get_data(as_text=True)
    for word in ("retired", "restored", "reviewed, keep", "Hard on purpose"):
        assert word in page


def test_side_by_side_diff(client, db, module, instructor):
    data = edit_form(client, "tq-matching")
    client.post("/instructor/questions/tq-matching/edit", data={**data, "explanation": "New why.", "action": "save"})
    page = client.get("/instructor/questions/tq-matching/diff?a=1&b=2").get_data(as_text=True)
    assert "diff-replace" in page and "New why." in page
    assert client.get("/instructor/questions/tq-matching/diff?a=1&b=9").status_code == 404


def test_module_settings_form_uses_the_loader_bounds(client, db, module, instructor):
    page = client.get("/instructor/modules/test-quiz/settings").get_data(as_text=True)
    assert 'value="Test quiz"' in page and 'name="draw-0-tag"' in page
    form = {
        "title": "Renamed quiz",
        "order": "2",
        "lesson": "## Lesson\nText",
        "pass_mark": "150",
        "questions_per_attempt": "7",
        "time_limit_minutes": "10",
        "attempts_per_day": "3",
        "cooldown_minutes": "0",
        "review": "full",
        "required_for_certification": "y",
        "draw-0-tag": "face",
        "draw-0-count": "99",
        "action": "save",
    }
    response = client.post("/instructor/modules/test-quiz/settings", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="err-pass_mark"' in page and "a whole percentage from 1 to 100" in page
    assert 'id="err-draw-1"' in page
    form.update({"pass_mark": "75", "draw-0-count": "2"})
    response = client.post("/instructor/modules/test-quiz/settings", data={**form, "action": "preview"})
    # lesson sections carry anchors (issue 9: a contents list)
    assert response.status_code == 200 and '<h2 id="s-lesson">Lesson</h2>' in response.get_data(as_text=True)
    assert client.post("/instructor/modules/test-quiz/settings", data=form).status_code == 302
    db.expire_all()
    assert (module.title, module.pass_mark, module.order) == ("Renamed quiz", 75, 2)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "module.settings")).first() is not None


def test_analysis_page_and_csv(client, db, module, make_user, instructor):
    trainee = make_user(Role.TRAINEE)
    attempt = start_attempt(db, trainee, module, utcnow())
    submit_attempt(db, attempt, utcnow())
    db.commit()
    page = client.get("/instructor/modules/test-quiz/analysis").get_data(as_text=True)
    assert "Review queue" in page and "<svg" in page and "Cronbach" in page
    assert "All attempts" in client.get("/instructor/modules/test-quiz/analysis?attempts=all").get_data(as_text=True)
    response = client.get("/instructor/modules/test-quiz/analysis.csv")
    assert response.mimetype == "text/csv" and response.get_data(as_text=True).lstrip("\ufeff").startswith(
        "Question,Version"
    )


def test_export_yaml_and_gift(client, module, instructor):
    yaml_text = client.get("/instructor/modules/test-quiz/export?format=yaml").get_data(as_text=True)
    assert "slug: test-quiz" in yaml_text
    gift_text = client.get("/instructor/modules/test-quiz/export?format=gift").get_data(as_text=True)
    assert "::tq-single::" in gift_text and "WARNING" in gift_text  # ordering has no GIFT form
    assert client.get("/instructor/modules/nope/export").status_code == 404


def test_authoring_pages_send_a_fixed_number_of_queries(app, client, db, module, make_user, instructor):
    from tests.query_count import count_queries

    paths = (
        "/instructor/modules/test-quiz/questions",
        "/instructor/modules/test-quiz/analysis",
        "/instructor/questions/tq-draft/history",
        "/instructor/questions/tq-draft/edit",
    )

    def take(n: int) -> None:
        for _ in range(n):
            trainee = make_user(Role.TRAINEE)
            submit_attempt(db, start_attempt(db, trainee, module, utcnow()), utcnow())
        db.commit()

    take(1)
    counts = []
    for _ in range(2):
        with count_queries(app) as statements:
            for path in paths:
                assert client.get(path).status_code == 200
        counts.append(len(statements))
        take(4)
        data = edit_form(client, "tq-draft")
        client.post("/instructor/questions/tq-draft/edit", data={**data, "stem": f"v{len(counts)}", "action": "save"})
        client.post("/instructor/questions/tq-draft/keep", data={"note": "fine"})
    assert counts[0] == counts[1], counts


def test_keep_from_the_queue_returns_only_to_local_pages(client, db, module, instructor):
    response = client.post("/instructor/questions/tq-tf/keep", data={"note": "ok", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/instructor/questions/tq-tf/history"
    back = "/instructor/modules/test-quiz/analysis"
    response = client.post("/instructor/questions/tq-tf/keep", data={"note": "ok", "next": back})
    assert response.headers["Location"] == back


def test_the_queue_shows_reasons_links_and_kept_notes(client, db, module, make_user, instructor):
    for _ in range(3):
        trainee = make_user(Role.TRAINEE)
        submit_attempt(db, start_attempt(db, trainee, module, utcnow()), utcnow())  # nothing answered: too hard
    db.commit()
    page = client.get("/instructor/modules/test-quiz/analysis").get_data(as_text=True)
    assert "too hard: facility 0%" in page and 'href="/instructor/questions/tq-single/edit"' in page
    client.post("/instructor/questions/tq-single/keep", data={"note": "Key is right; cohort untrained"})
    page = client.get("/instructor/modules/test-quiz/analysis").get_data(as_text=True)
    assert "Kept: “Key is right; cohort untrained”" in page
