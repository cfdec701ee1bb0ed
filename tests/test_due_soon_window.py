"""is_due_soon stops counting at the end of its window (issue 16) and still gives the answer of
counting every working day up to the due date, for full-time and part-time calendars, across
bank holidays and the turn of the year."""
from __future__ import annotations

from datetime import date, timedelta

from onboarding.plans.planning import Calendar, is_due_soon


def test_the_window_gives_the_same_answer_as_counting_every_day():
    calendars = [Calendar(), Calendar(("mon", "wed", "thu")), Calendar(("fri",)), Calendar(("sat",))]
    start = date(2026, 12, 14)  # Christmas, Boxing Day (moved to Monday 28th) and New Year ahead
    checked = 0
    for cal in calendars:
        for on_offset in range(0, 30, 3):
            on = start + timedelta(days=on_offset)
            for due_offset in range(-3, 60):
                due = on + timedelta(days=due_offset)
                for window in (1, 3, 5, 10):
                    expected = on <= due and cal.working_days_between(on, due) <= window
                    assert is_due_soon(due, on, window, cal) == expected, (cal, on, due, window)
                    checked += 1
    assert checked == 4 * 10 * 63 * 4


def test_a_milestone_months_away_is_not_due_soon():
    assert not is_due_soon(date(2027, 6, 1), date(2026, 12, 1), 3)
    # Over Christmas: Thursday 24th to Tuesday 29th December 2026 is one working day (the 29th).
    assert is_due_soon(date(2026, 12, 29), date(2026, 12, 24), 1)
