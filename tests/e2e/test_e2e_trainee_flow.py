"""A trainee on a phone: moving away from an answer that cannot be saved, flags, the time warnings, an
expired session during autosave, tab order and focus after each move."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from quizapp.db import new_session
from quizapp.models import QuizAttempt
from tests.e2e.pages import (
    TRAINEE_PASSWORD,
    WHOLE_BANK_MODULE,
    click_and_wait,
    login,
    navigator_button,
    start_quiz,
)

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def position_of(live_server, attempt_id: int, qtype: str) -> int:
    with new_session(live_server.app) as session:
        attempt = session.get(QuizAttempt, attempt_id)
        return next(r.position for r in attempt.responses if r.version.type == qtype)


def test_moving_away_keeps_the_draft_marks_it_not_saved_and_flags_show(new_context, live_server, artifacts):
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    attempt_id, total = start_quiz(page, WHOLE_BANK_MODULE)
    n = position_of(live_server, attempt_id, "numeric")
    page.goto(f"/attempts/{attempt_id}/q/{n}")
    page.get_by_label(re.compile("Your answer")).fill("abc")
    page.get_by_label("Flag this question for review before submitting").check()
    target = (
        page.get_by_role("button", name="Save and next")
        if n < total
        else page.get_by_role("button", name="Save and review answers")
    )
    click_and_wait(page, target)  # moving away works though the answer cannot be saved
    assert not page.url.endswith(f"/q/{n}")
    expect(page.locator(".alert").first).to_contain_text(f"Question {n} is not saved")
    page.goto(f"/attempts/{attempt_id}/q/1" if n != 1 else f"/attempts/{attempt_id}/q/2")
    button = navigator_button(page, n)
    expect(button).to_have_class(re.compile(r"\bquiz-nav-unsaved\b"))
    expect(button).to_contain_text("⚑")
    expect(button.locator(".visually-hidden")).to_have_text(", not saved, flagged")
    page.screenshot(path=artifacts / "navigator-unsaved-flagged-375.png", full_page=True)
    click_and_wait(page, button)
    expect(page.get_by_label(re.compile("Your answer"))).to_have_value("abc")  # the draft is still there
    expect(page.get_by_text("Enter a number")).to_be_visible()
    page.goto(f"/attempts/{attempt_id}/submit")
    expect(page.locator("section.notice-danger")).to_contain_text("1 not saved")
    expect(page.locator("section.notice-info")).to_contain_text("1 flagged for review")
    page.screenshot(path=artifacts / "submit-unsaved-flagged-375.png", full_page=True)


def test_the_timer_sticks_and_warns_at_five_and_one_minutes(new_context, live_server, artifacts):
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    attempt_id, _ = start_quiz(page, "aftercare")
    warning = page.locator("#quiz-timer-warning")
    expect(warning).to_have_attribute("aria-live", "assertive")
    expect(warning).to_be_empty()
    live_server.move_deadline(attempt_id, 302)
    page.reload()
    expect(warning).to_have_text("Less than 5 minutes left.", timeout=8_000)  # written by the script at 5:00
    assert page.locator("#quiz-timer").evaluate("el => getComputedStyle(el).position") == "sticky"
    page.mouse.wheel(0, 1200)
    page.wait_for_timeout(300)
    box = page.locator("#quiz-timer").bounding_box()
    assert box is not None and 0 <= box["y"] <= 10, box  # still in view at the top
    page.screenshot(path=artifacts / "timer-warning-375.png")
    live_server.move_deadline(attempt_id, 62)
    page.reload()
    expect(warning).to_contain_text("Less than 1 minute left", timeout=8_000)
    expect(page.locator("#quiz-timer")).to_have_class(re.compile(r"\bquiz-timer-danger\b"))


def test_an_expired_session_during_autosave_says_so(new_context, live_server):
    context, watch = new_context(**PHONE)
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    attempt_id, _ = start_quiz(page, WHOLE_BANK_MODULE)
    n = position_of(live_server, attempt_id, "numeric")
    page.goto(f"/attempts/{attempt_id}/q/{n}")
    context.clear_cookies()
    with page.expect_response(lambda r: r.url.endswith("/autosave")) as info:
        page.get_by_label(re.compile("Your answer")).fill("0.5")
    assert info.value.status == 401 and info.value.json()["saved"] is False
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Your session has expired")
    expect(status.get_by_role("link", name="Log in again")).to_have_attribute("href", re.compile(r"^/auth/login"))
    watch.expected_status(401)


def test_previous_comes_before_save_and_next_and_focus_starts_at_the_question(new_context, live_server):
    context, _ = new_context()
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    start_quiz(page, "contraindications")
    click_and_wait(page, page.get_by_role("button", name="Save and next"))
    assert page.evaluate("() => document.activeElement.id") == "progress-label"  # not the navbar
    order = []
    for _ in range(60):
        page.keyboard.press("Tab")
        label = page.evaluate("() => document.activeElement.textContent.trim()")
        if label in ("Previous", "Save and next"):
            order.append(label)
        if len(order) == 2:
            break
    assert order == ["Previous", "Save and next"]
