"""What the command groups share: failing with a message, and a plan date option."""
from __future__ import annotations

from datetime import date

import click


def fail(message: str) -> None:
    raise click.ClickException(message)


class PlanDate(click.ParamType):
    """A YYYY-MM-DD date within the years the service plans in (planning.date_problem)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        from ..plans import planning  # lazily: holidays is slow to import and most commands need no dates

        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)
        if problem := planning.date_problem(day, "The date"):
            self.fail(problem, param, ctx)
        return day
