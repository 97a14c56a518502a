"""bench/run.py's scenarios: the users they log in as (over HTTP, or signed in-process for submit), the pages
and forms each one requests, and the checks of what came back."""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from measure import Prepared, Scenario
from seed_attempts import open_attempts
from seed_data import ADMIN_EMAIL, INSTRUCTOR_EMAIL, MANAGER_EMAIL, PASSWORD, SIZES, trainee_email
from servers import USER_AGENT, Browser

# Managers and instructors are few: their pages are measured with a few at once, so that p95 is the page's
# time with some queueing, not 16 users' queue in front of a page that takes a second.
STAFF_CONNECTIONS = 4
SLUG = "depth-selection"  # the module the trainee scenarios take (no cooldown after a fail)


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


def start_trainee(port: int, n: int) -> dict[str, Any]:
    """Log trainee n in over HTTP and start (or resume) an attempt at SLUG."""
    ip = f"127.0.1.{n}"
    b = Browser(port, ip).login(trainee_email(n), PASSWORD)
    token = b.csrf(f"/modules/{SLUG}")
    status, headers, _ = b.request("POST", f"/modules/{SLUG}/start", {"csrf_token": token})
    match = re.search(r"/attempts/([0-9]+)/q/", headers.get("location", ""))
    if status != 302 or not match:
        raise SystemExit(f"trainee {n} could not start {SLUG} (status {status})")
    attempt_id = int(match.group(1))
    return {"b": b, "ip": ip, "attempt": attempt_id, "csrf": b.csrf(f"/attempts/{attempt_id}/q/1")}


def submit_forms(url: str, secret_key: str, numbers: list[int]) -> Prepared:
    """The submit scenario's forms: for each of these trainees an open attempt at SLUG with every question
    answered (bench/seed_attempts.py open_attempts: a mix that passes and fails; half the trainees hold passes of the
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
    made = open_attempts(app, numbers, SLUG)

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
    password = PASSWORD
    # as many at once as the app has workers and a little more: the logins hash passwords, the starts draw
    with ThreadPoolExecutor(max_workers=4) as pool:
        sessions = list(pool.map(lambda n: start_trainee(port, n), range(1, max(connections, 32) + 1)))
        staff = list(
            pool.map(
                lambda a: Browser(port, a[1]).login(a[0], password),
                [
                    (MANAGER_EMAIL, "127.0.2.1"),
                    (ADMIN_EMAIL, "127.0.2.2"),
                    (INSTRUCTOR_EMAIL, "127.0.2.3"),
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
    trainees = SIZES[size].trainees
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
