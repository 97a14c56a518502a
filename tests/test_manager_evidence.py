"""The evidence pack: a ZIP with a PDF, JSON following the documented schema, and the schema itself."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest

from quizapp.services import NotFound, certification, evidence
from quizapp.services.answers import store_answer
from quizapp.services.attempts import start_attempt
from quizapp.services.grading import submit_attempt
from tests.manager_helpers import build_clinic
from tests.quiz_helpers import key_answer


@pytest.fixture
def clinic(db, make_user, make_team):
    return build_clinic(db, make_user, make_team)


def check(value, schema, defs):
    """The parts of JSON Schema the pack's schema uses: $ref, type, const, enum, required, properties, items."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].removeprefix("#/$defs/")]
    kinds = schema.get("type")
    if kinds is not None:
        names = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}
        allowed = [kinds] if isinstance(kinds, str) else kinds
        assert any(isinstance(value, names[k]) for k in allowed), (value, allowed)
    if "const" in schema:
        assert value == schema["const"]
    if "enum" in schema:
        assert value in schema["enum"]
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, key
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(value[key], sub, defs)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            check(item, schema["items"], defs)


def download(client, auth, clinic, key: str):
    auth.login(clinic.manager.email)
    response = client.get(f"/manager/trainees/{clinic.people[key].id}/evidence.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_pack_of_a_certified_trainee(client, auth, clinic):
    archive = download(client, auth, clinic, "certified")
    assert sorted(archive.namelist()) == ["evidence.json", "evidence.pdf", "schema.json"]
    data = json.loads(archive.read("evidence.json"))
    schema = json.loads(archive.read("schema.json"))
    check(data, schema, schema["$defs"])
    assert data["trainee"]["name"] == "Cara Certified" and data["trainee"]["teams"] == ["North clinic"]
    [cert] = data["certificates"]
    assert cert["status"] == "valid" and [a["module"] for a in cert["attempts"]] == ["Module 1", "Module 2"]
    assert all(a["percent"] == "90.0" and a["passed"] for a in cert["attempts"])
    assert [e["action"] for e in data["audit"]] == ["user.created", "certificate.issued"]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(archive.read("evidence.pdf"))).pages)
    assert "Evidence pack" in text and "Cara Certified" in text and cert["code"] in text
    assert "Module 1: 90.0% (pass mark 80%)" in text and "certificate.issued" in text


def test_questions_carry_version_answer_marks_and_explanation(db, clinic, make_user):
    """A certificate resting on a real quiz attempt: each question as shown, with its exact version."""
    trainee = clinic.people["in_progress"]
    for module in clinic.modules:
        module.required_for_certification = False
    clinic.quiz.required_for_certification = True
    db.commit()
    taken = start_attempt(db, trainee, clinic.quiz, clinic.now)
    for response in taken.responses:
        store_answer(db, taken, response, key_answer(response.version), clinic.now)
    submit_attempt(db, taken, clinic.now)
    db.commit()
    assert certification.current_for(db, trainee, clinic.now) is not None
    data = evidence.evidence_pack(db, clinic.manager, trainee.id, clinic.now)
    check(data, evidence.SCHEMA, evidence.SCHEMA["$defs"])
    [attempt] = data["certificates"][0]["attempts"]
    assert len(attempt["questions"]) == taken.question_count
    first, response = attempt["questions"][0], taken.responses[0]
    assert first["version"] == response.version.number and first["question"] == response.version.question.key
    assert first["stem"] == response.version.stem and first["explanation"] == response.version.explanation
    # every answer was the key: full marks, and both in words (a numeric key adds its accepted range)
    for q in attempt["questions"]:
        assert q["full_marks"] is True and q["awarded"] is not None
        assert q["answer"] and q["key"] and q["key"].startswith(q["answer"].split(";")[0])


def test_pack_of_a_revoked_certificate_names_who_and_why(db, clinic):
    data = evidence.evidence_pack(db, clinic.manager, clinic.people["revoked"].id, clinic.now)
    [cert] = data["certificates"]
    assert (cert["status"], cert["revoked_reason"], cert["revoked_by"]) == ("revoked", "Shared login", "Admin 1")
    assert "certificate.revoked" in [e["action"] for e in data["audit"]]


def test_another_teams_pack_is_404(client, auth, db, clinic):
    auth.login(clinic.manager.email)
    assert client.get(f"/manager/trainees/{clinic.people['south'].id}/evidence.zip").status_code == 404
    with pytest.raises(NotFound):
        evidence.evidence_pack(db, clinic.manager, clinic.people["south"].id, clinic.now)


def test_pdf_times_are_in_the_downloaders_zone_and_json_in_utc(client, auth, db, clinic):
    clinic.manager.time_zone = "America/New_York"
    db.commit()
    archive = download(client, auth, clinic, "certified")
    data = json.loads(archive.read("evidence.json"))
    schema = json.loads(archive.read("schema.json"))
    assert "UTC" in schema["$defs"]["attempt"]["properties"]["started_at"]["description"]
    [cert] = data["certificates"]
    issued = datetime.fromisoformat(cert["issued_at"])
    assert cert["issued_at"].endswith("Z") and issued.utcoffset() == timedelta(0)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(archive.read("evidence.pdf"))).pages)
    local = issued.astimezone(ZoneInfo("America/New_York"))
    assert "Times are in America/New_York" in text
    assert f"Issued {local:%d %b %Y, %H:%M} {local.tzname()}" in " ".join(text.split())
    assert cert["issued_at"] not in text  # no unnamed UTC time left in the PDF
