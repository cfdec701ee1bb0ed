"""The HR cohort at scale (issue 16): the pagination links a window of pages, not all of them,
so the page costs the same at 10,000 plans as at 100."""
from __future__ import annotations

import re
from datetime import date

import pytest

from onboarding import plans
from onboarding.extensions import db
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
