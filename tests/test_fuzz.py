"""Hostile input to every POST route and the JSON endpoint, as every role: never a 500, and a request that is
refused (status 400 or more) changes nothing in the database.

Examples are bounded by a Hypothesis profile: `fuzz-ci` (default, a few seconds per role) or
`QUIZAPP_FUZZ=deep` for a long run before a release."""

from __future__ import annotations

import json
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizapp.db import Base, get_engine
from tests.test_access import ACTORS, ANON, ROUTES, world  # noqa: F401  (world is a fixture)

settings.register_profile(
    "fuzz-ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "fuzz-deep", max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PROFILE = settings.get_profile("fuzz-deep" if os.environ.get("QUIZAPP_FUZZ") == "deep" else "fuzz-ci")

# Logging out would end the actor's session for the rest of the run; it takes no input worth fuzzing.
POST_ROUTES = sorted({r.path for r in ROUTES if r.method == "POST" and r.endpoint != "auth.logout"})
FIELDS = [
    "email", "password", "remember", "name", "role", "active", "teams", "managed_teams", "managers", "members",
    "confirm", "validity_months", "renewal_window_days", "required_modules", "position", "answer", "answer-0",
    "answer-1", "answer-2", "nav", "reason", "cert{cert_id}-reason", "cert{far_cert_id}-reason", "csrf_token",
]  # fmt: skip

SPECIALS = [
    "", " ", "\x00", "a\x00b", "\u202e", "\u200b" * 5, "\ufeff", "\ud800", "\uffff", "\U0001f600" * 50,
    "-1", "0", "-2147483649", "2147483648", "99999999999999999999999", "1e309", "NaN", "inf", "1.5", "٣",
    "true", "null", "[]", "{}", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00",
    "x" * 5000, "é" * 20_000, "\r\n\t", "trainee", "admin", "next", "prev", "submit", "y",
]  # fmt: skip

hostile = st.one_of(
    st.sampled_from(SPECIALS),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=st.characters(categories=["Cf", "Zs", "Cc", "Co", "Cn"]), max_size=20),
)
field_name = st.one_of(st.sampled_from(FIELDS), st.text(max_size=12))
form = st.lists(st.tuples(field_name, hostile), max_size=8)  # a list of pairs: repeated fields included
raw_json = st.one_of(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(field_name, inner, max_size=4),
        max_leaves=12,
    ).map(json.dumps),
    st.sampled_from(["{", '{"position": ', "[1, 2", "\x00", '{"answer": "\\ud800"}', "nul\x00l"]),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


def dump(app) -> dict[str, list]:
    """Every row of every table, in a stable order (the database as a value)."""
    with get_engine(app).connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(select(t)).all())) for t in Base.metadata.sorted_tables}


def _clients(app, world_ids) -> dict[str, object]:
    clients = {}
    for actor in ACTORS:
        client = app.test_client()
        if actor != ANON:
            response = client.post(
                "/auth/login", data={"email": f"{actor}@matrix.example", "password": "correct-horse-battery"}
            )
            assert response.status_code == 302
        clients[actor] = client
    return clients


def _check(app, client, method: str, path: str, **request) -> None:
    before = dump(app)
    response = client.open(path, method=method, **request)
    assert response.status_code != 500, (path, request, response.get_data(as_text=True)[:2000])
    assert response.status_code < 500 or response.status_code == 503, (path, response.status_code)
    if response.status_code >= 400:
        assert dump(app) == before, (path, request, response.status_code)


@pytest.mark.parametrize("actor", ACTORS)
def test_hostile_forms_never_500_and_refusals_change_nothing(app, world, actor):  # noqa: F811
    clients = _clients(app, world)
    paths = [p.format(**world) for p in POST_ROUTES]

    @PROFILE
    @given(path=st.sampled_from(paths), pairs=form, in_query=st.booleans())
    def run(path, pairs, in_query):
        pairs = [(k.format(**world) if k in FIELDS else k, v) for k, v in pairs]
        encoded = urlencode(pairs, doseq=True, encoding="utf-8", errors="surrogatepass")
        if in_query:
            _check(app, clients[actor], "POST", f"{path}?{encoded}")
        else:
            _check(
                app,
                clients[actor],
                "POST",
                path,
                data=encoded.encode("utf-8", "surrogatepass"),
                content_type="application/x-www-form-urlencoded",
            )

    run()


@pytest.mark.parametrize("actor", ACTORS)
def test_hostile_bodies_to_the_json_endpoint(app, world, actor):  # noqa: F811
    clients = _clients(app, world)
    targets = [f"/attempts/{world['attempt_id']}/autosave", f"/attempts/{world['far_attempt_id']}/autosave"]
    targets += ["/attempts/-1/autosave", "/attempts/99999999999999999999/autosave"]

    @PROFILE
    @given(path=st.sampled_from(targets), body=raw_json, kind=st.sampled_from(["json", "form", "none"]))
    def run(path, body, kind):
        content_type = {"json": "application/json", "form": "application/x-www-form-urlencoded", "none": None}[kind]
        data = body.encode("utf-8", "surrogatepass")
        _check(app, clients[actor], "POST", path, data=data, content_type=content_type)

    run()


@pytest.mark.parametrize("actor", [ANON, "trainee", "admin"])
def test_hostile_ids_in_paths(app, world, actor):  # noqa: F811
    clients = _clients(app, world)
    get_paths = sorted({r.path for r in ROUTES if r.method == "GET" and "{" in r.path and "?" not in r.path})

    @PROFILE
    @given(path=st.sampled_from(get_paths), value=st.one_of(st.sampled_from(SPECIALS[:40]), st.integers().map(str)))
    def run(path, value):
        quoted = quote(value.encode("utf-8", "surrogatepass"), safe="")
        _check(app, clients[actor], "GET", path.format(**{k: quoted for k in world} | {"code": quoted, "slug": quoted}))

    run()
