"""Dashboard rows: progress, check-ins and a constant number of queries."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import g

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import Plan
from onboarding.people import access
from onboarding.plans import checkins, dashboards
from onboarding.plans.checkins import CheckInInput

from .conftest import counting_statements, make_user

TODAY = date(2026, 10, 19)


def _log(plan, sponsor, held_on, rag="green", next_on=None):
    checkins.log_checkin(plan, sponsor, CheckInInput(held_on, rag, "Summary", next_checkin_on=next_on), TODAY)


def test_rows_match_the_plan_progress(cast):
    plan = cast["plan_a"]
    first = plan.milestones[0]
    plans.complete_milestone(first, cast["leader_a"], "done")
    db.session.commit()
    [row] = dashboards.plan_rows(sa.select(Plan).where(Plan.id == plan.id), TODAY)
    # The dashboards count in SQL what the plan pages count in Python: both must agree.
    assert row.progress == plans.progress(plan, TODAY)
    assert (row.progress.week_text, row.progress.done, row.progress.total, row.progress.percent) == (
        "Week 7 of 26", 1, 34, 3)
    assert row.progress.overdue > 0
    assert (row.leader_name, row.sponsor_name, row.mentor_name) == ("Leader A", "Sponsor A", "Mentor A")
    assert row.playbook_title == plan.playbook_version.title and row.playbook_slug == "cdio-cio-26-weeks"
    assert not row.closed


def test_last_checkin_and_next_due(cast):
    plan_a, plan_b = cast["plan_a"], cast["plan_b"]
    _log(plan_a, cast["sponsor_a"], date(2026, 9, 20), "red")
    _log(plan_a, cast["sponsor_a"], date(2026, 10, 2), "amber", next_on=date(2026, 10, 30))
    _log(plan_a, cast["sponsor_a"], date(2026, 9, 25), "green")  # logged late, but held earlier
    db.session.commit()
    rows = {r.plan_id: r for r in dashboards.plan_rows([plan_a.id, plan_b.id], TODAY)}
    a, b = rows[plan_a.id], rows[plan_b.id]
    assert (a.last_checkin_on, a.last_rag, a.next_checkin_due, a.checkin_overdue) == (date(2026, 10, 2), "amber", date(2026, 10, 30), False)
    # Plan B has never had a check-in: due a cadence after the start, which has passed.
    assert (b.last_checkin_on, b.last_rag) == (None, None)
    assert b.next_checkin_due == plan_b.start_date + timedelta(days=14) and b.checkin_overdue


def test_paused_and_closed_plans_are_not_chased(cast):
    plans.pause(cast["plan_a"], cast["hr"], on=date(2026, 10, 1))
    plans.close(cast["plan_b"], cast["hr"], "completed")
    db.session.commit()
    rows = {r.plan_id: r for r in dashboards.plan_rows(sa.select(Plan), TODAY)}
    paused, done = rows[cast["plan_a"].id], rows[cast["plan_b"].id]
    assert paused.status == "paused" and not paused.checkin_overdue and paused.next_checkin_due is not None
    assert done.closed and done.next_checkin_due is None and not done.checkin_overdue and done.progress.percent == 100


def test_the_callers_order_filters_and_limit_are_kept(cast):
    query = access.visible_plans(cast["hr"]).order_by(Plan.id.desc())
    assert [r.plan_id for r in dashboards.plan_rows(query, TODAY)] == [cast["plan_b"].id, cast["plan_a"].id]
    assert [r.plan_id for r in dashboards.plan_rows(query.limit(1), TODAY)] == [cast["plan_b"].id]
    assert [r.plan_id for r in dashboards.plan_rows(access.visible_plans(cast["sponsor_a"]), TODAY)] == [cast["plan_a"].id]
    assert [r.plan_id for r in dashboards.plan_rows([cast["plan_b"].id, cast["plan_a"].id], TODAY)] == [
        cast["plan_b"].id, cast["plan_a"].id]
    assert dashboards.plan_rows([], TODAY) == []
    # A caller may join the users itself to filter on the leader.
    from onboarding.models import User

    by_name = sa.select(Plan).join(User, User.id == Plan.leader_id).where(User.name == "Leader B")
    assert [r.leader_name for r in dashboards.plan_rows(by_name, TODAY)] == ["Leader B"]


def test_owned_milestones_are_the_open_ones_of_that_role_on_the_users_running_plans(cast):
    plan = cast["plan_a"]
    owned = [m for m in plan.milestones if m.owner == "sponsor"]
    assert len(owned) >= 2
    plans.complete_milestone(owned[0], cast["sponsor_a"])
    db.session.commit()
    found = dashboards.owned_milestones(cast["sponsor_a"], "sponsor", TODAY)
    assert [m.milestone_id for m in found] == [m.id for m in owned[1:]]
    assert {m.leader_name for m in found} == {"Leader A"}
    assert found[0].state in ("overdue", "due_soon", "not_started")
    # The same rule for the mentor: their own milestones, not the sponsor's.
    mentors = dashboards.owned_milestones(cast["mentor_a"], "mentor", TODAY)
    assert [m.milestone_id for m in mentors] == [m.id for m in plan.milestones if m.owner == "mentor"] != []
    # A role the user does not hold on the plan gives nothing, even for milestones of that role.
    assert dashboards.owned_milestones(cast["leader_a"], "sponsor", TODAY) == []
    assert dashboards.owned_milestones(cast["sponsor_a"], "mentor", TODAY) == []
    assert dashboards.owned_milestones(cast["other_sponsor"], "sponsor", TODAY, plan.id) == []
    plans.close(plan, cast["hr"], "withdrawn")
    db.session.commit()
    assert dashboards.owned_milestones(cast["sponsor_a"], "sponsor", TODAY) == []
    assert dashboards.owned_milestones(cast["mentor_a"], "mentor", TODAY) == []


# --- who needs me: the sponsor's leaders by need ------------------------------------------------


def seed_leaders_by_need() -> dict:
    """A sponsor, Sam, with six leaders, one for each place in the order on TODAY (Monday
    19 October 2026); every plan uses the 26-week playbook, whose check-ins are every 14 days.

    - Ada: started 7 September, no check-in yet: due 21 September, overdue.
    - Zed: started 7 September, red check-in on 21 September setting the next for 5 October:
      overdue too, but later than Ada's (and its red rating does not move it).
    - Bea: red check-in on 12 October, next on 2 November.
    - Cal: amber check-in on 12 October, next on 26 October.
    - Dee: green check-in on 12 October, next on 2 November; every milestone done but the
      first two (due in August and September): 2 overdue, 32 of 34 done (94%).
    - Eve: starts 4 January 2027: nothing is due yet; the first check-in is due 18 January.
    Returns the sponsor ("sponsor"), an HR user ("hr") and the plans by leader name.
    """
    sponsor = make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor")
    hr = make_user("people.team@example.nhs.uk", "Pat People", hr=True)
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    start = date(2026, 9, 7)
    made = {"sponsor": sponsor, "hr": hr}
    for name, starts in (("Ada", start), ("Bea", start), ("Cal", start), ("Dee", start), ("Eve", date(2027, 1, 4)),
                         ("Zed", start)):
        leader = make_user(f"{name.lower()}@example.nhs.uk", f"{name} Leader")
        made[name] = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=starts, months=6, actor=hr)
    for name, held, rag, next_on in (("Zed", date(2026, 9, 21), "red", date(2026, 10, 5)),
                                     ("Bea", date(2026, 10, 12), "red", date(2026, 11, 2)),
                                     ("Cal", date(2026, 10, 12), "amber", date(2026, 10, 26)),
                                     ("Dee", date(2026, 10, 12), "green", date(2026, 11, 2))):
        _log(made[name], sponsor, held, rag, next_on)
    for milestone in made["Dee"].milestones[2:]:
        plans.complete_milestone(milestone, hr)
    db.session.commit()
    return made


BY_NEED = ["Ada Leader", "Zed Leader", "Bea Leader", "Cal Leader", "Dee Leader", "Eve Leader"]


def test_leaders_are_ordered_by_need(loaded):
    made = seed_leaders_by_need()
    query = access.plans_in_role(made["sponsor"], "sponsor").order_by(Plan.start_date.desc(), Plan.id)
    rows = dashboards.by_need(dashboards.plan_rows(query, TODAY))
    assert [r.leader_name for r in rows] == BY_NEED
    assert [r.need for r in rows] == ["checkin_overdue", "checkin_overdue", "red", "amber", "milestones_overdue",
                                      "on_track"]
    by_name = {r.leader_name: r for r in rows}
    assert (by_name["Ada Leader"].next_checkin_due, by_name["Zed Leader"].next_checkin_due) == (
        date(2026, 9, 21), date(2026, 10, 5))
    assert (by_name["Dee Leader"].progress.overdue, by_name["Dee Leader"].progress.done) == (2, 32)
    assert by_name["Eve Leader"].progress.overdue == 0 and by_name["Eve Leader"].next_checkin_due == date(2027, 1, 18)

    # A paused plan is not chased for its check-in, so its red rating places it: among the
    # reds, Ada's next check-in (14 October + 14 days = 28 October) comes before Bea's (2 November).
    plans.pause(made["Ada"], made["hr"], on=date(2026, 10, 1))
    _log(made["Ada"], made["sponsor"], date(2026, 10, 14), "red")
    db.session.commit()
    rows = dashboards.by_need(dashboards.plan_rows(query, TODAY))
    assert [(r.leader_name, r.need) for r in rows][:4] == [
        ("Zed Leader", "checkin_overdue"), ("Ada Leader", "red"), ("Bea Leader", "red"), ("Cal Leader", "amber")]


# --- the number of queries does not grow with the number of plans ---------------------------


def _add_plans(sponsor_id, hr_id, count: int, start: int) -> None:
    from onboarding.models import User

    sponsor, hr = db.session.get(User, sponsor_id), db.session.get(User, hr_id)
    version = playbooks.get_playbook("compressed-13-weeks").latest
    for i in range(start, start + count):
        leader = make_user(f"leader{i}@example.nhs.uk", f"Leader {i}")
        plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=date(2026, 9, 7), months=3, actor=hr)
        plan.milestones[0].status = "done"
        if i % 2:
            checkins.log_checkin(plan, sponsor, CheckInInput(date(2026, 9, 10), "amber", "Fine"), TODAY)
        if i % 7 == 0:
            plans.pause(plan, hr, on=date(2026, 10, 1))
        if i % 11 == 0:
            plans.close(plan, hr, "completed")
    db.session.commit()


def test_the_dashboard_issues_the_same_number_of_queries_for_5_plans_as_for_50(cast, client, login):
    sponsor_id, hr_id = cast["other_sponsor"].id, cast["hr"].id
    login(cast["other_sponsor"])

    def queries_for_page() -> tuple[int, str]:
        # Start the page from nothing cached, like a real request: the test shares the
        # app context (and so the session and flask.g) with the requests it makes.
        db.session.remove()
        g.pop("_login_user", None)
        with counting_statements() as statements:
            response = client.get("/sponsor")
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    _add_plans(sponsor_id, hr_id, 4, 0)  # with plan B: 5 plans
    few, page = queries_for_page()
    assert page.count('href="/plans/') >= 5
    _add_plans(sponsor_id, hr_id, 45, 4)  # 50 plans
    many, page = queries_for_page()
    assert "Leader 48" in page
    assert many == few, f"{few} queries for 5 plans but {many} for 50"


def test_very_long_id_lists_are_split_but_give_every_row(cast, monkeypatch):
    monkeypatch.setattr(dashboards, "ID_CHUNK", 1)
    _log(cast["plan_b"], cast["other_sponsor"], date(2026, 10, 1), "red")
    db.session.commit()
    rows = dashboards.plan_rows(sa.select(Plan).order_by(Plan.id), TODAY)
    assert [r.plan_id for r in rows] == [cast["plan_a"].id, cast["plan_b"].id]
    assert rows[1].last_rag == "red" and rows[0].progress.total > 0 and rows[1].progress.total > 0
