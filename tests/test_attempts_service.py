"""The attempt rules without HTTP: draw, resume, save, deadline, grading, limits, double submit."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from quizapp.db import new_session
from quizapp.models import AttemptStatus, QuizAttempt, Response, Role
from quizapp.services import Forbidden, NotFound, answers, attempt_overview, attempt_pages, grading
from quizapp.services import attempts as svc
from quizapp.services.answers import AttemptClosed, TooLate
from quizapp.services.attempts import QuizUnavailable
from tests.quiz_helpers import form_for, import_quiz, key_answer, wrong_answer

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def module(db):
    return import_quiz(db)


@pytest.fixture
def trainee(make_user):
    return make_user(Role.TRAINEE)


def answer_all(db, attempt, chooser, now):
    for r in attempt.responses:
        answers.save_answer(db, attempt, r, MultiDict(form_for(r.version, r.shuffle, chooser(r.version))), now)
    db.commit()


def test_draw_takes_only_usable_questions_and_honours_minimums(db, module, trainee):
    for seed in range(20):
        attempt = svc.start_attempt(db, trainee, module, T0 + timedelta(days=seed), random.Random(seed))
        keys = [r.version.question.key for r in attempt.responses]
        assert len(keys) == 7 and len(set(keys)) == 7
        assert "tq-practice" not in keys and "tq-draft" not in keys
        assert sum("face" in r.version.question.tags for r in attempt.responses) >= 2
        grading.submit_attempt(db, attempt, T0 + timedelta(days=seed, minutes=1))
        db.commit()


def test_draw_minimum_is_met_even_when_random_fill_would_miss_it(db, trainee):
    module = import_quiz(db, questions_per_attempt=3, draw=[{"tag": "back", "count": 1}])
    for seed in range(15):
        attempt = svc.start_attempt(db, trainee, module, T0 + timedelta(days=seed), random.Random(seed))
        assert any("back" in r.version.question.tags for r in attempt.responses)
        grading.submit_attempt(db, attempt, T0 + timedelta(days=seed, minutes=1))
        db.commit()


def test_impossible_draw_is_refused_with_a_message(db, trainee):
    module = import_quiz(db, draw=[{"tag": "back", "count": 3}])
    with pytest.raises(QuizUnavailable, match="tagged “back”"):
        svc.start_attempt(db, trainee, module, T0)
    module.draw, module.questions_per_attempt = [], 50
    with pytest.raises(QuizUnavailable, match="needs 50 usable questions"):
        svc.start_attempt(db, trainee, module, T0)


def test_shuffles_are_stored_and_differ_from_key_for_ordering(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0, random.Random(1))
    db.commit()
    for r in attempt.responses:
        if r.version.type == "ordering":
            assert r.shuffle["items"] != list(range(len(r.version.spec["items"])))
        if r.version.type in ("single", "multiple"):
            assert sorted(r.shuffle["options"]) == list(range(len(r.version.spec["options"])))


def test_start_while_open_resumes_same_attempt_with_same_draw(db, module, trainee):
    first = svc.start_attempt(db, trainee, module, T0)
    db.commit()
    again = svc.start_attempt(db, trainee, module, T0 + timedelta(minutes=2))
    assert again.id == first.id
    assert [(r.question_version_id, r.shuffle) for r in again.responses] == [
        (r.question_version_id, r.shuffle) for r in first.responses
    ]


def test_only_trainees_take_quizzes(db, module, make_user):
    with pytest.raises(Forbidden):
        svc.start_attempt(db, make_user(Role.INSTRUCTOR), module, T0)


def test_save_and_grade_full_marks(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    answer_all(db, attempt, key_answer, T0 + timedelta(minutes=1))
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=2))
    db.commit()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.passed is True and attempt.percent == Decimal("100.0")
    assert attempt.possible == sum(r.version.points for r in attempt.responses)


def test_all_wrong_fails(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    answer_all(db, attempt, wrong_answer, T0 + timedelta(minutes=1))
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=2))
    assert attempt.passed is False and attempt.percent < 50


def test_critical_question_wrong_fails_whatever_the_total(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    chooser = lambda v: wrong_answer(v) if v.critical else key_answer(v)  # noqa: E731
    answer_all(db, attempt, chooser, T0 + timedelta(minutes=1))
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=2))
    assert attempt.percent >= 80 and attempt.passed is False
    assert [r.version.question.key for r in grading.failed_critical(attempt)] == ["tq-single"]


def test_pass_mark_compares_exact_fraction(db, module, trainee):
    # 7 questions, 8 points (ordering is worth 2): miss one 1-point question -> 7/8 = 87.5 %
    attempt = svc.start_attempt(db, trainee, module, T0)
    missed = next(r for r in attempt.responses if r.version.question.key == "tq-single-2")
    chooser = lambda v: wrong_answer(v) if v.question.key == "tq-single-2" else key_answer(v)  # noqa: E731
    answer_all(db, attempt, chooser, T0)
    attempt.pass_mark = 88
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=1))
    assert attempt.percent == Decimal("87.5") and attempt.passed is False
    assert missed.awarded == 0


@pytest.mark.parametrize(
    ("awarded", "possible", "shown"),
    [
        (Fraction(7, 8), 1, "87.5"),
        (Fraction(2, 3), 1, "66.7"),
        (Fraction(1, 3), 1, "33.3"),
        (Fraction(1, 8), 1, "12.5"),
        (Fraction(1, 16), 1, "6.3"),
        (Fraction(0), 4, "0.0"),
        (Fraction(4), 4, "100.0"),
    ],
)
def test_percent_rounds_half_up(awarded, possible, shown):
    assert str(grading.percent_half_up(awarded, possible)) == shown


def test_unanswered_scores_zero(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=1))
    assert attempt.percent == Decimal("0.0") and attempt.passed is False


def test_malformed_answer_is_rejected_with_message_and_counts_unanswered(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    numeric = next(r for r in attempt.responses if r.version.type == "numeric")
    parsed = answers.save_answer(db, attempt, numeric, MultiDict({"answer": "1.5 cm"}), T0)
    assert parsed.error and numeric.answer is None
    parsed = answers.save_answer(db, attempt, numeric, MultiDict({"answer": "0,25"}), T0)
    assert parsed.error is None and numeric.answer == "0.25"
    single = next(r for r in attempt.responses if r.version.type == "single")
    parsed = answers.save_answer(db, attempt, single, MultiDict({"answer": "99"}), T0)
    assert parsed.error and single.answer is None


def test_answers_after_deadline_plus_grace_are_not_saved(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)  # 10 minute limit
    r1, r2 = attempt.responses[0], attempt.responses[1]
    answers.save_answer(
        db,
        attempt,
        r1,
        MultiDict(form_for(r1.version, r1.shuffle, key_answer(r1.version))),
        T0 + timedelta(minutes=10, seconds=29),
    )  # inside the grace period
    db.commit()
    with pytest.raises(TooLate):
        answers.save_answer(
            db,
            attempt,
            r2,
            MultiDict(form_for(r2.version, r2.shuffle, key_answer(r2.version))),
            T0 + timedelta(minutes=10, seconds=31),
        )
    db.commit()
    assert attempt.status == AttemptStatus.EXPIRED
    assert r1.full_marks is True and r2.answer is None
    assert attempt.finished_at == T0 + timedelta(minutes=10, seconds=30)


def test_overdue_attempt_is_graded_when_anyone_next_looks(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    answer_all(db, attempt, key_answer, T0 + timedelta(minutes=1))
    later = T0 + timedelta(days=2)
    seen = attempt_pages.get_attempt(db, trainee, attempt.id, later)
    db.commit()
    assert seen.status == AttemptStatus.EXPIRED and seen.passed is True


def test_close_overdue_for_a_scheduler(db, module, make_user):
    a = svc.start_attempt(db, make_user(Role.TRAINEE), module, T0)
    b = svc.start_attempt(db, make_user(Role.TRAINEE), module, T0 + timedelta(minutes=9))
    db.commit()
    assert grading.close_overdue(db, T0 + timedelta(minutes=11)) == 1
    db.commit()
    assert a.status == AttemptStatus.EXPIRED and b.status == AttemptStatus.OPEN


def test_untimed_attempt_never_expires(db, trainee):
    module = import_quiz(db, time_limit_minutes=0)
    attempt = svc.start_attempt(db, trainee, module, T0)
    assert attempt.deadline is None
    assert attempt_pages.get_attempt(db, trainee, attempt.id, T0 + timedelta(days=30)).is_open


def test_submit_twice_grades_once(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    answer_all(db, attempt, key_answer, T0)
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=1))
    db.commit()
    first = (attempt.finished_at, attempt.percent)
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=5))
    db.commit()
    assert (attempt.finished_at, attempt.percent) == first


def test_no_saving_into_a_submitted_attempt(db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=1))
    db.commit()
    r = attempt.responses[0]
    with pytest.raises(AttemptClosed):
        answers.save_answer(db, attempt, r, MultiDict(form_for(r.version, r.shuffle, key_answer(r.version))), T0)


def test_attempt_of_another_trainee_is_not_found(db, module, make_user):
    owner, other = make_user(Role.TRAINEE), make_user(Role.TRAINEE)
    attempt = svc.start_attempt(db, owner, module, T0)
    db.commit()
    with pytest.raises(NotFound):
        attempt_pages.get_attempt(db, other, attempt.id, T0)


def test_attempts_per_day_rolling_window(db, module, trainee):
    for i in range(3):
        attempt = svc.start_attempt(db, trainee, module, T0 + timedelta(hours=i))
        grading.submit_attempt(db, attempt, T0 + timedelta(hours=i, minutes=1))
        db.commit()
    avail = svc.availability(db, trainee, module, T0 + timedelta(hours=5))
    assert not avail.can_start and avail.next_at == T0 + timedelta(hours=24)
    with pytest.raises(QuizUnavailable, match="all 3 attempts"):
        svc.start_attempt(db, trainee, module, T0 + timedelta(hours=5))
    assert svc.start_attempt(db, trainee, module, T0 + timedelta(hours=24, seconds=1)).is_open


def test_cooldown_after_a_fail(db, trainee):
    module = import_quiz(db, cooldown_minutes=30)
    attempt = svc.start_attempt(db, trainee, module, T0)
    grading.submit_attempt(db, attempt, T0 + timedelta(minutes=1))
    db.commit()
    with pytest.raises(QuizUnavailable, match="review the lesson"):
        svc.start_attempt(db, trainee, module, T0 + timedelta(minutes=20))
    assert svc.start_attempt(db, trainee, module, T0 + timedelta(minutes=32)).is_open


def test_retake_after_pass_allowed_and_best_counts(db, module, trainee):
    a = svc.start_attempt(db, trainee, module, T0)
    answer_all(db, a, key_answer, T0)
    grading.submit_attempt(db, a, T0 + timedelta(minutes=1))
    db.commit()
    b = svc.start_attempt(db, trainee, module, T0 + timedelta(minutes=5))
    grading.submit_attempt(db, b, T0 + timedelta(minutes=6))
    db.commit()
    [card] = attempt_overview.home_page(db, trainee, T0 + timedelta(minutes=7)).cards
    status = card.progress
    assert status.state == "passed" and status.best.id == a.id and status.last.id == b.id


def test_edited_question_keeps_the_version_answered(db, module, trainee):
    import yaml

    from quizapp.bank_loader import load_banks
    from quizapp.services.banks import import_bank
    from tests.quiz_helpers import QUIZ_BANK

    attempt = svc.start_attempt(db, trainee, module, T0)
    db.commit()
    shown = {r.version.question.key: r.version.stem for r in attempt.responses}
    data = yaml.safe_load(QUIZ_BANK.read_text())
    for q in data["questions"]:
        q["stem"] = q["stem"] + " (edited)"
    edited = QUIZ_BANK.parent / "edited.yaml"
    try:
        edited.write_text(yaml.safe_dump(data, allow_unicode=True))
        report = import_bank(db, load_banks([edited]))
        db.commit()
    finally:
        edited.unlink()
    assert report.updated == 9
    db.expire_all()
    attempt = db.get(QuizAttempt, attempt.id)
    assert {r.version.question.key: r.version.stem for r in attempt.responses} == shown
    assert all(r.version.question.current.stem.endswith("(edited)") for r in attempt.responses)


def test_two_threads_submitting_at_once_grade_once(app, db, module, trainee):
    attempt = svc.start_attempt(db, trainee, module, T0)
    answer_all(db, attempt, key_answer, T0)
    attempt_id = attempt.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        with app.app_context():
            session = new_session(app)
            try:
                mine = attempt_pages.get_attempt(session, trainee, attempt_id, T0 + timedelta(minutes=1))
                barrier.wait()
                grading.submit_attempt(session, mine, T0 + timedelta(minutes=1))
                session.commit()
                outcomes.append("ok")
            except Exception as err:
                outcomes.append(repr(err))
            finally:
                session.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["ok", "ok"]
    db.expire_all()
    graded = db.get(QuizAttempt, attempt_id)
    assert graded.status == AttemptStatus.SUBMITTED and graded.passed is True
    from sqlalchemy import func, select

    from quizapp.models import AuditEvent, Certificate

    # graded once: the pass completed the (only) required module exactly once
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "certificate.issued")) == 1


def test_concurrent_start_creates_one_open_attempt(app, db, module, trainee):
    """Two Start requests at once: the unique index keeps one open attempt."""
    from sqlalchemy.exc import IntegrityError

    svc.start_attempt(db, trainee, module, T0)
    db.commit()
    other = new_session(app)
    try:
        from quizapp.models import Module

        module2 = other.get(Module, module.id)
        trainee2 = other.get(type(trainee), trainee.id)
        attempt = QuizAttempt(
            user_id=trainee2.id,
            module_id=module2.id,
            status=AttemptStatus.OPEN,
            started_at=T0,
            pass_mark=80,
            time_limit_minutes=0,
            review=module2.review,
            question_count=0,
        )
        other.add(attempt)
        with pytest.raises(IntegrityError):
            other.flush()
        other.rollback()
    finally:
        other.close()


@pytest.mark.parametrize("written", [False, True])
@pytest.mark.parametrize(
    ("answer", "draft"), [(None, None), ("0.25", None), (None, {"answer": "abc"}), (2, {"a": "b"})]
)
def test_answered_and_unsaved_agree_in_python_and_sql(db, module, trainee, answer, draft, written):
    """The navigator's light query reads the same rule as the pages: SQL NULL and JSON null both mean none."""
    attempt = svc.start_attempt(db, trainee, module, T0)
    response = attempt.responses[0]
    if written or answer is not None or draft is not None:  # an ORM write of None stores JSON null
        response.answer, response.draft = answer, draft
    db.commit()
    in_sql = db.execute(select(Response.answered, Response.unsaved).where(Response.id == response.id)).one()
    assert (response.answered, response.unsaved) == tuple(in_sql) == (answer is not None, draft is not None)
    navigator = attempt_pages.navigator(db, attempt)
    assert [i.position for i in navigator.items] == list(range(1, attempt.question_count + 1))
    assert navigator.answered == ([1] if answer is not None else [])
    assert navigator.unsaved == ([1] if draft is not None else [])
