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
   seeded ones gets an open attempt at SLUG with every question answered (bench/seed_attempts.py open_attempts: a
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

The parts: bench/servers.py (gunicorn, the Browser), bench/scenarios.py (log-ins and the scenarios),
bench/measure.py (wrk and one-at-a-time timing), bench/report.py (the table); this file: the command line
and the run.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import secrets
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import seed as seeder  # noqa: E402  (bench/seed.py)
from measure import run_sequential, run_wrk  # noqa: E402
from report import add_ratios, markdown_table  # noqa: E402
from scenarios import build_scenarios  # noqa: E402
from seed_data import SIZES  # noqa: E402
from servers import RssPeak, Server, drain, start_gunicorn  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
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
    template_rps = add_ratios(results)
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
