"""The cohort query: filters, pagination, progress figures and the CSV export."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import CheckIn
from onboarding.plans import cohort

from .conftest import make_user

TODAY = date(2026, 10, 19)  # week 7 of plans starting 7 September 2026


def test_rows_carry_progress_and_checkins(cast):
    plan = cast["plan_a"]
    plans.complete_milestone(plan.milestones[0], cast["hr"])
    db.session.add(CheckIn(plan=plan, sponsor=cast["sponsor_a"], held_on=date(2026, 10, 1), rag="amber",
                           summary="Settling in", next_checkin_on=date(2026, 10, 15)))
    db.session.add(CheckIn(plan=plan, sponsor=cast["sponsor_a"], held_on=date(2026, 9, 15), rag="green", summary="Start"))
    db.session.commit()
    page = cohort.page(cohort.Filters(), today=TODAY)
    assert page.total == 2 and page.pages == 1
    row = next(r for r in page.rows if r.plan_id == plan.id)
    assert row.progress == plans.progress(plan, TODAY)
    assert row.progress.week_text == "Week 7 of 26"
    assert (row.last_checkin_on, row.last_rag, row.next_checkin_due) == (date(2026, 10, 1), "amber", date(2026, 10, 15))
    assert row.checkin_overdue
    other = next(r for r in page.rows if r.plan_id == cast["plan_b"].id)
    assert other.last_checkin_on is None and other.next_checkin_due == date(2026, 9, 21)  # start + 14 days


def test_filters(cast):
    plans.pause(cast["plan_b"], cast["hr"], on=TODAY)
    db.session.commit()
    assert [r.plan_id for r in cohort.page(cohort.Filters(status="paused"), today=TODAY).rows] == [cast["plan_b"].id]
    assert cohort.page(cohort.Filters(playbook="compressed-13-weeks"), today=TODAY).total == 0
    assert cohort.page(cohort.Filters(playbook="cdio-cio-26-weeks"), today=TODAY).total == 2
    # Before the plans start nothing is overdue; well into them something is.
    assert cohort.page(cohort.Filters(overdue_only=True), today=date(2026, 8, 1)).total == 0
    assert cohort.page(cohort.Filters(overdue_only=True), today=date(2026, 12, 1)).total == 2
    plans.close(cast["plan_a"], cast["hr"], "withdrawn")
    db.session.commit()
    assert cohort.page(cohort.Filters(overdue_only=True), today=date(2026, 12, 1)).total == 1
    with pytest.raises(ValueError):
        cohort.Filters(status="lost")


def test_pagination_clamps_page_numbers(cast):
    version = cast["plan_a"].playbook_version
    for i in range(5):
        plans.create_plan(leader=make_user(f"p{i}@example.nhs.uk"), sponsor=cast["sponsor_a"], version=version,
                          start=date(2026, 1, 5 + i), months=3)
    db.session.commit()
    first = cohort.page(cohort.Filters(), 1, per_page=3, today=TODAY)
    last = cohort.page(cohort.Filters(), 99, per_page=3, today=TODAY)
    assert (first.total, first.pages, len(first.rows)) == (7, 3, 3)
    assert (last.page, len(last.rows)) == (3, 1)
    seen = [r.plan_id for n in (1, 2, 3) for r in cohort.page(cohort.Filters(), n, per_page=3, today=TODAY).rows]
    assert len(seen) == len(set(seen)) == 7
    assert len(list(cohort.all_rows(cohort.Filters(), today=TODAY, batch=2))) == 7


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=x", "'\t=x"), ("Plain", "Plain"), (3, "3"), (None, ""),
])
def test_safe_cell(value, expected):
    assert cohort.safe_cell(value) == expected


def test_csv(cast):
    cast["sponsor_a"].name = "@Sponsor"
    db.session.commit()
    rows = list(csv.reader(io.StringIO(cohort.to_csv(cohort.all_rows(cohort.Filters(), today=TODAY)))))
    assert rows[0] == list(cohort.CSV_HEADER)
    by_email = {r[2]: r for r in rows[1:]}
    a = by_email["leader.a@example.nhs.uk"]
    assert a[3] == "'@Sponsor" and a[4] == "Mentor A" and a[5] == "cdio-cio-26-weeks" and a[7] == "active"
    assert by_email["leader.b@example.nhs.uk"][4] == ""
    assert rows[0][-1] == "inactive people" and a[-1] == "" and by_email["leader.b@example.nhs.uk"][-1] == ""


def test_csv_names_the_deactivated_sponsor_and_mentor_of_open_plans(cast):
    cast["sponsor_a"].active = False
    cast["mentor_a"].active = False
    cast["other_sponsor"].active = False
    plans.close(cast["plan_b"], cast["hr"], "withdrawn")  # a closed plan needs nobody
    db.session.commit()
    rows = list(csv.reader(io.StringIO(cohort.to_csv(cohort.all_rows(cohort.Filters(), today=TODAY, batch=1)))))
    inactive = {r[2]: r[-1] for r in rows[1:]}
    assert inactive == {"leader.a@example.nhs.uk": "Sponsor A (sponsor); Mentor A (mentor)", "leader.b@example.nhs.uk": ""}
