"""Teams: escalations, check-in reminders and the digest posted to a channel as an Adaptive Card,
through the outbox, to a real HTTP server on loopback; each person's email / Teams / both."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import nudges
from onboarding.extensions import db
from onboarding.hooks import teams
from onboarding.models import HookPost, Nudge, utcnow
from onboarding.nudges import mail

from .conftest import make_user
from .hook_helpers import Receiver
from .nudge_helpers import complete, milestone, world

# Real commits: the sender marks nudges sent (and queues cards) on a second connection.
pytestmark = pytest.mark.real_commits

D = date.fromisoformat
SPONSOR = "sam.sponsor@example.nhs.uk"
LEADER = "lee.leader@example.nhs.uk"
ESCALATION = "Lee Leader's milestone is overdue: Meet the digital team (due 24 Dec)"
DIGEST = "Your weekly onboarding digest: week of 4 January 2027"


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def setup(receiver, choice: str, plan_channel: bool = False):
    """The nudge fixture's world on Monday 4 January 2027: Lee's "Meet the digital team" is 4 of
    his working days overdue (escalated to Sam, his sponsor), and Sam's digest is due."""
    people = world(make_user)
    complete(people["plan"], "welcome", people["hr"])  # HR's overdue welcome pack out of the way
    teams.set_default(receiver.url("/default"), people["hr"], allow_loopback=True)
    if plan_channel:
        teams.set_plan_url(people["plan"], receiver.url("/plan"), people["hr"], allow_loopback=True)
    people["sponsor"].nudge_channel = choice
    db.session.commit()
    return people


def card_of(request) -> dict:
    message = request.json()
    assert request.headers["content-type"] == "application/json"
    assert message["type"] == "message" and len(message["attachments"]) == 1
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    # An Adaptive Card's required fields, at a version Teams Workflows renders (1.4 and later).
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert tuple(int(n) for n in card["version"].split(".")) >= (1, 4)
    assert card["body"] and all(block["type"] == "TextBlock" for block in card["body"])
    return card


def summary(card: dict) -> tuple:
    (action,) = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    return card["body"][0]["text"], card["body"][1]["text"], action["url"]


def test_teams_only_posts_one_card_per_nudge_and_sends_no_email_for_them(app, ctx, receiver):
    people = setup(receiver, "teams")
    plan, meet = people["plan"], milestone(people["plan"], "meet-team")
    result = nudges.sweep(D("2027-01-04"))
    posted = sorted(summary(card_of(r)) for r in receiver.accepted("/default"))
    assert posted == [
        (ESCALATION, "For Sam Sponsor", f"http://onboarding.test/plans/{plan.id}/milestones/{meet.id}"),
        (DIGEST, "For Sam Sponsor", "http://onboarding.test/sponsor"),
    ]
    # The leader's own overdue reminder is email only; Sam chose Teams, so gets no email at all.
    assert [(m["To"], m["Subject"]) for m in mail.memory_outbox()] == [
        (LEADER, "Overdue: Meet the digital team (due 24 Dec)")]
    assert result.delivery.posts.posted == 2 and "posted 2, posts failed 0" in result.summary
    sam = db.session.scalars(sa.select(Nudge).where(Nudge.recipient_id == people["sponsor"].id)).all()
    assert {(n.kind, n.status) for n in sam} == {("escalation", "sent"), ("digest", "sent")}


def test_a_plan_channel_takes_its_escalations_and_the_digest_stays_on_the_default(app, ctx, receiver):
    setup(receiver, "both", plan_channel=True)
    nudges.sweep(D("2027-01-04"))
    assert [summary(card_of(r))[0] for r in receiver.accepted("/plan")] == [ESCALATION]
    assert [summary(card_of(r))[0] for r in receiver.accepted("/default")] == [DIGEST]
    # "Both": Sam's email carries the same two nudges.
    assert [(m["To"], m["Subject"]) for m in mail.memory_outbox() if m["To"] == SPONSOR] == [(SPONSOR, ESCALATION)]


def test_email_only_means_no_post(app, ctx, receiver):
    setup(receiver, "email")
    nudges.sweep(D("2027-01-04"))
    assert receiver.requests == [] and db.session.scalar(sa.select(sa.func.count()).select_from(HookPost)) == 0
    assert (SPONSOR, ESCALATION) in [(m["To"], m["Subject"]) for m in mail.memory_outbox()]


def test_an_outage_is_retried_with_backoff_and_nothing_is_posted_twice(app, ctx, receiver):
    setup(receiver, "teams")
    receiver.status = 500
    first = nudges.sweep(D("2027-01-04"))
    assert [r.answered for r in receiver.take()] == [500, 500]
    assert first.delivery.posts.failed == 2
    rows = db.session.scalars(sa.select(HookPost).order_by(HookPost.id)).all()
    assert [(r.status, r.attempts, r.last_status_code) for r in rows] == [("pending", 1, 500)] * 2
    assert all(r.last_error == "HTTP 500 Internal Server Error" for r in rows)
    # The 15-minute job honours the backoff: 15 minutes after the failure, not before.
    receiver.status = 202
    failed_at = rows[0].next_attempt_at - timedelta(minutes=15)
    assert nudges.deliver(D("2027-01-04"), app.config, force=False, now=failed_at + timedelta(minutes=14)).posts.posted == 0
    assert receiver.requests == []
    assert nudges.deliver(D("2027-01-04"), app.config, force=False, now=failed_at + timedelta(minutes=16)).posts.posted == 2
    # Sweeping again the same day, and the day after, posts nothing more.
    nudges.sweep(D("2027-01-04"))
    nudges.sweep(D("2027-01-05"))
    assert sorted(summary(card_of(r))[0] for r in receiver.take()) == [ESCALATION, DIGEST]
    db.session.expire_all()
    assert {(r.status, r.attempts) for r in db.session.scalars(sa.select(HookPost))} == {("sent", 2)}
    assert mail.memory_outbox()[-1]["To"] == LEADER  # Sam still gets no email


def test_a_post_in_flight_when_the_sender_died_is_taken_back_after_its_lease(app, ctx, receiver):
    """A run that claimed a card and died before posting it: the next run leaves it alone while
    the lease lasts, then posts it, once."""
    setup(receiver, "teams")
    receiver.status = 500
    nudges.sweep(D("2027-01-04"))
    receiver.take()
    db.session.execute(sa.update(HookPost).values(status="sending", next_attempt_at=utcnow() + timedelta(minutes=10)))
    db.session.commit()
    receiver.status = 202
    assert nudges.sweep(D("2027-01-04")).delivery.posts.posted == 0
    later = utcnow() + timedelta(minutes=11)
    assert nudges.deliver(D("2027-01-04"), app.config, force=False, now=later).posts.posted == 2
    assert len(receiver.take()) == 2


def test_a_checkin_reminder_is_carded_and_a_concern_never_is(app, ctx, receiver):
    """Friday 5 February 2027, 60 days after the start: Sam's check-in with Lee is due. A concern
    Lee raised goes to HR by email only, though Hana chose Teams: it is not a kind a channel carries."""
    from onboarding.plans import concerns

    people = setup(receiver, "teams")
    people["hr"].nudge_channel = "teams"
    concerns.raise_concern(people["plan"], people["leader"], "My sponsor keeps cancelling", False)
    db.session.commit()
    nudges.sweep(D("2027-02-05"))
    posted = sorted(summary(card_of(r)) for r in receiver.accepted("/default"))
    plan, meet = people["plan"], milestone(people["plan"], "meet-team")
    # The first sweep in weeks also catches up the still-open escalation and this week's digest.
    assert posted == [
        ("Check-in due with Lee Leader", "For Sam Sponsor", f"http://onboarding.test/plans/{plan.id}/checkins/new"),
        (ESCALATION, "For Sam Sponsor", f"http://onboarding.test/plans/{plan.id}/milestones/{meet.id}"),
        ("Your weekly onboarding digest: week of 1 February 2027", "For Sam Sponsor", "http://onboarding.test/sponsor"),
    ]
    emails = {m["To"]: m for m in mail.memory_outbox()}
    assert emails["hana.hr@example.nhs.uk"]["Subject"] == "Concern raised on Lee Leader's plan"
    # Sam's own overdue milestone is his business alone: email, whatever he chose for the others.
    assert emails[SPONSOR]["Subject"] == "Overdue: Introduce the leader to the board (due 15 Jan)"
    assert all("cancelling" not in r.body.decode() for r in receiver.requests)
