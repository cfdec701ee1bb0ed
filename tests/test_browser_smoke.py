"""The sign-in page in a real Chromium: it renders, passes axe and signs a user in."""
import re

import pytest

from .conftest import PASSWORD, assert_accessible, make_user

pytestmark = pytest.mark.browser


def test_sign_in_page_is_accessible_and_works(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    app, base = live_server
    with app.app_context():
        make_user("person@example.nhs.uk", "Pat Person")
    page.goto(f"{base}/login")
    assert page.evaluate("document.body.className").count("nhsuk-frontend-supported") == 1, "NHS.UK JS ran under the CSP"
    assert_accessible(page)

    page.get_by_label("Email address").fill("person@example.nhs.uk")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Welcome"))
    assert_accessible(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_axe_check_fails_on_a_page_with_a_violation(page):
    """A missing alt text fails the check, the first time on a page and again after a change."""
    page.set_content('<!doctype html><html lang="en"><title>Broken</title><main><img src="x.png"></main></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
    page.evaluate("document.querySelector('img').alt = 'A picture'")
    assert_accessible(page)
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_a_page_that_passed_at_desktop_width_is_checked_again_on_a_phone(page):
    """Links that are comfortable targets on a desktop shrink under a narrow-screen style: the same
    document fails axe's target size rule at phone width although it passed wider."""
    from .conftest import PHONE

    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_content('<!doctype html><html lang="en"><title>Links</title><style>'
                     'a { display: inline-block; padding: 12px; }'
                     '@media (max-width: 400px) { a { padding: 0; font-size: 8px; line-height: 8px; } }'
                     '</style><main><p><a href="/a">A</a><a href="/b">B</a><a href="/c">C</a></p></main></html>')
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    with pytest.raises(AssertionError, match="target-size"):
        assert_accessible(page)
