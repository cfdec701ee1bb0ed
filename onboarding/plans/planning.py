"""Pure date logic: scaling a playbook to a plan's length and landing each due date
on a working day of the leader; week N of M, progress and "due soon". No database,
no Flask: same input, same output (``today_in`` alone reads the clock)."""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORKING_DAYS = ("mon", "tue", "wed", "thu", "fri")
DAY_TITLES = dict(zip(DEFAULT_WORKING_DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")))
MIN_MONTHS, MAX_MONTHS = 3, 6
# Every date a person types (starts, check-ins, interviews, goals) falls in these years:
# far-off years overflow date arithmetic and make every sweep compute their bank holidays.
# A plan starting late in 2099 ends in 2100; the calendar rules hold there too.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


class PlanningError(ValueError):
    """A date or plan input that cannot be used; ``field`` names it when known."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def date_problem(day: date, label: str = "The date") -> str | None:
    """Why ``day`` is outside the years the service plans in, or None when it is fine."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"{label} must be between {EARLIEST_DATE:%-d %B %Y} and {LATEST_DATE:%-d %B %Y}"


def check_date(day: date, label: str = "The date", field: str | None = None) -> date:
    """``day`` if it is in the years the service plans in; raises PlanningError otherwise."""
    problem = date_problem(day, label)
    if problem:
        raise PlanningError(problem, field)
    return day


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def parse_working_days(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """'mon,wed' -> ('mon', 'wed') in week order. Weekends are never working days."""
    if value is None or value == "":
        return DEFAULT_WORKING_DAYS
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip().lower() for n in names]
    for name in names:
        if name not in DAY_NAMES:
            raise PlanningError(f"unknown working day {name[:20]!r}: use mon, tue, wed, thu or fri", "working_days")
        if name in ("sat", "sun"):
            raise PlanningError(f"{name} cannot be a working day: plans never fall on a weekend", "working_days")
    if not names:
        raise PlanningError("at least one working day is needed", "working_days")
    return tuple(d for d in DEFAULT_WORKING_DAYS if d in names)


@dataclass(frozen=True)
class Calendar:
    """Working days for one person: Monday to Friday by default, never a bank holiday."""

    working_days: tuple[str, ...] = DEFAULT_WORKING_DAYS

    def is_working_day(self, day: date) -> bool:
        return DAY_NAMES[day.weekday()] in self.working_days and not is_bank_holiday(day)

    def on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def on_or_before(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n may be negative)."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for i in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=i))
        )


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_end(start: date, months: int) -> date:
    check_date(start, "The start date", "start")
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise PlanningError(f"a plan lasts {MIN_MONTHS} to {MAX_MONTHS} months, not {months}", "months")
    return add_months(start, months)


@dataclass(frozen=True)
class Slot:
    """What the planner needs of a milestone template (or a plan's copy of one)."""

    week: int
    pinned: bool = False
    not_before_week: int | None = None  # never due before this week of the plan
    not_after_week: int | None = None  # never due after this week of the plan
    on_site: bool = False  # due on a day the leader is on site

    @classmethod
    def of(cls, item) -> Slot:
        """The slot of anything with a milestone's fields: a template, a milestone, a preview row."""
        return cls(item.week, item.pinned, getattr(item, "not_before_week", None),
                   getattr(item, "not_after_week", None), bool(getattr(item, "on_site", False)))


def nominal_offset(week: int) -> int:
    """Days from the start for a playbook week: week 0 is the first day, week N
    ends on its fifth day (the Friday of a plan starting on a Monday), and
    negative weeks count back before the start."""
    if week <= 0:
        return 7 * week
    return 7 * week - 3


def week_start(start: date, week: int) -> date:
    """The first day of week ``week`` of a plan (week 1 begins on the start date)."""
    return start + timedelta(days=7 * (week - 1))


def week_end(start: date, week: int) -> date:
    """The last day of week ``week`` of a plan."""
    return start + timedelta(days=7 * week - 1)


def on_site_calendar(working_days: Sequence[str], on_site_days: Sequence[str] = ()) -> Calendar:
    """The days a hybrid leader is on site: the on-site days among the working days; every
    working day when none are named."""
    chosen = tuple(d for d in working_days if d in set(on_site_days))
    return Calendar(chosen or tuple(working_days))


def lay_out(
    slots: Sequence[Slot],
    reference_weeks: int,
    start: date,
    end: date,
    working_days: Sequence[str] = DEFAULT_WORKING_DAYS,
    on_site_days: Sequence[str] = (),
) -> list[date]:
    """Due dates for ``slots`` (in playbook order) in a plan running start..end.

    Unpinned offsets after the start scale with the plan's length; pinned and
    pre-start ones keep their offset; none is due before its ``not_before_week``.
    Each date lands on a working day of the leader (an on-site day for on-site
    milestones), dates never go backwards through the list, and none after the start
    passes ``end`` or its ``not_after_week``. A floor that cannot be met in
    start..end shows in ``timing_problems``.
    """
    cal = Calendar(tuple(working_days))
    site = on_site_calendar(working_days, on_site_days)
    plan_days = (end - start).days
    reference_days = max(1, reference_weeks * 7)
    dates: list[date] = []
    floor: date | None = None
    for slot in slots:
        offset = nominal_offset(slot.week)
        if offset > 0 and not slot.pinned:
            offset = offset * plan_days // reference_days
        day = start + timedelta(days=min(offset, plan_days))
        if slot.not_before_week is not None:
            day = max(day, week_start(start, slot.not_before_week))
        if floor is not None and day < floor:
            day = floor
        day = (site if slot.on_site else cal).on_or_after(day)
        dates.append(day)
        floor = day
    # Anything pushed past the end (or its own latest week) comes back to the last
    # working day that keeps the order.
    limit = end
    for i in range(len(dates) - 1, -1, -1):
        slot = slots[i]
        if slot.not_after_week is not None:
            limit = min(limit, week_end(start, slot.not_after_week))
        if dates[i] > limit:
            dates[i] = (site if slot.on_site else cal).on_or_before(limit)
        limit = dates[i]
    return dates


def timing_problems(slots: Sequence[Slot], dates: Sequence[date], start: date) -> list[int]:
    """The positions of milestones whose date misses their ``not_before_week`` or
    ``not_after_week``: the plan is too short for them (or the leader works no day then)."""
    return [
        i for i, (slot, due) in enumerate(zip(slots, dates))
        if (slot.not_before_week is not None and due < week_start(start, slot.not_before_week))
        or (slot.not_after_week is not None and due > week_end(start, slot.not_after_week))
    ]


def months_needed(slots: Sequence[Slot], reference_weeks: int, start: date, working_days: Sequence[str],
                  on_site_days: Sequence[str], position: int) -> int | None:
    """The shortest plan, in months, in which the milestone at ``position`` meets its
    timing; None when not even the longest does."""
    for months in range(MIN_MONTHS, MAX_MONTHS + 1):
        try:
            end = plan_end(start, months)
        except PlanningError:
            return None
        dates = lay_out(slots, reference_weeks, start, end, working_days, on_site_days)
        if position not in timing_problems(slots, dates, start):
            return months
    return None


def shift_open(dates: Sequence[date], working_days_paused: int, working_days: Sequence[str]) -> list[date]:
    """Move dates on by the number of working days a plan was paused."""
    cal = Calendar(tuple(working_days))
    return [cal.add_working_days(cal.on_or_after(d), working_days_paused) for d in dates]


# --- the leader's working pattern ---------------------------------------------------------------


def working_days_in(cal: Calendar, start: date, end: date) -> int:
    """The working days from ``start`` up to (not including) ``end``."""
    return cal.working_days_between(start - timedelta(days=1), end - timedelta(days=1))


@dataclass(frozen=True)
class WorkingPattern:
    """A part-time leader's working days in a plan against the playbook written for full time."""

    days_a_week: int
    plan_days: int  # the leader's working days from the start to the end
    reference_days: int  # Monday to Friday over the playbook's weeks from the same start
    suggested_months: int  # the shortest length giving at least reference_days (else the longest)
    suggested_days: int  # the leader's working days in a plan of suggested_months


def working_pattern(start: date, months: int, working_days: Sequence[str], reference_weeks: int) -> WorkingPattern | None:
    """None for a leader who works all five days; otherwise what their plan gives them and
    the length (3 to 6 months) that gives them as many days as the playbook's full time."""
    if len(working_days) >= len(DEFAULT_WORKING_DAYS):
        return None
    cal = Calendar(tuple(working_days))
    reference = working_days_in(Calendar(), start, start + timedelta(days=7 * reference_weeks))
    by_length = {m: working_days_in(cal, start, plan_end(start, m)) for m in range(MIN_MONTHS, MAX_MONTHS + 1)}
    suggested = next((m for m, days in by_length.items() if days >= reference), MAX_MONTHS)
    return WorkingPattern(len(working_days), by_length[months], reference, suggested, by_length[suggested])


# --- where a plan is: today, week N of M, progress, due soon ---------------------------------

DEFAULT_TIMEZONE = "Europe/London"


def zone(name: str | None = None) -> ZoneInfo:
    """The TIMEZONE setting as a zone: the one calendar for "today", the pages and the sweep."""
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def today_in(name: str | None = None) -> date:
    """Today's date in the zone ``name`` (the TIMEZONE setting)."""
    return datetime.now(zone(name)).date()


def plan_weeks(start: date, end: date) -> int:
    """How many weeks a plan runs: its days over seven, to the nearest week, so six months
    (181 to 184 days) are 26 weeks, like the playbook they were scaled from."""
    return max(1, round((end - start).days / 7))


def week_of_plan(start: date, end: date, on: date) -> int:
    """The plan's week ``on`` falls in: 1 on the start date, 0 before it, never past the last."""
    if on < start:
        return 0
    return min(plan_weeks(start, end), (on - start).days // 7 + 1)


def week_text(start: date, end: date, on: date) -> str:
    """How every page, email and download says where a plan is."""
    week = week_of_plan(start, end, on)
    if week == 0:
        return f"Not started yet: starts {start.day} {start:%B %Y}"
    return f"Week {week} of {plan_weeks(start, end)}"


@dataclass(frozen=True)
class Progress:
    week: int  # 0 before the start
    weeks: int
    week_text: str
    done: int
    total: int
    overdue: int
    percent: int

    @property
    def started(self) -> bool:
        return self.week > 0


def progress(start: date, end: date, on: date, *, done: int, total: int, overdue: int, completed: bool = False) -> Progress:
    """Where a plan is on ``on`` from its milestone counts. A completed plan shows 100%
    whatever was left open: HR closed it as done."""
    percent = 100 if completed else (round(100 * done / total) if total else 0)
    return Progress(week_of_plan(start, end, on), plan_weeks(start, end), week_text(start, end, on),
                    done, total, overdue, percent)


def is_due_soon(due: date, on: date, working_days: int, cal: Calendar = Calendar()) -> bool:
    """The one definition of "due soon": not yet past, and at most ``working_days`` of the
    owner's working days away (NUDGE_DUE_SOON_WORKING_DAYS or the playbook's own number).
    Pages, downloads and the nudge policy all ask this."""
    if due < on:
        return False
    # Count the owner's working days after ``on`` only until the window is passed: a milestone
    # months away is not due soon, and counting every day up to it, for each row of a
    # dashboard and each milestone in the sweep, was a large part of their time.
    day, counted = on, 0
    while day < due:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            counted += 1
            if counted > working_days:
                return False
    return True


def next_days_end(on: date, days: int) -> date:
    """The last day of "the next ``days`` days" from ``on``: a week today for 7."""
    return on + timedelta(days=days)


def is_due_within(due: date, on: date, days: int) -> bool:
    """Due in the next ``days`` days: from ``on`` to ``next_days_end``, both included, so
    for 7 a milestone due a week today is in and one due the day after is not."""
    return on <= due <= next_days_end(on, days)


def pulse_due_on(start: date, end: date, week: int | str, working_days: Sequence[str]) -> date | None:
    """When a pulse check falls due: the leader's first working day of plan week ``week``, or of
    the plan's last week for "last"; None for a week after the plan's last (a shorter plan)."""
    last = plan_weeks(start, end)
    n = last if week == "last" else int(week)
    return Calendar(tuple(working_days)).on_or_after(week_start(start, n)) if 1 <= n <= last else None
