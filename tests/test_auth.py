"""Sign-in, sign-out, invite links, throttling and security headers."""
import time
from functools import partial

import pytest
import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner

from onboarding.extensions import db
from onboarding.models import AuditEvent, User
from onboarding.people import accounts

from .conftest import PASSWORD, make_user
from .serving import at_once, post, serve, session_cookie


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(client, ctx):
    make_user("known@example.nhs.uk")
    wrong = sign_in(client, "known@example.nhs.uk", "not the password")
    unknown = sign_in(client, "nobody@example.nhs.uk", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    for response in (wrong, unknown):
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert "Enter a correct email address and password" in page
    assert "nobody@example.nhs.uk" not in unknown.get_data(as_text=True).split("<form")[0]


def test_empty_fields_are_named_next_to_the_field(client, ctx):
    page = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'href="#email"' in page and "Enter your email address" in page
    assert 'href="#password"' in page and "Enter your password" in page


def test_sign_in_is_case_insensitive_starts_a_new_session_and_is_audited(client, ctx):
    user = make_user("Case.Person@example.nhs.uk")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = sign_in(client, "CASE.PERSON@EXAMPLE.NHS.UK")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session, "signing in starts a new session"
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="user.login", actor_id=user.id)) is not None


def test_next_only_follows_paths_on_this_site(client, ctx):
    make_user("n@example.nhs.uk")
    outside = ["/%09/evil.example", "https://evil.example/", "//evil.example", "/\\evil.example", "%5C%5Cevil.example",
               "/%5Cevil.example", "https:evil.example", "javascript:alert(1)", "/%2F/evil.example", "/%252F/evil.example",
               "/%250d%250aSet-Cookie:x=1", "/%0d%0aSet-Cookie:%20x=1", "/account%0a", "account", " //evil.example"]
    for target in outside:
        response = client.post(f"/login?next={target}", data={"email": "n@example.nhs.uk", "password": PASSWORD})
        assert response.headers["Location"] == "/", target
        client.post("/logout")
    kept = sign_in(client, "n@example.nhs.uk", query_string={"next": "/plans/3/checkins?page=2"})
    assert kept.headers["Location"] == "/plans/3/checkins?page=2"


def test_an_inactive_user_cannot_sign_in(client, ctx):
    user = make_user("gone@example.nhs.uk")
    user.active = False
    db.session.commit()
    assert sign_in(client, "gone@example.nhs.uk").status_code == 400


def test_sign_out_is_a_post_and_ends_the_session(client, cast, login):
    login(cast["leader_a"])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/my-plan").status_code == 302


def test_invite_links_work_once_and_expire(app, client, ctx, monkeypatch):
    # itsdangerous reads the clock through TimestampSigner.get_timestamp: a clock of our own.
    clock = {"now": int(time.time())}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: clock["now"])
    user = make_user("invited@example.nhs.uk", password=None)
    token = accounts.invite_token(user, app.config["SECRET_KEY"])
    short = dict(app.config, INVITE_MAX_AGE=1)
    assert accounts.user_for_invite(token, short["SECRET_KEY"], 60) == user
    clock["now"] += 2
    assert accounts.user_for_invite(token, short["SECRET_KEY"], 1) is None, "expired"
    assert accounts.user_for_invite(token, short["SECRET_KEY"], 2) == user, "still valid at exactly its age"
    assert client.get(f"/set-password/{token}x").status_code == 404, "tampered"

    mismatch = client.post(f"/set-password/{token}", data={"password": "long enough password", "confirm": "different password!!"})
    assert mismatch.status_code == 400 and "The passwords do not match" in mismatch.get_data(as_text=True)
    short_pw = client.post(f"/set-password/{token}", data={"password": "short", "confirm": "short"})
    assert short_pw.status_code == 400 and "between 12 and 256 characters" in short_pw.get_data(as_text=True)
    assert db.session.get(type(user), user.id).password_hash is None, "nothing saved on invalid input"

    assert client.post(f"/set-password/{token}", data={"password": "long enough password", "confirm": "long enough password"}).status_code == 302
    assert client.get(f"/set-password/{token}").status_code == 404, "used once"
    assert sign_in(client, "invited@example.nhs.uk", "long enough password").status_code == 302


def test_changing_the_password_ends_other_sessions(app, client, cast, login):
    login(cast["leader_a"])
    assert client.get("/my-plan").status_code == 200
    user = db.session.get(type(cast["leader_a"]), cast["leader_a"].id)
    accounts.set_password(user, "a brand new long password")
    db.session.commit()
    with app.app_context():  # a request of its own, as in production
        assert client.get("/my-plan").status_code == 302


def test_pages_send_security_headers_and_a_fresh_nonce(client, ctx):
    first, second = client.get("/login"), client.get("/login")
    csp = first.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert csp != second.headers["Content-Security-Policy"], "a new nonce each request"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in first.get_data(as_text=True)
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["X-Frame-Options"] == "DENY"
    assert first.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_forms_refuse_a_missing_csrf_token(app, ctx):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("c@example.nhs.uk")
    client = app.test_client()
    # The right password: only the missing token can be why sign-in is refused.
    response = client.post("/login", data={"email": "c@example.nhs.uk", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your form expired or was not sent from this site" in page and "nhsuk-header" in page
    assert client_signed_in_nowhere(app)
    assert client.get("/my-plan").status_code == 302, "the browser is not signed in either"


def client_signed_in_nowhere(app):
    return db.session.scalar(db.select(AuditEvent).filter_by(action="user.login")) is None


def test_passwords_are_hashed_with_argon2id(ctx):
    user = make_user("h@example.nhs.uk")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


@pytest.mark.real_commits
def test_an_invite_link_sets_a_password_once_under_concurrent_use(app, ctx):
    user = make_user("racing@example.nhs.uk", password=None)
    token = accounts.invite_token(user, app.config["SECRET_KEY"])
    passwords = [f"racing password number {i}" for i in range(8)]
    with serve(app) as base:
        answers = at_once([partial(post, base, f"/set-password/{token}", {"password": p, "confirm": p}) for p in passwords])
    assert all(a.status in (302, 404) for a in answers), [a.status for a in answers]
    winners = [p for p, a in zip(passwords, answers) if a.status == 302]
    assert len(winners) == 1, f"{len(winners)} requests set a password through one single-use link"
    db.session.expire_all()
    assert accounts.check_password(db.session.get(User, user.id), winners[0])
    assert len(db.session.scalars(sa.select(AuditEvent).filter_by(action="user.set_password")).all()) == 1


@pytest.mark.real_commits
def test_two_hr_users_cannot_remove_each_others_rights_at_the_same_moment(app, ctx):
    first = make_user("hr.one@example.nhs.uk", hr=True)
    second = make_user("hr.two@example.nhs.uk", hr=True)
    with serve(app) as base:
        for _ in range(4):
            cookies = [session_cookie(app, u.email, PASSWORD) for u in (first, second)]
            answers = at_once([
                partial(post, base, f"/hr/users/{second.id}/remove-hr", {}, {"Cookie": cookies[0]}),
                partial(post, base, f"/hr/users/{first.id}/remove-hr", {}, {"Cookie": cookies[1]}),
            ])
            db.session.expire_all()
            still_hr = db.session.scalars(sa.select(User.email).where(User.is_hr.is_(True))).all()
            assert len(still_hr) == 1, f"HR left: {still_hr}; answers {[a.status for a in answers]}"
            assert sorted(a.location.endswith("/hr/users") for a in answers) == [False, True]
            for user in (first, second):  # both HR again for the next round
                db.session.get(User, user.id).is_hr = True
            db.session.commit()


def test_the_password_policy_refuses_common_and_repeated_passwords_and_allows_paste(app, client, ctx):
    user = make_user("policy@example.nhs.uk", password=None)
    token = accounts.invite_token(user, app.config["SECRET_KEY"])
    form = client.get(f"/set-password/{token}").get_data(as_text=True)
    assert 'autocomplete="new-password"' in form
    assert "onpaste" not in form and "oncopy" not in form, "password managers and pasting must work"
    for bad, message in [("qwerty123456", "too common"), ("1Q2W3E4R5T6Y", "too common"),
                         ("aaaaaaaaaaaaaaaa", "repeated"), ("abcabcabcabcabc", "repeated")]:
        response = client.post(f"/set-password/{token}", data={"password": bad, "confirm": bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page and 'href="#password"' in page, bad
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None
    with pytest.raises(accounts.AccountError, match="too common"):
        accounts.create_user("cli@example.nhs.uk", "From the CLI", password="1q2w3e4r5t6y")
    ok = "a long enough password"
    assert client.post(f"/set-password/{token}", data={"password": ok, "confirm": ok}).status_code == 302


def test_names_refuse_control_characters(cast, client, login):
    login(cast["hr"])
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    for bad in ("Bell\x07Name", "Line\nBreak", "Right\u202eLeft", "Null\x00Name"):
        response = client.post("/hr/users/invite", data={"name": bad, "email": "named@example.nhs.uk"})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "control characters" in page and 'href="#name"' in page, repr(bad)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
    with pytest.raises(accounts.AccountError, match="control characters"):
        accounts.create_user("tab@example.nhs.uk", "Tab\tName")
    assert accounts.create_user("ok@example.nhs.uk", "Zoë O’Brien-Ng").name == "Zoë O’Brien-Ng"
