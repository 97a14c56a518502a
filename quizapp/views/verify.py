"""Public certificate verification: no login, rate limited, shows nothing but the certificate's facts."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from quizapp.db import get_session, utcnow
from quizapp.extensions import limiter
from quizapp.forms import VerifyForm
from quizapp.services import certificate_codes, certification, programme

bp = Blueprint("verify", __name__, url_prefix="/verify")

# one budget for the form and the code pages, so guessing through either costs the same
_limit = limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify")


@bp.route("")
@_limit
def form():
    form = VerifyForm(formdata=request.args if "code" in request.args else None)
    if "code" in request.args and form.validate():
        code = certificate_codes.normalise_code(form.code.data)
        if code is not None:
            return redirect(url_for("verify.show", code=certificate_codes.format_code(code)))
        form.code.errors.append(
            "That is not a certificate code: codes have 13 letters and digits, e.g. 7K3Q-9XPM-2D4T-V."
        )
    return render_template("verify/form.html", form=form), 400 if form.errors else 200


@bp.route("/<path:code>")
@_limit
def show(code: str):
    canonical = certificate_codes.normalise_code(code)
    typed = code[:64]  # echoed back so a typo can be seen; escaped by the template
    if canonical is None:
        return render_template("verify/not_found.html", malformed=True, form=VerifyForm(), typed=typed), 404
    session = get_session()
    cert = certificate_codes.find_by_code(session, canonical)
    if cert is None:
        return render_template("verify/not_found.html", malformed=False, form=VerifyForm(), typed=typed), 404
    now = utcnow()
    return render_template(
        "verify/show.html",
        code=certificate_codes.format_code(cert.code),
        holder=cert.user.name,
        programme=cert.programme,
        issued_at=cert.issued_at,
        expires_at=cert.expires_at,
        holder_zone=cert.user.time_zone or "UTC",  # the dates the holder's PDF shows, whoever checks
        status=certification.status(cert, now, programme.get(session).renewal_window_days),
        now=now,
    )
