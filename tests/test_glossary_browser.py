"""The glossary in Chromium on a 375 px phone, axe clean: a milestone page expands an abbreviation
where it is first used and links to its glossary entry, and /glossary's search (a GET form, no
script needed) finds SIRO; the who's who fits too."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding.extensions import db

from .conftest import PHONE, assert_accessible, fits_a_phone, sign_in_with_password


def _seed() -> tuple[int, int]:
    from onboarding import playbooks
    from onboarding.plans import plan_start

    from .conftest import ROOT, make_user

    playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
    make_user("leader@example.nhs.uk", "Lee Leader")
    make_user("sponsor@example.nhs.uk", "Sam Sponsor")
    make_user("hr@example.nhs.uk", "Helen HR", hr=True)
    db.session.commit()
    checked = plan_start.check(leader="leader@example.nhs.uk", sponsor="sponsor@example.nhs.uk", mentor=None,
                               playbook="cdio-cio-26-weeks", start=date(2026, 9, 7), months=6)
    plan = plan_start.start(checked)
    m = plan.milestones[4]
    m.title = "Meet the SIRO"
    m.description = "The SIRO owns information risk. Ask the SIRO how the DPO and the SIRO work together."
    db.session.commit()
    return plan.id, m.id


@pytest.mark.browser
def test_a_milestone_expands_an_abbreviation_and_the_glossary_finds_siro(live_server, browser):
    from playwright.sync_api import expect

    app, base = live_server
    with app.app_context():
        plan_id, milestone_id = _seed()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in_with_password(page, base, "leader@example.nhs.uk")
        page.goto(f"{base}/plans/{plan_id}/milestones/{milestone_id}")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("Meet the SIRO (Senior information risk owner)")
        expect(heading.locator("abbr")).to_have_attribute("title", "Senior information risk owner")
        expect(page.locator("main abbr")).to_have_count(2)  # the title's SIRO, the description's DPO: once each
        fits_a_phone(page, "a milestone with expansions")
        assert_accessible(page)

        page.get_by_role("link", name="Data protection officer").click()
        expect(page).to_have_url(f"{base}/glossary#dpo")
        expect(page.locator("#dpo")).to_contain_text("DPO: Data protection officer")
        page.get_by_label("Search the glossary").fill("SIRO")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text("1 term matches “SIRO”. Show all terms")
        expect(page.locator("dt")).to_have_count(1)
        expect(page.locator("#siro")).to_contain_text("SIRO: Senior information risk owner")
        fits_a_phone(page, "the glossary searched")
        assert_accessible(page)

        page.goto(f"{base}/whos-who")
        expect(page.get_by_role("link", name="The Shuri Network")).to_be_visible()
        fits_a_phone(page, "who's who")
        assert_accessible(page)

        # HR's upload refused: the problems by line, the error next to the file field.
        sign_in_with_password(page, base, "hr@example.nhs.uk")
        page.goto(f"{base}/whos-who")
        page.locator("input[type=file]").set_input_files(  # the NHS.UK script wraps the input in a button
            {"name": "mine.yaml", "mimeType": "application/yaml", "buffer": b"reviewed: 2026-13\ngroups: []\n"})
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_text("mine.yaml:1: who's who: reviewed must be a month as YYYY-MM")).to_be_visible()
        expect(page.locator(".nhsuk-error-message")).to_contain_text("The file has 1 problem; nothing was saved")
        fits_a_phone(page, "who's who upload refused")
        assert_accessible(page)
    finally:
        context.close()
