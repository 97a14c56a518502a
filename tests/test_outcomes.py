"""An attempt failed by a safety-critical question says so wherever its outcome shows (issue 9 item 5):
the trainee's home and history (tests/test_trainee_views.py), and the manager's page of the trainee."""

from __future__ import annotations

import re

from sqlalchemy import select

from quizapp.models import QuizAttempt, Role
from tests.quiz_helpers import form_for, import_quiz, key_answer, wrong_answer


def words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_manager_sees_why_a_trainee_did_not_pass(client, db, make_team, make_user, auth, login_as):
    import_quiz(db)
    clinic = make_team("Critical clinic")
    trainee = make_user(Role.TRAINEE, name="Cara Critical", teams=[clinic])
    assert auth.login(trainee.email).status_code == 302
    client.post("/modules/test-quiz/start")
    attempt = db.scalars(select(QuizAttempt)).one()
    for r in attempt.responses:
        answer = wrong_answer(r.version) if r.version.critical else key_answer(r.version)
        client.post(f"/attempts/{attempt.id}/q/{r.position}", data=form_for(r.version, r.shuffle, answer))
    client.post(f"/attempts/{attempt.id}/submit")
    auth.logout()
    login_as(Role.MANAGER, managed=[clinic])
    page = client.get(f"/manager/trainees/{trainee.id}").get_data(as_text=True)
    assert "Not passed — safety-critical question missed" in words(page)
