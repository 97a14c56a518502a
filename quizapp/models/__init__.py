"""The domain model; import models from here."""

from quizapp.models.attempts import AttemptStatus, QuizAttempt, Response
from quizapp.models.audit import AuditEvent
from quizapp.models.certificates import Certificate, CertificateAttempt
from quizapp.models.content import Module, Question, QuestionNote, QuestionVersion, ReviewMode, ReviewStatus
from quizapp.models.settings import Setting
from quizapp.models.users import Role, Team, User, team_managers, team_members

__all__ = [
    "AttemptStatus",
    "AuditEvent",
    "Certificate",
    "CertificateAttempt",
    "Module",
    "Question",
    "QuestionNote",
    "QuestionVersion",
    "QuizAttempt",
    "Response",
    "ReviewMode",
    "ReviewStatus",
    "Role",
    "Setting",
    "Team",
    "User",
    "team_managers",
    "team_members",
]
