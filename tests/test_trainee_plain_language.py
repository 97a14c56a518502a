"""Trainee pages speak plain language: no file names, reference ids or "seed" (issue 9 item 10), readable
citations with a legend of what a source's grade means."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quizapp import ROOT
from quizapp.bank_loader import load_banks
from quizapp.models import Module, QuizAttempt, Role
from quizapp.services.banks import import_bank
from quizapp.services.sources import citation, source_label
from tests.quiz_helpers import form_for, wrong_answer

JARGON = re.compile(
    r"\bseeds?\b|\d{3}_[0-9a-f]{16}\.txt|\.txt\b|(?-i:\bE\d{2}[a-z]?\b)|\btier [ABC]\b|\bPMC\d+|\bsign-off\b",
    re.IGNORECASE,
)


def visible_text(page: str) -> str:
    """What a trainee reads: the body's text and link targets are not read, so only text and titles."""
    body = page.split("<body", 1)[1]
    body = re.sub(r"<script\b.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def shipped(db):
    import_bank(db, load_banks([ROOT / "question_banks"]))
    db.commit()
    return db.scalars(select(Module).order_by(Module.order)).all()


def test_every_trainee_page_is_free_of_author_jargon(app, client, db, shipped, login_as):
    app.config["QUESTION_BANKS_DIR"] = str(ROOT / "question_banks")
    login_as(Role.TRAINEE)
    found: dict[str, list[str]] = {}
    seen = []

    def scan(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append(url)
        hits = JARGON.findall(visible_text(response.get_data(as_text=True)))
        if hits:
            found[url] = sorted(set(hits))

    for module in shipped:
        scan(f"/modules/{module.slug}")
        assert client.post(f"/modules/{module.slug}/start").status_code == 302
        attempt = db.scalars(select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()
        for r in attempt.responses:  # wrong answers: the review then shows every option's feedback
            scan(f"/attempts/{attempt.id}/q/{r.position}")
            data = form_for(r.version, r.shuffle, wrong_answer(r.version))
            client.post(f"/attempts/{attempt.id}/q/{r.position}", data=data)
        scan(f"/attempts/{attempt.id}/submit")
        client.post(f"/attempts/{attempt.id}/submit")
        scan(f"/attempts/{attempt.id}/result")
    for url in ("/", "/history", "/certificate"):
        scan(url)
    assert not found
    assert len(seen) > 40


def test_the_review_shows_readable_citations_and_the_grade_legend(app, client, db, shipped, login_as):
    app.config["QUESTION_BANKS_DIR"] = str(ROOT / "question_banks")
    login_as(Role.TRAINEE)
    module = shipped[0]
    client.post(f"/modules/{module.slug}/start")
    attempt = db.scalars(select(QuizAttempt)).one()
    client.post(f"/attempts/{attempt.id}/submit")
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Source grades: A — a regulator or a peer-reviewed study" in page
    assert page.count("source-line") == len(attempt.responses)


def test_citations_drop_author_notes_and_never_show_an_id(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  003_ce3d531ecfe7e5aa.txt: {title: 'Blog post: acne scars (contains errors; see reference 0.3)', tier: C}\n"
        "  E07: {title: 'Case report: granulomatous dermatitis (PMC8008152)', tier: A}\n"
        "  X1: {title: 'Microneedling', organisation: 'StatPearls', year: 2023, tier: B}\n",
        encoding="utf-8",
    )
    path = str(sources)
    assert source_label(path, "003_ce3d531ecfe7e5aa.txt")["title"] == "Blog post: acne scars"
    assert source_label(path, "E07") == {
        "title": "Case report: granulomatous dermatitis",
        "url": "",
        "tier": "A",
        "grade": "a regulator or a peer-reviewed study",
    }
    assert source_label(path, "X1")["title"] == "StatPearls. Microneedling (2023)"
    assert source_label(path, "E99")["title"] == "Course reference material"
    assert citation({"title": "Graham PM (2016). Microneedling", "year": 2016}) == "Graham PM (2016). Microneedling"
