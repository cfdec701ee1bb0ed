"""England and Wales bank holidays, written out by hand from the official list
(gov.uk/bank-holidays) and the rules behind it, so that an upgrade of `holidays`
that moves a date fails here rather than shifting milestones in live plans."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from onboarding.plans.planning import Calendar, is_bank_holiday

BANK_HOLIDAYS = {
    2026: [
        date(2026, 1, 1),    # New Year's Day
        date(2026, 4, 3),    # Good Friday (Easter Sunday 5 Apr)
        date(2026, 4, 6),    # Easter Monday
        date(2026, 5, 4),    # Early May: first Monday of May
        date(2026, 5, 25),   # Spring: last Monday of May
        date(2026, 8, 31),   # Summer: last Monday of August
        date(2026, 12, 25),  # Christmas Day, a Friday
        date(2026, 12, 28),  # Boxing Day falls on Saturday: substitute Monday
    ],
    2027: [
        date(2027, 1, 1),    # New Year's Day
        date(2027, 3, 26),   # Good Friday (Easter Sunday 28 Mar)
        date(2027, 3, 29),   # Easter Monday
        date(2027, 5, 3),    # Early May: first Monday of May
        date(2027, 5, 31),   # Spring: last Monday of May
        date(2027, 8, 30),   # Summer: last Monday of August
        date(2027, 12, 27),  # Christmas Day falls on Saturday: substitute Monday
        date(2027, 12, 28),  # Boxing Day falls on Sunday: substitute Tuesday
    ],
}


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("year", sorted(BANK_HOLIDAYS))
def test_weekday_bank_holidays_are_exactly_the_official_list(year):
    # `holidays` also names the Saturday or Sunday a holiday falls on; the official list (and a
    # working-day calendar, where weekends are off anyway) only has the weekday it moves to.
    weekdays = [day for day in days_of(year) if day.weekday() < 5]
    assert [day for day in weekdays if is_bank_holiday(day)] == BANK_HOLIDAYS[year]


def test_a_milestone_due_on_a_substitute_bank_holiday_moves_to_the_next_working_day():
    # Thu 24 Dec 2026 plus one working day skips Christmas (Fri) and the substitute Boxing Day (Mon 28 Dec).
    assert Calendar().add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
