"""Check-ins in the domain: logging, editing, validation and when the next one is due."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, CheckIn
from onboarding.plans import checkins
from onboarding.plans.checkins import CheckInError, CheckInInput

from .date_input import boxes

TODAY = date(2026, 10, 5)


def _input(**overrides) -> CheckInInput:
    values = dict(held_on=date(2026, 10, 1), rag="amber", summary="Settling in; two key relationships still to build.",
                  private_note="Worried about the CFO relationship.", actions="Meet the CFO", next_checkin_on=date(2026, 10, 15))
    values.update(overrides)
    return CheckInInput(**values)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn))


def test_log_checkin_records_everything_and_audits(cast):
    plan, sponsor = cast["plan_a"], cast["sponsor_a"]
    checkin = checkins.log_checkin(plan, sponsor, _input(summary="  Good start  "), TODAY, "10.0.0.1")
    db.session.commit()
    assert checkin.id and checkin.sponsor_id == sponsor.id and checkin.plan_id == plan.id
    assert checkin.summary == "Good start"
    assert (checkin.held_on, checkin.rag, checkin.next_checkin_on) == (date(2026, 10, 1), "amber", date(2026, 10, 15))
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "checkin.create")).one()
    assert (event.actor_id, event.object_type, event.object_id, event.remote_addr) == (sponsor.id, "checkin", checkin.id, "10.0.0.1")
    assert event.detail["rag"] == "amber"
    # The private note is for the sponsor and HR: it never goes into the audit trail.
    assert "CFO relationship" not in str(event.detail)


def test_update_checkin_changes_it_and_audits(cast):
    plan, sponsor = cast["plan_a"], cast["sponsor_a"]
    checkin = checkins.log_checkin(plan, sponsor, _input(), TODAY)
    db.session.commit()
    checkins.update_checkin(checkin, sponsor, _input(rag="green", summary="Better now", next_checkin_on=None), TODAY)
    db.session.commit()
    db.session.expire_all()
    checkin = db.session.get(CheckIn, checkin.id)
    assert (checkin.rag, checkin.summary, checkin.next_checkin_on) == ("green", "Better now", None)
    assert checkin.updated_at is not None
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "checkin.update")).one()
    assert event.detail["changed"] == ["rag", "summary", "next_checkin_on"]
    assert "Better now" not in str(event.detail)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"held_on": None}, "held_on"),
        ({"held_on": TODAY + timedelta(days=1)}, "held_on"),
        ({"rag": "purple"}, "rag"),
        ({"rag": None}, "rag"),
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * 5001}, "summary"),
        ({"private_note": "x" * 5001}, "private_note"),
        ({"actions": "x" * 5001}, "actions"),
        ({"next_checkin_on": date(2026, 10, 1)}, "next_checkin_on"),
        ({"next_checkin_on": date(2026, 9, 30)}, "next_checkin_on"),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_saved(cast, overrides, field):
    with pytest.raises(CheckInError) as caught:
        checkins.log_checkin(cast["plan_a"], cast["sponsor_a"], _input(**overrides), TODAY)
    assert field in caught.value.errors
    db.session.rollback()
    assert _count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("checkin.%"))) == 0


def test_today_and_the_longest_texts_are_accepted(cast):
    checkins.log_checkin(cast["plan_a"], cast["sponsor_a"],
                         _input(held_on=TODAY, summary="x" * 5000, next_checkin_on=TODAY + timedelta(days=1)), TODAY)
    db.session.commit()
    assert _count() == 1


def test_an_invalid_edit_leaves_the_checkin_as_it_was(cast):
    checkin = checkins.log_checkin(cast["plan_a"], cast["sponsor_a"], _input(), TODAY)
    db.session.commit()
    with pytest.raises(CheckInError):
        checkins.update_checkin(checkin, cast["sponsor_a"], _input(summary="", rag="red"), TODAY)
    db.session.rollback()
    assert (db.session.get(CheckIn, checkin.id).rag, checkin.summary) == ("amber", "Settling in; two key relationships still to build.")


def test_closed_plans_take_no_new_or_changed_checkins(cast):
    plan, sponsor = cast["plan_a"], cast["sponsor_a"]
    checkin = checkins.log_checkin(plan, sponsor, _input(), TODAY)
    plans.close(plan, cast["hr"], "completed")
    db.session.commit()
    for attempt in (lambda: checkins.log_checkin(plan, sponsor, _input(), TODAY),
                    lambda: checkins.update_checkin(checkin, sponsor, _input(rag="red"), TODAY)):
        with pytest.raises(CheckInError) as caught:
            attempt()
        assert "completed" in caught.value.errors["plan"]
    db.session.rollback()
    assert _count() == 1


def test_paused_plans_still_take_checkins(cast):
    plans.pause(cast["plan_a"], cast["hr"], on=date(2026, 10, 1))
    checkins.log_checkin(cast["plan_a"], cast["sponsor_a"], _input(), TODAY)
    db.session.commit()
    assert _count() == 1


def test_history_is_newest_first(cast):
    plan, sponsor = cast["plan_a"], cast["sponsor_a"]
    for held in (date(2026, 9, 10), date(2026, 10, 1), date(2026, 9, 24)):
        checkins.log_checkin(plan, sponsor, _input(held_on=held, next_checkin_on=None), TODAY)
    db.session.commit()
    assert [c.held_on for c in checkins.history(plan)] == [date(2026, 10, 1), date(2026, 9, 24), date(2026, 9, 10)]
    assert checkins.history(cast["plan_b"]) == []


def test_next_due_follows_the_latest_checkin_then_the_cadence(cast):
    plan, sponsor = cast["plan_a"], cast["sponsor_a"]
    assert plan.checkin_cadence_days == 14
    # No check-in yet: the cadence after the start.
    assert checkins.next_due_for(plan, checkins.latest(plan)) == plan.start_date + timedelta(days=14)
    # The latest check-in named no date: the cadence after it.
    checkins.log_checkin(plan, sponsor, _input(held_on=date(2026, 9, 20), next_checkin_on=None), TODAY)
    db.session.flush()
    assert checkins.next_due_for(plan, checkins.latest(plan)) == date(2026, 10, 4)
    # A later check-in set the next date itself: that wins.
    checkins.log_checkin(plan, sponsor, _input(held_on=date(2026, 10, 1), next_checkin_on=date(2026, 10, 9)), TODAY)
    db.session.flush()
    assert checkins.next_due_for(plan, checkins.latest(plan)) == date(2026, 10, 9)


def test_next_due_is_pure():
    start = date(2026, 9, 7)
    assert checkins.next_due(start, 14) == date(2026, 9, 21)
    assert checkins.next_due(start, 7, date(2026, 10, 1)) == date(2026, 10, 8)
    assert checkins.next_due(start, 7, date(2026, 10, 1), date(2026, 10, 30)) == date(2026, 10, 30)


def test_suggested_next_lands_on_a_working_day(cast):
    # 14 days after Friday 11 December 2026 is Christmas Day, a bank holiday.
    assert checkins.suggested_next(cast["plan_a"], date(2026, 12, 11)) == date(2026, 12, 29)


# --- a form posted twice, an API call retried -------------------------------------------------


def test_log_once_returns_the_checkin_a_key_already_made(cast):
    plan, sponsor = cast["plan_a"], cast["sponsor_a"]
    first, created = checkins.log_once(plan, sponsor, _input(), "form-key-1", TODAY)
    assert created
    again, created = checkins.log_once(plan, sponsor, _input(summary="A second click"), "form-key-1", TODAY)
    assert (again.id, created, again.summary) == (first.id, False, "Settling in; two key relationships still to build.")
    assert _count() == 1
    # The key is kept only as a fingerprint scoped to the sponsor and plan.
    assert first.request_key not in (None, "form-key-1") and len(first.request_key) == 64
    # Another sponsor's identical key on their own plan is their own check-in.
    other, created = checkins.log_once(cast["plan_b"], cast["other_sponsor"], _input(), "form-key-1", TODAY)
    assert created and other.id != first.id
    # No key: each call is a new check-in, as before.
    assert checkins.log_once(plan, sponsor, _input(), None, TODAY)[1] and checkins.log_once(plan, sponsor, _input(), None, TODAY)[1]
    assert _count() == 4


def _form_key(html: str) -> str:
    import re

    return re.search(r'name="request_key"[^>]*value="([^"]+)"', html).group(1)


def test_the_form_saved_twice_is_one_checkin_with_the_same_answer(cast, client, login):
    login(cast["sponsor_a"])
    plan_id = cast["plan_a"].id
    page = client.get(f"/plans/{plan_id}/checkins/new").get_data(as_text=True)
    key = _form_key(page)
    assert key != _form_key(client.get(f"/plans/{plan_id}/checkins/new").get_data(as_text=True))  # new per form
    data = {"request_key": key, **boxes("held_on", plans.today()), "rag": "green", "summary": "Going well"}
    first = client.post(f"/plans/{plan_id}/checkins/new", data=data)
    second = client.post(f"/plans/{plan_id}/checkins/new", data=data)
    checkin_id = db.session.scalar(sa.select(CheckIn.id))
    assert _count() == 1
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == f"/plans/{plan_id}/checkins#checkin-{checkin_id}"
    assert "Check-in saved" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "checkin.create")) == 1


def test_an_invalid_form_keeps_its_key_so_the_corrected_post_saves_once(cast, client, login):
    login(cast["sponsor_a"])
    plan_id = cast["plan_a"].id
    key = _form_key(client.get(f"/plans/{plan_id}/checkins/new").get_data(as_text=True))
    data = {"request_key": key, **boxes("held_on", plans.today()), "rag": "green", "summary": ""}
    refused = client.post(f"/plans/{plan_id}/checkins/new", data=data)
    assert refused.status_code == 400 and _form_key(refused.get_data(as_text=True)) == key
    assert client.post(f"/plans/{plan_id}/checkins/new", data=data | {"summary": "Fixed"}).status_code == 302
    assert client.post(f"/plans/{plan_id}/checkins/new", data=data | {"summary": "Fixed"}).status_code == 302
    assert _count() == 1


@pytest.fixture
def sponsor_api(cast, client):
    from onboarding.people import tokens

    _, raw = tokens.create(cast["sponsor_a"], "HR system")
    db.session.commit()

    def post(key=None, **body):
        headers = {"Authorization": f"Bearer {raw}"} | ({"Idempotency-Key": key} if key is not None else {})
        return client.post(f"/api/v1/plans/{cast['plan_a'].id}/checkins", headers=headers,
                           json={"held_on": "2026-10-01", "rag": "green", "summary": "On track"} | body)

    return post


def test_api_retry_with_the_same_idempotency_key_returns_the_first_checkin(cast, sponsor_api):
    first = sponsor_api("a1b2c3")
    retry = sponsor_api("a1b2c3")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.get_json() == first.get_json()
    assert sponsor_api("another-key").status_code == 201
    assert sponsor_api().status_code == sponsor_api().status_code == 201  # no key: each call logs one
    assert _count() == 4


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "caf\u00e9"])
def test_api_refuses_a_malformed_idempotency_key_and_names_it(cast, sponsor_api, key):
    response = sponsor_api(key)
    assert response.status_code == 422
    assert response.get_json()["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in response.get_json()["message"]
    assert _count() == 0
