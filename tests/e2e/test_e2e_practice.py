"""Practice on a phone: a trainee with failed quizzes sees questions due on home, practises ten with
feedback after each, and the due count drops; their graded history is unchanged."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.db import new_session, utcnow
from quizapp.models import Module, User
from quizapp.services import answers, grading
from quizapp.services import attempts as attempts_service
from tests.e2e.pages import TRAINEE_PASSWORD, click_and_wait, login
from tests.quiz_helpers import key_answer, wrong_answer

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"
DUE = re.compile(r"(\d+) questions? due for review")


def fail_quizzes(live_server, email: str) -> None:
    """Two failed graded attempts (a day ago), each missing half of its questions, taken through the service."""
    app = live_server.app
    with app.app_context(), new_session(app) as session:
        trainee = session.scalar(select(User).where(User.email == email))
        for slug in ("contraindications", "aftercare"):
            module = session.scalar(select(Module).where(Module.slug == slug))
            when = utcnow() - timedelta(days=1)
            attempt = attempts_service.start_attempt(session, trainee, module, when, random.Random(5))
            for response in attempt.responses:
                version = response.version
                answer = wrong_answer(version) if response.position % 2 else key_answer(version)
                answers.store_answer(session, attempt, response, answer, when)
            grading.submit_attempt(session, attempt, when)
            assert not attempt.passed
        session.commit()


def due_count(page: Page) -> int:
    match = DUE.search(page.locator("#practice-due-title").inner_text())
    return int(match.group(1)) if match else 0


def answer_something(page: Page, n: int) -> None:
    """Some answer, by touch or keyboard, whatever the question type."""
    fieldset = page.locator("#practice-form fieldset").first
    if fieldset.locator("input[type=radio]").count():
        fieldset.locator("label").nth(n % fieldset.locator("input[type=radio]").count()).click()
    elif fieldset.locator("input[type=checkbox]").count():
        fieldset.locator("label").first.click()
    elif fieldset.locator("input[type=text]").count():
        fieldset.locator("input[type=text]").fill("1")
    else:
        selects = fieldset.locator("select")
        for k in range(selects.count()):
            selects.nth(k).select_option(index=k + 1 if k + 1 < selects.nth(k).locator("option").count() else 1)


def test_a_practice_session_on_a_phone(new_context, live_server, artifacts):
    email = live_server.new_trainee()
    fail_quizzes(live_server, email)
    context, watch = new_context(**PHONE)
    page = context.new_page()
    login(page, email, TRAINEE_PASSWORD)
    history_before = page.goto("/history") and page.locator("main").inner_text()
    page.goto("/")
    before = due_count(page)
    assert before >= 10, before
    assert page.evaluate(OVERFLOW) <= 0, "home scrolls sideways"
    page.screenshot(path=artifacts / "practice-home-phone.png", full_page=True)

    click_and_wait(page, page.get_by_role("button", name="Start review"))
    for n in range(1, 11):
        expect(page).to_have_url(re.compile(rf"/practice/sessions/\d+/q/{n}$"))
        expect(page.locator("#progress-label")).to_contain_text(f"Question {n} of 10")
        assert page.evaluate(OVERFLOW) <= 0, f"practice question {n} scrolls sideways"
        # nothing of the key before answering
        assert not page.locator(".question-review").count() and "Why:" not in page.content()
        if n == 1:
            page.screenshot(path=artifacts / "practice-question-phone.png", full_page=True)
        answer_something(page, n)
        click_and_wait(page, page.get_by_role("button", name="Check answer"))
        expect(page.locator(".question-review")).to_be_visible()
        expect(page.get_by_text("Source:")).to_be_visible()
        assert page.evaluate(OVERFLOW) <= 0, f"feedback {n} scrolls sideways"
        if n == 1:
            page.screenshot(path=artifacts / "practice-feedback-phone.png", full_page=True)
        # the keyboard: the next button has the focus, Enter follows it
        with page.expect_navigation():
            page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/practice/sessions/\d+/done$"))
    expect(page.get_by_text(re.compile(r"\d+ of 10 answered right"))).to_be_visible()
    page.screenshot(path=artifacts / "practice-done-phone.png", full_page=True)
    page.goto("/")
    after = due_count(page)
    assert after == before - 10, (before, after)
    page.goto("/history")
    assert page.locator("main").inner_text() == history_before

    page.goto("/practice/")
    assert page.evaluate(OVERFLOW) <= 0, "practice page scrolls sideways"
    expect(page.locator("#missed-title")).to_be_visible()
    page.screenshot(path=artifacts / "practice-index-phone.png", full_page=True)

    wide, _ = new_context(**DESKTOP)
    desk = wide.new_page()
    login(desk, email, TRAINEE_PASSWORD)
    desk.goto("/practice/")
    desk.screenshot(path=artifacts / "practice-index-desktop.png", full_page=True)
    click_and_wait(desk, desk.get_by_role("button", name="Start a session (all modules)"))
    desk.screenshot(path=artifacts / "practice-question-desktop.png", full_page=True)


def test_practice_only_item_and_the_managers_line(new_context, live_server, artifacts):
    """Aftercare offers its practice-only items first to a new trainee, with the note and the course's
    position; the demo manager then sees one session this month, and none of the answers."""
    from quizapp.cli.demo import DEMO_TEAM
    from quizapp.models import Team

    email = live_server.new_trainee()
    app = live_server.app
    with app.app_context(), new_session(app) as session:
        trainee = session.scalar(select(User).where(User.email == email))
        trainee.teams.append(session.scalar(select(Team).where(Team.name == DEMO_TEAM)))
        trainee_id = trainee.id
        session.commit()
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, email, TRAINEE_PASSWORD)
    page.goto("/practice/")
    click_and_wait(page, page.get_by_role("button", name=re.compile(r"^Practise\W+Aftercare")))
    expect(page.locator("#progress-label")).to_contain_text("Practice only")
    expect(page.locator("#practice-only-note")).to_contain_text("Sources disagree on this point")
    stem = page.locator("#practice-form legend").first.inner_text()
    answer_something(page, 1)
    page.get_by_label("I was sure of this answer").check()
    click_and_wait(page, page.get_by_role("button", name="Check answer"))
    expect(page.get_by_text("The course's position:")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=artifacts / "practice-only-feedback-phone.png", full_page=True)

    manager_context, _ = new_context(**DESKTOP)
    manager = manager_context.new_page()
    login(manager, "manager@example.com")
    manager.goto(f"/manager/trainees/{trainee_id}")
    line = manager.locator("#practice-activity")
    expect(line).to_contain_text("Practice sessions per month")
    expect(line).to_contain_text(f"{utcnow():%b %Y}: 1")
    assert stem not in manager.content()
    manager.screenshot(path=artifacts / "practice-manager-desktop.png", full_page=True)


def test_retention_chart_on_a_phone(new_context, live_server, artifacts):
    """Two earlier sittings (all missed, then half right a week later) draw one retention bar."""
    from quizapp.services import practice
    from tests.practice_helpers import practice_form

    email = live_server.new_trainee()
    app = live_server.app
    with app.app_context(), new_session(app) as session:
        trainee = session.scalar(select(User).where(User.email == email))
        for days_ago, half in ((9, False), (2, True)):
            when = utcnow() - timedelta(days=days_ago)
            ps = practice.start_session(session, trainee, when)
            for item in ps.items:
                right = half and item.position % 2 == 0
                practice.answer(session, trainee, ps, item.position, practice_form(item, right=right), when)
        session.commit()
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, email, TRAINEE_PASSWORD)
    page.goto("/practice/")
    expect(page.get_by_role("img", name="Retention by week")).to_be_visible()
    expect(page.locator(".practice-chart table tbody tr")).to_have_count(1)
    expect(page.locator(".practice-chart table tbody td").last).to_have_text("50%")
    assert page.evaluate(OVERFLOW) <= 0
    page.locator(".practice-chart").screenshot(path=artifacts / "practice-retention-phone.png")
