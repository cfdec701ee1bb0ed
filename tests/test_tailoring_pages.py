"""Tailoring one plan through the pages and the API: not applicable with a reason, applicable
again, a changed due date (refused next to the field on a day the owner does not work), an
added milestone (201 and Location in the API), and who may."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, Milestone
from onboarding.people import tokens

D = date.fromisoformat


def by_key(plan, key):
    return next(m for m in plan.milestones if m.key == key)


@pytest.fixture
def api(cast, client):
    made = {}

    def call(who, method, path, **kwargs):
        if who not in made:
            _, made[who] = tokens.create(cast[who], f"test {who}")
            db.session.commit()
        return client.open(f"/api/v1{path}", method=method, headers={"Authorization": f"Bearer {made[who]}"}, **kwargs)

    return call


def date_fields(name, day: date) -> dict:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


# --- pages ------------------------------------------------------------------------------------------


def test_hr_marks_a_milestone_not_applicable_and_the_plan_says_so(cast, client, login):
    plan, hr = cast["plan_a"], cast["hr"]
    fppt = by_key(plan, "fppt-checks")
    login(hr)
    page = client.get(f"/plans/{plan.id}/milestones/{fppt.id}").get_data(as_text=True)
    assert "Mark as not applicable" in page and "Change due date or owner" in page
    refused = client.post(f"/plans/{plan.id}/milestones/{fppt.id}/not-applicable", data={"na-reason": ""})
    assert refused.status_code == 400 and "Enter why this milestone is not applicable" in refused.get_data(as_text=True)
    done = client.post(f"/plans/{plan.id}/milestones/{fppt.id}/not-applicable",
                       data={"na-reason": "Not a board member <b>so</b> the FPPT does not apply"})
    assert done.status_code == 302
    overview = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Tailored: 1 not applicable" in overview and "Not applicable to this plan" in overview
    assert "Reason: Not a board member &lt;b&gt;so&lt;/b&gt; the FPPT does not apply" in overview
    assert "0 of 33 milestones done" in overview
    admin = client.get(f"/hr/plans/{plan.id}").get_data(as_text=True)
    assert "Tailored: 1 not applicable" in admin and "Not applicable: Not a board member" in admin
    again = client.post(f"/plans/{plan.id}/milestones/{fppt.id}/applicable", data={"applicable-reason": "Joined the board"})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, fppt.id).status == "todo"


def test_a_changed_due_date_on_a_non_working_day_is_refused_next_to_the_field(cast, client, login):
    plan, hr = cast["plan_a"], cast["hr"]
    m = by_key(plan, "stars-diagnosis")
    login(hr)
    url = f"/plans/{plan.id}/milestones/{m.id}/change"
    refused = client.post(url, data={**date_fields("change-due", D("2026-12-25")), "change-owner": "leader",
                                      "change-reason": "Board"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "The due date must be one of the leader&#39;s working days, not a weekend or bank holiday: " \
           "Friday 25 December 2026 is not" in text
    assert 'href="#change-due-day"' in text  # the error summary links to the date's first box
    db.session.expire_all()
    assert db.session.get(Milestone, m.id).due_date == D("2026-09-17")
    ok = client.post(url, data={**date_fields("change-due", D("2026-12-24")), "change-owner": "leader",
                                 "change-reason": "Board"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, m.id).due_date == D("2026-12-24")


def test_the_leader_adds_a_milestone_and_tailors_only_their_own(cast, client, login):
    plan, leader = cast["plan_a"], cast["leader_a"]
    login(leader)
    assert "Add a milestone to this plan" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    form = client.get(f"/plans/{plan.id}/milestones/new")
    assert form.status_code == 200
    data = {"title": "Meet the ICB digital lead", "description": "", "owner": "leader",
            **date_fields("due", D("2026-10-14")), "phase": "orientate-and-listen", "reason": "The ICB asked"}
    saturday = client.post(f"/plans/{plan.id}/milestones/new", data=data | date_fields("due", D("2026-10-17")))
    assert saturday.status_code == 400 and "Saturday 17 October 2026 is not" in saturday.get_data(as_text=True)
    added = client.post(f"/plans/{plan.id}/milestones/new", data=data)
    assert added.status_code == 302
    db.session.expire_all()
    new = db.session.scalar(sa.select(Milestone).where(Milestone.key == "added_meet-the-icb-digital-lead"))
    assert new.added and new.due_date == D("2026-10-14")
    assert "Added for this plan" in client.get(f"/plans/{plan.id}/milestones/{new.id}").get_data(as_text=True)
    assert client.post(f"/plans/{plan.id}/milestones/{new.id}/not-applicable", data={"na-reason": "Met already"}).status_code == 302
    playbook_one = by_key(plan, "stars-diagnosis")
    assert "Mark as not applicable" not in client.get(f"/plans/{plan.id}/milestones/{playbook_one.id}").get_data(as_text=True)
    assert client.post(f"/plans/{plan.id}/milestones/{playbook_one.id}/not-applicable",
                       data={"na-reason": "Not for me"}).status_code == 403
    login(cast["sponsor_a"])
    assert client.get(f"/plans/{plan.id}/milestones/new").status_code == 403
    assert client.post(f"/plans/{plan.id}/milestones/{new.id}/applicable", data={}).status_code == 403
    login(cast["leader_b"])
    assert client.get(f"/plans/{plan.id}/milestones/new").status_code == 404


# --- API --------------------------------------------------------------------------------------------


def test_the_api_tailors_a_plan(api, cast):
    plan = cast["plan_a"]
    base = f"/plans/{plan.id}/milestones"
    missing = api("hr", "POST", f"{base}/fppt-checks/not-applicable", json={})
    assert missing.status_code == 422 and missing.get_json()["field"] == "reason"
    marked = api("hr", "POST", f"{base}/fppt-checks/not-applicable", json={"reason": "Not a board member"})
    assert marked.status_code == 200
    assert marked.get_json()["status"] == "not_applicable"
    assert marked.get_json()["not_applicable_reason"] == "Not a board member"
    again = api("hr", "POST", f"{base}/fppt-checks/not-applicable", json={"reason": "Twice"})
    assert again.status_code == 409

    body = {"title": "Meet the ICB digital lead", "owner": "leader", "due": "2026-10-14",
            "phase": "orientate-and-listen", "reason": "The ICB asked"}
    created = api("leader_a", "POST", base, json=body)
    assert created.status_code == 201 and created.get_json()["added"] is True
    key = created.get_json()["key"]
    assert created.headers["Location"].endswith(f"/api/v1/plans/{plan.id}/milestones/{key}")
    assert api("sponsor_a", "GET", f"{base}/{key}").get_json()["title"] == "Meet the ICB digital lead"
    shown = api("mentor_a", "GET", f"/plans/{plan.id}").get_json()["milestones"]
    assert [m.get("added") for m in shown if m["key"] == key] == [True]
    assert all("added" not in m for m in shown if m["key"] != key)

    bank_holiday = api("hr", "PATCH", f"{base}/stars-diagnosis", json={"due": "2026-12-25", "reason": "Board"})
    assert bank_holiday.status_code == 422 and bank_holiday.get_json()["field"] == "due"
    assert "Friday 25 December 2026 is not" in bank_holiday.get_json()["message"]
    moved = api("hr", "PATCH", f"{base}/stars-diagnosis", json={"due": "2026-12-24", "owner": "sponsor", "reason": "Board"})
    assert moved.status_code == 200 and (moved.get_json()["due"], moved.get_json()["owner"]) == ("2026-12-24", "sponsor")

    # The leader tailors only what they added; the sponsor nothing; another leader sees nothing.
    assert api("leader_a", "PATCH", f"{base}/stars-diagnosis", json={"due": "2026-12-23", "reason": "x"}).status_code == 404
    assert api("leader_a", "PATCH", f"{base}/{key}", json={"due": "2026-10-15", "reason": "Moved"}).status_code == 200
    assert api("sponsor_a", "POST", f"{base}/{key}/not-applicable", json={"reason": "x"}).status_code == 404
    assert api("sponsor_a", "POST", base, json=body).status_code == 404
    assert api("leader_b", "POST", base, json=body).status_code == 404
    assert api("hr", "POST", f"{base}/fppt-checks/applicable").status_code == 200

    reasons = {e.action: e.detail.get("reason") for e in db.session.scalars(sa.select(AuditEvent))}
    assert reasons["milestone.not_applicable"] == "Not a board member"
    assert reasons["milestone.add"] == "The ICB asked"
