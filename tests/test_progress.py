"""Week N of M, progress and "due soon": pure functions, values worked out by hand."""
from datetime import UTC, date

import pytest

from onboarding.plans import planning
from onboarding.plans.planning import Calendar, is_due_soon, plan_weeks, progress, week_of_plan, week_text


@pytest.mark.parametrize("start, end, weeks", [
    (date(2026, 3, 2), date(2026, 9, 2), 26),  # 184 days: 26.3 weeks (was counted as 27)
    (date(2026, 9, 7), date(2027, 3, 7), 26),  # 181 days: 25.9 weeks
    (date(2027, 1, 4), date(2027, 7, 4), 26),  # 181 days
    (date(2026, 9, 7), date(2026, 12, 7), 13),  # 3 months, 91 days: exactly 13 weeks
    (date(2026, 9, 7), date(2027, 1, 7), 17),  # 4 months, 122 days: 17.4 weeks
])
def test_a_plan_runs_its_days_over_seven_to_the_nearest_week(start, end, weeks):
    assert plan_weeks(start, end) == weeks


def test_a_26_week_playbook_over_six_months_never_shows_week_of_27():
    # Start Monday 2 March 2026, end 2 September 2026. 2 July is day 122: 122 // 7 + 1 = week 18.
    start, end = date(2026, 3, 2), date(2026, 9, 2)
    assert week_text(start, end, date(2026, 7, 2)) == "Week 18 of 26"
    # The last day (day 184) would be week 27: it stays in the last week.
    assert week_text(start, end, end) == "Week 26 of 26"
    assert week_text(start, end, date(2027, 1, 1)) == "Week 26 of 26"


@pytest.mark.parametrize("on, week", [
    (date(2026, 9, 6), 0),  # the day before the start
    (date(2026, 9, 7), 1),  # the start
    (date(2026, 9, 13), 1),  # day 6
    (date(2026, 9, 14), 2),  # day 7
    (date(2026, 10, 19), 7),  # day 42
])
def test_week_of_plan_counts_from_one_on_the_start_date(on, week):
    assert week_of_plan(date(2026, 9, 7), date(2027, 3, 7), on) == week


def test_a_plan_that_has_not_started_says_so_with_its_start_date():
    assert week_text(date(2026, 9, 7), date(2027, 3, 7), date(2026, 8, 31)) == "Not started yet: starts 7 September 2026"


def test_progress_from_counts():
    p = progress(date(2026, 9, 7), date(2027, 3, 7), date(2026, 10, 5), done=5, total=25, overdue=2)
    assert p == planning.Progress(week=5, weeks=26, week_text="Week 5 of 26", done=5, total=25, overdue=2, percent=20)
    assert p.started
    # 1 of 3 is 33.3%; a completed plan is 100% whatever was left; no milestones is 0%, not an error.
    assert progress(date(2026, 9, 7), date(2027, 3, 7), date(2026, 10, 5), done=1, total=3, overdue=0).percent == 33
    assert progress(date(2026, 9, 7), date(2027, 3, 7), date(2027, 6, 1), done=1, total=3, overdue=0,
                    completed=True).percent == 100
    before = progress(date(2026, 9, 7), date(2027, 3, 7), date(2026, 9, 1), done=0, total=0, overdue=0)
    assert (before.percent, before.week, before.started) == (0, 0, False)


def test_due_soon_counts_working_days_not_calendar_days():
    mon_to_fri = Calendar()
    due = date(2026, 10, 16)  # a Friday
    # From Tuesday 13 October: 14, 15, 16 are three working days.
    assert is_due_soon(due, date(2026, 10, 13), 3, mon_to_fri)
    # From Friday 9 October it is 7 calendar days but 5 working days (12 to 16): not yet.
    assert not is_due_soon(due, date(2026, 10, 9), 3, mon_to_fri)
    assert is_due_soon(due, due, 3, mon_to_fri)  # due today
    assert not is_due_soon(due, date(2026, 10, 17), 3, mon_to_fri)  # past: overdue, not due soon
    # A leader working Mondays and Fridays only: from Friday 9 October, 12 and 16 are two.
    assert is_due_soon(due, date(2026, 10, 9), 2, Calendar(("mon", "fri")))


def test_due_soon_skips_bank_holidays():
    # From Wednesday 23 December 2026 to Tuesday 29 December: 24 and 29 are working days;
    # Christmas Day (Fri 25) and the substitute Boxing Day (Mon 28) are bank holidays.
    assert Calendar().working_days_between(date(2026, 12, 23), date(2026, 12, 29)) == 2
    assert is_due_soon(date(2026, 12, 29), date(2026, 12, 23), 2)


def test_today_is_the_date_in_the_zone_given(monkeypatch):
    from datetime import datetime as real_datetime

    class Clock(real_datetime):
        @classmethod
        def now(cls, tz=None):
            # 23:30 UTC on 30 June: already 1 July in London (BST) and in Auckland, still 30 June in New York.
            return real_datetime(2026, 6, 30, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(planning, "datetime", Clock)
    assert planning.today_in("Europe/London") == date(2026, 7, 1)
    assert planning.today_in("America/New_York") == date(2026, 6, 30)
    assert planning.today_in(None) == date(2026, 7, 1)  # the default zone is London
