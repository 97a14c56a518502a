"""Logging in through the browser: the trainee's home, the admin's menu, a trainee refused admin pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import TRAINEE_PASSWORD, login

pytestmark = pytest.mark.e2e

MODULE_TITLES = re.compile(r"^\S.{5,}")  # a real title (the step number is in the kicker above it)


def test_demo_trainee_logs_in_and_sees_the_four_modules(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    login(page, "trainee1@example.com")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Your training")).to_be_visible()
    expect(page.locator("#cert-progress-label")).to_have_text("0 of 4 required modules passed")
    cards = page.locator("main li.path-step:not(.path-goal) section.card h2")  # the steps of the path
    expect(cards).to_have_count(4)
    titles = cards.all_inner_texts()
    steps = page.locator("main li.path-step:not(.path-goal) .path-kicker").all_inner_texts()
    assert [s.split(" ·")[0].upper() for s in steps] == ["STEP 1", "STEP 2", "STEP 3", "STEP 4"], steps
    for t in titles:
        assert MODULE_TITLES.match(t), t
    expect(page.locator("main section.card .badge", has_text="Not started")).to_have_count(4)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="History")).to_be_visible()
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(nav).to_contain_text("Tara Trainee")


def test_wrong_password_stays_on_login(page_and_watch):
    page, watch = page_and_watch
    page.goto("/auth/login")
    page.get_by_label("Email").fill("trainee1@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    watch.expected_status(401)


def test_admin_sees_users_menu_and_trainee_gets_403(new_context, live_server):
    admin_ctx, _ = new_context()
    admin = admin_ctx.new_page()
    login(admin, "admin@example.com")
    expect(admin).to_have_url(re.compile(r"/admin/users$"))
    nav = admin.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Users")).to_be_visible()
    expect(admin.locator("main")).to_contain_text("trainee1@example.com")

    trainee_ctx, watch = new_context()
    trainee = trainee_ctx.new_page()
    login(trainee, live_server.new_trainee(), TRAINEE_PASSWORD)
    expect(trainee.get_by_role("navigation", name="Main").get_by_role("link", name="Users")).to_have_count(0)
    response = trainee.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(trainee.locator("main")).to_contain_text("403")
    expect(trainee.locator("main")).not_to_contain_text("trainee1@example.com")
    watch.expected_status(403)  # the refused page load is logged as a console error
