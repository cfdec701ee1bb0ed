"""The HR cohort at scale (issue 16): the pagination links a window of pages, not all of them,
so the page costs the same at 10,000 plans as at 100."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import plans, refresh_statistics
from onboarding.extensions import db
from onboarding.models import Plan
from onboarding.plans import cohort

from .conftest import make_user


@pytest.mark.parametrize(("current", "pages", "window"), [
    (1, 1, [1]),
    (1, 2, [1, 2]),
    (1, 400, [1, 2, None, 400]),
    (3, 400, [1, 2, 3, 4, None, 400]),  # 2 is shown, not an ellipsis standing for one number
    (200, 400, [1, None, 199, 200, 201, None, 400]),
    (400, 400, [1, None, 399, 400]),
    (5, 9, [1, None, 4, 5, 6, None, 9]),
    (4, 7, [1, 2, 3, 4, 5, 6, 7]),
])
def test_the_page_window(current, pages, window):
    assert cohort.page_window(current, pages) == window


def test_many_pages_are_linked_through_a_window_with_ellipses(cast, client, login):
    version = cast["plan_a"].playbook_version
    for i in range(124):  # 126 plans with the cast's two: 6 pages of 25
        leader = make_user(f"many{i}@example.nhs.uk", f"Many {i:03d}")
        plans.create_plan(leader=leader, sponsor=cast["sponsor_a"], version=version, start=date(2026, 1, 5), months=3)
    db.session.commit()
    login(cast["hr"])
    first = client.get("/hr/cohort").get_data(as_text=True)
    assert "126 plans match" in first and "page 1 of 6" in first
    # The numbered links, in order (by their accessible names), and an ellipsis for pages 3 to 5.
    assert re.findall(r'aria-label="Page (\d+)"', first) == ["1", "2", "6"]
    assert first.count("nhsuk-pagination__item--ellipsis") == 1
    assert 'href="/hr/cohort?page=6"' in first
    middle = client.get("/hr/cohort?page=4&status=active").get_data(as_text=True)
    assert "page 4 of 6" in middle
    # Page 2 is shown rather than an ellipsis standing for it alone; the filter stays in each link.
    assert re.findall(r'aria-label="Page (\d+)"', middle) == ["1", "2", "3", "4", "5", "6"]
    assert "nhsuk-pagination__item--ellipsis" not in middle
    assert 'href="/hr/cohort?page=5&amp;status=active"' in middle


def _explain_page_ids(today: date) -> str:
    """SQLite's plan for the statement that picks the overdue cohort's first page of plans."""
    ran: list[tuple] = []

    def keep(_conn, _cursor, statement, parameters, *_):
        if ".start_date DESC" in statement and "LIMIT" in statement:
            ran.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        page = cohort.page(cohort.Filters(overdue_only=True), today=today)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert page.total == 1200 and len(page.rows) == 25  # four in five of the 1,500
    (statement, parameters), = ran
    return " / ".join(row[-1] for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                                 parameters))


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # PostgreSQL keeps statistics itself
def test_with_statistics_sqlite_finds_the_overdue_page_in_the_order_index_without_sorting(cast, ctx):
    """Most plans have something overdue. With the statistics ``onboarding init`` and the daily
    sweep's job gather, SQLite walks the order index (which holds status and the earliest open due
    date) newest first and stops at 25, rather than sorting every overdue plan; without them it
    sorts, and the cohort slowed with its size (issue 16)."""
    today = date(2026, 11, 25)
    a = cast["plan_a"]
    values = {c: getattr(a, c) for c in ("leader_id", "sponsor_id", "playbook_version_id", "months", "end_date")}
    rows = [values | {"start_date": date(2026, 1, 5) + timedelta(days=i % 300), "status": "active",
                      "next_open_due": today - timedelta(days=1 + i % 40) if i % 5 else today + timedelta(days=3)}
            for i in range(1500)]
    db.session.execute(sa.insert(Plan), rows)
    # The cast's two plans: nothing overdue, so the count is the inserted plans' alone.
    db.session.execute(sa.update(Plan).where(Plan.id.in_([a.id, cast["plan_b"].id])).values(next_open_due=today))
    assert "TEMP B-TREE" in _explain_page_ids(today)  # what SQLite does with no statistics
    refresh_statistics()
    explained = _explain_page_ids(today)
    assert "COVERING INDEX ix_plan_start_id_status_due" in explained and "TEMP B-TREE" not in explained, explained
