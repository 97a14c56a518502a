"""The trainee's certificate page, printable view and PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf
import pytest

from quizapp.db import utcnow
from quizapp.models import Role
from quizapp.pdf import certificate_pdf, unprintable
from quizapp.services import certificate_codes, certificate_pages, certification
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
    assert certificate_codes.format_code(new.code) in html
    assert "Valid" in html and "Module 1" in html and "90%" in html  # whole scores without ".0"
    assert f"/certificate.pdf?id={new.id}" in html and f"/certificate/print?id={new.id}" in html
    assert "https://quizapp.example/verify/" + certificate_codes.format_code(new.code) in html
    assert "Earlier certificates" in html and certificate_codes.format_code(old.code) in html
    assert "Expired" in html
    assert not INLINE.search(html)


def test_inside_the_window_the_page_shows_the_banner_and_recertification_progress(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE)
    certify(db, trainee, modules, utcnow() - timedelta(days=700))  # 24 months = ~730 days
    html = client.get("/certificate").get_data(as_text=True)
    assert "Your certificate expires in" in html and "recertify" in html
    assert "Recertification" in html and "0 of 2 required modules passed" in html
    assert "See your certificate" not in html  # the banner does not link to the page it is on
    assert "See your certificate" in client.get("/").get_data(as_text=True)


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
    code = certificate_codes.format_code(cert.code)
    assert NAME in text
    assert code in text
    assert "Microneedling practitioner — face and back" in text
    assert "Module 1" in text and "90 %" in text
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


# --- names in any script, and long ones -------------------------------------------------------------


def pdf_of(holder: str) -> pypdf.PdfReader:
    row = certificate_pages.EvidenceRow("Module 1", Decimal("90.0"), datetime(2030, 6, 1, tzinfo=UTC), 1)
    view = certificate_pages.CertificateView(
        id=1,
        holder=holder,
        programme="Microneedling practitioner — face and back",
        code="7K3Q-9XPM-2D4T-V",
        issued_at=datetime(2030, 6, 1, tzinfo=UTC),
        expires_at=datetime(2032, 6, 1, tzinfo=UTC),
        status=certification.CertStatus.VALID,
        verify_url="https://quizapp.example/verify/7K3Q-9XPM-2D4T-V",
        modules=[row],
    )
    return pypdf.PdfReader(io.BytesIO(certificate_pdf(view)))


def text_runs(reader: pypdf.PdfReader) -> list[tuple[str, str | None, float, float]]:
    """(text, font name, size in pt, left edge in mm) of every piece of text drawn on the page."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            runs.append((text, font and font["/BaseFont"].split("+")[-1], size, x * 25.4 / 72))

    reader.pages[0].extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize(
    "holder, fonts",
    [
        ("Zoë Ångström-Nguyễn", {"SourceSansProBold"}),
        ("Γιώργος Παπαδόπουλος", {"SourceSansProBold"}),
        ("Наталья Иванова", {"SourceSansProBold"}),
        ("محمد عبد الله", {"FiraGOBold"}),
        ("דוד כהן", {"FiraGOBold"}),
        ("राहुल शर्मा", {"FiraGOBold"}),
        ("გიორგი ბერიძე", {"FiraGOBold"}),
        ("Ana محمد López", {"SourceSansProBold", "FiraGOBold"}),
    ],
)
def test_pdf_prints_names_in_greek_cyrillic_arabic_hebrew_and_more(holder, fonts):
    reader = pdf_of(holder)
    runs = text_runs(reader)
    assert all(font for _text, font, _size, _x in runs)  # no text drawn without a font (it would not show)
    name = [(text, font) for text, font, size, _x in runs if size == 28]
    assert {font for _text, font in name} == fonts
    drawn = " ".join(text for text, _font in name)
    # right-to-left words come out of the page in visual order; each must be there, whole
    assert all(word in drawn for word in holder.split())
    assert "cannot be printed" not in reader.pages[0].extract_text()
    if fonts == {"SourceSansProBold"}:  # Latin, Greek and Cyrillic pages embed no extra font
        assert not any("FiraGO" in f for f in fonts_of(reader))


def fonts_of(reader: pypdf.PdfReader) -> list[str]:
    return [f.get_object()["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()]


@pytest.mark.parametrize("holder, missing", [("王小明", "王小明"), ("Ana 王 López", "王")])
def test_pdf_of_a_name_no_font_can_draw_keeps_it_in_the_properties_and_says_so(holder, missing):
    assert unprintable(holder) == missing
    reader = pdf_of(holder)
    assert reader.metadata.title == f"Certificate 7K3Q-9XPM-2D4T-V: {holder}"
    assert reader.metadata.subject == f"Microneedling practitioner — face and back, awarded to {holder}"
    text = reader.pages[0].extract_text()
    assert "Some characters of this name cannot be printed here; the verification page" in text
    assert all(word in text for word in holder.split() if word not in missing)


@pytest.mark.parametrize(
    "holder",
    [
        "Maximiliana Alexandrina Konstantinopoulou-Vanderbilt Featherstonehaugh de la Cruz y Montenegro "
        "Wolfeschlegelsteinhausen Bergerdorff",
        "W" * 120,
        "محمد " * 24,
    ],
)
def test_a_long_name_shrinks_to_fit_inside_the_border(holder):
    holder = holder.strip()[:120]
    runs = text_runs(pdf_of(holder))
    name = [(text, size, x) for text, _font, size, x in runs if 8 <= size < 28 and text.strip() in holder]
    assert name, runs
    assert "".join(text for text, _size, _x in name).replace(" ", "") == holder.replace(" ", "")
    # centred in the 20 mm margins: a line that starts inside them also ends inside them
    assert min(x for _text, _size, x in name) >= 20
    assert len({size for _text, size, _x in name}) == 1


def test_the_pdf_of_an_arabic_name_downloads(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE, name="ليلى حداد")
    certify(db, trainee, modules, utcnow() - timedelta(minutes=5))
    reader = pypdf.PdfReader(io.BytesIO(client.get("/certificate.pdf").data))
    assert "ليلى" in reader.pages[0].extract_text() and "حداد" in reader.pages[0].extract_text()
    assert reader.metadata.title.endswith(": ليلى حداد")


def test_print_view_uses_the_public_base_url_not_the_host_header(client, make_user, db, modules):
    trainee = login_on_other_host(client, make_user)
    cert = certify(db, trainee, modules, utcnow() - timedelta(minutes=5))
    html = client.get("/certificate/print", base_url=EVIL).get_data(as_text=True)
    assert "https://quizapp.example/verify/" + certificate_codes.format_code(cert.code) in html
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


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_a_certificate_that_no_longer_counts_is_stamped_and_explained(client, login_as, db, modules, make_user, state):
    trainee = login_as(Role.TRAINEE)
    if state == "revoked":
        cert = certify(db, trainee, modules, utcnow() - timedelta(minutes=5))
        certification.revoke(db, cert, make_user(Role.ADMIN), "Training record could not be confirmed", utcnow())
    else:
        cert = certify(db, trainee, modules, utcnow() - timedelta(days=800))
    db.commit()
    word = state.upper()
    runs = text_runs(pypdf.PdfReader(io.BytesIO(client.get(f"/certificate.pdf?id={cert.id}").data)))
    stamps = [size for text, _font, size, _x in runs if text.strip() == word]
    assert stamps and max(stamps) >= 80  # a full-page stamp, not a small line
    printable = client.get(f"/certificate/print?id={cert.id}").get_data(as_text=True)
    assert f'<p class="certificate-stamp" aria-hidden="true">{word}</p>' in printable
    page = client.get("/certificate").get_data(as_text=True)
    if state == "revoked":
        assert f"This certificate was revoked on {utcnow():%d %b %Y}" in page
        assert "Reason given: <bdi>Training record could not be confirmed</bdi>" in page
        assert "contact your clinic manager or the training administrator" in page
    else:
        assert f"This certificate expired on {cert.expires_at:%d %b %Y}" in page


def test_a_valid_certificate_has_no_stamp(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE)
    cert = certify(db, trainee, modules, utcnow() - timedelta(minutes=5))
    runs = text_runs(pypdf.PdfReader(io.BytesIO(client.get(f"/certificate.pdf?id={cert.id}").data)))
    assert not [r for r in runs if r[0].strip() in ("REVOKED", "EXPIRED")]
    assert "certificate-stamp" not in client.get(f"/certificate/print?id={cert.id}").get_data(as_text=True)


# --- dates in the holder's time zone ------------------------------------------------------------------

# An hour either side of midnight UTC: the holder's own date differs from the UTC one in both directions.
NEAR_MIDNIGHT = [
    ("Pacific/Auckland", datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "11 March 2026", "10 March 2026"),
    ("America/Los_Angeles", datetime(2026, 3, 11, 0, 30, tzinfo=UTC), "10 March 2026", "11 March 2026"),
]


@pytest.mark.parametrize(("zone", "issued", "local", "utc"), NEAR_MIDNIGHT)
def test_certificate_dates_are_the_holders_local_dates(
    client, login_as, make_user, db, modules, zone, issued, local, utc
):
    """PDF and printable page give the day it was in the holder's zone, whoever renders it; so do the
    expiry date and the day each module was passed (an hour before issue, the same local day here)."""
    trainee = login_as(Role.TRAINEE, name=NAME)
    trainee.time_zone = zone
    db.commit()
    cert = certify(db, trainee, modules, issued)
    expires = cert.expires_at.astimezone(ZoneInfo(zone)).strftime("%d %B %Y")
    assert expires != cert.expires_at.strftime("%d %B %Y")  # the expiry too is a different day in UTC

    text = pypdf.PdfReader(io.BytesIO(client.get("/certificate.pdf").data)).pages[0].extract_text()
    assert local in text and expires in text and utc not in text
    assert text.count(local) == 1 + len(modules)  # issued, and every module's pass

    page = client.get("/certificate/print").get_data(as_text=True)
    short = datetime.strptime(local, "%d %B %Y").strftime("%d %b %Y")
    assert f"<dt>Issued</dt><dd>{short}</dd>" in page
    assert datetime.strptime(utc, "%d %B %Y").strftime("%d %b %Y") not in page

    # rendered for someone else (an evidence pack, a test): still the holder's dates, not the viewer's
    view = certificate_pages.view(db, cert, utcnow(), "https://quizapp.example")
    assert view.time_zone == zone
    assert local in pypdf.PdfReader(io.BytesIO(certificate_pdf(view))).pages[0].extract_text()


def test_a_holder_without_a_zone_gets_utc_dates(client, login_as, db, modules):
    trainee = login_as(Role.TRAINEE, name=NAME)
    certify(db, trainee, modules, datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    text = pypdf.PdfReader(io.BytesIO(client.get("/certificate.pdf").data)).pages[0].extract_text()
    assert "10 March 2026" in text and "11 March 2026" not in text
