"""Test helpers for practice: a graded attempt with chosen misses, the form for a practice answer."""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from quizapp.models import PracticeAnswer, Question, QuizAttempt, User
from quizapp.services import answers, grading
from quizapp.services import attempts as attempts_service
from tests.quiz_helpers import form_for, key_answer, wrong_answer


def graded_attempt(db, trainee: User, module, when: datetime, *, wrong: set[str]) -> QuizAttempt:
    """Take and submit the module's quiz at `when`, missing the questions whose keys are in `wrong`."""
    attempt = attempts_service.start_attempt(db, trainee, module, when, random.Random(7))
    for response in attempt.responses:
        version = response.version
        answer = wrong_answer(version) if version.question.key in wrong else key_answer(version)
        answers.store_answer(db, attempt, response, answer, when)
    grading.submit_attempt(db, attempt, when)
    db.commit()
    return attempt


def question(db, key: str) -> Question:
    return db.scalar(select(Question).where(Question.key == key))


def practice_form(item: PracticeAnswer, *, right: bool, sure: bool = False) -> MultiDict:
    """The form a trainee sends to answer this practice question right or wrong."""
    version = item.version
    answer = key_answer(version) if right else wrong_answer(version)
    if version.type == "numeric":
        answer = str(answer)
    fields = form_for(version, item.shuffle, answer)
    if sure:
        fields["sure"] = "1"
    pairs = [(k, v) for k, values in fields.items() for v in (values if isinstance(values, list) else [values])]
    return MultiDict(pairs)
