"""Every main page of every role, at a phone's 375 px and a desktop's 1280 px: nothing wider than the
viewport, no serious or critical axe-core violation, and a screenshot under tests/e2e/artifacts/ to look at."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from quizapp.db import new_session, utcnow
from quizapp.models import Certificate, Module, QuizAttempt, Role
from quizapp.services import attempts as attempts_service
from quizapp.services import certificate_codes, certification, grading
from quizapp.services import users as users_service
from tests.cert_helpers import pass_all
from tests.e2e.pages import TRAINEE_PASSWORD, login

pytestmark = pytest.mark.e2e

WIDTHS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 900}}
# against the width asked for: a phone browser widens its layout viewport (innerWidth) to fit a wide page
OVERFLOW = "w => Math.max(document.documentElement.scrollWidth, window.innerWidth) - w"
SERIOUS = {"serious", "critical"}
LEARNER = "tour-learner@example.com"


@pytest.fixture(scope="module")
def tour(live_server) -> dict[str, list[tuple[str, str]]]:
    """Pages per role, after giving the demo trainees something to show: a certificate (trainee3), an
    open attempt, a failed one and a history (a learner of its own)."""
    app = live_server.app
    now = utcnow()
    with app.app_context(), new_session(app) as session:
        modules = list(session.scalars(select(Module).order_by(Module.order)))
        holder = users_service.find_by_email(session, "trainee3@example.com")
        if session.scalar(select(Certificate).where(Certificate.user_id == holder.id)) is None:
            pass_all(session, holder, modules, now - timedelta(hours=1))
            certification.issue_if_qualified(session, holder, now)
            session.commit()
        cert = session.scalar(select(Certificate).where(Certificate.user_id == holder.id))
        # a trainee of this test's own (the demo trainee1 stays untouched for the other tests)
        learner = users_service.find_by_email(session, LEARNER)
        if learner is None:
            learner = users_service.create_user(
                session, email=LEARNER, name="Lena Learner", role=Role.TRAINEE, password=TRAINEE_PASSWORD
            )
        by_slug = {m.slug: m for m in modules}
        failed = session.scalar(
            select(QuizAttempt).where(QuizAttempt.user_id == learner.id, QuizAttempt.passed.is_(False))
        )
        if failed is None:
            failed = attempts_service.start_attempt(session, learner, by_slug["aftercare"], now)
            grading.submit_attempt(session, failed, now)
        taking = attempts_service.start_attempt(session, learner, by_slug["procedure-steps"], now)
        ordering = next(r.position for r in taking.responses if r.version.type == "ordering")
        session.commit()
        code = certificate_codes.format_code(cert.code)
        ids = {"failed": failed.id, "taking": taking.id, "holder": holder.id}
    taking, failed = f"/attempts/{ids['taking']}", f"/attempts/{ids['failed']}"
    return {
        "anonymous": [
            ("login", "/auth/login"),
            ("verify", "/verify"),
            ("verify-found", f"/verify/{code}"),
            ("verify-not-found", "/verify/0000-0000-0000-0"),
        ],
        LEARNER: [
            ("home", "/"),
            ("lesson-aftercare", "/modules/aftercare"),
            ("lesson-procedure", "/modules/procedure-steps"),
            ("question", f"/attempts/{ids['taking']}/q/1"),
            ("question-ordering", f"/attempts/{ids['taking']}/q/{ordering}"),
            ("submit", f"/attempts/{ids['taking']}/submit"),
            ("result", f"/attempts/{ids['failed']}/result"),
            ("history", "/history"),
            ("certificate-none", "/certificate"),
        ],
        "trainee3@example.com": [
            ("home", "/"),
            ("certificate", "/certificate"),
            ("certificate-print", "/certificate/print"),
        ],
        "instructor@example.com": [("instructor", "/instructor/"), ("lesson-preview", "/modules/depth-selection")],
        "manager@example.com": [("overview", "/manager/"), ("trainee", f"/manager/trainees/{ids['holder']}")],
        "admin@example.com": [
            ("users", "/admin/users"),
            ("user-new", "/admin/users/new"),
            ("teams", "/admin/teams"),
            ("programme", "/admin/programme"),
            ("audit", "/admin/audit"),
            ("trainees", "/manager/"),
        ],
    }


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(
    "role",
    [
        "anonymous",
        LEARNER,
        "trainee3@example.com",
        "instructor@example.com",
        "manager@example.com",
        "admin@example.com",
    ],
)
def test_every_main_page_fits_and_passes_axe(new_context, tour, artifacts, role, width):
    context, watch = new_context(viewport=WIDTHS[width], is_mobile=width == "phone", has_touch=width == "phone")
    page = context.new_page()
    if role != "anonymous":
        login(page, role, TRAINEE_PASSWORD if role == LEARNER else None)
    axe = Axe()
    problems = []
    who = role.split("@")[0]
    for name, url in tour[role]:
        response = page.goto(url)
        assert response is not None and response.status in (200, 404), (url, response and response.status)
        page.wait_for_load_state("load")
        wider = page.evaluate(OVERFLOW, WIDTHS[width]["width"])
        if wider > 0:
            problems.append(f"{url} at {width}: {wider} px wider than the viewport")
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [n["target"] for n in violation["nodes"]][:3]
                problems.append(f"{url} at {width}: axe {violation['id']} ({violation['impact']}): {targets}")
        page.screenshot(path=artifacts / f"{who}-{name}-{WIDTHS[width]['width']}.png", full_page=True)
    watch.expected_status(404)  # the verify page for an unknown code
    assert not problems, "\n".join(problems)
