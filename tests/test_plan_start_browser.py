"""Starting a plan for a part-time, hybrid leader in Chromium at phone width: the on-site day
boxes, a refusal next to them, the preview's working-days comparison and its "On site" tags, and
the plan they make; axe on each page, none wider than 375 px."""
from __future__ import annotations

import pytest

from onboarding import playbooks
from onboarding.extensions import db
from onboarding.models import Plan

from .conftest import PASSWORD, PHONE, ROOT, assert_accessible, fits_a_phone, make_user

ON_SITE = "Days the leader is on site (hybrid working)"



@pytest.mark.browser
def test_a_hybrid_part_time_plan_from_the_form_to_the_plan(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
        make_user("lee.leader@example.nhs.uk", "Lee Leader")
        make_user("mia.mentor@example.nhs.uk", "Mia Mentor")
        db.session.commit()

    def submit(name):
        with page.expect_navigation():
            page.get_by_role("button", name=name).click()
        assert_accessible(page)
        fits_a_phone(page)

    page.set_viewport_size(PHONE)
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("hr@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    submit("Sign in")
    page.goto(base + "/hr/plans/new")
    assert_accessible(page)
    fits_a_phone(page)

    page.get_by_role("combobox", name="Leader", exact=True).fill("lee.leader@example.nhs.uk")
    page.get_by_role("combobox", name="Executive sponsor").fill("sam.sponsor@example.nhs.uk")
    page.get_by_role("combobox", name="Mentor (optional)").fill("mia.mentor@example.nhs.uk")
    page.get_by_label("Playbook").select_option("compressed-13-weeks")
    for part, value in (("day", "5"), ("month", "10"), ("year", "2026")):  # a Monday
        page.locator(f"#start-{part}").fill(value)
    page.get_by_label("3 months").check()
    working = page.get_by_role("group", name="The leader's working days")
    for day in ("Tuesday", "Friday"):
        working.get_by_label(day).uncheck()
    # Tuesday on site, though the leader does not work Tuesdays: refused next to the boxes.
    page.get_by_role("group", name=ON_SITE).get_by_label("Tuesday").check()
    submit("Preview the plan")
    expect(page.locator("#on_site_days-error")).to_contain_text(
        "The on-site days must be among the leader's working days: Tuesday is not")

    on_site = page.get_by_role("group", name=ON_SITE)
    on_site.get_by_label("Tuesday").uncheck()
    on_site.get_by_label("Wednesday").check()
    submit("Preview the plan")
    # Worked by hand in test_plan_start: 39 days against 62, and 5 months give 65.
    expect(page.locator("#working-pattern")).to_contain_text(
        "Working 3 days a week, the leader has 39 working days in this 3-month plan. The playbook is written "
        "for 13 weeks full time, 62 working days. A 5-month plan gives them 65.")
    expect(page.get_by_text("On site", exact=True)).to_have_count(3)  # the summary row and two milestones' tags
    expect(page.locator("tr", has_text="Meet your own team in person")).to_contain_text("Wednesday 21 October 2026")
    expect(page.locator("tr", has_text="Complete at least eight clinician priority interviews")).to_contain_text(
        "Wednesday 18 November 2026")

    submit("Confirm and create plan")
    expect(page.get_by_text("Plan started for Lee Leader")).to_be_visible()
    with app.app_context():
        plan = db.session.scalar(db.select(Plan))
        assert (plan.working_days, plan.on_site_days) == ("mon,wed,thu", "wed")
        plan_id = plan.id
    page.goto(base + f"/plans/{plan_id}")
    task = page.locator(".nhsuk-task-list__item", has_text="Complete at least eight clinician priority interviews")
    expect(task.first).to_contain_text("On site")
    assert_accessible(page)
    fits_a_phone(page)
