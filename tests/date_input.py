"""Form data for the NHS.UK date input: a date travels as three boxes, <name>-day, -month, -year."""
from __future__ import annotations

from datetime import date


def boxes(name: str, value: date | str | tuple[str, str, str] | None) -> dict[str, str]:
    """A date as a person types it ("1", not "01"); a (day, month, year) tuple as typed, however
    wrong; an ISO "2026-09-10" string split into its parts; None or "" leaves all three empty."""
    if value is None or value == "":
        day = month = year = ""
    elif isinstance(value, date):
        day, month, year = str(value.day), str(value.month), str(value.year)
    elif isinstance(value, str):
        year, month, day = value.split("-")
    else:
        day, month, year = value
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    """Type a date into the three boxes of the date input whose legend is ``legend`` (Playwright)."""
    group = page.get_by_role("group", name=legend)
    for label, value in (("Day", day), ("Month", month), ("Year", year)):
        group.get_by_label(label, exact=True).fill(value)
