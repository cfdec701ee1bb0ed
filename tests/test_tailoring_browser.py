"""Tailoring in Chromium at phone width: HR marks a milestone not applicable (refused without
a reason, next to the field), changes a due date (a bank holiday refused at the date boxes),
adds a milestone; the plan shows the tag, the reason and the summary. axe on every page, none
wider than a 375 px phone."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db

from .conftest import PASSWORD, PHONE, ROOT, assert_accessible, fits_a_phone, make_user


@pytest.mark.browser
def test_hr_tailors_a_plan_on_a_phone_with_axe(live_server, page):
    from playwright.sync_api import expect

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        leader = make_user("lee.leader@example.nhs.uk", "Lee Leader")
        sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
        version = playbooks.get_playbook("cdio-cio-26-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=date(2026, 9, 7), months=6,
                                 actor=hr)
        db.session.commit()
        plan_id = plan.id
        fppt_id = next(m.id for m in plan.milestones if m.key == "fppt-checks")
        stars_id = next(m.id for m in plan.milestones if m.key == "stars-diagnosis")

    def shown(path=None):
        if path:
            page.goto(base + path)
        fits_a_phone(page)
        assert_accessible(page)

    def press(name):
        with page.expect_navigation():
            page.get_by_role("button", name=name).click()
        shown()

    page.set_viewport_size(PHONE)
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("hr@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    press("Sign in")

    # HR's plan page: the Tailoring section and links to each milestone.
    shown(f"/hr/plans/{plan_id}")
    expect(page.get_by_text("Not tailored: this plan follows its playbook.")).to_be_visible()

    # Not applicable: refused without a reason, then done.
    shown(f"/plans/{plan_id}/milestones/{fppt_id}")
    press("Mark as not applicable")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter why this milestone is not applicable")
    page.get_by_label("Why does this milestone not apply to this plan?").fill("Not a board member")
    press("Mark as not applicable")
    expect(page.get_by_text("Why not applicable")).to_be_visible()
    expect(page.get_by_role("button", name="Make applicable again")).to_be_visible()

    # A due date on Christmas Day is refused at the date boxes.
    shown(f"/plans/{plan_id}/milestones/{stars_id}")
    group = page.get_by_role("group", name="New due date (optional)")
    group.get_by_label("Day").fill("25")
    group.get_by_label("Month").fill("12")
    group.get_by_label("Year").fill("2026")
    page.get_by_label("Why does it change?").fill("Board timetable")
    press("Save the change")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Friday 25 December 2026 is not")
    expect(page.locator(".nhsuk-date-input .nhsuk-input--error")).to_have_count(3)
    group.get_by_label("Day").fill("24")
    press("Save the change")
    expect(page.get_by_text("Thursday 24 December 2026").first).to_be_visible()

    # Add a milestone.
    shown(f"/plans/{plan_id}/milestones/new")
    page.get_by_label("Title").fill("Meet the ICB digital lead")
    page.get_by_label("Owner").select_option("leader")
    due = page.get_by_role("group", name="Due date")
    due.get_by_label("Day").fill("14")
    due.get_by_label("Month").fill("10")
    due.get_by_label("Year").fill("2026")
    page.get_by_label("Phase").select_option("orientate-and-listen")
    page.get_by_label("Why does this plan need it?").fill("The ICB asked")
    press("Add the milestone")
    expect(page.get_by_text("Added for this plan")).to_be_visible()

    # The plan: the summary, the tag, the reason; 0 of 34 counted (35 less the one not applicable).
    shown(f"/plans/{plan_id}")
    expect(page.get_by_text("Tailored: 1 not applicable, 1 added, 1 re-dated")).to_be_visible()
    expect(page.get_by_text("Reason: Not a board member")).to_be_visible()
    expect(page.get_by_text("0 of 34 milestones done")).to_be_visible()
