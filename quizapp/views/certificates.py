"""The trainee's own certificate: page, printable view, PDF."""

from __future__ import annotations

import io
from datetime import datetime

import segno
from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user

from quizapp.db import get_session, utcnow
from quizapp.models import Certificate, Role
from quizapp.pdf import certificate_pdf
from quizapp.security import role_required
from quizapp.services import NotFound, certificate_pages
from quizapp.services.certification import CertStatus

bp = Blueprint("certificates", __name__)
MAX_ID = 2**31 - 1  # larger ids cannot exist; PostgreSQL would refuse to compare them


def _chosen_view():
    """The certificate named by ?id= (default: the current one), as shown on print and PDF."""
    raw = request.args.get("id")
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID):
        abort(400)
    session = get_session()
    now = utcnow()
    try:
        cert = certificate_pages.own_certificate(session, current_user, int(raw) if raw else None, now)
    except NotFound:
        abort(404)
    return certificate_pages.view(session, cert, now, current_app.config["PUBLIC_BASE_URL"])


@bp.route("/certificate")
@role_required(Role.TRAINEE)
def show():
    page = certificate_pages.trainee_page(get_session(), current_user, utcnow(), current_app.config["PUBLIC_BASE_URL"])
    return render_template(
        "certificates/show.html",
        cert=page.certificate,
        history=page.history,
        progress=page.progress,
        banner=page.banner,
        revoked_at=_revoked_at(page.certificate),
    )


def qr_data_uri(url: str) -> str:
    """The QR code as an SVG data URI (an <img>, so the strict CSP holds)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


@bp.route("/certificate/print")
@role_required(Role.TRAINEE)
def printable():
    cert = _chosen_view()
    return render_template(
        "certificates/print.html", cert=cert, qr=qr_data_uri(cert.verify_url), revoked_at=_revoked_at(cert)
    )


def _revoked_at(view) -> datetime | None:
    """When the certificate shown was revoked (the row is already loaded: no query)."""
    if view is None or view.status != CertStatus.REVOKED:
        return None
    row = get_session().get(Certificate, view.id)
    return row.revoked_at if row is not None else None


@bp.route("/certificate.pdf")
@role_required(Role.TRAINEE)
def pdf():
    cert = _chosen_view()
    response = send_file(
        io.BytesIO(certificate_pdf(cert)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificate-{cert.code}.pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
