"""What the loader returns: plain, frozen dataclasses, and the problems it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quizapp.question_types import content_hash
from quizapp.question_types.base import is_usable


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a bank file, located by file, line and question id."""

    file: str
    line: int
    qid: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.qid}: {self.message}"


class BankError(Exception):
    """The banks have problems; nothing may be imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join([f"{len(problems)} problem(s) in the question banks:", *map(str, problems)]))


@dataclass(frozen=True, kw_only=True)
class QuestionSpec:
    """A checked question with its spec normalised as a QuestionVersion stores it."""

    id: str
    type: str
    stem: str
    spec: dict[str, Any]
    explanation: str
    source: str
    tags: list[str] = field(default_factory=list)
    group: str | None = None
    points: int = 1
    critical: bool = False
    review_status: str = "approved"
    assessed: bool = True
    line: int = 0

    @property
    def usable(self) -> bool:
        """May be drawn into a graded attempt (a file entry is never retired)."""
        return is_usable(self.review_status, self.assessed, retired=False)

    def version_fields(self) -> dict[str, Any]:
        """The fields of an immutable QuestionVersion."""
        return {
            "type": self.type,
            "stem": self.stem,
            "spec": self.spec,
            "explanation": self.explanation,
            "source": self.source,
            "points": self.points,
            "critical": self.critical,
        }

    @property
    def content_hash(self) -> str:
        """Hash of the version fields; unchanged content gives an unchanged hash."""
        return content_hash(self.version_fields())


@dataclass(frozen=True, kw_only=True)
class ModuleSpec:
    """A checked module with its settings and questions."""

    slug: str
    title: str
    order: int
    pass_mark: int
    questions_per_attempt: int
    time_limit_minutes: int = 0
    required_for_certification: bool
    review: str = "full"
    draw: list[dict[str, Any]] = field(default_factory=list)
    attempts_per_day: int = 3
    cooldown_minutes: int = 0
    lesson: str
    questions: list[QuestionSpec]
    path: str = ""
    line: int = 0  # of the `module:` mapping in its file

    @property
    def usable(self) -> list[QuestionSpec]:
        """Questions that may be drawn into a graded attempt."""
        return [q for q in self.questions if q.usable]

    def settings(self) -> dict[str, Any]:
        """The module's own fields, as the Module row holds them."""
        return {
            "slug": self.slug,
            "title": self.title,
            "order": self.order,
            "pass_mark": self.pass_mark,
            "questions_per_attempt": self.questions_per_attempt,
            "time_limit_minutes": self.time_limit_minutes,
            "required_for_certification": self.required_for_certification,
            "review": self.review,
            "draw": [dict(rule) for rule in self.draw],
            "attempts_per_day": self.attempts_per_day,
            "cooldown_minutes": self.cooldown_minutes,
            "lesson": self.lesson,
        }


@dataclass(frozen=True)
class Bank:
    """Every module read, and the citable sources (id -> title, url or seed, tier)."""

    modules: list[ModuleSpec]
    sources: dict[str, dict[str, Any]]
