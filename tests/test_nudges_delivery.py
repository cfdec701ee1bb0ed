"""Sweeps end to end: the policy, the outbox and delivery, over a real SMTP server
(aiosmtpd on loopback) and the memory backend, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import nudges, plans
from onboarding.extensions import db
from onboarding.models import Nudge
from onboarding.nudges import mail

from .conftest import make_user
from .nudge_helpers import END, START, SMTPServer, complete, log_checkin, make_plan, milestone, parts, world

# Real commits: the sender marks emails sent on a second connection of its own.
pytestmark = pytest.mark.real_commits

BASE = "http://onboarding.test"
D = date.fromisoformat


def outbox_rows():
    return db.session.scalars(sa.select(Nudge).order_by(Nudge.id)).all()


def closed_plans(version, hr):
    """Paused, withdrawn and completed plans whose people must hear nothing."""
    out = []
    for n, how in enumerate(("paused", "withdrawn", "completed")):
        leader = make_user(f"quiet.leader{n}@example.nhs.uk", f"Quiet Leader {n}")
        sponsor = make_user(f"quiet.sponsor{n}@example.nhs.uk", f"Quiet Sponsor {n}")
        plan = make_plan(version, leader, sponsor, hr=hr)
        if how == "paused":
            plans.pause(plan, hr, on=START)
        else:
            plans.close(plan, hr, how)
        db.session.commit()
        out += [leader.email, sponsor.email]
    return out


# Sponsor digests: every Monday, or Tuesday when Monday is a bank holiday (28 Dec 2026, Easter Monday 2027).
DIGEST_DAYS = ["2026-12-07", "2026-12-14", "2026-12-21", "2026-12-29", "2027-01-04", "2027-01-11", "2027-01-18",
               "2027-01-25", "2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22", "2027-03-01", "2027-03-08",
               "2027-03-15", "2027-03-22", "2027-03-30", "2027-04-05"]
LEADER = "lee.leader@example.nhs.uk"
SPONSOR = "sam.sponsor@example.nhs.uk"


def expected_emails() -> dict:
    # The digest names the Monday of its week (a Tuesday after a bank holiday Monday too).
    monday = {"2026-12-29": "28 December 2026", "2027-03-30": "29 March 2027"}
    expected = {(D(day), SPONSOR): f"Your weekly onboarding digest: week of {monday.get(day) or f'{D(day).day} {D(day):%B %Y}'}"
                for day in DIGEST_DAYS}
    expected.update({
        (D("2026-12-22"), LEADER): "Due soon: Meet the digital team (due 24 Dec)",  # 2 of the leader's working days before Thu 24th
        (D("2026-12-29"), LEADER): "Overdue: Meet the digital team (due 24 Dec)",  # 25th and 28th are bank holidays
        (D("2027-01-04"), LEADER): "Overdue: Meet the digital team (due 24 Dec)",  # 3 working days later (1 Jan is a holiday)
        # Escalation and digest in one email: the escalation, more urgent, is the subject.
        (D("2027-01-04"), SPONSOR): "Lee Leader's milestone is overdue: Meet the digital team (due 24 Dec)",
        (D("2027-01-13"), SPONSOR): "Due soon: Introduce the leader to the board (due 15 Jan)",
        (D("2027-02-05"), SPONSOR): "Check-in due with Lee Leader",  # 60 days after the start
        (D("2027-03-23"), LEADER): "Due soon: Draw the stakeholder map (due 25 Mar)",
        (D("2027-03-30"), LEADER): "Overdue: Draw the stakeholder map (due 25 Mar)",  # after Good Friday and Easter Monday
        (D("2027-04-05"), LEADER): "Overdue: Draw the stakeholder map (due 25 Mar)",
        (D("2027-04-05"), SPONSOR): "Lee Leader's milestone is overdue: Draw the stakeholder map (due 25 Mar)",
    })
    return expected


def test_daily_sweeps_across_a_whole_plan_send_exactly_the_right_emails(app, ctx, smtp):
    app.config.update(smtp.config())
    people = world(make_user)
    plan = people["plan"]
    quiet = closed_plans(people["version"], people["hr"])
    actions = {
        START: lambda: complete(plan, "welcome", people["hr"]),
        D("2027-01-05"): lambda: complete(plan, "meet-team", people["leader"]),
        D("2027-01-14"): lambda: complete(plan, "sponsor-intro", people["sponsor"]),
        D("2027-02-08"): lambda: log_checkin(plan, D("2027-02-08")),
    }
    sent = {}
    day = START
    while day <= END:
        if day in actions:
            actions[day]()
        result = nudges.sweep(day)
        assert result.delivery.failed == 0
        messages = smtp.handler.take()
        for rcpt, msg in messages:
            assert rcpt == [msg["To"]]
            assert (day, msg["To"]) not in sent, f"two emails to {msg['To']} on {day}"
            sent[(day, msg["To"])] = msg
        if messages:
            again = nudges.sweep(day)  # a second sweep the same day sends nothing
            assert (again.recorded, again.delivery.sent) == (0, 0) and smtp.handler.take() == []
        day += timedelta(days=1)

    assert {key: msg["Subject"] for key, msg in sent.items()} == expected_emails()
    for day, _ in sent:
        assert day.weekday() < 5
        assert day not in (D("2026-12-25"), D("2026-12-28"), D("2027-01-01"), D("2027-03-26"), D("2027-03-29"))
    assert not {to for _, to in sent} & set(quiet + [people["mentor"].email, people["hr"].email])

    # Contents: what is due and when, and links to the exact pages.
    meet = milestone(plan, "meet-team")
    text, html = parts(sent[(D("2026-12-22"), LEADER)])
    assert "due on Thursday 24 December 2026" in text
    assert f"{BASE}/plans/{plan.id}/milestones/{meet.id}" in text
    assert f'href="{BASE}/plans/{plan.id}/milestones/{meet.id}"' in html
    assert f"{BASE}/account" in text
    text, html = parts(sent[(D("2027-01-04"), SPONSOR)])
    assert "Lee Leader's milestone is overdue" in text and "4 working days overdue" in text
    assert text.index("Lee Leader's milestone is overdue") < text.index("WEEKLY ONBOARDING DIGEST")
    assert f'href="{BASE}/sponsor"' in html and f'href="{BASE}/plans/{plan.id}"' in html
    text, html = parts(sent[(D("2027-02-05"), SPONSOR)])
    assert "No check-in has been logged yet" in text
    assert f'href="{BASE}/plans/{plan.id}/checkins/new"' in html
    text, _ = parts(sent[(D("2027-03-30"), LEADER)])
    assert "was due on Thursday 25 March 2027 and is 1 working day overdue" in text

    # Every nudge recorded went out exactly once.
    rows = outbox_rows()
    assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
    assert len(rows) == len(DIGEST_DAYS) + 10


def test_a_sweep_after_ten_days_without_sweeps_catches_up_once(app, ctx, smtp):
    app.config.update(smtp.config())
    people = world(make_user)
    complete(people["plan"], "welcome", people["hr"])
    assert nudges.sweep(D("2026-12-21")).delivery.sent == 1  # Monday digest
    smtp.handler.take()
    # Nothing runs for two weeks (holidays): the next sweep sends what is due now, once.
    result = nudges.sweep(D("2027-01-04"))
    emails = {msg["To"]: msg for _, msg in smtp.handler.take()}
    assert set(emails) == {LEADER, SPONSOR}
    leader_text, _ = parts(emails[LEADER])
    assert emails[LEADER]["Subject"] == "Overdue: Meet the digital team (due 24 Dec)"
    assert "DUE SOON" not in leader_text and leader_text.count("OVERDUE") == 1
    sponsor_text, _ = parts(emails[SPONSOR])
    assert sponsor_text.count("WEEKLY ONBOARDING DIGEST") == 1 and "ESCALATION" in sponsor_text
    assert result.recorded == 3 and result.delivery.sent == 3
    periods = {(r.kind, r.period) for r in outbox_rows() if r.recorded_on == D("2027-01-04")}
    assert periods == {("overdue", "2026-12-24#1"), ("escalation", "2026-12-24"), ("digest", "2027-W01")}
    again = nudges.sweep(D("2027-01-04"))
    assert (again.recorded, again.delivery.sent) == (0, 0) and smtp.handler.take() == []


def test_a_queued_due_soon_is_dropped_once_the_milestone_is_overdue(app, ctx, smtp):
    app.config.update(smtp.config())
    people = world(make_user)
    complete(people["plan"], "welcome", people["hr"])
    people["sponsor"].nudge_mode = "mute"
    db.session.commit()
    smtp.stop()
    result = nudges.sweep(D("2026-12-22"))
    assert (result.recorded, result.delivery.sent, result.delivery.failed) == (1, 0, 1)
    smtp.start()
    nudges.sweep(D("2026-12-29"))
    [(_, msg)] = smtp.handler.take()
    assert msg["Subject"] == "Overdue: Meet the digital team (due 24 Dec)"
    statuses = {r.kind: r.status for r in outbox_rows() if r.recipient_id == people["leader"].id}
    assert statuses == {"due_soon": "skipped", "overdue": "sent"}


@pytest.mark.parametrize("how", ["paused", "completed", "withdrawn"])
def test_paused_and_closed_plans_get_nothing(ctx, how):
    people = world(make_user)
    plan = people["plan"]
    if how == "paused":
        plans.pause(plan, people["hr"], on=START)
    else:
        plans.close(plan, people["hr"], how)
    db.session.commit()
    for day in (START, D("2026-12-22"), D("2027-01-04"), D("2027-02-05"), D("2027-04-05")):
        assert nudges.sweep(day).recorded == 0
    assert mail.memory_outbox() == [] and outbox_rows() == []


def test_done_milestones_and_muted_people_get_nothing(ctx):
    people = world(make_user)
    plan = people["plan"]
    for key in ("welcome", "meet-team", "sponsor-intro", "stakeholder-map"):
        complete(plan, key, people["hr"])
    people["sponsor"].nudge_mode = "mute"
    db.session.commit()
    for day in (START, D("2026-12-22"), D("2027-01-04"), D("2027-02-05"), D("2027-02-11"), D("2027-04-05")):
        nudges.sweep(day)
    assert mail.memory_outbox() == [] and outbox_rows() == []  # the mentor is muted too


def test_digest_only_people_get_just_the_digest(ctx):
    people = world(make_user)
    complete(people["plan"], "welcome", people["hr"])
    people["sponsor"].nudge_mode = "digest"
    people["leader"].nudge_mode = "digest"
    db.session.commit()
    nudges.sweep(D("2027-01-04"))
    sent = mail.memory_outbox()
    assert [(m["To"], m["Subject"]) for m in sent] == [(SPONSOR, "Your weekly onboarding digest: week of 4 January 2027")]


def test_muting_after_recording_stops_the_queued_nudge(ctx):
    people = world(make_user)
    app = ctx
    app.config["MAIL_BACKEND"] = "nowhere"  # every delivery fails, so nudges stay queued
    nudges.sweep(D("2026-12-22"))
    assert {r.status for r in outbox_rows()} == {"pending"}
    people["leader"].nudge_mode = "mute"
    complete(people["plan"], "welcome", people["hr"])
    db.session.commit()
    app.config["MAIL_BACKEND"] = "memory"
    result = nudges.deliver(D("2026-12-22"), app.config)
    # The leader's due-soon and HR's overdue welcome pack are dropped; the sponsor's digest goes.
    assert result.skipped == 2 and [m["To"] for m in mail.memory_outbox()] == [SPONSOR]


def test_failures_back_off_then_fail_for_good_and_hr_can_resend(ctx, client, login):
    people = world(make_user)
    app = ctx
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=SMTPServer().port, NUDGE_MAX_ATTEMPTS=3)
    complete(people["plan"], "welcome", people["hr"])
    people["sponsor"].nudge_mode = "mute"
    db.session.commit()
    first = nudges.sweep(D("2026-12-22"))
    assert (first.recorded, first.delivery.failed) == (1, 1)
    row = outbox_rows()[0]
    assert row.status == "pending" and row.attempts == 1 and "cannot connect" in row.last_error
    assert row.next_attempt_at is not None
    # The 15-minute retry honours the backoff; the daily sweep tries again regardless.
    assert nudges.retry_queued().failed == 0
    later = row.next_attempt_at + timedelta(seconds=1)
    assert nudges.deliver(D("2026-12-22"), app.config, force=False, now=later).failed == 1
    nudges.sweep(D("2026-12-22"))
    assert {(r.status, r.attempts) for r in outbox_rows()} == {("failed", 3)}

    login(people["hr"])
    page = client.get("/hr/outbox").get_data(as_text=True)
    assert "cannot connect to mail server" in page and "Resend" in page
    resend = client.post(f"/hr/outbox/{row.id}/resend")
    assert resend.status_code == 302
    db.session.expire_all()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, None)
    app.config["MAIL_BACKEND"] = "memory"
    assert nudges.retry_queued().sent == 1  # queued again, it goes with the next retry
    from onboarding.models import AuditEvent

    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="nudge.resend")).object_id == row.id
    assert client.post(f"/hr/outbox/{row.id}/resend").status_code == 404  # no longer failed


def test_outbox_is_hr_only(ctx, client, login):
    people = world(make_user)
    login(people["sponsor"])
    assert client.get("/hr/outbox").status_code == 404
    assert client.post("/hr/outbox/1/resend").status_code == 404
    client.post("/logout")
    assert client.get("/hr/outbox").status_code == 302


def test_each_user_chooses_their_nudges(ctx, client, login):
    from onboarding.models import AuditEvent

    people = world(make_user)
    login(people["leader"])
    page = client.get("/account")
    assert page.status_code == 200 and "Weekly digest only" in page.get_data(as_text=True)
    assert client.post("/account", data={"nudge_mode": "loud"}).status_code == 400
    db.session.expire_all()
    assert people["leader"].nudge_mode == "all"
    response = client.post("/account", data={"nudge_mode": "mute"}, follow_redirects=True)
    assert "Your email setting is saved: no nudges." in response.get_data(as_text=True)
    db.session.expire_all()
    assert people["leader"].nudge_mode == "mute"
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="user.nudge_mode")).detail == {"before": "all", "after": "mute"}
    client.post("/logout")
    assert client.get("/account").status_code == 302


@pytest.mark.browser
def test_account_and_outbox_pages_in_a_browser(live_server, page):
    """Real Chromium with CSRF on: both pages pass axe, the forms work, invalid input says why."""
    from playwright.sync_api import expect  # imported only when a browser test runs

    from .conftest import PASSWORD, assert_accessible

    app, base = live_server
    with app.app_context():
        people = world(make_user)
        app.config.update(MAIL_BACKEND="nowhere", NUDGE_MAX_ATTEMPTS=1)
        nudges.sweep(D("2026-12-22"))
        failed = len(outbox_rows())
        hr_email = people["hr"].email
    assert failed == 3

    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(hr_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{base}/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert_accessible(page)
    page.get_by_label("Weekly digest only").check()
    page.get_by_role("button", name="Save email setting").click()
    expect(page.get_by_text("Your email setting is saved: weekly digest only.")).to_be_visible()
    assert page.get_by_label("Weekly digest only").is_checked()
    assert_accessible(page)

    page.goto(f"{base}/hr/outbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(page.get_by_text("unknown MAIL_BACKEND").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Resend the due soon nudge to Lee Leader").click()
    expect(page.get_by_text("is queued again")).to_be_visible()
    assert_accessible(page)
    with app.app_context():
        assert sorted(r.status for r in outbox_rows()) == ["failed", "failed", "pending"]


def test_a_sweep_sends_over_one_smtp_connection_and_reopens_one_the_server_dropped(app, ctx, smtp):
    app.config.update(smtp.config())
    world(make_user)
    assert nudges.sweep(D("2027-01-04")).delivery.emails == 3  # leader, sponsor, HR
    assert len(smtp.handler.peers) == 3 and len(set(smtp.handler.peers)) == 1
    smtp.handler.take()

    with mail.Mailer(app.config) as mailer:
        mailer.send(LEADER, "First", "One.", "<p>One.</p>")
        smtp.stop()  # the server goes away between two messages (a restart, an idle timeout)
        smtp.start()
        mailer.send(LEADER, "Second", "Two.", "<p>Two.</p>")
    peers = smtp.handler.peers
    assert [msg["Subject"] for _, msg in smtp.handler.take()] == ["First", "Second"]
    assert len(set(peers)) == 2
