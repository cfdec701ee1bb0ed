"""A plan's buddy, executive assistant and peer mentors: who HR names, what each may do, the
leader's nomination of a peer mentor (invited if new), removal, deactivation, nudges and the
calendar feed."""
from __future__ import annotations

import csv
import html
import io
from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import nudges
from onboarding.extensions import db
from onboarding.models import AuditEvent, Milestone, PlanSupporter, User
from onboarding.nudges import mail
from onboarding.plans import supporters

from .conftest import PASSWORD, make_user
from .nudge_helpers import milestone, parts, world


def _leader_milestones(plan):
    return [m for m in plan.milestones if m.owner == "leader"]


def _with_assistant(cast):
    plan = cast["plan_a"]
    cast["assistant"] = make_user("ann.assistant@example.nhs.uk", "Ann Assistant")
    supporters.add(plan, cast["assistant"], "assistant", cast["hr"])
    admin, other = _leader_milestones(plan)[:2]
    admin.delegable, other.delegable = True, False
    db.session.commit()
    return plan, admin, other


def test_the_assistant_completes_a_delegable_milestone_for_the_leader_but_no_other(cast, client, login):
    plan, admin, other = _with_assistant(cast)
    login(cast["assistant"])
    page = html.unescape(client.get(f"/plans/{plan.id}/milestones/{admin.id}").get_data(as_text=True))
    assert "As Leader A's executive assistant you complete this for them" in page

    done = client.post(f"/plans/{plan.id}/milestones/{admin.id}/complete", data={"evidence_note": "Booked all six"})
    refused = client.post(f"/plans/{plan.id}/milestones/{other.id}/complete", data={"evidence_note": "Tried"})

    assert done.status_code == 302 and refused.status_code == 403
    db.session.expire_all()
    assert admin.status == "done" and admin.completed_by_id == cast["assistant"].id
    assert other.status == "todo"
    page = client.get(f"/plans/{plan.id}/milestones/{admin.id}").get_data(as_text=True)
    assert "by Ann Assistant for Leader A" in page
    rows = list(csv.DictReader(io.StringIO(client.get(f"/plans/{plan.id}/export.csv").get_data(as_text=True))))
    assert rows[plan.milestones.index(admin)]["Completed by"] == "Ann Assistant for Leader A"
    # The assistant's page lists what is left to do for the leader: the delegable one is done.
    assert admin.title not in client.get("/supporting").get_data(as_text=True)


def test_the_assistant_sees_the_plan_but_not_private_notes_nor_can_edit_the_leaders_records(cast, client, login):
    plan, _admin, _other = _with_assistant(cast)
    login(cast["assistant"])
    assert client.get(f"/plans/{plan.id}").status_code == 200
    assert client.get(f"/plans/{plan.id}/stakeholders/new").status_code == 403
    assert client.get(f"/plans/{plan.id}/checkins/new").status_code == 403
    assert client.get(f"/plans/{cast['plan_b'].id}").status_code == 404


def test_hr_names_a_buddy_who_completes_the_buddy_milestone(cast, client, login):
    plan = cast["plan_a"]
    buddy = make_user("bo.buddy@example.nhs.uk", "Bo Buddy")
    task = _leader_milestones(plan)[2]
    task.owner = "buddy"
    db.session.commit()
    login(cast["hr"])
    added = client.post(f"/hr/plans/{plan.id}/supporters",
                        data={"supporter-person": "bo.buddy@example.nhs.uk", "supporter-role": "buddy"})
    assert added.status_code == 302
    page = client.get(f"/hr/plans/{plan.id}").get_data(as_text=True)
    assert "Bo Buddy" in page and "Buddy</td>" in page

    login(buddy)
    assert client.get("/").headers["Location"].endswith("/supporting")
    assert task.title in client.get("/supporting").get_data(as_text=True)
    assert "Bo Buddy" in client.get(f"/plans/{plan.id}").get_data(as_text=True)  # the overview names the buddy
    response = client.post(f"/plans/{plan.id}/milestones/{task.id}/complete", data={"evidence_note": "Lunch with the team"})
    assert response.status_code == 302
    db.session.expire_all()
    assert task.status == "done" and task.completed_by_id == buddy.id
    assert "by Bo Buddy\n" in client.get(f"/plans/{plan.id}/milestones/{task.id}").get_data(as_text=True)


@pytest.mark.parametrize("person, role, message", [
    ("leader.a@example.nhs.uk", "assistant", "The leader cannot support their own plan"),
    ("sponsor.a@example.nhs.uk", "assistant", "Sponsor A is already this plan's sponsor"),
    ("nobody@example.nhs.uk", "peer_mentor", "There is no user with that email address"),
    ("sponsor.b@example.nhs.uk", "buddy", "The plan already has a buddy; remove them first"),
])
def test_hr_is_told_why_a_supporter_cannot_be_added_and_nothing_is_written(cast, client, login, person, role, message):
    plan = cast["plan_a"]
    supporters.add(plan, cast["leader_b"], "buddy", cast["hr"])
    db.session.commit()
    login(cast["hr"])
    response = client.post(f"/hr/plans/{plan.id}/supporters", data={"supporter-person": person, "supporter-role": role})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert message in page and 'href="#supporter-person"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanSupporter)) == 1


def test_the_leader_nominates_a_new_peer_mentor_who_is_invited_and_sees_the_plan(cast, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    assert "Nominate a peer mentor" in client.get("/my-plan").get_data(as_text=True)

    response = client.post(f"/plans/{plan.id}/peer-mentors/new", data={"name": "Pat Peer", "email": "Pat.Peer@Example.nhs.uk"})

    assert response.status_code == 302
    peer = db.session.scalar(sa.select(User).where(User.email == "pat.peer@example.nhs.uk"))
    assert peer is not None and peer.name == "Pat Peer"
    [invite] = [m for m in mail.memory_outbox() if m["To"] == "pat.peer@example.nhs.uk"]
    assert invite["Subject"] == "Leader A has asked you to be their peer mentor"
    body = invite.get_body(preferencelist=("plain",)).get_content()
    assert "Leader A has invited you" in body and "as the peer mentor Leader A has asked for" in body
    flashed = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Pat Peer is now your peer mentor" in flashed and "/set-password/" not in flashed  # the link is Pat's alone
    # HR can see who did it: the leader created the account and named the peer mentor.
    actions = {(e.action, e.actor_id) for e in db.session.scalars(sa.select(AuditEvent))}
    assert {("user.create", cast["leader_a"].id), ("plan.supporter_add", cast["leader_a"].id)} <= actions

    from onboarding.people import accounts

    accounts.set_password(peer, PASSWORD)
    db.session.commit()
    login(peer)
    assert client.get(f"/plans/{plan.id}").status_code == 200
    assert client.get(f"/plans/{plan.id}/goals").status_code == 200
    assert client.get(f"/plans/{cast['plan_b'].id}").status_code == 404


def test_nominating_an_existing_user_needs_no_invite_and_bad_input_is_refused_at_the_field(cast, client, login):
    plan = cast["plan_a"]
    peer = make_user("pip.peer@example.nhs.uk", "Pip Peer")
    login(cast["leader_a"])
    bad = client.post(f"/plans/{plan.id}/peer-mentors/new", data={"name": "Me", "email": "leader.a@example.nhs.uk"})
    assert bad.status_code == 400 and "The leader cannot support their own plan" in bad.get_data(as_text=True)
    shapeless = client.post(f"/plans/{plan.id}/peer-mentors/new", data={"name": "X", "email": "not an email"})
    assert shapeless.status_code == 400 and "Enter an email address like name@nhs.net" in shapeless.get_data(as_text=True)
    assert client.post(f"/plans/{plan.id}/peer-mentors/new", data={"name": "", "email": "pip.peer@example.nhs.uk"}).status_code == 400

    ok = client.post(f"/plans/{plan.id}/peer-mentors/new", data={"name": "Pip", "email": "pip.peer@example.nhs.uk"})
    assert ok.status_code == 302
    assert [(s.user_id, s.role) for s in plan.supporters] == [(peer.id, "peer_mentor")]
    assert not [m for m in mail.memory_outbox() if m["To"] == "pip.peer@example.nhs.uk"]


def test_removing_a_supporter_ends_their_access(cast, client, login):
    plan = cast["plan_a"]
    peer = make_user("pip.peer@example.nhs.uk", "Pip Peer")
    row = supporters.add(plan, peer, "peer_mentor", cast["leader_a"])
    db.session.commit()
    login(peer)
    assert client.get(f"/plans/{plan.id}").status_code == 200
    login(cast["hr"])
    assert client.post(f"/hr/plans/{plan.id}/supporters/{row.id}/remove").status_code == 302
    login(peer)
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert "You are not supporting anyone" in client.get("/supporting").get_data(as_text=True)


def test_a_supporter_of_an_open_plan_is_not_deactivated_until_removed(cast, client, login):
    plan = cast["plan_a"]
    buddy = make_user("bo.buddy@example.nhs.uk", "Bo Buddy")
    row = supporters.add(plan, buddy, "buddy", cast["hr"])
    db.session.commit()
    login(cast["hr"])
    refused = client.post(f"/hr/users/{buddy.id}/deactivate")
    assert refused.status_code == 400
    assert "Bo Buddy sponsors, mentors or supports 1 open plan (Leader A)" in refused.get_data(as_text=True)
    assert "(supporter, active)" in client.get(f"/hr/users/{buddy.id}/deactivation").get_data(as_text=True)
    client.post(f"/hr/plans/{plan.id}/supporters/{row.id}/remove")
    assert client.post(f"/hr/users/{buddy.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not buddy.active


def test_a_buddy_milestone_without_a_buddy_needs_hr_attention_and_the_buddy_feed_has_it(cast, client, login):
    from onboarding.plans import calendar_feed

    plan = cast["plan_a"]
    task = _leader_milestones(plan)[2]
    task.owner = "buddy"
    db.session.commit()
    login(cast["hr"])
    assert "Name a buddy on Leader A's plan" in html.unescape(client.get("/hr/attention").get_data(as_text=True))
    buddy = make_user("bo.buddy@example.nhs.uk", "Bo Buddy")
    supporters.add(plan, buddy, "buddy", cast["hr"])
    db.session.commit()
    assert "Name a buddy" not in client.get("/hr/attention").get_data(as_text=True)
    assert [m.id for m in calendar_feed.owned_milestones(buddy)] == [task.id]
    assert task.id not in [m.id for m in calendar_feed.owned_milestones(cast["leader_a"])]


@pytest.mark.real_commits  # the sweep sends from a second connection
def test_the_buddy_is_nudged_about_their_milestone_over_smtp(app, ctx, smtp):
    app.config.update(smtp.config())
    people = world(make_user)
    plan = people["plan"]
    buddy = make_user("bo.buddy@example.nhs.uk", "Bo Buddy")
    supporters.add(plan, buddy, "buddy", people["hr"])
    task = milestone(plan, "mentor-meet")  # due Wednesday 10 February 2027
    task.owner = "buddy"
    db.session.commit()

    def to_buddy(day):
        nudges.sweep(date.fromisoformat(day))
        return [msg for _rcpt, msg in smtp.handler.take() if msg["To"] == "bo.buddy@example.nhs.uk"]

    assert to_buddy("2027-02-05") == []  # Friday: 3 working days before, outside the 2-day window
    [soon] = to_buddy("2027-02-08")  # Monday: 2 working days before
    assert soon["Subject"] == "Due soon: First mentoring conversation (due 10 Feb)"
    assert "First mentoring conversation" in parts(soon)[0]
    [late] = to_buddy("2027-02-11")  # Thursday: a working day late
    assert late["Subject"] == "Overdue: First mentoring conversation (due 10 Feb)"
    # The (muted) mentor and everyone else hear nothing of it; once done it stops.
    from onboarding import plans

    plans.complete_milestone(task, buddy)
    db.session.commit()
    assert to_buddy("2027-02-16") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Milestone).where(Milestone.owner == "buddy")) == 1


def test_through_the_api_the_assistant_completes_the_delegable_milestone_only(cast, client):
    from onboarding.people import tokens

    plan, admin, other = _with_assistant(cast)
    _row, raw = tokens.create(cast["assistant"], "assistant's token", actor=cast["hr"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}

    assert client.get(f"/api/v1/plans/{plan.id}", headers=headers).status_code == 200
    done = client.post(f"/api/v1/plans/{plan.id}/milestones/{admin.key}/complete", headers=headers,
                       json={"evidence_note": "Booked the induction"})
    refused = client.post(f"/api/v1/plans/{plan.id}/milestones/{other.key}/complete", headers=headers,
                          json={"evidence_note": "Tried"})

    assert done.status_code == 200 and done.get_json()["completed_by"] == "ann.assistant@example.nhs.uk"
    assert refused.status_code == 404
    db.session.expire_all()
    assert (admin.status, other.status) == ("done", "todo")


def test_a_sixth_peer_mentor_is_refused_before_anyone_new_is_created(cast, client, login):
    plan = cast["plan_a"]
    for n in range(supporters.MAX_PEER_MENTORS):
        supporters.add(plan, make_user(f"peer{n}@example.nhs.uk", f"Peer {n}"), "peer_mentor", cast["leader_a"])
    db.session.commit()
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    login(cast["leader_a"])
    response = client.post(f"/plans/{plan.id}/peer-mentors/new", data={"name": "Sam Sixth", "email": "sixth@example.nhs.uk"})
    assert response.status_code == 400 and "A plan can have at most 5 peer mentors" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    assert not [m for m in mail.memory_outbox() if m["To"] == "sixth@example.nhs.uk"]
