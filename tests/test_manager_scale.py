"""The fast manager pages (light facts, SQL candidates, aggregates, pages and slices) agree with the full
computation over every trainee's row, on a randomized clinic; the stuck and never-started filters; the
streamed export keeps its repairs and leaves no connection open."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.db import get_engine, utcnow
from quizapp.models import AttemptStatus, Certificate, QuizAttempt, ReviewMode, Role
from quizapp.services import attention, certification, dashboard, oversight, reports, roster
from tests.cert_helpers import attempt, make_modules, pass_all
from tests.manager_helpers import build_clinic


def random_clinic(db, make_user, make_team, seed: int):
    """Trainees in three teams with random histories: passes and fails (some recent: cooldowns and daily
    limits), open attempts (one overdue), certificates (some revoked, expired, expiring), old accounts."""
    rng = random.Random(seed)
    now = utcnow()
    modules = make_modules(db, 3)
    modules[2].required_for_certification = False
    modules[1].cooldown_minutes = 120
    db.commit()
    teams = [make_team(f"Team {n}") for n in range(3)]
    admin = make_user(Role.ADMIN, email="scale-admin@example.com")
    manager = make_user(Role.MANAGER, email="scale-manager@example.com", managed=teams[:2])
    names = ["Ann", "bob", "Émile", "zoë", "Ann", "Chris", "dana", "Eve"]
    for n in range(36):
        team = [teams[n % 3]] + ([teams[(n + 1) % 3]] if n % 7 == 0 else [])
        trainee = make_user(Role.TRAINEE, name=f"{rng.choice(names)} {n % 5}", teams=team)
        trainee.created_at = now - timedelta(days=rng.choice([1, 10, 30, 400]))
        db.commit()
        kind = rng.random()
        if kind < 0.15:
            continue  # never started
        for module in modules:
            for _ in range(rng.choice([0, 1, 2, 3])):
                when = now - timedelta(minutes=rng.choice([30, 90, 600, 3 * 1440, 60 * 1440, 800 * 1440]))
                passed = rng.random() < 0.45
                missed = not passed and rng.random() < 0.3  # a safety-critical question missed
                percent = str(rng.choice([55, 85, 92])) + ".0"
                attempt(db, trainee, module, when, percent=percent, passed=passed, critical_missed=missed)
        if kind > 0.6:
            issued = now - timedelta(days=rng.choice([5, 200, 700, 725, 760]))
            pass_all(db, trainee, modules[:2], issued - timedelta(hours=2))
            cert = certification.issue_if_qualified(db, trainee, issued)
            if cert is not None and rng.random() < 0.2:
                certification.revoke(db, cert, admin, "Checked again", issued + timedelta(days=1))
            db.commit()
        if kind > 0.9:  # an attempt being taken; the first one overdue (graded by whichever read comes first)
            db.add(
                QuizAttempt(
                    user_id=trainee.id,
                    module_id=modules[0].id,
                    status=AttemptStatus.OPEN,
                    started_at=now - timedelta(minutes=50 if n % 2 else 5),
                    deadline=now - timedelta(minutes=30) if n % 2 else now + timedelta(minutes=15),
                    pass_mark=80,
                    time_limit_minutes=20,
                    review=ReviewMode.FULL,
                    question_count=0,
                )
            )
            db.commit()
    return now, modules, admin, manager


def item_view(items):
    return [(i.row.trainee_id, i.reason, i.text, i.module.id if i.module else None) for i in items]


def reference_ids(rows, filters: reports.Filters) -> list[int]:
    kept = [r for r in rows if filters.matches(r)]
    if filters.sort.startswith("module-"):
        module_id = int(filters.sort.removeprefix("module-"))
        kept.sort(key=lambda r: reports._module_key(r, module_id), reverse=filters.descending)
    else:
        kept.sort(key=reports._entry_key(filters.sort), reverse=filters.descending)
    return [r.trainee_id for r in kept]


@pytest.mark.parametrize("seed", [1, 2])
def test_fast_paths_agree_with_the_full_computation(db, make_user, make_team, monkeypatch, seed):
    now, modules, admin, manager = random_clinic(db, make_user, make_team, seed)
    monkeypatch.setattr(dashboard, "ATTENTION_SHOWN", 7)  # the list is cut: the rest are counted
    monkeypatch.setattr(reports, "PER_PAGE", 4)  # several pages
    monkeypatch.setattr(reports, "SLICE", 5)  # progress filters confirm candidates in several slices
    for viewer in (admin, manager):
        full_rows = reports.build_rows(db, viewer, now)  # first: it repairs (grades the overdue attempt)
        db.commit()
        full = dashboard.from_rows(modules, full_rows, now)
        fast = dashboard.dashboard(db, viewer, now)
        assert fast.tiles == full.tiles
        assert fast.statuses == full.statuses
        assert fast.weeks == full.weeks
        assert [(f.module.id, f.finished, f.passed, f.pass_rate, f.mean_score) for f in fast.modules] == [
            (f.module.id, f.finished, f.passed, f.pass_rate, f.mean_score) for f in full.modules
        ]
        assert (fast.attention_total, item_view(fast.attention)) == (full.attention_total, item_view(full.attention))
        assert full.attention_total > 7 and full.tiles.stuck and full.tiles.never_started
        for filters in [
            reports.Filters(),
            reports.Filters(sort="name", descending=True),
            reports.Filters(sort="team"),
            reports.Filters(sort="expires"),
            reports.Filters(status="none", sort="name"),
            reports.Filters(expiring_within=60),
            reports.Filters(search="ANN"),
            reports.Filters(state="not_passed"),
            reports.Filters(state="not_started", module_id=modules[2].id),
            reports.Filters(state="passed", module_id=modules[0].id, sort=f"module-{modules[1].id}"),
            reports.Filters(state="in_progress"),
            reports.Filters(state="lapsed", sort="status", descending=True),
            reports.Filters(only="stuck"),
            reports.Filters(only="never_started", sort="name"),
        ]:
            expected = reference_ids(full_rows, filters)
            assert reports.select_ids(db, viewer, now, filters).ids == expected, filters
            first = reports.table(db, viewer, now, filters, 1)
            pages = [first] + [reports.table(db, viewer, now, filters, n) for n in range(2, first.pages + 1)]
            assert [r.trainee_id for p in pages for r in p.rows] == expected and first.total == len(expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_candidate_queries_hold_everyone_the_rule_finds(db, make_user, make_team, seed):
    """The SQL candidates of stuck and of a missed safety-critical question are supersets of what the
    progress rule finds (the dashboard and the stuck filter confirm candidates, never look further)."""
    now, modules, admin, _manager = random_clinic(db, make_user, make_team, seed)
    rows = reports.build_rows(db, admin, now)
    db.commit()
    scope = oversight.scope_ids(db, admin)
    stuck = {r.trainee_id for r in rows if attention.is_stuck(r)}
    reasons = [i for r in rows for i in attention.progress_reasons(r, now)]
    critical = {i.row.trainee_id for i in reasons if i.reason == attention.Reason.CRITICAL}
    assert stuck and critical
    assert stuck <= set(db.scalars(roster.repeated_fails(scope, attention.REPEATED_FAILS)))
    assert critical <= set(db.scalars(roster.critical(scope)))
    everyone = {i.row.trainee_id for i in reasons}
    assert everyone <= roster.needing_attention(db, scope, modules, now, attention.REPEATED_FAILS)


def test_first_items_equal_the_whole_list_cut(db, make_user, make_team):
    clinic = build_clinic(db, make_user, make_team)
    rows = reports.build_rows(db, clinic.manager, clinic.now)
    whole = attention.needs_attention(rows, clinic.now)
    for limit in (0, 2, 5, 100):
        shown, total = attention.first_items(rows, rows, clinic.now, limit, lambda ids: [])
        assert (item_view(shown), total) == (item_view(whole[:limit]), len(whole))


@pytest.fixture
def clinic(db, make_user, make_team):
    return build_clinic(db, make_user, make_team)


def table_names(client, **args) -> list[str]:
    html = client.get("/manager/trainees", query_string=args).get_data(as_text=True)
    return [name for name in ("Fred Failed", "Nina Never", "Cara Certified", "Ivy Progress") if name in html]


def test_stuck_and_never_started_tiles_link_to_the_filtered_table(client, auth, clinic):
    auth.login(clinic.manager.email)
    html = client.get("/manager/").get_data(as_text=True)
    assert "/manager/trainees?only=stuck&amp;sort=name" in html
    assert "/manager/trainees?only=never_started&amp;sort=name" in html
    assert table_names(client, only="stuck", sort="name") == ["Fred Failed"]
    # never started: no attempt at all, whatever the account's age (the tile counts two)
    body = client.get("/manager/trainees.csv", query_string={"only": "never_started"}).get_data(as_text=True)
    assert "Nina Never" in body and "Fred Failed" not in body and len(body.strip().splitlines()) == 3
    response = client.get("/manager/trainees", query_string={"only": "stuck", "sort": "name"})
    assert '<option selected value="stuck">Stuck</option>' in response.get_data(as_text=True)
    assert client.get("/manager/trainees", query_string={"only": "everyone"}).status_code == 400


def missed_certificate(db, make_user, team, modules, now):
    """A trainee who passed every required module but holds no certificate (an issue that was missed)."""
    trainee = make_user(Role.TRAINEE, name="Aaron Unissued", teams=[team])
    pass_all(db, trainee, modules, now - timedelta(days=2))
    return trainee


def certificates_of(db, trainee) -> list[Certificate]:
    db.expire_all()
    return list(db.scalars(select(Certificate).where(Certificate.user_id == trainee.id)))


def test_the_streamed_export_keeps_its_repairs_and_closes_its_session(app, client, auth, db, clinic, make_user):
    trainee = missed_certificate(db, make_user, clinic.north, clinic.modules, clinic.now)
    auth.login(clinic.manager.email)
    pool = get_engine(app).pool
    db.close()
    response = client.get("/manager/trainees.csv", query_string={"sort": "name"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:], newline="")))
    [aaron] = [r for r in rows if r[4] == "Aaron Unissued"]
    [cert] = certificates_of(db, trainee)  # issued while the body was built, and committed
    assert aaron[0] == "Valid" and aaron[3] == cert.code
    db.close()
    assert pool.checkedout() == 0


def test_an_export_the_client_abandons_is_rolled_back_and_closed(app, client, auth, db, clinic, make_user):
    trainee = missed_certificate(db, make_user, clinic.north, clinic.modules, clinic.now)
    auth.login(clinic.manager.email)
    pool = get_engine(app).pool
    db.close()
    response = client.get("/manager/trainees.csv", query_string={"sort": "name"}, buffered=False)
    body = iter(response.response)
    assert next(body).startswith("\ufeff".encode())  # the header; no row built yet
    response.close()  # the client went away
    assert pool.checkedout() == 0
    assert certificates_of(db, trainee) == []
    db.close()


def test_export_is_built_in_slices_of_the_same_rows(client, auth, db, clinic, make_user, monkeypatch):
    for n in range(7):
        make_user(Role.TRAINEE, name=f"Sliced {n}", teams=[clinic.north])
    auth.login(clinic.manager.email)
    whole = client.get("/manager/trainees.csv").get_data(as_text=True)
    monkeypatch.setattr(reports, "SLICE", 3)
    assert client.get("/manager/trainees.csv").get_data(as_text=True) == whole
    assert db.scalar(select(func.count()).select_from(Certificate)) == 4
