"""`onboarding plans create|show`."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup, with_appcontext

from .common import PlanDate, fail

plans_cli = AppGroup("plans", help="Create and show plans.")


@plans_cli.command("create")
@click.option("--leader", required=True, help="Leader's email.")
@click.option("--sponsor", required=True, help="Executive sponsor's email.")
@click.option("--playbook", "slug", required=True, help="Playbook slug.")
@click.option("--start", "start_date", required=True, type=PlanDate(), help="Start date, YYYY-MM-DD.")
@click.option("--months", required=True, type=int, help="Length, 3 to 6 months.")
@click.option("--mentor", default=None, help="Mentor's email.")
@click.option("--working-days", default="mon,tue,wed,thu,fri", show_default=True)
@click.option("--on-site-days", default="", help="Hybrid working: the working days on site, e.g. tue,thu "
              "(default: every working day).")
@with_appcontext
def plans_create(leader, sponsor, slug, start_date, months, mentor, working_days, on_site_days) -> None:
    """Create a plan; print its id alone on the last line."""
    from ..extensions import db
    from ..plans import plan_start

    try:
        checked = plan_start.check(leader=leader, sponsor=sponsor, mentor=mentor, playbook=slug, start=start_date,
                                   months=months, working_days=working_days, on_site_days=on_site_days or None)
        plan = plan_start.start(checked)
    except plan_start.StartError as exc:
        db.session.rollback()
        fail(f"--{exc.field.replace('_', '-')}: {exc}")
    db.session.commit()
    click.echo(f"Created plan for {plan.leader.email}: {plan.start_date} to {plan.end_date}, {len(plan.milestones)} milestones")
    click.echo(plan.id)


@plans_cli.command("show")
@click.argument("plan_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def plans_show(plan_id, as_json) -> None:
    """Show a plan and its milestones."""
    from .. import plans
    from ..models import Plan, get_by_id

    plan = get_by_id(Plan, plan_id)
    if plan is None:
        fail(f"no plan with id {plan_id}")
    data = plans.as_json(plan)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Plan {plan.id}: {plan.leader.name} <{data['leader']}>, {plan.status}")
    click.echo(f"  playbook {data['playbook']} v{data['playbook_version']}; {data['start']} to {data['end']} ({plan.months} months)")
    click.echo(f"  sponsor {data['sponsor']}; mentor {data['mentor'] or '-'}; works {', '.join(data['working_days'])}"
               f"; on site {plan.on_site_days.replace(',', ', ') or 'every working day'}")
    for m in data["milestones"]:
        click.echo(f"  {m['due']}  {m['status']:<7} {m['owner']:<8} {m['title']}")
