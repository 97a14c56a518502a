"""Ordering on a phone: with JavaScript a numbered list moved by buttons (keyboard too) or dragged; without
it, the position selects. Both post the same positions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import TRAINEE_PASSWORD, click_and_wait, login, start_quiz, until_autosaved

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def open_ordering(page, live_server) -> tuple[int, int, str]:
    attempt_id, total = start_quiz(page, "procedure-steps")
    with live_server.app.app_context():
        from quizapp.db import new_session
        from quizapp.models import QuizAttempt

        with new_session(live_server.app) as session:
            attempt = session.get(QuizAttempt, attempt_id)
            n = next(r.position for r in attempt.responses if r.version.type == "ordering")
    url = f"/attempts/{attempt_id}/q/{n}"
    page.goto(url)
    return attempt_id, n, url


def displayed_order(page) -> list[str]:
    return page.locator("#question-form .ordering-list li .ordering-text").all_inner_texts()


def test_ordering_by_buttons_and_keyboard_posts_positions(new_context, live_server, artifacts):
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    _, _, url = open_ordering(page, live_server)
    fieldset = page.locator("#question-form fieldset")
    expect(fieldset.locator(".ordering-list")).to_be_visible()
    expect(fieldset.locator("select").first).to_be_hidden()  # still in the form, and posted
    first = displayed_order(page)
    expect(fieldset.locator(".ordering-up").first).to_be_disabled()
    # keyboard: focus the first item's Move down button, press Enter twice; the focus follows the item
    fieldset.locator(".ordering-down").first.focus()
    body = until_autosaved(page, lambda: page.keyboard.press("Enter"))
    assert body["saved"]
    page.keyboard.press("Enter")
    assert displayed_order(page)[2] == first[0]
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == f"Move down: {first[0]}"
    page.screenshot(path=artifacts / "ordering-enhanced-375.png", full_page=True)
    order = displayed_order(page)
    click_and_wait(
        page,
        page.get_by_role("button", name="Save and next").or_(
            page.get_by_role("button", name="Save and review answers")
        ),
    )
    page.goto(url)
    assert displayed_order(page) == order  # the saved positions come back as the list's order


def test_ordering_by_dragging(new_context, live_server):
    context, _ = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    open_ordering(page, live_server)
    first = displayed_order(page)
    handles = page.locator("#question-form .ordering-list .drag-handle")
    until_autosaved(page, lambda: handles.nth(0).drag_to(page.locator("#question-form .ordering-list li").last))
    assert displayed_order(page) != first and displayed_order(page)[-1] == first[0]
    positions = page.eval_on_selector_all("#question-form fieldset select", "ss => ss.map(s => s.value)")
    assert sorted(positions) == [str(p) for p in range(1, len(first) + 1)]


def test_without_javascript_the_selects_remain(new_context, live_server):
    context, _ = new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    open_ordering(page, live_server)
    fieldset = page.locator("#question-form fieldset")
    assert fieldset.locator(".ordering-list").count() == 0
    selects = fieldset.locator("select")
    expect(selects.first).to_be_visible()
    for k in range(selects.count()):
        selects.nth(k).select_option(str(k + 1))
    assert page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth) - 375") <= 0
