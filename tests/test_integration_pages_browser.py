"""The API docs, API tokens, calendar feed and printable review pages in Chromium:
axe WCAG 2.2 AA, with CSRF on as in production."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding.extensions import db

from .conftest import PASSWORD, ROOT, assert_accessible, make_user

pytestmark = pytest.mark.browser


def test_integration_pages_are_accessible_and_work(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        from onboarding import plans, playbooks

        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        leader = make_user("leader@example.nhs.uk", "Lee Leader")
        sponsor = make_user("sponsor@example.nhs.uk", "Sam Sponsor")
        plan = plans.create_plan(leader=leader, sponsor=sponsor, version=playbooks.get_playbook("compressed-13-weeks").latest,
                                 start=date(2026, 9, 7), months=3, actor=hr)
        db.session.commit()
        plan_id = plan.id

    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill("hr@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{base}/hr/tokens/")
    assert_accessible(page)
    page.get_by_role("button", name="Issue token").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email address of the user the token acts as").fill("hr@example.nhs.uk")
    page.get_by_label("Label (optional)").fill("ESR")
    page.get_by_role("button", name="Issue token").click()
    raw = page.locator("code.app-token").inner_text().strip()
    assert raw.startswith("onb_")
    assert_accessible(page)
    api = page.request.get(f"{base}/api/v1/plans/{plan_id}", headers={"Authorization": f"Bearer {raw}"})
    assert api.status == 200
    # The browser's own session cookie does not open the API.
    assert page.request.get(f"{base}/api/v1/plans/{plan_id}").status == 401
    page.get_by_role("button", name="Revoke token 1").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{base}/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_have_text("API reference")
    assert_accessible(page)

    page.goto(f"{base}/plans/{plan_id}/print")
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboarding review: Lee Leader")
    assert_accessible(page)

    page.goto(f"{base}/account/calendar")
    assert_accessible(page)
    page.get_by_role("button", name="Create a calendar address").click()
    old = page.get_by_label("Your calendar feed address").input_value()
    assert_accessible(page)
    assert page.request.get(old).status == 200
    page.get_by_role("button", name="Create a new address").click()
    new = page.get_by_label("Your calendar feed address").input_value()
    assert new != old
    assert page.request.get(old).status == 404 and page.request.get(new).status == 200
    page.goto(f"{base}/account/calendar")  # shown once: a later visit has only the date it was made
    expect(page.get_by_text("Your current calendar address was created on")).to_be_visible()
    assert page.get_by_label("Your calendar feed address").count() == 0
    assert_accessible(page)
