"""Server-side sessions: signing out, the 8-hour and 30-minute limits, and the
changes (password, deactivation, HR rights) that end a user's other sessions."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from onboarding.extensions import db
from onboarding.models import User, UserSession, utcnow
from onboarding.people import accounts

from .conftest import PASSWORD, make_user


class OwnContextClient(FlaskClient):
    """Each request in an app context of its own, as in production: Flask-Login keeps the
    signed-in user on ``g``, which requests sharing the test's app context would share."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def own_contexts(app):
    app.test_client_class = OwnContextClient


def sign_in(client, user, password=PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302
    return response


def sessions_of(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(UserSession).filter_by(user_id=user.id).order_by(UserSession.id)))


def set_times(user, **times) -> None:
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id).values(**times))
    db.session.commit()


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_replayed_after_signing_out_is_refused(app, client, cast):
    leader = cast["leader_a"]
    sign_in(client, leader)
    assert client.get_cookie("remember_token") is None, "no remember-me cookie"
    stolen = client.get_cookie("session").value
    assert client.get("/my-plan").status_code == 200
    assert client.post("/logout").status_code == 302
    (row,) = sessions_of(leader)
    assert row.ended_at is not None

    client.set_cookie("session", stolen)
    assert sent_to_sign_in(client.get("/my-plan"))
    assert sent_to_sign_in(client.post("/account", data={"nudge_mode": "mute"}))
    db.session.expire_all()
    assert db.session.get(User, leader.id).nudge_mode == "all", "a POST with the old cookie saves nothing"


def test_a_session_ends_eight_hours_after_sign_in_however_active(app, client, cast):
    leader = cast["leader_a"]
    sign_in(client, leader)
    set_times(leader, created_at=utcnow() - timedelta(hours=7, minutes=59), last_seen_at=utcnow())
    assert client.get("/my-plan").status_code == 200
    set_times(leader, created_at=utcnow() - timedelta(hours=8, seconds=1), last_seen_at=utcnow())
    assert sent_to_sign_in(client.get("/my-plan"))


def test_a_session_ends_after_thirty_minutes_idle_and_the_limits_are_settings(app, client, cast):
    leader = cast["leader_a"]
    sign_in(client, leader)
    set_times(leader, last_seen_at=utcnow() - timedelta(seconds=10))
    seen = sessions_of(leader)[0].last_seen_at
    assert client.get("/my-plan").status_code == 200
    assert sessions_of(leader)[0].last_seen_at == seen, "not written on every page"

    set_times(leader, last_seen_at=utcnow() - timedelta(minutes=29))
    assert client.get("/my-plan").status_code == 200
    assert sessions_of(leader)[0].last_seen_at > utcnow() - timedelta(minutes=1), "activity keeps it alive"

    set_times(leader, last_seen_at=utcnow() - timedelta(minutes=30, seconds=5))
    assert sent_to_sign_in(client.get("/my-plan"))

    app.config.update(SESSION_IDLE_SECONDS=5 * 60, SESSION_MAX_SECONDS=3600)
    sign_in(client, leader)
    set_times(leader, last_seen_at=utcnow() - timedelta(minutes=6))
    assert sent_to_sign_in(client.get("/my-plan"))
    sign_in(client, leader)
    set_times(leader, created_at=utcnow() - timedelta(minutes=61))
    assert sent_to_sign_in(client.get("/my-plan"))


def test_changing_the_password_ends_every_other_session(app, client, cast):
    leader = cast["leader_a"]
    sign_in(client, leader)
    elsewhere = app.test_client()
    sign_in(elsewhere, leader)
    this_one = sessions_of(leader)[0]
    accounts.set_password(db.session.get(User, leader.id), "a brand new long password", keep_session=this_one)
    db.session.commit()
    assert client.get("/my-plan").status_code == 200
    assert sent_to_sign_in(elsewhere.get("/my-plan"))


def test_deactivation_and_losing_hr_rights_end_that_users_sessions(app, client, cast, login):
    other_hr = make_user("hr.two@example.nhs.uk", "Harriet HR", hr=True)
    leader = cast["leader_a"]
    hr_browser, leader_browser = app.test_client(), app.test_client()
    sign_in(hr_browser, other_hr)
    sign_in(leader_browser, leader)
    assert hr_browser.get("/hr/users").status_code == 200

    login(cast["hr"])
    assert client.post(f"/hr/users/{other_hr.id}/remove-hr").status_code == 302
    assert sent_to_sign_in(hr_browser.get("/account"))
    assert client.post(f"/hr/users/{leader.id}/deactivate").status_code == 302
    assert sent_to_sign_in(leader_browser.get("/my-plan"))
    assert client.get("/hr/users").status_code == 200, "the HR user's own session goes on"
    assert all(row.ended_at is not None for row in sessions_of(other_hr) + sessions_of(leader))


def test_the_session_of_a_deactivated_user_is_ignored(app, client, cast):
    leader = cast["leader_a"]
    sign_in(client, leader)
    db.session.get(User, leader.id).active = False  # however it happened, the session must not count
    db.session.commit()
    assert sent_to_sign_in(client.get("/my-plan"))
    assert client.get("/login").status_code == 200, "the sign-in page is shown, not a redirect home"


def test_signing_in_clears_that_users_sessions_that_can_no_longer_be_used(app, client, cast):
    leader, sponsor = cast["leader_a"], cast["sponsor_a"]
    sign_in(client, leader)
    client.post("/logout")  # ended
    sign_in(client, leader)
    set_times(leader, created_at=utcnow() - timedelta(hours=9))  # past the 8-hour limit
    sign_in(client.application.test_client(), sponsor)
    other = client.application.test_client()
    sign_in(other, leader)
    assert other.get("/my-plan").status_code == 200
    (live,) = sessions_of(leader)  # only the one just started is kept
    assert live.ended_at is None
    assert len(sessions_of(sponsor)) == 1  # other people's sessions are not touched
