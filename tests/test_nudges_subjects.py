"""Every email kind rendered, its subject checked word for word: one milestone by name and
due date, several by count, the check-in, the escalation naming the leader, the digest naming
its week, the leader's check-in actions, and a day's combined email under its most urgent kind.
A leader's own nudges speak to them; sponsors are told about the leader by name."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import nudges
from onboarding.extensions import db
from onboarding.models import Nudge
from onboarding.nudges import mail
from onboarding.nudges.render import subject
from onboarding.plans import checkins
from onboarding.plans.checkins import CheckInInput

from .conftest import make_user
from .nudge_helpers import DUE, SMTPServer, make_plan, milestone, parts, world

# Real commits: the sender marks emails sent (and logs them) on a second connection of its own.
pytestmark = pytest.mark.real_commits

D = date.fromisoformat
LEADER = "lee.leader@example.nhs.uk"
SPONSOR = "sam.sponsor@example.nhs.uk"
# Two of the leader's milestones (Mon-Thu) in the week of Monday 30 November 2026; the HR
# contact's welcome pack due a week after that Monday, the sponsor's the day after that.
CLOSE = DUE | {"meet-team": D("2026-12-01"), "stakeholder-map": D("2026-12-02"), "welcome": D("2026-12-07"),
               "sponsor-intro": D("2026-12-08")}


def emails() -> dict:
    sent = {msg["To"]: msg for msg in mail.memory_outbox()}
    mail.memory_outbox().clear()
    return sent


@pytest.fixture
def close(ctx):
    """The nudge world with the leader's two milestones close together (and its plan replaced)."""
    people = world(make_user)
    db.session.delete(people["plan"])
    db.session.commit()
    people["plan"] = make_plan(people["version"], people["leader"], people["sponsor"], people["mentor"],
                               people["hr"], due=CLOSE)
    return people


def test_two_milestones_due_this_week_then_overdue_and_the_digest_names_its_week(close):
    nudges.sweep(D("2026-11-30"))  # Monday: both within the fixture's 2 working days
    sent = emails()
    assert sent[LEADER]["Subject"] == "2 milestones due this week"
    text, html = parts(sent[LEADER])
    assert text.count("Your milestone is due on") == 2 and "Lee Leader's onboarding plan" not in text
    assert "Your milestone is due on <strong>Tuesday 1 December 2026</strong>" in html

    assert sent[SPONSOR]["Subject"] == "Your weekly onboarding digest: week of 30 November 2026"
    text, _ = parts(sent[SPONSOR])
    assert "Week of 30 November 2026" in text
    # Due in the next 7 days: up to Monday 7 December (day 7) is in, Tuesday 8 December (day 8) is not.
    assert "due in the next 7 days: Welcome pack sent (Monday 7 December 2026)" in text
    assert "due in the next 7 days: Meet the digital team (Tuesday 1 December 2026)" in text
    assert "Introduce the leader to the board" not in text

    nudges.sweep(D("2026-12-03"))  # Thursday: both late for the leader
    sent = emails()
    assert sent[LEADER]["Subject"] == "2 milestones overdue"
    text, _ = parts(sent[LEADER])
    assert "Your milestone was due on Tuesday 1 December 2026 and is 2 working days overdue" in text
    assert "Your milestone was due on Wednesday 2 December 2026 and is 1 working day overdue" in text


def test_one_milestone_due_soon_names_it_and_a_sponsor_is_told_whose_plan_it_is(close):
    nudges.sweep(D("2026-12-04"))  # Friday: the HR contact's welcome pack, Monday, is 1 working day away
    sent = emails()
    [hr_email] = [m for to, m in sent.items() if to == "hana.hr@example.nhs.uk"]
    assert hr_email["Subject"] == "Due soon: Welcome pack sent (due 7 Dec)"
    text, _ = parts(hr_email)
    assert "This milestone is yours in Lee Leader's onboarding plan. It is due on Monday 7 December 2026." in text


def test_two_escalations_for_one_leader_and_an_escalation_with_a_digest(close):
    # Wednesday 9 December: the leader's two milestones are 5 and 4 of their working days late.
    nudges.sweep(D("2026-12-09"))
    sent = emails()
    assert sent[SPONSOR]["Subject"] == "Lee Leader has 2 milestones overdue"
    text, _ = parts(sent[SPONSOR])
    assert text.count("ESCALATION: Lee Leader's milestone is overdue") == 2
    assert "Lee Leader's milestone \"Meet the digital team\" was due on Tuesday 1 December 2026" in text


def test_an_escalation_one_working_day_late_says_day_not_days(close):
    # A playbook may escalate after a single working day; the email must not say "1 working days".
    close["version"].nudges = close["version"].nudges | {"escalate_after_working_days": 1}
    db.session.commit()
    nudges.sweep(D("2026-12-03"))  # Thursday: the leader's milestones are 2 and 1 of their working days late
    text, html = parts(emails()[SPONSOR])
    assert "\"Meet the digital team\" was due on Tuesday 1 December 2026 and is 2 working days overdue." in text
    assert "\"Draw the stakeholder map\" was due on Wednesday 2 December 2026 and is 1 working day overdue." in text
    assert "was due on <strong>Wednesday 2 December 2026</strong> and is 1 working day overdue." in html
    assert "1 working days" not in text + html


@pytest.mark.parametrize("cadence, day, wording", [(1, "2026-12-09", "every day"), (14, "2026-12-22", "every 14 days")])
def test_a_check_in_due_email_says_how_often(close, cadence, day, wording):
    close["plan"].checkin_cadence_days = cadence  # the plan started on Monday 7 December, with no check-in
    db.session.commit()
    nudges.sweep(D(day))
    text, html = parts(emails()[SPONSOR])
    assert f"No check-in has been logged yet. Check-ins are due {wording}." in text
    assert f"No check-in has been logged yet. Check-ins are due {wording}.</p>" in html


def test_every_subject_wording_from_its_items():
    def item(kind, **extra):
        return {"kind": kind, "id": 1, "leader": "Lee Leader", "title": "Meet the Caldicott Guardian",
                "due_on": D("2026-12-02"), "headline": "", **extra}

    today = D("2026-11-30")
    assert subject([item("overdue")], today) == "Overdue: Meet the Caldicott Guardian (due 2 Dec)"
    assert subject([item("overdue")] * 3, today) == "3 milestones overdue"
    assert subject([item("due_soon")], today) == "Due soon: Meet the Caldicott Guardian (due 2 Dec)"
    assert subject([item("due_soon")] * 2, today) == "2 milestones due this week"
    assert subject([item("due_soon"), item("due_soon", due_on=D("2026-12-07"))], D("2026-12-03")) == "2 milestones due soon"
    assert subject([item("escalation")], today) == "Lee Leader's milestone is overdue: Meet the Caldicott Guardian (due 2 Dec)"
    assert subject([item("escalation"), item("escalation", leader="Kim Khan")], today) == \
        "2 milestones overdue for Kim Khan and Lee Leader"
    assert subject([item("checkin_due")], today) == "Check-in due with Lee Leader"
    assert subject([item("checkin_due"), item("checkin_due", leader="Kim Khan")], today) == \
        "Check-ins due with Lee Leader and Kim Khan"
    assert subject([item("checkin_actions", sponsor="Sam Sponsor", held_short="27 Nov")], today) == \
        "Actions from your check-in with Sam Sponsor (27 Nov)"
    # A day's combined email: the most urgent kind first (items come in KINDS order).
    assert subject([item("overdue"), item("due_soon"), item("digest")], today) == \
        "Overdue: Meet the Caldicott Guardian (due 2 Dec)"


def test_a_checkin_with_actions_emails_the_leader_once_without_the_private_note(app, ctx):
    server = SMTPServer().start()
    app.config.update(server.config())
    try:
        people = world(make_user)
        plan = people["plan"]
        data = CheckInInput(held_on=D("2026-12-10"), rag="amber", summary="Good start, slow on the board",
                            private_note="Worried about their line manager", actions="Book the board visit\nRead the IG policy",
                            next_checkin_on=D("2027-01-07"))
        checkin, new = checkins.log_once(plan, people["sponsor"], data, "form-1", today=D("2026-12-10"))
        assert new
        queued = db.session.scalars(sa.select(Nudge).where(Nudge.kind == "checkin_actions")).all()
        assert [(n.recipient_id, n.subject_type, n.subject_id, n.status) for n in queued] == [
            (people["leader"].id, "checkin", checkin.id, "pending")]
        # Changing the check-in's actions later does not tell the leader twice.
        checkins.update_checkin(checkin, people["sponsor"], CheckInInput(**{**data.__dict__, "actions": "Book the board visit"}),
                                today=D("2026-12-10"))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).where(Nudge.kind == "checkin_actions")) == 1

        assert nudges.retry_queued(app.config).sent == 1  # the 15-minute job delivers it
        assert server.handler.wait_for(1, timeout=10)
        [(to, msg)] = server.handler.take()
        assert to == [LEADER]
        assert msg["Subject"] == "Actions from your check-in with Sam Sponsor (10 Dec)"
        text, html = parts(msg)
        assert "Sam Sponsor logged your check-in of Thursday 10 December 2026 with these actions for you:" in text
        assert "Book the board visit" in text and "Your next check-in is on Thursday 7 January 2027." in text
        assert f"http://onboarding.test/plans/{plan.id}/checkins#checkin-{checkin.id}" in text
        assert f'href="http://onboarding.test/plans/{plan.id}/checkins#checkin-{checkin.id}"' in html
        assert "line manager" not in text + html and "Good start" not in text + html
        assert nudges.retry_queued(app.config).sent == 0
    finally:
        server.stop()


def test_a_checkin_without_actions_queues_nothing_and_a_combined_email_leads_with_the_overdue(close):
    plan, sponsor = close["plan"], close["sponsor"]
    quiet = CheckInInput(held_on=D("2026-12-02"), rag="green", summary="Fine")
    checkins.log_checkin(plan, sponsor, quiet, today=D("2026-12-02"))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(Nudge.kind == "checkin_actions")) == 0
    busy = CheckInInput(held_on=D("2026-12-03"), rag="amber", summary="Behind", actions="Meet the team this week")
    checkins.log_checkin(plan, sponsor, busy, today=D("2026-12-03"))
    db.session.commit()
    nudges.sweep(D("2026-12-03"))
    leader = emails()[LEADER]
    assert leader["Subject"] == "2 milestones overdue"
    text, _ = parts(leader)
    assert text.index("OVERDUE") < text.index("ACTIONS FROM YOUR CHECK-IN") and "Meet the team this week" in text
    assert milestone(plan, "meet-team").title in text
