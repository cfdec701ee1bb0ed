"""Two-factor authentication in a real Chromium on a 375 px phone: set up from the account page
with the key typed in by hand (as a person whose phone cannot scan the QR code would), a wrong
code refused next to the field, the recovery codes shown once, then signing in with a code.
Codes come from pyotp with the key the page showed. axe finds nothing; no page scrolls sideways."""
import time

import pytest

from .conftest import PHONE, assert_accessible, fits_a_phone, make_user, sign_in_with_password

pytestmark = pytest.mark.browser


def check(page) -> None:
    assert_accessible(page)
    fits_a_phone(page)


def test_set_up_two_factor_and_sign_in_with_a_code_on_a_phone(live_server, browser):
    import pyotp
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        with app.app_context():
            make_user("pat.person@example.nhs.uk", "Pat Person")
        sign_in_with_password(page, base, "pat.person@example.nhs.uk")
        page.goto(f"{base}/account")
        page.get_by_role("link", name="Set up or manage two-factor authentication").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
        expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
        check(page)

        key = page.get_by_label("If you cannot scan it").input_value().replace(" ", "")
        totp = pyotp.TOTP(key)
        wrong = next(c for c in ("000000", "111111", "222222") if not totp.verify(c, valid_window=2))
        page.get_by_label("Code from your authenticator app").fill(wrong)
        page.get_by_role("button", name="Switch on two-factor authentication").click()
        expect(page.get_by_role("link", name="Enter the 6-digit code your authenticator app shows now")).to_be_visible()
        check(page)
        page.get_by_label("Code from your authenticator app").fill(totp.now())
        page.get_by_role("button", name="Switch on two-factor authentication").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
        expect(page.get_by_role("list", name="Your recovery codes").get_by_role("listitem")).to_have_count(10)
        check(page)

        sign_in_with_password(page, base, "pat.person@example.nhs.uk")
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
        check(page)
        # The next step's code: the one just used to switch it on would be refused as used.
        page.get_by_label("Security code").fill(totp.at(time.time() + 30))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        page.goto(f"{base}/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    finally:
        context.close()
