"""The account pages in a real Chromium on a 375 px phone: "Forgotten your password?" from the
sign-in page to a new password through the emailed link (over a real SMTP server), then
changing it on the account page. axe finds nothing and no page scrolls sideways."""
import re

import pytest

from .conftest import PASSWORD, assert_accessible, make_user
from .nudge_helpers import SMTPServer, parts

pytestmark = pytest.mark.browser

NEW = "a fresh and rather long passphrase"
NEWER = "an even fresher long passphrase"


def check(page) -> None:
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def test_forgotten_password_to_a_new_password_and_changing_it_on_a_phone(live_server, browser):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    smtp = SMTPServer().start()
    app.config.update(smtp.config())
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        with app.app_context():
            make_user("pat.person@example.nhs.uk", "Pat Person")
        page.goto(f"{base}/login")
        page.get_by_role("link", name="Forgotten your password?").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Forgotten your password?")
        check(page)
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        check(page)
        page.get_by_label("Email address").fill("pat.person@example.nhs.uk")
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        expect(page.get_by_text("If an account exists for that address, we have sent a link")).to_be_visible()
        check(page)

        assert smtp.handler.wait_for(1, timeout=10)
        [(_, msg)] = smtp.handler.take()
        link = re.search(r"http://\S+/reset-password/\S+", parts(msg)[0]).group(0)
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
        check(page)
        page.get_by_label("New password", exact=True).fill(NEW)
        page.get_by_label("Confirm new password").fill(NEW)
        page.get_by_role("button", name="Set password").click()
        expect(page.get_by_text("Your password is set and you are signed in.")).to_be_visible()
        check(page)

        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired or been used")
        check(page)

        page.goto(f"{base}/account")
        page.get_by_role("link", name="Change your password").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
        check(page)
        page.get_by_label("Current password").fill(PASSWORD)  # the old one: no longer right
        page.get_by_label("New password", exact=True).fill(NEWER)
        page.get_by_label("Confirm new password").fill(NEWER)
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_role("link", name="Your current password is not correct")).to_be_visible()
        check(page)
        page.get_by_label("Current password").fill(NEW)
        page.get_by_label("New password", exact=True).fill(NEWER)
        page.get_by_label("Confirm new password").fill(NEWER)
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_text("Your password is changed.")).to_be_visible()
        check(page)
    finally:
        context.close()
        smtp.stop()
