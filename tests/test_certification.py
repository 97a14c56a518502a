"""Certification rules at a frozen `now`: issue, expire, recertify, revoke, restore, codes, settings."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.db import new_session
from quizapp.models import AuditEvent, Certificate, CertificateAttempt, Module, Role, User
from quizapp.services import (
    NotFound,
    ServiceError,
    answers,
    certificate_codes,
    certificate_pages,
    certification,
    grading,
)
from quizapp.services import attempts as attempts_service
from quizapp.services import programme as programme_service
from quizapp.services import progress as progress_service
from quizapp.services.certification import CertStatus, add_months, status
from quizapp.services.modules import ordered_modules
from tests.cert_helpers import NOW, attempt, attempt_row, certify, make_modules, pass_all
from tests.quiz_helpers import import_quiz, key_answer

WINDOW = 60  # the default renewal window, in days

DAY = timedelta(days=1)


@pytest.fixture
def trainee(make_user):
    return make_user(Role.TRAINEE)


@pytest.fixture
def modules(db):
    return make_modules(db, 4)


def certificates(db, user) -> list[Certificate]:
    return list(db.scalars(select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)))


# --- issuing --------------------------------------------------------------------------------------


def test_no_certificate_until_every_required_module_is_passed(db, trainee, modules):
    for module in modules[:3]:
        attempt(db, trainee, module, NOW - 3 * DAY)
        assert certification.issue_if_qualified(db, trainee, NOW) is None
    progress = progress_service.progress_of(db, trainee, NOW)
    assert (progress.passed, progress.total, progress.complete) == (3, 4, False)
    assert [i.passed for i in progress.required] == [True, True, True, False]

    last = attempt(db, trainee, modules[3], NOW - DAY)
    cert = certification.issue_if_qualified(db, trainee, NOW)
    db.commit()

    assert cert is not None
    assert cert.issued_at == NOW
    assert cert.expires_at == datetime(2032, 6, 15, 12, 0, tzinfo=UTC)  # 24 months by default
    assert cert.programme == "Microneedling practitioner — face and back"
    assert status(cert, NOW, WINDOW) == CertStatus.VALID
    linked = set(db.scalars(select(CertificateAttempt.attempt_id).where(CertificateAttempt.certificate_id == cert.id)))
    assert last.id in linked and len(linked) == 4
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issued"))
    assert event.target_id == str(cert.id) and event.actor_id is None
    assert event.details["code"] == cert.code and sorted(event.details["attempt_ids"]) == sorted(linked)


def test_modules_not_required_are_not_needed(db, trainee, modules):
    optional = make_modules(db, 1, required=False, start=9)[0]
    pass_all(db, trainee, modules, NOW - DAY)
    cert = certification.issue_if_qualified(db, trainee, NOW)
    assert cert is not None
    assert optional.id not in {a.attempt.module_id for a in cert.evidence}


def test_no_required_modules_means_no_certificate(db, trainee):
    module = make_modules(db, 1, required=False)[0]
    attempt(db, trainee, module, NOW - DAY)
    assert certification.issue_if_qualified(db, trainee, NOW) is None
    assert progress_service.progress_of(db, trainee, NOW).complete is False


def test_a_pass_older_than_the_validity_does_not_count(db, trainee, modules):
    pass_all(db, trainee, modules[:3], NOW - DAY)
    attempt(db, trainee, modules[3], add_months(NOW, -24) - timedelta(minutes=1))
    assert certification.issue_if_qualified(db, trainee, NOW) is None
    assert progress_service.progress_of(db, trainee, NOW).passed == 3
    # just inside the validity it counts
    attempt(db, trainee, modules[3], add_months(NOW, -24) + timedelta(minutes=1))
    assert certification.issue_if_qualified(db, trainee, NOW) is not None


def test_failed_attempts_do_not_count(db, trainee, modules):
    pass_all(db, trainee, modules[:3], NOW - DAY)
    attempt(db, trainee, modules[3], NOW - DAY, percent="40.0", passed=False)
    assert certification.issue_if_qualified(db, trainee, NOW) is None


def test_failing_again_does_not_revoke(db, trainee, modules):
    cert = certify(db, trainee, modules)
    attempt(db, trainee, modules[0], NOW + DAY, percent="10.0", passed=False)
    later = NOW + 2 * DAY
    assert status(cert, later, WINDOW) == CertStatus.VALID
    assert certification.current_for(db, trainee, later) == cert


def test_passing_again_while_valid_issues_nothing_new(db, trainee, modules):
    cert = certify(db, trainee, modules)
    pass_all(db, trainee, modules, NOW + 10 * DAY)
    assert certification.issue_if_qualified(db, trainee, NOW + 11 * DAY) is None
    assert certificates(db, trainee) == [cert]


def test_the_best_pass_of_each_module_is_the_evidence(db, trainee, modules):
    pass_all(db, trainee, modules[1:], NOW - DAY)
    attempt(db, trainee, modules[0], NOW - 3 * DAY, percent="85.0")
    best = attempt(db, trainee, modules[0], NOW - 2 * DAY, percent="95.0")
    attempt(db, trainee, modules[0], NOW - DAY, percent="82.5")
    cert = certification.issue_if_qualified(db, trainee, NOW)
    rows = certificate_pages.evidence(db, cert)
    assert [r.module_title for r in rows] == ["Module 1", "Module 2", "Module 3", "Module 4"]
    assert rows[0].attempt_id == best.id and str(rows[0].percent) == "95.0"


def test_each_trainee_is_judged_on_their_own_passes(db, make_user, modules):
    one, two = make_user(Role.TRAINEE), make_user(Role.TRAINEE)
    pass_all(db, one, modules[:2], NOW - DAY)
    pass_all(db, two, modules[2:], NOW - DAY)
    assert certification.issue_if_qualified(db, one, NOW) is None
    assert certification.issue_if_qualified(db, two, NOW) is None


def test_a_pass_graded_late_dates_the_certificate_from_when_it_finished(db, trainee, modules):
    """An overdue attempt finished at its deadline but was graded days later, when somebody looked."""
    pass_all(db, trainee, modules[:3], NOW - 10 * DAY)
    finished = NOW - 3 * DAY
    late = attempt(db, trainee, modules[3], finished)
    cert = certification.issue_if_qualified(db, trainee, NOW, earned_at=finished)
    db.commit()
    assert cert.issued_at == finished
    assert cert.expires_at == add_months(finished, 24)
    assert late.id in {e.attempt_id for e in cert.evidence}
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issued"))
    assert event.details["expires_at"] == add_months(finished, 24).isoformat()


def test_a_late_graded_certificate_is_never_dated_before_its_evidence(db, trainee, modules):
    attempt(db, trainee, modules[1], NOW - 10 * DAY)
    early = attempt(db, trainee, modules[0], NOW - 5 * DAY, percent="85.0")
    attempt(db, trainee, modules[0], NOW - DAY, percent="100.0")  # better, but after the certificate's date
    submitted = attempt(db, trainee, modules[2], NOW - 2 * DAY)  # submitted while the overdue one lay open
    attempt(db, trainee, modules[3], NOW - 3 * DAY)
    cert = certification.issue_if_qualified(db, trainee, NOW, earned_at=NOW - 3 * DAY)
    db.commit()
    assert cert.issued_at == submitted.finished_at == NOW - 2 * DAY
    assert early.id in {e.attempt_id for e in cert.evidence}
    assert all(row.passed_at <= cert.issued_at for row in certificate_pages.evidence(db, cert))


def test_an_overdue_attempt_graded_days_later_dates_the_certificate_from_its_deadline(db, trainee):
    module = import_quiz(db, required_for_certification=True, time_limit_minutes=10)
    opened = attempts_service.start_attempt(db, trainee, module, NOW - 3 * DAY, random.Random(1))
    for response in opened.responses:
        answers.store_answer(db, opened, response, key_answer(response.version), NOW - 3 * DAY)
    db.commit()
    assert grading.finalise_if_overdue(db, opened, NOW)  # nobody looked until now
    db.commit()
    assert opened.passed and opened.finished_at == NOW - 3 * DAY + timedelta(minutes=10) + grading.GRACE
    [cert] = certificates(db, trainee)
    assert cert.issued_at == opened.finished_at


# --- the rules change: certificates due at once -----------------------------------------------------


def _settings(db, modules, *, validity: int = 24, now=NOW) -> list[str]:
    return certification.update_programme(
        db,
        name="Microneedling practitioner — face and back",
        validity_months=validity,
        renewal_window_days=60,
        required_module_ids=[m.id for m in modules],
        actor=None,
        now=now,
    )


def test_unrequiring_the_missing_module_issues_the_certificate_in_the_same_transaction(
    db,
    trainee,
    modules,
    make_user,
):
    pass_all(db, trainee, modules[:3], NOW - 3 * DAY)
    assert certification.issue_if_qualified(db, trainee, NOW - 3 * DAY) is None
    partly = make_user(Role.TRAINEE)
    pass_all(db, partly, modules[:2], NOW - 3 * DAY)
    holder = make_user(Role.TRAINEE)
    held = certify(db, holder, modules, NOW - 5 * DAY)

    changes = _settings(db, modules[:3])
    cert = db.scalar(select(Certificate).where(Certificate.user_id == trainee.id))
    assert cert is not None and cert.issued_at == NOW and status(cert, NOW, WINDOW) == CertStatus.VALID
    assert len(cert.evidence) == 3
    assert changes[-1] == "1 certificate(s) issued to trainees who now qualify"
    assert certificates(db, partly) == [] and certificates(db, holder) == [held]
    issued = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.issued", AuditEvent.target_id == str(cert.id))
    ).all()
    assert len(issued) == 1 and issued[0].actor_id is None
    db.rollback()  # nothing was committed: the certificate goes with the settings change
    assert certificates(db, trainee) == []


def test_a_longer_validity_issues_the_certificate_a_lapsed_pass_held_back(db, trainee, modules):
    _settings(db, modules, validity=12)
    attempt(db, trainee, modules[0], NOW - 14 * 30 * DAY)
    pass_all(db, trainee, modules[1:], NOW - DAY)
    assert certification.issue_if_qualified(db, trainee, NOW) is None
    _settings(db, modules, validity=24)
    [cert] = certificates(db, trainee)
    assert cert.expires_at == add_months(NOW, 24)


def test_renaming_the_programme_issues_nothing(db, trainee, modules):
    pass_all(db, trainee, modules[:3], NOW - DAY)
    certification.update_programme(
        db,
        name="Renamed",
        validity_months=24,
        renewal_window_days=60,
        required_module_ids=[m.id for m in modules],
        actor=None,
        now=NOW,
    )
    assert certificates(db, trainee) == []


# --- time: status, window, banner -------------------------------------------------------------------


def test_status_through_the_life_of_a_certificate(db, trainee, modules):
    cert = certify(db, trainee, modules)
    expires = cert.expires_at
    assert status(cert, NOW, WINDOW) == CertStatus.VALID
    assert status(cert, expires - timedelta(days=60, seconds=1), WINDOW) == CertStatus.VALID
    assert status(cert, expires - timedelta(days=60), WINDOW) == CertStatus.EXPIRING
    assert status(cert, expires - timedelta(seconds=1), WINDOW) == CertStatus.EXPIRING
    assert status(cert, expires, WINDOW) == CertStatus.EXPIRED
    assert certification.current_for(db, trainee, expires) is None
    # the window is a programme setting, read when the status is computed
    certification.update_programme(
        db,
        name="P",
        validity_months=24,
        renewal_window_days=90,
        required_module_ids=[m.id for m in modules],
        actor=None,
        now=NOW,
    )
    window = programme_service.get(db).renewal_window_days
    assert window == 90 and status(cert, expires - timedelta(days=80), window) == CertStatus.EXPIRING
    assert status(cert, expires - timedelta(days=80), 60) == CertStatus.VALID


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(datetime(2030, 1, 31, tzinfo=UTC), 1) == datetime(2030, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2028, 2, 29, tzinfo=UTC), 12) == datetime(2029, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2030, 3, 31, tzinfo=UTC), -1) == datetime(2030, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2030, 12, 15, tzinfo=UTC), 24) == datetime(2032, 12, 15, tzinfo=UTC)


def test_banner_inside_the_window_and_after_expiry(db, trainee, modules):
    assert certificate_pages.banner(db, trainee, NOW) is None
    cert = certify(db, trainee, modules)
    assert certificate_pages.banner(db, trainee, NOW) is None
    text = certificate_pages.banner(db, trainee, cert.expires_at - timedelta(days=10))
    assert text == ("Your certificate expires in 10 days — recertify by passing the required modules again.")
    assert text.level == "warning"
    assert "expires tomorrow" in certificate_pages.banner(db, trainee, cert.expires_at - timedelta(hours=3))
    expired = certificate_pages.banner(db, trainee, cert.expires_at + DAY)
    assert expired.startswith("Your certificate has expired") and expired.level == "danger"


def test_expired_certificates_stop_counting(db, trainee, modules):
    cert = certify(db, trainee, modules)
    after = cert.expires_at + DAY
    assert certification.current_for(db, trainee, after) is None
    assert progress_service.progress_of(db, trainee, after).passed == 0


# --- recertification ---------------------------------------------------------------------------------


def test_recertify_inside_the_window(db, trainee, modules):
    old = certify(db, trainee, modules)
    opens = old.expires_at - timedelta(days=60)
    inside = opens + 5 * DAY
    # passes from before the window opened do not count toward the new certificate
    pass_all(db, trainee, modules[:3], opens - DAY)
    attempt(db, trainee, modules[3], inside - DAY)
    assert certification.issue_if_qualified(db, trainee, inside) is None
    progress = progress_service.progress_of(db, trainee, inside)
    assert (progress.passed, progress.since) == (1, opens)

    pass_all(db, trainee, modules[:3], inside - timedelta(hours=1))
    new = certification.issue_if_qualified(db, trainee, inside)
    db.commit()
    assert new is not None and new.code != old.code
    assert new.expires_at == add_months(inside, 24)
    db.refresh(old)
    assert old.superseded_at == inside
    assert status(old, inside, WINDOW) == CertStatus.SUPERSEDED
    assert certification.current_for(db, trainee, inside) == new
    assert certificates(db, trainee) == [old, new]  # history kept
    assert certificate_pages.banner(db, trainee, inside) is None


def test_recertify_after_expiry_with_passes_from_the_window(db, trainee, modules):
    old = certify(db, trainee, modules)
    opens = old.expires_at - timedelta(days=60)
    pass_all(db, trainee, modules[:2], opens + DAY)
    later = old.expires_at + 30 * DAY
    pass_all(db, trainee, modules[2:], later - DAY)
    new = certification.issue_if_qualified(db, trainee, later)
    assert new is not None
    db.refresh(old)
    assert status(old, later, WINDOW) == CertStatus.EXPIRED  # an expired one is not "superseded"


def test_at_most_one_current_certificate(db, trainee, modules):
    certify(db, trainee, modules)
    for month in range(1, 60, 3):
        now = add_months(NOW, month)
        pass_all(db, trainee, modules, now - timedelta(hours=1))
        certification.issue_if_qualified(db, trainee, now)
        db.commit()
        current = [c for c in certificates(db, trainee) if status(c, now, WINDOW) in certification.CURRENT]
        assert len(current) <= 1


# --- revoke and restore ------------------------------------------------------------------------------


def test_revoke_and_restore_with_reasons_in_the_audit_log(db, trainee, modules, make_user, make_team):
    team = make_team("Clinic R")
    trainee.teams.append(team)
    manager = make_user(Role.MANAGER, managed=[team])
    cert = certify(db, trainee, modules)
    with pytest.raises(ServiceError, match="reason"):
        certification.revoke(db, cert, manager, "   ", NOW)
    certification.revoke(db, cert, manager, "Issued on a shared account", NOW + DAY)
    db.commit()
    assert status(cert, NOW + DAY, WINDOW) == CertStatus.REVOKED
    assert (cert.revoked_reason, cert.revoked_by_id) == ("Issued on a shared account", manager.id)
    with pytest.raises(ServiceError, match="already revoked"):
        certification.revoke(db, cert, manager, "again", NOW + DAY)

    with pytest.raises(ServiceError, match="reason"):
        certification.restore(db, cert, manager, "", NOW + 2 * DAY)
    certification.restore(db, cert, manager, "Checked: the trainee took the quizzes", NOW + 2 * DAY)
    db.commit()
    assert status(cert, NOW + 2 * DAY, WINDOW) == CertStatus.VALID
    with pytest.raises(ServiceError, match="not revoked"):
        certification.restore(db, cert, manager, "again", NOW + 2 * DAY)

    events = db.scalars(select(AuditEvent).where(AuditEvent.target_type == "certificate").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["certificate.issued", "certificate.revoked", "certificate.restored"]
    assert events[1].details["reason"] == "Issued on a shared account" and events[1].actor_id == manager.id
    assert events[2].details["reason"] == "Checked: the trainee took the quizzes"


def test_a_revoked_certificate_is_earned_again_only_with_new_passes(db, trainee, modules, make_user):
    admin = make_user(Role.ADMIN)
    cert = certify(db, trainee, modules)
    certification.revoke(db, cert, admin, "Exam irregularity", NOW + DAY)
    attempt(db, trainee, modules[0], NOW + 2 * DAY)
    assert certification.issue_if_qualified(db, trainee, NOW + 2 * DAY) is None
    pass_all(db, trainee, modules[1:], NOW + 3 * DAY)
    new = certification.issue_if_qualified(db, trainee, NOW + 3 * DAY)
    assert new is not None and status(cert, NOW + 3 * DAY, WINDOW) == CertStatus.REVOKED


def test_restoring_an_older_certificate_keeps_the_newer_one_current(db, trainee, modules, make_user):
    admin = make_user(Role.ADMIN)
    old = certify(db, trainee, modules)
    certification.revoke(db, old, admin, "Mistake", NOW + DAY)
    pass_all(db, trainee, modules, NOW + 2 * DAY)
    new = certification.issue_if_qualified(db, trainee, NOW + 2 * DAY)
    db.commit()
    certification.restore(db, old, admin, "Revoked by mistake", NOW + 3 * DAY)
    db.commit()
    assert status(old, NOW + 3 * DAY, WINDOW) == CertStatus.SUPERSEDED
    assert status(new, NOW + 3 * DAY, WINDOW) == CertStatus.VALID


# --- codes ----------------------------------------------------------------------------------------


def test_codes_have_65_random_bits_in_crockford_base32():
    requested = []

    def bits(n):
        requested.append(n)
        return 2**n - 1

    assert certificate_codes.generate_code(bits) == "Z" * 13
    assert requested == [65]
    code = certificate_codes.generate_code()
    assert len(code) == 13 and set(code) <= set(certificate_codes.ALPHABET)
    assert not set(code) & set("ILOU")
    assert len({certificate_codes.generate_code() for _ in range(2000)}) == 2000


def test_display_form_groups_by_four():
    assert certificate_codes.format_code("7K3Q9XPM2D4TV") == "7K3Q-9XPM-2D4T-V"


@pytest.mark.parametrize(
    "typed",
    [
        "7K3Q-9XPM-2D4T-V",
        "7k3q9xpm2d4tv",
        " 7K3Q 9XPM 2D4T V ",
        "7k3q–9xpm–2d4t–v",
        "7K3Q-9XPM-2D4T-V\n",
    ],
)
def test_lookup_ignores_case_dashes_and_spaces(typed):
    assert certificate_codes.normalise_code(typed) == "7K3Q9XPM2D4TV"


def test_lookup_reads_i_and_l_as_one_and_o_as_zero():
    assert certificate_codes.normalise_code("iL0o-ABCD-EFGH-J") == "1100ABCDEFGHJ"
    assert certificate_codes.normalise_code("OOOO-IIII-LLLL-1") == "0000111111111"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "7K3Q-9XPM-2D4T",
        "7K3Q-9XPM-2D4T-VV",
        "UUUU-UUUU-UUUU-U",
        "7K3Q/9XPM/2D4T/V",
        "<script>",
        "7K3Q-9XPM-2D4T-V'--",
    ],
)
def test_malformed_codes_are_refused(typed):
    assert certificate_codes.normalise_code(typed) is None


def test_unique_code_retries_on_a_clash(db, trainee, modules):
    cert = certify(db, trainee, modules)
    taken = int("".join(f"{certificate_codes.ALPHABET.index(c):05b}" for c in cert.code), 2)
    script = iter([taken, taken, 12345])
    code = certificate_codes.unique_code(db, lambda n: next(script))
    assert code != cert.code and code == certificate_codes.generate_code(lambda n: 12345)
    with pytest.raises(ServiceError):
        certificate_codes.unique_code(db, lambda n: taken, tries=3)


def test_verify_url_uses_the_configured_base():
    assert certificate_codes.verify_url("7K3Q9XPM2D4TV", "https://certs.example/") == (
        "https://certs.example/verify/7K3Q-9XPM-2D4T-V"
    )


def test_find_by_code_accepts_typed_variants(db, trainee, modules):
    cert = certify(db, trainee, modules)
    typed = certificate_codes.format_code(cert.code).lower().replace("0", "o").replace("1", "l")
    assert certificate_codes.find_by_code(db, typed) == cert
    assert certificate_codes.find_by_code(db, "0000-0000-0000-0") is None
    assert certificate_codes.find_by_code(db, "nonsense") is None


# --- programme settings -------------------------------------------------------------------------------


def test_programme_settings_default_to_the_config_and_are_audited(app, db, trainee, modules, make_user):
    admin = make_user(Role.ADMIN)
    with app.app_context():
        assert programme_service.get(db) == programme_service.Programme(
            "Microneedling practitioner — face and back", 24, 60
        )
        changes = certification.update_programme(
            db,
            name="Microneedling practitioner",
            validity_months=12,
            renewal_window_days=30,
            required_module_ids=[modules[0].id, modules[1].id],
            actor=admin,
            now=NOW,
        )
        db.commit()
        assert programme_service.get(db) == programme_service.Programme("Microneedling practitioner", 12, 30)
    assert len(changes) == 5
    assert [m.slug for m in ordered_modules(db, required_only=True)] == ["module-1", "module-2"]
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)).all()
    assert actions.count("programme.updated") == 3 and actions.count("module.required_changed") == 2
    # new certificates use the new settings
    cert = certify(db, trainee, modules[:2])
    assert cert.programme == "Microneedling practitioner"
    assert cert.expires_at == add_months(NOW, 12)


@pytest.mark.parametrize(
    "name, months, days, problem",
    [
        ("", 24, 60, "needs a name"),
        ("P", 0, 60, "between 1 and 120"),
        ("P", 121, 60, "between 1 and 120"),
        ("P", 24, -1, "between 0 and 365"),
        ("P", 2, 60, "shorter than the validity"),
    ],
)
def test_programme_settings_are_validated(db, name, months, days, problem):
    with pytest.raises(ServiceError, match=problem):
        certification.update_programme(
            db, name=name, validity_months=months, renewal_window_days=days, required_module_ids=[], actor=None, now=NOW
        )


def test_revoke_and_restore_reach_only_trainees_in_the_actors_scope(db, trainee, modules, make_user, make_team):
    """Nobody acts on their own certificate; managers act only on trainees of teams they manage."""
    team, other = make_team("Clinic S"), make_team("Clinic T")
    trainee.teams.append(team)
    outsider = make_user(Role.MANAGER, managed=[other])
    manager = make_user(Role.MANAGER, managed=[team], teams=[team])
    cert = certify(db, trainee, modules)
    with pytest.raises(NotFound):
        certification.revoke(db, cert, outsider, "not my team", NOW + DAY)
    with pytest.raises(NotFound):
        certification.revoke(db, cert, make_user(Role.INSTRUCTOR), "not a manager", NOW + DAY)
    with pytest.raises(NotFound):  # the holder themself
        certification.revoke(db, cert, trainee, "mine", NOW + DAY)
    # a manager holding a certificate (from earlier training) cannot restore it, nor can another manager
    # of the same team revoke it: only trainees are overseen
    own = certification.revoke(db, cert, manager, "for the test", NOW + DAY)
    own.user_id = manager.id
    db.flush()
    db.refresh(own)
    with pytest.raises(NotFound):
        certification.restore(db, own, manager, "my own", NOW + 2 * DAY)
    admin = make_user(Role.ADMIN)
    with pytest.raises(NotFound):
        certification.restore(db, own, admin, "a manager's", NOW + 2 * DAY)
    assert own.revoked_at is not None


# --- concurrency ------------------------------------------------------------------------------------


def _race(app, user_id: int, work) -> list:
    """Run `work(session, user)` in two threads with their own sessions, released together."""
    barrier = threading.Barrier(2)
    results: list = [None, None]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        session = new_session(app)
        try:
            user = session.get(User, user_id)
            results[i] = work(session, user, barrier, i)
            session.commit()
        except BaseException as err:
            errors.append(err)
            session.rollback()
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


@pytest.mark.postgres_only
def test_concurrent_submits_issue_exactly_one_certificate(app, db, trainee, modules):
    pass_all(db, trainee, modules, NOW - DAY)

    def work(session, user, barrier, _i):
        barrier.wait()
        cert = certification.issue_if_qualified(session, user, NOW)
        return cert.id if cert else None

    results = _race(app, trainee.id, work)
    assert sum(r is not None for r in results) == 1
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1


@pytest.mark.postgres_only
def test_concurrent_last_two_passes_still_issue_one_certificate(app, db, trainee, modules):
    """Each submit sees only its own uncommitted pass; the lock makes the later one see both."""
    pass_all(db, trainee, modules[:2], NOW - DAY)

    def work(session, user, barrier, i):
        session.add(attempt_row(user, session.get(Module, modules[2 + i].id), NOW - timedelta(minutes=5)))
        session.flush()  # graded inside the submit's transaction, not yet committed
        barrier.wait()
        cert = certification.issue_if_qualified(session, user, NOW)
        return cert.id if cert else None

    results = _race(app, trainee.id, work)
    assert sum(r is not None for r in results) == 1
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1


@pytest.mark.postgres_only
def test_unrequiring_a_module_while_the_last_pass_is_graded_issues_one_certificate(app, db, trainee, modules):
    """Whichever takes the trainee's lock first, the later one sees the other's work."""
    pass_all(db, trainee, modules[:2], NOW - DAY)

    def work(session, user, barrier, i):
        if i == 0:  # the submit of module 3, graded inside its transaction
            session.add(attempt_row(user, session.get(Module, modules[2].id), NOW - timedelta(minutes=5)))
            session.flush()
            barrier.wait()
            return certification.issue_if_qualified(session, user, NOW)
        barrier.wait()  # an admin makes module 4 optional
        return _settings(session, modules[:3])

    _race(app, trainee.id, work)
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1


def test_two_simultaneous_revocations_record_one(app, db, trainee, modules, make_user):
    cert = certify(db, trainee, modules)
    admin = make_user(Role.ADMIN)

    def work(session, _user, barrier, i):
        target, actor = session.get(Certificate, cert.id), session.get(User, admin.id)
        barrier.wait()
        try:
            certification.revoke(session, target, actor, f"reason {i}", NOW + DAY)
        except ServiceError:
            return "refused"
        return "revoked"

    assert sorted(_race(app, trainee.id, work)) == ["refused", "revoked"]
    assert (
        db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "certificate.revoked")) == 1
    )
