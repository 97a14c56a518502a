"""The manager's trainee page: every attempt with a link to its read-only review, certificate history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from quizapp.models import QuizAttempt, Role
from quizapp.services import NotFound, oversight
from tests.cert_helpers import attempt
from tests.manager_helpers import build_clinic
from tests.query_count import count_queries


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def attempt_rows(html: str) -> list[str]:
    """The rows of the "Every attempt" table."""
    table = html.split('id="attempts-title"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr role=\"row\">(.*?)</tr>", table.split("<tbody", 1)[1], flags=re.S)


@pytest.fixture
def clinic(db, make_user, make_team):
    return build_clinic(db, make_user, make_team)


def test_every_attempt_with_outcome_and_review_link(client, auth, db, clinic):
    auth.login(clinic.manager.email)
    chris = clinic.people["critical"]
    [taken] = db.query(QuizAttempt).filter_by(user_id=chris.id).all()
    html = client.get(f"/manager/trainees/{chris.id}").get_data(as_text=True)
    [row] = attempt_rows(html)
    # the outcome macro's words, status first, then the manager's own read-only review (not the trainee's page)
    assert words(row).split()[:7] == ["Not", "passed", "—", "safety-critical", "question", "missed", "Review"]
    assert f'href="/manager/attempts/{taken.id}"' in row and f"/attempts/{taken.id}/result" not in html
    assert "5 min 0 s" in row
    review = client.get(f"/manager/attempts/{taken.id}")
    text = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "A safety-critical question was not fully right" in text and "Why:" in text
    assert text.count('class="question-review') == taken.question_count
    assert "<form" not in text.split('id="main"')[1]  # read-only: nothing to submit
    # the trainee's citation line (grade in words, never the bank files' "tier"), then the question's key and version
    assert re.search(r"Source: [^<]*?( · grade [ABC])?[^·]* · question [\w-]+, version \d+", words(text))
    assert "(tier" not in text and text.count('source-line">Source: ') == taken.question_count


def test_certificate_history_names_who_and_why(client, auth, clinic):
    auth.login(clinic.manager.email)
    html = client.get(f"/manager/trainees/{clinic.people['revoked'].id}").get_data(as_text=True)
    text = words(html)
    assert "— Issued automatically" in text and "by automatic" not in text
    assert "— Revoked by Admin" in text and ": Shared login" in text
    assert "<bdi>Shared login" in html  # typed text is isolated: a right-to-left reason cannot reorder the line
    expired = client.get(f"/manager/trainees/{clinic.people['expired'].id}").get_data(as_text=True)
    assert "— Expired" in expired


def test_attempts_of_another_team_are_404(client, auth, db, clinic):
    auth.login(clinic.manager.email)
    [south] = db.query(QuizAttempt).filter_by(user_id=clinic.people["south"].id).all()
    assert client.get(f"/manager/attempts/{south.id}").status_code == 404
    assert client.get("/manager/attempts/999999").status_code == 404
    with pytest.raises(NotFound):
        oversight.attempt_review(db, clinic.manager, south.id)


def test_nobody_reviews_their_own_attempt(db, make_user, clinic):
    admin = make_user(Role.ADMIN)
    [own] = db.query(QuizAttempt).filter_by(user_id=clinic.people["failed_twice"].id).limit(1).all()
    assert oversight.get_attempt(db, admin, own.id) is own
    with pytest.raises(NotFound):
        oversight.get_attempt(db, clinic.people["failed_twice"], own.id)


def test_trainee_page_review_and_pack_do_not_grow_with_attempts(app, client, auth, db, clinic):
    fred, rita = clinic.people["failed_twice"], clinic.people["revoked"]
    first = db.query(QuizAttempt).filter_by(user_id=fred.id).order_by(QuizAttempt.id).first()
    # a failed attempt from the start, so the second round adds none of a new kind
    attempt(db, rita, clinic.modules[0], clinic.now - timedelta(days=1), percent="40.0", passed=False)
    auth.login(clinic.manager.email)
    paths = [
        f"/manager/trainees/{fred.id}",
        f"/manager/attempts/{first.id}",
        f"/manager/trainees/{rita.id}",
        f"/manager/trainees/{rita.id}/evidence.zip",
    ]
    counts = []
    for round_ in range(2):
        with count_queries(app) as statements:
            for path in paths:
                assert client.get(path).status_code == 200
        counts.append(len(statements))
        for who in (fred, rita):
            for module in clinic.modules:
                for d in range(3):
                    when = clinic.now - timedelta(days=20 + d + 5 * round_)
                    attempt(db, who, module, when, percent="40.0", passed=False)
    assert counts[0] == counts[1], counts
