"""A milestone's sources in Chromium at phone width: the leader's milestone page says where its
content comes from, with a link to each public source; HR's playbook list shows each playbook's
review. axe on each page, none wider than a 375 px phone."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db

from .conftest import PHONE, ROOT, assert_accessible, fits_a_phone, make_user, sign_in_with_password


@pytest.mark.browser
def test_a_milestone_page_shows_where_it_comes_from_with_axe(live_server, page):
    from playwright.sync_api import expect

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        leader = make_user("lee.leader@example.nhs.uk", "Lee Leader")
        version = playbooks.get_playbook("icb-cdio-26-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor"),
                                 version=version, start=date(2026, 9, 7), months=6, actor=hr)
        db.session.commit()
        path = f"/plans/{plan.id}/milestones/{next(m.id for m in plan.milestones if m.key == 'national-context-briefing')}"

    page.set_viewport_size(PHONE)
    sign_in_with_password(page, base, "lee.leader@example.nhs.uk")
    page.goto(base + path)
    heading = page.get_by_role("heading", name="Where this comes from")
    expect(heading).to_be_visible()
    plan_link = page.get_by_role("link", name="10 Year Health Plan for England: fit for the future")
    expect(plan_link).to_have_attribute(
        "href", "https://www.gov.uk/government/publications/10-year-health-plan-for-england-fit-for-the-future")
    expect(page.locator("h2#sources + ul li").first).to_contain_text("Department of Health and Social Care, 3 July 2025")
    expect(page.locator("h2#sources + ul li")).to_have_count(4)
    fits_a_phone(page)
    assert_accessible(page)

    sign_in_with_password(page, base, "hr@example.nhs.uk")
    page.goto(base + "/hr/playbooks")
    expect(page.get_by_text("Next review by ICB Chief People Officer with the ICB's CCIO")).to_be_visible()
    fits_a_phone(page)
    assert_accessible(page)
