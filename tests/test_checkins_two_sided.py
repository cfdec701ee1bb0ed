"""Two-sided check-ins: the leader prepares an agenda and reflection that the sponsor sees on
the check-in form and that move onto the check-in when it is logged (page and API); afterwards
the leader acknowledges and comments, and the leader or the sponsor ticks actions done. The
private note stays the sponsor's and HR's."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, CheckIn, Plan
from onboarding.people import tokens
from onboarding.plans import checkin_leader, checkins
from onboarding.plans.checkins import CheckInError, CheckInInput

from .date_input import boxes

AGENDA = "Board paper on the EPR\nHow to reach the CMO"
REFLECTION = "Settling in, but the on-call rota is a mystery"
PRIVATE = "Private: sponsor worried about the CFO"
ACTIONS = "Meet the CMO\nDraft the EPR paper\nJoin the digital board"


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _prepare(client, login, cast, agenda=AGENDA, reflection=REFLECTION):
    login(cast["leader_a"])
    return client.post(f"/plans/{cast['plan_a'].id}/checkins/prepare",
                       data={"leader_agenda": agenda, "leader_reflection": reflection})


def _log(cast, actions=ACTIONS) -> CheckIn:
    held = plans.today() - timedelta(days=2)
    checkin = checkins.log_checkin(cast["plan_a"], cast["sponsor_a"],
                                   CheckInInput(held, "amber", "Good start", PRIVATE, actions))
    db.session.commit()
    return checkin


def _form(**overrides) -> dict:
    today = plans.today()
    data = {"rag": "green", "summary": "Going well", "private_note": PRIVATE, "actions": "Meet the CMO"}
    return data | boxes("held_on", today) | boxes("next_checkin_on", today + timedelta(days=14)) | overrides


# --- before: the agenda ------------------------------------------------------------------------


def test_the_agenda_moves_onto_the_check_in_logged_on_the_page_and_clears(cast, client, login):
    plan_id = cast["plan_a"].id
    response = _prepare(client, login, cast)
    assert response.status_code == 302 and response.headers["Location"].endswith("#prepare")
    plan = _fresh(Plan, plan_id)
    assert (plan.leader_agenda, plan.leader_reflection) == (AGENDA, REFLECTION)
    # The leader sees it again in the form, ready to change.
    assert "How to reach the CMO" in client.get(f"/plans/{plan_id}/checkins").get_data(as_text=True)

    login(cast["sponsor_a"])
    form_page = client.get(f"/plans/{plan_id}/checkins/new").get_data(as_text=True)
    assert "From Leader A for this check-in" in form_page
    # Above the fields: the agenda comes before the first field of the form.
    assert form_page.index("How to reach the CMO") < form_page.index('name="summary"')
    assert REFLECTION in form_page

    assert client.post(f"/plans/{plan_id}/checkins/new", data=_form()).status_code == 302
    checkin = db.session.scalars(sa.select(CheckIn).where(CheckIn.plan_id == plan_id)).one()
    assert (checkin.leader_agenda, checkin.leader_reflection) == (AGENDA, REFLECTION)
    plan = _fresh(Plan, plan_id)
    assert (plan.leader_agenda, plan.leader_reflection) == (None, None)
    # The next check-in's form starts empty.
    assert "From Leader A" not in client.get(f"/plans/{plan_id}/checkins/new").get_data(as_text=True)
    # The sponsor reads it with the check-in, and on the edit form.
    history = client.get(f"/plans/{plan_id}/checkins").get_data(as_text=True)
    assert "Leader\u2019s agenda" in history and "How to reach the CMO" in history
    edit = client.get(f"/plans/{plan_id}/checkins/{checkin.id}/edit").get_data(as_text=True)
    assert "From Leader A for this check-in" in edit and REFLECTION in edit


def test_the_agenda_moves_onto_a_check_in_logged_through_the_api(cast, client, login):
    plan_id = cast["plan_a"].id
    _prepare(client, login, cast)
    _, raw = tokens.create(cast["sponsor_a"], "test")
    db.session.commit()
    body = {"held_on": plans.today().isoformat(), "rag": "green", "summary": "Fine", "actions": "Meet the CMO"}
    response = client.post(f"/api/v1/plans/{plan_id}/checkins", json=body,
                           headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "one"})
    assert response.status_code == 201
    answer = response.get_json()
    assert (answer["leader_agenda"], answer["leader_reflection"]) == (AGENDA, REFLECTION)
    assert answer["leader_response"] is None and answer["acknowledged_at"] is None
    assert answer["action_items"] == [{"text": "Meet the CMO", "done": False}]
    plan = _fresh(Plan, plan_id)
    assert (plan.leader_agenda, plan.leader_reflection) == (None, None)
    # A retry with the same key is the same check-in, still holding the agenda.
    again = client.post(f"/api/v1/plans/{plan_id}/checkins", json=body,
                        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "one"})
    assert again.status_code == 200 and again.get_json()["leader_agenda"] == AGENDA


def test_a_refused_check_in_leaves_the_agenda_on_the_plan(cast):
    plan = cast["plan_a"]
    checkin_leader.prepare(plan, cast["leader_a"], AGENDA, "")
    db.session.commit()
    with pytest.raises(CheckInError):
        checkins.log_checkin(plan, cast["sponsor_a"], CheckInInput(plans.today(), "purple", "x"))
    db.session.rollback()
    assert _fresh(Plan, plan.id).leader_agenda == AGENDA


def test_preparing_is_audited_without_the_text_and_too_long_is_refused(cast, client, login):
    plan_id = cast["plan_a"].id
    _prepare(client, login, cast)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan.checkin_prepare")).one()
    assert event.detail["changed"] == ["leader_agenda", "leader_reflection"]
    assert "CMO" not in str(event.detail)
    response = _prepare(client, login, cast, agenda="x" * 5001, reflection="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your agenda must be 5000 characters or fewer" in page and "There is a problem" in page
    assert _fresh(Plan, plan_id).leader_reflection == REFLECTION  # nothing half-written


@pytest.mark.parametrize("who", ["sponsor_a", "mentor_a", "hr"])
def test_only_the_leader_prepares(cast, client, login, who):
    login(cast[who])
    response = client.post(f"/plans/{cast['plan_a'].id}/checkins/prepare", data={"leader_agenda": "mine"})
    assert response.status_code == 403
    assert _fresh(Plan, cast["plan_a"].id).leader_agenda is None
    assert "Prepare for your next check-in" not in client.get(f"/plans/{cast['plan_a'].id}/checkins").get_data(as_text=True)


def test_my_plan_links_to_preparing_and_shows_done_actions_as_done(cast, client, login):
    checkin = _log(cast)
    checkin_leader.mark_actions(checkin, cast["leader_a"], ["Draft the EPR paper"])
    db.session.commit()
    login(cast["leader_a"])
    page = client.get("/my-plan").get_data(as_text=True)
    assert "Prepare for your next check-in" in page
    section = page[page.index('id="last-actions"'):page.index('id="about"')]
    assert section.count("nhsuk-tag--green") == 1
    done_at = section.index("nhsuk-tag--green")
    assert section.index("Meet the CMO") < done_at < section.index("Draft the EPR paper") < section.index("Join the digital board")
    login(cast["mentor_a"])
    assert "Prepare for your next check-in" not in client.get(f"/plans/{cast['plan_a'].id}").get_data(as_text=True)


# --- after: acknowledge, respond, tick ----------------------------------------------------------


def test_the_leader_acknowledges_and_comments_and_the_sponsor_sees_it(cast, client, login):
    checkin = _log(cast)
    plan_id = cast["plan_a"].id
    login(cast["leader_a"])
    url = f"/plans/{plan_id}/checkins/{checkin.id}/respond"
    prefix = "respond-"
    # Neither ticked nor written: nothing to save, said next to the tick box.
    refused = client.post(url, data={f"{prefix}leader_response": ""})
    assert refused.status_code == 400
    assert "Tick \u2018I have read this check-in\u2019 or write a comment" in refused.get_data(as_text=True)
    response = client.post(url, data={f"{prefix}acknowledge": "y", f"{prefix}leader_response": "Will do the CMO first"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#checkin-{checkin.id}")
    saved = _fresh(CheckIn, checkin.id)
    assert saved.leader_response == "Will do the CMO first" and saved.acknowledged_at is not None
    first_read = saved.acknowledged_at
    # A changed comment keeps the first acknowledgement.
    client.post(url, data={f"{prefix}leader_response": "CMO first, then the paper"})
    saved = _fresh(CheckIn, checkin.id)
    assert saved.leader_response == "CMO first, then the paper" and saved.acknowledged_at == first_read
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "checkin.respond")).all()
    assert [e.detail["changed"] for e in events] == [["leader_response", "acknowledged_at"], ["leader_response"]]
    assert "CMO" not in str([e.detail for e in events])

    login(cast["sponsor_a"])
    page = client.get(f"/plans/{plan_id}/checkins").get_data(as_text=True)
    assert "CMO first, then the paper" in page and "Read by the leader" in page and "Not yet" not in page
    assert "respond-leader_response" not in page  # the sponsor does not get the leader's form
    login(cast["hr"])
    assert "CMO first, then the paper" in client.get(f"/plans/{plan_id}/checkins").get_data(as_text=True)
    # The mentor reads the check-in, not the leader's words to the sponsor.
    login(cast["mentor_a"])
    page = client.get(f"/plans/{plan_id}/checkins").get_data(as_text=True)
    assert "Good start" in page and "CMO first" not in page


@pytest.mark.parametrize("who, allowed", [("leader_a", True), ("sponsor_a", True), ("mentor_a", False), ("hr", False)])
def test_actions_are_ticked_done_by_the_leader_and_the_sponsor_not_the_mentor(cast, client, login, who, allowed):
    checkin = _log(cast)
    login(cast[who])
    prefix = "actions-"
    response = client.post(f"/plans/{cast['plan_a'].id}/checkins/{checkin.id}/actions",
                           data={f"{prefix}done": ["Join the digital board", "Meet the CMO"]})
    saved = _fresh(CheckIn, checkin.id)
    if not allowed:
        assert response.status_code == 403 and saved.actions_done == []
        return
    assert response.status_code == 302
    assert saved.actions_done == ["Meet the CMO", "Join the digital board"]  # in the sponsor's order
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "checkin.actions_done")).one()
    assert (event.actor_id, event.detail["done"], event.detail["actions"]) == (cast[who].id, 2, 3)
    # Unticking all of them: nothing posted but the form.
    client.post(f"/plans/{cast['plan_a'].id}/checkins/{checkin.id}/actions", data={})
    assert _fresh(CheckIn, checkin.id).actions_done == []


def test_a_tick_for_an_action_that_is_gone_is_refused_and_a_reworded_one_is_no_longer_done(cast, client, login):
    checkin = _log(cast)
    checkin_leader.mark_actions(checkin, cast["sponsor_a"], ["Meet the CMO", "Draft the EPR paper"])
    db.session.commit()
    login(cast["leader_a"])
    response = client.post(f"/plans/{cast['plan_a'].id}/checkins/{checkin.id}/actions",
                           data={"actions-done": ["Meet the CFO"]})
    assert response.status_code == 400 and "the list has changed" in response.get_data(as_text=True)
    # The sponsor rewords one action: that one is no longer done, the other stays done.
    checkins.update_checkin(_fresh(CheckIn, checkin.id), cast["sponsor_a"], CheckInInput(
        checkin.held_on, "amber", "Good start", PRIVATE, "Meet the CMO\nDraft the EPR paper (v2)"))
    db.session.commit()
    assert _fresh(CheckIn, checkin.id).actions_done == ["Meet the CMO"]


def test_a_closed_plan_refuses_the_leader_side(cast, client, login):
    checkin = _log(cast)
    plans.close(cast["plan_a"], cast["hr"], "completed")
    db.session.commit()
    login(cast["leader_a"])
    plan_id = cast["plan_a"].id
    assert client.post(f"/plans/{plan_id}/checkins/prepare", data={"leader_agenda": "x"}).status_code == 409
    assert client.post(f"/plans/{plan_id}/checkins/{checkin.id}/respond",
                       data={"respond-acknowledge": "y"}).status_code == 409
    assert client.post(f"/plans/{plan_id}/checkins/{checkin.id}/actions",
                       data={"actions-done": "Meet the CMO"}).status_code == 409
    page = client.get(f"/plans/{plan_id}/checkins").get_data(as_text=True)
    assert "Prepare for your next check-in" not in page and "Save your response" not in page


# --- the private note stays the sponsor's ---------------------------------------------------------


def test_the_private_note_never_reaches_the_leader(cast, client, login, app):
    checkin = _log(cast)
    checkin_leader.respond(checkin, cast["leader_a"], "Thanks", True)
    db.session.commit()
    plan_id = cast["plan_a"].id
    login(cast["leader_a"])
    for url in ("/my-plan", f"/plans/{plan_id}", f"/plans/{plan_id}/checkins", f"/plans/{plan_id}/export.csv",
                f"/plans/{plan_id}/print"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert "worried about the CFO" not in response.get_data(as_text=True), url
    _, raw = tokens.create(cast["leader_a"], "leader")
    db.session.commit()
    answer = client.get(f"/api/v1/plans/{plan_id}/checkins", headers={"Authorization": f"Bearer {raw}"})
    [item] = answer.get_json()["items"]
    assert "private_note" not in item and "worried about the CFO" not in answer.get_data(as_text=True)
    assert item["leader_response"] == "Thanks" and item["acknowledged_at"].endswith("Z")
    # The leader's actions email (queued when it was logged) holds the actions, not the note.
    from onboarding.models import Nudge
    assert db.session.scalars(sa.select(Nudge).where(Nudge.kind == "checkin_actions")).one().recipient_id == cast["leader_a"].id


def test_the_api_shows_the_leader_side_to_the_sponsor_and_hr_but_not_the_mentor(cast, client):
    checkin = _log(cast)
    checkin_leader.respond(checkin, cast["leader_a"], "Thanks", True)
    checkin_leader.mark_actions(checkin, cast["leader_a"], ["Meet the CMO"])
    db.session.commit()
    for who, sees in (("sponsor_a", True), ("hr", True), ("mentor_a", False)):
        _, raw = tokens.create(cast[who], who)
        db.session.commit()
        [item] = client.get(f"/api/v1/plans/{cast['plan_a'].id}/checkins",
                            headers={"Authorization": f"Bearer {raw}"}).get_json()["items"]
        assert ("leader_response" in item) == sees and ("acknowledged_at" in item) == sees, who
        assert item["action_items"][0] == {"text": "Meet the CMO", "done": True}
        assert item["action_items"][1] == {"text": "Draft the EPR paper", "done": False}


@pytest.mark.parametrize("who, sees", [("sponsor_a", True), ("hr", True), ("mentor_a", False), ("leader_b", False)])
def test_the_prepared_agenda_is_read_by_the_sponsor_and_hr_before_the_check_in(cast, client, login, who, sees):
    _prepare(client, login, cast)
    login(cast[who])
    response = client.get(f"/plans/{cast['plan_a'].id}/checkins")
    page = response.get_data(as_text=True)
    assert ("Leader A has prepared for the next check-in" in page) == sees
    assert ("How to reach the CMO" in page) == sees
    if who == "leader_b":
        assert response.status_code == 404
