"""HR's "Needs attention" page: open HR milestones, plans whose sponsor or mentor is
deactivated, plans with an overdue check-in or an escalation, failed emails; on seeded plans
with known dates (the nudge fixture playbook: 60-day check-ins, escalation after 4 of the
leader's working days) and a fixed today."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask import current_app

from onboarding import nudges, plans
from onboarding.extensions import db
from onboarding.models import Nudge, User
from onboarding.plans import attention, concerns

from .conftest import PHONE, fits_a_phone, make_user
from .nudge_helpers import DUE, complete, make_plan, milestone, world

TODAY = date(2027, 1, 6)  # a Wednesday
LATER = {  # every milestone still ahead on TODAY
    "welcome": date(2026, 11, 2),
    "meet-team": date(2027, 1, 14),
    "sponsor-intro": date(2027, 1, 22),
    "mentor-meet": date(2027, 2, 10),
    "stakeholder-map": date(2027, 2, 25),
}


def seed() -> dict:
    """Five plans of the fixture playbook and three failed nudges:

    - Lee's (nudge_helpers.world, from 7 December 2026): HR's welcome pack, due 7 December, is
      overdue; "Meet the digital team", due Thursday 24 December, is 6 of Lee's working days late
      on TODAY (Mon-Thu; 28 December and 1 January are bank holidays), past the 4 that escalate;
    - Kim's, from 2 November 2026: its first check-in was due 60 days later, 1 January 2027;
    - Pat's, from 7 January 2027: its sponsor Gus is deactivated; HR's welcome pack is due
      Friday 8 January, 2 working days ahead, so due soon;
    - Ray's, from 2 November 2026 but paused: its check-in is not chased; its mentor is deactivated;
    - Wyn's, withdrawn: its deactivated sponsor and its open HR milestone need nobody.
    """
    people = world(make_user)
    version, hr, sponsor = people["version"], people["hr"], people["sponsor"]
    kim = make_plan(version, make_user("kim.leader@example.nhs.uk", "Kim Leader"), sponsor, hr=hr,
                    start=date(2026, 11, 2), due=LATER)
    complete(kim, "welcome", hr)
    gus = make_user("gus.gone@example.nhs.uk", "Gus Gone")
    pat = make_plan(version, make_user("pat.leader@example.nhs.uk", "Pat Leader"), gus, hr=hr,
                    start=date(2027, 1, 7), due=LATER | {"welcome": date(2027, 1, 8)})
    rita = make_user("rita.retired@example.nhs.uk", "Rita Retired")
    ray = make_plan(version, make_user("ray.leader@example.nhs.uk", "Ray Leader"), sponsor, rita, hr=hr,
                    start=date(2026, 11, 2), due=LATER)
    complete(ray, "welcome", hr)
    plans.pause(ray, hr, on=date(2027, 1, 4))
    wyn = make_plan(version, make_user("wyn.leader@example.nhs.uk", "Wyn Leader"), gus, hr=hr, due=DUE)
    plans.close(wyn, hr, "withdrawn")
    gus.active = rita.active = False
    db.session.commit()
    # The day's sweep records the escalation of Lee's milestone to the sponsor (sent or not).
    nudges.record(nudges.due_nudges(nudges.load_facts(current_app.config), TODAY), TODAY)
    lee = people["plan"]
    for recipient, kind, key in ((people["leader"], "overdue", "meet-team"), (people["leader"], "due_soon", "sponsor-intro"),
                                 (hr, "overdue", "welcome")):
        m = milestone(lee, key)
        db.session.add(Nudge(recipient_id=recipient.id, kind=kind, subject_type="milestone", subject_id=m.id,
                             period="failed", plan_id=lee.id, milestone_id=m.id, recorded_on=date(2027, 1, 4),
                             status="failed", attempts=5, last_error="550 mailbox unavailable"))
    db.session.commit()
    return people | {"lee": lee, "kim": kim, "pat": pat, "ray": ray, "wyn": wyn}


def test_what_needs_attention_on_seeded_plans(ctx):
    s = seed()
    a = attention.attention(TODAY)

    welcome = milestone(s["lee"], "welcome")
    assert [(m.title, m.leader_name, m.due_date, m.state) for m in a.hr_milestones] == [
        ("Welcome pack sent", "Lee Leader", date(2026, 12, 7), "overdue"),
        ("Welcome pack sent", "Pat Leader", date(2027, 1, 8), "due_soon"),
    ]
    assert (a.hr_milestones[0].plan_id, a.hr_milestones[0].milestone_id, a.hr_milestone_count) == (s["lee"].id, welcome.id, 2)

    assert [(c.row.leader_name, c.inactive) for c in a.inactive] == [("Pat Leader", ["sponsor"]), ("Ray Leader", ["mentor"])]

    assert [(c.row.leader_name, c.row.checkin_overdue, c.since) for c in a.overdue] == [
        ("Lee Leader", False, date(2026, 12, 24)),
        ("Kim Leader", True, date(2027, 1, 1)),
    ]
    (escalated,) = a.overdue[0].escalated
    meet = milestone(s["lee"], "meet-team")
    assert (escalated.milestone_id, escalated.title, escalated.due_date, escalated.escalated_on) == (
        meet.id, "Meet the digital team", date(2026, 12, 24), TODAY)
    assert a.overdue[1].row.next_checkin_due == date(2027, 1, 1)

    assert (a.failed_nudges, a.failed_recipients) == (3, 2)


def test_done_milestones_and_logged_checkins_leave_the_page(ctx):
    s = seed()
    complete(s["lee"], "meet-team", s["leader"])  # the escalated milestone is done
    complete(s["pat"], "welcome", s["hr"])
    from onboarding.models import CheckIn

    db.session.add(CheckIn(plan=s["kim"], sponsor_id=s["sponsor"].id, held_on=date(2027, 1, 5), rag="green", summary="Fine"))
    db.session.execute(sa.update(User).where(User.email == "gus.gone@example.nhs.uk").values(active=True))
    db.session.execute(sa.update(Nudge).where(Nudge.status == "failed").values(status="sent"))
    db.session.commit()
    a = attention.attention(TODAY)
    assert [m.leader_name for m in a.hr_milestones] == ["Lee Leader"]
    assert [c.row.leader_name for c in a.inactive] == ["Ray Leader"]
    assert a.overdue == [] and a.failed_nudges == 0


def test_an_escalated_milestone_that_has_moved_is_not_escalated_until_the_sweep_says_so(ctx):
    s = seed()
    milestone(s["lee"], "meet-team").due_date = date(2027, 1, 7)  # moved (an extension, say)
    db.session.commit()
    assert attention.attention(TODAY).overdue[0].row.leader_name == "Kim Leader"
    assert len(attention.attention(TODAY).overdue) == 1


def test_the_page_links_each_item_and_hr_lands_on_it(ctx, client, login, monkeypatch):
    s = seed()
    monkeypatch.setattr(plans, "today", lambda: TODAY)
    login(s["hr"])
    assert client.get("/").headers["Location"].endswith("/hr/attention")
    concern = concerns.raise_concern(s["kim"], s["kim"].leader, "Feeling left out", False, today=TODAY)
    db.session.commit()
    html = client.get("/hr/attention").get_data(as_text=True)
    lee, kim, pat, ray = s["lee"], s["kim"], s["pat"], s["ray"]
    assert f'href="/plans/{kim.id}/concerns/{concern.id}">Concern raised by Kim Leader</a>' in html
    assert "Feeling left out" not in html  # read on the concern's own page
    welcome, meet = milestone(lee, "welcome"), milestone(lee, "meet-team")
    assert f'href="/plans/{lee.id}/milestones/{welcome.id}">Welcome pack sent' in html
    assert f'href="/plans/{pat.id}/milestones/{milestone(pat, "welcome").id}">Welcome pack sent' in html
    assert "Lee Leader's plan, due 7 December 2026" in html and "Pat Leader's plan, due 8 January 2027" in html
    assert f'href="/hr/plans/{pat.id}#reassign">Reassign on Pat Leader\'s plan</a>' in html
    assert f'href="/hr/plans/{ray.id}#reassign">Reassign on Ray Leader\'s plan</a>' in html
    assert "Gus Gone (sponsor) is deactivated" in html and "Rita Retired (mentor) is deactivated" in html
    assert f'href="/hr/plans/{lee.id}">Lee Leader\'s plan</a>' in html
    assert f'href="/hr/plans/{kim.id}">Kim Leader\'s plan</a>' in html
    assert html.index("Lee Leader's plan</a>", html.index('id="overdue"')) < html.index("Kim Leader's plan</a>")
    assert "Check-in overdue: due 1 January 2027, none held yet" in html
    assert (f'Escalated to the sponsor on 6 January 2027: <a href="/plans/{lee.id}/milestones/{meet.id}">'
            "Meet the digital team</a>, due 24 December 2026") in html
    assert "3 nudges to 2 people could not be delivered" in html and 'href="/hr/outbox#failed"' in html
    assert "Nothing needs attention here" not in html
    assert 'id="failed"' in client.get("/hr/outbox").get_data(as_text=True)
    assert "Ray Leader's plan</a>" not in html[html.index('id="overdue"'):]  # paused: its check-in waits
    assert "Wyn Leader" not in html  # withdrawn


def test_every_empty_section_says_so(ctx, client, login):
    login(make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True))
    html = client.get("/hr/attention").get_data(as_text=True)
    assert html.count("Nothing needs attention here") == 5
    for heading in ("Concerns raised in confidence (0)", "Milestones HR owns (0)", "Sponsor or mentor deactivated (0)",
                    "Check-ins overdue or milestones escalated (0)", "Failed emails (0)"):
        assert heading in html


# Real commits: the joined test session's SAVEPOINTs would be counted as queries.
@pytest.mark.real_commits
def test_queries_do_not_grow_with_the_cohort(app, ctx, client, login, monkeypatch):
    from .test_hr_pages import _count_queries

    s = seed()
    monkeypatch.setattr(plans, "today", lambda: TODAY)
    login(s["hr"])

    def add(n):
        for _ in range(n):
            count = db.session.scalar(sa.select(sa.func.count(User.id)))
            leader = make_user(f"bulk{count}@example.nhs.uk", f"Bulk Leader {count}")
            # Half like Lee's plan (escalated, HR milestone overdue), half like Kim's (check-in overdue).
            start, due = (date(2026, 12, 7), DUE) if count % 2 else (date(2026, 11, 2), LATER)
            plan = make_plan(s["version"], leader, s["sponsor"], hr=s["hr"], start=start, due=due)
            concerns.raise_concern(plan, leader, "A concern", False, today=TODAY)  # listed, never looked up one by one
            db.session.commit()
        nudges.record(nudges.due_nudges(nudges.load_facts(current_app.config), TODAY), TODAY)

    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("plan"))) == 5
    five = _count_queries(app, client, "/hr/attention")
    add(45)
    fifty = _count_queries(app, client, "/hr/attention")
    assert five == fifty
    a = attention.attention(TODAY)
    # Every new plan is escalated or has a check-in overdue, and its welcome pack is open.
    assert len(a.overdue) == 2 + 45 and a.hr_milestone_count == 2 + 45
    assert len(a.hr_milestones) == attention.HR_MILESTONES_SHOWN
    assert len(attention.attention(TODAY, s["hr"]).open_concerns) == 45


def _fits_a_phone(page) -> None:
    """At 375 px wide nothing scrolls sideways."""
    page.set_viewport_size(PHONE)
    fits_a_phone(page)  # waits for the page's load first: an unstyled table is far wider
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.browser
def test_hr_works_through_needs_attention_and_the_sent_email_log_in_a_browser(live_server, page, monkeypatch):
    from playwright.sync_api import expect  # imported only when a browser test runs

    from .conftest import PASSWORD, assert_accessible
    from .nudge_helpers import SMTPServer

    app, base = live_server
    monkeypatch.setattr(plans, "today", lambda: TODAY)
    smtp = SMTPServer().start()
    try:
        app.config.update(smtp.config())
        with app.app_context():
            s = seed()
            ids = {k: s[k].id for k in ("lee", "kim", "pat")}
            meet = milestone(s["lee"], "meet-team").id
            welcome = milestone(s["lee"], "welcome").id
            # The day's nudges go out through the SMTP server: the escalation reaches Sam Sponsor.
            nudges.deliver(TODAY, app.config)
        accepted = {rcpt[0]: msg["Subject"] for rcpt, msg in smtp.handler.take()}
        assert accepted["sam.sponsor@example.nhs.uk"] == (
            "Lee Leader's milestone is overdue: Meet the digital team (due 24 Dec)")

        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill("hana.hr@example.nhs.uk")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Needs attention")  # HR lands here
        assert page.url == f"{base}/hr/attention"
        nav = page.get_by_role("navigation", name="Menu")
        expect(nav.get_by_role("link").first).to_have_text("Needs attention")
        assert_accessible(page)
        _fits_a_phone(page)

        expect(page.get_by_role("heading", name="Milestones HR owns (2)")).to_be_visible()
        expect(page.get_by_role("heading", name="Sponsor or mentor deactivated (2)")).to_be_visible()
        expect(page.get_by_role("heading", name="Check-ins overdue or milestones escalated (2)")).to_be_visible()
        expect(page.get_by_role("heading", name="Failed emails (3)")).to_be_visible()
        expect(page.get_by_role("link", name="Welcome pack sent on Lee Leader's plan")).to_have_attribute(
            "href", f"/plans/{ids['lee']}/milestones/{welcome}")
        expect(page.get_by_role("link", name="Meet the digital team")).to_have_attribute(
            "href", f"/plans/{ids['lee']}/milestones/{meet}")
        expect(page.get_by_text("Check-in overdue: due 1 January 2027, none held yet")).to_be_visible()
        expect(page.get_by_text("3 nudges to 2 people could not be delivered")).to_be_visible()

        page.get_by_role("link", name="Reassign on Pat Leader's plan").click()
        assert page.url == f"{base}/hr/plans/{ids['pat']}#reassign"
        expect(page.get_by_role("heading", name="Sponsor and mentor")).to_be_visible()
        page.go_back()
        page.get_by_role("link", name="Kim Leader's plan").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Plan for Kim Leader")
        page.go_back()
        page.get_by_role("link", name="Review and resend failed emails in the outbox").click()
        assert page.url == f"{base}/hr/outbox#failed"
        assert_accessible(page)

        # An invitation goes out through the same SMTP server.
        page.goto(f"{base}/hr/users")
        page.get_by_label("Full name").fill("Ivy Invite")
        page.get_by_label("Email address").fill("ivy.invite.with.a.rather.long.address@some-long-trust-name.nhs.uk")
        page.get_by_role("button", name="Invite").click()
        expect(page.get_by_text("Ivy Invite is invited and has been emailed")).to_be_visible()
        assert smtp.handler.wait_for(1)
        assert [rcpt for rcpt, _ in smtp.handler.take()] == [["ivy.invite.with.a.rather.long.address@some-long-trust-name.nhs.uk"]]

        page.goto(f"{base}/hr/outbox")
        page.get_by_label("Search by recipient or subject").fill("sam.sponsor@")
        page.get_by_role("button", name="Search sent emails").click()
        log = page.get_by_role("table")
        expect(log.get_by_role("row")).to_have_count(2)  # the header and Sam's one email
        expect(log).to_contain_text("Lee Leader's milestone is overdue: Meet the digital team (due 24 Dec)")
        expect(log).to_contain_text("Escalation to sponsor")
        assert_accessible(page)
        _fits_a_phone(page)

        page.get_by_label("Search by recipient or subject").fill("")
        page.get_by_role("button", name="Search").click()
        rows = page.get_by_role("table").get_by_role("row")
        expect(rows.nth(1)).to_contain_text("ivy.invite.with.a.rather.long.address@some-long-trust-name.nhs.uk")  # newest first
        expect(rows.nth(1)).to_contain_text("Set your password for Leader onboarding")
        expect(rows.nth(1)).to_contain_text("Invitation")
        expect(rows).to_have_count(1 + len(accepted) + 1)
        assert_accessible(page)
        _fits_a_phone(page)
    finally:
        smtp.stop()
