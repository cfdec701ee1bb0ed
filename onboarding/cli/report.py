"""`onboarding report equity`: the equity-of-support report, through the same disclosure control
as HR's page."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup, with_appcontext

from .common import PlanDate, fail

report_cli = AppGroup("report", help="Reports across plans.")


@report_cli.command("equity")
@click.option("--from", "start", type=PlanDate(), default=None, help="First start date, YYYY-MM-DD "
              "(default: 12 months before --to).")
@click.option("--to", "end", type=PlanDate(), default=None, help="Last start date, YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def equity_command(start, end, as_json) -> None:
    """Each group's support figures for the plans started in the period: counts 0 or rounded to 5,
    hidden ("*") when small."""
    from .. import plans
    from ..plans import equity

    today = plans.today()
    if start is not None and end is None:
        end = max(today, start)
    if end is not None and start is None:
        start = equity.default_period(end)[0]
    try:
        result = equity.report(start, end, today=today)
    except equity.PeriodError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
        return
    click.echo(f"Plans started {result.start} to {result.end}")
    for row in result.rows:
        figures = ", ".join(f"{k} {'-' if v is None else v}" for k, v in row.figures.items())
        click.echo(f"  {row.dimension}: {row.group}: {figures}")
