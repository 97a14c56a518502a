"""What a user does in the browser, as small functions shared by the e2e tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from quizapp.cli.demo import DEMO_USERS

DEMO_PASSWORDS = {email: password for email, _name, _role, password in DEMO_USERS}
QUESTION_TYPES = {"single", "multiple", "true_false", "numeric", "ordering", "matching"}
QUESTION_URL = re.compile(r"/attempts/(\d+)/q/(\d+)$")
TRAINEE_PASSWORD = "e2e-trainee-pass"  # of the trainees each test creates for itself
# The whole bank of this module is drawn in the browser suite, so one attempt shows every question type
# the shipped banks use (the draw is random, and a 10-question draw can miss the rare numeric items).
WHOLE_BANK_MODULE = "depth-selection"


def login(page: Page, email: str, password: str | None = None) -> None:
    """Log in through the form and wait for the page the app lands on."""
    page.goto("/auth/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password or DEMO_PASSWORDS[email])
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/auth/login"))


def start_quiz(page: Page, slug: str) -> tuple[int, int]:
    """Open the module page, check the lesson, press Start; returns (attempt id, question count)."""
    page.goto(f"/modules/{slug}")
    expect(page.locator("article.lesson h2").first).to_be_visible()
    page.get_by_role("button", name="Start the quiz").first.click()
    expect(page).to_have_url(QUESTION_URL)
    attempt_id, n = QUESTION_URL.search(page.url).groups()
    assert n == "1"
    label = page.locator("#progress-label").inner_text()
    match = re.fullmatch(r"Question 1 of (\d+)", label)
    assert match, label
    return int(attempt_id), int(match.group(1))


def position(page: Page) -> int:
    return int(QUESTION_URL.search(page.url).group(2))


def question_type(page: Page) -> str:
    """The question type, told from the inputs the form shows."""
    form = page.locator("#question-form fieldset")
    if form.locator("input[type=checkbox]").count():
        return "multiple"
    if form.locator("input[type=radio]").count():
        return "true_false" if form.locator(".form-check-inline input[type=radio]").count() else "single"
    if form.locator("input[type=text]").count():
        return "numeric"
    selects = form.locator("select")
    if selects.count():
        placeholder = selects.first.locator("option").first.inner_text()
        return "ordering" if placeholder.startswith("Position") else "matching"
    raise AssertionError(f"no answer inputs on {page.url}")


def answer_state(page: Page) -> dict[str, str]:
    """The answer the form shows now: checked boxes and radios, text and select values."""
    return page.eval_on_selector(
        "#question-form",
        """form => {
        const state = {};
        for (const el of form.querySelectorAll("fieldset input, fieldset select")) {
            if (el.type === "radio" || el.type === "checkbox") { if (el.checked) state[el.id] = "checked"; }
            else if (el.value !== "") state[el.name] = el.value;
        }
        return state;
    }""",
    )


def answer_with_mouse(page: Page, qtype: str) -> None:
    """Give some answer (not necessarily right) by clicking and choosing."""
    fieldset = page.locator("#question-form fieldset")
    if qtype in ("single", "true_false"):
        fieldset.locator("input[type=radio]").first.check()
    elif qtype == "multiple":
        fieldset.locator("input[type=checkbox]").first.check()
    elif qtype == "numeric":
        fieldset.locator("input[type=text]").fill("0.5")
    elif qtype == "ordering":  # the enhanced list (the selects are hidden while JavaScript runs)
        fieldset.locator(".ordering-list .ordering-down").first.click()
    elif qtype == "matching":
        selects = fieldset.locator("select")
        for k in range(selects.count()):
            selects.nth(k).select_option(index=1)
    assert answer_state(page), f"no answer given on {page.url}"


def tab_into_question(page: Page) -> None:
    """Press Tab from the top of the page until the focus is on an answer input."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('#question-form fieldset')"):
            return
    raise AssertionError("Tab never reached the answer inputs")


def focused(page: Page) -> str:
    return page.evaluate(
        "() => document.activeElement.tagName.toLowerCase() + ':' + (document.activeElement.type || '')"
    )


def answer_with_keyboard(page: Page, qtype: str) -> None:
    """Answer with Tab, Space, arrow keys and typing only."""
    tab_into_question(page)
    kb = page.keyboard
    if qtype in ("single", "true_false"):
        assert focused(page) == "input:radio"
        kb.press("Space")
    elif qtype == "multiple":
        assert focused(page) == "input:checkbox"
        kb.press("Space")
        kb.press("Tab")
        kb.press("Space")
    elif qtype == "numeric":
        assert focused(page) == "input:text"
        kb.type("0.5")
    elif qtype == "ordering":  # the enhanced list: Tab reaches the first enabled Move button
        assert focused(page) == "button:button", focused(page)
        kb.press("Enter")
    else:  # matching: one <select> per item; arrow keys change a closed select
        count = page.locator("#question-form fieldset select").count()
        for k in range(count):
            assert focused(page).startswith("select"), focused(page)
            before = page.evaluate("() => document.activeElement.value")
            for _ in range(k + 1 if qtype == "ordering" else 1):
                kb.press("ArrowDown")
            after = page.evaluate("() => document.activeElement.value")
            if after == before:  # a platform whose arrow keys open the list: choose on the focused select
                choice = {"value": str(k + 1)} if qtype == "ordering" else {"index": 1}
                page.locator("select:focus").select_option(**choice)
            if k + 1 < count:
                kb.press("Tab")


def change_with_keyboard(page: Page, qtype: str) -> None:
    """Change the answer already given, still with the keyboard (the focus is on the last input)."""
    kb = page.keyboard
    if qtype in ("single", "true_false"):
        kb.press("ArrowDown")  # moves the choice within the radio group
    elif qtype == "multiple":
        kb.press("Space")  # untick the second box again
    elif qtype == "numeric":
        kb.press("Backspace")
        kb.type("7")
    elif qtype == "ordering":  # the focus stays on the item that moved: move it once more
        kb.press("Enter")
    else:
        kb.press("ArrowDown")


def until_autosaved(page: Page, action, timeout: float = 10.0) -> dict:
    """Run action (which changes the answer) and wait until a background save reports saved."""
    responses = []

    def on_response(response) -> None:
        if response.url.endswith("/autosave") and response.request.method == "POST":
            responses.append(response)

    page.on("response", on_response)
    try:
        action()
        for _ in range(int(timeout * 10)):
            for response in responses:
                body = response.json()
                if body.get("saved"):
                    return body
            page.wait_for_timeout(100)
    finally:
        page.remove_listener("response", on_response)
    raise AssertionError(f"no successful autosave; got {[r.json() for r in responses]}")


def wait_for_saved(page: Page) -> None:
    expect(page.locator("#autosave-status")).to_have_text("Answer saved.")


def navigator_button(page: Page, n: int):
    return page.locator(f"#question-form .quiz-navigator button[value=goto-{n}]")


def click_and_wait(page: Page, locator) -> None:
    """Click a button that submits a form, and wait for the next page."""
    with page.expect_navigation():
        locator.click()


def parse_timer(text: str) -> int:
    minutes, seconds = text.strip().split(":")
    return int(minutes) * 60 + int(seconds)


def fill_answer(page: Page, qtype: str, value) -> None:
    """Set the form to a display value (as the question type's display_value gives it)."""
    fieldset = page.locator("#question-form fieldset")
    if qtype in ("single", "true_false"):
        fieldset.locator(f"input[type=radio][value='{value}']").check()
    elif qtype == "multiple":
        for v in value:
            fieldset.locator(f"input[type=checkbox][value='{v}']").check()
    elif qtype == "numeric":
        fieldset.locator("input[type=text]").fill(str(value))
    elif qtype == "ordering":
        set_order(page, value)
    else:
        selects = fieldset.locator("select")
        assert selects.count() == len(value)
        for k, v in enumerate(value):
            selects.nth(k).select_option(str(v))


def set_order(page: Page, positions) -> None:
    """Arrange the enhanced ordering list with its Move up buttons: positions[k] is where the k-th item
    as first shown (its select) belongs."""
    items = page.locator("#question-form .ordering-list li")
    assert items.count() == len(positions)
    for slot in range(len(positions)):
        field = positions.index(slot + 1)
        item = page.locator(f"#question-form .ordering-list li[data-field='{field}']")
        while (
            page.evaluate(
                "f => [...document.querySelectorAll('.ordering-list li')].findIndex(li => li.dataset.field === f)",
                str(field),
            )
            > slot
        ):
            item.locator(".ordering-up").click()
