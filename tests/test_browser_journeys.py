"""The three journeys end to end in the system Chromium, with axe on every page visited.

HR starts a plan for a newly invited leader; the leader sets a password through the
invite link, signs in, completes a milestone with evidence and adds a stakeholder and a
clinician interview; the sponsor signs in, logs a check-in and sees the progress change.
"""
import re

import pytest

from onboarding import plans, playbooks

from .conftest import PASSWORD, ROOT, assert_accessible, make_user
from .date_input import fill_date

pytestmark = pytest.mark.browser


class Visitor:
    """A page that runs axe after every navigation it makes."""

    def __init__(self, page, base):
        self.page, self.base = page, base

    def go(self, path):
        self.page.goto(self.base + path)
        assert_accessible(self.page)

    def click(self, role, name):
        # Every button and link here loads a new page: wait for it before looking.
        with self.page.expect_navigation():
            self.page.get_by_role(role, name=name).click()
        assert_accessible(self.page)

    def sign_in(self, email, password=PASSWORD):
        self.go("/login")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.click("button", "Sign in")

    def choose(self, label, option_text):
        select = self.page.get_by_label(label, exact=True)
        value = select.locator("option", has_text=option_text).first.get_attribute("value")
        select.select_option(value)

    def sign_out(self):
        self.click("button", "Log out")


def test_hr_leader_and_sponsor_journeys(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        make_user("hr@example.nhs.uk", "Helen Hughes", hr=True)
        make_user("sponsor@example.nhs.uk", "Samira Sponsor")
    today = plans.today().isoformat()
    v = Visitor(page, base)

    # HR invites a new leader and starts a plan, previewing every due date first.
    v.sign_in("hr@example.nhs.uk")
    v.go("/hr/plans/new")
    page.get_by_label("Leader", exact=True).fill("nadia.new@example.nhs.uk")
    page.get_by_label("The leader is new to this service: invite them").check()
    page.get_by_label("New leader's full name").fill("Nadia New")
    page.get_by_label("Executive sponsor").fill("sponsor@example.nhs.uk")
    v.choose("Playbook", "Compressed")
    for part, value in zip(("year", "month", "day"), today.split("-")):
        page.locator(f"#start-{part}").fill(value)
    page.get_by_label("3 months").check()
    v.click("button", "Preview the plan")
    expect(page.get_by_role("table").first).to_be_visible()
    # No mentor (and perhaps a start on a bank holiday): the preview warns and asks again.
    v.click("button", re.compile("^(Confirm and create plan|Create the plan anyway)$"))
    flash = page.get_by_text("single-use set-password link").inner_text()
    invite = re.search(r"(/set-password/\S+)", flash).group(1).rstrip(".")
    v.sign_out()

    # The sponsor sees the new plan at 0%.
    v.sign_in("sponsor@example.nhs.uk")
    v.go("/sponsor")
    row = page.get_by_role("row", name=re.compile("^Nadia New"))
    assert "0%" in row.inner_text()
    v.sign_out()

    # The leader sets a password through the invite link, which signs them in.
    v.go(invite)
    page.get_by_label("New password", exact=True).fill("a very long new password")
    page.get_by_label("Confirm new password").fill("a very long new password")
    v.click("button", "Set password")
    expect(page.get_by_text("Your password is set and you are signed in.")).to_be_visible()
    v.go("/my-plan")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # Completes a leader-owned milestone with evidence (linked from what needs doing and its phase).
    with page.expect_navigation():
        page.get_by_role("link", name="Draw the first stakeholder power and interest grid").first.click()
    assert_accessible(page)
    page.get_by_label("Evidence note").fill("Grid shared with my sponsor; 14 stakeholders plotted.")
    v.click("button", "Mark as done")
    expect(page.get_by_text(re.compile("done", re.I)).first).to_be_visible()

    # Adds a stakeholder and a clinician interview.
    plan_path = re.search(r"(/plans/\d+)", page.url).group(1)
    v.go(f"{plan_path}/stakeholders/new")
    page.get_by_label("Name").fill("Dr Ruth Adeyemi")
    page.get_by_label("Role").fill("Chief Clinical Information Officer")
    page.locator("input[name=power][value='5']").check()
    page.locator("input[name=interest][value='4']").check()
    v.click("button", "Save stakeholder")
    expect(page.get_by_text("Dr Ruth Adeyemi").first).to_be_visible()
    v.go(f"{plan_path}/interviews/new")
    page.get_by_label("Name").fill("Dr Amir Shah")
    fill_date(page, "Date of the interview", *reversed(today.split("-")))
    page.get_by_label("Priorities heard").fill("Faster log-in\nFewer duplicate forms")
    page.get_by_label("Themes").fill("log-in time, duplicate data entry")
    v.click("button", "Save interview")
    expect(page.get_by_text("Dr Amir Shah").first).to_be_visible()
    v.sign_out()

    # The sponsor sees the progress change and logs a check-in.
    v.sign_in("sponsor@example.nhs.uk")
    v.go("/sponsor")
    row = page.get_by_role("row", name=re.compile("^Nadia New"))
    assert "5%" in row.inner_text()  # 1 of 19 milestones
    v.go(f"{plan_path}/checkins/new")
    fill_date(page, "Date of the check-in", *reversed(today.split("-")))
    page.get_by_label("Green").check()
    page.get_by_label("Summary").fill("A strong first week: grid drawn and interviews started.")
    page.get_by_label("Private note (optional)").fill("Keep an eye on workload.")
    v.click("button", "Save check-in")
    v.go("/sponsor")
    row = page.get_by_role("row", name=re.compile("^Nadia New"))
    assert "Green" in row.inner_text()
