"""Plan life cycle in the domain: pause and resume, extend, close, progress."""
from datetime import date

import pytest

from onboarding import plans
from onboarding.extensions import db
from onboarding.plans import planning


def test_pause_and_resume_move_open_milestones_by_the_working_days_paused(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    done = plan.milestones[0]
    plans.complete_milestone(done, hr, note="sent")
    before = {m.key: m.due_date for m in plan.milestones}
    plans.pause(plan, hr, on=date(2026, 12, 21))
    with pytest.raises(plans.PlanError, match="only an active plan"):
        plans.pause(plan, hr)
    # 21 Dec to 4 Jan: the working days in between skip Christmas, Boxing Day (observed 28th) and New Year.
    paused = plans.resume(plan, hr, on=date(2027, 1, 4))
    assert paused == planning.Calendar().working_days_between(date(2026, 12, 21), date(2027, 1, 4)) == 7
    db.session.commit()
    cal = planning.Calendar()
    for m in plan.milestones:
        if m.key == done.key:
            assert m.due_date == before[m.key], "done milestones keep their date"
        else:
            assert cal.working_days_between(cal.on_or_after(before[m.key]), m.due_date) == 7
    assert plan.status == "active" and plan.paused_on is None


def test_extend_respreads_open_milestones_up_to_the_new_end(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    plan.months = 4
    plan.end_date = planning.plan_end(plan.start_date, 4)
    plans.extend(plan, hr, 6)
    assert plan.end_date == date(2027, 3, 7)
    assert max(m.due_date for m in plan.milestones) <= plan.end_date
    with pytest.raises(plans.PlanError, match="longer than the current 6 months"):
        plans.extend(plan, hr, 5)
    with pytest.raises(plans.PlanError, match="3 to 6 months"):
        plans.extend(plan, hr, 7)


def test_a_completed_plan_stays_visible_at_one_hundred_percent(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    assert plans.progress(plan, on=date(2026, 9, 7)).percent == 0
    plans.close(plan, hr, "completed")
    db.session.commit()
    progress = plans.progress(plan, on=date(2027, 6, 1))
    assert progress.percent == 100 and len(plan.milestones) == 34
    with pytest.raises(plans.PlanError, match="already completed"):
        plans.close(plan, hr, "withdrawn")


def test_progress_counts_weeks_done_and_overdue(cast):
    plan, leader = cast["plan_a"], cast["leader_a"]
    for m in plan.milestones[:5]:
        plans.complete_milestone(m, leader, note="done")
    p = plans.progress(plan, on=date(2026, 10, 5))
    assert (p.week, p.weeks, p.week_text) == (5, 26, "Week 5 of 26")
    assert (p.done, p.total, p.percent) == (5, 34, 15)  # 5 of 34 is 14.7%
    assert p.overdue == sum(1 for m in plan.milestones if m.status == "todo" and m.due_date < date(2026, 10, 5))
    assert plans.milestone_state(plan.milestones[0], date(2026, 10, 5)) == "done"
    assert plans.milestone_state(plan.milestones[-1], date(2026, 10, 5)) == "not_started"


def test_extend_moves_open_milestones_to_their_places_in_the_longer_plan(cast):
    """Worked by hand for the 26-week playbook, a plan from Monday 7 Sep 2026:
    3 months ends 7 Dec (91 days), 6 months ends 7 Mar 2027 (181 days).
    ninety-day-plan (week 12, nominal day 7*12-3 = 81): 81*91//182 = day 40 = Sat 17 Oct, but it
    follows the clinician interviews, held to week 8 (Mon 26 Oct) by their floor; after extending,
    81*181//182 = day 80 = Thu 26 Nov.
    assign-mentor (week 2, day 11): 11*91//182 = day 5 = Sat 12 Sep, so Mon 14 Sep; done, it stays."""
    from onboarding import playbooks

    from .conftest import make_user

    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    plan = plans.create_plan(leader=make_user("leader.c@example.nhs.uk"), sponsor=cast["sponsor_a"], version=version,
                             start=date(2026, 9, 7), months=3, actor=cast["hr"])
    db.session.commit()
    by_key = {m.key: m for m in plan.milestones}
    assert by_key["ninety-day-plan"].due_date == date(2026, 10, 26)
    assert by_key["assign-mentor"].due_date == date(2026, 9, 14)
    plans.complete_milestone(by_key["assign-mentor"], cast["hr"], note="done")
    plans.extend(plan, cast["hr"], 6)
    db.session.commit()
    assert by_key["ninety-day-plan"].due_date == date(2026, 11, 26), "open milestones re-spread"
    assert by_key["assign-mentor"].due_date == date(2026, 9, 14), "done milestones keep their date"
