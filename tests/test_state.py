"""Plan and milestone state on the models, the database's own checks on every status
column, and pages that say the same thing about a plan whoever reads it."""
from __future__ import annotations

from datetime import UTC, date, timedelta
from datetime import datetime as real_datetime

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import CheckIn, Goal, Milestone, Nudge, Plan, Stakeholder
from onboarding.plans import planning


def _count(statement) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))


def test_plan_state_is_the_same_in_python_and_in_sql(cast):
    a, b = cast["plan_a"], cast["plan_b"]
    plans.pause(a, cast["hr"], on=date(2026, 10, 1))
    plans.close(b, cast["hr"], "withdrawn")
    db.session.commit()
    assert (a.is_open, a.is_closed, a.is_active, a.is_paused) == (True, False, False, True)
    assert (b.is_open, b.is_closed) == (False, True)
    assert list(db.session.scalars(sa.select(Plan.id).where(Plan.is_open))) == [a.id]
    assert list(db.session.scalars(sa.select(Plan.id).where(Plan.is_closed))) == [b.id]
    assert not a.has_started(date(2026, 9, 6)) and a.has_started(date(2026, 9, 7))


def test_milestone_state_is_the_same_in_python_and_in_sql(cast):
    plan = cast["plan_a"]
    first = plan.milestones[0]
    plans.complete_milestone(first, cast["hr"])
    db.session.commit()
    assert (first.is_done, first.is_open, first.is_overdue(date(2030, 1, 1))) == (True, False, False)
    assert plan.milestones[1].is_overdue(plan.milestones[1].due_date + timedelta(days=1))
    assert not plan.milestones[1].is_overdue(plan.milestones[1].due_date)
    mine = sa.select(Milestone).where(Milestone.plan_id == plan.id)
    assert (_count(mine.where(Milestone.is_done)), _count(mine.where(Milestone.is_open))) == (1, 33)


# Each status column, a value it must refuse, and a value it must accept.
STATUS_COLUMNS = [
    ("plan", "status", "archived", "paused"),
    ("milestone", "status", "skipped", "done"),  # "skipped" was never settable: now it is not allowed
    ("milestone", "owner", "boss", "hr"),
    ("milestone", "category", "misc", "peer_mentoring"),
    ("goal", "status", "finished", "achieved"),
    ("checkin", "rag", "blue", "amber"),
    ("stakeholder", "stance", "enemy", "sceptic"),
    ("user", "nudge_mode", "loud", "digest"),
    ("nudge", "status", "lost", "sending"),  # "sending" is what a delivery run claims a nudge as
]


def _row_ids(table: str) -> int:
    return db.session.execute(sa.text(f'SELECT min(id) FROM "{table}"')).scalar()


def test_the_database_refuses_a_status_the_code_does_not_know(cast):
    plan = cast["plan_a"]
    db.session.add(Nudge(recipient=cast["leader_a"], kind="digest", subject_type="user", subject_id=1,
                         period="2026-W40", plan=plan, recorded_on=date(2026, 10, 1)))
    db.session.add(Goal(plan=plan, title="G"))
    db.session.add(Stakeholder(plan=plan, name="S", power=3, interest=3))
    db.session.add(CheckIn(plan=plan, sponsor=cast["sponsor_a"], held_on=date(2026, 9, 20), rag="green", summary="ok"))
    db.session.commit()
    for table, column, bad, good in STATUS_COLUMNS:
        row = _row_ids(table)
        update = f'UPDATE "{table}" SET {column} = :value WHERE id = :id'
        with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
            db.session.execute(sa.text(update), {"value": bad, "id": row})
        with db.session.begin_nested():
            db.session.execute(sa.text(update), {"value": good, "id": row})


# --- one wording and one number everywhere --------------------------------------------------


def test_hr_and_sponsor_see_not_started_yet_like_the_leader(cast, client, login, monkeypatch):
    """Before the fix HR's cohort said "0 of 26" and the sponsor "Week 0 of 26" while the
    leader read "Not started yet"."""
    monkeypatch.setattr(plans, "today", lambda: date(2026, 9, 1))  # plans start on 7 September
    expected = "Not started yet: starts 7 September 2026"
    for who, url in [("hr", "/hr/cohort"), ("sponsor_a", "/sponsor"), ("leader_a", "/my-plan"),
                     ("mentor_a", "/mentoring"), ("hr", f"/hr/plans/{cast['plan_a'].id}")]:
        login(cast[who])
        page = client.get(url).get_data(as_text=True)
        assert expected in page, (who, url)
        assert "Week 0" not in page and " 0 of 26" not in page, (who, url)


def test_pages_say_due_soon_within_the_setting_in_working_days(cast, app, monkeypatch):
    """Pages counted 7 calendar days, nudges 3 working days: now both use working days."""
    plan = cast["plan_a"]
    m = next(m for m in plan.milestones if m.owner == "sponsor" and m.due_date.weekday() == 4)  # due on a Friday
    friday = m.due_date
    # The Friday before: 7 calendar days (due soon on the pages before the fix), 5 working days.
    assert planning.Calendar().working_days_between(friday - timedelta(days=7), friday) == 5
    assert plans.milestone_state(m, friday - timedelta(days=7)) == "not_started"
    assert plans.milestone_state(m, friday - timedelta(days=3)) == "due_soon"  # Tuesday: 3 working days
    # Without a playbook figure, the setting decides.
    plan.playbook_version.nudges = {}
    monkeypatch.setitem(app.config, "NUDGE_DUE_SOON_WORKING_DAYS", 5)
    assert plans.milestone_state(m, friday - timedelta(days=7)) == "due_soon"
    assert plans.due_soon_working_days({"due_soon_working_days": 2}) == 2
    db.session.rollback()


def test_today_is_in_the_configured_time_zone(app, ctx, monkeypatch):
    """plans.today() was London whatever TIMEZONE said (the scheduler read TIMEZONE)."""

    class Clock(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime(2026, 6, 30, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(planning, "datetime", Clock)
    monkeypatch.setitem(app.config, "TIMEZONE", "America/New_York")
    assert plans.today() == date(2026, 6, 30)
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/London")
    assert plans.today() == date(2026, 7, 1)


@pytest.mark.real_commits  # the sender marks emails sent on a second connection of its own
def test_the_weekly_digest_says_the_week_as_the_pages_do(ctx):
    """A four-month plan from Monday 7 December 2026 to 7 April 2027 is 121 days: 17 weeks
    (the digest said 18). Monday 4 January 2027 is day 28: week 5."""
    from onboarding import nudges
    from onboarding.nudges import mail

    from .conftest import make_user
    from .nudge_helpers import parts, world

    people = world(make_user)
    nudges.sweep(date(2027, 1, 4))
    # The sponsor's one email of the day carries the digest (with an escalation that Monday).
    [email] = [m for m in mail.memory_outbox() if m["To"] == people["sponsor"].email]
    text, html = parts(email)
    assert "Lee Leader: Week 5 of 17," in text and "Week 5 of 17," in html
    assert plans.progress(people["plan"], date(2027, 1, 4)).week_text == "Week 5 of 17"
