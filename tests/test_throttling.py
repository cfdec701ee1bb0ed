"""Sign-in throttling: per account, per (address, account) and a high per-address limit;
atomic under concurrent attempts; the client address from trusted proxies only."""
from functools import partial

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from onboarding import create_app
from onboarding.config import Defaults
from onboarding.extensions import db
from onboarding.models import AuditEvent

from .conftest import PASSWORD, base_config, make_user
from .serving import at_once, post, serve

LOCKED = "Too many failed attempts"


def sign_in(client, email, password=PASSWORD, address="10.0.0.1", **kwargs):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


@pytest.mark.real_commits
def test_sixty_concurrent_wrong_passwords_verify_at_most_the_limit(app, ctx, monkeypatch):
    make_user("target@example.nhs.uk")
    verified = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, hash, password):  # observes argon2 verifications; the real one still runs
        verified.append(1)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    limit = app.config["LOGIN_MAX_FAILURES"]
    with serve(app) as base:
        guesses = [partial(post, base, "/login", {"email": "target@example.nhs.uk", "password": f"wrong guess {i:02}"})
                   for i in range(60)]
        answers = at_once(guesses)
        checked = len(verified)
        failures = db.session.scalars(sa.select(AuditEvent).filter_by(action="user.login_failed")).all()
        right = post(base, "/login", {"email": "target@example.nhs.uk", "password": PASSWORD})

    assert [a.status for a in answers] == [400] * 60, "every guess is refused, none with a server error"
    assert checked <= limit, f"{checked} passwords verified; the limit is {limit}"
    assert sum(LOCKED in a.body for a in answers) >= 60 - limit
    assert len(failures) == 60, "every failure is recorded"
    assert right.status == 400 and LOCKED in right.body, "locked even for the right password"
    assert len(verified) == checked, "a locked attempt is refused without verifying the password"


def test_bad_passwords_from_one_address_lock_that_account_there_but_not_its_neighbours(app, client, ctx):
    make_user("target@example.nhs.uk")
    make_user("colleague@example.nhs.uk")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(client, "target@example.nhs.uk", "guess guess guess").status_code == 400
    locked = sign_in(client, "target@example.nhs.uk")
    assert locked.status_code == 400 and LOCKED in locked.get_data(as_text=True)
    # The trust's NAT is one address: five bad tries must not lock out everyone behind it.
    assert sign_in(client, "colleague@example.nhs.uk").status_code == 302
    client.post("/logout")
    assert sign_in(client, "target@example.nhs.uk", address="10.0.0.2").status_code == 302


def test_guesses_spread_over_many_addresses_lock_the_account(app, client, ctx):
    make_user("target@example.nhs.uk")
    for i in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert sign_in(client, "target@example.nhs.uk", "guess guess guess", address=f"10.1.{i}.1").status_code == 400
    locked = sign_in(client, "target@example.nhs.uk", address="10.9.9.9")
    assert locked.status_code == 400 and LOCKED in locked.get_data(as_text=True)


def test_one_address_has_a_high_configurable_limit_across_accounts(app, client, ctx):
    assert Defaults.LOGIN_MAX_FAILURES_PER_ADDRESS >= 100
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    for i in range(6):
        make_user(f"user{i}@example.nhs.uk")
        assert sign_in(client, f"user{i}@example.nhs.uk", "guess guess guess", address="10.5.5.5").status_code == 400
    make_user("last@example.nhs.uk")
    locked = sign_in(client, "last@example.nhs.uk", address="10.5.5.5")
    assert locked.status_code == 400 and LOCKED in locked.get_data(as_text=True)
    assert sign_in(client, "last@example.nhs.uk", address="10.6.6.6").status_code == 302


@pytest.mark.real_commits
def test_the_client_address_comes_from_trusted_proxies_only(app, client, ctx, database, tmp_path):
    make_user("proxied@example.nhs.uk")
    forged = {"X-Forwarded-For": "203.0.113.9"}
    assert sign_in(client, "proxied@example.nhs.uk", address="10.0.0.1", headers=forged).status_code == 302
    login = db.session.scalar(sa.select(AuditEvent).filter_by(action="user.login"))
    assert login.remote_addr == "10.0.0.1", "no trusted proxy by default: the header is ignored"

    proxied = create_app(base_config(tmp_path, database) | {"INSTANCE_PATH": str(tmp_path), "TRUSTED_PROXIES": 1})
    try:
        behind = proxied.test_client()
        via_proxy = {"REMOTE_ADDR": "10.0.0.1"}  # the proxy; it appends the client's address
        for _ in range(proxied.config["LOGIN_MAX_FAILURES"]):
            behind.post("/login", data={"email": "proxied@example.nhs.uk", "password": "guess guess guess"},
                        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}, environ_base=via_proxy)
        locked = behind.post("/login", data={"email": "proxied@example.nhs.uk", "password": PASSWORD},
                             headers={"X-Forwarded-For": "203.0.113.7"}, environ_base=via_proxy)
        assert locked.status_code == 400 and LOCKED in locked.get_data(as_text=True)
        fine = behind.post("/login", data={"email": "proxied@example.nhs.uk", "password": PASSWORD},
                           headers={"X-Forwarded-For": "203.0.113.8"}, environ_base=via_proxy)
        assert fine.status_code == 302
        addresses = db.session.scalars(sa.select(AuditEvent.remote_addr).filter_by(action="user.login_failed")).all()
        assert set(addresses) == {"203.0.113.7"}, "the address the trusted proxy saw, not the forged first entry"
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_unstorable_email_is_a_plain_failure(ctx):
    from onboarding.people import accounts, throttle

    policy = throttle.Policy(5, 20, 100, 900)
    with pytest.raises(accounts.AccountError, match="Enter a correct email address and password"):
        accounts.sign_in("someone\x00@example.nhs.uk", PASSWORD, "10.0.0.1", policy)
    assert accounts.find_user("leader\x00@example.nhs.uk") is None


def test_outside_the_tests_passwords_are_hashed_at_full_cost(tmp_path):
    """The tests sign in with the cheapest argon2id (tests/conftest.py); an app on the
    defaults hashes at t=3, 64 MiB, the cost the limits above keep attackers paying."""
    from onboarding.people import accounts

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'full.sqlite3'}", "SECRET_KEY": "x",
                      "INSTANCE_PATH": str(tmp_path)})
    try:
        with app.app_context():
            db.create_all()
            user = make_user("full.cost@example.nhs.uk")
            assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
            assert accounts.check_password(user, PASSWORD) and not accounts.check_password(user, "not the password")
            db.session.remove()
            db.engine.dispose()
    finally:
        test = base_config(tmp_path, "sqlite://")
        accounts.configure_hasher(test["ARGON2_TIME_COST"], test["ARGON2_MEMORY_COST"])
