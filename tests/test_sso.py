"""Single sign-on without a browser: whom a provider's claims sign in (people.sso), the
settings, and SSO-only mode's refusals of the password pages, its break-glass account and its
invites. The flow through a real provider and Chromium is tests/test_sso_browser.py."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from onboarding import create_app
from onboarding.extensions import db
from onboarding.models import AuditEvent, LoginThrottle, User
from onboarding.people import accounts, sso

from .conftest import PASSWORD, make_user
from .nudge_helpers import parts

ISSUER = "https://login.microsoftonline.com/tenant-id/v2.0"
BREAK_GLASS = "break.glass@example.nhs.uk"
SSO_SETTINGS = {"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": "client"}


def settings(**config) -> sso.Settings:
    return sso.settings(SSO_SETTINGS | config)


def audit(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("claims, trust, expected", [
    ({"email": "Ann@Example.nhs.uk", "email_verified": True}, False, "ann@example.nhs.uk"),
    ({"email": "ann@example.nhs.uk", "email_verified": True}, True, "ann@example.nhs.uk"),
    # Entra ID: no email_verified; believed only for a trusted issuer, email before the UPN
    ({"email": "ann@example.nhs.uk", "preferred_username": "a.upn@tenant.nhs.uk"}, True, "ann@example.nhs.uk"),
    ({"preferred_username": "ann@example.nhs.uk"}, True, "ann@example.nhs.uk"),
])
def test_the_address_that_may_match_a_user(claims, trust, expected):
    assert sso.email_address(claims, trust) == expected


@pytest.mark.parametrize("claims, trust, reason", [
    ({"email": "ann@example.nhs.uk", "email_verified": False}, True, "unverified"),  # the provider says no
    ({"email": "ann@example.nhs.uk"}, False, "unverified"),
    ({"email": "ann@example.nhs.uk", "email_verified": "true"}, False, "unverified"),  # only JSON true
    ({"preferred_username": "ann@example.nhs.uk", "email_verified": True}, False, "no_email"),
    ({"preferred_username": "not an address"}, True, "no_email"),
    ({}, True, "no_email"),
])
def test_an_address_the_provider_has_not_confirmed_is_refused(claims, trust, reason):
    with pytest.raises(sso.Refusal) as refused:
        sso.email_address(claims, trust)
    assert refused.value.reason == reason


def test_the_first_sign_in_links_the_subject_and_later_ones_follow_it(ctx):
    ann = make_user("ann@example.nhs.uk", "Ann", password=None)
    claims = {"sub": "subject-1", "email": "ann@example.nhs.uk", "email_verified": True}
    assert sso.sign_in(claims, ISSUER, "10.0.0.1", settings()) is ann
    db.session.commit()
    assert (ann.oidc_issuer, ann.oidc_subject) == (ISSUER, "subject-1")
    assert [e.detail for e in audit("user.sso_linked")] == [{"issuer": ISSUER}]
    # Her address changed at the provider (or is not sent now): the linked subject still signs her in.
    assert sso.sign_in({"sub": "subject-1", "email": "ann.new@example.nhs.uk"}, ISSUER, None, settings()) is ann
    assert len(audit("user.sso_linked")) == 1
    assert [e.detail for e in audit("user.login")] == [{"via": "single sign-on"}] * 2
    # Another subject with her address (the mailbox given to someone else) is refused.
    with pytest.raises(sso.Refusal, match="linked to a different single sign-on account"):
        sso.sign_in({"sub": "subject-2", "email": "ann@example.nhs.uk", "email_verified": True}, ISSUER, None, settings())
    # The same subject at another issuer is another person.
    with pytest.raises(sso.Refusal, match="linked to a different"):
        sso.sign_in(claims, "https://other.example/v2.0", None, settings())
    assert [e.detail["reason"] for e in audit("user.sso_refused")] == ["linked_elsewhere"] * 2
    # Unlinked (by the CLI), the next sign-in links afresh.
    assert sso.unlink(ann, None)
    assert sso.sign_in({"sub": "subject-2", "email": "ann@example.nhs.uk", "email_verified": True}, ISSUER, None,
                       settings()).oidc_subject == "subject-2"


def test_nobody_is_created_and_a_deactivated_user_is_refused_even_when_linked(ctx):
    dee = make_user("dee@example.nhs.uk", "Dee", password=None)
    dee.oidc_issuer, dee.oidc_subject, dee.active = ISSUER, "dee-subject", False
    db.session.commit()
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    with pytest.raises(sso.Refusal) as unknown:
        sso.sign_in({"sub": "x", "email": "nobody@example.nhs.uk", "email_verified": True}, ISSUER, None, settings())
    assert str(unknown.value) == ("There is no account for nobody@example.nhs.uk in this service. "
                                  "Ask your HR team to invite you with that address.")
    with pytest.raises(sso.Refusal, match="The account for dee@example.nhs.uk has been closed"):
        sso.sign_in({"sub": "dee-subject"}, ISSUER, None, settings())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    assert [(e.detail["reason"], e.detail["email"]) for e in audit("user.sso_refused")] == [
        ("unknown", "nobody@example.nhs.uk"), ("inactive", "dee@example.nhs.uk")]


def test_one_subject_belongs_to_one_user(ctx):
    for email in ("one@example.nhs.uk", "two@example.nhs.uk"):
        make_user(email, password=None).oidc_subject = "same"
    db.session.flush()  # no issuer yet: NULLs never clash
    for user in db.session.scalars(sa.select(User)):
        user.oidc_issuer = ISSUER
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_issuer_is_https_except_on_this_machine(tmp_path):
    with pytest.raises(RuntimeError, match="must be an https address, not http://idp.example"):
        create_app({"INSTANCE_PATH": str(tmp_path), "OIDC_ISSUER": "http://idp.example", "OIDC_CLIENT_ID": "c"})
    assert sso.settings_problem(settings(OIDC_ISSUER="http://127.0.0.1:8080")) is None
    assert "must include openid" in sso.settings_problem(settings(OIDC_SCOPES="email profile"))
    assert "ONBOARDING_SSO_ONLY needs ONBOARDING_OIDC_ISSUER" in sso.settings_problem(sso.settings({"SSO_ONLY": True}))


def test_the_sign_in_page_offers_the_button_once_configured(app, client):
    assert "Sign in with NHSmail" not in client.get("/login").get_data(as_text=True)
    assert client.get("/auth/oidc/login").status_code == 404  # not configured: no such page
    app.config.update(SSO_SETTINGS | {"OIDC_BUTTON_LABEL": "Sign in with Example Trust"})
    page = client.get("/login?next=/account").get_data(as_text=True)
    assert 'href="/auth/oidc/login?next=/account"' in page and "Sign in with Example Trust" in page
    assert 'name="password"' in page  # both ways in, until SSO_ONLY


def test_a_callback_without_this_browsers_sign_in_is_refused_and_audited(app, client, ctx):
    app.config.update(SSO_SETTINGS)
    response = client.get("/auth/oidc/callback?code=stolen&state=someone-elses")
    assert response.status_code == 400
    assert "We could not complete your sign-in." in response.get_data(as_text=True)
    assert [e.detail["error"] for e in audit("user.sso_refused")] == ["mismatching_state"]


def test_a_provider_that_does_not_answer_gets_a_page_not_an_error(app, client):
    app.config.update(SSO_SETTINGS | {"OIDC_ISSUER": "http://127.0.0.1:9"})  # the discard port: refused
    response = client.get("/auth/oidc/login")
    assert response.status_code == 502
    assert "The sign-in service is not answering." in response.get_data(as_text=True)


@pytest.fixture
def sso_only(app, ctx):
    app.config.update(SSO_SETTINGS | {"SSO_ONLY": True, "BREAK_GLASS_EMAIL": BREAK_GLASS.upper()})
    return {"ann": make_user("ann@example.nhs.uk", "Ann"), "glass": make_user(BREAK_GLASS, "Break Glass", hr=True)}


def test_sso_only_mode_refuses_every_password_page_but_the_break_glass_accounts(app, client, sso_only):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="password"' not in page and "Sign in with NHSmail" in page
    assert 'name="password"' in client.get("/login?break-glass").get_data(as_text=True)

    refused = client.post("/login", data={"email": "ann@example.nhs.uk", "password": PASSWORD})
    assert refused.status_code == 403
    assert "This service does not use passwords." in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0  # no password tried
    for path in (f"/set-password/{accounts.invite_token(sso_only['ann'], app.config['SECRET_KEY'])}",
                 f"/reset-password/{accounts.invite_token(sso_only['ann'], app.config['SECRET_KEY'], accounts.RESET_SALT)}"):
        assert client.get(path).status_code == 403
    assert client.post("/forgotten-password", data={"email": "ann@example.nhs.uk"}).status_code == 403
    assert app.extensions["mail_outbox"] == []
    assert [e.detail["endpoint"] for e in audit("user.password_refused")] == [
        "auth.login", "auth.set_password", "auth.reset_password", "auth.forgotten_password"]

    glass_link = f"/set-password/{accounts.invite_token(sso_only['glass'], app.config['SECRET_KEY'])}"
    assert client.get(glass_link).status_code == 200
    assert client.post("/login", data={"email": BREAK_GLASS, "password": PASSWORD}).status_code == 302
    [used] = audit("user.login_break_glass")
    assert used.actor_id == sso_only["glass"].id


@pytest.fixture
def smtp(app, smtp):
    """The shared SMTP server, with the app sending its email there."""
    app.config.update(smtp.config())
    return smtp


def test_invites_in_sso_only_mode_say_to_sign_in_with_sso(app, smtp, sso_only):
    newcomer = accounts.create_user("new.starter@example.nhs.uk", "New Starter")
    assert accounts.invite(newcomer, app.config) == ("http://onboarding.test/login", True)
    assert accounts.invite(sso_only["glass"], app.config)[0].startswith("http://onboarding.test/set-password/")
    assert smtp.handler.wait_for(2, timeout=10)
    (_, to_newcomer), (_, to_glass) = smtp.handler.take()
    assert to_newcomer["Subject"] == "Your account for Leader onboarding"
    text, html = parts(to_newcomer)
    assert re.sub(r"\s+", " ", text).count('You do not need a password. Sign in with your NHS organisation\'s account: '
                                          'go to http://onboarding.test/login and choose "Sign in with NHSmail".') == 1
    assert "set-password" not in text + html and 'href="http://onboarding.test/login"' in html
    assert "Set your password" in parts(to_glass)[0]


def test_the_cli_unlinks_a_replaced_provider_account(runner, ctx):
    ann = make_user("ann@example.nhs.uk", "Ann", password=None)
    ann.oidc_issuer, ann.oidc_subject = ISSUER, "old-subject"
    db.session.commit()
    result = runner.invoke(args=["users", "unlink-sso", "ANN@example.nhs.uk"])
    assert result.exit_code == 0 and "Unlinked the single sign-on account of ann@example.nhs.uk" in result.output
    assert (ann.oidc_issuer, ann.oidc_subject) == (None, None)
    assert audit("user.sso_unlinked")[0].detail == {"issuer": ISSUER}
    again = runner.invoke(args=["users", "unlink-sso", "ann@example.nhs.uk"])
    assert again.exit_code == 1 and "ann@example.nhs.uk has no single sign-on account linked" in again.output


def test_a_refusal_shows_the_providers_words_as_text(app):
    from onboarding.web import sso as sso_pages

    with app.test_request_context():
        body, status = sso_pages._refused("You cannot sign in with this account",
                                          "There is no account for <b>x</b>@example.nhs.uk in this service.", 403)
    assert status == 403 and "There is no account for &lt;b&gt;x&lt;/b&gt;@example.nhs.uk" in body


def test_hr_sees_whether_someones_single_sign_on_is_linked(app, client, login, ctx):
    hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
    ann = make_user("ann@example.nhs.uk", "Ann")
    login(hr)
    assert "Single sign-on" not in client.get(f"/hr/users/{ann.id}").get_data(as_text=True)  # not configured
    app.config.update(SSO_SETTINGS)
    assert "Not linked yet: it links at their first single sign-on" in client.get(f"/hr/users/{ann.id}").get_data(as_text=True)
    ann.oidc_issuer, ann.oidc_subject = ISSUER, "ann-subject"
    db.session.commit()
    assert "Linked to their account at the sign-in service" in client.get(f"/hr/users/{ann.id}").get_data(as_text=True)


def test_a_subject_access_export_names_the_linked_single_sign_on_account(ctx):
    from onboarding.people import subject_access

    ann = make_user("ann@example.nhs.uk", "Ann")
    ann.oidc_issuer, ann.oidc_subject = ISSUER, "ann-subject"
    db.session.commit()
    account = subject_access.gather(ann)["account"]
    assert (account["oidc_issuer"], account["oidc_subject"]) == (ISSUER, "ann-subject")


@pytest.mark.parametrize("target, kept", [("/account", "/account"), ("//evil.example/x", None),
                                          ("https://evil.example", None), ("/\t/evil.example", None)])
def test_where_to_go_after_single_sign_on_stays_on_this_site(app, client, target, kept):
    app.config.update(SSO_SETTINGS | {"OIDC_ISSUER": "http://127.0.0.1:9"})  # no provider: the page says so
    client.get("/auth/oidc/login", query_string={"next": target})
    with client.session_transaction() as session:
        assert session["sso_next"] == kept


def test_in_sso_only_mode_the_account_page_offers_no_password_but_to_the_break_glass_account(app, client, ctx):
    ann, glass = make_user("ann@example.nhs.uk", "Ann"), make_user(BREAK_GLASS, "Break Glass", hr=True)
    app.config.update(SSO_SETTINGS | {"BREAK_GLASS_EMAIL": BREAK_GLASS})
    for person in (ann, glass):  # signed in before SSO became the only way in
        client.post("/logout")
        assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
        app.config["SSO_ONLY"] = True
        page = client.get("/account").get_data(as_text=True)
        password_page = client.get("/account/password").status_code
        app.config["SSO_ONLY"] = False
        if person is ann:
            assert "Change your password" not in page and "Set up or manage two-factor" not in page
            assert "You sign in with your organisation's account (Sign in with NHSmail)" in page
            assert password_page == 403
        else:
            assert "Change your password" in page and password_page == 200


def test_hr_forgets_a_linked_sso_account_from_the_users_page(app, client, ctx, login):
    app.config.update(SSO_SETTINGS)
    hr, ann = make_user("helen.hr@example.nhs.uk", "Helen HR", hr=True), make_user("ann@example.nhs.uk", "Ann")
    ann.oidc_issuer, ann.oidc_subject = SSO_SETTINGS["OIDC_ISSUER"], "old-subject"
    db.session.commit()
    login(hr)
    page = client.get(f"/hr/users/{ann.id}").get_data(as_text=True)
    assert "Linked to their account at the sign-in service" in page and "Forget their single sign-on account" in page
    response = client.post(f"/hr/users/{ann.id}/sso/unlink", follow_redirects=True)
    assert "Ann&#39;s single sign-on account is no longer linked." in response.get_data(as_text=True)
    assert (ann.oidc_issuer, ann.oidc_subject) == (None, None)
    [event] = audit("user.sso_unlinked")
    assert (event.actor_id, event.object_id) == (hr.id, ann.id)
    again = client.post(f"/hr/users/{ann.id}/sso/unlink", follow_redirects=True).get_data(as_text=True)
    assert "Ann has no single sign-on account linked." in again and "Forget their single sign-on" not in again
