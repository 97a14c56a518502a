"""Issue 8: one progress rule, certificates never lost in a race, missed certificates healed."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select

from quizapp.db import new_session, utcnow
from quizapp.models import Certificate, Module, QuizAttempt, Role, User
from quizapp.services import answers, certification, grading
from quizapp.services import attempts as attempts_service
from quizapp.services.progress import ModuleState, Why, progress_of
from tests.cert_helpers import NOW, attempt, certify, make_modules, pass_all
from tests.quiz_helpers import QUIZ_BANK, import_quiz, key_answer

ROUNDS = 20


def import_quiz_copy(db, tmp_path: Path, slug: str) -> Module:
    """The test quiz under another slug and question ids, as a second real module."""
    data = yaml.safe_load(QUIZ_BANK.read_text(encoding="utf-8"))
    data["module"]["slug"] = slug
    data["module"]["title"] = f"Quiz {slug}"
    data["module"]["time_limit_minutes"] = 0
    for question in data["questions"]:
        question["id"] = f"{slug}-{question['id']}"
    folder = tmp_path / slug
    folder.mkdir()
    (folder / "quiz.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (folder / "sources.yaml").write_text((QUIZ_BANK.parent / "sources.yaml").read_text(encoding="utf-8"))
    return import_quiz(db, folder / "quiz.yaml")


def answered_attempt(db, user: User, module: Module) -> QuizAttempt:
    """An open attempt with every question answered right, committed."""
    attempt = attempts_service.start_attempt(db, user, module, utcnow())
    for response in attempt.responses:
        answers.store_answer(db, attempt, response, key_answer(response.version), utcnow())
    db.commit()
    return attempt


def test_simultaneous_final_submits_never_lose_the_certificate(app, db, make_user, tmp_path):
    """Two required modules passed; the last two submitted at the same moment, 20 times: each time
    exactly one valid certificate (on SQLite and, with TEST_DATABASE_URL, on PostgreSQL)."""
    early = make_modules(db, 2)
    last = [import_quiz_copy(db, tmp_path, "final-a"), import_quiz_copy(db, tmp_path, "final-b")]
    for _ in range(ROUNDS):
        trainee = make_user(Role.TRAINEE)
        pass_all(db, trainee, early, utcnow() - timedelta(days=1))
        ids = [answered_attempt(db, trainee, m).id for m in last]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def submit(attempt_id: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
            session = new_session(app)
            try:
                now = utcnow()  # each submit reads its clock before it waits for the other
                barrier.wait()
                grading.submit_attempt(session, session.get(QuizAttempt, attempt_id), now)
                session.commit()
            except BaseException as err:  # reported below
                errors.append(err)
                session.rollback()
            finally:
                session.close()

        threads = [threading.Thread(target=submit, args=(i, barrier, errors)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        db.expire_all()
        certs = db.scalars(select(Certificate).where(Certificate.user_id == trainee.id)).all()
        window = 60
        assert [certification.status(c, utcnow(), window) for c in certs] == [certification.CertStatus.VALID]


def test_a_qualified_trainee_without_a_certificate_is_healed_on_home(client, db, make_user, auth):
    """A pass set whose certificate was never issued (a crash, a lost race) is issued on the next read."""
    modules = make_modules(db, 2)
    trainee = make_user(Role.TRAINEE)
    pass_all(db, trainee, modules, utcnow() - timedelta(hours=2))  # rows only: nothing issued them
    assert db.scalar(select(func.count()).select_from(Certificate)) == 0
    auth.login(trainee.email)
    page = client.get("/").get_data(as_text=True)
    assert "2 of 2 required modules passed" in page
    db.expire_all()
    cert = db.scalar(select(Certificate).where(Certificate.user_id == trainee.id))
    assert cert is not None and cert.issued_at == max(a.finished_at for a in db.scalars(select(QuizAttempt)))
    assert client.get("/certificate").status_code == 200
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1  # healed once, not again


def test_certs_reconcile_issues_missed_certificates_and_says_so(app, db, make_user):
    modules = make_modules(db, 2)
    healthy = make_user(Role.TRAINEE, name="Already Certified")
    certify(db, healthy, modules, utcnow())
    missed = make_user(Role.TRAINEE, name="Never Issued")
    pass_all(db, missed, modules, utcnow() - timedelta(hours=3))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certs", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "Never Issued" in result.output and "Already Certified" not in result.output
    assert "Issued 1 certificate" in result.output
    again = runner.invoke(args=["certs", "reconcile"])
    assert again.exit_code == 0 and "Issued 0 certificates" in again.output
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Certificate)) == 2


# --- one vocabulary, no contradiction ------------------------------------------------------------


def test_a_pass_older_than_the_validity_is_lapsed_everywhere(client, db, make_user, make_team, auth):
    """Home must not show "Passed" under "0 of 2 passed"; home, certificate page and manager agree."""
    team = make_team("Lapse clinic")
    modules = make_modules(db, 2)
    trainee = make_user(Role.TRAINEE, teams=[team])
    attempt(db, trainee, modules[0], utcnow() - timedelta(days=800))  # older than 24 months
    progress = progress_of(db, trainee, utcnow())
    first = progress.modules[0]
    assert (first.state, first.why, progress.passed, progress.total) == (ModuleState.LAPSED, Why.TOO_OLD, 0, 2)
    auth.login(trainee.email)
    home = client.get("/").get_data(as_text=True)
    assert "0 of 2 required modules passed" in home
    assert "Pass lapsed" in home and ">Passed<" not in home
    certificate_page = client.get("/certificate").get_data(as_text=True)
    assert "Pass lapsed" in certificate_page and ">Passed<" not in certificate_page
    auth.logout()
    make_user(Role.MANAGER, managed=[team], email="lapse-manager@example.com")
    auth.login("lapse-manager@example.com")
    overview = client.get("/manager/trainees").get_data(as_text=True)  # the filter form lists every state
    assert "Pass lapsed</span>" in overview and ">Passed</span>" not in overview


def test_after_a_revocation_earlier_passes_need_renewing(db, make_user):
    modules = make_modules(db, 2)
    trainee = make_user(Role.TRAINEE)
    admin = make_user(Role.ADMIN)
    cert = certify(db, trainee, modules, NOW)
    certification.revoke(db, cert, admin, "Shared account", NOW + timedelta(days=1))
    db.commit()
    progress = progress_of(db, trainee, NOW + timedelta(days=2))
    assert progress.passed == 0
    assert {(m.state, m.why) for m in progress.modules} == {(ModuleState.LAPSED, Why.REVOKED)}


def test_inside_the_renewal_window_old_passes_need_renewing(db, make_user):
    modules = make_modules(db, 2)
    trainee = make_user(Role.TRAINEE)
    cert = certify(db, trainee, modules, NOW)
    inside = cert.expires_at - timedelta(days=10)
    progress = progress_of(db, trainee, inside)
    assert progress.passed == 0 and progress.since is not None
    assert {(m.state, m.why) for m in progress.modules} == {(ModuleState.LAPSED, Why.RENEWAL)}
    # outside the window the passes that earned the certificate are shown as passed
    assert progress_of(db, trainee, NOW + timedelta(days=30)).passed == 2


def test_not_passed_says_why(client, db, make_user, auth):
    module = import_quiz(db)
    trainee = make_user(Role.TRAINEE)
    attempt_ = attempts_service.start_attempt(db, trainee, module, utcnow())
    for response in attempt_.responses:  # everything right but the critical question
        version = response.version
        answer = key_answer(version)
        if version.critical:
            answer = (answer + 1) % len(version.spec["options"]) if version.type == "single" else not answer
        answers.store_answer(db, attempt_, response, answer, utcnow())
    grading.submit_attempt(db, attempt_, utcnow())
    db.commit()
    assert attempt_.passed is False and attempt_.percent >= 80
    item = progress_of(db, trainee, utcnow()).modules[0]
    assert (item.state, item.why) == (ModuleState.NOT_PASSED, Why.CRITICAL)
    auth.login(trainee.email)
    assert "safety-critical question missed" in client.get("/").get_data(as_text=True)


def test_progress_reads_a_fixed_number_of_queries(app, db, make_user):
    """The manager overview reads progress for every trainee at once: the count does not grow."""
    from quizapp.services import reports
    from tests.query_count import count_queries

    modules = make_modules(db, 3)
    admin = make_user(Role.ADMIN)

    def queries() -> int:
        with new_session(app) as session:
            viewer = session.get(User, admin.id)
            with count_queries(app) as statements:
                reports.build_rows(session, viewer, utcnow())
        return len(statements)

    for _ in range(2):
        trainee = make_user(Role.TRAINEE)
        pass_all(db, trainee, modules[:2], utcnow() - timedelta(days=1))
    few = queries()
    for _ in range(6):
        trainee = make_user(Role.TRAINEE)
        pass_all(db, trainee, modules[:2], utcnow() - timedelta(days=1))
    assert queries() == few


def test_many_trainees_are_read_in_slices_with_the_same_result(db, make_user, monkeypatch):
    """An admin's list of 10,000 trainees must not put 10,000 parameters in one statement (PostgreSQL
    refuses more than 65,535): ids go in slices; the result is the same whatever the slice size."""
    from quizapp.services import progress as progress_service

    modules = make_modules(db, 2)
    trainees = [make_user(Role.TRAINEE) for _ in range(5)]
    for i, trainee in enumerate(trainees):
        pass_all(db, trainee, modules[: i % 3], utcnow() - timedelta(days=1))
    whole = progress_service.progress_of_many(db, trainees, utcnow())
    monkeypatch.setattr(progress_service, "IN_SLICE", 2)
    sliced = progress_service.progress_of_many(db, trainees, utcnow())
    assert {k: [m.state for m in p.modules] for k, (p, _c) in sliced.items()} == {
        k: [m.state for m in p.modules] for k, (p, _c) in whole.items()
    }
    assert [whole[t.id][0].passed for t in trainees] == [0, 1, 2, 0, 1]
