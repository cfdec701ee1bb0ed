"""Each plan's earliest open due date (plans/next_due.py), which the cohort's overdue filter reads,
follows every way a milestone changes: worked out here from the milestones themselves after each."""
from __future__ import annotations

from datetime import date

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import Milestone, Plan
from onboarding.plans import cohort, rebase, tailoring

from .conftest import make_user


def _expected(plan_id: int) -> date | None:
    """The earliest due date of the plan's milestones still to do, read row by row."""
    dues = [m.due_date for m in db.session.scalars(db.select(Milestone).where(Milestone.plan_id == plan_id))
            if m.status == "todo"]
    return min(dues, default=None)


def _stored(plan_id: int) -> date | None:
    return db.session.execute(db.select(Plan.next_open_due).where(Plan.id == plan_id)).scalar_one()


def _in_step(*plan_ids: int) -> None:
    db.session.commit()
    db.session.expire_all()
    for plan_id in plan_ids:
        assert _stored(plan_id) == _expected(plan_id), f"plan {plan_id}"


def test_every_change_to_a_plans_milestones_keeps_its_earliest_open_due_date(cast):
    plan, other, hr = cast["plan_a"], cast["plan_b"], cast["hr"]
    _in_step(plan.id, other.id)
    first = min(plan.milestones, key=lambda m: (m.due_date, m.id))

    assert plans.complete_milestone(first, hr, "done")
    _in_step(plan.id)
    assert _stored(plan.id) > first.due_date  # the next one now
    assert plans.reopen_milestone(first, hr)
    _in_step(plan.id)
    assert _stored(plan.id) == first.due_date

    tailoring.mark_not_applicable(first, hr, "Not in this trust")
    _in_step(plan.id)
    tailoring.mark_applicable(first, hr)
    _in_step(plan.id)

    tailoring.change(first, hr, due=date(2027, 1, 11), reason="The board moved")
    _in_step(plan.id)
    added = tailoring.add_milestone(plan, hr, title="Meet the regional director", description="", owner="leader",
                                    due=date(2026, 9, 8), phase=plan.milestones[0].phase, reason="Asked for")
    _in_step(plan.id)
    assert _stored(plan.id) <= added.due_date

    plans.pause(plan, hr, reason="Leave", expected_return_on=date(2026, 10, 5), on=date(2026, 9, 9))
    _in_step(plan.id)
    plans.resume(plan, hr, on=date(2026, 10, 5))
    _in_step(plan.id)
    short = plans.create_plan(leader=make_user("leader.c@example.nhs.uk"), sponsor=cast["sponsor_a"],
                              version=playbooks.get_playbook("compressed-13-weeks").latest, start=date(2026, 9, 7),
                              months=3, actor=hr)
    _in_step(short.id)
    plans.extend(short, hr, 5)  # its open milestones spread over five months
    _in_step(short.id, plan.id, other.id)

    db.session.delete(added)
    _in_step(plan.id)
    for m in list(plan.milestones):
        plans.complete_milestone(m, hr, "done")
    _in_step(plan.id)
    assert _stored(plan.id) is None  # nothing left to do


def test_a_rebase_that_moves_and_removes_milestones_keeps_it_too(cast):
    plan, hr = cast["plan_a"], cast["hr"]
    first = min(plan.milestones, key=lambda m: (m.due_date, m.id))
    content = playbooks.content_of(plan.playbook_version)
    content.milestones = [m for m in content.milestones if m["key"] != first.key]  # the earliest goes
    content.milestones[-1]["week"] = 1
    version, _ = playbooks.publish(content)
    db.session.commit()
    before = _stored(plan.id)
    rebase.apply(plan, version, hr)
    _in_step(plan.id)
    assert _stored(plan.id) != before


def test_the_overdue_filter_reads_it_and_agrees_with_the_milestones(cast):
    hr = cast["hr"]
    today = date(2026, 10, 1)
    overdue = {p.id for p in db.session.scalars(db.select(Plan))
               if any(m.status == "todo" and m.due_date < today for m in p.milestones) and p.is_open}
    assert overdue == {cast["plan_a"].id, cast["plan_b"].id}
    for m in cast["plan_b"].milestones:
        if m.due_date < today:
            plans.complete_milestone(m, hr, "done")
    db.session.commit()
    page = cohort.page(cohort.Filters(overdue_only=True), today=today)
    assert [r.plan_id for r in page.rows] == [cast["plan_a"].id] and page.total == 1
    plans.close(cast["plan_a"], hr, "withdrawn")
    db.session.commit()
    assert cohort.page(cohort.Filters(overdue_only=True), today=today).total == 0
