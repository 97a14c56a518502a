"""The trainee table, its CSV, the dashboard and the needs-attention reasons, against a hand-built clinic."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from quizapp.models import Role
from quizapp.services import NotFound, ServiceError, attention, dashboard, reports
from quizapp.services.progress import ModuleState
from tests.manager_helpers import build_clinic
from tests.query_count import count_queries


@pytest.fixture
def clinic(db, make_user, make_team):
    return build_clinic(db, make_user, make_team)


INJECTED = '=HYPERLINK("http://evil.example","x")'


def names(rows) -> list[str]:
    return [r.trainee.name for r in rows]


def select(db, clinic, **filters):
    return reports.select_rows(db, clinic.manager, clinic.now, reports.Filters(**filters))[1]


def test_a_manager_sees_only_their_teams(db, clinic):
    shown = names(select(db, clinic, sort="name"))
    assert "Sam South" not in shown and len(shown) == 9
    with pytest.raises(NotFound):
        select(db, clinic, team_id=clinic.south.id)


def test_status_first_then_days_left(db, clinic):
    rows = select(db, clinic)
    by_name = {r.trainee.name: r for r in rows}
    assert [r.status for r in rows[:3]] == ["revoked", "expired", "expiring"]
    assert by_name["Eve Expiring"].days_left == 20
    assert by_name["Cara Certified"].status == "valid" and by_name["Cara Certified"].days_left > 700
    assert by_name["Ed Expired"].days_left is None


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"status": "valid"}, ["Cara Certified"]),
        ({"status": "none"}, [INJECTED, "Chris Critical", "Fred Failed", "Ivy Progress", "Nina Never"]),
        ({"expiring_within": 30}, ["Eve Expiring"]),
        ({"expiring_within": 19}, []),
        ({"expiring_within": 3650}, ["Cara Certified", "Eve Expiring"]),
        ({"state": "not_passed"}, ["Chris Critical", "Fred Failed"]),
        ({"state": "passed"}, ["Cara Certified", "Ivy Progress"]),
        ({"search": "RITA"}, ["Rita Revoked"]),
        ({"search": "never_started@clinic"}, ["Nina Never"]),
    ],
)
def test_filters(db, clinic, filters, expected):
    assert sorted(names(select(db, clinic, **filters))) == sorted(expected)


def test_module_state_filter_of_one_module(db, clinic):
    first, second = clinic.modules
    assert names(select(db, clinic, module_id=first.id, state="not_passed")) == ["Fred Failed"]
    assert names(select(db, clinic, module_id=second.id, state="passed")) == ["Ivy Progress", "Cara Certified"]


def test_sort_by_name_both_ways(db, clinic):
    ascending = names(select(db, clinic, sort="name"))
    assert ascending == sorted(ascending, key=str.casefold)
    assert names(select(db, clinic, sort="name", descending=True)) == ascending[::-1]


@pytest.mark.parametrize(
    "filters", [{"status": "superseded"}, {"state": "bogus"}, {"sort": "password"}, {"module_id": 999999}]
)
def test_unknown_filter_values_are_refused(db, clinic, filters):
    with pytest.raises(ServiceError):
        select(db, clinic, **filters)


def test_fifty_a_page(db, clinic, make_user):
    for n in range(45):
        make_user(Role.TRAINEE, name=f"Page trainee {n:02}", teams=[clinic.north])
    first = reports.table(db, clinic.manager, clinic.now, reports.Filters(sort="name"), 1)
    last = reports.table(db, clinic.manager, clinic.now, reports.Filters(sort="name"), 2)
    assert (first.total, first.pages, len(first.rows), len(last.rows)) == (54, 2, 50, 4)
    assert not set(names(first.rows)) & set(names(last.rows))
    assert reports.table(db, clinic.manager, clinic.now, reports.Filters(), 99).page == 2


def test_the_table_page_carries_filters_in_links(client, auth, clinic):
    auth.login(clinic.manager.email)
    response = client.get("/manager/trainees", query_string={"status": "expiring", "sort": "name", "q": "eve"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Eve Expiring" in html and "Cara Certified" not in html
    assert "20 days left" in html
    assert "/manager/trainees.csv?status=expiring&amp;q=eve&amp;sort=name&amp;order=asc" in html
    assert client.get("/manager/trainees", query_string={"expiring": "-1"}).status_code == 400
    assert client.get("/manager/trainees", query_string={"q": "a\x01"}).status_code == 400


def parse_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_holds_exactly_the_filtered_rows(client, auth, clinic):
    auth.login(clinic.manager.email)
    response = client.get("/manager/trainees.csv", query_string={"status": "none", "sort": "name"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="trainees-')
    header, *rows = parse_csv(response)
    assert header[:7] == [
        "certificate status",
        "days to expiry",
        "certificate expires",
        "certificate code",
        "name",
        "email",
        "teams",
    ]
    assert [r[4] for r in rows] == ["'" + INJECTED, "Chris Critical", "Fred Failed", "Ivy Progress", "Nina Never"]
    fred = rows[2]
    column = header.index("Module 1: state")
    assert fred[column : column + 3] == ["Not passed — score below the pass mark", "2", "55.0"]


def test_csv_dates_are_iso_8601(client, auth, clinic):
    auth.login(clinic.manager.email)
    header, *rows = parse_csv(client.get("/manager/trainees.csv", query_string={"status": "expiring"}))
    [eve] = rows
    assert eve[0] == "Valid, expiring soon" and eve[1] == "20"
    assert eve[2].endswith("Z") and eve[2][4] == "-" and "T" in eve[2]


def test_csv_of_another_team_is_404_and_bad_filters_400(client, auth, clinic):
    auth.login(clinic.manager.email)
    assert client.get("/manager/trainees.csv", query_string={"team": clinic.south.id}).status_code == 404
    assert client.get("/manager/trainees.csv", query_string={"sort": "nope"}).status_code == 400
    body = client.get("/manager/trainees.csv").get_data(as_text=True)
    assert "Sam South" not in body and "Nina Never" in body


def reasons_of(items, name: str) -> set[str]:
    return {i.reason.value for i in items if i.row.trainee.name == name}


def test_each_attention_reason(db, clinic):
    items = attention.needs_attention(select(db, clinic), clinic.now)
    assert reasons_of(items, "Eve Expiring") == {"expiring"}
    assert reasons_of(items, "Ed Expired") == {"expired"}
    assert reasons_of(items, "Fred Failed") == {"repeated_fails"}
    assert reasons_of(items, "Chris Critical") == {"critical", "cooldown"}
    assert reasons_of(items, "Nina Never") == {"never_started"}
    for calm in ("Cara Certified", "Rita Revoked", "Ivy Progress"):
        assert reasons_of(items, calm) == set()
    texts = {i.text for i in items}
    assert "Certificate expires in 20 days" in texts and "Failed Module 1 2 times" in texts


def test_thresholds_are_the_named_constants(db, clinic):
    rows = {r.trainee.name: r for r in select(db, clinic)}
    nina = rows["Nina Never"]
    early = clinic.now - timedelta(days=20 - attention.NEVER_STARTED_AFTER_DAYS + 1)
    assert attention.reasons(nina, early) == []
    assert [i.reason for i in attention.reasons(nina, clinic.now)] == [attention.Reason.NEVER_STARTED]


def test_tiles(db, clinic):
    tiles = attention.tiles(select(db, clinic))
    assert tiles == attention.Tiles(trainees=9, certified=2, expiring=1, expired=1, revoked=1, never_started=2, stuck=1)


def test_dashboard_charts_numbers(db, clinic):
    board = dashboard.dashboard(db, clinic.manager, clinic.now)
    assert dict(board.statuses) == {"valid": 1, "expiring": 1, "expired": 1, "revoked": 1, "none": 5}
    first = next(f for f in board.modules if f.module.id == clinic.modules[0].id)
    # passes of the four certified (in 24 months) and Fred's two fails; Sam South is another team
    assert (first.finished, first.passed) == (6, 4)
    assert sum(n for _, n in board.weeks) >= 5  # the recent attempts; older passes fall outside 12 weeks


def test_dashboard_page(client, auth, clinic):
    auth.login(clinic.manager.email)
    html = client.get("/manager/").get_data(as_text=True)
    assert "Needs attention (6)" in html
    assert "Certificate expires in 20 days" in html and "Sam South" not in html
    assert html.count("<svg") == 4
    assert '<title id="chart-status-title">Certification status of the trainees</title>' in html
    assert "The numbers as a table" in html


@pytest.mark.parametrize("path", ["/manager/", "/manager/trainees", "/manager/trainees.csv"])
def test_query_counts_fixed(app, client, auth, clinic, make_user, path):
    auth.login(clinic.manager.email)
    client.get(path)  # the first read heals and grades whatever it must
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    for n in range(15):
        make_user(Role.TRAINEE, name=f"More {n}", teams=[clinic.north])
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)


def test_module_cells_say_when_the_next_attempt_opens(db, clinic):
    chris = next(r for r in select(db, clinic) if r.trainee.name == "Chris Critical")
    cell = next(c for c in chris.cells if c.progress.module.id == clinic.quiz.id)
    assert cell.state == ModuleState.NOT_PASSED and cell.next_at is not None and cell.next_at > clinic.now


def test_cooldown_reason_reads_in_the_managers_time_zone(client, auth, db, clinic):
    """The dashboard says when a trainee may try again in the time zone of the manager reading it."""
    from quizapp.presentation import format_when

    [item] = [
        i
        for i in attention.needs_attention(select(db, clinic), clinic.now)
        if i.reason == attention.Reason.COOLDOWN and i.row.trainee.name == "Chris Critical"
    ]
    clinic.manager.time_zone = "Pacific/Auckland"
    db.commit()
    auth.login(clinic.manager.email)
    html = client.get("/manager/").get_data(as_text=True)
    local = format_when(item.when, "Pacific/Auckland")
    assert local.endswith(("NZDT", "NZST")) and local != format_when(item.when, "UTC")
    assert f"{item.text} {local}" in html and " UTC" not in html.split("Needs attention", 1)[1]
