"""Safe admin actions in Chromium: the people picker by keyboard, start-a-plan's warnings,
pause, extend's preview and the deactivation page; axe on each, and none wider than a
375 px phone."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db

from .conftest import PASSWORD, PHONE, ROOT, assert_accessible, fits_a_phone, make_user


@pytest.mark.browser
def test_safe_admin_pages_by_keyboard_with_axe_and_on_a_phone(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
        make_user("samira.other@example.nhs.uk", "Samira Other")
        make_user("lee.leader@example.nhs.uk", "Lee Leader")
        make_user("mia.mentor@example.nhs.uk", "Mia Mentor")
        old = make_user("olu.old@example.nhs.uk", "Olu Old")
        version = playbooks.get_playbook("compressed-13-weeks").latest
        existing = plans.create_plan(leader=old, sponsor=sponsor, version=version, start=date(2026, 9, 7), months=4, actor=hr)
        db.session.commit()
        plan_id, sponsor_id = existing.id, sponsor.id

    def check(path=None):
        if path:
            page.goto(base + path)
        assert_accessible(page)

    def submit(name):
        with page.expect_navigation():
            page.get_by_role("button", name=name).click()
        assert_accessible(page)

    # A phone from the start: the header folds its links into "More" as a page loads, not when resized.
    page.set_viewport_size(PHONE)
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("hr@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    submit("Sign in")

    # The leader picker by keyboard: type part of a name, arrow down to a match, Enter.
    check("/hr/plans/new")
    fits_a_phone(page)
    leader = page.get_by_role("combobox", name="Leader", exact=True)
    leader.focus()
    page.keyboard.type("lee")
    options = page.get_by_role("listbox", name="Matching people").first
    expect(options.get_by_role("option")).to_have_count(1)
    expect(leader).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)  # with the list open
    page.keyboard.press("ArrowDown")
    expect(options.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(leader).to_have_value("lee.leader@example.nhs.uk")
    expect(leader).to_have_attribute("aria-expanded", "false")

    # The sponsor by part of an email: two match; the second is chosen; Escape closes a list.
    sponsor_box = page.get_by_role("combobox", name="Executive sponsor")
    sponsor_box.focus()
    page.keyboard.type("sam")
    expect(page.locator("#sponsor-people [role=option]")).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(sponsor_box).to_have_value("samira.other@example.nhs.uk")
    page.keyboard.press("Tab")  # on to the "new sponsor" tick box, leaving the list closed

    page.get_by_label("Playbook").select_option("compressed-13-weeks")
    for part, value in (("day", "6"), ("month", "10"), ("year", "2026")):  # a Tuesday
        page.locator(f"#start-{part}").fill(value)
    page.get_by_label("3 months").check()
    fits_a_phone(page)
    submit("Preview the plan")

    # No mentor for a playbook with mentor milestones, and a Tuesday start (working days
    # Monday to Friday, so only the mentor warning): HR confirms.
    expect(page.locator("#warning-mentor")).to_be_visible()
    expect(page.locator("[id^=warning-]")).to_have_count(1)
    fits_a_phone(page)
    submit("Create the plan anyway")
    expect(page.get_by_text("Plan started for Lee Leader")).to_be_visible()
    fits_a_phone(page)

    # Pause: no reason is refused next to the field; then paused with a reason.
    check(f"/hr/plans/{plan_id}")
    submit("Pause the plan")
    expect(page.locator("#pause-reason-error")).to_contain_text("Enter why the plan is paused")
    fits_a_phone(page)
    page.get_by_label("Why is the plan paused?").fill("Parental leave")
    submit("Pause the plan")
    expect(page.locator("#paused")).to_contain_text("Parental leave")
    fits_a_phone(page)

    # Extend: the preview lists the new dates, at phone width too.
    check(f"/hr/plans/{plan_id}")
    page.get_by_label("6 months").check()
    submit("Preview the new dates")
    expect(page.get_by_role("button", name="Extend the plan to 6 months")).to_be_visible()
    fits_a_phone(page)

    # Deactivating Sam Sponsor: the page lists the plan to reassign and offers no button.
    check(f"/hr/users/{sponsor_id}/deactivation")
    expect(page.get_by_text("Reassign Sam Sponsor's plans first")).to_be_visible()
    expect(page.get_by_role("button", name="Deactivate Sam Sponsor")).to_have_count(0)
    fits_a_phone(page)
