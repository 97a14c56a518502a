"""Public verification: what it shows, what it hides, not found, typed variants, rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizapp.db import utcnow
from quizapp.models import Role
from quizapp.services import certificate_codes, certification
from tests.cert_helpers import NAME, certify, make_modules


@pytest.fixture
def cert(db, make_user):
    trainee = make_user(Role.TRAINEE, name=NAME, email="zoe.private@example.com")
    return certify(db, trainee, make_modules(db, 2), utcnow() - timedelta(minutes=5))


def test_verify_page_shows_the_facts_and_nothing_else(client, cert):
    code = certificate_codes.format_code(cert.code)
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NAME in html
    assert "Microneedling practitioner — face and back" in html
    assert cert.issued_at.strftime("%d %b %Y") in html and cert.expires_at.strftime("%d %b %Y") in html
    assert 'id="cert-status">valid<' in html
    assert "zoe.private" not in html and "@example.com" not in html
    assert "90.0" not in html and "Module 1" not in html  # no scores, no modules
    assert 'name="robots" content="noindex"' in html


@pytest.mark.parametrize(
    ("zone", "issued", "local", "utc"),
    [
        ("Pacific/Auckland", datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "11 Mar 2026", "10 Mar 2026"),
        ("America/Los_Angeles", datetime(2026, 3, 11, 0, 30, tzinfo=UTC), "10 Mar 2026", "11 Mar 2026"),
    ],
)
def test_verify_page_gives_the_holders_local_dates(client, db, make_user, zone, issued, local, utc):
    """The dates an inspector reads on the verify page are those printed on the holder's PDF."""
    trainee = make_user(Role.TRAINEE, name=NAME)
    trainee.time_zone = zone
    db.commit()
    cert = certify(db, trainee, make_modules(db, 2), issued)
    html = client.get(f"/verify/{certificate_codes.format_code(cert.code)}").get_data(as_text=True)
    assert f'<dt class="col-sm-4">Issued</dt><dd class="col-sm-8">{local}</dd>' in html
    assert utc not in html


@pytest.mark.parametrize("variant", [str.lower, lambda c: c.replace("-", ""), lambda c: c.replace("-", " ")])
def test_typed_variants_of_the_code_verify(client, cert, variant):
    code = certificate_codes.format_code(cert.code)
    response = client.get(f"/verify/{variant(code)}")
    assert response.status_code == 200
    assert NAME in response.get_data(as_text=True)


def test_unknown_code_is_a_clear_404(client, cert):
    other = "0000-0000-0000-0" if cert.code != "0000000000000" else "1111-1111-1111-1"
    response = client.get(f"/verify/{other}")
    assert response.status_code == 404
    assert "No certificate has this code" in response.get_data(as_text=True)
    assert f'You typed: <code class="fs-5"><bdi>{other}</bdi></code>' in response.get_data(as_text=True)


@pytest.mark.parametrize("bad", ["abc", "7K3Q-9XPM-2D4T-VVV", "UUUU-UUUU-UUUU-U", "a/b", "' OR 1=1 --"])
def test_malformed_code_is_404_with_an_explanation(client, bad):
    response = client.get(f"/verify/{bad}")
    assert response.status_code == 404
    assert "not a certificate code" in response.get_data(as_text=True)
    assert "You typed:" in response.get_data(as_text=True)


def test_a_nul_in_the_code_is_refused_before_anything_reads_it(client):
    """A NUL byte anywhere in the path is a 400 for every route (PostgreSQL cannot compare it)."""
    response = client.get("/verify/%00")
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_the_form_redirects_to_the_canonical_page(client, cert):
    assert client.get("/verify").status_code == 200
    typed = certificate_codes.format_code(cert.code).lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{certificate_codes.format_code(cert.code)}"


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Type the code printed on the certificate."),
        ("hello", "That is not a certificate code"),
        ("x" * 41, "Field cannot be longer than 40 characters."),
    ],
)
def test_the_form_explains_bad_input(client, typed, message):
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_revoked_certificate_shows_revoked_but_not_the_reason(client, db, cert, make_user):
    certification.revoke(db, cert, make_user(Role.ADMIN), "Confidential HR matter", utcnow())
    db.commit()
    html = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert 'id="cert-status">revoked<' in html
    assert "Confidential" not in html


def test_logged_in_users_can_verify_too(client, login_as, cert):
    login_as(Role.MANAGER)
    assert client.get(f"/verify/{cert.code}").status_code == 200


def test_verification_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.get(f"/verify/0000-0000-0000-{n}").status_code for n in range(3)]
    assert codes == [404, 404, 404]
    # the form and the code pages share one budget
    response = client.get("/verify")
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_the_typed_code_is_echoed_escaped(client):
    page = client.get("/verify/<b>x</b>").get_data(as_text=True)
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
