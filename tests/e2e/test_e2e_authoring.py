"""Instructor authoring in a real browser: edit and preview one question of each type, rows without
JavaScript, four-eyes approval by the second demo instructor, item analysis; screenshots at 375 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.db import new_session
from quizapp.models import Question
from tests.e2e.pages import login

pytestmark = pytest.mark.e2e

TYPES = ("single", "multiple", "true_false", "numeric", "ordering", "matching")
ADD_ROW = {"single": "option", "multiple": "option", "ordering": "item", "matching": "pair"}


def one_key_per_type(live_server) -> dict[str, str]:
    with live_server.app.app_context(), new_session(live_server.app) as session:
        keys: dict[str, str] = {}
        for question in session.scalars(select(Question).where(Question.usable).order_by(Question.key)):
            keys.setdefault(question.current.type, question.key)
        return keys


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_edit_and_preview_one_question_of_each_type_then_a_second_instructor_approves(
    live_server, new_context, artifacts
):
    keys = one_key_per_type(live_server)
    assert set(keys) == set(TYPES), keys
    context, _watch = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, "instructor@example.com")
    for type_key in TYPES:
        key = keys[type_key]
        page.goto(f"/instructor/questions/{key}/edit")
        expect(page.get_by_role("heading", level=1)).to_contain_text(key)
        stem = page.get_by_label("Question text")
        original = stem.input_value()
        if type_key in ADD_ROW:
            row = ADD_ROW[type_key]
            rows_before = page.get_by_role("button", name=re.compile(rf"^Remove {row} ")).count()
            page.get_by_role("button", name=f"Add {row}", exact=True).click()
            expect(page.get_by_role("button", name=re.compile(rf"^Remove {row} "))).to_have_count(rows_before + 1)
            # the new, empty row goes again
            page.get_by_role("button", name=f"Remove {row} {rows_before + 1}", exact=True).click()
            expect(page.get_by_role("button", name=re.compile(rf"^Remove {row} "))).to_have_count(rows_before)
        page.get_by_label("Question text").fill(f"{original} (checked in the browser)")
        page.get_by_role("button", name="Preview", exact=True).click()
        problems = page.locator(".invalid-feedback").all_inner_texts()
        assert not problems, (key, problems)
        trainee_view = page.locator("section", has=page.get_by_role("heading", name="As a trainee sees it"))
        expect(trainee_view).to_contain_text("(checked in the browser)")
        review = page.locator("section", has=page.get_by_role("heading", name=re.compile("The review after")))
        expect(review).to_contain_text("Why:")
        if type_key == "single":
            page.screenshot(path=str(artifacts / "authoring-editor-preview-1280.png"), full_page=True)
        page.get_by_role("button", name="Save as a new version").click()
        expect(page.locator(".alert-success")).to_contain_text(f"Saved {key} as version 2")

    page.goto(f"/instructor/questions/{keys['single']}/history")
    page.get_by_role("button", name=re.compile("Approve version 2")).click()
    expect(page.locator("h1")).to_contain_text("Not allowed")  # four eyes: not the editor himself

    reviewer_context, reviewer_watch = new_context(viewport={"width": 375, "height": 800})
    reviewer_watch.expected_status(403)
    _watch.expected_status(403)
    reviewer = reviewer_context.new_page()
    login(reviewer, "reviewer@example.com")
    reviewer.goto(f"/instructor/questions/{keys['single']}/history")
    no_horizontal_scroll(reviewer)
    reviewer.get_by_role("button", name=re.compile("Approve version 2")).click()
    expect(reviewer.locator(".alert-success")).to_contain_text(f"Approved {keys['single']}")
    for type_key in TYPES[1:]:  # the other edits too, so the quizzes other tests take stay as they were
        reviewer.goto(f"/instructor/questions/{keys[type_key]}/history")
        reviewer.get_by_role("button", name=re.compile("Approve version 2")).click()
        expect(reviewer.locator(".alert-success")).to_contain_text(f"Approved {keys[type_key]}")
    reviewer.goto(f"/instructor/questions/{keys['matching']}/edit")
    no_horizontal_scroll(reviewer)
    reviewer.screenshot(path=str(artifacts / "authoring-editor-375.png"), full_page=True)
    reviewer.goto("/instructor/modules/aftercare/analysis")
    expect(reviewer.get_by_role("heading", name=re.compile("Review queue"))).to_be_visible()
    expect(reviewer.locator("svg.chart")).to_be_visible()
    expect(reviewer.locator("dd").first).not_to_have_text("0")  # seed-demo's cohort took this quiz
    expect(reviewer.get_by_role("button", name="Reviewed, keep").first).to_be_visible()
    no_horizontal_scroll(reviewer)
    reviewer.screenshot(path=str(artifacts / "authoring-analysis-375.png"))
    page.goto("/instructor/modules/aftercare/questions")
    page.screenshot(path=str(artifacts / "authoring-list-1280.png"))
