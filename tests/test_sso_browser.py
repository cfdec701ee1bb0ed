"""Single sign-on against a real OpenID Connect provider: the npm oidc-provider
(tests/oidc/provider.mjs) on a loopback port, driven in Chromium through its own login and
consent pages, with the app on a live server. One provider and one app serve every test here.

The provider's development login page takes any password; the login typed is the account (its
subject), whose claims come from the accounts file written below."""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa

from onboarding import create_app
from onboarding.extensions import db
from onboarding.models import AuditEvent, User

from .conftest import PASSWORD, PHONE, ROOT, assert_accessible, base_config, fits_a_phone, make_user, skip_or_fail
from .serving import serve

pytestmark = pytest.mark.browser

ACCOUNTS = {  # the provider's accounts: login -> claims
    "ann": {"email": "Ann.Leader@example.nhs.uk", "email_verified": True, "name": "Ann Leader"},
    "stranger": {"email": "stranger@example.nhs.uk", "email_verified": True},
    "dee": {"email": "dee.parted@example.nhs.uk", "email_verified": True},
}
BREAK_GLASS = "break.glass@example.nhs.uk"
CLIENT_ID, CLIENT_SECRET = "onboarding-tests", "a test-only client secret"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app on a real port (CSRF on) with its people: Ann (active), Dee (deactivated) and the
    break-glass HR account; yields (app, base URL)."""
    path = tmp_path_factory.mktemp("sso")
    app = create_app(base_config(path, f"sqlite:///{path / 'live.sqlite3'}")
                     | {"INSTANCE_PATH": str(path), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        make_user("ann.leader@example.nhs.uk", "Ann Leader")
        make_user("dee.parted@example.nhs.uk", "Dee Parted").active = False
        make_user(BREAK_GLASS, "Break Glass", hr=True)
        db.session.commit()
    with serve(app) as base:
        app.config["BASE_URL"] = base
        yield app, base
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def provider(site, tmp_path_factory):
    """oidc-provider on a free loopback port, its one client registered with the app's callback;
    the app configured to use it. Yields the issuer."""
    node = shutil.which("node")
    if node is None:
        skip_or_fail("single sign-on tests need Node.js (node) to run the npm oidc-provider")
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        skip_or_fail("single sign-on tests need the npm oidc-provider (npm ci)")
    app, base = site
    accounts = tmp_path_factory.mktemp("oidc") / "accounts.json"
    accounts.write_text(json.dumps(ACCOUNTS))
    env = os.environ | {"OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                        "OIDC_REDIRECT_URI": f"{base}/auth/oidc/callback", "OIDC_ACCOUNTS": str(accounts)}
    process = subprocess.Popen([node, str(ROOT / "tests" / "oidc" / "provider.mjs")], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)  # the line comes once it listens
        line = process.stdout.readline() if ready else ""
        assert line, f"oidc-provider did not start (exit code {process.poll()})"
        issuer = json.loads(line)["issuer"]
        discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        assert discovery["issuer"] == issuer
        app.config.update({"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET})
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture
def page(browser, provider):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def through_the_provider(page, login: str) -> None:
    """From the app's sign-in page: the SSO button, then the provider's login and consent pages."""
    page.get_by_role("button", name="Sign in with NHSmail").click()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def hold_the_answer(page, provider: str, base: str) -> list[str]:
    """Have the provider's consent page keep its answer from the app: the callback address (with
    its code and state) goes into the list returned instead of to the app. Playwright's routes
    see only the first request of a redirect chain, so the chain is followed here by hand."""
    held: list[str] = []

    def consent(route):
        if "prompt=consent" not in (route.request.post_data or ""):
            return route.continue_()
        location, response = route.request.url, route.fetch(max_redirects=0)
        while not (location := urljoin(location, response.headers["location"])).startswith(f"{base}/auth/oidc/callback"):
            response = page.context.request.get(location, max_redirects=0)  # the browser's cookies
        held.append(location)
        route.fulfill(status=200, body="held")

    page.route(f"{provider}/interaction/*", consent)
    return held


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode(dict(parse_qsl(parts.query)) | changes)))


def audited(app, action: str, after: int = 0) -> list[dict]:
    """The details of the audit events of this action, those after the event id ``after`` only."""
    with app.app_context():
        return [e.detail for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > after).order_by(AuditEvent.id))]


def last_event(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


def test_signing_in_links_the_subject_once_and_a_forged_or_replayed_answer_is_refused(site, provider, page, browser):
    from playwright.sync_api import expect

    app, base = site
    before = last_event(app)  # the module's other tests may have run first
    page.goto(f"{base}/account")  # signed out: to sign in first, then back here
    assert "/login?next=" in page.url
    assert_accessible(page)  # the sign-in page with both ways in
    answers = hold_the_answer(page, provider, base)
    through_the_provider(page, "ann")
    [answer] = answers

    # The provider's answer with another state: not this browser's sign-in.
    response = page.goto(with_query(answer, state="forged-state"))
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in did not work")
    assert_accessible(page)

    # The real answer, in another browser: its state is not in that browser's session either.
    other = browser.new_context()
    try:
        response = other.new_page().goto(answer)
        assert response.status == 400
    finally:
        other.close()

    # The real answer here: signed in, back where Ann was going, her subject linked.
    page.goto(answer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert urlsplit(page.url).path == "/account"
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    with app.app_context():
        ann = db.session.scalar(sa.select(User).filter_by(email="ann.leader@example.nhs.uk"))
        assert (ann.oidc_issuer, ann.oidc_subject) == (app.config["OIDC_ISSUER"], "ann")
        assert ann.last_login_at is not None
    assert [(d["reason"], d["error"]) for d in audited(app, "user.sso_refused", before)] == [("failed", "mismatching_state")] * 2
    assert audited(app, "user.sso_linked") == [{"issuer": app.config["OIDC_ISSUER"]}]
    assert {"via": "single sign-on"} in audited(app, "user.login")

    # Used once: the same answer again, signed out, signs nobody in.
    page.get_by_role("button", name="Log out").click()
    assert page.goto(answer).status == 400


def test_an_id_token_for_another_nonce_is_refused(site, page, provider):
    """The authorisation request reaching the provider carries another nonce (as a code
    obtained for another sign-in would): the ID token's nonce is not the one this browser's
    session expects, so nobody is signed in."""
    from playwright.sync_api import expect

    app, base = site

    def another_nonce(route):  # the app's redirect to the provider, with the nonce changed
        response = route.fetch(max_redirects=0)
        route.fulfill(response=response, headers=response.headers | {
            "location": with_query(response.headers["location"], nonce="another")})

    page.route(f"{base}/auth/oidc/login*", another_nonce)
    page.goto(f"{base}/login")
    through_the_provider(page, "ann")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in did not work")
    refusal = audited(app, "user.sso_refused")[-1]
    assert (refusal["error"], refusal["description"]) == ("invalid_claim", "Invalid claim: 'nonce'")
    page.goto(f"{base}/account")
    assert "/login?next=" in page.url


@pytest.mark.parametrize("login, message", [
    ("stranger", "There is no account for stranger@example.nhs.uk in this service. Ask your HR team to invite you "
                 "with that address."),
    ("dee", "The account for dee.parted@example.nhs.uk has been closed. Ask your HR team if you need it again."),
])
def test_people_without_an_active_account_are_told_why(site, page, login, message):
    from playwright.sync_api import expect

    app, base = site
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/login")
    through_the_provider(page, login)
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in with this account")
    expect(page.get_by_text(message)).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)
    page.goto(f"{base}/account")
    assert "/login?next=" in page.url
    email = ACCOUNTS[login]["email"]
    assert [d["email"] for d in audited(app, "user.sso_refused") if d["reason"] != "failed"].count(email) == 1


def test_sso_only_mode_hides_passwords_but_for_the_break_glass_account(site, page):
    from playwright.sync_api import expect

    app, base = site
    app.config.update(SSO_ONLY=True, BREAK_GLASS_EMAIL=BREAK_GLASS)
    try:
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/login")
        expect(page.get_by_role("button", name="Sign in with NHSmail")).to_be_visible()
        assert page.get_by_label("Password").count() == 0
        assert_accessible(page)
        fits_a_phone(page)

        page.goto(f"{base}/login?break-glass")  # the address README gives the break-glass holder
        page.get_by_label("Email address").fill("ann.leader@example.nhs.uk")
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="Sign in", exact=True).click()
        assert posted.value.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with your organisation's account")
        assert_accessible(page)
        fits_a_phone(page)

        page.goto(f"{base}/login?break-glass")
        page.get_by_label("Email address").fill(BREAK_GLASS)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        assert audited(app, "user.password_refused") == [{"email": "ann.leader@example.nhs.uk", "endpoint": "auth.login"}]
        assert len(audited(app, "user.login_break_glass")) == 1
    finally:
        app.config.update(SSO_ONLY=False, BREAK_GLASS_EMAIL="")
