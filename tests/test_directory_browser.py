"""HR's who's who and a stakeholder map that starts from it, in Chromium on a 375 px phone:
nothing wider than the screen, axe finds nothing, and the pages work by keyboard and pointer."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding.extensions import db

from .conftest import PHONE, fits_a_phone, sign_in_with_password


def _seed():
    from onboarding import playbooks

    from .conftest import ROOT, make_user

    playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
    make_user("hr@example.nhs.uk", "Helen HR", hr=True)
    make_user("leader@example.nhs.uk", "Lee Leader")
    make_user("sponsor@example.nhs.uk", "Sam Sponsor")
    db.session.commit()


def _start_plan() -> int:
    from onboarding.plans import plan_start

    checked = plan_start.check(leader="leader@example.nhs.uk", sponsor="sponsor@example.nhs.uk", mentor=None,
                               playbook="cdio-cio-26-weeks", start=date(2026, 9, 7), months=6)
    plan = plan_start.start(checked)
    db.session.commit()
    return plan.id


@pytest.mark.browser
def test_who_s_who_and_an_unscored_map_fit_a_phone_and_pass_axe(live_server, browser):
    from playwright.sync_api import expect

    from .conftest import assert_accessible

    app, base = live_server
    with app.app_context():
        _seed()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()

    def fits(what: str) -> None:
        fits_a_phone(page, what)
        assert_accessible(page)

    def sign_in(email):
        sign_in_with_password(page, base, email)

    try:
        sign_in("hr@example.nhs.uk")
        page.goto(f"{base}/hr/directory")
        expect(page.get_by_text("Nobody is in the who's who yet")).to_be_visible()
        fits("empty who's who")
        page.get_by_role("button", name="Add the suggested roles").click()
        expect(page.get_by_text("16 suggested roles are added")).to_be_visible()
        expect(page.get_by_role("rowheader", name="Freedom to Speak Up Guardian")).to_be_visible()
        fits("who's who with the suggested roles")

        # Name the Medical Director, refused first for a bad email next to its field.
        page.get_by_role("link", name="Change Medical Director").click()
        page.get_by_label("Name (optional)").fill("Dr Anita Rao")
        page.get_by_label("Email address (optional)").fill("anita.rao")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("link", name="Enter an email address like name@nhs.net")).to_be_visible()
        fits("who's who form with an error")
        page.get_by_role("link", name="Enter an email address like name@nhs.net").click()
        expect(page.get_by_label("Email address (optional)")).to_be_focused()
        page.keyboard.press("Control+A")
        page.keyboard.type("anita.rao@example.nhs.uk")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Medical Director is saved.")).to_be_visible()
        page.get_by_role("button", name="Move up Medical Director").click()
        expect(page.get_by_text("Medical Director is moved up.")).to_be_visible()
        rows = page.locator("tbody th[role=rowheader]")
        expect(rows.nth(1)).to_have_text("Role Medical Director")
        page.get_by_role("link", name="Remove LGBTQ+ staff network chair").click()
        expect(page.get_by_role("button", name="Yes, remove them")).to_be_visible()
        fits("remove from the who's who")
        page.get_by_role("button", name="Yes, remove them").click()
        expect(page.get_by_text("LGBTQ+ staff network chair is removed")).to_be_visible()

        with app.app_context():
            plan_id = _start_plan()
        page.get_by_role("button", name="Log out").click()
        sign_in("leader@example.nhs.uk")
        page.goto(f"{base}/plans/{plan_id}/stakeholders")
        unscored = page.locator("#not-scored-list li")
        expect(unscored).to_have_count(15)
        expect(unscored.nth(1)).to_contain_text("Dr Anita Rao, Medical Director")
        fits("a map of people not scored yet")
        page.get_by_role("link", name="Score Dr Anita Rao").click()
        page.get_by_role("group", name="Power").get_by_label("5").check()
        page.get_by_role("group", name="Interest").get_by_label("4").check()
        page.get_by_label("Stance towards your work").select_option("champion")
        page.get_by_role("button", name="Save stakeholder").click()
        expect(unscored).to_have_count(14)
        grid = page.locator("#quadrant-manage_closely").locator("xpath=..")
        expect(grid).to_contain_text("Dr Anita Rao, Medical Director Champion Not met yet")
        fits("a map with one person scored")
        page.goto(f"{base}/plans/{plan_id}/interviews")
        expect(page.get_by_text("Suggested: Medical Director — Dr Anita Rao")).to_be_visible()
        fits("interview suggestions")
    finally:
        context.close()
