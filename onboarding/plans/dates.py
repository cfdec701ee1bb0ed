"""Dates as people read them, in the one style every page, email and flash message uses
(the NHS.UK style: "2 December 2026", no leading zero, no abbreviations), and the spans and
counts said with them ("3 working days", "every 14 days", "1 plan").

Pure, like ``planning``: no database, no Flask; any package may import it. Time stamps are
stored as naive UTC (models.utcnow) and shown in the TIMEZONE setting, whose name the caller
passes in (the Jinja filters in web/dates.py pass the app's)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/London"


def local(moment: datetime, timezone: str | None = None) -> datetime:
    """``moment`` in ``timezone``; a naive moment is UTC, as the database stores it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE))


def _calendar_day(value: date | datetime, timezone: str | None) -> date:
    # A time stamp falls on the day it was where people read it: 23:30 UTC in summer is tomorrow.
    return local(value, timezone).date() if isinstance(value, datetime) else value


def day(value: date | datetime | None, timezone: str | None = None) -> str:
    """2 December 2026; '' for None."""
    if value is None:
        return ""
    d = _calendar_day(value, timezone)
    return f"{d.day} {d:%B %Y}"


def weekday(value: date | datetime | None, timezone: str | None = None) -> str:
    """Wednesday 2 December 2026, where the day of the week matters (due dates, check-ins)."""
    if value is None:
        return ""
    d = _calendar_day(value, timezone)
    return f"{d:%A} {d.day} {d:%B %Y}"


def clock(moment: datetime) -> str:
    """3:05pm, 9am, midday, midnight: the NHS.UK style for times."""
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def when(moment: datetime | None, timezone: str | None = None) -> str:
    """2 December 2026 at 3:05pm, in ``timezone`` (the TIMEZONE setting); '' for None."""
    if moment is None:
        return ""
    here = local(moment, timezone)
    return f"{day(here.date())} at {clock(here)}"


def counted(count: int, one: str, many: str) -> str:
    """A count in the right number: "1 plan", "3 plans", "1 person", "2 people"."""
    return f"{count} {one if count == 1 else many}"


def working_days(count: int) -> str:
    """How many working days: "1 working day", "3 working days"."""
    return counted(count, "working day", "working days")


def every(days: int) -> str:
    """How often: "every day", "every 14 days" (a check-in cadence may be a single day)."""
    return "every day" if days == 1 else f"every {days} days"
