"""Trainee pages speak plain language: no file names, reference ids or "seed" (issue 9 item 10), readable
citations with a legend of what a source's grade means."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quizapp import ROOT
from quizapp.bank_loader import load_banks
from quizapp.models import Module, PracticeSession, QuizAttempt, Role
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
        "  X1: {title: 'Microneedling', organisation: 'StatPearls', year: 2023, tier: B}\n"
        "  X2: {title: 'Is it safe?', author: 'Chu S et al.', tier: A}\n"
        "  X3: {title: 'Striae: meta-analysis', year: 2024, tier: A}\n",
        encoding="utf-8",
    )
    path = str(sources)
    assert source_label(path, "003_ce3d531ecfe7e5aa.txt")["title"] == "Blog post: acne scars."
    assert source_label(path, "E07") == {
        "title": "Case report: granulomatous dermatitis.",
        "url": "",
        "tier": "A",
        "grade": "a regulator or a peer-reviewed study",
    }
    # "Organisation (Year). Title." and, where a part is unknown, what is known
    assert source_label(path, "X1")["title"] == "StatPearls (2023). Microneedling."
    assert source_label(path, "X2")["title"] == "Chu S et al. Is it safe?"
    assert source_label(path, "X3")["title"] == "Striae: meta-analysis (2024)."
    assert source_label(path, "E99")["title"] == "Course reference material"
    assert (
        citation({"author": "Graham PM", "year": 2016, "title": "Microneedling"}) == "Graham PM (2016). Microneedling."
    )
    assert citation({"organisation": "U.S. FDA"}) == "U.S. FDA."


def test_every_shipped_citation_reads_plainly():
    """Each of the sources the banks cite, as trainees see it: no id, file name or note for authors."""
    path = str(ROOT / "question_banks" / "sources.yaml")
    bank = load_banks([ROOT / "question_banks"])
    cited = {q.source for m in bank.modules for q in m.questions}
    assert cited <= set(bank.sources)
    for sid in bank.sources:
        text = source_label(path, sid)["title"]
        assert text != "Course reference material" and not JARGON.search(text), (sid, text)
        assert not re.search(r"\((?:mirror|PMC\d+|contains errors)", text), (sid, text)


def strings(value) -> list[str]:
    """Every text inside a question's spec: options, feedback, items, pairs."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def test_every_lesson_and_question_text_of_all_four_banks_is_plain():
    """What an attempt draws is random, so the page scan above sees only some questions: here every lesson,
    stem, option, feedback and explanation of every shipped bank, graded and practice alike."""
    bank = load_banks([ROOT / "question_banks"])
    assert len(bank.modules) == 4
    found = []
    for module in bank.modules:
        for where, text in [("lesson", module.lesson), ("title", module.title)]:
            found += [(module.slug, where, hit) for hit in JARGON.findall(text)]
        for q in module.questions:
            for text in [q.stem, q.explanation, *strings(q.spec)]:
                found += [(q.id, text[:60], hit) for hit in JARGON.findall(text)]
    assert not found
    assert sum(len(m.questions) for m in bank.modules) > 150


def test_practice_feedback_shows_the_citation_and_grade_in_words(app, client, db, shipped, login_as):
    """Practice shows the source right after each answer: a citation and what its grade means, never "tier"."""
    app.config["QUESTION_BANKS_DIR"] = str(ROOT / "question_banks")
    login_as(Role.TRAINEE)
    started = client.post("/practice/start", data={"module": shipped[0].slug})
    assert started.status_code == 302, started.status_code
    ps = db.scalars(select(PracticeSession)).one()
    assert len(ps.items) >= 5
    for item in sorted(ps.items, key=lambda i: i.position):
        url = f"/practice/sessions/{ps.id}/q/{item.position}"
        client.post(url, data=form_for(item.version, item.shuffle, wrong_answer(item.version)))
        text = visible_text(client.get(url).get_data(as_text=True))
        assert "Source: " in text and " · grade " in text, text[:300]
        assert not JARGON.findall(text), (item.version.source, JARGON.findall(text))
