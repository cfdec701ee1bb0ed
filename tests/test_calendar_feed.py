"""Calendar feeds: parse back with icalendar, one all-day event per open owned milestone,
stable UIDs, updates when dates move, and refused for a wrong or reset token."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from onboarding import checkins, plans
from onboarding.extensions import db
from onboarding.models import AuditEvent


def feed(client, user):
    response = client.get(f"/calendar/{user.feed_token}.ics")
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
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert client.get(f"/calendar/{cast['leader_a'].feed_token}x.ics").status_code == 404


def test_reset_gives_a_new_address_and_the_old_one_stops(cast, client, login):
    leader = cast["leader_a"]
    old = leader.feed_token
    login(leader)
    page = client.get("/account/calendar").get_data(as_text=True)
    assert f"http://onboarding.test/calendar/{old}.ics" in page
    response = client.post("/account/calendar", follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(leader)
    assert leader.feed_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{leader.feed_token}.ics").status_code == 200
    assert leader.feed_token in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.feed_reset")).actor_id == leader.id


def test_deactivated_users_feed_stops(cast, client):
    leader = cast["leader_a"]
    leader.active = False
    db.session.commit()
    assert client.get(f"/calendar/{leader.feed_token}.ics").status_code == 404


def test_calendar_page_needs_sign_in(client):
    assert client.get("/account/calendar").status_code == 302
    assert client.post("/account/calendar").status_code == 302
