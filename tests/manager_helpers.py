"""A hand-built clinic for manager reporting tests: one trainee in every state, and another team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from quizapp.db import utcnow
from quizapp.models import Module, Role, Team, User
from quizapp.services import answers, certification, grading
from quizapp.services import attempts as attempts_service
from tests.cert_helpers import attempt, certify, make_modules
from tests.quiz_helpers import import_quiz, key_answer, wrong_answer


@dataclass
class Clinic:
    now: datetime
    north: Team
    south: Team
    modules: list[Module]  # the two required modules
    quiz: Module  # not required; holds the safety-critical question
    people: dict[str, User]  # by key: certified, expiring, expired, revoked, failed_twice, ...
    manager: User  # manages North


def issued_ago(now: datetime, months: int, days: int) -> datetime:
    return certification.add_months(now, -months) + timedelta(days=days)


def build_clinic(db, make_user, make_team) -> Clinic:
    now = utcnow()
    north, south = make_team("North clinic"), make_team("South clinic")
    modules = make_modules(db, 2)
    quiz = import_quiz(db, cooldown_minutes=24 * 60, required_for_certification=False)
    admin = make_user(Role.ADMIN, email="clinic-admin@example.com")

    def trainee(key: str, name: str, team: Team = north) -> User:
        return make_user(Role.TRAINEE, name=name, email=f"{key}@clinic.example", teams=[team])

    people = {
        "certified": trainee("certified", "Cara Certified"),
        "expiring": trainee("expiring", "Eve Expiring"),
        "expired": trainee("expired", "Ed Expired"),
        "revoked": trainee("revoked", "Rita Revoked"),
        "failed_twice": trainee("failed_twice", "Fred Failed"),
        "critical": trainee("critical", "Chris Critical"),
        "in_progress": trainee("in_progress", "Ivy Progress"),
        "never_started": trainee("never_started", "Nina Never"),
        "injected": trainee("injected", '=HYPERLINK("http://evil.example","x")'),
        "south": trainee("south", "Sam South", south),
    }
    certify(db, people["certified"], modules, now - timedelta(days=10))
    # 24-month certificates issued so that 20 days remain, and 5 days past expiry
    certify(db, people["expiring"], modules, issued_ago(now, 24, 20))
    certify(db, people["expired"], modules, issued_ago(now, 24, -5))
    revoked = certify(db, people["revoked"], modules, now - timedelta(days=40))
    certification.revoke(db, revoked, admin, "Shared login", now - timedelta(days=3))
    db.commit()
    for days in (6, 5):
        attempt(db, people["failed_twice"], modules[0], now - timedelta(days=days), percent="55.0", passed=False)
    attempt(db, people["in_progress"], modules[1], now - timedelta(days=2), percent="95.0")
    attempt(db, people["south"], modules[0], now - timedelta(days=1), percent="40.0", passed=False)
    _fail_on_the_critical_question(db, people["critical"], quiz, now - timedelta(hours=2))
    people["never_started"].created_at = now - timedelta(days=20)
    db.commit()
    manager = make_user(Role.MANAGER, name="Mona Manager", email="mona@clinic.example", managed=[north])
    return Clinic(now, north, south, modules, quiz, people, manager)


def _fail_on_the_critical_question(db, user: User, module: Module, when: datetime) -> None:
    """A real attempt, all right but the safety-critical question, submitted (in cooldown after)."""
    taken = attempts_service.start_attempt(db, user, module, when)
    for response in taken.responses:
        version = response.version
        answer = wrong_answer(version) if version.critical else key_answer(version)
        answers.store_answer(db, taken, response, answer, when)
    grading.submit_attempt(db, taken, when + timedelta(minutes=5))
    db.commit()
    assert taken.passed is False
