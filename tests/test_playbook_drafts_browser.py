"""The playbook draft editor in Chromium at phone width: start a draft, add and move
milestones, rename a phase, check the changes, publish once; then a draft the validator
refuses, and a discard. axe on every page, none wider than 375 px."""
from __future__ import annotations

import pytest

from onboarding import playbooks
from onboarding.extensions import db

from .conftest import PASSWORD, PHONE, ROOT, assert_accessible, make_user

SLUG = "compressed-13-weeks"


@pytest.mark.browser
def test_draft_editor_and_its_changes_with_axe_on_a_phone(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        db.session.commit()

    def checked():
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide"

    def click(role, name):
        with page.expect_navigation():
            page.get_by_role(role, name=name, exact=True).click()
        checked()

    page.set_viewport_size(PHONE)
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("hr@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    click("button", "Sign in")

    page.goto(f"{base}/hr/playbooks/{SLUG}/v1")
    checked()
    click("button", "Edit this playbook")
    expect(page.get_by_text("Draft started.")).to_be_visible()

    click("link", "Add a milestone")
    page.get_by_label("Key").fill("meet-the-chair")
    page.get_by_label("Title", exact=True).fill("Meet the chair")
    page.get_by_label("Phase").select_option("orientate")
    page.get_by_label("Category").select_option("stakeholder_mapping")
    page.get_by_label("Week", exact=True).fill("2")
    page.get_by_label("Not after week (optional)").fill("4")
    click("button", "Save in the draft")
    expect(page.get_by_text("Saved in the draft.")).to_be_visible()
    expect(page.locator("#m-meet-the-chair")).to_contain_text("not after week 4")

    click("button", "Move up Meet each executive director one to one")
    click("link", "Rename Align")
    page.get_by_label("Title").fill("Align and deliver")
    click("button", "Save in the draft")

    click("link", "Check the changes and publish")
    expect(page.get_by_text("Compared with version 1, the published version: 3 changes.")).to_be_visible()
    expect(page.get_by_text("Meet the chair (week 2, Leader, meet-the-chair)")).to_be_visible()
    expect(page.get_by_role("heading", name="Changed: Align and deliver")).to_be_visible()
    expect(page.get_by_role("heading", name="Changed: Meet each executive director one to one")).to_be_visible()
    click("button", "Publish as version 2")
    expect(page.get_by_text("Published as version 2.")).to_be_visible()

    # A draft the validator refuses: the problem is listed where it can be fixed; then discarded.
    click("button", "Edit this playbook")
    page.locator("#m-close-out-review").get_by_role("link", name="Edit").click()
    page.wait_for_load_state()
    page.get_by_label("Week", exact=True).fill("20")
    click("button", "Save in the draft")
    expect(page.locator("#draft-problems")).to_contain_text("week 20 is outside the playbook's range -8 to 13")
    click("link", "Check the changes and publish")
    click("button", "Publish as version 3")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Milestone 'close-out-review': week 20 is outside the playbook's range -8 to 13")).to_be_visible()
    click("button", "Discard the draft")  # the box not ticked
    expect(page.locator("#confirm-error")).to_be_visible()
    page.get_by_label("Yes, discard every change in this draft").check()
    click("button", "Discard the draft")
    expect(page.get_by_text("Draft discarded.")).to_be_visible()
    with app.app_context():
        assert [v.number for v in playbooks.get_playbook(SLUG).versions] == [1, 2]
