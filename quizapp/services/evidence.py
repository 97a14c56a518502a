"""The evidence pack an inspector asks for: one trainee's certificates, the attempts that earned each with
the exact question versions, answers, marks and explanations, and the audit entries — as plain data
(JSON-ready), which the ZIP holds as evidence.json beside a PDF of the same facts.

The data follows SCHEMA (JSON Schema, draft 2020-12), shipped in the ZIP as schema.json."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from quizapp.models import AuditEvent, CertificateAttempt, QuestionVersion, QuizAttempt, Response, User
from quizapp.question_types import get_type
from quizapp.services import certification
from quizapp.services import programme as programme_service
from quizapp.services.certificate_codes import format_code
from quizapp.services.oversight import get_trainee
from quizapp.services.progress import progress_of_many

FORMAT = "quizapp-evidence-pack/1"

_TIME = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "ISO 8601 date and time in UTC, the offset written as Z: 2026-01-15T13:05:00Z",
}
_NUMBER = {"type": ["string", "null"], "description": "a decimal number as text (exact)"}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": FORMAT,
    "title": "Evidence pack of one trainee",
    "description": "Every time is in UTC (ISO 8601 with the offset Z); the PDF beside it shows the same times "
    "in the time zone of whoever downloaded the pack, the zone named.",
    "type": "object",
    "required": ["format", "generated_at", "generated_by", "programme", "trainee", "certificates", "audit"],
    "properties": {
        "format": {"const": FORMAT},
        "generated_at": _TIME,
        "generated_by": {"type": "string", "description": "name and email of who downloaded the pack"},
        "programme": {"type": "string"},
        "trainee": {
            "type": "object",
            "required": ["id", "name", "email", "teams", "active"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "email": {"type": "string"},
                "teams": {"type": "array", "items": {"type": "string"}},
                "active": {"type": "boolean"},
            },
        },
        "certificates": {
            "type": "array",
            "description": "newest first",
            "items": {
                "type": "object",
                "required": ["code", "status", "issued_at", "expires_at", "attempts"],
                "properties": {
                    "code": {"type": "string", "description": "as printed, checkable at /verify"},
                    "programme": {"type": "string"},
                    "status": {"enum": ["valid", "expiring", "expired", "revoked", "superseded"]},
                    "issued_at": _TIME,
                    "expires_at": _TIME,
                    "revoked_at": _TIME,
                    "revoked_reason": {"type": ["string", "null"]},
                    "revoked_by": {"type": ["string", "null"]},
                    "superseded_at": _TIME,
                    "attempts": {
                        "type": "array",
                        "description": "the passes that earned the certificate, one per required module",
                        "items": {"$ref": "#/$defs/attempt"},
                    },
                },
            },
        },
        "audit": {
            "type": "array",
            "description": "audit log entries about the trainee and their certificates, oldest first",
            "items": {
                "type": "object",
                "required": ["at", "action", "actor", "summary"],
                "properties": {
                    "at": _TIME,
                    "action": {"type": "string"},
                    "actor": {"type": ["string", "null"], "description": "null: done by the system"},
                    "summary": {"type": "string"},
                },
            },
        },
    },
    "$defs": {
        "attempt": {
            "type": "object",
            "required": ["id", "module", "started_at", "finished_at", "percent", "passed", "questions"],
            "properties": {
                "id": {"type": "integer"},
                "module": {"type": "string"},
                "started_at": _TIME,
                "finished_at": _TIME,
                "awarded": _NUMBER,
                "possible": {"type": ["integer", "null"]},
                "percent": _NUMBER,
                "pass_mark": {"type": "integer"},
                "passed": {"type": ["boolean", "null"]},
                "questions": {
                    "type": "array",
                    "description": "in the order the trainee saw them",
                    "items": {
                        "type": "object",
                        "required": ["position", "question", "version", "stem", "answer", "key", "awarded", "points"],
                        "properties": {
                            "position": {"type": "integer"},
                            "question": {"type": "string", "description": "the bank's question id"},
                            "version": {"type": "integer", "description": "the exact version shown"},
                            "type": {"type": "string"},
                            "critical": {"type": "boolean"},
                            "stem": {"type": "string"},
                            "answer": {"type": ["string", "null"], "description": "the trainee's answer in words"},
                            "key": {"type": ["string", "null"], "description": "the right answer in words"},
                            "awarded": _NUMBER,
                            "points": {"type": "integer"},
                            "full_marks": {"type": ["boolean", "null"]},
                            "explanation": {"type": "string"},
                            "source": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value is not None else None


def _number(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _attempt(attempt: QuizAttempt, responses: list[Response]) -> dict[str, Any]:
    questions = []
    for r in responses:
        version = r.version
        shown = get_type(version.type).review(version.spec, r.shuffle, r.answer)
        questions.append(
            {
                "position": r.position,
                "question": version.question.key,
                "version": version.number,
                "type": version.type,
                "critical": version.critical,
                "stem": version.stem,
                "answer": shown.get("answer_text"),
                "key": shown.get("key_text"),
                "awarded": _number(r.awarded),
                "points": version.points,
                "full_marks": r.full_marks,
                "explanation": version.explanation,
                "source": version.source,
            }
        )
    return {
        "id": attempt.id,
        "module": attempt.module.title,
        "started_at": _time(attempt.started_at),
        "finished_at": _time(attempt.finished_at),
        "awarded": _number(attempt.awarded),
        "possible": attempt.possible,
        "percent": _number(attempt.percent),
        "pass_mark": attempt.pass_mark,
        "passed": attempt.passed,
        "questions": questions,
    }


def evidence_pack(session: Session, viewer: User, user_id: int, now: datetime) -> dict[str, Any]:
    """The pack's data for a trainee the viewer oversees (NotFound otherwise), in a fixed number of queries."""
    trainee = get_trainee(session, viewer, user_id)
    settings = programme_service.get(session)
    _progress, certs = progress_of_many(session, [trainee], now, settings=settings)[trainee.id]
    cert_ids = [c.id for c in certs]
    links = session.execute(
        select(CertificateAttempt.certificate_id, QuizAttempt)
        .join(QuizAttempt, CertificateAttempt.attempt_id == QuizAttempt.id)
        .where(CertificateAttempt.certificate_id.in_(cert_ids))
        .options(selectinload(QuizAttempt.module))
    ).all()
    attempt_ids = {a.id for _, a in links}
    responses: dict[int, list[Response]] = defaultdict(list)
    for r in session.scalars(
        select(Response)
        .where(Response.attempt_id.in_(attempt_ids))
        .options(selectinload(Response.version).selectinload(QuestionVersion.question))
        .order_by(Response.attempt_id, Response.position)
    ):
        responses[r.attempt_id].append(r)
    by_cert: dict[int, list[QuizAttempt]] = defaultdict(list)
    for cert_id, attempt in sorted(links, key=lambda pair: (pair[1].module.order, pair[1].module.title)):
        by_cert[cert_id].append(attempt)
    events = session.scalars(
        select(AuditEvent)
        .where(
            or_(
                (AuditEvent.target_type == "user") & (AuditEvent.target_id == str(trainee.id)),
                (AuditEvent.target_type == "certificate") & AuditEvent.target_id.in_([str(i) for i in cert_ids]),
            )
        )
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    window = settings.renewal_window_days
    return {
        "format": FORMAT,
        "generated_at": _time(now),
        "generated_by": f"{viewer.name} ({viewer.email})",
        "programme": settings.name,
        "trainee": {
            "id": trainee.id,
            "name": trainee.name,
            "email": trainee.email,
            "teams": [t.name for t in trainee.teams],
            "active": trainee.active,
        },
        "certificates": [
            {
                "code": format_code(c.code),
                "programme": c.programme,
                "status": certification.status(c, now, window).value,
                "issued_at": _time(c.issued_at),
                "expires_at": _time(c.expires_at),
                "revoked_at": _time(c.revoked_at),
                "revoked_reason": c.revoked_reason,
                "revoked_by": c.revoked_by.name if c.revoked_by is not None else None,
                "superseded_at": _time(c.superseded_at),
                "attempts": [_attempt(a, responses[a.id]) for a in by_cert[c.id]],
            }
            for c in certs
        ],
        "audit": [
            {
                "at": _time(e.at),
                "action": e.action,
                "actor": e.actor.name if e.actor is not None else None,
                "summary": e.summary,
            }
            for e in events
        ],
    }
