"""Sign-in, sign-out, invite links, throttling and security headers."""
import time

from onboarding import accounts
from onboarding.extensions import db
from onboarding.models import AuditEvent

from .conftest import PASSWORD, make_user


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


def test_next_only_follows_local_paths(client, ctx):
    make_user("n@example.nhs.uk")
    assert sign_in(client, "n@example.nhs.uk", query_string={"next": "https://evil.example/"}).headers["Location"] == "/"
    client.post("/logout")
    assert sign_in(client, "n@example.nhs.uk", query_string={"next": "/account"}).headers["Location"] == "/account"


def test_an_inactive_user_cannot_sign_in(client, ctx):
    user = make_user("gone@example.nhs.uk")
    user.active = False
    db.session.commit()
    assert sign_in(client, "gone@example.nhs.uk").status_code == 400


def test_failed_sign_ins_lock_the_account_then_the_address(app, client, ctx):
    make_user("target@example.nhs.uk")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, "target@example.nhs.uk", "guess guess guess")
    locked = sign_in(client, "target@example.nhs.uk")  # even the right password
    assert locked.status_code == 400 and "Too many failed attempts" in locked.get_data(as_text=True)
    # Another account from the same address is locked too: the address made the failures.
    make_user("other@example.nhs.uk")
    assert "Too many failed attempts" in sign_in(client, "other@example.nhs.uk").get_data(as_text=True)
    # From another address the other account still works.
    assert sign_in(client, "other@example.nhs.uk", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(client, cast, login):
    login(cast["leader_a"])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/my-plan").status_code == 302


def test_invite_links_work_once_and_expire(app, client, ctx):
    user = make_user("invited@example.nhs.uk", password=None)
    token = accounts.invite_token(user, app.config["SECRET_KEY"])
    short = dict(app.config, INVITE_MAX_AGE=1)
    assert accounts.user_for_invite(token, short["SECRET_KEY"], 60) == user
    time.sleep(2.1)
    assert accounts.user_for_invite(token, short["SECRET_KEY"], 1) is None, "expired"
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
    response = app.test_client().post("/login", data={"email": "c@example.nhs.uk", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your form expired or was not sent from this site" in page and "nhsuk-header" in page
    assert client_signed_in_nowhere(app)


def client_signed_in_nowhere(app):
    return db.session.scalar(db.select(AuditEvent).filter_by(action="user.login")) is None


def test_passwords_are_hashed_with_argon2id(ctx):
    user = make_user("h@example.nhs.uk")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
