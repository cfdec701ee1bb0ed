"""The planning rules of docs/architecture.md, as examples and as properties."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onboarding import playbooks
from onboarding.plans import planning
from onboarding.plans.planning import Calendar, Slot, lay_out, plan_end

from .conftest import ROOT

DEFAULTS = {c.slug: c for c in (playbooks.parse_file(p)[0] for p in playbooks.default_paths(ROOT / "playbooks"))}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def slots(content):
    return [Slot(m["week"], m["pinned"]) for m in content.milestones]


def due_dates(content, start, months, working_days=WEEKDAYS):
    return lay_out(slots(content), content.weeks, start, plan_end(start, months), working_days)


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


@settings(max_examples=150, deadline=None)
@given(
    slug=st.sampled_from(sorted(DEFAULTS)),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    months=st.integers(min_value=3, max_value=6),
    working_days=patterns,
)
def test_planning_rules_hold_for_every_default_playbook(slug, start, months, working_days):
    content = DEFAULTS[slug]
    dates = due_dates(content, start, months, working_days)
    end = plan_end(start, months)
    cal = Calendar(working_days)
    assert len(dates) == len(content.milestones)
    for (milestone, due) in zip(content.milestones, dates):
        assert due.weekday() < 5, (milestone["key"], due)
        assert not planning.is_bank_holiday(due), (milestone["key"], due)
        assert cal.is_working_day(due), (milestone["key"], due)
        if milestone["week"] > 0:
            assert start <= due <= end, (milestone["key"], due, end)
    assert dates == sorted(dates), "the playbook's order is kept"
    assert dates == due_dates(content, start, months, working_days), "deterministic"


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


def test_default_playbooks_have_fifteen_to_twenty_five_milestones():
    assert set(DEFAULTS) == {"cdio-cio-26-weeks", "director-data-analytics-16-weeks", "compressed-13-weeks"}
    assert {slug: c.weeks for slug, c in DEFAULTS.items()} == {
        "cdio-cio-26-weeks": 26, "director-data-analytics-16-weeks": 16, "compressed-13-weeks": 13}
    for content in DEFAULTS.values():
        assert 15 <= len(content.milestones) <= 25
        assert {m["owner"] for m in content.milestones} <= {"leader", "sponsor", "mentor", "hr"}
