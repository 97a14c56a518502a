"""Build a realistic benchmark dataset quickly, in bulk, into a fresh database.

Usage: .venv/bin/python bench/seed.py DATABASE_URL [--size small|full] [--reset] [--seed N]

Full size: 10,000 trainees in 200 teams, the four shipped modules topped up with generated questions to
1,000, ~100,000 submitted attempts with their responses, certificates in every state (valid, expiring,
expired, revoked, superseded), practice sittings with their FSRS review cards for trainees who missed
questions, managers, an instructor and an admin. The schema comes from the real migrations and the
questions from a real bank import; answers are graded with the real question types (each distinct answer
once, then reused), so scores, pass/fail and certificates agree with the rules. Attempts, responses and
certificates go in with SQLAlchemy Core inserts of many rows at a time (COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from fsrs import Card, Rating, State

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, inspect, select, text  # noqa: E402
from sqlalchemy.engine import Connection, make_url  # noqa: E402

from quizapp import create_app, migrate  # noqa: E402
from quizapp.bank_loader import load_banks  # noqa: E402
from quizapp.db import get_engine, new_session, utcnow  # noqa: E402
from quizapp.models import (  # noqa: E402
    Certificate,
    CertificateAttempt,
    Module,
    PracticeAnswer,
    PracticeSession,
    Question,
    QuestionVersion,
    QuizAttempt,
    Response,
    ReviewCard,
    Team,
    User,
    team_managers,
    team_members,
)
from quizapp.question_types import get_type  # noqa: E402
from quizapp.question_types.base import Grade  # noqa: E402
from quizapp.question_types.numeric import canonical  # noqa: E402
from quizapp.services import programme as programme_service  # noqa: E402
from quizapp.services.attempts import draw_questions, percent_half_up, usable_questions  # noqa: E402
from quizapp.services.banks import import_bank  # noqa: E402
from quizapp.services.certificate_codes import generate_code  # noqa: E402
from quizapp.services.certification import add_months  # noqa: E402
from quizapp.services.practice import SCHEDULER, SESSION_SIZE, Kind, Reason, as_fsrs, rating_for, utc  # noqa: E402
from quizapp.services.practice import _practisable as practisable_rule  # noqa: E402
from quizapp.services.users import hash_password  # noqa: E402
from tests.quiz_helpers import key_answer, wrong_answer  # noqa: E402

PASSWORD = "bench-pass-2026"  # every seeded account; for the load generator only
ADMIN_EMAIL = "bench-admin@example.com"
MANAGER_EMAIL = "bench-manager@example.com"  # manages the first MANAGER_TEAMS teams
MANAGER_TEAMS = 3
INSTRUCTOR_EMAIL = "bench-instructor@example.com"
LOAD_TRAINEES = 64  # the first trainees: certified, with a full history, for the page scenarios
QUESTIONS_TOTAL = 1000
DAY = timedelta(days=1)
CACHE_DIR = Path(tempfile.gettempdir()) / "quizapp-bench-seed"
CACHE_MAX_AGE_S = 3600


@dataclass(frozen=True)
class Size:
    trainees: int
    teams: int


SIZES = {"small": Size(trainees=500, teams=10), "full": Size(trainees=10_000, teams=200)}

# What a trainee's history looks like, with weights: None = no certificate yet.
ARCHETYPES = [
    ("not started", 6),
    ("in progress", 16),
    ("valid", 40),
    ("expiring", 8),
    ("expired", 10),
    ("superseded", 13),
    ("revoked", 7),
]
FAILS_BEFORE_PASS = [0, 0, 1, 1, 2, 2, 3, 4]  # failed attempts before the pass of a module


def trainee_email(n: int) -> str:
    return f"bench-t{n:05d}@example.com"


@dataclass
class SeedReport:
    database: str
    size: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    archetypes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "size": self.size,
            "counts": self.counts,
            "trainee_histories": self.archetypes,
            "seconds": self.seconds,
            "notes": self.notes,
        }


class Timer:
    def __init__(self, report: SeedReport, name: str) -> None:
        self.report, self.name = report, name

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.report.seconds[self.name] = round(time.perf_counter() - self.start, 2)


# --- the database --------------------------------------------------------------------------------


def reset_database(url: str, reset: bool) -> None:
    """Start from nothing: refuse a database that holds tables unless --reset was given."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            raise SystemExit("seed: give a SQLite file, not an in-memory database")
        if path.exists():
            if not reset:
                raise SystemExit(f"seed: {path} exists; pass --reset to replace it")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tables = inspect(conn).get_table_names()
            if tables and not reset:
                raise SystemExit(f"seed: the database holds {len(tables)} tables; pass --reset to drop them")
            if tables:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def bulk_load_mode(conn: Connection) -> str:
    """Settings for one bulk load into a new database whose rows are consistent by construction: no
    foreign-key checks row by row (the most of the load's time), on SQLite also a big page cache and no
    fsync. Run first on the connection, before its transaction starts; returns what was done."""
    if conn.dialect.name == "sqlite":  # PRAGMA foreign_keys is ignored inside a transaction
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.exec_driver_sql("PRAGMA cache_size = -400000")
        conn.exec_driver_sql("PRAGMA synchronous = OFF")
        return "bulk load: foreign keys not checked row by row, no fsync (SQLite pragmas)"
    if conn.exec_driver_sql("SHOW is_superuser").scalar() == "on":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # until the commit
        return "bulk load: foreign keys not checked row by row (session_replication_role = replica)"
    return "bulk load: foreign keys checked row by row (not a superuser: session_replication_role unavailable)"


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany of a Core insert() elsewhere."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            names = ", ".join(f'"{c}"' for c in columns)
            with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(
                        [json.dumps(row[c]) if c in json_cols and row[c] is not None else row[c] for c in columns]
                    )
        return
    for start in range(0, len(rows), chunk):
        conn.execute(table.insert(), rows[start : start + chunk])


def next_id(conn: Connection, model: Any) -> int:
    return (conn.execute(select(func.max(model.id))).scalar() or 0) + 1


# --- questions -----------------------------------------------------------------------------------


class _NoAliases(yaml.SafeDumper):
    """Bank files may not hold YAML aliases: write repeated values out in full."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def generated_banks(target: Path, total: int) -> int:
    """Copy the shipped banks into `target`, topped up to `total` questions with variants of the
    shipped ones (new ids and stems, the same keys and sources), so a real import loads them."""
    banks = ROOT / "question_banks"
    shutil.copy(banks / "sources.yaml", target / "sources.yaml")
    files = sorted(p for p in banks.glob("*.yaml") if p.name != "sources.yaml")
    data = {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in files}
    shipped = sum(len(d["questions"]) for d in data.values())
    extra = max(0, total - shipped)
    for n, (path, bank) in enumerate(data.items()):
        originals = list(bank["questions"])
        wanted = extra // len(files) + (1 if n < extra % len(files) else 0)
        for k in range(wanted):
            q = dict(originals[k % len(originals)])
            q["id"] = f"{q['id']}-bench-{k // len(originals) + 1}"
            q["stem"] = f"{q['stem']} (variant {k // len(originals) + 1})"
            q.pop("group", None)
            bank["questions"].append(q)
        (target / path.name).write_text(
            yaml.dump(bank, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return shipped + extra


# --- answers -------------------------------------------------------------------------------------


SCALE = 720_720  # lcm(1..16): every partial credit in whole units, summed as integers (Fractions are slow)


@dataclass(frozen=True)
class Option:
    answer: Any
    awarded: Fraction
    full: bool

    @property
    def scaled(self) -> int:
        units = self.awarded * SCALE
        if units.denominator != 1:
            raise AssertionError(f"a partial credit of {self.awarded} is not a whole number of 1/{SCALE}")
        return int(units)

    @property
    def answer_json(self) -> str | None:
        return None if self.answer is None else json.dumps(self.answer)

    @property
    def awarded_decimal(self) -> Decimal:
        return Decimal(self.awarded.numerator) / Decimal(self.awarded.denominator)


def answer_options(version: QuestionVersion) -> tuple[Option, list[Option]]:
    """The right answer and a few wrong or partial ones, canonical as the type stores them, each graded
    once by the real grade(). The right and the plain wrong answer come from the test suite's helpers."""
    vtype, spec = version.type, version.spec
    right, wrong = key_answer(version), [wrong_answer(version)]
    if vtype == "multiple":
        others = [i for i in range(len(spec["options"])) if i not in right]
        wrong += [right[:-1], sorted(right + others[:1])]
    elif vtype == "numeric":
        value, tol = Decimal(spec["answer"]), Decimal(spec["tolerance"])
        wrong += [canonical(value + tol + 1)]
    elif vtype == "ordering":
        wrong += [[1, 0, *range(2, len(spec["items"]))]]
    elif vtype == "matching":
        wrong += [right[1:] + right[:1], [right[0]] + [None] * (len(right) - 1)]
    qtype = get_type(vtype)
    graded = [(a, qtype.grade(spec, a, version.points)) for a in [right, *[w for w in wrong if w != right], None]]
    if not graded[0][1].full:
        raise AssertionError(f"the right answer {right!r} does not get full marks ({vtype})")
    options = [Option(a, g.awarded, g.full) for a, g in graded]
    return options[0], [o for o in options[1:] if not o.full]


@dataclass(eq=False)
class VersionPool:
    id: int
    question_id: int
    critical: bool
    points: int
    right: Option
    wrong: list[Option]
    shuffles: list[Any]
    shuffles_json: list[str]
    scaled: dict[int, int] = field(default_factory=dict)  # id(option) -> its awarded points in 1/SCALE

    def __post_init__(self) -> None:
        self.scaled = {id(o): o.scaled for o in [self.right, *self.wrong]}


# --- trainees' histories -------------------------------------------------------------------------


@dataclass
class Plan:
    """One trainee's history: attempts (module index, start, pass intended, round) and certificates,
    each certificate earned by the passes of one round."""

    attempts: list[tuple[int, datetime, bool, int]] = field(default_factory=list)
    certs: list[dict[str, Any]] = field(default_factory=list)  # completed, revoked, superseded_at, round


def module_round(rng: random.Random, plan: Plan, n_modules: int, end: datetime, gap_days: float, rnd: int) -> None:
    """For every module some failed attempts then a pass; the last pass (the completing one) at `end`."""
    when = end
    for m in rng.sample(range(n_modules), n_modules):
        plan.attempts.append((m, when, True, rnd))
        for _ in range(rng.choice(FAILS_BEFORE_PASS)):
            when -= DAY * rng.uniform(1.05, 1.5)
            plan.attempts.append((m, when, False, rnd))
        when -= DAY * rng.uniform(1.05, gap_days)


def between(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    return lo + (hi - lo) * rng.random()


def plan_trainee(rng: random.Random, archetype: str, n_modules: int, now: datetime, window_days: int) -> Plan:
    """Dates chosen so the certificate's status at `now` is the archetype's (24-month validity)."""
    plan = Plan()
    two_years_ago = add_months(now, -24)
    if archetype == "not started":
        return plan
    if archetype == "in progress":  # some modules passed, never all of them
        when = now - DAY * rng.uniform(2, 300)
        order = rng.sample(range(n_modules), rng.randint(1, n_modules))
        passed = set(order[: rng.randint(0, min(len(order), n_modules - 1))])
        for m in order:
            for _ in range(rng.choice(FAILS_BEFORE_PASS) or (0 if m in passed else 1)):
                plan.attempts.append((m, when, False, 0))
                when -= DAY * rng.uniform(1.05, 3)
            if m in passed:
                plan.attempts.append((m, when, True, 0))
                when -= DAY * rng.uniform(1.05, 5)
        return plan
    if archetype in ("valid", "revoked"):
        completed = between(rng, two_years_ago + DAY * (window_days + 5), now - 3 * DAY)
    elif archetype == "expiring":
        completed = two_years_ago + DAY * rng.uniform(1, window_days - 1)
    elif archetype == "expired":
        completed = two_years_ago - DAY * rng.uniform(2, 180)
    else:  # superseded: certified, then recertified inside the renewal window (passes after it opened)
        completed = two_years_ago + DAY * rng.uniform(5, 20)
        opens = add_months(completed, 24) - timedelta(days=window_days)
        again = between(rng, opens + 32 * DAY, now - 2 * DAY)
        module_round(rng, plan, n_modules, completed, 30, 0)
        module_round(rng, plan, n_modules, again, 1.5, 1)
        plan.certs.append({"completed": completed, "revoked": None, "superseded_at": again, "round": 0})
        plan.certs.append({"completed": again, "revoked": None, "superseded_at": None, "round": 1})
        return plan
    module_round(rng, plan, n_modules, completed, 30, 0)
    revoked = between(rng, completed + DAY, now - DAY) if archetype == "revoked" else None
    plan.certs.append({"completed": completed, "revoked": revoked, "superseded_at": None, "round": 0})
    return plan


# --- the seed ------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Everything the seed inserts, as rows (generated once, then cached for the next database)."""

    now: datetime
    teams: list[dict[str, Any]]
    users: list[dict[str, Any]]
    memberships: list[dict[str, Any]]
    managed: list[dict[str, Any]]
    attempts: list[dict[str, Any]]
    responses: list[tuple[Any, ...]]
    certs: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    practised: PracticeRows
    archetypes: dict[str, int]


def module_draws(
    session: Any, module: Module, rng: random.Random, pool_of_version: dict[int, VersionPool]
) -> list[list[VersionPool]]:
    """Real draws (tag minimums honoured) of the module's questions, 200 of them, reused across attempts; each
    question's answers graded once (`pool_of_version` gets its pool)."""
    questions = usable_questions(session, module)
    pools = {}
    for q in questions:
        v = q.current
        right, wrong = answer_options(v)
        shuffles = [get_type(v.type).make_shuffle(v.spec, rng) for _ in range(4)]
        pools[q.id] = VersionPool(
            v.id, q.id, v.critical, v.points, right, wrong, shuffles, [json.dumps(x) for x in shuffles]
        )
        pool_of_version[v.id] = pools[q.id]
    return [[pools[q.id] for q in draw_questions(module, questions, rng)] for _ in range(200)]


def generate(app: Any, dims: Size, seed_value: int) -> Dataset:
    """Plan every trainee's history and grade it with the real question types, from the imported questions."""
    rng = random.Random(seed_value)
    with new_session(app) as session:
        password_hash = hash_password(session, PASSWORD)  # one real hash (the configured method) for everyone
        programme = programme_service.defaults(session)
    now = utcnow().replace(microsecond=0)
    session = new_session(app)
    modules = list(session.scalars(select(Module).order_by(Module.order, Module.slug)))
    draws: dict[int, list[list[VersionPool]]] = {}
    pool_of_version: dict[int, VersionPool] = {}
    practisable = set(
        session.scalars(select(Question.id).join(Module, Question.module_id == Module.id).where(practisable_rule()))
    )
    for module in modules:
        draws[module.id] = module_draws(session, module, rng, pool_of_version)
    session.close()

    users, teams, memberships, managed = build_people(dims, password_hash, now, rng)
    user_ids = {u["email"]: u["id"] for u in users}
    admin_id = user_ids[ADMIN_EMAIL]
    attempts, responses, certs, evidence = [], [], [], []
    attempt_id, response_id, cert_id = 1, 1, 1
    codes: set[str] = set()
    trainees = [u for u in users if u["role"] == "trainee"]
    names = [a for a, _ in ARCHETYPES]
    weights = [w for _, w in ARCHETYPES]
    archetype_counts: dict[str, int] = defaultdict(int)
    practice_rng = random.Random(seed_value + 1)  # its own stream: the graded data stays as it was
    practised = PracticeRows()
    window = programme.renewal_window_days
    for n, trainee in enumerate(trainees):
        archetype = "valid" if n < LOAD_TRAINEES else rng.choices(names, weights)[0]
        archetype_counts[archetype] += 1
        plan = plan_trainee(rng, archetype, len(modules), now, window)
        pass_ids: dict[tuple[int, int], int] = {}  # (round, module index) -> the pass's attempt id
        misses: list[tuple[datetime, list[VersionPool]]] = []  # per graded attempt: the questions missed
        for m, start, intend_pass, rnd in sorted(plan.attempts, key=lambda a: a[1]):
            module = modules[m]
            row, rows = graded_attempt(rng, attempt_id, response_id, trainee["id"], module, draws, start, intend_pass)
            attempts.append(row)
            responses.extend(rows)
            missed = [pool_of_version[r[3]] for r in rows if not r[5].full]
            misses.append((row["finished_at"], [p for p in missed if p.question_id in practisable]))
            if intend_pass:
                pass_ids[(rnd, m)] = attempt_id
            attempt_id += 1
            response_id += len(rows)
        for cert in plan.certs:
            code = generate_code(rng.getrandbits)
            while code in codes:
                code = generate_code(rng.getrandbits)
            codes.add(code)
            revoked = cert["revoked"]
            certs.append(
                {
                    "id": cert_id,
                    "user_id": trainee["id"],
                    "code": code,
                    "programme": programme.name,
                    "issued_at": cert["completed"],
                    "expires_at": add_months(cert["completed"], programme.validity_months),
                    "revoked_at": revoked,
                    "revoked_reason": "Bench data: protocol breach reported by the clinic" if revoked else None,
                    "revoked_by_id": admin_id if revoked else None,
                    "superseded_at": cert["superseded_at"],
                }
            )
            evidence += [
                {"certificate_id": cert_id, "attempt_id": pass_ids[(cert["round"], m)]} for m in range(len(modules))
            ]
            cert_id += 1
        if any(pools for _, pools in misses) and (n < LOAD_TRAINEES or practice_rng.random() < PRACTISING):
            practise(practice_rng, practised, trainee["id"], sorted(misses, key=lambda m: m[0]), now)
    return Dataset(
        now,
        teams,
        users,
        memberships,
        managed,
        attempts,
        responses,
        certs,
        evidence,
        practised,
        dict(archetype_counts),
    )


def cache_key(app: Any, size: str, seed_value: int) -> str:
    """What the generated data depends on: this file, the size and seed, and the imported questions and
    modules as stored (their ids included; timestamps left out)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{size} {seed_value} {app.config.get('PASSWORD_HASH_METHOD')}".encode())
    with new_session(app) as session:
        digest.update(repr(programme_service.defaults(session)).encode())
        for model in (Module, Question, QuestionVersion):
            table = model.__table__
            for row in session.execute(select(table).order_by(table.c.id)):
                digest.update(repr([v for v in row if not isinstance(v, datetime)]).encode())
    return digest.hexdigest()[:24]


def read_cache(cache: Path, key: str, size: str) -> Dataset | None:
    path = cache / f"{size}-{key}.pickle"
    if not path.exists() or time.time() - path.stat().st_mtime > CACHE_MAX_AGE_S:
        return None
    with open(path, "rb") as fh:
        return pickle.load(fh)


def write_cache(cache: Path, key: str, size: str, data: Dataset) -> int | None:
    """Keep this one dataset only (written whole, then renamed into place). Where the system can fork, a
    child process writes it while this one inserts the rows: returns the child's pid, to wait for."""
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"{size}-*.pickle"):
        old.unlink(missing_ok=True)
    path = cache / f"{size}-{key}.pickle"
    partial = path.with_suffix(f".{os.getpid()}.partial")

    def write() -> None:
        with open(partial, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)

    if not hasattr(os, "fork"):
        write()
        return None
    child = os.fork()
    if child:
        return child
    try:  # the child: writes, then ends without running anything else of this process
        write()
    except BaseException as err:
        print(f"seed: the cache was not written ({err}); the next run generates the data again", file=sys.stderr)
    finally:
        os._exit(0)


def seed(
    url: str, size: str = "full", reset: bool = False, seed_value: int = 15, cache: Path | None = None
) -> SeedReport:
    """Fill a fresh database; returns counts and the time each step took. With `cache` (a directory), the
    generated rows are kept there for an hour and reused while the questions and this file are unchanged:
    `make bench` generates once for SQLite and PostgreSQL."""
    report = SeedReport(database=make_url(url).get_backend_name(), size=size)
    dims = SIZES[size]
    started = time.perf_counter()
    reset_database(url, reset)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-seed", "RATELIMIT_ENABLED": False})
    engine = get_engine(app)
    with Timer(report, "migrate"):
        migrate.upgrade(app)

    with tempfile.TemporaryDirectory() as tmp, Timer(report, "import_1000_questions"):
        report.counts["questions"] = generated_banks(Path(tmp), QUESTIONS_TOTAL)
        session = new_session(app)
        bank_report = import_bank(session, load_banks([Path(tmp)]))
        session.commit()
        session.close()
    report.notes.append(f"bank import: {bank_report}")

    writer = None
    with Timer(report, "plan_and_grade"):
        key = cache_key(app, size, seed_value) if cache else ""
        data = read_cache(cache, key, size) if cache else None
        if data is None:
            data = generate(app, dims, seed_value)
            if cache:
                writer = write_cache(cache, key, size, data)
            report.notes.append("data: generated" + (f" (cached in {cache} for an hour)" if cache else ""))
        else:
            age = (utcnow() - data.now).total_seconds() / 60
            report.notes.append(f"data: from the cache in {cache}, generated {age:.0f} min ago")
    report.archetypes = data.archetypes
    teams, users, memberships, managed = data.teams, data.users, data.memberships, data.managed
    attempts, responses, certs, evidence, practised = (
        data.attempts,
        data.responses,
        data.certs,
        data.evidence,
        data.practised,
    )
    trainees = [u for u in users if u["role"] == "trainee"]

    with Timer(report, "insert"), engine.connect() as conn:
        report.notes.append(bulk_load_mode(conn))
        for table, rows in [
            (Team, teams),
            (User, users),
            (team_members, memberships),
            (team_managers, managed),
            (QuizAttempt, attempts),
            (Certificate, certs),
            (CertificateAttempt, evidence),
            (PracticeSession, practised.sessions),
            (PracticeAnswer, practised.answers),
            (ReviewCard, practised.cards),
        ]:
            with Timer(report, f"insert_{getattr(table, '__tablename__', getattr(table, 'name', ''))}"):
                bulk_insert(conn, table, rows)
        with Timer(report, "insert_responses"):
            insert_responses(conn, responses)
        if conn.dialect.name == "postgresql":
            for model in (Team, User, QuizAttempt, Response, Certificate, PracticeSession, PracticeAnswer, ReviewCard):
                tbl = model.__table__.name
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), (SELECT max(id) FROM {tbl}))"))
        conn.commit()
    if writer:
        with Timer(report, "wait_for_cache_writer"):
            os.waitpid(writer, 0)
    with Timer(report, "analyze"), engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    report.counts.update(
        teams=len(teams),
        users=len(users),
        trainees=len(trainees),
        attempts=len(attempts),
        responses=len(responses),
        certificates=len(certs),
        practice_sessions=len(practised.sessions),
        practice_answers=len(practised.answers),
        review_cards=len(practised.cards),
    )
    report.seconds["total"] = round(time.perf_counter() - started, 2)
    return report


def build_people(
    dims: Size, password_hash: str, now: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    created = now - timedelta(days=3 * 365)
    teams = [{"id": t + 1, "name": f"Bench clinic {t + 1:03d}", "created_at": created} for t in range(dims.teams)]
    users: list[dict[str, Any]] = []

    def user(email: str, name: str, role: str) -> dict[str, Any]:
        row = {
            "id": len(users) + 1,
            "email": email,
            "name": name,
            "password_hash": password_hash,
            "role": role,
            "active": True,
            "created_at": created,
        }
        users.append(row)
        return row

    user(ADMIN_EMAIL, "Bench Admin", "admin")
    demo = user(MANAGER_EMAIL, "Bench Manager", "manager")
    managed = [{"team_id": t["id"], "user_id": demo["id"]} for t in teams[:MANAGER_TEAMS]]
    for k, start in enumerate(range(MANAGER_TEAMS, dims.teams, 10)):  # one manager per ten other teams
        other = user(f"bench-m{k + 1:03d}@example.com", f"Manager {k + 1}", "manager")
        managed += [{"team_id": t["id"], "user_id": other["id"]} for t in teams[start : start + 10]]
    first_names = ["Ana", "Ben", "Chloé", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kemi", "Lars"]
    last_names = ["Nguyen", "Smith", "García", "Okafor", "Müller", "Rossi", "Kowalski", "Sato", "Ahmed", "Dubois"]
    memberships = []
    for n in range(dims.trainees):
        row = user(trainee_email(n + 1), f"{rng.choice(first_names)} {rng.choice(last_names)} {n + 1}", "trainee")
        memberships.append({"team_id": teams[n * dims.teams // dims.trainees]["id"], "user_id": row["id"]})
    user(INSTRUCTOR_EMAIL, "Bench Instructor", "instructor")
    return users, teams, memberships, managed


def graded_attempt(
    rng: random.Random,
    attempt_id: int,
    response_id: int,
    user_id: int,
    module: Module,
    draws: dict[int, list[list[VersionPool]]],
    start: datetime,
    intend_pass: bool,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One submitted attempt whose answers give the intended outcome under the real grading rule."""
    drawn = rng.choice(draws[module.id])
    p_right = 0.95 if intend_pass else 0.55
    minutes = module.time_limit_minutes or 30
    finished = start + timedelta(minutes=rng.uniform(2, minutes - 0.5))
    possible = sum(pool.points for pool in drawn)
    for _ in range(50):
        picks = []
        units = 0  # the points awarded, in 1/SCALE
        for pool in drawn:
            right = (pool.critical and intend_pass) or rng.random() < p_right
            option = pool.right if right else rng.choice(pool.wrong)
            picks.append(option)
            units += pool.scaled[id(option)]
        critical_missed = any(pool.critical and not o.full for pool, o in zip(drawn, picks, strict=True))
        # the grading rule (services.attempts._grade) with the points counted in whole units
        passed = possible > 0 and units * 100 >= module.pass_mark * possible * SCALE and not critical_missed
        if passed == intend_pass:
            break
        if not intend_pass:
            p_right = max(0.0, p_right - 0.1)
    else:
        raise AssertionError("could not reach the intended outcome")
    awarded = Fraction(units, SCALE)
    attempt = {
        "id": attempt_id,
        "user_id": user_id,
        "module_id": module.id,
        "status": "submitted",
        "started_at": start,
        "deadline": start + timedelta(minutes=module.time_limit_minutes) if module.time_limit_minutes else None,
        "finished_at": finished,
        "pass_mark": module.pass_mark,
        "time_limit_minutes": module.time_limit_minutes,
        "review": module.review.value,
        "question_count": len(drawn),
        "awarded": Decimal(awarded.numerator) / Decimal(awarded.denominator),
        "possible": possible,
        "percent": percent_half_up(awarded, possible),
        "passed": passed,
        "critical_missed": critical_missed,
    }
    step = (finished - start) / (len(drawn) + 1)
    rows = [
        (
            response_id + position - 1,
            attempt_id,
            position,
            pool.id,
            rng.choice(pool.shuffles_json),
            option,
            start + step * position if option.answer is not None else None,
        )
        for position, (pool, option) in enumerate(zip(drawn, picks, strict=True), start=1)
    ]
    return attempt, rows


# --- practice ------------------------------------------------------------------------------------

PRACTISING = 0.4  # the share of trainees with a missed question who practise (the load trainees all do)
SITTINGS = (1, 8)  # practice sittings per practising trainee
SITTING_GAP_DAYS = (1, 21)
P_RIGHT = {State.Review: 0.8}  # a learnt card is mostly recalled; a new or relearning one about half the time
P_RIGHT_OTHER = 0.55
P_SURE = 0.3  # right answers ticked "I was sure" (rated Easy)


@dataclass
class PracticeRows:
    sessions: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CardState:
    pool: VersionPool
    card: Card
    created: datetime
    reps: int = 0
    lapses: int = 0


def practise(
    rng: random.Random,
    rows: PracticeRows,
    user_id: int,
    misses: list[tuple[datetime, list[VersionPool]]],
    now: datetime,
) -> None:
    """A trainee's practice sittings from shortly after their first graded attempt, as services.practice runs
    them: each sitting takes the due cards (earliest first), then the questions missed in attempts graded
    before it that have no card yet (most missed first), up to SESSION_SIZE. Each answer is one of the seed's
    really graded options, rated by practice.rating_for and scheduled by practice's FSRS scheduler; a card's
    reps and lapses count as practice.answer counts them. The card is at the question's current version (the
    seed has one version per question)."""
    cards: dict[int, CardState] = {}
    when = misses[0][0] + DAY * rng.uniform(0.2, 3)
    for _ in range(rng.randint(*SITTINGS)):
        if when >= now - timedelta(hours=1):
            break
        due = sorted((c for c in cards.values() if c.card.due <= when), key=lambda c: c.card.due)
        chosen = [(c.pool, Reason.DUE) for c in due[:SESSION_SIZE]]
        missed = Counter(
            p for finished, pools in misses if finished < when for p in pools if p.question_id not in cards
        )
        chosen += [(p, Reason.MISSED) for p, _ in missed.most_common(SESSION_SIZE - len(chosen))]
        if chosen:
            session_id = len(rows.sessions) + 1
            at = when
            for position, (pool, reason) in enumerate(chosen, start=1):
                at = when + timedelta(seconds=45 * position)
                state = cards.get(pool.question_id)
                learnt = state is not None and state.card.state == State.Review
                right = rng.random() < (P_RIGHT.get(state.card.state, P_RIGHT_OTHER) if state else P_RIGHT_OTHER)
                option = pool.right if right or not pool.wrong else rng.choice(pool.wrong)
                sure = option.full and rng.random() < P_SURE
                rating = rating_for(Grade(option.awarded, Fraction(pool.points), option.full), sure)
                if state is None:
                    state = cards[pool.question_id] = CardState(pool, as_fsrs(None, at), at)
                seen_before = state.reps > 0
                state.card, _log = SCHEDULER.review_card(state.card, rating, utc(at))
                state.reps += 1
                state.lapses += learnt and seen_before and rating == Rating.Again
                rows.answers.append(
                    {
                        "id": len(rows.answers) + 1,
                        "session_id": session_id,
                        "position": position,
                        "question_id": pool.question_id,
                        "question_version_id": pool.id,
                        "reason": reason.value,
                        "shuffle": rng.choice(pool.shuffles),
                        "answer": option.answer,
                        "answered_at": at,
                        "awarded": option.awarded_decimal,
                        "full_marks": option.full,
                        "rating": int(rating),
                        "seen_before": seen_before,
                    }
                )
            rows.sessions.append(
                {
                    "id": session_id,
                    "user_id": user_id,
                    "module_id": None,
                    "kind": Kind.REVIEW.value,
                    "started_at": when,
                    "finished_at": at,
                }
            )
        when += DAY * rng.randint(*SITTING_GAP_DAYS)
    for state in cards.values():
        card = state.card
        rows.cards.append(
            {
                "id": len(rows.cards) + 1,
                "user_id": user_id,
                "question_id": state.pool.question_id,
                "version_id": state.pool.id,
                "state": int(card.state),
                "step": card.step,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": card.due,
                "last_review": card.last_review,
                "reps": state.reps,
                "lapses": state.lapses,
                "created_at": state.created,
            }
        )


# --- open attempts, ready to submit (the submit scenario and profile) ------------------------------


@dataclass
class OpenAttempts:
    """Open, answered attempts made by open_attempts(): user id -> attempt id, and what they hold."""

    attempts: dict[int, int]
    meant_to_pass: int  # answered well enough to pass
    completing: int  # trainees given passes of the other required modules: their pass completes the set
    skipped: int  # trainees who already had an open attempt at the module


def open_attempts(
    app: Any,
    numbers: list[int],
    slug: str,
    *,
    seed_value: int = 16,
    pass_share: float = 0.6,
    completing: float = 0.5,
    limit: int | None = None,
) -> OpenAttempts:
    """For each seeded trainee number, one open attempt at the module with every question answered, in bulk
    (the same draws and really graded answers as the seed, a mix that passes and fails), as a trainee leaves
    it just before Submit. A share of the trainees (`completing`) first gets a recent pass of every other
    required module, so that their pass completes a certificate as a last module does; the others keep their
    seeded history (certified, expired, in progress…). The attempt started half its time limit ago. At most
    `limit` attempts are made."""
    from quizapp.models import AttemptStatus, Role
    from quizapp.services.modules import ordered_modules

    rng = random.Random(seed_value)
    now = utcnow()
    pool_of_version: dict[int, VersionPool] = {}
    with new_session(app) as session:
        module = session.scalar(select(Module).where(Module.slug == slug))
        if module is None:
            raise SystemExit(f"no module {slug!r} in the database")
        others = [m for m in ordered_modules(session, required_only=True) if m.id != module.id]
        draws = {m.id: module_draws(session, m, rng, pool_of_version) for m in [module, *others]}
        ids = {
            email: uid for email, uid in session.execute(select(User.email, User.id).where(User.role == Role.TRAINEE))
        }
        busy = set(
            session.scalars(
                select(QuizAttempt.user_id).where(
                    QuizAttempt.module_id == module.id, QuizAttempt.status == AttemptStatus.OPEN
                )
            )
        )
    engine = get_engine(app)
    made = OpenAttempts({}, 0, 0, 0)
    start = now - timedelta(minutes=(module.time_limit_minutes or 30) / 2)
    attempts: list[dict[str, Any]] = []
    graded_rows: list[tuple[Any, ...]] = []
    open_rows: list[tuple[Any, ...]] = []
    with engine.connect() as conn:
        attempt_id, response_id = next_id(conn, QuizAttempt), next_id(conn, Response)

        def add(user_id: int, m: Module, when: datetime, intend_pass: bool) -> tuple[dict[str, Any], list[Any]]:
            nonlocal attempt_id, response_id
            row, rows = graded_attempt(rng, attempt_id, response_id, user_id, m, draws, when, intend_pass)
            row["last_position"] = row["question_count"]
            attempts.append(row)
            attempt_id += 1
            response_id += len(rows)
            return row, rows

        for n in numbers:
            if limit is not None and len(made.attempts) >= limit:
                break
            user_id = ids[trainee_email(n)]
            if user_id in busy:
                made.skipped += 1
                continue
            if rng.random() < completing:
                made.completing += 1
                for m in others:
                    graded_rows += add(user_id, m, now - DAY * rng.uniform(1, 20), True)[1]
            intend_pass = rng.random() < pass_share
            made.meant_to_pass += intend_pass
            row, rows = add(user_id, module, start, intend_pass)
            row.update(status=AttemptStatus.OPEN.value, finished_at=None, awarded=None, possible=None, percent=None)
            row.update(passed=None, critical_missed=None)
            open_rows += [(*r[:6], None if r[6] is None else min(r[6], now)) for r in rows]
            made.attempts[user_id] = row["id"]
        bulk_insert(conn, QuizAttempt, attempts)
        insert_responses(conn, graded_rows)
        insert_responses(conn, open_rows, graded=False)
        if conn.dialect.name == "postgresql":
            for model in (QuizAttempt, Response):
                tbl = model.__table__.name
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), (SELECT max(id) FROM {tbl}))"))
        conn.commit()
    return made


RESPONSE_COLUMNS = ("id", "attempt_id", "position", "question_version_id", "shuffle", "answer", "answered_at")
RESPONSE_COLUMNS += ("awarded", "full_marks")


def copy_text(value: str) -> str:
    """A value in PostgreSQL's COPY text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def insert_responses(conn: Connection, rows: list[tuple[Any, ...]], graded: bool = True) -> None:
    """A million rows: straight to the driver in the form SQLAlchemy's types store them (JSON text,
    UTC timestamps; on SQLite naive text with microseconds and REAL numbers), skipping per-value
    type processing. COPY on PostgreSQL. Not `graded`: the answers of open attempts, without marks."""
    raw = conn.connection.driver_connection
    names = ", ".join(RESPONSE_COLUMNS)
    if conn.dialect.name == "postgresql":
        # COPY's text format written directly: each shared value (a shuffle, an answer option) escaped once,
        # the rows joined in large chunks (psycopg's write_row adapts every value on its own: ~5 times slower)
        shuffles: dict[str, str] = {}
        options: dict[int, tuple[str, str]] = {}
        with raw.cursor() as cur, cur.copy(f"COPY responses ({names}) FROM STDIN") as copy:
            for start in range(0, len(rows), 50_000):
                lines = []
                for rid, aid, pos, vid, shuffle, option, answered in rows[start : start + 50_000]:
                    if shuffle not in shuffles:
                        shuffles[shuffle] = copy_text(shuffle)
                    if id(option) not in options:
                        answer = r"\N" if option.answer_json is None else copy_text(option.answer_json)
                        marks = f"{option.awarded_decimal}\t{'t' if option.full else 'f'}" if graded else "\\N\t\\N"
                        options[id(option)] = (answer, marks)
                    answer, marks = options[id(option)]
                    when = r"\N" if answered is None else answered.isoformat()
                    lines.append(f"{rid}\t{aid}\t{pos}\t{vid}\t{shuffles[shuffle]}\t{answer}\t{when}\t{marks}\n")
                copy.write("".join(lines))
        return
    texts: dict[int, tuple[str | None, float | None]] = {}

    def stored(option: Option) -> tuple[str | None, float | None]:
        if id(option) not in texts:
            texts[id(option)] = (option.answer_json, float(option.awarded_decimal) if graded else None)
        return texts[id(option)]

    def full(option: Option) -> int | None:
        return int(option.full) if graded else None

    def timestamp(when: datetime | None) -> str | None:
        return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    cur = raw.cursor()
    cur.executemany(
        f"INSERT INTO responses ({names}) VALUES ({', '.join('?' for _ in RESPONSE_COLUMNS)})",
        (
            (rid, aid, pos, vid, shuffle, *stored(option)[:1], timestamp(answered), stored(option)[1], full(option))
            for rid, aid, pos, vid, shuffle, option, answered in rows
        ),
    )
    cur.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="SQLAlchemy URL: sqlite:///path.sqlite or postgresql+psycopg://...")
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--reset", action="store_true", help="replace an existing database (drops everything)")
    parser.add_argument("--seed", type=int, default=15, help="random seed (default 15)")
    args = parser.parse_args(argv)
    report = seed(args.database_url, args.size, args.reset, args.seed)
    print(json.dumps(report.as_dict(), indent=2, default=str))
    for note in report.notes:
        print(f"note: {note}")
    print(
        f"logins: {ADMIN_EMAIL}, {MANAGER_EMAIL}, {INSTRUCTOR_EMAIL}, {trainee_email(1)}…",
        f"all with password {PASSWORD!r}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
