"""Issue 15: the trainee's home reads light rows, and the per-process copy of the modules never goes stale,
whichever worker changed them."""

from __future__ import annotations

from datetime import timedelta

from quizapp.db import new_session, utcnow
from quizapp.models import Module, QuizAttempt, Role
from quizapp.services import practice, practice_due
from quizapp.services import programme as programme_service
from quizapp.services.modules import cached_modules, ordered_modules
from quizapp.services.progress import progress_of_many, trainee_progress
from tests.cert_helpers import attempt, certify, make_modules
from tests.practice_helpers import graded_attempt
from tests.quiz_helpers import import_quiz


def test_a_module_changed_by_another_worker_shows_at_once(make_app, client, db, login_as):
    """Two apps on one database stand for two gunicorn workers: the home page of one shows what the other
    committed, from the next request on."""
    modules = make_modules(db, 2)
    login_as(Role.TRAINEE)
    page = client.get("/").get_data(as_text=True)
    assert "Module 1" in page and page.count("required for the certificate") == 2
    other = make_app()  # the other worker
    with new_session(other) as session:
        module = session.get(Module, modules[0].id)
        module.title = "Needle depth, renamed"
        programme_service.update(
            session,
            name=programme_service.get(session).name,
            validity_months=24,
            renewal_window_days=60,
            required_module_ids=[modules[1].id],
            actor=None,
        )
        session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Needle depth, renamed" in page and "Module 1<" not in page
    assert page.count("required for the certificate") == 1
    assert "0 of 1 required modules passed" in page


def test_the_copy_is_reused_while_the_stamp_holds(app, db):
    make_modules(db, 2)
    _settings, stamp = programme_service.current(db)
    assert stamp is not None
    first = cached_modules(db, stamp)
    assert cached_modules(db, stamp) is first  # no query, the same copy
    assert [m.slug for m in first] == [m.slug for m in ordered_modules(db)]
    assert all(m not in db for m in first)  # copies that belong to no session
    module = db.get(Module, first[0].id)
    module.attempts_per_day = 7
    db.commit()
    _settings, renewed = programme_service.current(db)
    assert renewed != stamp and cached_modules(db, renewed)[0].attempts_per_day == 7


def test_light_progress_agrees_with_the_general_path(db, make_user):
    """Passed, not passed (score and safety-critical), in progress, lapsed and never started: the light path
    for one trainee gives what progress_of_many gives."""
    module = import_quiz(db)
    others = make_modules(db, 2, start=5)
    now = utcnow()
    trainee = make_user(Role.TRAINEE)
    graded_attempt(db, trainee, module, now - timedelta(days=3), wrong={"tq-single", "tq-tf", "tq-numeric"})
    attempt(db, trainee, others[0], now - timedelta(days=900))  # older than the validity
    attempt(db, trainee, others[1], now - timedelta(days=2), percent="40.0", passed=False)
    certified = make_user(Role.TRAINEE)
    certify(db, certified, [module, *others], now - timedelta(days=1))
    for user in (trainee, certified):
        light, light_certs = trainee_progress(db, user, now)
        full, full_certs = progress_of_many(db, [user], now)[user.id]
        assert [c.id for c in light_certs] == [c.id for c in full_certs]
        assert (light.since, light.since_reason, light.passed, light.total) == (
            full.since,
            full.since_reason,
            full.passed,
            full.total,
        )
        for a, b in zip(light.modules, full.modules, strict=True):
            ids = lambda item: [getattr(x, "id", None) for x in (item.best, item.last, item.open_attempt)]  # noqa: E731
            assert (a.module.id, a.state, a.why, ids(a), [x.id for x in a.attempts]) == (
                b.module.id,
                b.state,
                b.why,
                ids(b),
                [x.id for x in b.attempts],
            )
    states = {p.module.slug: (p.state, p.why) for p in trainee_progress(db, trainee, now)[0].modules}
    assert states[others[0].slug][0] == "lapsed" and states[others[1].slug] == ("not_passed", "score")


def test_the_light_path_repairs_like_the_general_one(db, make_user):
    """A trainee who qualifies without a certificate gets it from the light path too (it hands over)."""
    modules = make_modules(db, 2)
    trainee = make_user(Role.TRAINEE)
    for m in modules:
        attempt(db, trainee, m, utcnow() - timedelta(hours=2))
    progress, certs = trainee_progress(db, trainee, utcnow())
    assert progress.complete and len(certs) == 1


def test_the_home_panel_counts_what_due_counts_counts(db, make_user):
    module = import_quiz(db)
    trainee = make_user(Role.TRAINEE)
    now = utcnow()
    graded_attempt(db, trainee, module, now - timedelta(days=2), wrong={"tq-single", "tq-tf"})
    assert practice_due.panel(db, trainee, now) == practice_due.Panel(
        practice_due.due_counts(db, trainee, now).total, None
    )
    started = practice.start_session(db, trainee, now)
    db.commit()
    panel = practice_due.panel(db, trainee, now)
    assert panel == practice_due.Panel(practice_due.due_counts(db, trainee, now).total, started.id) and panel.due == 2
    assert db.query(QuizAttempt).count() == 1
