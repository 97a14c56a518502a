"""The issue's "done means", through the pages: pass all four shipped modules, get the certificate,
download the PDF, verify the code, a manager revokes it, the verify page says revoked."""

from __future__ import annotations

import io

import pypdf
from sqlalchemy import select

from quizapp import ROOT
from quizapp.bank_loader import load_banks
from quizapp.models import Certificate, Module, QuizAttempt, Role
from quizapp.services import certificate_codes
from quizapp.services.banks import import_bank
from tests.cert_helpers import NAME
from tests.conftest import PASSWORD
from tests.quiz_helpers import form_for, key_answer


def take_and_pass(client, db, module: Module) -> None:
    assert client.post(f"/modules/{module.slug}/start").status_code == 302
    db.expire_all()
    attempt = db.scalars(
        select(QuizAttempt).where(QuizAttempt.module_id == module.id).order_by(QuizAttempt.id.desc())
    ).first()
    for r in attempt.responses:
        data = {**form_for(r.version, r.shuffle, key_answer(r.version)), "nav": "next"}
        assert client.post(f"/attempts/{attempt.id}/q/{r.position}", data=data).status_code == 302
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    db.expire_all()
    assert db.get(QuizAttempt, attempt.id).passed is True


def test_pass_all_four_download_verify_revoke(client, db, make_user, make_team):
    import_bank(db, load_banks([ROOT / "question_banks"]))
    db.commit()
    modules = db.scalars(select(Module).where(Module.required_for_certification.is_(True)).order_by(Module.order)).all()
    assert len(modules) == 4
    team = make_team("Demo clinic")
    trainee = make_user(Role.TRAINEE, name=NAME, teams=[team])
    manager = make_user(Role.MANAGER, managed=[team])

    client.post("/auth/login", data={"email": trainee.email, "password": PASSWORD})
    for module in modules[:3]:
        take_and_pass(client, db, module)
    assert "3 of 4 required modules passed" in client.get("/certificate").get_data(as_text=True)
    assert db.scalar(select(Certificate)) is None
    take_and_pass(client, db, modules[3])

    cert = db.scalar(select(Certificate).where(Certificate.user_id == trainee.id))
    assert cert is not None and len(cert.evidence) == 4
    code = certificate_codes.format_code(cert.code)
    assert code in client.get("/certificate").get_data(as_text=True)
    pdf = client.get("/certificate.pdf")
    text = pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert code in text and NAME in text
    client.post("/auth/logout")

    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert NAME in page and 'id="cert-status">valid<' in page

    client.post("/auth/login", data={"email": manager.email, "password": PASSWORD})
    response = client.post(
        f"/manager/certificates/{cert.id}/revoke", data={f"cert{cert.id}-reason": "Demo: revoked for the walkthrough"}
    )
    assert response.status_code == 302
    client.post("/auth/logout")
    assert 'id="cert-status">revoked<' in client.get(f"/verify/{code}").get_data(as_text=True)
