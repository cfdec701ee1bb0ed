"""HR's audit trail, a plan's history, who can see what and subject access in Chromium, on a desktop
and on a 375 px phone: axe finds nothing and nothing is wider than the screen; the filters work
from the keyboard."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding.extensions import db

from .conftest import PHONE, assert_accessible, fits_a_phone, sign_in_with_password

LONG_EMAIL = "alexandra.montgomery-fitzwilliam.executive-assistant@northshire-teaching-hospitals.nhs.uk"


def _seed() -> dict:
    from onboarding import plans, playbooks
    from onboarding.models import PlanSupporter
    from onboarding.people import audit

    from .conftest import ROOT, make_user

    playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
    hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
    leader = make_user("leader@example.nhs.uk", "Lee Leader")
    sponsor = make_user("sponsor@example.nhs.uk", "Sam Sponsor")
    assistant = make_user(LONG_EMAIL, "Alexandra Montgomery-Fitzwilliam")
    plan = plans.create_plan(leader=leader, sponsor=sponsor, mentor=None, version=playbooks.get_playbook(
        "cdio-cio-26-weeks").latest, start=date(2026, 9, 7), months=6, actor=hr)
    db.session.add(PlanSupporter(plan_id=plan.id, user_id=assistant.id, role="assistant"))
    plans.pause(plan, hr, reason="Annual leave, back in a fortnight after the half-term break", on=date(2026, 10, 5))
    for n in range(60):  # more than a page, so the pagination shows
        audit.record(assistant, "milestone.complete", plan.milestones[n % 5], "203.0.113.7", plan=plan.id,
                     key=plan.milestones[n % 5].key)
    db.session.commit()
    return {"plan": plan.id, "assistant": assistant.id}


@pytest.mark.browser
def test_the_audit_pages_pass_axe_and_fit_a_phone(live_server, browser):
    app, base = live_server
    with app.app_context():
        ids = _seed()
    paths = ["/hr/audit", f"/hr/audit?actor={LONG_EMAIL}&action=milestone.complete&page=2",
             f"/hr/plans/{ids['plan']}/history", "/hr/access-review", "/hr/subject-access",
             f"/hr/users/{ids['assistant']}/data"]
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            sign_in_with_password(page, base, "hr@example.nhs.uk")
            for path in paths:
                page.goto(f"{base}{path}")
                assert_accessible(page)
                if viewport == PHONE:
                    fits_a_phone(page, path)
            # The filters by keyboard: the person, then on to the date boxes, then the button.
            page.goto(f"{base}/hr/audit")
            page.get_by_label("Person acting (optional)").fill("nobody@example.nhs.uk")
            page.get_by_role("button", name="Apply filters").click()
            page.wait_for_load_state("load")
            assert page.locator(".nhsuk-error-summary").inner_text().count("No user has the email address") == 1
            assert_accessible(page)  # the error summary and the message on the field
        finally:
            context.close()
