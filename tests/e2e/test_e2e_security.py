"""The pages keep their Content Security Policy, raise no script errors and need no internet."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    TRAINEE_PASSWORD,
    answer_with_mouse,
    click_and_wait,
    login,
    question_type,
    start_quiz,
)

pytestmark = pytest.mark.e2e

# Report every CSP violation to the console too (Chromium logs most, this catches the rest).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " + e.blockedURI);
});
"""


def test_pages_keep_csp_run_without_errors_and_stay_offline(new_context, live_server):
    context, watch = new_context()
    context.add_init_script(REPORT_VIOLATIONS)
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    page = context.new_page()
    visited = []

    def check(name: str, url_pattern: str) -> None:
        expect(page).to_have_url(re.compile(url_pattern))
        page.wait_for_load_state("load")
        # Bootstrap came from the app's own server (an external stylesheet would have been blocked)
        assert page.evaluate("() => getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"
        csp = page.evaluate("async () => (await fetch(location.href)).headers.get('content-security-policy')")
        assert csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
        assert not watch.problems(), f"{name}: {watch.problems()}"
        visited.append(name)

    page.goto("/auth/login")
    check("login", r"/auth/login")
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    check("home", r"/$")
    page.goto("/modules/aftercare")
    check("module", r"/modules/aftercare$")
    start_quiz(page, "aftercare")
    check("question", r"/q/1$")
    answer_with_mouse(page, question_type(page))
    expect(page.locator("#autosave-status")).to_have_text("Answer saved.")  # fetch() passes connect-src
    check("question after autosave", r"/q/1$")
    click_and_wait(page, page.get_by_role("button", name="Review and submit"))
    check("submit", r"/submit$")
    click_and_wait(page, page.get_by_role("button", name="Submit for grading"))
    check("result", r"/result$")
    page.goto("/history")
    check("history", r"/history$")

    assert len(visited) == 8
    assert not watch.page_errors and not watch.csp_violations() and not watch.console_errors
    assert not watch.external_requests, watch.external_requests
    hosts = {re.match(r"https?://([^/:]+)", u).group(1) for u in requested if u.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts
    assert any("/bootstrap/static/" in u for u in requested)
    assert any(u.endswith("/quiz.js") for u in requested)
