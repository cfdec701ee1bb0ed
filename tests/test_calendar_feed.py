"""Calendar feeds: parse back with icalendar, one all-day event per open owned milestone,
stable UIDs, updates when dates move, and refused for a wrong or replaced token. Only the
token's hash is stored, so the address is shown once, when it is made."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, User
from onboarding.people.tokens import hash_token
from onboarding.plans import calendar_feed, checkins

ADDRESS = re.compile(r"http://onboarding\.test/calendar/([A-Za-z0-9_-]+)\.ics")


def token_of(user) -> str:
    """The user's feed token, made on first use (as the calendar page does)."""
    tokens = db.session.info.setdefault("feed_tokens", {})
    if user.id not in tokens:
        tokens[user.id] = calendar_feed.create_address(user)
        db.session.commit()
    return tokens[user.id]


def feed(client, user):
    response = client.get(f"/calendar/{token_of(user)}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _owned(plan, owner):
    return [m for m in plan.milestones if m.owner == owner and m.status == "todo"]


@pytest.mark.parametrize("who, owner", [("leader_a", "leader"), ("sponsor_a", "sponsor"), ("mentor_a", "mentor"), ("hr", "hr")])
def test_one_all_day_event_per_open_owned_milestone(cast, client, who, owner):
    plan = cast["plan_a"]
    done = _owned(plan, owner)[0]
    plans.complete_milestone(done, cast["hr"])
    db.session.commit()
    cal = feed(client, cast[who])
    assert str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    found = events(cal)
    # HR owns the HR milestones of the plans it is the HR contact of: both plans here.
    expected = _owned(plan, owner) + (_owned(cast["plan_b"], owner) if who == "hr" else [])
    assert set(found) == {f"milestone-{m.id}@onboarding.test" for m in expected}
    assert f"milestone-{done.id}@onboarding.test" not in found
    for m in expected:
        event = found[f"milestone-{m.id}@onboarding.test"]
        assert event.decoded("DTSTART") == m.due_date  # a date, so an all-day event
        assert event.decoded("DTEND") == m.due_date + timedelta(days=1)
        assert m.title in str(event["SUMMARY"])
        assert event.get("DTSTAMP") is not None


def test_people_without_plans_get_an_empty_feed(cast, client):
    from tests.conftest import make_user

    assert events(feed(client, make_user("new@example.nhs.uk"))) == {}


def test_uids_are_stable_and_a_moved_due_date_shows(cast, client):
    leader = cast["leader_a"]
    first = events(feed(client, leader))
    again = events(feed(client, leader))
    assert set(first) == set(again)
    m = _owned(cast["plan_a"], "leader")[0]
    uid = f"milestone-{m.id}@onboarding.test"
    m.due_date = m.due_date + timedelta(days=7)
    db.session.commit()
    moved = events(feed(client, leader))
    assert set(moved) == set(first)
    assert moved[uid].decoded("DTSTART") == first[uid].decoded("DTSTART") + timedelta(days=7)


def test_paused_plans_stay_and_closed_plans_leave_the_feed(cast, client):
    leader = cast["leader_a"]
    plans.pause(cast["plan_a"], cast["hr"], on=date(2026, 10, 1))
    db.session.commit()
    assert events(feed(client, leader))
    plans.close(cast["plan_a"], cast["hr"], "withdrawn")
    db.session.commit()
    assert events(feed(client, leader)) == {}


def test_next_check_in_appears_for_the_leader_and_sponsor(cast, client):
    plan = cast["plan_a"]
    held = plans.today()
    checkins.log_checkin(plan, cast["sponsor_a"], checkins.CheckInInput(
        held_on=held, rag="green", summary="Fine", next_checkin_on=held + timedelta(days=14)))
    db.session.commit()
    uid = f"checkin-plan-{plan.id}@onboarding.test"
    for who in ("leader_a", "sponsor_a"):
        event = events(feed(client, cast[who]))[uid]
        assert event.decoded("DTSTART") == held + timedelta(days=14)
    assert uid not in events(feed(client, cast["mentor_a"]))
    assert uid not in events(feed(client, cast["other_sponsor"]))


def test_wrong_token_is_404(cast, client):
    token = token_of(cast["leader_a"])
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert client.get(f"/calendar/{token}x.ics").status_code == 404
    # The stored hash is not a token either: a copy of the database opens no feed.
    assert client.get(f"/calendar/{cast['leader_a'].feed_token_hash}.ics").status_code == 404


def test_only_the_hash_is_stored_and_feeds_are_found_by_it(cast, client):
    leader = cast["leader_a"]
    token = token_of(leader)
    db.session.expire_all()
    stored = db.session.execute(sa.select(User.__table__).where(User.id == leader.id)).one()._asdict()
    assert stored["feed_token_hash"] == hash_token(token)
    assert token not in str(stored)
    assert stored["feed_token_created_at"] is not None
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_new_users_have_no_feed_until_they_create_one(cast, client, login):
    from tests.conftest import make_user

    newcomer = make_user("new@example.nhs.uk")
    assert newcomer.feed_token_hash is None
    login(newcomer)
    page = client.get("/account/calendar").get_data(as_text=True)
    assert "You do not have a calendar address yet" in page and "Create a calendar address" in page
    assert not ADDRESS.search(page)
    response = client.post("/account/calendar")
    assert response.status_code == 200
    token = ADDRESS.search(response.get_data(as_text=True)).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.feed_create"))
    assert event.actor_id == newcomer.id and token not in str(event.detail)


def test_a_new_address_ends_the_old_one_and_is_shown_only_once(cast, client, login):
    leader = cast["leader_a"]
    old = token_of(leader)
    login(leader)
    page = client.get("/account/calendar").get_data(as_text=True)
    assert "Your current calendar address was created on" in page and "Create a new address" in page
    assert old not in page and not ADDRESS.search(page)
    response = client.post("/account/calendar")
    assert response.status_code == 200
    new = ADDRESS.search(response.get_data(as_text=True)).group(1)
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.feed_reset")).actor_id == leader.id
    # Later responses never show the raw token again.
    again = client.get("/account/calendar").get_data(as_text=True)
    assert new not in again and not ADDRESS.search(again)


def test_deactivated_users_feed_stops(cast, client):
    leader = cast["leader_a"]
    token = token_of(leader)
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    leader.active = False
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_calendar_page_needs_sign_in(client):
    assert client.get("/account/calendar").status_code == 302
    assert client.post("/account/calendar").status_code == 302
