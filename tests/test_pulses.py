"""Pulse checks: the playbook's pulse weeks, when each falls due, the day-by-day sweep over real
SMTP (each pulse, reminder and low-score alert once, the alert to HR only), the form's
messages, and who reads the answers."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import nudges, plans, playbooks
from onboarding.extensions import db
from onboarding.models import Nudge, utcnow
from onboarding.nudges.policy import Person, PlanFacts, PulseFacts, due_nudges
from onboarding.plans import planning, pulses
from onboarding.plans.planning import Calendar

from .conftest import PHONE, make_user
from .nudge_helpers import END, FIXTURE_PLAYBOOK, LEADER_DAYS, START, complete, make_plan, parts

D = date.fromisoformat
BASE = "http://onboarding.test"
LEADER = "lee.leader@example.nhs.uk"
HR = ("hana.hr@example.nhs.uk", "harry.hr@example.nhs.uk")
FINE = {"expectations": 4, "sponsor_support": 4, "reach": 4, "belonging": 4, "confidence": 4}


def pulse_version(pulse_line: str = "pulses: [2, 6, 12, last]"):
    text = FIXTURE_PLAYBOOK.replace("slug: nudge-fixture", "slug: pulse-fixture").replace("pulses: []", pulse_line)
    content, problems = playbooks.parse_text(text, "pulse-fixture.yaml")
    assert not problems, problems
    version, _ = playbooks.publish(content)
    db.session.commit()
    return version


# --- the playbook's pulse weeks -------------------------------------------------------------


@pytest.mark.parametrize("line, expected", [
    ("pulses: [2, 6, 12, last]", None),  # the default: not stored, so the content hash is unchanged
    ("pulses: [3, last]", [3, "last"]),
    ("pulses: []", []),
])
def test_pulse_weeks_are_carried_into_the_version(ctx, line, expected):
    version = pulse_version(line)
    assert version.pulses == expected
    assert playbooks.content_of(version).as_dict().get("pulses") == expected


def test_bad_pulse_weeks_are_refused_at_their_line():
    text = FIXTURE_PLAYBOOK.replace("pulses: []", "pulses:\n  - 2\n  - 14\n  - two\n  - 2\n  - 0")
    _, problems = playbooks.parse_text(text, "p.yaml")
    assert [str(p) for p in problems] == [
        "p.yaml:11: pulses: week 14 is outside the playbook's weeks 1 to 13",
        'p.yaml:12: pulses: each entry must be a whole number of weeks or "last", not \'two\'',
        "p.yaml:13: pulses: 2 is listed twice",
        "p.yaml:14: pulses: week 0 is outside the playbook's weeks 1 to 13",
    ]
    _, problems = playbooks.parse_text(FIXTURE_PLAYBOOK.replace("pulses: []", "pulses: 6"), "p.yaml")
    assert [str(p) for p in problems] == ["p.yaml:9: playbook: field 'pulses' must be a list, not 6"]


def test_a_pulse_falls_due_on_the_leaders_first_working_day_of_its_week():
    # 7 Dec 2026 to 7 Apr 2027 is 17 weeks; the leader works Monday to Thursday.
    days = ("mon", "tue", "wed", "thu")
    assert planning.pulse_due_on(START, END, 2, days) == D("2026-12-14")
    assert planning.pulse_due_on(START, END, 6, days) == D("2027-01-11")
    assert planning.pulse_due_on(START, END, 12, days) == D("2027-02-22")
    assert planning.pulse_due_on(START, END, "last", days) == D("2027-03-30")  # week 17: Easter Monday first
    assert planning.pulse_due_on(START, END, 20, days) is None  # past this plan's last week
    # Week 4 starts on Monday 28 December; for a leader working Fridays only, Friday 1 January is a
    # bank holiday, so Friday 8 January.
    assert planning.pulse_due_on(START, END, 4, ("fri",)) == D("2027-01-08")


# --- the policy, without a database ---------------------------------------------------------


def plan_facts(schedule, status="active", hr=(), leader_mode="all"):
    """A plan of a Monday-to-Thursday leader with these pulses; a muted sponsor (no other nudges)."""
    return PlanFacts(id=9, leader=Person(1, LEADER, "Lee Leader", nudge_mode=leader_mode),
                     sponsor=Person(2, "sam@example.nhs.uk", "Sam Sponsor", nudge_mode="mute"), start_date=START,
                     status=status, working_days=("mon", "tue", "wed", "thu"), pulses=tuple(schedule),
                     hr_people=tuple(hr))


def pulse_dues(plan, day):
    return sorted((d.recipient_id, d.kind, d.period) for d in due_nudges([plan], D(day)))


def test_the_policy_nudges_only_the_open_pulse_and_after_downtime_only_its_reminder():
    schedule = [PulseFacts("2", D("2026-12-14")), PulseFacts("6", D("2027-01-11"))]
    plan = plan_facts(schedule)
    assert pulse_dues(plan, "2026-12-11") == []  # not due yet
    assert pulse_dues(plan, "2026-12-14") == [(1, "pulse_due", "2")]
    assert pulse_dues(plan, "2026-12-18") == []  # a Friday: the leader does not work
    # Week 2 unanswered until week 6 opens: from then on only week 6 is asked about.
    assert pulse_dues(plan, "2027-01-11") == [(1, "pulse_due", "6")]
    # No sweep for a while: 12, 13, 14, 18, 19 and 20 January are 6 working days late, so the
    # reminder alone (the outbox already holds or never needs the first nudge).
    assert pulse_dues(plan, "2027-01-20") == [(1, "pulse_reminder", "6")]
    assert pulse_dues(plan_facts(schedule, status="paused"), "2027-01-11") == []
    assert pulse_dues(plan_facts(schedule, leader_mode="mute"), "2027-01-11") == []


def test_a_low_answer_alerts_every_hr_user_who_takes_nudges_on_their_working_days():
    hr = (Person(5, HR[0], "Hana HR"), Person(6, HR[1], "Harry HR"), Person(7, "mute.hr@example.nhs.uk", "Mute HR",
                                                                          nudge_mode="mute"))
    answered = [PulseFacts("2", D("2026-12-14"), answered=True, low=True),
                PulseFacts("6", D("2027-01-11"), answered=True, low=False)]
    plan = plan_facts(answered, hr=hr)
    assert pulse_dues(plan, "2027-01-15") == [(5, "pulse_low", "2"), (6, "pulse_low", "2")]  # HR work Fridays
    assert pulse_dues(plan, "2027-01-16") == []  # Saturday


# --- the day-by-day sweep --------------------------------------------------------------------


def pulse_world():
    version = pulse_version()
    leader = make_user(LEADER, "Lee Leader")
    sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
    mentor = make_user("mo.mentor@example.nhs.uk", "Mo Mentor")
    hr = [make_user(email, name, hr=True) for email, name in zip(HR, ("Hana HR", "Harry HR"))]
    gone = make_user("gone.hr@example.nhs.uk", "Gone HR", hr=True)
    gone.active = False
    db.session.commit()
    plan = make_plan(version, leader, sponsor, mentor, hr[0], working_days=LEADER_DAYS)
    for m in plan.milestones:  # milestones done: these emails are about pulses alone
        complete(plan, m.key, hr[0])
    return plan, leader, sponsor


@pytest.mark.real_commits
def test_daily_sweeps_send_each_pulse_reminder_and_low_score_alert_once(app, ctx, smtp):
    app.config.update(smtp.config())
    plan, leader, sponsor = pulse_world()
    low_support = FINE | {"sponsor_support": 2}
    actions = {
        D("2026-12-15"): lambda: pulses.answer(plan, "2", leader, low_support, "Hardly see my sponsor", False, D("2026-12-15")),
        # Week 6 goes unanswered: one reminder after 5 of the leader's working days.
        D("2027-02-23"): lambda: pulses.answer(plan, "12", leader, FINE, "", True, D("2027-02-23")),
        D("2027-03-31"): lambda: pulses.answer(plan, "last", leader, FINE | {"belonging": 1}, "", False, D("2027-03-31")),
    }
    sent = {}
    day = START
    while day <= END:
        if day in actions:
            actions[day]()
            db.session.commit()
        assert nudges.sweep(day).delivery.failed == 0
        for rcpt, msg in smtp.handler.take():
            assert rcpt == [msg["To"]] and (day, msg["To"]) not in sent, f"two emails to {msg['To']} on {day}"
            sent[(day, msg["To"])] = msg
        day += timedelta(days=1)

    pulse_emails = {key: msg["Subject"] for key, msg in sent.items() if key[1] != sponsor.email}
    assert pulse_emails == {
        (D("2026-12-14"), LEADER): "Your week 2 pulse check",
        (D("2026-12-15"), HR[0]): "Low pulse score: Lee Leader (week 2)",
        (D("2026-12-15"), HR[1]): "Low pulse score: Lee Leader (week 2)",
        (D("2027-01-11"), LEADER): "Your week 6 pulse check",
        (D("2027-01-19"), LEADER): "Pulse check reminder",  # Tue 12, Wed 13, Thu 14, Mon 18, Tue 19
        (D("2027-02-22"), LEADER): "Your week 12 pulse check",
        (D("2027-03-30"), LEADER): "Your week 17 pulse check",  # Easter Monday is a bank holiday
        (D("2027-03-31"), HR[0]): "Low pulse score: Lee Leader (week 17)",
        (D("2027-03-31"), HR[1]): "Low pulse score: Lee Leader (week 17)",
    }
    # The sponsor hears nothing of pulses (their digests and check-in reminders aside).
    assert not [m for (_, to), m in sent.items() if to == sponsor.email and "pulse" in parts(m)[0].lower()]
    text, html = parts(sent[(D("2027-01-11"), LEADER)])
    assert f"{BASE}/plans/{plan.id}/pulses/6" in text and f'href="{BASE}/plans/{plan.id}/pulses/6"' in html
    text, html = parts(sent[(D("2026-12-15"), HR[0])])
    assert "scored 1 or 2" in text and f"{BASE}/hr/plans/{plan.id}#pulses" in text
    assert "Hardly see my sponsor" not in text + html  # the answers are read on HR's page, not in email
    kinds = db.session.execute(sa.select(Nudge.kind, sa.func.count()).group_by(Nudge.kind)).all()
    assert {k: n for k, n in kinds if k.startswith("pulse")} == {"pulse_due": 4, "pulse_reminder": 1, "pulse_low": 4}


# --- the pages -------------------------------------------------------------------------------


def open_plan(version, leader, sponsor, mentor=None, hr=None):
    """A plan whose week 2 pulse check is open today."""
    start = Calendar().on_or_before(plans.today() - timedelta(days=14))
    plan = plans.create_plan(leader=leader, sponsor=sponsor, mentor=mentor, version=version, start=start,
                             months=4, actor=hr)
    db.session.commit()
    return plan


@pytest.fixture
def people(ctx):
    return {
        "leader": make_user("lee.leader@example.nhs.uk", "Lee Leader"),
        "sponsor": make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor"),
        "mentor": make_user("mo.mentor@example.nhs.uk", "Mo Mentor"),
        "hr": make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True),
    }


def test_my_plan_asks_for_the_open_pulse_and_the_form_says_what_is_missing(app, client, login, people):
    plan = open_plan(pulse_version(), people["leader"], people["sponsor"], people["mentor"], people["hr"])
    login(people["leader"])
    page = client.get("/my-plan").get_data(as_text=True)
    assert "Answer your week 2 pulse check" in page and f'href="/plans/{plan.id}/pulses/2"' in page
    response = client.post(f"/plans/{plan.id}/pulses/2", data={"expectations": "4", "sponsor_support": "7",
                                                               "reach": "3", "belonging": "5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    # In the error summary, linked to the statement, and on the statement's fieldset.
    for column, text in (("sponsor_support", "My sponsor is supporting me"), ("confidence", "I am confident in the role")):
        message = f"Select a score from 1 to 5 for: {text}"
        assert page.count(message) == 2 and f'href="#{column}"' in page
        assert message in page[page.index(f'id="{column}-error"'):][:300]
    assert 'id="expectations-error"' not in page and 'id="reach-error"' not in page
    assert pulses.answered(plan) == {}
    response = client.post(f"/plans/{plan.id}/pulses/2", data={**{k: str(v) for k, v in FINE.items()},
                                                               "comment": "Settling in", "share": "y"})
    assert response.status_code == 302
    answer = pulses.answered(plan)["2"]
    assert (answer.expectations, answer.comment, answer.shared_with_sponsor) == (4, "Settling in", True)
    assert "Answer your week 2 pulse check" not in client.get("/my-plan").get_data(as_text=True)
    # Answered once: the form is not offered again.
    assert client.get(f"/plans/{plan.id}/pulses/2").status_code == 302
    assert client.get(f"/plans/{plan.id}/pulses/6").status_code == 200  # not open yet: says when it opens
    assert client.get(f"/plans/{plan.id}/pulses/9").status_code == 404


def test_the_sponsor_reads_only_shared_answers_hr_all_and_the_mentor_none(app, client, login, people):
    plan = open_plan(pulse_version("pulses: [1, 2]"), people["leader"], people["sponsor"], people["mentor"], people["hr"])
    today = plans.today()
    for key, comment, shared in (("1", "Shared words", True), ("2", "Private words", False)):
        db.session.add(pulses.Pulse(plan_id=plan.id, key=key, due_on=today, answered_at=utcnow(),
                                    comment=comment, shared_with_sponsor=shared, **FINE))
    db.session.commit()
    login(people["sponsor"])
    page = client.get(f"/plans/{plan.id}/pulses").get_data(as_text=True)
    assert "Shared words" in page and "Private words" not in page
    assert client.get(f"/plans/{plan.id}/pulses/2").status_code == 403
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/export.csv", f"/api/v1/plans/{plan.id}"):
        assert "Private words" not in client.get(url).get_data(as_text=True)
    login(people["mentor"])
    assert client.get(f"/plans/{plan.id}/pulses").status_code == 404
    login(people["hr"])
    page = client.get(f"/hr/plans/{plan.id}").get_data(as_text=True)
    assert "Shared words" in page and "Private words" in page
    login(people["leader"])
    page = client.get(f"/plans/{plan.id}/pulses").get_data(as_text=True)
    assert "Shared words" in page and "Private words" in page


# --- in a browser ----------------------------------------------------------------------------



@pytest.mark.browser
def test_answering_a_pulse_on_a_phone_in_a_browser(live_server, page):
    """Chromium at 375 px with CSRF on: My plan offers the pulse, a missing score is named next to
    its statement, the answers are saved and shown in the leader's history; axe on every page."""
    from playwright.sync_api import expect  # imported only when a browser test runs

    from .conftest import PASSWORD, assert_accessible

    app, base = live_server
    with app.app_context():
        leader = make_user("lee.leader@example.nhs.uk", "Lee Leader")
        sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
        plan_id = open_plan(pulse_version(), leader, sponsor).id

    def check():
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide"

    def submit(name):
        with page.expect_navigation():
            page.get_by_role("button", name=name).click()
        check()

    page.set_viewport_size(PHONE)
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("lee.leader@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    submit("Sign in")
    page.goto(base + "/my-plan")
    check()
    with page.expect_navigation():
        page.get_by_role("link", name="Answer your week 2 pulse check").click()
    check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your week 2 pulse check")
    for statement, score in (("I know what is expected of me", "4"), ("My sponsor is supporting me", "2"),
                             ("I can reach the clinicians and stakeholders I need", "3"), ("I feel I belong here", "4")):
        page.get_by_role("group", name=statement).get_by_label(score, exact=True).check()
    page.get_by_label("Anything you want to add (optional)").fill("Hard to get time with my sponsor")
    submit("Save pulse check")
    expect(page.locator("#confidence-error")).to_contain_text("Select a score from 1 to 5 for: I am confident in the role")
    # What was ticked is kept; the missing one is answered by keyboard.
    expect(page.get_by_role("group", name="My sponsor is supporting me").get_by_label("2", exact=True)).to_be_checked()
    page.get_by_role("group", name="I am confident in the role").get_by_label("3", exact=True).focus()
    page.keyboard.press("Space")
    submit("Save pulse check")
    expect(page.get_by_text("Thank you. Your pulse check is saved.")).to_be_visible()
    expect(page.get_by_text("Hard to get time with my sponsor")).to_be_visible()
    expect(page.get_by_text("Not shared with the sponsor.")).to_be_visible()
    page.goto(f"{base}/plans/{plan_id}")
    check()
    expect(page.get_by_role("link", name="Answer your week 2 pulse check")).to_have_count(0)
