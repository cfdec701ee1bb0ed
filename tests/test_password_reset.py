"""Accounts end to end over a real SMTP server (aiosmtpd on loopback): "Forgotten your
password?" links (single use, an hour, the same answer for every address, throttled),
setting a password through a link signs the person in, changing one's own password, and
invites that say who sent them and what for."""
from __future__ import annotations

import re
import time
from datetime import date

import pytest
import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import AuditEvent, SentEmail, User
from onboarding.people import accounts

from .conftest import PASSWORD, make_user
from .nudge_helpers import parts

SENT = "If an account exists for that address, we have sent a link to set a new password"
NEW_PASSWORD = "a fresh and rather long passphrase"


@pytest.fixture
def smtp(app, smtp):
    """The shared SMTP server, with the app sending its email there."""
    app.config.update(smtp.config())
    return smtp


@pytest.fixture
def clock(monkeypatch):
    """itsdangerous reads the time through TimestampSigner.get_timestamp: a clock of our own."""
    now = {"t": int(time.time())}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: now["t"])
    return now


def ask(client, email):
    return client.post("/forgotten-password", data={"email": email})


def received(smtp, count):
    assert smtp.handler.wait_for(count, timeout=10)
    return [msg for _, msg in smtp.handler.take()]


def reset_link(msg) -> str:
    text, html = parts(msg)
    [link] = re.findall(r"http://onboarding\.test/reset-password/\S+", text)
    assert f'href="{link}"' in html
    return link.removeprefix("http://onboarding.test")


def audit(action):
    return db.session.scalars(sa.select(AuditEvent).filter_by(action=action)).all()


def test_the_sign_in_page_links_to_the_forgotten_password_form(client, ctx):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgotten-password"' in page and "Forgotten your password?" in page
    form = client.get("/forgotten-password").get_data(as_text=True)
    assert "<h1>Forgotten your password?</h1>" in form and 'autocomplete="username"' in form
    empty = client.post("/forgotten-password", data={"email": ""})
    assert empty.status_code == 400 and 'href="#email"' in empty.get_data(as_text=True)


def test_a_reset_link_sets_a_new_password_once_and_signs_the_person_in(app, client, ctx, smtp, clock):
    user = make_user("rosa.reset@example.nhs.uk", "Rosa Reset")
    answer = ask(client, "Rosa.Reset@example.nhs.uk")
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    [msg] = received(smtp, 1)
    assert msg["To"] == "rosa.reset@example.nhs.uk" and msg["From"] == app.config["MAIL_FROM"]
    assert msg["Subject"] == "Set a new password for Leader onboarding"
    text, _ = parts(msg)
    assert "Hello Rosa Reset," in text and "It works once and expires in 1 hour" in text
    logged = db.session.scalars(sa.select(SentEmail)).all()
    assert [(e.recipient, e.subject, e.kind) for e in logged] == [
        ("rosa.reset@example.nhs.uk", "Set a new password for Leader onboarding", "password_reset")]
    path = reset_link(msg)

    clock["t"] += 3600  # at exactly its lifetime the link still works
    page = client.get(path)
    assert page.status_code == 200 and "<h1>Set a new password</h1>" in page.get_data(as_text=True)
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    with app.app_context():  # a request of its own: only the new session's cookie signs it in
        assert client.get("/account").status_code == 200, "signed in by setting the password"
    [login] = audit("user.login")
    assert login.actor_id == user.id and login.detail["via"] == "reset link"
    assert len(audit("user.password_reset_requested")) == 1 and len(audit("user.set_password")) == 1

    client.post("/logout")
    again = client.post(path, data={"password": "another long passphrase here", "confirm": "another long passphrase here"})
    assert again.status_code == 404 and "This link has expired or been used" in again.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.check_password(db.session.get(User, user.id), NEW_PASSWORD)
    assert not accounts.check_password(db.session.get(User, user.id), PASSWORD)


def test_a_reset_link_expires_after_an_hour_and_is_no_invite_link(app, client, ctx, smtp, clock):
    make_user("late.larry@example.nhs.uk", "Late Larry")
    ask(client, "late.larry@example.nhs.uk")
    path = reset_link(received(smtp, 1)[0])
    token = path.rsplit("/", 1)[1]
    assert client.get(f"/set-password/{token}").status_code == 404, "a reset link is not a 7-day invite link"
    clock["t"] += 3601
    expired = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert expired.status_code == 404 and 'href="/forgotten-password"' in expired.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.check_password(accounts.find_user("late.larry@example.nhs.uk"), PASSWORD)


def test_unknown_and_deactivated_addresses_get_the_same_page_and_no_email(client, ctx, smtp):
    gone = make_user("gone.gina@example.nhs.uk", "Gone Gina")
    gone.active = False
    db.session.commit()
    make_user("real.ray@example.nhs.uk", "Real Ray")
    pages = {}
    for email in ("nobody@example.nhs.uk", "gone.gina@example.nhs.uk", "real.ray@example.nhs.uk"):
        response = ask(client, email)
        assert response.status_code == 200
        pages[email] = response.get_data(as_text=True).split('<main', 1)[1].split("</main>")[0]
    assert pages["nobody@example.nhs.uk"] == pages["gone.gina@example.nhs.uk"] == pages["real.ray@example.nhs.uk"]
    assert SENT in pages["nobody@example.nhs.uk"] and "nobody@" not in pages["nobody@example.nhs.uk"]
    assert [msg["To"] for msg in received(smtp, 1)] == ["real.ray@example.nhs.uk"]
    assert not smtp.handler.wait_for(1, timeout=0.2), "no email for the unknown or deactivated address"


def test_asking_too_often_is_refused_without_an_email_and_sign_in_still_works(app, client, ctx, smtp):
    make_user("eager.ed@example.nhs.uk", "Eager Ed")
    make_user("other.olive@example.nhs.uk", "Other Olive")
    for _ in range(3):  # PASSWORD_RESET_MAX_REQUESTS for one account from one client
        assert ask(client, "eager.ed@example.nhs.uk").status_code == 200
    assert len(received(smtp, 3)) == 3
    refused = ask(client, "eager.ed@example.nhs.uk")
    assert refused.status_code == 429 and "Too many requests for a link" in refused.get_data(as_text=True)
    assert not smtp.handler.wait_for(1, timeout=0.2)
    unknown = [ask(client, "no.one@example.nhs.uk").status_code for _ in range(4)]
    assert unknown == [200, 200, 200, 429], "unknown addresses are counted the same way: nothing to tell apart"
    assert ask(client, "other.olive@example.nhs.uk").status_code == 200, "another account from this client"
    assert [m["To"] for m in received(smtp, 1)] == ["other.olive@example.nhs.uk"]
    login = client.post("/login", data={"email": "eager.ed@example.nhs.uk", "password": PASSWORD})
    assert login.status_code == 302, "asking for links never locks anyone out of signing in"


def test_an_invite_link_signs_the_person_in_on_their_first_screen(app, client, ctx):
    user = make_user("ivy.invited@example.nhs.uk", "Ivy Invited", password=None)
    token = accounts.invite_token(user, app.config["SECRET_KEY"])
    done = client.post(f"/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    with app.app_context():  # a request of its own: only the new session's cookie signs it in
        assert client.get("/account").status_code == 200
    [login] = audit("user.login")
    assert (login.actor_id, login.detail["via"]) == (user.id, "invite link")


def test_a_signed_in_user_changes_their_password_and_other_sessions_end(app, client, ctx):
    user = make_user("cara.change@example.nhs.uk", "Cara Change")
    other = app.test_client()
    for browser in (other, client):
        with app.app_context():  # a request of its own: the signed-in user is not carried over
            assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert 'href="/account/password"' in client.get("/account").get_data(as_text=True)
    form = client.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in form and 'autocomplete="new-password"' in form

    wrong = client.post("/account/password", data={"current_password": "not my password at all",
                                                    "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Your current password is not correct" in wrong.get_data(as_text=True)
    common = client.post("/account/password", data={"current_password": PASSWORD,
                                                     "password": "qwerty123456", "confirm": "qwerty123456"})
    assert common.status_code == 400 and "too common" in common.get_data(as_text=True)
    mismatch = client.post("/account/password", data={"current_password": PASSWORD,
                                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert mismatch.status_code == 400 and "The new passwords do not match" in mismatch.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.check_password(db.session.get(User, user.id), PASSWORD), "nothing changed on bad input"

    done = client.post("/account/password", data={"current_password": PASSWORD,
                                                   "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    with app.app_context():  # requests of their own, as in production
        assert client.get("/account").status_code == 200, "this session goes on"
    with app.app_context():
        assert other.get("/account").status_code == 302, "the other session ended"
    db.session.expire_all()
    assert accounts.check_password(db.session.get(User, user.id), NEW_PASSWORD)
    assert len(audit("user.change_password")) == 1 and len(audit("user.change_password_failed")) == 1


@pytest.fixture
def started(loaded):
    """A plan starting Monday 4 January 2027: leader, sponsor and mentor not yet signed in."""
    hr = make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True)
    people = {role: make_user(f"{role}@example.nhs.uk", f"{role.title()} Person", password=None)
              for role in ("leader", "sponsor", "mentor")}
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    plan = plans.create_plan(leader=people["leader"], sponsor=people["sponsor"], mentor=people["mentor"],
                             version=version, start=date(2027, 1, 4), months=6, actor=hr)
    db.session.commit()
    return people | {"hr": hr, "plan": plan, "title": version.title}


def test_invites_name_the_organisation_the_role_the_plan_and_who_sent_them(app, smtp, started):
    app.config.update(ORGANISATION_NAME="Example NHS Foundation Trust",
                      MAIL_FROM="Example onboarding <onboarding@example.nhs.uk>")
    for role in ("leader", "sponsor", "mentor", "hr"):
        assert accounts.invite(started[role], app.config, sent_by=started["hr"])[1]
    msgs = {msg["To"]: msg for msg in received(smtp, 4)}
    assert {m["From"] for m in msgs.values()} == {"Example onboarding <onboarding@example.nhs.uk>"}
    subjects = {to.split("@")[0]: m["Subject"] for to, m in msgs.items()}
    assert subjects == {
        "leader": "Your onboarding plan at Example NHS Foundation Trust: starts 4 January 2027",
        "sponsor": "You are sponsoring Leader Person's onboarding at Example NHS Foundation Trust",
        "mentor": "You are mentoring Leader Person through their onboarding at Example NHS Foundation Trust",
        "hana.hr": "Your HR account for Leader onboarding at Example NHS Foundation Trust",
    }
    text, html = parts(msgs["leader@example.nhs.uk"])
    assert "Hana HR has invited you to Leader onboarding at Example NHS Foundation Trust" in text
    for line in (f"Your plan: {started['title']}", "Starts: Monday 4 January 2027", "Your sponsor: Sponsor Person",
                 "Your mentor: Mentor Person"):
        assert line in text
    assert "Sponsor Person" in html and "Monday 4 January 2027" in html
    text, _ = parts(msgs["sponsor@example.nhs.uk"])
    assert "to sponsor Leader Person through their onboarding" in text and "Monday 4 January 2027" in text
    logged = db.session.scalars(sa.select(SentEmail.subject).where(SentEmail.kind == "invite")).all()
    assert sorted(logged) == sorted(subjects.values())


def test_hr_inviting_someone_is_named_as_the_sender(app, client, ctx, smtp):
    hr = make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True)
    client.post("/login", data={"email": hr.email, "password": PASSWORD})
    response = client.post("/hr/users/invite", data={"name": "Nia New", "email": "nia.new@example.nhs.uk"})
    assert response.status_code == 302
    [msg] = received(smtp, 1)
    assert msg["Subject"] == "Set your password for Leader onboarding"
    assert "Hana HR has invited you to Leader onboarding, where" in parts(msg)[0]
