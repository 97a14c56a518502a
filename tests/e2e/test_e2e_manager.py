"""The manager's day on a phone and a desktop: tiles, needs attention, a filter, the CSV, a failed attempt's
review and the evidence pack of a certified demo trainee — what a new user does after `make run`."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp import demo
from quizapp.db import new_session, utcnow
from quizapp.models import Module, Team, User
from tests.e2e.pages import DEMO_PASSWORDS, WHOLE_BANK_MODULE, login

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"
MANAGER = "manager@example.com"


@pytest.fixture(scope="module", autouse=True)
def demo_states(live_server):
    """The demo trainees in every state, as `make run` seeds them. The browser suite lets the whole-bank
    module draw every question, which no draw can do since questions share groups; the bank's own
    10-question draw is put back while the demo trainees take their quizzes, then the suite's setting."""
    with live_server.app.app_context(), new_session(live_server.app) as session:
        module = session.scalar(select(Module).where(Module.slug == WHOLE_BANK_MODULE))
        kept, module.questions_per_attempt = module.questions_per_attempt, 10
        team = session.scalar(select(Team).where(Team.name == "Demo clinic"))
        manager = session.scalar(select(User).where(User.email == MANAGER))
        demo.seed_states(session, team, manager, utcnow())
        module.questions_per_attempt = kept
        session.commit()


def test_dashboard_on_a_phone(new_context, live_server, artifacts):
    context, _ = new_context(accept_downloads=True, **PHONE)
    page = context.new_page()
    login(page, MANAGER, DEMO_PASSWORDS[MANAGER])
    page.goto("/manager/")
    tiles = page.locator(".tiles")
    expect(tiles.get_by_text("Expiring within 30 days")).to_be_visible()
    expect(tiles.get_by_text("Stuck")).to_be_visible()
    attention = page.locator(".attention")
    expect(attention.get_by_text("Certificate expires in")).to_be_visible()
    expect(attention.locator("li", has_text="Chris Critical — Missed a safety-critical question")).to_be_visible()
    expect(attention.locator("li", has_text="Fred Failed-Twice — Failed")).to_be_visible()
    assert page.locator("svg.chart").count() == 4
    assert page.evaluate(OVERFLOW) <= 0, "the dashboard scrolls sideways"
    page.screenshot(path=artifacts / "manager-dashboard-phone.png", full_page=True)

    page.get_by_role("link", name="Expiring within 60 days").click()
    expect(page).to_have_url(re.compile(r"/manager/trainees\?expiring=60"))
    cards = page.get_by_role("list", name="Trainees")
    expect(cards).to_be_visible()
    expect(page.locator("table.trainee-table")).to_be_hidden()
    first = cards.locator("li.card").first
    expect(first.locator("p").first).to_contain_text("Valid, expiring soon")  # status first
    expect(first).to_contain_text("Eve Expiring")
    assert page.evaluate(OVERFLOW) <= 0, "the trainee cards scroll sideways"
    page.screenshot(path=artifacts / "manager-table-phone.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Export as CSV \(\d+ rows?\)")).click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert body.startswith("\ufeffcertificate status,") and "Eve Expiring" in body and "Cara Certified" not in body


def test_failed_attempt_review_and_evidence_pack_on_a_desktop(new_context, live_server, artifacts):
    context, _ = new_context(accept_downloads=True, **DESKTOP)
    page = context.new_page()
    login(page, MANAGER, DEMO_PASSWORDS[MANAGER])
    page.goto("/manager/trainees?sort=name")
    page.screenshot(path=artifacts / "manager-table-desktop.png", full_page=True)
    page.locator("table.trainee-table").get_by_role("link", name="Chris Critical").click()
    page.get_by_role("link", name=re.compile(r"^Review")).first.click()
    expect(page.get_by_role("heading", name="Not passed")).to_be_visible()
    expect(page.get_by_text("A safety-critical question was not fully right")).to_be_visible()
    page.screenshot(path=artifacts / "manager-review-desktop.png", full_page=True)

    page.goto("/manager/trainees?status=valid")
    page.locator("table.trainee-table").get_by_role("link", name="Cara Certified").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the evidence pack")).click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("evidence.json"))
    assert data["trainee"]["name"] == "Cara Certified" and data["certificates"][0]["status"] == "valid"
    assert archive.read("evidence.pdf").startswith(b"%PDF")
    page.goto("/manager/")
    page.screenshot(path=artifacts / "manager-dashboard-desktop.png", full_page=True)
    # the weekly chart's labels, as drawn at 1280 px: none overlaps another, the newest week is labelled,
    # and the table beside the chart keeps all twelve weeks
    weeks = page.locator('figure:has(svg[aria-labelledby^="chart-weeks"])')
    boxes = weeks.locator("text.chart-label").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    assert len(boxes) >= 6
    assert all(right < left for (_, right), (left, _) in zip(boxes, boxes[1:], strict=False)), boxes
    assert (
        weeks.locator("text.chart-label").last.text_content()
        == weeks.locator("tbody tr").last.locator("td").first.text_content()
    )
    assert weeks.locator("tbody tr").count() == 12


def test_trainee_page_and_admin_tables_are_cards_on_a_phone(new_context, live_server, artifacts):
    """On a phone the tables a manager or admin reads become one card a row, status and action first, each
    value named; still tables to a screen reader, and the actions reachable with the keyboard."""
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, MANAGER, DEMO_PASSWORDS[MANAGER])
    page.goto("/manager/trainees?sort=name")
    page.get_by_role("list", name="Trainees").get_by_role("link", name="Chris Critical").click()
    attempts = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Outcome"))
    expect(attempts).to_have_count(1)  # still a table, with its headers, to assistive technology
    expect(attempts.locator("thead")).to_have_css("position", "absolute")  # the headers are read, not shown
    card = attempts.get_by_role("row").filter(has_text="safety-critical question missed").first
    expect(card).to_have_css("display", "block")
    cells = card.get_by_role("cell")
    expect(cells.nth(0)).to_contain_text("Not passed — safety-critical question missed")  # status first
    review = cells.nth(1).get_by_role("link", name=re.compile("^Review"))  # then the action
    expect(review).to_have_attribute("href", re.compile(r"^/manager/attempts/\d+$"))
    expect(cells.nth(2)).to_have_attribute("data-label", "Module")
    assert page.evaluate(OVERFLOW) <= 0, "the trainee page scrolls sideways"
    for _ in range(60):  # the review link is reached with Tab alone
        page.keyboard.press("Tab")
        if review.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the review link")
    page.screenshot(path=artifacts / "manager-trainee-phone.png", full_page=True)

    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, "admin@example.com", DEMO_PASSWORDS["admin@example.com"])
    for url, first, action in (
        ("/admin/users", "active", "Edit"),
        ("/admin/teams", "", "Edit"),
        ("/admin/audit", "", None),
    ):
        page.goto(url)
        table = page.get_by_role("table").first
        row = table.get_by_role("row").nth(1)
        expect(row).to_have_css("display", "block")
        if first:
            expect(row.get_by_role("cell").first).to_contain_text(first)
        if action:
            expect(row.get_by_role("cell").nth(1).get_by_role("link", name=re.compile(f"^{action}"))).to_be_visible()
        assert page.evaluate(OVERFLOW) <= 0, f"{url} scrolls sideways"


def test_onboarding_link_sets_a_password(new_context, live_server):
    context, _ = new_context(**PHONE)
    page = context.new_page()
    login(page, MANAGER, DEMO_PASSWORDS[MANAGER])
    page.goto("/manager/onboard")
    page.get_by_label("Email", exact=True).fill("e2e-onboarded@example.com")
    page.get_by_label("Full name").fill("Oda Onboarded")
    page.get_by_role("button", name="Add and show their link").click()
    expect(page.get_by_text("1 trainee added.")).to_be_visible()
    link = page.get_by_label("Link for Oda Onboarded").input_value()
    assert page.evaluate(OVERFLOW) <= 0, "the onboarding page scrolls sideways"

    fresh, _ = new_context(**PHONE)
    trainee = fresh.new_page()
    trainee.goto(urlsplit(link).path)  # the link names PUBLIC_BASE_URL; the test server has its own port
    trainee.get_by_label("New password").fill("oda-picks-velvet-otter-9")
    trainee.get_by_label("Repeat the password").fill("oda-picks-velvet-otter-9")
    trainee.get_by_role("button", name="Set password").click()
    expect(trainee).to_have_url(re.compile(r"/auth/login$"))
    login(trainee, "e2e-onboarded@example.com", "oda-picks-velvet-otter-9")
    expect(trainee.get_by_role("heading", name=re.compile("Your training"))).to_be_visible()
