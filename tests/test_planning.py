"""The planning rules of docs/architecture.md, as examples and as properties."""
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from onboarding import playbooks
from onboarding.plans import planning
from onboarding.plans.planning import Calendar, Slot, lay_out, plan_end

from .conftest import ROOT

DEFAULTS = {c.slug: c for c in (playbooks.parse_file(p)[0] for p in playbooks.default_paths(ROOT / "playbooks"))}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def slot(m: dict) -> Slot:
    return Slot(m["week"], m["pinned"], m.get("not_before_week"), m.get("not_after_week"), m.get("on_site", False))


def slots(content):
    return [slot(m) for m in content.milestones]


def due_dates(content, start, months, working_days=WEEKDAYS, on_site_days=()):
    return lay_out(slots(content), content.weeks, start, plan_end(start, months), working_days, on_site_days)


@pytest.mark.parametrize("day", ["2026-12-25", "2026-12-28", "2027-03-26", "2027-03-29", "2027-05-03", "2030-08-26"])
def test_bank_holidays_are_not_working_days(day):
    assert not Calendar().is_working_day(date.fromisoformat(day))


def test_working_pattern_and_weekends():
    three_days = Calendar(("mon", "wed", "fri"))
    assert three_days.is_working_day(date(2026, 11, 23))  # Monday
    assert not three_days.is_working_day(date(2026, 11, 24))  # Tuesday
    assert not Calendar().is_working_day(date(2026, 11, 28))  # Saturday
    assert three_days.on_or_after(date(2026, 11, 24)) == date(2026, 11, 25)
    assert Calendar().add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_a_due_date_on_a_bank_holiday_moves_to_the_next_working_day():
    # Week 1 of a plan starting Monday 2026-12-21 ends on Christmas Day; Boxing Day is
    # observed on Monday 28th, so the first working day is Tuesday 29th.
    start = date(2026, 12, 21)
    assert lay_out([Slot(1, True)], 26, start, plan_end(start, 6)) == [date(2026, 12, 29)]
    # Easter 2027: Good Friday 26 March and Easter Monday 29 March.
    start = date(2027, 3, 22)
    assert lay_out([Slot(1, True)], 26, start, plan_end(start, 6)) == [date(2027, 3, 30)]


def test_pinned_milestones_keep_their_week_and_others_scale():
    start = date(2026, 9, 7)  # a Monday
    short = lay_out([Slot(1, True), Slot(26)], 26, start, plan_end(start, 3))
    long = lay_out([Slot(1, True), Slot(26)], 26, start, plan_end(start, 6))
    assert short[0] == long[0] == date(2026, 9, 11)  # Friday of week 1 either way
    assert short[1] < long[1] <= plan_end(start, 6)
    assert short[1] <= plan_end(start, 3)


def test_pre_start_milestones_fall_before_the_start():
    start = date(2026, 9, 7)
    dates = lay_out([Slot(-2, True), Slot(0, True)], 26, start, plan_end(start, 6))
    assert dates == [date(2026, 8, 24), date(2026, 9, 7)]


def test_months_outside_three_to_six_are_refused():
    for months in (2, 7):
        with pytest.raises(planning.PlanningError, match="3 to 6 months"):
            plan_end(date(2026, 1, 5), months)


def test_working_days_are_parsed_and_checked():
    assert planning.parse_working_days("fri,mon") == ("mon", "fri")
    with pytest.raises(planning.PlanningError, match="unknown working day 'fun'"):
        planning.parse_working_days("mon,fun")
    with pytest.raises(planning.PlanningError, match="weekend"):
        planning.parse_working_days("sat")


def test_end_date_clamps_to_the_month():
    assert plan_end(date(2026, 8, 31), 6) == date(2027, 2, 28)


patterns = st.sets(st.sampled_from(WEEKDAYS), min_size=1).map(lambda s: tuple(d for d in WEEKDAYS if d in s))


@settings(max_examples=200, deadline=None)
# A single on-site Monday whose only Monday late in a 3-month plan is the early May bank holiday:
# an on-site milestone after the 90-day review's floor could not be placed. None is there now.
@example(slug="cdio-cio-26-weeks", start=date(2026, 2, 10), months=3, working_days=("mon", "tue", "wed"),
         on_site={"mon"})
@given(
    slug=st.sampled_from(sorted(DEFAULTS)),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    months=st.integers(min_value=3, max_value=6),
    working_days=patterns,
    on_site=st.sets(st.sampled_from(WEEKDAYS)),
)
def test_planning_rules_hold_for_every_default_playbook(slug, start, months, working_days, on_site):
    content = DEFAULTS[slug]
    on_site_days = tuple(d for d in working_days if d in on_site)
    dates = due_dates(content, start, months, working_days, on_site_days)
    end = plan_end(start, months)
    cal = Calendar(working_days)
    site = Calendar(on_site_days or working_days)
    assert len(dates) == len(content.milestones)
    late = planning.timing_problems(slots(content), dates, start)
    if len(working_days) >= 3:
        assert late == [], "every shipped playbook plans at every length without tailoring"
    for i, (milestone, due) in enumerate(zip(content.milestones, dates)):
        assert due.weekday() < 5, (milestone["key"], due)
        assert not planning.is_bank_holiday(due), (milestone["key"], due)
        assert cal.is_working_day(due), (milestone["key"], due)
        if milestone["week"] > 0:
            assert start <= due <= end, (milestone["key"], due, end)
        if milestone.get("on_site"):
            assert site.is_working_day(due), ("on site", milestone["key"], due, on_site_days)
        if i not in late:  # a floor the plan cannot fit is reported (plan_start refuses it), never hidden
            if milestone.get("not_before_week"):
                assert due >= start + timedelta(days=7 * (milestone["not_before_week"] - 1)), (milestone["key"], due)
            if milestone.get("not_after_week"):
                assert due < start + timedelta(days=7 * milestone["not_after_week"]), (milestone["key"], due)
    assert dates == sorted(dates), "the playbook's order is kept"
    assert dates == due_dates(content, start, months, working_days, on_site_days), "deterministic"


def test_shipped_playbooks_hold_their_floors_in_a_three_month_plan():
    # A 26-week playbook squeezed into 3 months: "12 clinician interviews" would fall in week 4
    # and the 90-day review in week 7; their floors hold them to weeks 8 and 12.
    start = date(2026, 9, 7)  # a Monday: week 8 starts Monday 26 October, week 12 Monday 23 November
    content = DEFAULTS["cdio-cio-26-weeks"]
    due = dict(zip((m["key"] for m in content.milestones), due_dates(content, start, 3)))
    assert due["clinician-priority-interviews"] == date(2026, 10, 26)
    assert due["ninety-day-hr-review"] == date(2026, 11, 23)
    assert due["strategy-refresh-outline"] >= date(2026, 11, 23)  # after the review, as in the playbook
    assert due["six-month-review"] <= plan_end(start, 3) == date(2026, 12, 7)


def test_a_floor_holds_a_milestone_and_everything_after_it():
    start = date(2026, 9, 7)  # Monday; 3 months is 91 days against the playbook's 182
    end = plan_end(start, 3)
    # Week 8 scales to day 26 (Saturday 3 October, so Monday 5 October) without a floor.
    assert lay_out([Slot(8), Slot(9)], 26, start, end) == [date(2026, 10, 5), date(2026, 10, 7)]
    assert lay_out([Slot(8, not_before_week=8), Slot(9)], 26, start, end) == [date(2026, 10, 26), date(2026, 10, 26)]


def test_a_ceiling_brings_a_milestone_forward_in_a_longer_plan():
    start = date(2026, 9, 7)
    end = plan_end(start, 6)  # 181 days against a 13-week playbook's 91
    # Week 2 spreads to day 21, Monday 28 September, the first day of week 4.
    assert lay_out([Slot(2)], 13, start, end) == [date(2026, 9, 28)]
    # Week 3 ends on Sunday 27 September: the last working day in it is Friday 25th.
    assert lay_out([Slot(2, not_after_week=3)], 13, start, end) == [date(2026, 9, 25)]


def test_a_floor_past_the_end_is_reported_with_the_length_that_fits():
    start = date(2026, 9, 7)
    items = [Slot(20, not_before_week=16), Slot(26)]
    dates = lay_out(items, 26, start, plan_end(start, 3))
    assert dates[-1] <= plan_end(start, 3)
    assert planning.timing_problems(items, dates, start) == [0]
    # Week 16 starts on day 105, 21 December: a 4-month plan ends on 7 January.
    assert planning.months_needed(items, 26, start, WEEKDAYS, (), 0) == 4
    assert planning.months_needed([Slot(26, not_before_week=26)], 26, start, WEEKDAYS, (), 0) == 6
    assert planning.months_needed([Slot(40, not_before_week=40)], 52, start, WEEKDAYS, (), 0) is None


def test_on_site_milestones_land_on_on_site_days_in_order():
    start = date(2026, 9, 7)  # Monday; week 1 ends on Friday 11th
    end = plan_end(start, 6)
    items = [Slot(1, True, on_site=True), Slot(1, True), Slot(2, True, on_site=True)]
    # On site on Wednesdays: the first goes to Wednesday 16th, the next keeps the order,
    # the third (Friday 18th) goes to Wednesday 23rd.
    assert lay_out(items, 26, start, end, WEEKDAYS, ("wed",)) == [date(2026, 9, 16), date(2026, 9, 16),
                                                                  date(2026, 9, 23)]
    # No on-site days named: every working day is one.
    assert lay_out(items, 26, start, end) == [date(2026, 9, 11), date(2026, 9, 11), date(2026, 9, 18)]


def test_a_part_time_plan_is_compared_with_the_playbooks_full_time():
    start = date(2026, 9, 7)  # Monday; no bank holiday until Christmas
    # 13 weeks full time from 7 September: 65 days. Monday, Wednesday and Friday: 39 in 3 months,
    # 63 in 5 (Christmas Day, the 28 December substitute and New Year's Day are bank holidays),
    # 75 in 6: the 6-month plan is the first to give as many.
    pattern = planning.working_pattern(start, 3, ("mon", "wed", "fri"), 13)
    assert pattern == planning.WorkingPattern(3, 39, 65, 6, 75)
    assert planning.working_pattern(start, 3, WEEKDAYS, 13) is None
    # Four days a week: 52 in 3 months; 4 months add 17 Mondays to Thursdays, less 28 December, and
    # 4 to 6 January: 70.
    assert planning.working_pattern(start, 3, ("mon", "tue", "wed", "thu"), 13) == planning.WorkingPattern(
        4, 52, 65, 4, 70)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    working_days=patterns,
    pause=st.integers(min_value=0, max_value=40),
)
def test_shifting_by_working_days_lands_on_working_days(start, working_days, pause):
    cal = Calendar(working_days)
    [moved] = planning.shift_open([start], pause, working_days)
    assert cal.is_working_day(moved) or pause == 0 and moved == cal.on_or_after(start)
    assert cal.working_days_between(cal.on_or_after(start), moved) == pause


def test_default_playbooks_have_fifteen_to_thirty_five_milestones():
    assert set(DEFAULTS) == {"cdio-cio-26-weeks", "director-data-analytics-16-weeks", "compressed-13-weeks",
                             "icb-cdio-26-weeks"}
    assert {slug: c.weeks for slug, c in DEFAULTS.items()} == {
        "cdio-cio-26-weeks": 26, "director-data-analytics-16-weeks": 16, "compressed-13-weeks": 13,
        "icb-cdio-26-weeks": 26}
    for content in DEFAULTS.values():
        # Money, procurement, resilience, the yearly cycle and mentor sessions (issue 14) took the
        # 26-week playbooks past 25; more than about one milestone a week would drown the leader.
        assert 15 <= len(content.milestones) <= 35
        assert {m["owner"] for m in content.milestones} <= {"leader", "sponsor", "mentor", "hr"}
