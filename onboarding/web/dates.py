"""The date filters every template uses, so one style runs through the service:

``{{ d | day }}`` → 2 December 2026, ``{{ d | weekday }}`` → Wednesday 2 December 2026,
``{{ t | when }}`` → 2 December 2026 at 3:05pm (a time stamp, in the TIMEZONE setting),
``{{ n | every }}`` → every 14 days (every day for 1).
The wording lives in ``plans.dates``; Python code (flash messages, emails) calls it there."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app

from ..plans import dates


def _timezone() -> str | None:
    return current_app.config.get("TIMEZONE")


def day(value: date | datetime | None) -> str:
    return dates.day(value, _timezone())


def weekday(value: date | datetime | None) -> str:
    return dates.weekday(value, _timezone())


def when(value: datetime | None) -> str:
    return dates.when(value, _timezone())


def register(app: Flask) -> None:
    for f in (day, weekday, when, dates.every):
        app.add_template_filter(f)
