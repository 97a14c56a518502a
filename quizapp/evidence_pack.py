"""The evidence pack as a file: a ZIP holding evidence.pdf (for people), evidence.json (the same data for
machines) and schema.json (its JSON Schema). The PDF uses the certificate PDF's fonts, and shows every time
in the time zone of whoever downloads it, the zone named (the JSON keeps them in UTC)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF

from quizapp.pdf import FONT, INK, MUTED, _add_fonts
from quizapp.presentation import format_when
from quizapp.services.evidence import SCHEMA


def _texts(data: dict[str, Any]) -> list[str]:
    """Every text the PDF draws (to pick the fonts that can draw them)."""
    found = [data["trainee"]["name"], data["programme"], data["generated_by"]]
    for cert in data["certificates"]:
        for attempt in cert["attempts"]:
            found.append(attempt["module"])
            for q in attempt["questions"]:
                found += [q["stem"], q["answer"] or "", q["key"] or "", q["explanation"]]
    found += [e["summary"] for e in data["audit"]]
    return found


def evidence_pdf(data: dict[str, Any], zone: ZoneInfo) -> bytes:
    """The pack's data on A4 pages: trainee, each certificate with the attempts that earned it, the audit;
    times in `zone`, named."""

    def when(value: str | None) -> str:
        return format_when(datetime.fromisoformat(value), zone) if value else "—"

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    trainee = data["trainee"]
    pdf.set_title(f"Evidence pack: {trainee['name']}")
    pdf.set_author("quizapp")
    _add_fonts(pdf, _texts(data))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float = 10, style: str = "", colour: tuple[int, int, int] = INK, gap: float = 1) -> None:
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(*colour)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, size * 0.5, text)
        pdf.ln(gap)

    line("Evidence pack", 20, "B")
    line(data["programme"], 12)
    line(f"Trainee: {trainee['name']} <{trainee['email']}>", 11, "B")
    line(f"Teams: {', '.join(trainee['teams']) or 'none'}")
    line(f"Generated {when(data['generated_at'])} by {data['generated_by']}", 9, colour=MUTED)
    line(f"Times are in {zone.key}; evidence.json holds them in UTC.", 9, colour=MUTED, gap=4)
    if not data["certificates"]:
        line("No certificate has been issued to this trainee.", 11)
    for cert in data["certificates"]:
        line(f"Certificate {cert['code']} — {cert['status']}", 14, "B")
        line(f"Issued {when(cert['issued_at'])}, valid until {when(cert['expires_at'])}")
        if cert["revoked_at"]:
            line(f"Revoked {when(cert['revoked_at'])} by {cert['revoked_by'] or 'unknown'}: {cert['revoked_reason']}")
        if cert["superseded_at"]:
            line(f"Superseded {when(cert['superseded_at'])}")
        for attempt in cert["attempts"]:
            line(f"{attempt['module']}: {attempt['percent']}% (pass mark {attempt['pass_mark']}%)", 12, "B")
            started, finished = when(attempt["started_at"]), when(attempt["finished_at"])
            line(f"Attempt {attempt['id']}, started {started}, finished {finished}", 9)
            for q in attempt["questions"]:
                critical = " · safety-critical" if q["critical"] else ""
                head = f"Q{q['position']} ({q['question']} v{q['version']}{critical}) — {q['awarded']} of {q['points']}"
                line(head, 9, "B", gap=0)
                line(q["stem"], 9, gap=0)
                line(f"Answer: {q['answer'] or '(none)'}", 9, gap=0)
                line(f"Right answer: {q['key'] or '—'}", 9, gap=0)
                line(f"Why: {q['explanation']}", 9, colour=MUTED, gap=2)
    line("Audit log", 14, "B")
    for event in data["audit"]:
        line(f"{when(event['at'])} · {event['actor'] or 'system'} · {event['action']}: {event['summary']}", 9)
    return bytes(pdf.output())


def evidence_zip(data: dict[str, Any], zone: ZoneInfo) -> bytes:
    """The ZIP; the PDF's times in `zone` (the downloader's)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("evidence.pdf", evidence_pdf(data, zone))
        archive.writestr("evidence.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("schema.json", json.dumps(SCHEMA, indent=2))
    return buffer.getvalue()
