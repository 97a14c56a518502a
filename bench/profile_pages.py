"""Where the time goes in the hot pages: a pyinstrument profile and the SQL of each request.

Usage: .venv/bin/python bench/profile_pages.py DATABASE_URL [--requests N]   (run.py --profile calls it)

Against a database seeded by bench/seed.py, in one process (no gunicorn, no network): logs in as a seeded
trainee through the real login form, starts or resumes an attempt, and first measures "the floor": CPU per
request of the bare template route (bench/baseline.py), of a logged-in request that renders nothing and of the
hot pages. Then requests the question page, autosave and home N times each with pyinstrument sampling; then
submits: one fresh answered attempt per request, each of another trainee (bench/seed_attempts.py
open_attempts, sessions signed in-process by bench/sessions.py), all made before the timing. Prints per page:
milliseconds per request, SQL statements and SQL time per request, the slowest statements, the functions of
quizapp with the most time (inclusive) and the libraries where the time is spent (self time).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from seed_attempts import open_attempts  # noqa: E402
from seed_data import PASSWORD, trainee_email  # noqa: E402
from sessions import signed_sessions  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from quizapp import create_app  # noqa: E402
from quizapp.db import get_engine, new_session  # noqa: E402
from quizapp.models import Role, User  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
TRAINEE = 60  # a seeded, certified trainee that the wrk scenarios do not log in as
SLUG = "depth-selection"
USER_AGENT = "quizapp-profile"
WARM_UP = 20


class SqlLog:
    """Count and time every statement the engine runs."""

    def __init__(self, engine: Any) -> None:
        self.stats: dict[str, list[float]] = defaultdict(list)
        self.on = False

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            if self.on:
                key = " ".join(statement.split())[:160]
                self.stats[key].append(time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter()))

    def reset(self) -> None:
        self.stats.clear()


def _package(path: str) -> str:
    """Which library a file belongs to (site-packages/<name>), or our own code, or the standard library."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if str(ROOT / "quizapp") in path:
        return "quizapp"
    if str(ROOT / "templates") in path or path.endswith(".html"):
        return "templates (Jinja)"
    if not path:
        return "(interpreter)"
    return "python stdlib" if "/lib/python" in path else Path(path).name


def _walk(frame: Any, acc: dict[str, dict[str, float]], stack: set[str]) -> None:
    """Inclusive time of our functions and templates (once per stack), self time by library and function."""
    name = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
    path = frame.file_path or ""
    if _package(path) in ("quizapp", "templates (Jinja)") and name not in stack:
        acc["own"][name] += frame.time
        stack = stack | {name}
    children = [c for c in frame.children if not c.is_synthetic]  # "[self]" frames are the parent's own time
    own_time = frame.time - sum(c.time for c in children)
    acc["libs"][_package(path)] += own_time
    acc["self"][name] += own_time
    for child in children:
        _walk(child, acc, stack)


def submitter(app: Any, count: int) -> Any:
    """A call that submits the next of `count` open, answered attempts, each of its own trainee (the last
    trainees without an open attempt at SLUG: the submit scenario's), made before any timing."""
    with new_session(app) as session:
        trainees = session.scalar(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)) or 0
    made = open_attempts(app, list(range(trainees, 0, -1)), SLUG, seed_value=17, limit=count)
    if len(made.attempts) < count:
        raise SystemExit(f"profile: {len(made.attempts)} open attempts made, {count} needed")
    signed = signed_sessions(app, list(made.attempts), lambda uid: f"127.0.4.{uid % 250 + 1}", USER_AGENT)
    queue = [(made.attempts[uid], signed[uid]) for uid in made.attempts]
    client = app.test_client(use_cookies=False)

    def submit(i: int) -> Any:
        attempt_id, s = queue.pop()
        headers = {"Cookie": s.cookie, "User-Agent": USER_AGENT, "X-Forwarded-For": s.ip}
        return client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": s.csrf}, headers=headers)

    return submit


def cpu_ms(call: Any, n: int = 300, rounds: int = 5) -> float:
    """CPU milliseconds per call, the least of `rounds` rounds (steadier than wall time on a shared machine)."""
    for i in range(30):
        call(i).close()
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for i in range(n):
            call(i).close()
        best = min(best, (time.process_time() - started) / n)
    return 1000 * best


def floor(client: Any, pages: dict[str, Any], page_bytes: int) -> list[str]:
    """What a trainee page costs beyond the bare Flask template route the ratios divide by, in CPU per request
    through the test client (its own cost is in every figure): the same template route of this page's size
    (bench/baseline.py), our app answering /healthz (hooks only), a logged-in request that renders nothing
    (session cookie, Flask-Login's user query, the request's transaction), then the hot pages."""
    import os

    os.environ["BASELINE_PAGE_BYTES"] = str(page_bytes)
    import baseline  # bench/baseline.py, sized like the question page

    bare = baseline.app.test_client()
    figures = {
        "bare Flask, template route (the ratios' baseline)": cpu_ms(lambda i: bare.get("/page")),
        "quizapp, /healthz (request hooks, no session)": cpu_ms(lambda i: client.get("/healthz")),
        "quizapp, logged in, renders nothing": cpu_ms(lambda i: client.get("/_profile/floor")),
    }
    figures |= {f"quizapp, {label}": cpu_ms(pages[label]) for label in ("question page", "autosave", "trainee home")}
    base = figures["bare Flask, template route (the ratios' baseline)"]
    out = ["## The floor (in process, CPU ms per request, least of 5 rounds of 300)", ""]
    out += ["| request | CPU ms | ratio of the template route |", "| --- | ---: | ---: |"]
    out += [f"| {label} | {ms:.2f} | {100 * base / ms:.0f} % |" for label, ms in figures.items()]
    return [*out, ""]


def profile_pages(url: str, requests: int = 200) -> str:
    from pyinstrument import Profiler

    config = {"DATABASE_URL": url, "SECRET_KEY": "bench-profile", "RATELIMIT_ENABLED": False, "REQUEST_LOG": "0"}
    app = create_app(config)  # as the wrk runs serve it: request log off
    from flask_login import login_required

    # the floor of every trainee page: the session cookie, Flask-Login's user (one query), the request hooks
    app.add_url_rule("/_profile/floor", "profile_floor", login_required(lambda: ""))
    sql = SqlLog(get_engine(app))
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    email = trainee_email(TRAINEE)
    login = client.post("/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"profile: could not log in as {email}")
    token = CSRF.search(client.get("/modules/depth-selection").get_data(as_text=True)).group(1)
    start = client.post("/modules/depth-selection/start", data={"csrf_token": token})
    match = re.search(r"/attempts/([0-9]+)/q/", start.headers.get("Location", ""))
    if not match:
        raise SystemExit(f"profile: could not start an attempt ({start.status_code})")
    attempt = int(match.group(1))
    page = client.get(f"/attempts/{attempt}/q/1").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    answer = {"type": "radio"} if 'type="radio" name="answer"' in page else {}
    value = re.search(r'name="answer"[^>]*?value="([^"]*)"', page)
    form = {"position": "1", "answer": value.group(1) if answer and value else "1"}

    pages = {
        "question page": lambda i: client.get(f"/attempts/{attempt}/q/{i % 10 + 1}"),
        "autosave": lambda i: client.post(f"/attempts/{attempt}/autosave", data=form, headers={"X-CSRFToken": token}),
        "trainee home": lambda i: client.get("/"),
        "submit": submitter(app, WARM_UP + 2 * requests),
    }
    out = floor(client, pages, len(page.encode()))
    out += [f"## Where the time goes (in process, {requests} requests per page, pyinstrument)", ""]
    for label, call in pages.items():
        for i in range(WARM_UP):  # warm up: caches, compiled templates, connection pool
            call(i).close()
        started = time.perf_counter()
        for i in range(requests):  # timed without the profiler, whose sampling slows Python down
            call(i).close()
        plain = (time.perf_counter() - started) / requests
        sql.reset()
        sql.on = True
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        statuses = set()
        for i in range(requests):
            response = call(i)
            statuses.add(response.status_code)
            response.close()
        profiler.stop()
        elapsed = time.perf_counter() - started
        sql.on = False
        statements = sum(len(v) for v in sql.stats.values())
        sql_time = sum(sum(v) for v in sql.stats.values())
        acc: dict[str, dict[str, float]] = {
            "own": defaultdict(float),
            "libs": defaultdict(float),
            "self": defaultdict(float),
        }
        root = profiler.last_session.root_frame()
        if root is not None:
            _walk(root, acc, set())
        own, libs = acc["own"], acc["libs"]
        total = sum(libs.values()) or 1.0
        out += [
            f"### {label}: {1000 * plain:.1f} ms per request ({1000 * elapsed / requests:.1f} ms profiled; statuses "
            f"{sorted(statuses)}), {statements / requests:.1f} SQL statements and {1000 * sql_time / requests:.1f} ms "
            "in SQL per request",
            "",
            "Slowest statements (per request: count, ms):",
        ]
        for key, times in sorted(sql.stats.items(), key=lambda kv: -sum(kv[1]))[:6]:
            out.append(f"- {len(times) / requests:.1f} × {1000 * sum(times) / requests:.2f} ms  {key}")
        out += ["", "quizapp functions and templates, inclusive time per request (ms):"]
        for name, seconds in sorted(own.items(), key=lambda kv: -kv[1])[:14]:
            out.append(f"- {1000 * seconds / requests:6.2f}  {name}")
        out += ["", "Self time by library (% of the profile):"]
        for name, seconds in sorted(libs.items(), key=lambda kv: -kv[1])[:10]:
            out.append(f"- {100 * seconds / total:5.1f} %  {name}")
        out += ["", "Functions with the most self time (% of the profile):"]
        for name, seconds in sorted(acc["self"].items(), key=lambda kv: -kv[1])[:12]:
            out.append(f"- {100 * seconds / total:5.1f} %  {name}")
        out.append("")
    get_engine(app).dispose()
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="a database seeded by bench/seed.py")
    parser.add_argument("--requests", type=int, default=200, help="requests per page (default 200)")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000:
        parser.error("--requests must be 1..100000")
    print(profile_pages(args.database_url, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
