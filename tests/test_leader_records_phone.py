"""The leader's stakeholder, interview and goal pages and their forms, and the check-in form,
on a 375 px phone: nothing wider than the screen, axe finds nothing, dates in one style, and the
NHS.UK date input usable and accessible with and without an error."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import ClinicianInterview, Goal, Stakeholder

from .conftest import PHONE, fits_a_phone, sign_in_with_password
from .date_input import fill_date

LONG = "Chief Clinical Information Officer and Deputy Medical Director for Digital Transformation"


def _seed():
    from onboarding import playbooks

    from .conftest import ROOT, make_user

    playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
    leader, sponsor = make_user("leader@example.nhs.uk", "Lee Leader"), make_user("sponsor@example.nhs.uk", "Sam Sponsor")
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=date(2026, 9, 7), months=6)
    db.session.add_all([
        Stakeholder(plan=plan, name="Dr Ruth Adeyemi-Richardson", role=LONG, organisation="Northshire Teaching Hospitals NHS Foundation Trust",
                    power=5, interest=4, stance="champion", last_met=date(2026, 9, 10), notes="Ally on the electronic patient record. " * 4),
        Stakeholder(plan=plan, name="Graham Pike", role="Chief Financial Officer", power=5, interest=2, stance="sceptic"),
        ClinicianInterview(plan=plan, name="Dr Amir Shah", role=LONG, specialty="Emergency medicine and acute care",
                           interviewed_on=date(2026, 9, 14), priorities=["Faster log-in at shared workstations"],
                           themes=["log-in time", "handover", "duplicate data entry across systems"], follow_up="Send the roadmap."),
        Goal(plan=plan, title="Cut electronic patient record log-in time to under 10 seconds on every ward",
             objective="Support people: What Good Looks Like success measure", measure="Median log-in time from the audit logs " * 3,
             target_date=date(2026, 12, 2), status="on_track"),
    ])
    db.session.commit()
    return plan.id


@pytest.mark.browser
def test_record_pages_and_forms_fit_a_phone_and_pass_axe(live_server, browser):
    from playwright.sync_api import expect

    from .conftest import assert_accessible

    app, base = live_server
    with app.app_context():
        plan_id = _seed()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()

    def fits(what: str) -> None:
        fits_a_phone(page, what)
        assert_accessible(page)

    def sign_in(email):
        sign_in_with_password(page, base, email)

    try:
        sign_in("leader@example.nhs.uk")
        page.goto(f"{base}/plans/{plan_id}/stakeholders")
        expect(page.get_by_text("10 September 2026")).to_be_visible()
        fits("stakeholders")
        page.goto(f"{base}/plans/{plan_id}/interviews")
        expect(page.get_by_text("14 September 2026")).to_be_visible()
        fits("interviews")
        page.goto(f"{base}/plans/{plan_id}/goals")
        expect(page.get_by_text("2 December 2026")).to_be_visible()
        fits("goals")

        # Each form empty, then refused with a date error on the box at fault, then saved.
        page.goto(f"{base}/plans/{plan_id}/stakeholders/new")
        fits("new stakeholder")
        page.get_by_label("Name").fill("Priya Natarajan")
        page.get_by_role("group", name="Power").get_by_label("2").check()
        page.get_by_role("group", name="Interest").get_by_label("5").check()
        fill_date(page, "Last met (optional)", "31", "2", "2026")
        page.get_by_role("button", name="Save stakeholder").click()
        expect(page.get_by_role("link", name="Last met must be a real date")).to_be_visible()
        expect(page.locator("#last_met-day")).to_have_class("nhsuk-input nhsuk-input--width-2 nhsuk-date-input__input nhsuk-input--error")
        expect(page.locator("#last_met-month")).not_to_have_class("nhsuk-input--error")
        fits("stakeholder with a date error")
        page.get_by_role("link", name="Last met must be a real date").click()
        expect(page.locator("#last_met-day")).to_be_focused()
        page.locator("#last_met-day").fill("28")
        page.get_by_role("button", name="Save stakeholder").click()
        expect(page.get_by_text("28 February 2026")).to_be_visible()

        page.goto(f"{base}/plans/{plan_id}/interviews/new")
        fits("new interview")
        page.get_by_label("Name").fill("Claire Booth")
        fill_date(page, "Date of the interview", "21", "", "2026")
        page.get_by_role("button", name="Save interview").click()
        expect(page.get_by_role("link", name="Date of the interview must include a month")).to_be_visible()
        fits("interview with a date error")
        page.locator("#interviewed_on-month").fill("09")
        page.get_by_role("button", name="Save interview").click()
        expect(page.get_by_text("21 September 2026")).to_be_visible()

        page.goto(f"{base}/plans/{plan_id}/goals/new")
        fits("new goal")
        page.get_by_label("Goal", exact=True).fill("Publish the digital strategy")
        fill_date(page, "Target date (optional)", "1", "March", "2027")
        page.get_by_role("button", name="Save goal").click()
        expect(page.get_by_role("link", name="Target date must be a number")).to_be_visible()
        fits("goal with a date error")
        page.locator("#target_date-month").fill("3")
        page.get_by_role("button", name="Save goal").click()
        expect(page.get_by_text("1 March 2027")).to_be_visible()
        fits("goals with two")
        page.get_by_role("link", name="Remove Publish the digital strategy").click()
        expect(page.get_by_role("button", name="Yes, remove it")).to_be_visible()
        fits("remove a goal")

        # The sponsor's check-in form, with its two date inputs.
        page.get_by_role("button", name="Log out").click()
        sign_in("sponsor@example.nhs.uk")
        page.goto(f"{base}/plans/{plan_id}/checkins/new")
        fits("check-in form")
        fill_date(page, "Date of the check-in", "", "", "")
        page.get_by_role("button", name="Save check-in").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        fits("check-in form with errors")
    finally:
        context.close()
