"""Tailoring one plan in the domain: not applicable (never nudged, not counted, kept by a rebase,
audited with its reason), added milestones (in the feed, the CSV, the JSON and the nudges),
hand-set due dates and owners (working days only; kept by rebase, extend and resume), and who may."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import nudges, plans, playbooks
from onboarding.extensions import db
from onboarding.models import AuditEvent
from onboarding.people import access
from onboarding.plans import calendar_feed, dashboards, exports, rebase, tailoring

from .conftest import make_user
from .nudge_helpers import SMTPServer, milestone, world

D = date.fromisoformat


def by_key(plan, key):
    return next(m for m in plan.milestones if m.key == key)


def audit(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# --- not applicable -------------------------------------------------------------------------------


def test_a_not_applicable_milestone_is_not_counted_so_the_plan_reaches_100_percent(cast):
    plan, hr, leader = cast["plan_a"], cast["hr"], cast["leader_a"]
    fppt = by_key(plan, "fppt-checks")
    tailoring.mark_not_applicable(fppt, hr, "  Not a board member: the FPPT does not apply  ")
    db.session.commit()
    assert fppt.status == "not_applicable" and fppt.not_applicable_reason == "Not a board member: the FPPT does not apply"
    for m in plan.milestones:
        if m.is_open:
            plans.complete_milestone(m, leader)
    db.session.commit()
    # 34 milestones, 1 not applicable: 33 of 33 done.
    progress = plans.progress(plan, on=D("2026-12-01"))
    assert (progress.done, progress.total, progress.percent, progress.overdue) == (33, 33, 100, 0)
    row = dashboards.plan_rows([plan.id], D("2026-12-01"))[0]
    assert (row.progress.done, row.progress.total, row.progress.percent) == (33, 33, 100)
    assert plans.milestone_state(fppt, D("2027-06-01")) == "not_applicable"  # never overdue
    assert "Not applicable" in exports.plan_csv(plan, D("2026-12-01")).splitlines()[2]
    shown = plans.milestone_json(fppt)
    assert shown["status"] == "not_applicable" and shown["not_applicable_reason"].startswith("Not a board member")
    assert tailoring.summary(plan) == "tailored: 1 not applicable"

    # The audit trail says who and why.
    (event,) = audit("milestone.not_applicable")
    assert event.actor_id == hr.id and event.object_id == fppt.id
    assert event.detail["reason"] == "Not a board member: the FPPT does not apply"


def test_not_applicable_needs_a_reason_and_an_open_milestone_and_is_reversible(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    fppt, first = by_key(plan, "fppt-checks"), plan.milestones[0]
    with pytest.raises(plans.PlanError, match="Enter why") as exc:
        tailoring.mark_not_applicable(fppt, hr, "   ")
    assert exc.value.field == "reason"
    with pytest.raises(plans.PlanError, match="500 characters") as exc:
        tailoring.mark_not_applicable(fppt, hr, "x" * 501)
    assert exc.value.field == "reason"
    plans.complete_milestone(first, hr)
    with pytest.raises(plans.PlanError, match="this one is done") as exc:
        tailoring.mark_not_applicable(first, hr, "Not needed")
    assert exc.value.field == "status"
    assert fppt.status == "todo" and fppt.not_applicable_reason is None

    tailoring.mark_not_applicable(fppt, hr, "x" * 500)
    tailoring.mark_applicable(fppt, hr, "Joined the board after all")
    db.session.commit()
    assert fppt.status == "todo" and fppt.not_applicable_reason is None
    assert audit("milestone.applicable")[0].detail["reason"] == "Joined the board after all"
    with pytest.raises(plans.PlanError, match="not marked not applicable"):
        tailoring.mark_applicable(fppt, hr)
    plans.close(plan, hr, "withdrawn")
    with pytest.raises(plans.PlanError, match="withdrawn") as exc:
        tailoring.mark_not_applicable(fppt, hr, "Too late")
    assert exc.value.field == "status"


# --- changing a due date or an owner ----------------------------------------------------------------


def test_a_due_date_on_a_day_the_owner_does_not_work_is_refused_with_a_field_error(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    plan.working_days = "mon,tue,wed,thu"
    m = by_key(plan, "stars-diagnosis")  # the leader's, week 2: day 11 * 181 // 182 = 10, Thu 17 Sep
    refused = {
        D("2026-12-12"): "Saturday 12 December 2026 is not",  # a Saturday
        D("2026-12-25"): "Friday 25 December 2026 is not",  # Christmas Day, a bank holiday
        D("2026-12-18"): "one of the leader's working days",  # a Friday: not this leader's
        D("2027-03-08"): "on or before the plan's end, 7 March 2027",
    }
    for day, message in refused.items():
        with pytest.raises(plans.PlanError, match=message) as exc:
            tailoring.change(m, hr, due=day, reason="Board timetable")
        assert exc.value.field == "due"
    # A sponsor works Monday to Friday: the Friday is fine once the sponsor owns it.
    tailoring.change(m, hr, due=D("2026-12-18"), owner="sponsor", reason="The sponsor runs it")
    db.session.commit()
    assert (m.due_date, m.owner, m.due_tailored, m.owner_tailored) == (D("2026-12-18"), "sponsor", True, True)
    (event,) = audit("milestone.change")
    assert event.detail == {"plan": plan.id, "key": "stars-diagnosis", "reason": "The sponsor runs it",
                            "due_from": "2026-09-17", "due_to": "2026-12-18",
                            "owner_from": "leader", "owner_to": "sponsor"}
    with pytest.raises(plans.PlanError, match="Enter why") as exc:
        tailoring.change(m, hr, due=D("2026-12-17"), reason="")
    assert exc.value.field == "reason"
    with pytest.raises(plans.PlanError, match="new due date or choose a new owner"):
        tailoring.change(m, hr, due=D("2026-12-18"), reason="Same again")
    assert tailoring.summary(plan) == "tailored: 1 re-dated, 1 new owner"


def test_extend_and_resume_leave_hand_set_dates_alone(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    plan.months, plan.end_date = 4, D("2027-01-07")
    hand_set, other = by_key(plan, "ninety-day-plan"), by_key(plan, "wgll-gap-analysis")
    other.due_date = D("2026-10-01")  # where a 4-month plan might have it
    tailoring.change(hand_set, hr, due=D("2026-12-02"), reason="Board meets that day")
    plans.extend(plan, hr, 6)
    # wgll-gap-analysis (week 9, day 60): 60 * 181 // 182 = day 59, Thu 5 Nov.
    assert hand_set.due_date == D("2026-12-02") and other.due_date == D("2026-11-05")
    plans.pause(plan, hr, on=D("2026-11-02"))
    plans.resume(plan, hr, on=D("2026-11-09"))  # 5 working days away
    assert hand_set.due_date == D("2026-12-02")


# --- adding a milestone ----------------------------------------------------------------------------


def test_an_added_milestone_takes_its_place_in_due_date_order_with_a_key_of_its_own(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    ninety = by_key(plan, "ninety-day-plan")  # due Thu 26 Nov 2026
    added = tailoring.add_milestone(plan, hr, title="Board away day: the digital strategy", description="Half a day",
                                    owner="leader", due=D("2026-11-26"), phase="diagnose-and-align",
                                    reason="The trust's strategy cycle")
    db.session.commit()
    assert ninety.due_date == D("2026-11-26")
    assert added.key == "added_board-away-day-the-digital-strategy"
    assert added.position == ninety.position + 1  # after everything due on or before the 26th
    assert [m.position for m in plan.milestones] == list(range(35))  # 34 and the one added
    assert (added.added, added.due_tailored, added.status, added.phase_title) == (True, True, "todo", "Diagnose and align")
    again = tailoring.add_milestone(plan, hr, title="Board away day: the digital strategy!", description="",
                                    owner="hr", due=D("2026-11-27"), phase="diagnose-and-align", reason="Second half")
    assert again.key == "added_board-away-day-the-digital-strategy-2"
    assert plans.milestone_json(added)["added"] is True and "added" not in plans.milestone_json(ninety)
    assert tailoring.summary(plan) == "tailored: 2 added"
    assert audit("milestone.add")[0].detail["reason"] == "The trust's strategy cycle"

    refusals = {
        "title": dict(title=" ", owner="leader", due=D("2026-11-26"), phase="diagnose-and-align", reason="r"),
        "phase": dict(title="T", owner="leader", due=D("2026-11-26"), phase="nope", reason="r"),
        "owner": dict(title="T", owner="chair", due=D("2026-11-26"), phase="diagnose-and-align", reason="r"),
        "due": dict(title="T", owner="leader", due=D("2026-11-28"), phase="diagnose-and-align", reason="r"),
        "reason": dict(title="T", owner="leader", due=D("2026-11-26"), phase="diagnose-and-align", reason=""),
    }
    for field, values in refusals.items():
        with pytest.raises(plans.PlanError) as exc:
            tailoring.add_milestone(plan, hr, description="", **values)
        assert exc.value.field == field
    with pytest.raises(plans.PlanError, match="no mentor") as exc:
        tailoring.add_milestone(cast["plan_b"], hr, title="T", description="", owner="mentor", due=D("2026-11-26"),
                                phase="diagnose-and-align", reason="r")


def test_an_added_milestone_is_in_the_calendar_feed_and_the_csv(cast):
    plan, hr, leader = cast["plan_a"], cast["hr"], cast["leader_a"]
    tailoring.add_milestone(plan, hr, title="Visit the community hospitals", description="", owner="leader",
                            due=D("2026-10-14"), phase="orientate-and-listen", reason="Two sites")
    db.session.commit()
    assert "Visit the community hospitals" in [m.title for m in calendar_feed.owned_milestones(leader)]
    assert b"Visit the community hospitals" in calendar_feed.build(leader, "http://onboarding.test")
    rows = exports.plan_csv(plan, D("2026-09-07")).splitlines()
    assert any("Visit the community hospitals" in r and "2026-10-14" in r for r in rows)


# --- rebase keeps tailoring -------------------------------------------------------------------------


def test_a_rebase_keeps_not_applicable_marks_added_milestones_and_hand_set_dates_and_owners(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    tailoring.mark_not_applicable(by_key(plan, "fppt-checks"), hr, "Not a board member")
    added = tailoring.add_milestone(plan, hr, title="Meet the ICB digital lead", description="", owner="leader",
                                    due=D("2026-10-14"), phase="orientate-and-listen", reason="ICB asked")
    tailoring.change(by_key(plan, "ninety-day-plan"), hr, due=D("2026-12-02"), owner="mentor", reason="Board date")
    db.session.commit()

    content = playbooks.content_of(plan.playbook_version)
    for m in content.milestones:
        if m["key"] == "fppt-checks":
            m["title"] = "Fit and Proper Person Test checks"
        if m["key"] == "ninety-day-plan":
            m["week"], m["owner"] = 10, "leader"
    version, _ = playbooks.publish(content)
    db.session.commit()
    changes = rebase.diff(plan, version)
    assert "ninety-day-plan" not in [c.key for c in changes.redated]
    assert [c.key for c in changes.kept_tailored] == [added.key] and not changes.removed
    rebase.apply(plan, version, hr)
    db.session.commit()

    fppt = by_key(plan, "fppt-checks")
    assert (fppt.status, fppt.not_applicable_reason, fppt.title) == (
        "not_applicable", "Not a board member", "Fit and Proper Person Test checks")
    assert by_key(plan, added.key).due_date == D("2026-10-14")
    ninety = by_key(plan, "ninety-day-plan")
    assert (ninety.due_date, ninety.owner, ninety.week) == (D("2026-12-02"), "mentor", 10)
    assert len(plan.milestones) == 35 and [m.position for m in plan.milestones] == list(range(35))
    assert tailoring.summary(plan) == "tailored: 1 not applicable, 1 added, 1 re-dated, 1 new owner"


# --- who may ----------------------------------------------------------------------------------------


def test_hr_tailors_any_milestone_the_leader_only_those_they_added_the_sponsor_none(cast):
    plan, hr, leader = cast["plan_a"], cast["hr"], cast["leader_a"]
    playbook_one = by_key(plan, "stars-diagnosis")
    own = tailoring.add_milestone(plan, leader, title="Read the board papers", description="", owner="leader",
                                  due=D("2026-09-16"), phase="orientate-and-listen", reason="Before the board")
    by_hr = tailoring.add_milestone(plan, hr, title="Meet the auditors", description="", owner="leader",
                                    due=D("2026-09-17"), phase="orientate-and-listen", reason="Annual audit")
    db.session.commit()
    assert access.can_tailor(hr, plan) and access.can_tailor(leader, plan)
    assert not access.can_tailor(cast["sponsor_a"], plan) and not access.can_tailor(cast["mentor_a"], plan)
    assert not access.can_tailor(cast["leader_b"], plan)
    assert access.can_tailor_milestone(leader, own)
    assert not access.can_tailor_milestone(leader, playbook_one) and not access.can_tailor_milestone(leader, by_hr)
    assert all(access.can_tailor_milestone(hr, m) for m in (own, by_hr, playbook_one))
    assert not any(access.can_tailor_milestone(cast["sponsor_a"], m) for m in (own, playbook_one))
    plans.close(plan, hr, "completed")
    assert not access.can_tailor(hr, plan) and not access.can_tailor_milestone(hr, own)


# --- nudges: a day-by-day sweep over real SMTP ----------------------------------------------------


@pytest.mark.real_commits
def test_a_not_applicable_milestone_is_never_nudged_and_an_added_one_is(app, ctx):
    """The nudge fixture: the leader works Monday to Thursday, due soon is 2 working days.
    Meet the digital team (due Thu 24 Dec) is not applicable, so the leader hears nothing about
    it; the added milestone due Thu 14 Jan is due soon on Tue 12 Jan (13th and 14th left) and
    overdue on Mon 18 Jan, the leader's first working day after it (Friday is not one)."""
    server = SMTPServer().start()
    try:
        app.config.update(server.config())
        people = world(make_user)
        plan = people["plan"]
        tailoring.mark_not_applicable(milestone(plan, "meet-team"), people["hr"], "Met them at interview")
        tailoring.add_milestone(plan, people["hr"], title="Present to the digital board", description="",
                                owner="leader", due=D("2027-01-14"), phase="one", reason="Board cycle")
        db.session.commit()
        subjects = {}
        day = D("2026-12-07")
        while day <= D("2027-01-19"):
            assert nudges.sweep(day).delivery.failed == 0
            for _, msg in server.handler.take():
                if msg["To"] == people["leader"].email:
                    subjects[day] = msg["Subject"]
            day += timedelta(days=1)
    finally:
        server.stop()
    assert subjects == {
        D("2027-01-12"): "Due soon: Present to the digital board (due 14 Jan)",
        D("2027-01-18"): "Overdue: Present to the digital board (due 14 Jan)",
    }


def test_plans_show_json_shows_not_applicable_and_added(cast, runner):
    import json

    plan, hr = cast["plan_a"], cast["hr"]
    tailoring.mark_not_applicable(by_key(plan, "fppt-checks"), hr, "Not a board member")
    tailoring.add_milestone(plan, hr, title="Meet the ICB digital lead", description="", owner="leader",
                            due=D("2026-10-14"), phase="orientate-and-listen", reason="ICB asked")
    db.session.commit()
    result = runner.invoke(args=["plans", "show", str(plan.id), "--json"])
    assert result.exit_code == 0, result.output
    shown = {m["key"]: m for m in json.loads(result.output)["milestones"]}
    assert shown["fppt-checks"]["status"] == "not_applicable"
    assert shown["fppt-checks"]["not_applicable_reason"] == "Not a board member"
    assert shown["added_meet-the-icb-digital-lead"]["added"] is True
    assert "added" not in shown["stars-diagnosis"]


def test_a_milestone_goes_to_the_buddy_only_on_a_plan_with_one(cast):
    from onboarding.models import PlanSupporter

    plan, hr = cast["plan_a"], cast["hr"]
    m = by_key(plan, "stars-diagnosis")
    with pytest.raises(plans.PlanError, match="This plan has no buddy") as exc:
        tailoring.change(m, hr, owner="buddy", reason="A peer can do it")
    assert exc.value.field == "owner"
    buddy = make_user("bea.buddy@example.nhs.uk", "Bea Buddy")
    db.session.add(PlanSupporter(plan_id=plan.id, user_id=buddy.id, role="buddy"))
    db.session.commit()
    tailoring.change(m, hr, owner="buddy", reason="A peer can do it")
    assert (m.owner, m.owner_tailored) == ("buddy", True)
    assert tailoring.owners(cast["plan_b"]) == ["leader", "sponsor", "hr"]


def test_an_on_site_milestone_keeps_to_the_days_the_leader_is_on_site(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    plan.on_site_days = "tue,thu"
    m = by_key(plan, "stars-diagnosis")
    m.on_site = True
    with pytest.raises(plans.PlanError, match="Wednesday 16 December 2026 is not") as exc:
        tailoring.change(m, hr, due=D("2026-12-16"), reason="Walkabout")
    assert exc.value.field == "due"
    tailoring.change(m, hr, due=D("2026-12-17"), reason="Walkabout")  # a Thursday
    assert m.due_date == D("2026-12-17")
