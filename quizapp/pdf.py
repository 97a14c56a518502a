"""The certificate as a PDF (fpdf2, embedded Unicode TTFs, a vector QR code from segno)."""

from __future__ import annotations

import functools
import importlib
import io
import tempfile
from importlib.resources import files
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from quizapp.presentation import format_day, format_points, stamp_word, status_label
from quizapp.services.certificate_pages import CertificateView
from quizapp.services.certification import CURRENT

FONT_DIR = files("font_source_sans_pro") / "files"
FONT = "SourceSans"  # Latin (Vietnamese too), Greek, Cyrillic
FONT_FILES = {"": str(FONT_DIR / "SourceSansPro-Regular.ttf"), "B": str(FONT_DIR / "SourceSansPro-Bold.ttf")}
FALLBACK = "FiraGO"  # adds Arabic, Hebrew, Georgian, Thai, Devanagari; used only for what FONT lacks
FALLBACK_MODULES = {"": "pymupdf_fonts.FiraGO_Regular", "B": "pymupdf_fonts.FiraGO_Bold"}
INK = (27, 42, 51)  # the palette of static/css/app.css
MUTED = (74, 90, 99)
ACCENT = (11, 85, 99)
ALERT = (164, 38, 44)
NAME_SIZE, MIN_NAME_SIZE = 28.0, 8.0  # points
NAME_BOX = 14.0  # mm of height the holder's name may fill
PT = 25.4 / 72  # mm per point


@functools.cache
def _font_folder() -> tempfile.TemporaryDirectory:
    """A private directory for this process, removed when it exits (the cache keeps it alive)."""
    return tempfile.TemporaryDirectory(prefix="quizapp-fonts-")


@functools.cache
def _fallback_files() -> dict[str, str]:
    """pymupdf-fonts ships its TTFs as Python data and fpdf2 reads files: write them once per process."""
    paths = {}
    for style, module in FALLBACK_MODULES.items():
        path = Path(_font_folder().name) / f"{FALLBACK}{style}.ttf"
        path.write_bytes(importlib.import_module(module).fontbuffer)
        paths[style] = str(path)
    return paths


@functools.cache
def _charset(path: str) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _primary_charset() -> frozenset[int]:
    return _charset(FONT_FILES[""]) & _charset(FONT_FILES["B"])


def _beyond(charset: frozenset[int], text: str) -> list[str]:
    return [c for c in text if not c.isspace() and ord(c) not in charset]


def unprintable(text: str) -> str:
    """The characters of `text` that no embedded font can draw (CJK, for one), in order, once each."""
    rest = _beyond(_primary_charset(), text)
    if rest:
        rest = _beyond(_charset(_fallback_files()["B"]), "".join(rest))
    return "".join(dict.fromkeys(rest))


def _qr_svg(url: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=1, border=0, dark="#000", omitsize=True)
    buf.seek(0)
    return buf


def _name_layout(pdf: FPDF, name: str, width: float) -> tuple[float, int]:
    """The largest bold size (and its number of lines) at which the name fits the box under
    "This certifies that": one line at 28 pt if it can, smaller or wrapped if not."""
    size = NAME_SIZE
    while True:
        pdf.set_font(FONT, "B", size)
        wrapped = pdf.multi_cell(width, NAME_BOX, name, dry_run=True, output=MethodReturnValue.LINES)
        lines = len(wrapped) if isinstance(wrapped, list) else 1
        if lines * size * PT * 1.15 <= NAME_BOX or size <= MIN_NAME_SIZE:
            return size, lines
        size -= 0.5


def _add_fonts(pdf: FPDF, texts: list[str]) -> None:
    """The main font; the fallback font and text shaping (joined Arabic letters, right-to-left
    order) only when some text needs them, so Latin certificates render as they always did."""
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT, style, path)
    if not _beyond(_primary_charset(), "".join(texts)):
        return
    for style, path in _fallback_files().items():
        pdf.add_font(FALLBACK, style, path)
    pdf.set_fallback_fonts([FALLBACK])
    pdf.set_text_shaping(True)


def _stamp(pdf: FPDF, word: str) -> None:
    """A full-page stamp, diagonal and see-through, so no copy of the page can pass for a valid one."""
    with pdf.local_context(fill_opacity=0.22, stroke_opacity=0.6):
        pdf.set_text_color(*ALERT)
        pdf.set_draw_color(*ALERT)
        pdf.set_line_width(2.5)
        with pdf.rotation(angle=24, x=pdf.w / 2, y=pdf.h / 2):
            pdf.set_font(FONT, "B", 120 if len(word) <= 7 else 90)
            box = pdf.get_string_width(word) + 24
            pdf.rect((pdf.w - box) / 2, pdf.h / 2 - 27, box, 54)
            pdf.set_xy(0, pdf.h / 2 - 22)
            pdf.cell(pdf.w, 44, word, align="C")
    pdf.set_text_color(*INK)


def certificate_pdf(cert: CertificateView) -> bytes:
    """Render one certificate on an A4 landscape page."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    # the name is in the document's properties too, whole, even where a glyph cannot be drawn
    pdf.set_title(f"Certificate {cert.code}: {cert.holder}")
    pdf.set_author("Clearpath")
    pdf.set_subject(f"{cert.programme}, awarded to {cert.holder}")
    pdf.set_auto_page_break(False)
    _add_fonts(pdf, [cert.holder, cert.programme, *(row.module_title for row in cert.modules)])
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
    size, lines = _name_layout(pdf, cert.holder, width)
    pdf.set_font(FONT, "B", size)
    pdf.set_xy(20, 45)
    pdf.multi_cell(width, NAME_BOX / lines, cert.holder, align="C")
    missing = unprintable(cert.holder)
    if missing:
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(20, 45 + NAME_BOX)
        pdf.cell(
            width,
            3,
            "Some characters of this name cannot be printed here; the verification page "
            "and this document's properties show it in full.",
            align="C",
        )
        pdf.set_text_color(*INK)
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
    for label, w, align in zip(("Module", "Score", "Passed on"), cols, ("L", "R", "R"), strict=True):
        pdf.cell(w, 6, label, border="B", align=align)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 10)
    for row in cert.modules:
        y += 6.5
        pdf.set_xy(left, y)
        pdf.cell(cols[0], 6.5, row.module_title)
        pdf.cell(cols[1], 6.5, f"{format_points(row.percent)} %" if row.percent is not None else "—", align="R")
        pdf.cell(cols[2], 6.5, format_day(row.passed_at, cert.time_zone, long=True), align="R")

    # dates, code and status at the bottom left; QR code at the bottom right
    base = pdf.h - 58
    pdf.set_xy(24, base)
    pdf.set_font(FONT, "", 11)
    pdf.cell(30, 7, "Issued")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(60, 7, format_day(cert.issued_at, cert.time_zone, long=True))
    pdf.set_xy(24, base + 7)
    pdf.set_font(FONT, "", 11)
    pdf.cell(30, 7, "Valid until")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(60, 7, format_day(cert.expires_at, cert.time_zone, long=True))
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
        pdf.cell(160, 7, f"Status when downloaded: {status_label(cert.status).upper()}")
    pdf.set_text_color(*INK)

    word = stamp_word(cert.status)
    if word is not None:
        _stamp(pdf, word)

    size = 38
    pdf.image(_qr_svg(cert.verify_url), x=pdf.w - 24 - size, y=pdf.h - 24 - size, w=size, h=size, link=cert.verify_url)
    return bytes(pdf.output())
