"""quizapp under gunicorn, measured with wrk against a bare Flask baseline served the same way, in one run.

Usage: .venv/bin/python bench/run.py [--database sqlite|postgresql] [--size small|full] [--duration S]
                                     [--connections N] [--only TEXT] [--profile] [--no-seed-cache]
                                     (`make bench` runs both databases)

1. Seeds a fresh database with bench/seed.py (PostgreSQL: BENCH_DATABASE_URL, default the database `bench`
   on 127.0.0.1:5432, created when missing and emptied). The generated rows are cached for an hour, so the
   second database of `make bench` loads the same data without generating it again.
2. Starts `gunicorn wsgi:app` and `bench/baseline.py` with the same settings (BENCH_WORKERS workers, default 2,
   of BENCH_THREADS threads, default 1: sync workers; above 1 gthread workers, as `make serve THREADS=…` runs)
   on free ports, and logs in over real HTTP (login form, CSRF token, post) as 32 trainees (four at a time),
   the demo manager, the admin and the instructor.
3. Runs wrk (bench/wrk/scenario.lua, one connection per wrk thread) for each scenario for a fixed time: the
   hot trainee pages for --duration seconds (the flow twice that), each after the template baseline again
   for a paired ratio; secondary pages (manager, instructor, verify, the 32-connection checks) for half of
   it; managers' and the instructor's pages with 4 connections (they are few). Pages of all 10,000 trainees
   that take seconds (the admin's dashboard and filtered table, the CSV export, checked once for a 200 with
   a header and one line per trainee) are timed one request after another.
   The submit scenario posts the real submit form (with its CSRF token) of distinct open attempts, each
   once: just before it runs (its paired baseline included), every trainee of the second half of the
   seeded ones gets an open attempt at SLUG with every question answered (bench/seed.py open_attempts: a
   mix that passes and fails; half of them hold recent passes of the other required modules, so that their
   pass issues a certificate, as a last module does), and a session signed in-process with the server's
   SECRET_KEY (bench/sessions.py: Flask-Login's login_user, Flask-WTF's generate_csrf and Flask's session
   serializer in a test request of an app built with the same configuration; a log-in over HTTP would cost
   each one a scrypt hash). A success is the redirect to that attempt's result page, anything else an
   error; a connection out of attempts stops (the table then says req/s is a lower bound), and afterwards
   the database must show as many attempts graded as redirects were counted. The trainee flow logs in
   trainees of the first half only.
4. Prints a Markdown table (req/s, p50/p95/p99, errors, ratio to the baseline's template route), where the
   run's time went (seed, log-ins, drain, scenarios, profile), and writes everything to
   bench/results/<timestamp>-<database>.json. --profile adds where the time goes in the hot pages
   (bench/profile_pages.py).
"""

from __future__ import annotations

import argparse
import atexit
import csv
import http.client
import io
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import seed as seeder  # noqa: E402  (bench/seed.py)

RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "wrk" / "scenario.lua"
VENV_BIN = Path(sys.executable).parent
USER_AGENT = "quizapp-bench"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
# Managers and instructors are few: their pages are measured with a few at once, so that p95 is the page's
# time with some queueing, not 16 users' queue in front of a page that takes a second.
STAFF_CONNECTIONS = 4
SLUG = "depth-selection"  # the module the trainee scenarios take (no cooldown after a fail)
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def pids(self) -> list[int]:
        """The gunicorn arbiter's workers."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]


def start_gunicorn(
    name: str, app: str, env: dict[str, str], workers: int, logdir: Path, pythonpath: Path, threads: int = 1
) -> Server:
    port = free_port()
    log = logdir / f"{name}.log"
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "--pythonpath",
        str(pythonpath),
        app,
    ]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, proc, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            status, _h, _b = Browser(port).request("GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not start; its log ({log}):\n{log.read_text()[-3000:]}")


# --- a minimal browser ---------------------------------------------------------------------------


class Browser:
    """Real HTTP with a cookie jar and a fixed client address (X-Forwarded-For) and user agent, the
    same the wrk scenarios send, so Flask-Login's session protection sees one client."""

    def __init__(self, port: int, ip: str = "127.0.0.1") -> None:
        self.port, self.ip = port, ip
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": self.ip}
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for value in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if cookie and "expires=Thu, 01 Jan 1970" not in value:
                    self.cookies[name.strip()] = cookie
                else:
                    self.cookies.pop(name.strip(), None)
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
        finally:
            conn.close()

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def csrf(self, path: str) -> str:
        status, _h, body = self.request("GET", path)
        match = CSRF.search(body)
        if status != 200 or not match:
            raise SystemExit(f"no CSRF token at {path} (status {status})")
        return match.group(1)

    def login(self, email: str, password: str) -> Browser:
        token = self.csrf("/auth/login")
        status, headers, _ = self.request(
            "POST", "/auth/login", {"csrf_token": token, "email": email, "password": password}
        )
        if status != 302 or "/auth/login" in headers.get("location", ""):
            raise SystemExit(f"could not log in as {email} (status {status})")
        return self


# --- wrk -----------------------------------------------------------------------------------------


def lua(value: Any) -> str:
    """A Python value as a Lua literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid Lua
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


@dataclass
class Scenario:
    name: str
    server: str  # "app" or "baseline"
    mode: str = "get"
    sessions: list[dict[str, Any]] = field(default_factory=list)
    expect: int = 200
    random_ip: bool = False
    flow: dict[str, Any] | None = None
    connections: int | None = None
    target: str | None = None  # what the issue asks of it
    paired: bool = False  # measure the template baseline again just before, for a ratio robust to drift
    sequential: int = 0  # a page too slow for a load test: time this many requests one after another
    secondary: bool = False  # not a hot page: half the scenario duration is enough for a stable figure
    check: Callable[[str], str | None] | None = None  # sequential: checks the first body, returns a problem
    # mode "once": made just before the run (the paired baseline included), returns the forms to post once each
    # and a check of the database afterwards
    prepare: Callable[[], Prepared] | None = None


@dataclass
class Prepared:
    items: list[dict[str, str]]  # cookie, ip, path, body, result (where a success redirects to)
    verify: Callable[[int, int], dict[str, Any]]  # (successes counted, connections) -> the database's view, "problem"


def run_wrk(
    scenario: Scenario,
    port: int,
    duration: int,
    connections: int,
    workdir: Path,
    items: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    data = {
        "mode": scenario.mode,
        "sessions": scenario.sessions or [{"cookie": "", "ip": "127.0.0.1", "paths": ["/"]}],
        "expect": scenario.expect,
        "random_ip": scenario.random_ip,
        "user_agent": USER_AGENT,
    }
    if scenario.flow:
        data["flow"] = scenario.flow
    if items is not None:
        data["items"], data["threads"] = items, connections
    path = workdir / "data.lua"
    path.write_text("return " + lua(data) + "\n")
    cmd = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration}s", "--timeout", "30s"]
    cmd += ["-s", str(LUA), f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "BENCH_DATA": str(path)})
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed for {scenario.name}:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line[len("WRKJSON ") :])
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    raw["requests"] -= raw["extra"]  # mode "once": a thread out of forms may send one request that posts nothing
    result = {
        "scenario": scenario.name,
        "connections": connections,
        "seconds": round(seconds, 2),
        "requests": int(raw["requests"]),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p95_ms": round(lat["p95"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "socket_errors": int(raw["socket_errors"]),
        "status_errors": int(raw["status_errors"]),
        "unexpected": int(raw["unexpected"]),
        "bytes_per_response": round(raw["bytes"] / max(raw["requests"], 1)),
    }
    result["errors"] = result["socket_errors"] + max(result["status_errors"], result["unexpected"])
    if result["requests"] == 0:
        result["errors"] = max(result["errors"], connections)  # nothing answered within the run
    if scenario.mode == "once":
        # a thread that has posted all its forms stops: wrk's duration stays the whole run, so req/s is then a
        # lower bound, said so in the table
        result["forms"] = len(items or [])
        result["threads_out_of_forms"] = int(raw["ran_out"])
        if raw["ran_out"]:
            result["first_out_of_forms_s"] = round(raw["first_out_us"] / 1e6, 2)
    if scenario.mode == "flow":
        result["flows"] = int(raw["flows"])
        result["flows_per_s"] = round(raw["flows"] / seconds, 2)
        result["steps"] = {name: step_stats(samples, seconds) for name, samples in sorted(raw["steps"].items())}
    return result


def run_sequential(scenario: Scenario, port: int, budget_s: float) -> dict[str, Any]:
    """One request after another over real HTTP (a page that takes seconds): latency of each."""
    session = scenario.sessions[0]
    browser = Browser(port, session["ip"])
    browser.cookies = dict(pair.split("=", 1) for pair in session["cookie"].split("; ") if "=" in pair)
    times, errors, size, problem = [], 0, 0, None
    started = time.perf_counter()
    while len(times) < scenario.sequential and (not times or time.perf_counter() - started < budget_s):
        t0 = time.perf_counter()
        status, _h, body = browser.request("GET", session["paths"][0])
        times.append(time.perf_counter() - t0)
        errors += status != scenario.expect
        size = len(body.encode())
        if len(times) == 1 and scenario.check and status == scenario.expect:
            problem = scenario.check(body)
            errors += problem is not None
    ordered = sorted(times)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 2)

    return {
        "scenario": scenario.name,
        "connections": 1,
        "seconds": round(sum(times), 2),
        "requests": len(times),
        "rps": round(len(times) / sum(times), 2),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(1000 * ordered[-1], 2),
        "errors": errors,
        "bytes_per_response": size,
        "note": "one request at a time",
        "check": problem or ("passed" if scenario.check else None),
    }


def rss_mb(pids: list[int]) -> float:
    """The largest resident set of these processes, in MB (Linux /proc; 0 where unreadable)."""
    largest = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+([0-9]+) kB", status, re.M)
        largest = max(largest, int(match.group(1)) if match else 0)
    return round(largest / 1024, 1)


class RssPeak:
    """The largest worker resident set while a scenario runs, sampled every 50 ms: a page that held
    all its rows in memory at once shows as a jump over the size before."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.before, self.peak = pids, rss_mb(pids), 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pids))
            self._stop.wait(0.05)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def drain(port: int, limit_s: float = 180) -> float:
    """Wait until the app answers /healthz quickly again: wrk leaves requests queued when it stops."""
    started = time.perf_counter()
    quick = 0
    while quick < 3 and time.perf_counter() - started < limit_s:
        t0 = time.perf_counter()
        try:
            Browser(port).request("GET", "/healthz")
        except OSError:
            pass
        quick = quick + 1 if time.perf_counter() - t0 < 0.05 else 0
        time.sleep(0.05)
    return time.perf_counter() - started


def step_stats(samples: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] / 1000, 2) if ordered else 0.0

    return {
        "count": len(ordered),
        "per_s": round(len(ordered) / seconds, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
    }


# --- the run -------------------------------------------------------------------------------------


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite'}"
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    ensure_pg_database(url)
    return url


def ensure_pg_database(url: str) -> None:
    """Create the benchmark database when it is missing (like `createdb bench`)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
                print(f"created database {target.database}")
    except OperationalError as err:
        raise SystemExit(f"PostgreSQL is not reachable at {target.render_as_string()}: {err.orig}") from None
    finally:
        engine.dispose()


def autosave_targets(url: str, attempt_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Per attempt: a position and an answer its question type accepts (one query for all)."""
    from sqlalchemy import create_engine, select

    from quizapp.models import QuestionVersion, Response

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Response.attempt_id, Response.position, QuestionVersion.type)
                .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
                .where(Response.attempt_id.in_(attempt_ids))
                .order_by(Response.attempt_id, Response.position)
            ).all()
    finally:
        engine.dispose()
    answers = {"single": "0", "true_false": "true", "numeric": "1", "multiple": "0"}
    targets: dict[int, tuple[int, str]] = {}
    for attempt_id, position, qtype in rows:
        if qtype in answers and attempt_id not in targets:
            targets[attempt_id] = (position, answers[qtype])
    missing = [a for a in attempt_ids if a not in targets]
    if missing:
        raise SystemExit(f"attempts {missing} have no question the autosave scenario can answer")
    return targets


def item_statistics_seconds(url: str) -> tuple[float, int]:
    """The item-analysis service over every module: item and module statistics, all graded attempts (the
    instructor's "every attempt" view, the larger of its two). Returns seconds and question versions."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from quizapp.models import Module
    from quizapp.services import item_analysis

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            start = time.perf_counter()
            items = 0
            for module_id in session.scalars(select(Module.id)):
                items += len(item_analysis.item_statistics(session, module_id, first_attempts_only=False))
                item_analysis.module_statistics(session, module_id, first_attempts_only=False)
            return time.perf_counter() - start, items
    finally:
        engine.dispose()


def start_trainee(port: int, n: int) -> dict[str, Any]:
    """Log trainee n in over HTTP and start (or resume) an attempt at SLUG."""
    ip = f"127.0.1.{n}"
    b = Browser(port, ip).login(seeder.trainee_email(n), seeder.PASSWORD)
    token = b.csrf(f"/modules/{SLUG}")
    status, headers, _ = b.request("POST", f"/modules/{SLUG}/start", {"csrf_token": token})
    match = re.search(r"/attempts/([0-9]+)/q/", headers.get("location", ""))
    if status != 302 or not match:
        raise SystemExit(f"trainee {n} could not start {SLUG} (status {status})")
    attempt_id = int(match.group(1))
    return {"b": b, "ip": ip, "attempt": attempt_id, "csrf": b.csrf(f"/attempts/{attempt_id}/q/1")}


def submit_forms(url: str, secret_key: str, numbers: list[int]) -> Prepared:
    """The submit scenario's forms: for each of these trainees an open attempt at SLUG with every question
    answered (bench/seed.py open_attempts: a mix that passes and fails; half the trainees hold passes of the
    other required modules, so their pass issues a certificate), and a session logged in as the trainee,
    signed in-process with the server's SECRET_KEY (bench/sessions.py: thousands of log-ins over HTTP would
    cost a scrypt hash each). The check afterwards reads what the submits did to the database."""
    from sessions import signed_sessions  # bench/sessions.py
    from sqlalchemy import func, select

    from quizapp import create_app
    from quizapp.db import get_engine, new_session, utcnow
    from quizapp.models import AttemptStatus, Certificate, QuizAttempt

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret_key, "TRUSTED_PROXIES": 1, "RATELIMIT_ENABLED": False})
    made_at = utcnow()
    made = seeder.open_attempts(app, numbers, SLUG)

    def ip_of(user_id: int) -> str:
        return f"127.5.{user_id // 250 % 250}.{user_id % 250 + 1}"

    signed = signed_sessions(app, list(made.attempts), ip_of, USER_AGENT)
    get_engine(app).dispose()
    items = [
        {
            "cookie": signed[uid].cookie,
            "ip": signed[uid].ip,
            "path": f"/attempts/{aid}/submit",
            "body": urllib.parse.urlencode({"csrf_token": signed[uid].csrf}),
            "result": f"/attempts/{aid}/result",
        }
        for uid, aid in made.attempts.items()
    ]

    def verify(successes: int, in_flight: int) -> dict[str, Any]:
        """What the database says; up to `in_flight` submits (one per connection) may have been graded after
        wrk stopped counting, without their redirect being seen."""
        ids = list(made.attempts.values())
        with new_session(app) as session:
            graded, passed = session.execute(
                select(func.count(), func.count().filter(QuizAttempt.passed.is_(True))).where(
                    QuizAttempt.id.in_(ids), QuizAttempt.status != AttemptStatus.OPEN
                )
            ).one()
            issued = session.scalar(
                select(func.count())
                .select_from(Certificate)
                .where(Certificate.user_id.in_(list(made.attempts)), Certificate.issued_at >= made_at)
            )
        get_engine(app).dispose()
        problem = None
        if not successes <= graded <= successes + in_flight:
            problem = f"{successes} submits redirected to the result, {graded} graded"
        return {
            "attempts_prepared": len(ids),
            "meant_to_pass": made.meant_to_pass,
            "trainees_completing_a_set": made.completing,
            "graded": graded,
            "passed": passed,
            "certificates_issued": issued,
            "graded_in_flight_at_the_end": max(0, graded - successes),
            "problem": problem,
        }

    return Prepared(items, verify)


def csv_check(trainees: int) -> Callable[[str], str | None]:
    """The export holds a header and one record per trainee."""

    def check(body: str) -> str | None:
        records = sum(1 for _ in csv.reader(io.StringIO(body)))
        lines = body.count("\n")
        if records != trainees + 1 or lines != trainees + 1:
            return f"expected {trainees + 1:,} lines, got {lines:,} lines and {records:,} records"
        return None

    return check


def build_scenarios(
    port: int, url: str, connections: int, size: str, secret_key: str
) -> tuple[list[Scenario], dict[str, Any]]:
    """Log in as the users the scenarios need and describe each scenario."""
    password = seeder.PASSWORD
    # as many at once as the app has workers and a little more: the logins hash passwords, the starts draw
    with ThreadPoolExecutor(max_workers=4) as pool:
        sessions = list(pool.map(lambda n: start_trainee(port, n), range(1, max(connections, 32) + 1)))
        staff = list(
            pool.map(
                lambda a: Browser(port, a[1]).login(a[0], password),
                [
                    (seeder.MANAGER_EMAIL, "127.0.2.1"),
                    (seeder.ADMIN_EMAIL, "127.0.2.2"),
                    (seeder.INSTRUCTOR_EMAIL, "127.0.2.3"),
                ],
            )
        )
    targets = autosave_targets(url, [s["attempt"] for s in sessions])
    for s in sessions:
        s["position"], s["answer"] = targets[s["attempt"]]
    question_size = len(sessions[0]["b"].request("GET", f"/attempts/{sessions[0]['attempt']}/q/1")[2].encode())

    def trainee(paths_of, limit: int | None = None, **extra) -> list[dict[str, Any]]:
        return [
            {"cookie": s["b"].cookie_header, "ip": s["ip"], "paths": paths_of(s), **{k: f(s) for k, f in extra.items()}}
            for s in sessions[: limit or len(sessions)]
        ]

    manager, admin, instructor = staff

    def as_user(browser: Browser, path: str) -> list[dict[str, Any]]:
        return [{"cookie": browser.cookie_header, "ip": browser.ip, "paths": [path]}]

    # the dashboard's own link "Expiring within 60 days" (reports.Filters.expiring_within)
    expiring = "/manager/trainees?expiring=60"
    codes = verify_codes(url)
    # trainees 1..32 are the page scenarios' sessions; the flow logs in trainees from first_flow on, each
    # wrk thread `stride` of them; the second half of the trainees is the submit scenario's alone
    first_flow = max(connections, 32) + 1
    trainees = seeder.SIZES[size].trainees
    first_submit = trainees // 2 + 1
    stride = max(1, (first_submit - first_flow) // max(connections, 1))
    question_paths = lambda s: [f"/attempts/{s['attempt']}/q/{n}" for n in range(1, 11)]  # noqa: E731
    autosave = dict(
        mode="post",
        sessions=[
            {
                "cookie": s["b"].cookie_header,
                "ip": s["ip"],
                "paths": [f"/attempts/{s['attempt']}/autosave"],
                "csrf": s["csrf"],
                "body": urllib.parse.urlencode({"position": s["position"], "answer": s["answer"]}),
            }
            for s in sessions
        ],
    )
    scenarios = [
        Scenario(
            "baseline: constant route",
            "baseline",
            sessions=[{"cookie": "", "ip": "127.0.0.1", "paths": ["/"]}],
            secondary=True,
        ),
        Scenario(
            "baseline: template page (question-page size)",
            "baseline",
            sessions=[{"cookie": "", "ip": "127.0.0.1", "paths": ["/page"]}],
        ),
        Scenario(
            "trainee home", "app", sessions=trainee(lambda s: ["/"]), target="≥ 35 % of the template route", paired=True
        ),
        Scenario(
            "question page", "app", sessions=trainee(question_paths), target="≥ 50 % of the template route", paired=True
        ),
        Scenario("autosave", "app", target="≥ 25 % of the template route", paired=True, **autosave),
        Scenario(
            "trainee flow (log in … result)",
            "app",
            mode="flow",
            flow={
                "first": first_flow,
                "stride": stride,
                "email": "bench-t%05d@example.com",
                "password": password,
                "slug": SLUG,
            },
            target="— (submit: the submit scenario)",
            paired=True,
        ),
        Scenario(
            "manager dashboard (manager, 3 teams)",
            "app",
            sessions=as_user(manager, "/manager/"),
            target="p95 < 150 ms",
            secondary=True,
            connections=STAFF_CONNECTIONS,
        ),
        Scenario(
            f"manager dashboard (admin, all {trainees:,} trainees)",
            "app",
            sessions=as_user(admin, "/manager/"),
            target="p95 < 150 ms",
            sequential=3,
        ),
        Scenario(
            "manager table page 1 (manager, 3 teams)",
            "app",
            sessions=as_user(manager, "/manager/trainees"),
            target="p95 < 150 ms",
            secondary=True,
            connections=STAFF_CONNECTIONS,
        ),
        Scenario(
            "manager table filtered: expiring within 60 days (manager)",
            "app",
            sessions=as_user(manager, expiring),
            secondary=True,
            connections=STAFF_CONNECTIONS,
        ),
        Scenario(
            f"manager table filtered: expiring within 60 days (admin, all {trainees:,} trainees)",
            "app",
            sessions=as_user(admin, expiring),
            target="p95 < 150 ms",
            sequential=3,
        ),
        Scenario(
            f"CSV export ({trainees:,} rows, admin)",
            "app",
            sessions=as_user(admin, "/manager/trainees.csv"),
            target="< 2 s",
            sequential=3,
            check=csv_check(trainees),
        ),
        Scenario(
            "verify page",
            "app",
            random_ip=True,
            sessions=[{"cookie": "", "ip": "", "paths": [f"/verify/{c}" for c in codes]}],
            secondary=True,
        ),
        Scenario(
            f"instructor item analysis ({SLUG})",
            "app",
            sessions=as_user(instructor, f"/instructor/modules/{SLUG}/analysis"),
            secondary=True,
            connections=STAFF_CONNECTIONS,
        ),
        Scenario(
            "question page, 32 connections",
            "app",
            sessions=trainee(question_paths, 32),
            connections=32,
            target="0 errors",
            secondary=True,
        ),
        Scenario("autosave, 32 connections", "app", connections=32, target="0 errors", secondary=True, **autosave),
        # Last: its thousands of prepared attempts (those left open, the fails that start cooldowns, the new
        # certificates) change the data every other scenario, the manager pages above all, is measured on.
        Scenario(
            "submit (a fully answered attempt, each once)",
            "app",
            mode="once",
            expect=302,
            target="≥ 25 % of the template route",
            paired=True,
            prepare=lambda: submit_forms(url, secret_key, list(range(first_submit, trainees + 1))),
        ),
    ]
    return scenarios, {"question_page_bytes": question_size}


def verify_codes(url: str, limit: int = 200) -> list[str]:
    from sqlalchemy import create_engine, select

    from quizapp.models import Certificate
    from quizapp.services.certificate_codes import format_code

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                format_code(c) for c in conn.scalars(select(Certificate.code).order_by(Certificate.id).limit(limit))
            ]
    finally:
        engine.dispose()


def markdown_table(results: list[dict[str, Any]], baseline_rps: float) -> str:
    lines = [
        "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | ratio to template route | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        if r.get("note"):
            check = f"; check: {r['check']}" if r.get("check") else ""
            if r.get("worker_rss_mb"):
                check += f"; worker memory {r['worker_rss_mb']['before']:.0f} → {r['worker_rss_mb']['peak']:.0f} MB"
            lines.append(
                f"| {r['scenario']} ({r['note']}, {r['requests']} request{'s' if r['requests'] != 1 else ''}{check}) "
                f"| 1 | {r['rps']:.2f} | "
                f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} | | "
                f"{r.get('target') or ''} |"
            )
            continue
        name = r["scenario"]
        if r.get("threads_out_of_forms"):
            name += (
                f" (ran out of forms after {r['first_out_of_forms_s']} s in {r['threads_out_of_forms']} of "
                f"{r['connections']} connections: req/s is a lower bound)"
            )
        if r.get("ratio_to_paired_template"):
            ratio = f"{100 * r['ratio_to_paired_template']:.0f} % (paired)"
        else:
            ratio = f"{100 * r['rps'] / baseline_rps:.0f} %" if baseline_rps else "—"
        lines.append(
            f"| {name} | {r['connections']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} | {ratio} | {r.get('target') or ''} |"
        )
    lines += [
        "",
        "Ratios are req/s over the baseline's template route; (paired): over that route measured again just "
        "before the scenario, with the same connections, so that others' load on the machine cancels out.",
    ]
    for r in results:
        if r.get("forms") is not None and isinstance(r.get("check"), dict):
            c = r["check"]
            lines += [
                "",
                f"{r['scenario']}: {r['forms']:,} open attempts prepared, {c['graded']:,} graded by the run "
                f"({c['passed']:,} passed, {c['certificates_issued']:,} certificates issued); "
                + (
                    f"check FAILED: {c['problem']}"
                    if c["problem"]
                    else f"every redirect to the result was a grading ({c['graded_in_flight_at_the_end']} more graded "
                    "while in flight when wrk stopped)"
                ),
            ]
        if r.get("steps"):
            lines += [
                "",
                f"Trainee flow: {r['flows']} flows ({r['flows_per_s']}/s); latency per step under that load:",
                "",
            ]
            lines += [
                "| step | count | per s | p50 ms | p95 ms | p99 ms |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
            ]
            for name, st in r["steps"].items():
                lines.append(
                    f"| {name} | {st['count']} | {st['per_s']} | {st['p50_ms']} | {st['p95_ms']} | {st['p99_ms']} |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--size", choices=sorted(seeder.SIZES), default="full")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--only", help="run only scenarios whose name contains this text (and the baselines)")
    parser.add_argument(
        "--profile", action="store_true", help="profile the hot pages afterwards (bench/profile_pages.py)"
    )
    parser.add_argument(
        "--no-seed-cache",
        action="store_true",
        help="generate the data anew even if a run in the last hour left it (bench/seed.py's cache)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    if not 1 <= args.duration <= 600 or not 1 <= args.connections <= 256:
        parser.error("--duration must be 1..600 seconds and --connections 1..256")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run bench/install (make bench does)")
    workers, threads = (os.environ.get("BENCH_WORKERS", "2"), os.environ.get("BENCH_THREADS", "1"))
    if not all(v.isascii() and v.isdigit() and 1 <= int(v) <= 64 for v in (workers, threads)):
        parser.error(f"BENCH_WORKERS and BENCH_THREADS must be whole numbers 1..64, not {workers!r}, {threads!r}")
    workers, threads = int(workers), int(threads)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    atexit.register(shutil.rmtree, workdir, True)  # the SQLite file and logs go, however the run ends
    url = database_url(args.database, workdir)
    total_start = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]

    phases: dict[str, float] = {}  # where the run's time goes

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = round(phases.get(name, 0.0) + now - since, 1)
        return now

    print(f"== seeding {args.database} ({args.size})", flush=True)
    mark = time.perf_counter()
    report = seeder.seed(url, args.size, reset=True, cache=None if args.no_seed_cache else seeder.CACHE_DIR)
    print(json.dumps(report.seconds), json.dumps(report.counts), *report.notes, sep="\n", flush=True)
    mark = phase("seed", mark)
    item_seconds, item_rows = item_statistics_seconds(url)
    mark = phase("item statistics", mark)

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "TRUSTED_PROXIES": "1",  # the load generator's X-Forwarded-For: one client address per simulated user
        "REQUEST_LOG": "0",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }
    servers: list[Server] = []
    results: list[dict[str, Any]] = []
    try:
        app = start_gunicorn("app", "wsgi:app", env, workers, workdir, ROOT, threads)
        servers.append(app)
        mark = phase("servers", mark)
        print(f"== logging in over HTTP on :{app.port}", flush=True)
        scenarios, info = build_scenarios(app.port, url, args.connections, args.size, env["SECRET_KEY"])
        mark = phase("logins", mark)
        base_env = {**env, "BASELINE_PAGE_BYTES": str(info["question_page_bytes"])}
        baseline = start_gunicorn("baseline", "baseline:app", base_env, workers, workdir, ROOT / "bench", threads)
        servers.append(baseline)
        mark = phase("servers", mark)
        ports = {"app": app.port, "baseline": baseline.port}
        template_baseline = next(s for s in scenarios if s.name.startswith("baseline: template"))
        for scenario in scenarios:
            if args.only and args.only not in scenario.name and scenario.server != "baseline":
                continue
            conns = scenario.connections or args.connections
            drained = drain(app.port)
            mark = phase("drain", mark)
            if scenario.sequential:
                # up to `sequential` requests within half the duration (at least one, however long it takes)
                with RssPeak(app.pids()) as memory:
                    result = run_sequential(scenario, ports[scenario.server], budget_s=max(2, args.duration // 2))
                result["worker_rss_mb"] = {"before": memory.before, "peak": memory.peak}
                result["target"] = scenario.target
                results.append(result)
                mark = phase("scenarios", mark)
                check = f", check {result['check']}" if result.get("check") else ""
                print(
                    f"-- {scenario.name}: p50 {result['p50_ms']} ms one at a time, errors {result['errors']}{check}, "
                    f"worker memory {memory.before} MB before, {memory.peak} MB at most",
                    flush=True,
                )
                continue
            prepared = None
            if scenario.prepare:
                print(f"== preparing {scenario.name}", flush=True)
                prepared = scenario.prepare()
                mark = phase("prepare", mark)
                drain(app.port)
            paired = None
            if scenario.paired:
                paired = run_wrk(template_baseline, ports["baseline"], max(2, args.duration // 3), conns, workdir)
            # a flow is ~25 requests: give it time to reach submit and result many times over
            if scenario.mode == "flow":
                seconds = 2 * args.duration
            elif scenario.secondary:
                seconds = max(2, args.duration // 2)
            else:
                seconds = args.duration
            items = prepared.items if prepared else None
            result = run_wrk(scenario, ports[scenario.server], seconds, conns, workdir, items)
            mark = phase("scenarios", mark)
            if prepared:
                successes = result["requests"] - result["unexpected"]
                result["check"] = prepared.verify(successes, conns)
                if result["check"]["problem"]:
                    result["errors"] += max(1, abs(result["check"]["graded"] - successes))
                mark = phase("prepare", mark)
            if paired:
                result["paired_baseline_rps"] = paired["rps"]
                result["ratio_to_paired_template"] = round(result["rps"] / paired["rps"], 3) if paired["rps"] else None
            result["target"] = scenario.target
            result["load_average_1m"] = round(os.getloadavg()[0], 2)  # others' work on the machine skews figures
            result["drained_s"] = round(drained, 2)
            results.append(result)
            print(
                f"-- {scenario.name}: {result['rps']} req/s, p95 {result['p95_ms']} ms, errors {result['errors']}",
                flush=True,
            )
        profile_text = None
        if args.profile:
            import profile_pages  # bench/profile_pages.py

            try:  # a failed profile must not lose the measurements above
                profile_text = profile_pages.profile_pages(url, requests=40)
            except Exception as err:
                profile_text = (
                    f"## Where the time goes\n\nThe profile failed: {err!r} (bench/install installs pyinstrument)."
                )
            mark = phase("profile", mark)
    finally:
        for server in servers:
            server.stop()
    template_rps = next((r["rps"] for r in results if r["scenario"].startswith("baseline: template")), 0.0)
    constant_rps = next((r["rps"] for r in results if r["scenario"].startswith("baseline: constant")), 0.0)
    for r in results:
        if "rps" in r:
            r["ratio_to_template"] = round(r["rps"] / template_rps, 3) if template_rps else None
            r["ratio_to_constant"] = round(r["rps"] / constant_rps, 3) if constant_rps else None
    out = {
        "timestamp": stamp,
        "database": args.database,
        "size": args.size,
        "settings": {
            "workers": workers,
            "threads": threads,
            "connections": args.connections,
            "duration_s": args.duration,
        },
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": load_at_start,
        },
        "seed": report.as_dict(),
        "timings": {
            "import_1000_questions_s": report.seconds["import_1000_questions"],
            "item_statistics_s": round(item_seconds, 3),
            "item_statistics_per_100000_responses_s": round(item_seconds * 100_000 / report.counts["responses"], 3),
            "item_statistics_note": f"services.item_analysis item_statistics + module_statistics for every module, "
            f"all graded attempts: {report.counts['responses']:,} responses, {item_rows} question versions",
        },
        "question_page_bytes": info["question_page_bytes"],
        "scenarios": results,
        "phases_s": phases,
        "total_s": round(time.perf_counter() - total_start, 1),
    }
    if profile_text:
        out["profile"] = profile_text
    path = RESULTS / f"{stamp}-{args.database}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print()
    print(
        f"## quizapp on {args.database}, {args.size} data, {workers} workers × {threads} "
        f"thread{'s' if threads > 1 else ''}, {args.duration} s per scenario"
    )
    print()
    print(markdown_table(results, template_rps))
    print()
    print(
        f"Import of 1,000 questions: {report.seconds['import_1000_questions']} s; item statistics over "
        f"{report.counts['responses']:,} responses: {item_seconds:.2f} s (services.item_analysis, every module), "
        f"{item_seconds * 100_000 / report.counts['responses']:.2f} s per 100,000 responses (target < 1 s). "
        f"Seed: {report.seconds['total']} s. Question page: {info['question_page_bytes']:,} bytes. "
        f"Load average at start: {load_at_start} on {os.cpu_count()} cores."
    )
    if profile_text:
        print()
        print(profile_text)
    print()
    print("Time: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items()))
    print(f"Written to {path.relative_to(ROOT)} (whole run {out['total_s']} s)")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
