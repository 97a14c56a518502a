"""The trainee's certificate page, printable view and PDF."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdf
import pytest

from quizapp.db import utcnow
from quizapp.models import Role
from quizapp.services import certification
from tests.cert_helpers import NAME, attempt, certify, make_modules
from tests.conftest import PASSWORD

EVIL = "http://attacker.example"
INLINE = re.compile(r"\sstyle=|<script(?![^>]*\bsrc=)", re.I)


@pytest.fixture
def modules(db):
    return make_modules(db, 2)


def test_without_a_certificate_the_page_shows_progress(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE)
    attempt(db, trainee, modules[0], utcnow() - timedelta(hours=2), percent="87.5")
    page = client.get("/certificate")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "You have no certificate yet" in html
    assert "1 of 2 required modules passed" in html
    assert "87.5%" in html
    assert not INLINE.search(html)


def test_the_certificate_page_shows_status_modules_links_and_history(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE, name=NAME)
    now = utcnow()
    old = certify(db, trainee, modules, now - timedelta(days=800))  # expired by now
    new = certify(db, trainee, modules, now - timedelta(minutes=5))
    html = client.get("/certificate").get_data(as_text=True)
    assert certification.format_code(new.code) in html
    assert "Valid" in html and "Module 1" in html and "90.0%" in html
    assert f"/certificate.pdf?id={new.id}" in html and f"/certificate/print?id={new.id}" in html
    assert "https://quizapp.example/verify/" + certification.format_code(new.code) in html
    assert "Earlier certificates" in html and certification.format_code(old.code) in html
    assert "Expired" in html
    assert not INLINE.search(html)


def test_inside_the_window_the_page_shows_the_banner_and_recertification_progress(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE)
    certify(db, trainee, modules, utcnow() - timedelta(days=700))  # 24 months = ~730 days
    html = client.get("/certificate").get_data(as_text=True)
    assert "Your certificate expires in" in html and "recertify" in html
    assert "Recertification" in html and "0 of 2 required modules passed" in html


def login_on_other_host(client, make_user):
    """Log in through a request whose Host header is not the public one."""
    user = make_user(Role.TRAINEE, name=NAME)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD}, base_url=EVIL)
    assert response.status_code == 302
    return user


def test_pdf_is_a_real_pdf_with_name_code_modules_and_verify_link(client, make_user, db, modules):
    trainee = login_on_other_host(client, make_user)
    cert = certify(db, trainee, modules, utcnow() - timedelta(minutes=5))
    response = client.get("/certificate.pdf", base_url=EVIL)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = reader.pages[0].extract_text()
    code = certification.format_code(cert.code)
    assert NAME in text
    assert code in text
    assert "Microneedling practitioner — face and back" in text
    assert "Module 1" in text and "90.0 %" in text
    assert f"https://quizapp.example/verify/{code}" in text
    assert "attacker.example" not in text
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert f"https://quizapp.example/verify/{code}" in links


def test_pdf_of_a_revoked_certificate_says_so(client, login_as, db, modules, make_user):
    trainee = login_as(Role.TRAINEE)
    cert = certify(db, trainee, modules, utcnow() - timedelta(minutes=5))
    certification.revoke(db, cert, make_user(Role.ADMIN), "Test", utcnow())
    db.commit()
    response = client.get(f"/certificate.pdf?id={cert.id}")
    text = pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "REVOKED" in text


def test_print_view_uses_the_public_base_url_not_the_host_header(client, make_user, db, modules):
    trainee = login_on_other_host(client, make_user)
    cert = certify(db, trainee, modules, utcnow() - timedelta(minutes=5))
    html = client.get("/certificate/print", base_url=EVIL).get_data(as_text=True)
    assert "https://quizapp.example/verify/" + certification.format_code(cert.code) in html
    assert "attacker.example" not in html
    assert 'src="data:image/svg+xml' in html and "QR code" in html
    assert "css/certificate.css" in html
    assert NAME in html
    assert not INLINE.search(html)


def test_print_and_pdf_without_a_certificate_are_404(client, login_as, modules):
    login_as(Role.TRAINEE)
    assert client.get("/certificate/print").status_code == 404
    assert client.get("/certificate.pdf").status_code == 404


def test_another_trainees_certificate_is_404_and_a_bad_id_is_400(client, login_as, make_user, db, modules):
    other = make_user(Role.TRAINEE)
    cert = certify(db, other, modules, utcnow() - timedelta(minutes=5))
    login_as(Role.TRAINEE)
    assert client.get(f"/certificate.pdf?id={cert.id}").status_code == 404
    assert client.get(f"/certificate/print?id={cert.id}").status_code == 404
    assert client.get("/certificate.pdf?id=abc").status_code == 400
    assert client.get("/certificate/print?id=-1").status_code == 400
    assert client.get("/certificate.pdf?id=99999999").status_code == 404
    assert client.get("/certificate.pdf?id=99999999999999999999").status_code == 400
    assert client.get("/certificate.pdf", query_string={"id": "²"}).status_code == 400


def test_home_page_shows_the_expiry_banner(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE)
    certify(db, trainee, modules, utcnow() - timedelta(days=700))
    html = client.get("/").get_data(as_text=True)
    assert "Your certificate expires in" in html
    assert 'href="/certificate"' in html
