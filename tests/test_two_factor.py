"""Two-factor authentication with real TOTP codes: each code is computed with pyotp from the
secret the service stored, at the time the test sets on the service's clock (people.mfa.utcnow)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, RecoveryCode, TwoFactor, UserSession
from onboarding.people import mfa

from .conftest import PASSWORD, make_user
from .test_sessions import OwnContextClient

T0 = datetime(2026, 11, 27, 9, 0, 0)  # 09:00:00 UTC: a step boundary (a multiple of 30 s)


@pytest.fixture(autouse=True)
def own_contexts(app):
    app.test_client_class = OwnContextClient  # each request's signed-in user its own, as in production


@pytest.fixture
def clock(monkeypatch):
    """The service's clock for two-factor; ``clock.now`` may be moved."""

    class Clock:
        now = T0

    monkeypatch.setattr(mfa, "utcnow", lambda: Clock.now)
    return Clock


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when.replace(tzinfo=UTC))


def stored_secret(app, user) -> str:
    row = db.session.scalar(sa.select(TwoFactor).where(TwoFactor.user_id == user.id))
    return mfa._decrypt(row, app.config["SECRET_KEY"])


def sign_in(client, user, password=PASSWORD):
    client.post("/logout")
    return client.post("/login", data={"email": user.email, "password": password})


def switch_on(app, client, user, clock) -> tuple[str, list[str]]:
    """Sign in, set up two-factor from the account page; the secret and the recovery codes shown."""
    assert sign_in(client, user).status_code == 302
    assert client.get("/account/two-factor").status_code == 200
    secret = stored_secret(app, user)
    page = client.post("/account/two-factor", data={"code": code_at(secret, clock.now)})
    assert page.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", page.get_data(as_text=True))
    return secret, codes


def error_next_to_code(page: str) -> str:
    """The message in the code field's error, next to the field."""
    found = re.search(r'<span class="nhsuk-error-message" id="code-error"\s*>\s*'
                      r'<span class="nhsuk-u-visually-hidden">Error: </span>\s*(.*?)\s*</span>', page, re.S)
    assert found, page[:2000]
    return found.group(1)


def test_set_up_shows_a_qr_code_and_key_then_asks_for_a_code_before_switching_on(app, client, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    sign_in(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = stored_secret(app, user)
    assert '<svg role="img" aria-label="QR code to scan with your authenticator app"' in page
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    assert f'value="{grouped}"' in page and 'for="two-factor-key"' in page
    # The stored secret is not the secret: it is encrypted.
    assert secret not in db.session.scalar(sa.select(TwoFactor.secret_encrypted))

    wrong = client.post("/account/two-factor", data={"code": "000000" if code_at(secret, T0) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert error_next_to_code(wrong.get_data(as_text=True)) == mfa.WRONG_SETUP_CODE
    assert 'href="#code"' in wrong.get_data(as_text=True)  # and in the error summary
    assert not mfa.is_enabled(user)

    done = client.post("/account/two-factor", data={"code": code_at(secret, T0)})
    codes = re.findall(r"<code>([a-z2-9-]{19})</code>", done.get_data(as_text=True))
    assert len(set(codes)) == 10 and mfa.is_enabled(user)
    # Only hashes are kept, and the key is never shown again.
    hashes = set(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not {c.replace("-", "") for c in codes} & hashes
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert grouped not in again and "app-qr-code" not in again and "10 unused recovery codes" in again
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="user.two_factor_on", object_id=user.id))


def test_sign_in_asks_for_the_code_and_until_then_no_page_opens(app, client, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    secret, _codes = switch_on(app, client, user, clock)
    clock.now = T0 + timedelta(minutes=5)
    logins = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).filter_by(action="user.login"))

    response = sign_in(client, user)
    assert response.headers["Location"] == "/login/two-factor"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))) == 0
    for page in ("/my-plan", "/account", "/account/two-factor", "/"):
        assert "/login" in client.get(page).headers.get("Location", ""), page

    wrong = client.post("/login/two-factor", data={"code": "12345"})
    assert wrong.status_code == 400 and error_next_to_code(wrong.get_data(as_text=True)) == mfa.WRONG_CODE
    right = client.post("/login/two-factor", data={"code": code_at(secret, clock.now)})
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert client.get("/account").status_code == 200
    events = db.session.scalars(sa.select(AuditEvent).filter_by(action="user.login").order_by(AuditEvent.id)).all()
    assert len(events) == logins + 1 and events[-1].detail == {"second_factor": "app"}


def test_a_code_is_accepted_one_step_either_side_and_never_twice(app, client, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    secret, _codes = switch_on(app, client, user, clock)  # used the code of T0's step
    sign_in(client, user)
    reused = client.post("/login/two-factor", data={"code": code_at(secret, T0)})
    assert reused.status_code == 400 and error_next_to_code(reused.get_data(as_text=True)) == mfa.USED_CODE

    clock.now = T0 + timedelta(seconds=60)  # two steps on: the previous step's code still works, once
    previous = code_at(secret, T0 + timedelta(seconds=30))
    assert client.post("/login/two-factor", data={"code": previous}).status_code == 302
    sign_in(client, user)
    assert error_next_to_code(client.post("/login/two-factor", data={"code": previous}).get_data(as_text=True)) == mfa.USED_CODE
    too_old = code_at(secret, T0 + timedelta(seconds=-30))  # and older steps never again
    assert client.post("/login/two-factor", data={"code": too_old}).status_code == 400
    too_new = code_at(secret, clock.now + timedelta(seconds=60))  # two steps ahead: refused
    assert client.post("/login/two-factor", data={"code": too_new}).status_code == 400
    next_one = code_at(secret, clock.now + timedelta(seconds=30))  # one step ahead: a slow phone clock
    assert client.post("/login/two-factor", data={"code": f" {next_one[:3]} {next_one[3:]} "}).status_code == 302


def test_a_recovery_code_works_once(app, client, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    _secret, codes = switch_on(app, client, user, clock)
    sign_in(client, user)
    used = client.post("/login/two-factor", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "You used a recovery code. You have 9 left." in used.get_data(as_text=True)
    sign_in(client, user)
    again = client.post("/login/two-factor", data={"code": codes[3]})
    assert again.status_code == 400 and error_next_to_code(again.get_data(as_text=True)) == mfa.WRONG_CODE
    assert client.post("/login/two-factor", data={"code": codes[4].replace("-", "")}).status_code == 302


def test_wrong_codes_are_throttled_like_passwords(app, client, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    secret, _codes = switch_on(app, client, user, clock)
    right = code_at(secret, T0 + timedelta(seconds=30))
    wrong = next(c for c in ("111111", "222222", "333333") if c != right)
    sign_in(client, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login/two-factor", data={"code": wrong}).status_code == 400
    locked = client.post("/login/two-factor", data={"code": right})
    assert locked.status_code == 429 and error_next_to_code(locked.get_data(as_text=True)) == mfa.LOCKED
    # The password form keeps its own count: wrong codes do not lock it.
    assert sign_in(client, user).headers["Location"] == "/login/two-factor"


def test_the_half_signed_in_state_expires(app, client, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    secret, _codes = switch_on(app, client, user, clock)
    sign_in(client, user)
    app.config["TWO_FACTOR_PENDING_SECONDS"] = -1
    response = client.post("/login/two-factor", data={"code": code_at(secret, T0 + timedelta(seconds=30))})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "/login" in client.get("/my-plan").headers["Location"]


def test_hr_can_require_two_factor_and_people_set_it_up_before_any_other_page(app, client, ctx, clock):
    hr = make_user("hr@example.nhs.uk", hr=True)
    user = make_user("leader@example.nhs.uk")
    sign_in(client, hr)
    users_page = client.get("/hr/users").get_data(as_text=True)
    assert "Require two-factor authentication for everyone who signs in with a password" in users_page
    assert client.post("/hr/two-factor", data={"required": "y"}).status_code == 302
    assert mfa.is_required()
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="two_factor.required", actor_id=hr.id))

    assert sign_in(client, user).headers["Location"] == "/"
    for page in ("/", "/my-plan", "/account", "/hr/users"):
        assert client.get(page).headers.get("Location") == "/account/two-factor", page
    setup = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your organisation requires two-factor authentication" in setup
    secret = stored_secret(app, user)
    assert client.post("/account/two-factor", data={"code": code_at(secret, T0)}).status_code == 200
    assert client.get("/account").status_code == 200
    # Required: it cannot be switched off.
    refused = client.post("/account/two-factor/off", data={"password": PASSWORD})
    assert refused.status_code == 400 and mfa.REQUIRED in refused.get_data(as_text=True) and mfa.is_enabled(user)


def test_switching_off_needs_the_password(app, client, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    switch_on(app, client, user, clock)
    wrong = client.post("/account/two-factor/off", data={"password": "not my password at all"})
    assert wrong.status_code == 400 and "Your password is not correct" in wrong.get_data(as_text=True)
    assert client.post("/account/two-factor/off", data={"password": PASSWORD}).status_code == 302
    assert not mfa.is_enabled(user) and db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert sign_in(client, user).headers["Location"] == "/"  # the password alone again


def test_hr_resets_a_lost_device_audited_and_the_user_is_signed_out(app, ctx, clock):
    hr = make_user("hr@example.nhs.uk", hr=True)
    user = make_user("leader@example.nhs.uk")
    leader_browser, hr_browser = app.test_client(), app.test_client()
    switch_on(app, leader_browser, user, clock)
    assert leader_browser.get("/account").status_code == 200
    sign_in(hr_browser, hr)
    page = hr_browser.get(f"/hr/users/{user.id}").get_data(as_text=True)
    assert "Reset two-factor authentication" in page
    assert hr_browser.post(f"/hr/users/{user.id}/two-factor/reset").status_code == 302
    assert not mfa.is_enabled(user)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="user.two_factor_reset", object_id=user.id))
    assert event.actor_id == hr.id and event.detail["sessions_ended"] == 1
    assert "/login" in leader_browser.get("/account").headers["Location"]  # signed out
    assert sign_in(leader_browser, user).headers["Location"] == "/"  # password only until set up again
    again = hr_browser.post(f"/hr/users/{user.id}/two-factor/reset", follow_redirects=True)
    assert "Leader has not set up two-factor authentication." in again.get_data(as_text=True)
    assert leader_browser.get("/account").status_code == 200  # nothing to reset: still signed in


def test_a_secret_unreadable_after_the_secret_key_changed_says_what_to_do(app, ctx, clock):
    user = make_user("leader@example.nhs.uk")
    policy = mfa.throttle.Policy(5, 20, 100, 900)
    secret = mfa.start_setup(user, "old key")
    codes = mfa.confirm(user, code_at(secret, T0), "old key", policy, now=T0)
    with pytest.raises(mfa.MfaError, match="can no longer be read"):
        mfa.verify(user, code_at(secret, T0 + timedelta(seconds=30)), "new key", policy, now=T0 + timedelta(seconds=30))
    assert mfa.verify(user, codes[0], "new key", policy, now=T0 + timedelta(seconds=30)) == "recovery code"


def test_a_forgotten_password_link_does_not_skip_the_code(app, client, ctx, clock):
    from onboarding.people import accounts

    user = make_user("leader@example.nhs.uk")
    secret, _codes = switch_on(app, client, user, clock)
    client.post("/logout")
    token = accounts.invite_token(db.session.get(type(user), user.id), app.config["SECRET_KEY"], accounts.RESET_SALT)
    new = "a brand new passphrase for the test"
    response = client.post(f"/reset-password/{token}", data={"password": new, "confirm": new})
    assert response.headers["Location"] == "/login/two-factor"
    assert "/login" in client.get("/my-plan").headers["Location"]
    assert client.post("/login/two-factor", data={"code": code_at(secret, T0 + timedelta(seconds=30))}).status_code == 302
    assert client.get("/account").status_code == 200
