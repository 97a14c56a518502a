"""Practice pages through the test client: home hook, a session with feedback, no leaks, bad input, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.models import PracticeSession, Question, ReviewCard, Role
from quizapp.services import practice
from tests.cert_helpers import certify
from tests.practice_helpers import graded_attempt, practice_form
from tests.query_count import count_queries
from tests.quiz_helpers import import_quiz

MISSED = {"tq-single", "tq-multiple", "tq-tf", "tq-numeric"}
RIGHT = "✓</span> Correct</span>"  # the verdict of a fully right answer


@pytest.fixture
def module(db):
    return import_quiz(db)


@pytest.fixture
def trainee(login_as):
    return login_as(Role.TRAINEE)


def latest_session(db) -> PracticeSession:
    db.expire_all()
    return db.scalars(select(PracticeSession).order_by(PracticeSession.id.desc())).first()


def start(client, db, **data) -> PracticeSession:
    response = client.post("/practice/start", data=data)
    assert response.status_code == 302, response.data
    ps = latest_session(db)
    assert response.headers["Location"] == f"/practice/sessions/{ps.id}/q/1"
    return ps


def due_on_home(client) -> int:
    html = client.get("/").get_data(as_text=True)
    match = re.search(r"(\d+) questions? due for review", html)
    return int(match.group(1)) if match else 0


def test_home_shows_questions_due_and_a_session_lowers_them(client, db, module, trainee):
    graded_attempt(db, trainee, module, utcnow() - timedelta(days=1), wrong=MISSED)
    assert due_on_home(client) == len(MISSED)
    ps = start(client, db)
    assert [i.reason for i in ps.items[: len(MISSED)]] == ["missed"] * len(MISSED)
    for item in ps.items[:2]:
        response = client.post(f"/practice/sessions/{ps.id}/q/{item.position}", data=practice_form(item, right=True))
        assert response.status_code == 302
        feedback = client.get(response.headers["Location"]).get_data(as_text=True)
        assert RIGHT in feedback and item.version.explanation in feedback
        assert "Source:" in feedback and "Next review of this question" in feedback
    assert due_on_home(client) == len(MISSED) - 2
    html = client.get("/").get_data(as_text=True)
    assert "Continue practice" in html


def test_a_whole_session_ends_on_a_summary(client, db, module, trainee):
    graded_attempt(db, trainee, module, utcnow() - timedelta(days=1), wrong=MISSED)
    ps = start(client, db)
    location = f"/practice/sessions/{ps.id}/q/1"
    for n, item in enumerate(ps.items, start=1):
        assert location == f"/practice/sessions/{ps.id}/q/{n}"
        assert client.get(location).status_code == 200
        response = client.post(location, data=practice_form(item, right=n % 2 == 0))
        assert response.status_code == 302
        page = client.get(location).get_data(as_text=True)
        assert (RIGHT in page) == (n % 2 == 0)
        location = re.search(r'href="([^"]+)" autofocus', page).group(1)
    assert location == f"/practice/sessions/{ps.id}/done"
    summary = client.get(location).get_data(as_text=True)
    right = len(ps.items) // 2
    assert f"{right} of {len(ps.items)} answered right" in summary
    assert latest_session(db).finished_at is not None


def test_practice_only_items_carry_the_note(client, db, module, trainee):
    ps = start(client, db)
    item = next(i for i in ps.items if i.question.key == "tq-practice")
    page = client.get(f"/practice/sessions/{ps.id}/q/{item.position}").get_data(as_text=True)
    assert "Sources disagree on this point" in page and "never in a graded quiz" in page
    client.post(f"/practice/sessions/{ps.id}/q/{item.position}", data=practice_form(item, right=False))
    feedback = client.get(f"/practice/sessions/{ps.id}/q/{item.position}").get_data(as_text=True)
    assert "The course's position:" in feedback and item.version.explanation in feedback


def test_no_answer_leaks_before_answering(client, db, module, trainee):
    ps = start(client, db)
    assert {i.version.type for i in ps.items} >= {"single", "multiple", "true_false", "numeric", "ordering", "matching"}
    for item in ps.items:
        v = item.version
        secrets = {v.explanation} | {o["feedback"] for o in v.spec.get("options", []) if o.get("feedback")}
        if v.type == "numeric":
            secrets.add(f'value="{v.spec["answer"]}"')
        page = client.get(f"/practice/sessions/{ps.id}/q/{item.position}").get_data(as_text=True)
        for secret in secrets:
            assert secret not in page, (v.type, secret)
        assert not re.search(r"\bcorrect\b|is-correct|data-correct|feedback|Next review", page, re.IGNORECASE)
        if v.type == "ordering":
            shown = re.findall(r"Position of: </span>([^<]+)<", page)
            assert shown and shown != v.spec["items"]
        # a message for an empty answer reveals nothing either
        refused = client.post(f"/practice/sessions/{ps.id}/q/{item.position}", data={})
        assert refused.status_code == 400
        body = refused.get_data(as_text=True)
        assert "Answer the question first" in body and v.explanation not in body


def test_bad_input_gets_a_clear_4xx(client, db, module, trainee, make_user):
    ps = start(client, db)
    response = client.post("/practice/start", data={"kind": "everything"})
    assert response.status_code == 400 and "Unknown kind of practice session" in response.get_data(as_text=True)
    response = client.post("/practice/start", data={"module": "no-such-module"})
    assert response.status_code == 404 and "No such module to practise" in response.get_data(as_text=True)
    assert client.get(f"/practice/sessions/{ps.id}/q/99").status_code == 404
    assert client.get(f"/practice/sessions/{ps.id}/q/0").status_code == 404
    assert client.get("/practice/sessions/99999999999/q/1").status_code == 404
    numeric = next(i for i in ps.items if i.version.type == "numeric")
    response = client.post(f"/practice/sessions/{ps.id}/q/{numeric.position}", data={"answer": "lots"})
    assert response.status_code == 400 and "Enter a number" in response.get_data(as_text=True)
    assert client.post(f"/practice/sessions/{ps.id}/q/1", data={"answer": "\x00"}).status_code == 400
    db.expire_all()
    assert db.scalar(select(ReviewCard).where(ReviewCard.question_id == numeric.question_id)) is None


def test_an_ended_session_takes_no_answers(client, db, module, trainee):
    ps = start(client, db)
    assert client.post(f"/practice/sessions/{ps.id}/finish").status_code == 302
    response = client.post(f"/practice/sessions/{ps.id}/q/1", data=practice_form(ps.items[0], right=True))
    assert response.status_code == 302 and response.headers["Location"].endswith("/done")
    db.expire_all()
    assert db.scalar(select(ReviewCard)) is None


def test_recertification_review_is_offered_inside_the_renewal_window(client, db, trainee):
    modules = [import_quiz(db)]
    html = client.get("/").get_data(as_text=True)
    assert "Review weakest questions" not in html
    # certified 23 months ago: inside the 60-day renewal window of a 24-month certificate
    certify(db, trainee, modules, utcnow() - timedelta(days=700))
    html = client.get("/").get_data(as_text=True)
    assert "Recertification is open" in html and "Review weakest questions" in html
    response = client.post("/practice/start", data={"kind": "recert"})
    assert response.status_code == 302
    ps = latest_session(db)
    assert ps.kind == "recert" and ps.items and all(i.reason in ("weak", "new") for i in ps.items)


def test_managers_see_sessions_per_month_only(app, client, db, auth, make_user, make_team, module):
    team = make_team("Practice clinic")
    trainee = make_user(Role.TRAINEE, teams=[team])
    manager = make_user(Role.MANAGER, managed=[team])
    ps = practice.start_session(db, trainee, utcnow())
    practice.answer(db, trainee, ps, 1, practice_form(ps.items[0], right=True), utcnow())
    practice.start_session(db, trainee, utcnow())  # started, nothing answered: not counted
    db.commit()
    counts = practice.sessions_per_month(db, [trainee.id], utcnow())[trainee.id]
    assert counts[0].sessions == 1 and len(counts) == practice.MANAGER_MONTHS
    assert auth.login(manager.email).status_code == 302
    html = client.get(f"/manager/trainees/{trainee.id}").get_data(as_text=True)
    assert re.search(r'Practice sessions per month[^<]*<span class="text-nowrap">\w{3} \d{4}: 1</span>', html)
    assert ps.items[0].version.stem not in html


@pytest.mark.parametrize("path", ["/", "/practice/"])
def test_practice_pages_do_not_grow_with_cards_and_answers(app, client, db, module, trainee, path):
    graded_attempt(db, trainee, module, utcnow() - timedelta(days=2), wrong=MISSED)
    ps = practice.start_session(db, trainee, utcnow() - timedelta(days=1))
    practice.answer(db, trainee, ps, 1, practice_form(ps.items[0], right=False), utcnow() - timedelta(days=1))
    db.commit()
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    for day in (20, 15, 10, 5):  # each session misses everything, so every card is due again by the next
        when = utcnow() - timedelta(days=day)
        ps = practice.start_session(db, trainee, when)
        for item in ps.items:
            practice.answer(db, trainee, ps, item.position, practice_form(item, right=False), when)
        db.commit()
    graded_attempt(db, trainee, module, utcnow() - timedelta(hours=1), wrong=MISSED | {"tq-ordering"})
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), many


def test_a_practice_answer_is_a_fixed_number_of_queries(app, client, db, module, trainee):
    counts = []
    for _ in range(2):
        ps = start(client, db)
        with count_queries(app) as statements:
            response = client.post(f"/practice/sessions/{ps.id}/q/1", data=practice_form(ps.items[0], right=True))
        assert response.status_code == 302
        counts.append(len(statements))
        # before the second round: a due card for every question
        carded = set(db.scalars(select(ReviewCard.question_id).where(ReviewCard.user_id == trainee.id)))
        for q in db.scalars(select(Question)).all():
            if q.id not in carded:
                db.add(
                    ReviewCard(
                        user_id=trainee.id,
                        question_id=q.id,
                        version_id=q.current.id,
                        state=2,
                        stability=2.0,
                        difficulty=5.0,
                        due=utcnow() - timedelta(days=1),
                        last_review=utcnow() - timedelta(days=3),
                        reps=1,
                        lapses=0,
                    )
                )
        db.commit()
    assert counts[0] == counts[1], counts


def test_retention_chart_and_most_missed(client, db, module, trainee):
    html = client.get("/practice/").get_data(as_text=True)
    assert "<svg" not in html and "No reviews yet" in html and "Nothing missed yet" in html
    first, second = utcnow() - timedelta(days=9), utcnow() - timedelta(days=2)
    ps = practice.start_session(db, trainee, first)
    for item in ps.items:
        practice.answer(db, trainee, ps, item.position, practice_form(item, right=False), first)
    ps = practice.start_session(db, trainee, second)  # every card is due again: reviews, half of them right
    for item in ps.items:
        practice.answer(db, trainee, ps, item.position, practice_form(item, right=item.position % 2 == 0), second)
    db.commit()
    reviews, right = len(ps.items), len(ps.items) // 2
    html = client.get("/practice/").get_data(as_text=True)
    assert 'class="chart chart-bars"' in html and '<title id="retention-title">' in html
    percent = round(100 * right / reviews)
    assert f"<td>{reviews}</td><td>{right}</td><td>{percent}%</td>" in html
    # the bar is drawn against 100 %, not against the largest week (160 px of plot height)
    assert f'height="{160 * percent / 100:.1f}"' in html
    assert "missed 2 times" in html  # the ones missed in both sessions
