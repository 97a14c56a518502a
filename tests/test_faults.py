"""Faults against a real gunicorn: killed mid-attempt and restarted, a submit whose response was lost and is
sent again, the database unreachable, and the start-up warning about per-worker rate limits."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from sqlalchemy import func, select

from quizapp.models import AttemptStatus, AuditEvent, Certificate, QuizAttempt, Role
from tests.conftest import PASSWORD
from tests.quiz_helpers import form_for, import_quiz, key_answer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
UNREACHABLE_DB = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """A real gunicorn serving wsgi:app from the repository, started with the repository's gunicorn.conf.py."""

    def __init__(self, log: Path, database_url: str, port: int, workers: int = 1, **env: str) -> None:
        self.log, self.port = log, port
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "fault-test-secret",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "RATELIMIT_STORAGE_URI": "memory://",
            **env,
        }
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers)]
        command += ["--bind", f"127.0.0.1:{self.port}", "wsgi:app"]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
            # ready when a worker answers, not when a socket accepts: right after a kill on the same port the
            # dying server's socket may still accept a connection and then reset it
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: no graceful shutdown, as in a crash."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the workers too, reparented once the master is gone
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, CSRF tokens and redirects seen as they are (never followed)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect())
        self.token = ""

    def open(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urlencode({**(data or {}), "csrf_token": self.token}, doseq=True).encode() if method == "POST" else None
        request = Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=20) as response:
                status, headers, text = response.status, dict(response.headers), response.read().decode()
        except HTTPError as err:
            status, headers, text = err.code, dict(err.headers), err.read().decode()
        found = TOKEN.search(text)
        if found:
            self.token = found.group(1)
        return status, headers, text

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.open("GET", path)

    def post(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        return self.open("POST", path, data)

    def login(self, email: str) -> None:
        self.get("/auth/login")
        status, headers, _ = self.post("/auth/login", {"email": email, "password": PASSWORD})
        assert status == 302, status


@pytest.fixture
def server(app, tmp_path):
    """Start (and always stop) gunicorns on this test's database."""
    started: list[Gunicorn] = []

    def start(database_url: str | None = None, port: int | None = None, **kwargs) -> Gunicorn:
        url = database_url or app.config["DATABASE_URL"]
        g = Gunicorn(tmp_path / "gunicorn.log", url, port or free_port(), **kwargs).start()
        started.append(g)
        return g

    yield start
    for g in started:
        g.stop()


def _attempt(db) -> QuizAttempt:
    db.expire_all()
    return db.scalars(select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()


def test_gunicorn_killed_mid_attempt_keeps_every_acknowledged_answer(server, db, make_user):
    module = import_quiz(db)
    trainee = make_user(Role.TRAINEE)
    first = server()
    browser = Browser(first.port)
    browser.login(trainee.email)
    browser.get(f"/modules/{module.slug}")
    status, headers, _ = browser.post(f"/modules/{module.slug}/start")
    assert status == 302
    attempt = _attempt(db)
    responses = sorted(attempt.responses, key=lambda r: r.position)
    acknowledged = []
    for r in responses[:4]:
        browser.get(f"/attempts/{attempt.id}/q/{r.position}")
        status, _, _ = browser.post(
            f"/attempts/{attempt.id}/q/{r.position}", {**form_for(r.version, r.shuffle, key_answer(r.version))}
        )
        assert status == 302
        acknowledged.append(r.position)
    first.kill()
    again = server(port=first.port)  # the same address; the browser keeps its session cookie
    status, _, page = browser.get(f"/attempts/{attempt.id}/q/1")
    assert status == 200 and "Question 1 of" in page
    db.expire_all()
    saved = {r.position: r.answer for r in _attempt(db).responses}
    for r in responses:
        if r.position in acknowledged:
            assert saved[r.position] == key_answer(r.version), r.position
    for r in responses[4:]:
        browser.get(f"/attempts/{attempt.id}/q/{r.position}")
        form = form_for(r.version, r.shuffle, key_answer(r.version))
        assert browser.post(f"/attempts/{attempt.id}/q/{r.position}", form)[0] == 302
    browser.get(f"/attempts/{attempt.id}/submit")
    status, headers, _ = browser.post(f"/attempts/{attempt.id}/submit")
    assert status == 302 and headers["Location"].endswith(f"/attempts/{attempt.id}/result")
    done = _attempt(db)
    assert done.status != AttemptStatus.OPEN and float(done.percent) == 100.0
    assert again.proc is not None and again.proc.poll() is None


def test_a_submit_sent_again_after_its_response_was_lost_grades_once(server, db, make_user):
    module = import_quiz(db)  # the only required module: passing it issues the certificate
    trainee = make_user(Role.TRAINEE)
    g = server()
    browser = Browser(g.port)
    browser.login(trainee.email)
    browser.get(f"/modules/{module.slug}")
    assert browser.post(f"/modules/{module.slug}/start")[0] == 302
    attempt = _attempt(db)
    for r in attempt.responses:
        browser.get(f"/attempts/{attempt.id}/q/{r.position}")
        assert (
            browser.post(
                f"/attempts/{attempt.id}/q/{r.position}", form_for(r.version, r.shuffle, key_answer(r.version))
            )[0]
            == 302
        )
    browser.get(f"/attempts/{attempt.id}/submit")
    # the first submit reaches the server, but the connection drops before the answer comes back
    jar = next(h.cookiejar for h in browser.opener.handlers if isinstance(h, HTTPCookieProcessor))
    conn = http.client.HTTPConnection("127.0.0.1", g.port, timeout=10)
    body = urlencode({"csrf_token": browser.token})
    conn.putrequest("POST", f"/attempts/{attempt.id}/submit")
    conn.putheader("Cookie", "; ".join(f"{c.name}={c.value}" for c in jar))
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body.encode())
    conn.sock.shutdown(socket.SHUT_WR)
    conn.close()  # never read the response
    deadline = time.monotonic() + 20
    while _attempt(db).status == AttemptStatus.OPEN and time.monotonic() < deadline:
        time.sleep(0.1)
    graded = _attempt(db)
    assert graded.status != AttemptStatus.OPEN
    first_finish = graded.finished_at
    # the browser retries: it is shown the result, and nothing is graded twice
    status, headers, _ = browser.post(f"/attempts/{attempt.id}/submit")
    assert status == 302 and headers["Location"].endswith(f"/attempts/{attempt.id}/result")
    assert browser.get(f"/attempts/{attempt.id}/result")[0] == 200
    again = _attempt(db)
    assert again.finished_at == first_finish and float(again.percent) == 100.0
    issued = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "certificate.issued"))
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1 and issued == 1


def test_database_unreachable_under_gunicorn_is_503_for_visitors_and_users(server, db, make_user):
    trainee = make_user(Role.TRAINEE)
    working = server()
    browser = Browser(working.port)
    browser.login(trainee.email)
    assert browser.get("/history")[0] == 200
    working.stop()
    broken = server(database_url=UNREACHABLE_DB, port=working.port)
    status, _, page = browser.get("/history")  # the session cookie is still valid: loading the user fails
    assert status == 503 and "Temporarily unavailable" in page and "Traceback" not in page
    visitor = Browser(broken.port)
    visitor.get("/auth/login")
    status, _, page = visitor.post("/auth/login", {"email": "a@b.test", "password": "whatever-pass-1"})
    assert status == 503 and "Temporarily unavailable" in page


@pytest.mark.parametrize(("workers", "warned"), [(1, False), (2, True)])
def test_several_workers_sharing_memory_limits_are_warned_about_at_start(server, tmp_path, workers, warned):
    g = server(workers=workers)
    time.sleep(0.5)
    log = (tmp_path / "gunicorn.log").read_text()
    assert ("RATELIMIT_STORAGE_URI is memory:// with 2 workers" in log) is warned, log
    assert g.proc is not None and g.proc.poll() is None


def test_a_redis_store_is_not_warned_about(server, tmp_path):
    server(workers=2, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379")
    time.sleep(0.5)
    assert "RATELIMIT_STORAGE_URI is memory://" not in (tmp_path / "gunicorn.log").read_text()


def test_browser_helper_reports_a_refused_connection():
    with pytest.raises(URLError):
        Browser(free_port()).get("/")
