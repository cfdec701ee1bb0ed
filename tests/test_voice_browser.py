"""The leader's confidential route and their "About you" answers in Chromium on a 375 px phone:
raising a concern from My plan (a refusal next to the field first), HR following it up from Needs
attention; answering the equality questions by keyboard, then deleting them. Axe finds nothing
on any page and none is wider than the phone."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import Concern, EqualityAnswers

from .conftest import PASSWORD, PHONE, ROOT, assert_accessible, make_user

pytestmark = pytest.mark.browser


def _world(app):
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        leader = make_user("lee.leader@example.nhs.uk", "Lee Leader")
        sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
        mentor = make_user("mo.mentor@example.nhs.uk", "Mo Mentor")
        version = playbooks.get_playbook("compressed-13-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=sponsor, mentor=mentor, version=version,
                                 start=plans.today(), months=4, actor=hr)
        db.session.commit()
        return plan.id


class Phone:
    def __init__(self, page, base):
        self.page, self.base = page, base
        page.set_viewport_size(PHONE)

    def check(self):
        assert_accessible(self.page)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{self.page.url} is {width} px wide"

    def sign_in(self, email):
        self.page.context.clear_cookies()
        self.page.goto(self.base + "/login")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.submit("Sign in")

    def submit(self, name):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=name).click()
        self.check()


def test_raising_a_concern_and_hr_following_it_up_on_a_phone(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    plan_id = _world(app)
    phone = Phone(page, base)
    phone.sign_in("lee.leader@example.nhs.uk")
    page.goto(base + "/my-plan")
    page.get_by_role("link", name="Raise a concern in confidence").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Raise a concern")
    expect(page.get_by_text("Your sponsor, Sam Sponsor, will never see it")).to_be_visible()
    phone.check()
    phone.submit("Send to HR")
    page.get_by_role("link", name="Enter your concern").click()  # the error summary leads to the field
    expect(page.get_by_label("Your concern")).to_be_focused()
    page.keyboard.type("My sponsor has cancelled three check-ins in a row.")
    page.get_by_label("Also tell my mentor").check()
    phone.submit("Send to HR")
    expect(page.get_by_text("Your concern is sent. We have told HR and your mentor")).to_be_visible()
    with app.app_context():
        concern_id = db.session.scalar(sa.select(Concern.id))

    phone.sign_in("hr@example.nhs.uk")
    page.goto(base + "/hr/attention")
    phone.check()
    page.get_by_role("link", name="Concern raised by Lee Leader").click()
    expect(page).to_have_url(f"{base}/plans/{plan_id}/concerns/{concern_id}")
    expect(page.get_by_text("My sponsor has cancelled three check-ins in a row.")).to_be_visible()
    phone.check()
    page.get_by_label("What was done to follow it up").fill("Met Lee on Tuesday; spoke to the sponsor's director.")
    phone.submit("Record follow-up")
    expect(page.get_by_text("The follow-up is recorded and the concern is closed.")).to_be_visible()
    expect(page.get_by_role("button", name="Record follow-up")).to_have_count(0)


def test_answering_and_deleting_the_about_you_questions_by_keyboard_on_a_phone(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    _world(app)
    phone = Phone(page, base)
    phone.sign_in("lee.leader@example.nhs.uk")
    page.goto(base + "/account")
    page.get_by_role("link", name="Answer or change the questions about you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you (optional)")
    phone.check()
    # Each ethnic group is a fieldset of its own, named by the group.
    expect(page.get_by_role("group", name="Black, Black British, Caribbean or African")).to_be_visible()
    page.get_by_role("radio", name="Caribbean", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("group", name="What is your sex? (optional)").get_by_label("Prefer not to say").check()
    page.get_by_role("group", name="Which sector did you come from? (optional)").get_by_label("Armed forces").check()
    phone.submit("Save my answers")
    expect(page.get_by_text("Your answers are saved. Only you can see them.")).to_be_visible()
    expect(page.get_by_role("radio", name="Caribbean", exact=True)).to_be_checked()
    with app.app_context():
        row = db.session.scalars(sa.select(EqualityAnswers)).one()
        assert (row.ethnic_group, row.sex, row.sector, row.disability) == ("caribbean", "prefer_not_to_say",
                                                                           "armed_forces", None)
    page.get_by_role("link", name="Delete my answers").click()
    phone.check()
    phone.submit("Yes, delete my answers")
    expect(page.get_by_text("Your answers are deleted.")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EqualityAnswers)) == 0
