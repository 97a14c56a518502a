"""The domain model; import models from here."""

from quizapp.models.attempts import AttemptStatus, QuizAttempt, Response
from quizapp.models.audit import AuditEvent
from quizapp.models.certificates import Certificate, CertificateAttempt
from quizapp.models.content import Module, Question, QuestionNote, QuestionVersion, ReviewMode, ReviewStatus
from quizapp.models.practice import PracticeAnswer, PracticeSession, ReviewCard
from quizapp.models.settings import Setting
from quizapp.models.tokens import SetPasswordToken
from quizapp.models.users import Role, Team, User, team_managers, team_members

__all__ = [
    "AttemptStatus",
    "AuditEvent",
    "Certificate",
    "CertificateAttempt",
    "Module",
    "PracticeAnswer",
    "PracticeSession",
    "Question",
    "QuestionNote",
    "QuestionVersion",
    "QuizAttempt",
    "Response",
    "ReviewCard",
    "ReviewMode",
    "ReviewStatus",
    "Role",
    "SetPasswordToken",
    "Setting",
    "Team",
    "User",
    "team_managers",
    "team_members",
]
