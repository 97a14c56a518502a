"""Practice service: FSRS scheduling on a frozen clock, the selection order, the edit rule, isolation."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from fsrs import Card, Rating, Scheduler
from sqlalchemy import select

from quizapp.models import (
    Certificate,
    PracticeSession,
    QuestionVersion,
    QuizAttempt,
    Response,
    ReviewCard,
    Role,
)
from quizapp.services import Forbidden, item_analysis, practice, practice_cards, practice_due
from quizapp.services import attempts as attempts_service
from quizapp.services.practice import Kind, PracticeUnavailable
from quizapp.services.practice_plan import Reason
from tests.cert_helpers import NOW
from tests.practice_helpers import graded_attempt, practice_form, question
from tests.quiz_helpers import import_quiz

# The configuration the service documents: no intra-day steps, no fuzz. Built here independently.
LIBRARY = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


@pytest.fixture
def module(db):
    return import_quiz(db)


@pytest.fixture
def trainee(make_user):
    return make_user(Role.TRAINEE)


def start(db, trainee, when=NOW, **kwargs) -> PracticeSession:
    ps = practice.start_session(db, trainee, when, rng=random.Random(3), **kwargs)
    db.commit()
    return ps


def answer(db, trainee, ps, n, *, right: bool, when=NOW, sure=False):
    parsed = practice.answer(db, trainee, ps, n, practice_form(ps.items[n - 1], right=right, sure=sure), when)
    db.commit()
    return parsed


def card_of(db, trainee, question_id) -> ReviewCard:
    db.expire_all()
    return db.scalar(select(ReviewCard).where(ReviewCard.user_id == trainee.id, ReviewCard.question_id == question_id))


# --- scheduling ----------------------------------------------------------------------------------


def test_rating_follows_the_grade(db, module, trainee):
    """Wrong → again, partly right → hard, right → good, right and sure → easy."""
    from fractions import Fraction

    from quizapp.question_types import Grade

    assert practice_cards.rating_for(Grade(Fraction(0), Fraction(1), False)) == Rating.Again
    assert practice_cards.rating_for(Grade(Fraction(1, 2), Fraction(1), False)) == Rating.Hard
    assert practice_cards.rating_for(Grade(Fraction(1), Fraction(1), True)) == Rating.Good
    assert practice_cards.rating_for(Grade(Fraction(1), Fraction(1), True), sure=True) == Rating.Easy
    assert practice_cards.rating_for(Grade(Fraction(0), Fraction(1), False), sure=True) == Rating.Again


@pytest.mark.parametrize("rating", list(Rating))
def test_first_review_due_date_is_the_librarys(rating):
    ours = practice_cards.review(None, rating, NOW)
    theirs, _ = LIBRARY.review_card(Card(card_id=0, due=NOW), rating, NOW)
    assert ours.due == theirs.due and ours.stability == theirs.stability and ours.difficulty == theirs.difficulty
    assert ours.due >= NOW + timedelta(days=1)  # daily sittings: never due again the same day


def test_due_dates_grow_from_again_to_easy():
    dues = [practice_cards.review(None, r, NOW).due for r in (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)]
    assert dues == sorted(dues) and dues[0] < dues[-1]


def test_answers_schedule_cards_on_a_frozen_clock(db, module, trainee):
    """Each answer stores the card the library computes; a second review at the due date follows on."""
    ps = start(db, trainee)
    ratings = {1: (False, False, Rating.Again), 2: (True, False, Rating.Good), 3: (True, True, Rating.Easy)}
    for n, (right, sure, rating) in ratings.items():
        answer(db, trainee, ps, n, right=right, sure=sure)
        card = card_of(db, trainee, ps.items[n - 1].question_id)
        expected, _ = LIBRARY.review_card(Card(card_id=0, due=NOW), rating, NOW)
        assert card.due == expected.due, (n, rating)
        assert card.stability == pytest.approx(expected.stability) and card.reps == 1
        assert ps.items[n - 1].rating == int(rating)
    # the good card, reviewed again on its due date and missed
    good = card_of(db, trainee, ps.items[1].question_id)
    first, _ = LIBRARY.review_card(Card(card_id=0, due=NOW), Rating.Good, NOW)
    later = first.due
    again = start(db, trainee, later)
    position = next(i.position for i in again.items if i.question_id == good.question_id)
    assert again.items[position - 1].reason == Reason.DUE
    answer(db, trainee, again, position, right=False, when=later)
    second, _ = LIBRARY.review_card(first, Rating.Again, later)
    card = card_of(db, trainee, good.question_id)
    assert card.due == second.due and card.reps == 2 and card.lapses == 1
    assert again.items[position - 1].seen_before is True


def test_a_hard_rating_for_a_partly_right_answer(db, module, trainee):
    ps = start(db, trainee)
    item = next(i for i in ps.items if i.version.type == "matching")
    version = item.version
    from quizapp.question_types import choices
    from tests.quiz_helpers import form_for

    options = choices(version.spec)
    partly = [options.index(p["right"]) for p in version.spec["pairs"]]
    partly[-1] = len(options) - 1  # the distractor for the last left only
    from werkzeug.datastructures import MultiDict

    form = MultiDict(form_for(version, item.shuffle, partly))
    practice.answer(db, trainee, ps, item.position, form, NOW)
    db.commit()
    card = card_of(db, trainee, item.question_id)
    expected, _ = LIBRARY.review_card(Card(card_id=0, due=NOW), Rating.Hard, NOW)
    assert item.rating == Rating.Hard and card.due == expected.due


# --- selection -----------------------------------------------------------------------------------


def test_selection_takes_due_then_missed_then_new(db, module, trainee):
    graded_attempt(db, trainee, module, NOW - timedelta(days=3), wrong={"tq-single", "tq-tf", "tq-numeric"})
    graded_attempt(db, trainee, module, NOW - timedelta(days=2), wrong={"tq-tf", "tq-single"})  # not passed
    # cards: tq-multiple due yesterday, tq-ordering due two days ago, tq-numeric due next week
    for key, due in (("tq-multiple", -1), ("tq-ordering", -2), ("tq-numeric", 7)):
        q = question(db, key)
        db.add(
            ReviewCard(
                user_id=trainee.id,
                question_id=q.id,
                version_id=q.current.id,
                state=2,
                stability=3.0,
                difficulty=5.0,
                due=NOW + timedelta(days=due),
                last_review=NOW - timedelta(days=5),
                reps=1,
                lapses=0,
            )
        )
    db.commit()
    ps = start(db, trainee)
    got = [(i.question.key, i.reason) for i in ps.items]
    assert got == [
        ("tq-ordering", Reason.DUE),
        ("tq-multiple", Reason.DUE),
        ("tq-single", Reason.MISSED),  # missed twice, first in the bank
        ("tq-tf", Reason.MISSED),
        ("tq-practice", Reason.PRACTICE_ONLY),  # practice-only items first among the new
        ("tq-matching", Reason.NEW),
        ("tq-single-2", Reason.NEW),
    ]
    # not offered: tq-numeric (card not due), tq-draft (draft)
    counts = practice_due.due_counts(db, trainee, NOW)
    assert counts.total == 4 and counts.of(module.id) == 4
    assert counts.cards == {module.id: 2} and counts.missed == {module.id: 2}  # the two kinds kept apart
    assert practice_due.panel(db, trainee, NOW).due == counts.total


def test_new_items_only_from_modules_not_passed(db, module, trainee):
    graded_attempt(db, trainee, module, NOW - timedelta(days=1), wrong=set())  # passed, nothing missed
    ps = start(db, trainee)
    assert [(i.question.key, i.reason) for i in ps.items] == [("tq-practice", Reason.PRACTICE_ONLY)]


def test_nothing_to_practise_is_a_clear_refusal(db, module, trainee):
    graded_attempt(db, trainee, module, NOW - timedelta(days=1), wrong=set())
    ps = start(db, trainee)
    answer(db, trainee, ps, 1, right=True)
    with pytest.raises(PracticeUnavailable, match="Nothing to practise"):
        practice.start_session(db, trainee, NOW + timedelta(minutes=5))


def test_questions_in_an_open_attempt_are_left_out(db, module, trainee):
    attempt = attempts_service.start_attempt(db, trainee, module, NOW, random.Random(1))
    db.commit()
    ps = start(db, trainee)
    drawn = {r.version.question_id for r in attempt.responses}
    assert [i.question.key for i in ps.items] == ["tq-practice"]
    assert not drawn & {i.question_id for i in ps.items}


def test_score_only_modules_are_not_practised(db, trainee):
    module = import_quiz(db, review="score_only")
    with pytest.raises(PracticeUnavailable, match="scores only"):
        practice.start_session(db, trainee, NOW, module=module)
    with pytest.raises(PracticeUnavailable):
        practice.start_session(db, trainee, NOW)


def test_only_trainees_practise(db, module, make_user):
    with pytest.raises(Forbidden):
        practice.start_session(db, make_user(Role.INSTRUCTOR), NOW)


def test_recertification_review_needs_the_renewal_window(db, module, trainee):
    with pytest.raises(PracticeUnavailable, match="renewal window"):
        practice.start_session(db, trainee, NOW, kind=Kind.RECERT)


# --- sessions ------------------------------------------------------------------------------------


def test_empty_or_repeated_answers_change_nothing(db, module, trainee):
    ps = start(db, trainee)
    from werkzeug.datastructures import MultiDict

    parsed = practice.answer(db, trainee, ps, 1, MultiDict(), NOW)
    assert parsed.error and not ps.items[0].answered
    assert card_of(db, trainee, ps.items[0].question_id) is None
    answer(db, trainee, ps, 1, right=True)
    first = card_of(db, trainee, ps.items[0].question_id)
    due, reps = first.due, first.reps
    answer(db, trainee, ps, 1, right=False, when=NOW + timedelta(days=3))  # a second submit
    again = card_of(db, trainee, ps.items[0].question_id)
    assert (again.due, again.reps) == (due, reps) and ps.items[0].full_marks is True


def test_a_new_session_ends_the_unfinished_one(db, module, trainee):
    first = start(db, trainee)
    answer(db, trainee, first, 1, right=True)
    second = start(db, trainee, NOW + timedelta(minutes=1))
    db.refresh(first)
    assert first.finished_at is not None and second.finished_at is None
    with pytest.raises(practice.PracticeClosed):
        practice.answer(db, trainee, first, 2, practice_form(first.items[1], right=True), NOW)


def test_the_session_finishes_with_its_last_answer(db, module, trainee):
    ps = start(db, trainee)
    for n in range(1, len(ps.items) + 1):
        answer(db, trainee, ps, n, right=n % 2 == 0)
    assert ps.finished_at == NOW and practice.next_open(ps) is None


# --- the edit rule -------------------------------------------------------------------------------


def new_version(db, q, **changes) -> QuestionVersion:
    current = q.current
    fields = {c: getattr(current, c) for c in ("type", "stem", "spec", "explanation", "source", "points", "critical")}
    fields.update(changes)
    version = QuestionVersion(question_id=q.id, number=current.number + 1, content_hash="x" * 64, **fields)
    db.add(version)
    db.commit()
    db.refresh(q)
    return version


def test_a_reworded_question_keeps_its_card(db, module, trainee):
    ps = start(db, trainee)
    answer(db, trainee, ps, 1, right=True)
    q = ps.items[0].question
    before = card_of(db, trainee, q.id)
    due, stability = before.due, before.stability
    version = new_version(db, q, stem=q.current.stem + " (reworded)", explanation="Clearer.")
    assert practice_cards.sync_cards(db, trainee, NOW + timedelta(hours=1)) == 0
    db.commit()
    after = card_of(db, trainee, q.id)
    assert (after.due, after.stability, after.version_id, after.reps) == (due, stability, version.id, 1)


def test_a_changed_key_resets_the_card(db, module, trainee):
    ps = start(db, trainee)
    item = next(i for i in ps.items if i.version.type == "true_false")
    answer(db, trainee, ps, item.position, right=True)
    q = item.question
    version = new_version(db, q, spec={**q.current.spec, "answer": not q.current.spec["answer"]})
    later = NOW + timedelta(hours=1)
    assert practice_cards.sync_cards(db, trainee, later) == 1
    db.commit()
    card = card_of(db, trainee, q.id)
    assert (card.due, card.reps, card.stability, card.version_id) == (later, 0, None, version.id)
    assert practice_due.due_counts(db, trainee, later).total >= 1


# --- isolation from graded data ------------------------------------------------------------------


def snapshot(db, module):
    db.expire_all()
    attempts = [
        (a.id, a.status, a.finished_at, a.awarded, a.percent, a.passed) for a in db.scalars(select(QuizAttempt))
    ]
    responses = [(r.id, r.answer, r.awarded, r.full_marks) for r in db.scalars(select(Response))]
    certs = [
        (c.id, c.code, c.issued_at, c.expires_at, c.revoked_at, c.superseded_at)
        for c in db.scalars(select(Certificate))
    ]
    stats = item_analysis.item_statistics(db, module.id, first_attempts_only=False)
    return attempts, responses, certs, repr(stats)


def test_practice_changes_no_attempt_statistic_limit_or_certificate(db, module, trainee):
    module.attempts_per_day = 2
    db.commit()
    graded_attempt(db, trainee, module, NOW - timedelta(hours=3), wrong=set())  # passed: certified
    graded_attempt(db, trainee, module, NOW - timedelta(hours=2), wrong={"tq-single", "tq-tf"})
    before = snapshot(db, module)
    assert len(before[2]) == 1 and len(before[0]) == 2
    availability = attempts_service.availability(db, trainee, module, NOW)
    ps = start(db, trainee)
    for n in range(1, len(ps.items) + 1):
        answer(db, trainee, ps, n, right=n % 2 == 1)
    assert ps.finished_at is not None
    assert snapshot(db, module) == before
    assert attempts_service.availability(db, trainee, module, NOW) == availability


def test_two_threads_answering_at_once_review_the_card_once(app, db, module, trainee):
    import threading

    from quizapp.db import new_session

    ps = start(db, trainee)
    ps_id, form = ps.id, practice_form(ps.items[0], right=True)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(right: bool) -> None:
        with app.app_context():
            session = new_session(app)
            try:
                user = session.get(type(trainee), trainee.id)
                mine = practice.get_practice(session, user, ps_id)
                barrier.wait()
                practice.answer(
                    session, user, mine, 1, form if right else practice_form(mine.items[0], right=False), NOW
                )
                session.commit()
                outcomes.append("ok")
            except Exception as err:
                outcomes.append(repr(err))
            finally:
                session.close()

    threads = [threading.Thread(target=submit, args=(right,)) for right in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["ok", "ok"]
    card = card_of(db, trainee, ps.items[0].question_id)
    db.refresh(ps.items[0])
    assert card.reps == 1 and ps.items[0].rating == (int(Rating.Good) if ps.items[0].full_marks else int(Rating.Again))
