"""Concerns raised in confidence: the leader raises one from My plan; HR and (if chosen) the mentor
read it; the sponsor never does; HR records the follow-up; the audit trail never holds the text."""
from __future__ import annotations

import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, Concern, Nudge
from onboarding.people import access
from onboarding.plans import attention, concerns

from .conftest import make_user

SECRET = "My sponsor keeps cancelling our meetings KESTREL-4471"


def _raise(client, login, cast, text=SECRET, share=True):
    login(cast["leader_a"])
    data = {"text": text} | ({"share_with_mentor": "y"} if share else {})
    return client.post(f"/plans/{cast['plan_a'].id}/concerns/new", data=data)


def test_my_plan_offers_the_form_which_says_who_will_and_will_not_see_it(cast, client, login):
    login(cast["leader_a"])
    page = client.get("/my-plan").get_data(as_text=True)
    assert "Raise a concern in confidence" in page and "Your sponsor never sees it." in page
    form = client.get(f"/plans/{cast['plan_a'].id}/concerns/new").get_data(as_text=True)
    assert "Your sponsor, Sponsor A, will never see it" in form
    assert "Also tell my mentor" in form and "Your mentor is Mentor A." in form
    # Plan B has no mentor: no box to tick, and the sentence names HR alone.
    login(cast["leader_b"])
    form_b = client.get(f"/plans/{cast['plan_b'].id}/concerns/new").get_data(as_text=True)
    assert "Also tell my mentor" not in form_b and "HR will read what you write. Your sponsor, Sponsor B" in form_b


def test_raising_a_concern_saves_it_queues_emails_and_audits_without_the_text(cast, client, login):
    response = _raise(client, login, cast)
    concern = db.session.scalars(sa.select(Concern)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/plans/{cast['plan_a'].id}/concerns/{concern.id}")
    assert (concern.text, concern.share_with_mentor, concern.raised_by_id) == (SECRET, True, cast["leader_a"].id)
    queued = db.session.execute(sa.select(Nudge.recipient_id, Nudge.kind, Nudge.subject_id)).all()
    assert sorted(queued) == sorted([(cast["hr"].id, "concern", concern.id), (cast["mentor_a"].id, "concern", concern.id)])
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("concern.%"))).all()
    assert [(e.action, e.object_id, e.detail) for e in events] == [("concern.raise", concern.id, {"plan_id": cast["plan_a"].id})]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "KESTREL-4471" in page and "Your concern is sent. We have told HR and your mentor" in page


def test_a_concern_not_shared_with_the_mentor_is_hidden_from_them(cast, client, login):
    _raise(client, login, cast, share=False)
    concern = db.session.scalars(sa.select(Concern)).one()
    assert not concern.share_with_mentor
    assert [r for (r,) in db.session.execute(sa.select(Nudge.recipient_id))] == [cast["hr"].id]
    url = f"/plans/{cast['plan_a'].id}/concerns/{concern.id}"
    login(cast["mentor_a"])
    assert client.get(url).status_code == 404


def test_empty_or_too_long_concerns_are_refused_next_to_the_field_and_nothing_is_written(cast, client, login):
    empty = _raise(client, login, cast, text="   ")
    assert empty.status_code == 400 and "Enter your concern" in empty.get_data(as_text=True)
    long = _raise(client, login, cast, text="x" * 5001)
    assert long.status_code == 400 and "Your concern must be 5,000 characters or fewer" in long.get_data(as_text=True)
    assert _raise(client, login, cast, text="x" * 5000).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nudge)) == 2


def test_the_sponsor_never_reaches_a_concern_even_with_hr_rights(cast, client, login):
    """An HR user who sponsors the plan is neither told, nor shown it on Needs attention, nor let read it."""
    cast["sponsor_a"].is_hr = True
    other_hr = make_user("hr2@example.nhs.uk", "Harry HR", hr=True)
    db.session.commit()
    _raise(client, login, cast)
    concern = db.session.scalars(sa.select(Concern)).one()
    assert {u.id for u in concerns.recipients(concern)} == {cast["hr"].id, other_hr.id, cast["mentor_a"].id}
    assert not access.can_read_concern(cast["sponsor_a"], concern)
    url = f"/plans/{cast['plan_a'].id}/concerns/{concern.id}"
    login(cast["sponsor_a"])
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/follow-up", data={"note": "x"}).status_code == 404
    attention_page = client.get("/hr/attention").get_data(as_text=True)
    assert "Concern raised by Leader A" not in attention_page and "Concerns raised in confidence (0)" in attention_page
    login(other_hr)
    assert "Concern raised by Leader A" in client.get("/hr/attention").get_data(as_text=True)


def test_hr_follows_up_and_the_concern_leaves_needs_attention(cast, client, login):
    _raise(client, login, cast)
    concern = db.session.scalars(sa.select(Concern)).one()
    url = f"/plans/{cast['plan_a'].id}/concerns/{concern.id}"
    assert [c.concern_id for c in attention.attention(user=cast["hr"]).open_concerns] == [concern.id]
    login(cast["hr"])
    page = client.get("/hr/attention").get_data(as_text=True)
    assert "Concerns raised in confidence (1)" in page and url in page
    assert "Record follow-up" in client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/follow-up", data={"note": ""})
    assert refused.status_code == 400 and "Enter what was done to follow it up" in refused.get_data(as_text=True)
    done = client.post(f"{url}/follow-up", data={"note": "Spoke to Leader A on Monday OSPREY-88"})
    assert done.status_code == 302
    db.session.refresh(concern)
    assert concern.followed_up_by_id == cast["hr"].id and concern.followed_up_at is not None
    assert "Concerns raised in confidence (0)" in client.get("/hr/attention").get_data(as_text=True)
    assert "OSPREY-88" in client.get(url).get_data(as_text=True)
    again = client.post(f"{url}/follow-up", data={"note": "twice"})
    assert again.status_code == 400 and "already been followed up" in again.get_data(as_text=True)
    # The leader and the mentor see that it was followed up, not HR's note; neither may record one.
    for who in ("leader_a", "mentor_a"):
        login(cast[who])
        page = client.get(url).get_data(as_text=True)
        assert "KESTREL-4471" in page and "By Helen HR" in page and "OSPREY-88" not in page
        assert client.post(f"{url}/follow-up", data={"note": "x"}).status_code == 403
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.detail)
                                .where(AuditEvent.action.like("concern.%")).order_by(AuditEvent.id)).all()
    assert [a for a, _ in events] == ["concern.raise", "concern.follow_up"]
    assert not any("KESTREL" in str(d) or "OSPREY" in str(d) for _, d in events)


def test_a_closed_plan_takes_no_new_concerns(cast, client, login):
    from onboarding import plans

    plans.close(cast["plan_a"], cast["hr"], "withdrawn")
    db.session.commit()
    login(cast["leader_a"])
    assert "Raise a concern in confidence" not in client.get("/my-plan").get_data(as_text=True)
    assert _raise(client, login, cast).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 0
