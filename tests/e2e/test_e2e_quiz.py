"""A trainee takes quizzes in the browser: keyboard, autosave, reload, navigator, submit, review, timer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    QUESTION_TYPES,
    TRAINEE_PASSWORD,
    WHOLE_BANK_MODULE,
    answer_state,
    answer_with_keyboard,
    answer_with_mouse,
    change_with_keyboard,
    click_and_wait,
    fill_answer,
    login,
    navigator_button,
    parse_timer,
    position,
    question_type,
    start_quiz,
    until_autosaved,
    wait_for_saved,
)

pytestmark = pytest.mark.e2e

SEEN_TYPES: set[str] = set()  # question types shown in this run's flows (checked by the last test)


def keyboard_answer_and_change(page, qtype: str, n: int) -> dict:
    """Answer by keyboard only, then change the answer; each time the background save must succeed."""
    until_autosaved(page, lambda: answer_with_keyboard(page, qtype))
    wait_for_saved(page)
    given = answer_state(page)
    assert given, f"the keyboard gave no {qtype} answer"
    saved = until_autosaved(page, lambda: change_with_keyboard(page, qtype))
    assert n in saved["answered"]
    changed = answer_state(page)
    assert changed and changed != given, (qtype, given, changed)
    expect(navigator_button(page, n)).to_have_class(re.compile(r"\bquiz-nav-answered\b"))  # marked by quiz.js
    return changed


# depth-selection is drawn whole (see conftest) and holds every type; procedure-steps always draws at
# least one ordering question (its `step-order` draw minimum). The first flow answers every question it
# answers with the keyboard, the second uses the mouse after question 1.
@pytest.mark.parametrize(("slug", "keyboard"), [(WHOLE_BANK_MODULE, True), ("procedure-steps", False)])
def test_take_quiz_with_autosave_reload_navigator_submit_and_review(page, live_server, artifacts, slug, keyboard):
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    attempt_id, total = start_quiz(page, slug)
    assert total >= 4

    # Question 1, by keyboard only; the changed answer survives a reload and shows in a new tab.
    first_type = question_type(page)
    SEEN_TYPES.add(first_type)
    changed = keyboard_answer_and_change(page, first_type, 1)
    page.reload()
    assert answer_state(page) == changed
    fresh = page.context.new_page()  # a new tab: what the server kept, not what the browser restored
    fresh.goto(page.url)
    assert answer_state(fresh) == changed
    fresh.close()

    # The navigator jumps over question 2, which stays unanswered.
    click_and_wait(page, navigator_button(page, 3))
    assert position(page) == 3
    expect(page.locator("#progress-label")).to_have_text(f"Question 3 of {total}")
    expect(navigator_button(page, 1)).to_have_class(re.compile(r"\bquiz-nav-answered\b"))
    expect(navigator_button(page, 2)).to_have_class(re.compile(r"\bquiz-nav-open\b"))
    expect(navigator_button(page, 3)).to_have_attribute("aria-current", "step")

    # Walk the rest. Answer the first question of each type and at most half of all questions, so the
    # attempt cannot reach the 80 % pass mark (the result is checked as a fail below).
    answered, types = {1}, {1: first_type}
    n = 3
    while True:
        assert position(page) == n
        qtype = question_type(page)
        SEEN_TYPES.add(qtype)
        if qtype not in {types[p] for p in answered} and len(answered) < total // 2:
            if keyboard:
                keyboard_answer_and_change(page, qtype, n)
            else:
                answer_with_mouse(page, qtype)
            answered.add(n)
        types[n] = qtype
        if n == 3:
            page.screenshot(path=artifacts / f"question-{slug}.png", full_page=True)
        if n == 4:  # Previous keeps what was given here
            state = answer_state(page)
            click_and_wait(page, page.get_by_role("button", name="Previous"))
            assert position(page) == 3
            click_and_wait(page, page.get_by_role("button", name="Save and next"))
            assert position(page) == 4 and answer_state(page) == state
        if n == total:
            click_and_wait(page, page.get_by_role("button", name="Save and review answers"))
            break
        click_and_wait(page, page.get_by_role("button", name="Save and next"))
        n += 1

    # The submit page lists exactly the unanswered questions and links to them.
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/submit$"))
    unanswered = sorted(set(range(1, total + 1)) - answered)
    warning = page.locator("section.notice-warning")
    expect(warning).to_contain_text(f"{len(unanswered)} of {total} not answered")
    assert warning.locator("a").all_inner_texts() == [f"Question {p}" for p in unanswered]
    click_and_wait(page, warning.get_by_role("link", name="Question 2", exact=True))
    assert position(page) == 2 and answer_state(page) == {}
    click_and_wait(page, page.get_by_role("button", name="Review and submit"))
    click_and_wait(page, page.get_by_role("button", name="Submit for grading"))

    # Result: score, verdict, and a review of every question with its explanation.
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/result$"))
    expect(page.locator("#verdict")).to_have_text(re.compile(r"^Not passed"))
    score = page.locator("#verdict ~ p.fs-5").inner_text()
    match = re.fullmatch(r"(\d+(?:\.\d)?)% \((\d+(?:\.\d+)?) of (\d+) points\); pass mark (\d+)%", score.strip())
    assert match, score
    percent, awarded, possible, pass_mark = match.groups()
    assert float(percent) < float(pass_mark) and float(awarded) <= int(possible)
    reviews = page.locator("section[aria-labelledby^=review-]")
    expect(reviews).to_have_count(total)
    for p in range(1, total + 1):
        review = page.locator(f"section[aria-labelledby=review-{p}]")
        text = review.inner_text()
        assert re.search(r"Why:\s*\S", text), f"question {p} has no explanation"
        assert "Source:" in text
        assert ("Not answered" in text) == (p not in answered), f"question {p}: {text[:200]}"
        if p in answered:  # one picture of the review of each type
            review.screenshot(path=artifacts / f"review-{slug}-{types[p]}.png")
    page.screenshot(path=artifacts / f"result-{slug}.png", full_page=True)

    # History lists the graded attempt.
    page.goto("/history")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Not passed")
    expect(row).to_contain_text(f"{percent}%")


def test_trainee_who_knows_the_answers_passes_and_home_shows_it(page, live_server):
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    attempt_id, total = start_quiz(page, "contraindications")
    key = live_server.answer_key(attempt_id)
    for n in range(1, total + 1):
        qtype, value = key[n]
        assert question_type(page) == qtype
        fill_answer(page, qtype, value)
        name = "Save and next" if n < total else "Save and review answers"
        click_and_wait(page, page.get_by_role("button", name=name))
    expect(page.get_by_text(f"All {total} questions are answered.")).to_be_visible()
    click_and_wait(page, page.get_by_role("button", name="Submit for grading"))
    expect(page.locator("#verdict")).to_have_text("Passed")
    expect(page.locator("#verdict ~ p.fs-5")).to_contain_text("100%")
    verdicts = page.locator("section[aria-labelledby^=review-] p.fw-semibold").all_inner_texts()
    assert [v.strip() for v in verdicts] == ["✓ Correct"] * total, verdicts

    page.goto("/")
    expect(page.locator("#cert-progress-label")).to_have_text("1 of 4 required modules passed")
    card = page.locator("main section.card", has=page.locator("#mod-contraindications"))
    expect(card).to_contain_text("Passed")
    expect(card).to_contain_text("Best score 100%")


def test_timed_attempt_counts_down(page, live_server):
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    page.goto("/modules/aftercare")
    expect(page.get_by_text(re.compile(r"Time limit: \d+ minutes"))).to_be_visible()
    limit = int(re.search(r"Time limit: (\d+) minutes", page.content()).group(1))
    start_quiz(page, "aftercare")
    timer = page.locator("#quiz-timer-value")
    expect(timer).to_be_visible()
    first = parse_timer(timer.inner_text())
    assert limit * 60 - 30 <= first <= limit * 60
    page.wait_for_timeout(1500)
    second = parse_timer(timer.inner_text())
    assert first - 4 <= second < first, (first, second)
    # The server keeps the deadline: a reload does not restart the clock.
    page.reload()
    assert parse_timer(page.locator("#quiz-timer-value").inner_text()) <= second


@pytest.mark.parametrize("where", ["question", "submit"])
def test_when_time_runs_out_the_attempt_is_submitted(page, live_server, where):
    login(page, live_server.new_trainee(), TRAINEE_PASSWORD)
    attempt_id, _ = start_quiz(page, "aftercare")
    answer_with_mouse(page, question_type(page))
    click_and_wait(page, page.get_by_role("button", name="Review and submit"))
    live_server.move_deadline(attempt_id, 3)
    page.goto(f"/attempts/{attempt_id}/q/1" if where == "question" else f"/attempts/{attempt_id}/submit")
    assert parse_timer(page.locator("#quiz-timer-value").inner_text()) <= 3
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/result$"), timeout=15_000)
    expect(page.locator("#verdict")).to_have_text(re.compile(r"^Not passed"))
    expect(page.locator("#time-ran-out")).to_contain_text("Time ran out — graded on the answers saved by then.")
    expect(page.locator("#time-ran-out")).to_contain_text("Not answered: question 2")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Log out")  # still logged in


def test_every_question_type_was_shown():
    if not SEEN_TYPES:
        pytest.skip("the quiz flows did not run")
    assert SEEN_TYPES == QUESTION_TYPES, f"never shown: {QUESTION_TYPES - SEEN_TYPES}"
