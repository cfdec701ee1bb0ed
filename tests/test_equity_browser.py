"""HR's equity-of-support page in Chromium, on a desktop and on a 375 px phone: axe finds nothing,
nothing is wider than the screen, and the period form works by keyboard."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding.extensions import db

from .conftest import PHONE


def _seed() -> None:
    from onboarding import playbooks
    from onboarding.models import EqualityAnswers, Plan, User

    from .conftest import ROOT, make_user
    from .test_equity import stored

    playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
    make_user("hr@example.nhs.uk", "Helen HR", hr=True)
    sponsor = make_user("sponsor@example.nhs.uk", "Sam Sponsor")
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    for i, (ethnic, n) in enumerate((("Irish", 12), ("Indian", 9), ("African", 2))):
        for j in range(n):
            leader = User(email=f"l{i}-{j}@example.nhs.uk", name=f"Leader {i} {j}")
            db.session.add(leader)
            db.session.flush()
            db.session.add(EqualityAnswers(user_id=leader.id, ethnic_group=stored("ethnic_group", ethnic),
                                           sex=stored("sex", "Female")))
            db.session.add(Plan(leader_id=leader.id, sponsor_id=sponsor.id, playbook_version_id=version.id,
                                start_date=date(2025, 3, 3), months=6, end_date=date(2025, 9, 3)))
    db.session.commit()


@pytest.mark.browser
def test_equity_page_passes_axe_and_fits_a_phone(live_server, browser):
    from playwright.sync_api import expect

    from .conftest import PASSWORD, assert_accessible

    app, base = live_server
    with app.app_context():
        _seed()
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            page.goto(f"{base}/login")
            page.get_by_label("Email address").fill("hr@example.nhs.uk")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"{base}/hr/equity")
            # The period by keyboard: the From boxes, the To boxes, then the button.
            page.locator("#start-day").focus()
            for value in ("1", "1", "2025", "31", "12", "2025"):
                page.keyboard.type(value)
                page.keyboard.press("Tab")
            page.keyboard.press("Tab")  # past the grouping select
            page.keyboard.press("Enter")
            page.wait_for_load_state("load")
            expect(page.get_by_role("heading", name="Plans started from 1 January 2025 to 31 December 2025")).to_be_visible()
            expect(page.get_by_role("img", name="Bar chart: Leaders started, by ethnic group")).to_be_visible()
            table = page.get_by_role("table", name="Leaders started by ethnic group (the chart's figures)")
            expect(table.get_by_role("row", name="White")).to_contain_text("10")
            expect(table.get_by_role("row", name="Black, Black British, Caribbean or African")).to_contain_text("*")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            assert_accessible(page)
        finally:
            context.close()
