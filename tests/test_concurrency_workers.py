"""Races between real gunicorn worker processes on PostgreSQL, over real HTTP.

The data is built with the app's own services and committed before gunicorn starts (4 sync workers,
`wsgi:app` on a free port); trainees log in through the login form (CSRF tokens from the pages); then
several threads, released together by a barrier on connections opened beforehand, send the same or
competing requests, so that different workers handle them at the same moment:

- simultaneous submits of one attempt grade it once;
- simultaneous starts of one module open one attempt;
- simultaneous final passes of a trainee's last two required modules issue exactly one certificate;
- simultaneous autosaves of one question with different sequence numbers keep the highest.

SQLite serialises writers in one file, so nothing would race there: the module is skipped unless
TEST_DATABASE_URL is PostgreSQL (CI's PostgreSQL stage runs it).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from quizapp import create_app
from quizapp.bank_loader import load_banks
from quizapp.db import Base, get_engine, new_session, utcnow
from quizapp.models import AttemptStatus, AuditEvent, Certificate, Module, QuizAttempt, Response, Role, User
from quizapp.question_types import get_type
from quizapp.services import answers
from quizapp.services import attempts as attempts_service
from quizapp.services import users as users_service
from quizapp.services.banks import import_bank
from tests.cert_helpers import attempt_row
from tests.conftest import ON_POSTGRES, PASSWORD, TEST_DATABASE_URL, base_config
from tests.quiz_helpers import QUIZ_BANK, form_for, key_answer

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = 4
THREADS = 2  # gthread workers: requests race between processes and between threads of one process
RACERS = WORKERS * THREADS  # simultaneous requests per race: one per thread of every worker
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="races between gunicorn worker processes need a shared server database: "
        "set TEST_DATABASE_URL=postgresql+psycopg://... (SQLite serialises writers, nothing would race)",
    ),
    pytest.mark.skipif(not GUNICORN.exists(), reason=f"gunicorn is not installed ({GUNICORN})"),
]


# --- a client over real HTTP ----------------------------------------------------------------------


class Client:
    """One browser: a cookie jar, a fixed address (X-Forwarded-For, one trusted proxy) and user agent."""

    def __init__(self, port: int, ip: str) -> None:
        self.port, self.ip = port, ip
        self.cookies: dict[str, str] = {}
        self.token = ""

    def connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.connect()
        return conn

    def send(
        self,
        method: str,
        path: str,
        form: dict[str, Any] | None = None,
        conn: http.client.HTTPConnection | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, str]:
        """(status, Location, body); `conn` an already open connection (for a race)."""
        conn = conn or self.connect()
        sent = {"User-Agent": "quizapp-race", "X-Forwarded-For": self.ip, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            text_ = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        location = urllib.parse.urlsplit(resp.headers.get("Location", "")).path
        return resp.status, location, text_

    def csrf(self, path: str) -> str:
        status, _loc, body = self.send("GET", path)
        match = CSRF.search(body)
        assert status == 200 and match, f"no form token at {path} (status {status})"
        self.token = match.group(1)
        return self.token

    def login(self, email: str) -> Client:
        token = self.csrf("/auth/login")
        status, location, _ = self.send(
            "POST", "/auth/login", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        assert status == 302 and "/auth/login" not in location, f"could not log in as {email} ({status})"
        return self


def race(client: Client, requests: list[tuple[str, str, dict[str, Any] | None, dict[str, str] | None]]) -> list:
    """Send the requests at once, each on a connection opened beforehand, released by one barrier."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        method, path, form, headers = requests[i]
        conn = client.connect()
        try:
            barrier.wait(30)
            results[i] = client.send(method, path, form, conn=conn, headers=headers)
        except BaseException as err:  # reported by the assertion below
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    problems = [r for r in results if not isinstance(r, tuple)]
    assert not problems, problems
    return results


# --- the data and the server ----------------------------------------------------------------------


@dataclass
class Setup:
    port: int
    modules: list[str]  # slugs of the two required modules
    emails: dict[str, str]  # per race: its trainee
    attempts: dict[str, list[int]]  # per race: the open attempts prepared for it
    session: Callable[[], Any]  # a new database session, to check the outcome


def _second_bank(tmp: Path) -> Path:
    """The test bank again as a second required module (new slug and question ids)."""
    data = yaml.safe_load(QUIZ_BANK.read_text(encoding="utf-8"))
    data["module"].update(slug="test-quiz-two", title="Test quiz two", order=2)
    for q in data["questions"]:
        q["id"] = f"{q['id']}-two"
    path = tmp / "quiz-two.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.copy(QUIZ_BANK.parent / "sources.yaml", tmp / "sources.yaml")
    return path


def _answered_attempt(db, user: User, module: Module, now) -> QuizAttempt:
    """An open attempt with every question answered right (through the quiz service)."""
    attempt = attempts_service.start_attempt(db, user, module, now)
    for response in attempt.responses:
        version = response.version
        form = form_for(version, response.shuffle, key_answer(version))
        parsed = answers.save_answer(db, attempt, response, MultiDict(form), now)
        assert parsed.error is None, parsed.error
    return attempt


def _truncate(app) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with get_engine(app).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Each worker leaves a file once it has loaded the app, so the races start with every worker able to answer.
READY_HOOK = """
from pathlib import Path

timeout = 60


def post_worker_init(worker):
    Path({ready!r}, str(worker.pid)).touch()
"""


def _start_gunicorn(tmp: Path) -> tuple[subprocess.Popen, int, Path, Path]:
    port = _free_port()
    log = tmp / "gunicorn.log"
    ready = tmp / "ready"
    ready.mkdir()
    config = tmp / "gunicorn_race.py"
    config.write_text(READY_HOOK.format(ready=str(ready)))
    env = {
        **os.environ,
        "DATABASE_URL": TEST_DATABASE_URL,
        "SECRET_KEY": "race-secret-key-for-the-workers-test",
        "RATELIMIT_STORAGE_URI": "memory://",  # a few log-ins from distinct addresses: far below the limits
        "TRUSTED_PROXIES": "1",  # each client's X-Forwarded-For is its address
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "REQUEST_LOG": "0",
        "PYTHONPATH": str(ROOT),
    }
    cmd = [str(GUNICORN), "--config", str(config), "--workers", str(WORKERS), "--threads", str(THREADS)]
    cmd += ["--bind", f"127.0.0.1:{port}"]
    cmd += ["--log-level", "warning", "--pythonpath", str(ROOT), "wsgi:app"]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, port, log, ready


def _stop(proc: subprocess.Popen) -> None:
    """The whole process group (arbiter and workers)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


def _wait_ready(proc: subprocess.Popen, port: int, log: Path, ready: Path) -> None:
    """Every worker has loaded the app, and the server answers."""
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(ready.iterdir())) >= WORKERS:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start {WORKERS} workers; its log:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def setup(migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    tmp = tmp_path_factory.mktemp("race")
    app = create_app(base_config(migrated_database, tmp / "instance"))
    _truncate(app)
    proc = None
    try:
        now = utcnow()
        with app.app_context(), new_session(app) as db:
            import_bank(db, load_banks([QUIZ_BANK]))
            import_bank(db, load_banks([_second_bank(tmp)]))
            db.commit()
            modules = list(db.scalars(select(Module).order_by(Module.order)))
            assert [m.required_for_certification for m in modules] == [True, True]

            def trainee(name: str) -> User:
                return users_service.create_user(
                    db, email=f"{name}@example.com", name=name.title(), role=Role.TRAINEE, password=PASSWORD
                )

            emails, attempts = {}, {}
            # (a) the second module already passed: grading the first completes the certificate, once
            user = trainee("submits")
            db.add(attempt_row(user, modules[1], now - timedelta(days=1)))
            attempts["submits"] = [_answered_attempt(db, user, modules[0], now).id]
            # (b) nothing started
            trainee("starts")
            # (c) both required modules open, answered right: whichever is graded second completes
            user = trainee("finals")
            attempts["finals"] = [_answered_attempt(db, user, m, now).id for m in modules]
            # (d) one open attempt
            user = trainee("autosaves")
            attempts["autosaves"] = [attempts_service.start_attempt(db, user, modules[0], now).id]
            for name in ("submits", "starts", "finals", "autosaves"):
                emails[name] = f"{name}@example.com"
            db.commit()
            slugs = [m.slug for m in modules]
        proc, port, log, ready = _start_gunicorn(tmp)
        _wait_ready(proc, port, log, ready)
        yield Setup(port, slugs, emails, attempts, lambda: new_session(app))
    finally:
        if proc is not None:
            _stop(proc)
        _truncate(app)
        get_engine(app).dispose()


def _login(setup: Setup, name: str, ip: str) -> Client:
    return Client(setup.port, ip).login(setup.emails[name])


# --- the races ------------------------------------------------------------------------------------


def test_simultaneous_submits_of_one_attempt_grade_it_once(setup: Setup):
    client = _login(setup, "submits", "10.0.0.1")
    attempt_id = setup.attempts["submits"][0]
    token = client.csrf(f"/attempts/{attempt_id}/submit")
    results = race(client, [("POST", f"/attempts/{attempt_id}/submit", {"csrf_token": token}, None)] * RACERS)

    assert [(status, location) for status, location, _ in results] == [(302, f"/attempts/{attempt_id}/result")] * RACERS
    with setup.session() as db:
        attempt = db.get(QuizAttempt, attempt_id)
        assert attempt.status == AttemptStatus.SUBMITTED and attempt.passed is True
        assert attempt.percent == 100
        graded = db.scalars(select(Response.full_marks).where(Response.attempt_id == attempt_id)).all()
        assert graded and all(graded)
        # the pass completed the certificate: issued (and audited) once, not once per worker
        certs = db.scalars(select(Certificate).where(Certificate.user_id == attempt.user_id)).all()
        assert len(certs) == 1
        issued = db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "certificate.issued", AuditEvent.target_id == str(certs[0].id))
        )
        assert issued == 1
    status, _loc, body = client.send("GET", f"/attempts/{attempt_id}/result")
    assert status == 200 and "100" in body


def test_simultaneous_starts_of_one_module_open_one_attempt(setup: Setup):
    client = _login(setup, "starts", "10.0.0.2")
    slug = setup.modules[0]
    token = client.csrf(f"/modules/{slug}")
    results = race(client, [("POST", f"/modules/{slug}/start", {"csrf_token": token}, None)] * RACERS)

    locations = {location for _status, location, _ in results}
    assert {status for status, _loc, _ in results} == {302}
    assert len(locations) == 1 and re.fullmatch(r"/attempts/[0-9]+/q/1", locations.pop())
    with setup.session() as db:
        user = db.scalar(select(User).where(User.email == setup.emails["starts"]))
        rows = db.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
        assert [a.status for a in rows] == [AttemptStatus.OPEN]
        assert {location for _s, location, _ in results} <= {f"/attempts/{rows[0].id}/q/1"}


def test_simultaneous_final_passes_of_two_modules_issue_one_certificate(setup: Setup):
    client = _login(setup, "finals", "10.0.0.3")
    first, second = setup.attempts["finals"]
    token = client.csrf(f"/attempts/{first}/submit")
    requests = [("POST", f"/attempts/{a}/submit", {"csrf_token": token}, None) for a in (first, second)]
    results = race(client, requests * (RACERS // 2))

    assert sorted((status, location) for status, location, _ in results) == sorted(
        [(302, f"/attempts/{first}/result"), (302, f"/attempts/{second}/result")] * (RACERS // 2)
    )
    with setup.session() as db:
        attempts = [db.get(QuizAttempt, a) for a in (first, second)]
        assert all(a.status == AttemptStatus.SUBMITTED and a.passed for a in attempts)
        certs = db.scalars(select(Certificate).where(Certificate.user_id == attempts[0].user_id)).all()
        assert len(certs) == 1
        evidence = {link.attempt_id for link in certs[0].evidence}
        assert {first, second} <= evidence


def test_simultaneous_autosaves_keep_the_highest_sequence_number(setup: Setup):
    client = _login(setup, "autosaves", "10.0.0.4")
    attempt_id = setup.attempts["autosaves"][0]
    with setup.session() as db:
        responses = db.scalars(
            select(Response).where(Response.attempt_id == attempt_id).order_by(Response.position)
        ).all()
        # the numeric question (every attempt at the test quiz holds it): as many different answers as needed
        response = next(r for r in responses if r.version.type == "numeric")
        version, shuffle, position = response.version, response.shuffle, response.position
        forms = [form_for(version, shuffle, str(10 + i)) for i in range(RACERS)]
    token = client.csrf(f"/attempts/{attempt_id}/q/{position}")
    headers = {"X-CSRFToken": token}
    for round_ in range(3):  # three rounds of saves; each round's sequence numbers above the last
        seqs = [100 * (round_ + 1) + i for i in range(RACERS)]
        requests = [
            ("POST", f"/attempts/{attempt_id}/autosave", {**forms[i], "position": position, "seq": seqs[i]}, headers)
            for i in range(RACERS)
        ]
        results = race(client, requests)
        assert {status for status, _loc, _ in results} == {200}, [body for _s, _l, body in results]
        with setup.session() as db:
            stored = db.scalar(select(Response).where(Response.attempt_id == attempt_id, Response.position == position))
            assert stored.autosave_seq == seqs[-1]
            expected = get_type(version.type).parse(version.spec, shuffle, MultiDict(forms[-1]))
            assert stored.answer == expected.answer
