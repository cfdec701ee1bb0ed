"""Two-sided check-ins in Chromium on a 375 px phone: the leader prepares an agenda, the sponsor
sees it above the check-in form and logs the check-in, the leader ticks an action done, marks
the check-in read and comments, My plan shows the done action; the sponsor reads the response.
Axe on every page, none wider than the phone, and the private note never on the leader's."""
from __future__ import annotations

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db

from .conftest import PHONE, ROOT, assert_accessible, fits_a_phone, make_user, sign_in_with_password

PRIVATE = "Private: I wonder whether the CFO is undermining them"


@pytest.mark.browser
def test_the_leader_and_the_sponsor_each_write_their_side_on_a_phone(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        leader = make_user("lee.leader@example.nhs.uk", "Lee Leader")
        sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
        version = playbooks.get_playbook("compressed-13-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=plans.today(), months=4, actor=hr)
        db.session.commit()
        checkins_url = f"{base}/plans/{plan.id}/checkins"

    def checked():
        assert_accessible(page)
        fits_a_phone(page)

    def sign_in(email):
        sign_in_with_password(page, base, email)
        checked()

    def submit(name):
        with page.expect_navigation():
            page.get_by_role("button", name=name).click()
        checked()

    page.set_viewport_size(PHONE)
    sign_in("lee.leader@example.nhs.uk")
    page.goto(base + "/my-plan")
    with page.expect_navigation():
        page.get_by_role("link", name="Prepare for your next check-in").click()
    checked()
    page.get_by_label("What you want to talk about (optional)").fill("The EPR board paper\nReaching the CMO")
    page.get_by_label("How it is going for you (optional)").fill("Good weeks, but the rota is a mystery")
    submit("Save for your next check-in")
    expect(page.get_by_text("Saved for your next check-in")).to_be_visible()

    sign_in("sam.sponsor@example.nhs.uk")
    page.goto(checkins_url + "/new")
    checked()
    agenda = page.locator("#leader-agenda")
    expect(agenda).to_contain_text("From Lee Leader for this check-in")
    expect(agenda).to_contain_text("Reaching the CMO")
    expect(agenda).to_contain_text("the rota is a mystery")
    page.get_by_label("Amber").check()
    page.get_by_label("Summary").fill("A good start; the board paper is the priority.")
    page.get_by_label("Private note (optional)").fill(PRIVATE)
    page.get_by_label("Actions (optional)").fill("Meet the CMO\nDraft the EPR paper")
    submit("Save check-in")
    expect(page.get_by_text("Reaching the CMO")).to_be_visible()  # kept with the check-in

    sign_in("lee.leader@example.nhs.uk")
    page.goto(checkins_url)
    checked()
    assert "CFO" not in page.content()
    page.get_by_label("Meet the CMO").check()
    submit("Save done actions")
    expect(page.get_by_label("Meet the CMO")).to_be_checked()
    expect(page.get_by_label("Draft the EPR paper")).not_to_be_checked()
    page.get_by_label("I have read this check-in").check()
    page.get_by_label("Your comments on the check-in and its actions (optional)").fill("I will book the CMO this week")
    submit("Save your response")
    expect(page.get_by_text("You marked this check-in as read on")).to_be_visible()
    assert "CFO" not in page.content()

    page.goto(base + "/my-plan")
    checked()
    actions = page.locator("#last-actions + p + ul")
    expect(actions.locator("li").first).to_contain_text("Done")
    expect(actions.locator("li").nth(1)).not_to_contain_text("Done")
    assert "CFO" not in page.content()

    sign_in("sam.sponsor@example.nhs.uk")
    page.goto(checkins_url)
    checked()
    expect(page.get_by_text("I will book the CMO this week")).to_be_visible()
    expect(page.get_by_text(PRIVATE)).to_be_visible()
