"""Pages that list people or attempts send a fixed number of queries, however many rows they show."""
from __future__ import annotations

from datetime import timedelta

import pytest

from quizapp.db import utcnow
from quizapp.models import Role
from tests.cert_helpers import attempt, certify, make_modules
from tests.query_count import count_queries


def populate(db, make_user, team, modules, n: int, offset: int) -> list:
    trainees = []
    for i in range(n):
        trainee = make_user(Role.TRAINEE, teams=[team], email=f"qc{offset + i}@example.com")
        attempt(db, trainee, modules[0], utcnow() - timedelta(days=2), percent="50.0", passed=False)
        if i % 2:
            certify(db, trainee, modules, utcnow() - timedelta(days=1))
        trainees.append(trainee)
    return trainees


@pytest.mark.parametrize("path", ["/manager/", "/admin/users", "/admin/teams", "/admin/audit"])
def test_list_pages_do_not_grow_with_rows(app, client, db, make_user, make_team, login_as, path):
    team = make_team("Counted clinic")
    modules = make_modules(db, 3)
    populate(db, make_user, team, modules, 2, 0)
    login_as(Role.ADMIN)
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    populate(db, make_user, team, modules, 10, 100)
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), many


def test_trainee_pages_do_not_grow_with_attempts(app, client, db, login_as):
    modules = make_modules(db, 3)
    trainee = login_as(Role.TRAINEE)
    certify(db, trainee, modules, utcnow() - timedelta(days=1))
    attempt(db, trainee, modules[0], utcnow() - timedelta(days=3), percent="50.0", passed=False)
    counts = []
    for _ in range(2):
        with count_queries(app) as statements:
            for path in ("/", "/history", "/certificate", "/certificate.pdf"):
                assert client.get(path).status_code == 200
        counts.append(len(statements))
        for m in modules:
            for d in range(4):
                attempt(db, trainee, m, utcnow() - timedelta(days=10 + d), percent="60.0", passed=False)
    assert counts[0] == counts[1], counts
