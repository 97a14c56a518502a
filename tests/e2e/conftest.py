"""Browser suite: the app served on a local port, driven through Debian's Chromium by Playwright.

Runs only when the `e2e` marker is selected (`make e2e`: pytest -q tests/e2e -m e2e) or E2E=1 is set;
the normal `make test` skips it. One server and one database for the whole run; each test gets its own
browser context and, where it matters, its own trainee, so tests do not depend on each other's order.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask, got_request_exception
from sqlalchemy import func, select
from werkzeug.serving import make_server

from quizapp import ROOT, create_app, migrate
from quizapp.bank_loader import load_banks
from quizapp.db import get_engine, new_session, utcnow
from quizapp.models import Module, QuizAttempt, Role
from quizapp.question_types import get_type
from quizapp.services import users as users_service
from quizapp.services.banks import import_bank
from tests.e2e.pages import TRAINEE_PASSWORD, WHOLE_BANK_MODULE
from tests.quiz_helpers import key_answer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # without these Chromium phones home, and its connections are refused on a closed network
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"  # git-ignored
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def e2e_selected(config: pytest.Config) -> bool:
    return "e2e" in (config.getoption("-m") or "") or os.environ.get("E2E") == "1"


# The live server's threads serve files to a browser that may close a connection mid-response (a page left
# while its favicon loads); the file object is then closed by the garbage collector, which Python reports as an
# "Exception ignored in: <_io.FileIO …>" at an unpredictable moment in whichever test runs. That is the browser's
# doing, not the app's: in the browser suite only, such reports are not errors.
UNRAISABLE_FROM_THE_SERVER = pytest.mark.filterwarnings(
    "ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if e2e_selected(config):
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(UNRAISABLE_FROM_THE_SERVER)
        return
    skip = pytest.mark.skip(reason="browser test: run `make e2e` (pytest tests/e2e -m e2e)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


# --- the server ----------------------------------------------------------------------------------


@dataclass
class LiveServer:
    app: Flask
    url: str
    errors: list[BaseException] = field(default_factory=list)
    _ids: count = field(default_factory=lambda: count(1))

    def new_trainee(self) -> str:
        """A fresh trainee with no attempts; returns the login email."""
        email = f"e2e-trainee{next(self._ids)}@example.com"
        with self.app.app_context(), new_session(self.app) as session:
            users_service.create_user(
                session, email=email, name=f"E2E {email.split('@')[0]}", role=Role.TRAINEE, password=TRAINEE_PASSWORD
            )
            session.commit()
        return email

    def move_deadline(self, attempt_id: int, seconds_from_now: int) -> None:
        """Bring an attempt's deadline close, as if the trainee had been working for a while."""
        with self.app.app_context(), new_session(self.app) as session:
            session.get(QuizAttempt, attempt_id).deadline = utcnow() + timedelta(seconds=seconds_from_now)
            session.commit()

    def answer_key(self, attempt_id: int) -> dict[int, tuple[str, object]]:
        """Position -> (type, the full-marks answer as the form shows it), for a trainee who knows it all."""
        with self.app.app_context(), new_session(self.app) as session:
            attempt = session.get(QuizAttempt, attempt_id)
            key = {}
            for response in attempt.responses:
                version = response.version
                answer = key_answer(version)
                if version.type == "numeric":
                    answer = str(answer)
                display = get_type(version.type).display_value(version.spec, response.shuffle, answer)
                assert display is not None, (version.type, answer)
                key[response.position] = (version.type, display)
            return key


def e2e_config(tmp: Path) -> dict:
    return {
        "SECRET_KEY": "e2e-secret",
        "DATABASE_URL": f"sqlite:///{tmp / 'e2e.sqlite'}",
        "WTF_CSRF_ENABLED": True,  # a real browser sends real tokens
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }


def prepare_database(app: Flask) -> None:
    """Migrate, import the shipped banks, seed the demo users."""
    migrate.upgrade(app)
    bank = load_banks(sorted((ROOT / "question_banks").glob("*.yaml")))
    with app.app_context(), new_session(app) as session:
        import_bank(session, bank)
        session.commit()
        module = session.scalar(select(Module).where(Module.slug == WHOLE_BANK_MODULE))
        for question in module.questions:  # every question in one attempt: no exclusion group may hold one back
            question.group = None
        module.questions_per_attempt = sum(1 for q in module.questions if q.usable)
        session.commit()
        assert session.scalar(select(func.count()).select_from(Module)) == 4
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = create_app(e2e_config(tmp_path_factory.mktemp("e2e")))
    prepare_database(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(app, f"http://127.0.0.1:{server.server_port}")

    def record(sender: Flask, exception: BaseException, **extra) -> None:
        live.errors.append(exception)

    got_request_exception.connect(record, app)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        get_engine(app).dispose()


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/install-chromium`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What the pages of one browser context did that a test may assert on."""

    console: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # 4xx and 5xx responses

    def expected_status(self, status: int) -> None:
        """Forget the responses a test provoked on purpose (a 403, a 401)."""
        self.refused[:] = [(s, url) for s, url in self.refused if s != status]

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]

    def problems(self) -> list[str]:
        return (
            self.csp_violations()
            + self.console_errors
            + self.page_errors
            + [f"external request: {u}" for u in self.external_requests]
            + [f"HTTP {status}: {url}" for status, url in self.refused]
        )


def watch_page(page, watch: Watch) -> None:
    def on_console(msg) -> None:
        text = f"{msg.type}: {msg.text} ({page.url})"
        watch.console.append(text)
        # Chromium logs every 4xx/5xx as "Failed to load resource"; those are judged in on_response
        if msg.type == "error" and not msg.text.startswith("Failed to load resource: the server"):
            watch.console_errors.append(text)

    def on_response(response) -> None:
        if response.status < 400:
            return
        # autosave answers an unparsable answer (e.g. a position used twice) with 400 and a message
        if response.status == 400 and response.url.endswith("/autosave"):
            return
        watch.refused.append((response.status, response.url))

    page.on("console", on_console)
    page.on("pageerror", lambda err: watch.page_errors.append(f"{err} ({page.url})"))
    page.on("response", on_response)


@pytest.fixture
def new_context(browser, live_server: LiveServer) -> Iterator[Callable[..., tuple]]:
    """Factory: a fresh browser context (own cookies) whose pages are watched; closed after the test.

    Every request to a host other than this machine is aborted and recorded: the app must work offline.
    """
    opened = []

    def factory(**options) -> tuple:
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        watch = Watch()

        def only_local(route) -> None:
            host = urlsplit(route.request.url).hostname or ""
            if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
                route.continue_()
            else:
                watch.external_requests.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", only_local)
        context.on("page", lambda p: watch_page(p, watch))
        opened.append((context, watch))
        return context, watch

    yield factory
    for context, _ in opened:
        context.close()
    problems = [p for _, watch in opened for p in watch.problems()]
    assert not problems, "browser saw problems:\n" + "\n".join(problems)


@pytest.fixture
def page_and_watch(new_context) -> tuple:
    context, watch = new_context()
    return context.new_page(), watch


@pytest.fixture
def page(page_and_watch):
    return page_and_watch[0]


@pytest.fixture(autouse=True)
def no_server_exceptions(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if the app raised while serving it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    live: LiveServer = request.getfixturevalue("live_server")
    before = len(live.errors)
    yield
    new = live.errors[before:]
    assert not new, f"the app raised while serving this test: {new!r}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
