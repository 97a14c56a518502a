"""The certificate as a PDF (fpdf2, an embedded Unicode TTF, a vector QR code from segno)."""
from __future__ import annotations

import io
from importlib.resources import files

import segno
from fpdf import FPDF

from quizapp.services.certification import CURRENT, CertificateView

FONT_DIR = files("font_source_sans_pro") / "files"
FONT = "SourceSans"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (13, 110, 253)
ALERT = (176, 42, 55)


def _date(value) -> str:  # noqa: ANN001
    return value.strftime("%d %B %Y") if value else "—"


def _qr_svg(url: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=1, border=0, dark="#000", omitsize=True)
    buf.seek(0)
    return buf


def certificate_pdf(cert: CertificateView) -> bytes:
    """Render one certificate on an A4 landscape page."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Certificate {cert.code}")
    pdf.set_author("quizapp")
    pdf.set_subject(cert.programme)
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", str(FONT_DIR / "SourceSansPro-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "SourceSansPro-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - 40

    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, "", 13)
    pdf.set_xy(20, 24)
    pdf.cell(width, 8, "CERTIFICATE OF COMPLETION", align="C")
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 12)
    pdf.set_xy(20, 36)
    pdf.cell(width, 7, "This certifies that", align="C")
    pdf.set_font(FONT, "B", 28)
    pdf.set_xy(20, 45)
    pdf.cell(width, 14, cert.holder, align="C")
    pdf.set_font(FONT, "", 12)
    pdf.set_xy(20, 62)
    pdf.cell(width, 7, "has passed every required module of the programme", align="C")
    pdf.set_font(FONT, "B", 17)
    pdf.set_xy(20, 71)
    pdf.multi_cell(width, 9, cert.programme, align="C")

    # the modules that earned it
    y = max(pdf.get_y() + 4, 86)
    cols = (120, 30, 45)
    left = (pdf.w - sum(cols)) / 2
    pdf.set_font(FONT, "B", 10)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(left, y)
    for label, w, align in zip(("Module", "Score", "Passed on"), cols, ("L", "R", "R")):
        pdf.cell(w, 6, label, border="B", align=align)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 10)
    for row in cert.modules:
        y += 6.5
        pdf.set_xy(left, y)
        pdf.cell(cols[0], 6.5, row.module_title)
        pdf.cell(cols[1], 6.5, f"{row.percent} %" if row.percent is not None else "—", align="R")
        pdf.cell(cols[2], 6.5, _date(row.passed_at), align="R")

    # dates, code and status at the bottom left; QR code at the bottom right
    base = pdf.h - 58
    pdf.set_xy(24, base)
    pdf.set_font(FONT, "", 11)
    pdf.cell(30, 7, "Issued")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(60, 7, _date(cert.issued_at))
    pdf.set_xy(24, base + 7)
    pdf.set_font(FONT, "", 11)
    pdf.cell(30, 7, "Valid until")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(60, 7, _date(cert.expires_at))
    pdf.set_xy(24, base + 14)
    pdf.set_font(FONT, "", 11)
    pdf.cell(30, 7, "Code")
    pdf.set_font(FONT, "B", 14)
    pdf.cell(80, 7, cert.code)
    pdf.set_xy(24, base + 23)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(160, 5, f"Check this certificate at {cert.verify_url}", link=cert.verify_url)
    if cert.status not in CURRENT:
        pdf.set_xy(24, base + 30)
        pdf.set_font(FONT, "B", 12)
        pdf.set_text_color(*ALERT)
        pdf.cell(160, 7, f"Status when downloaded: {cert.status_label.upper()}")
    pdf.set_text_color(*INK)

    size = 38
    pdf.image(_qr_svg(cert.verify_url), x=pdf.w - 24 - size, y=pdf.h - 24 - size, w=size, h=size,
              link=cert.verify_url)
    return bytes(pdf.output())
