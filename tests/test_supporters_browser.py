"""Supporters in Chromium at phone width: HR adds a buddy with the people picker by keyboard,
sees a refusal next to the field, removes one; the leader nominates a peer mentor; the buddy's
Supporting page. Axe on each page, none wider than 375 px."""
from __future__ import annotations

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db

from .conftest import PHONE, ROOT, assert_accessible, fits_a_phone, make_user, sign_in_with_password


@pytest.mark.browser
def test_supporters_section_nomination_and_supporting_page_on_a_phone(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        leader = make_user("lee.leader@example.nhs.uk", "Lee Leader")
        sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
        make_user("bo.buddy.with.a.long.address@some-long-trust-name.nhs.uk", "Bo Buddy")
        version = playbooks.get_playbook("compressed-13-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=plans.today(), months=4, actor=hr)
        task = next(m for m in plan.milestones if m.owner == "leader")
        task.owner = "buddy"
        db.session.commit()
        plan_id, task_title = plan.id, task.title

    def sign_in(email):
        sign_in_with_password(page, base, email)
        assert_accessible(page)
        fits_a_phone(page)

    def submit(name):
        with page.expect_navigation():
            page.get_by_role("button", name=name).click()
        assert_accessible(page)
        fits_a_phone(page)

    page.set_viewport_size(PHONE)
    sign_in("hr@example.nhs.uk")
    page.goto(f"{base}/hr/plans/{plan_id}#supporters")
    assert_accessible(page)
    fits_a_phone(page)
    expect(page.get_by_text("No buddy, executive assistant or peer mentor yet.")).to_be_visible()

    # The leader cannot be their own buddy: the refusal sits next to the field.
    person = page.get_by_role("combobox", name="Person")
    person.fill("lee.leader@example.nhs.uk")
    page.get_by_label("Buddy").check()
    submit("Add supporter")
    expect(page.locator("#supporter-person-error")).to_contain_text("The leader cannot support their own plan")

    # Bo by keyboard: part of the name, arrow down, Enter.
    person = page.get_by_role("combobox", name="Person")
    person.fill("")
    person.focus()
    page.keyboard.type("bo bud")
    expect(page.locator("#supporter-person-people [role=option]")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(person).to_have_value("bo.buddy.with.a.long.address@some-long-trust-name.nhs.uk")
    page.get_by_label("Buddy").check()
    submit("Add supporter")
    expect(page.get_by_text("Bo Buddy is now this plan's buddy.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove Bo Buddy as buddy")).to_be_visible()

    # The leader nominates a new peer mentor from the plan.
    sign_in("lee.leader@example.nhs.uk")
    page.goto(base + "/my-plan")
    with page.expect_navigation():
        page.get_by_role("link", name="Nominate a peer mentor").click()
    assert_accessible(page)
    fits_a_phone(page)
    submit("Nominate peer mentor")  # empty: both fields say what to enter
    expect(page.locator("#name-error")).to_contain_text("Enter your peer mentor's name")
    page.get_by_label("Full name").fill("Pat Peer")
    page.get_by_label("Email address").fill("pat.peer@example.nhs.uk")
    submit("Nominate peer mentor")
    expect(page.get_by_text("Pat Peer is now your peer mentor")).to_be_visible()
    expect(page.get_by_text("Peer mentor", exact=True)).to_be_visible()

    # The buddy lands on Supporting, with their milestone to do.
    sign_in("bo.buddy.with.a.long.address@some-long-trust-name.nhs.uk")
    assert page.url == f"{base}/supporting"
    expect(page.get_by_role("link", name=task_title)).to_be_visible()

    # HR removes the buddy: the section says so again.
    sign_in("hr@example.nhs.uk")
    page.goto(f"{base}/hr/plans/{plan_id}")
    submit("Remove Bo Buddy as buddy")
    expect(page.get_by_text("Bo Buddy is no longer this plan's buddy")).to_be_visible()
