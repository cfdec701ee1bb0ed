"""Dashboard rows: progress, check-ins and a constant number of queries."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import sqlalchemy as sa
from flask import g

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import Plan
from onboarding.people import access
from onboarding.plans import checkins, dashboards
from onboarding.plans.checkins import CheckInInput

from .conftest import make_user

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
        "Week 7 of 26", 1, 25, 4)
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


def test_sponsor_milestones_are_the_open_sponsor_owned_ones_of_their_running_plans(cast):
    plan = cast["plan_a"]
    owned = [m for m in plan.milestones if m.owner == "sponsor"]
    assert len(owned) >= 2
    plans.complete_milestone(owned[0], cast["sponsor_a"])
    db.session.commit()
    found = dashboards.sponsor_milestones(cast["sponsor_a"].id, TODAY)
    assert [m.milestone_id for m in found] == [m.id for m in owned[1:]]
    assert {m.leader_name for m in found} == {"Leader A"}
    assert found[0].state in ("overdue", "due_soon", "not_started")
    assert dashboards.sponsor_milestones(cast["leader_a"].id, TODAY) == []
    plans.close(plan, cast["hr"], "withdrawn")
    db.session.commit()
    assert dashboards.sponsor_milestones(cast["sponsor_a"].id, TODAY) == []


# --- the number of queries does not grow with the number of plans ---------------------------


@contextmanager
def counting_queries():
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


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
        with counting_queries() as statements:
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
