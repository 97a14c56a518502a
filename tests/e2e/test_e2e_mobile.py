"""A phone-sized screen: no sideways scrolling on quiz pages, and a working menu button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import TRAINEE_PASSWORD, click_and_wait, login, position, question_type, start_quiz

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
# against 375 px: a phone browser widens its layout viewport (innerWidth) to fit a wide page
OVERFLOW = "() => Math.max(document.scrollingElement.scrollWidth, window.innerWidth) - 375"


def test_quiz_fits_a_phone_screen(new_context, live_server, artifacts):
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    assert page.evaluate("() => window.innerWidth") == 375
    assert page.evaluate(OVERFLOW) <= 0, "home scrolls sideways"

    # procedure-steps always draws an ordering question; every page of the attempt must fit
    _, total = start_quiz(page, "procedure-steps")
    types = set()
    for n in range(1, total + 1):
        assert position(page) == n
        types.add(question_type(page))
        assert page.evaluate(OVERFLOW) <= 0, f"question {n} ({question_type(page)}) scrolls sideways"
        if n == 1:
            page.screenshot(path=artifacts / "question-phone.png", full_page=True)
        name = "Save and next" if n < total else "Save and review answers"
        click_and_wait(page, page.get_by_role("button", name=name))
    assert "ordering" in types
    expect(page).to_have_url(re.compile(r"/submit$"))
    assert page.evaluate(OVERFLOW) <= 0, "submit page scrolls sideways"

    # the collapsed menu opens with the toggler (Bootstrap's JS is served locally)
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_be_visible()
    history = page.get_by_role("navigation", name="Main").get_by_role("link", name="History")
    expect(history).to_be_hidden()
    toggler.click()
    expect(history).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
