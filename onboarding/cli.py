"""The `onboarding` command group."""
from __future__ import annotations

import json
import os
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext


def main() -> None:
    from . import create_app
    from .cli_nudges import run_command

    group = FlaskGroup(create_app=create_app, name="onboarding", help="Leader onboarding tracker.")
    # FlaskGroup's built-in `run` would win over app.cli's; ours also starts the scheduler once.
    group.add_command(run_command)
    group(prog_name="onboarding")


def fail(message: str) -> None:
    raise click.ClickException(message)


class PlanDate(click.ParamType):
    """A YYYY-MM-DD date within the years the service plans in (planning.date_problem)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        from . import planning  # lazily: holidays is slow to import and most commands need no dates

        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)
        if problem := planning.date_problem(day, "The date"):
            self.fail(problem, param, ctx)
        return day


# --- init and demo --------------------------------------------------------------------------


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Bring the database to the latest migration and load the playbooks (safe to re-run)."""
    from flask_migrate import upgrade

    from . import playbooks

    upgrade()
    # Run on each deploy: never replace what HR has edited in the app since.
    _load_playbooks(playbooks.default_paths(current_app.config["PLAYBOOK_DIR"]), keep_app_edits=True)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed demo users and plans at different stages (safe to re-run); print the logins."""
    from . import demo

    logins = demo.seed()
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<34} {email}")


# --- playbooks ------------------------------------------------------------------------------

playbooks_cli = AppGroup("playbooks", help="Validate, load and export playbooks.")


@playbooks_cli.command("validate")
@click.argument("paths", nargs=-1, required=True)
def playbooks_validate(paths) -> None:
    """Check playbook files; print FILE:LINE: message for each problem."""
    from . import playbooks

    _, problems = playbooks.parse_files(paths)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        sys.exit(1)
    click.echo(f"{len(paths)} playbook file(s) valid")


def _load_playbooks(paths, keep_app_edits: bool = False) -> None:
    from . import playbooks

    try:
        results = playbooks.load(paths, keep_app_edits=keep_app_edits)
    except playbooks.PlaybookError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail("no playbook was loaded because of the problems above")
    for result in results:
        click.echo(result.message)


@playbooks_cli.command("load")
@click.argument("paths", nargs=-1)
@with_appcontext
def playbooks_load(paths) -> None:
    """Validate then load playbooks (default: every file in playbooks/); all or nothing.

    Unlike `init`, this loads changed content even over versions HR published in the
    app since, and says so for each playbook it replaces that way."""
    from . import playbooks

    _load_playbooks(paths or playbooks.default_paths(current_app.config["PLAYBOOK_DIR"]))


@playbooks_cli.command("export")
@click.argument("slug")
@with_appcontext
def playbooks_export(slug) -> None:
    """Print the latest version of a playbook as YAML."""
    from . import playbooks

    playbook = playbooks.get_playbook(slug)
    if playbook is None or playbook.latest is None:
        fail(f"no playbook with slug {slug!r}")
    click.echo(playbooks.to_yaml(playbooks.content_of(playbook.latest)), nl=False)


# --- users ----------------------------------------------------------------------------------

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--hr", is_flag=True, help="Give the user HR rights.")
@with_appcontext
def users_create(email, name, hr) -> None:
    """Create a user. The password comes from ONBOARDING_PASSWORD or a prompt;
    with neither, a one-time set-password link is printed."""
    from . import accounts
    from .extensions import db

    password = os.environ.get("ONBOARDING_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(email, name, is_hr=hr, password=password)
    except accounts.AccountError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created {user.email}{' (HR)' if hr else ''}")
    if password is None:
        click.echo("Set-password link (single use): " + invite_url(user))


def invite_url(user) -> str:
    from . import accounts

    return accounts.invite_url(user, current_app.config)


# --- plans ----------------------------------------------------------------------------------

plans_cli = AppGroup("plans", help="Create and show plans.")


@plans_cli.command("create")
@click.option("--leader", required=True, help="Leader's email.")
@click.option("--sponsor", required=True, help="Executive sponsor's email.")
@click.option("--playbook", "slug", required=True, help="Playbook slug.")
@click.option("--start", "start_date", required=True, type=PlanDate(), help="Start date, YYYY-MM-DD.")
@click.option("--months", required=True, type=int, help="Length, 3 to 6 months.")
@click.option("--mentor", default=None, help="Mentor's email.")
@click.option("--working-days", default="mon,tue,wed,thu,fri", show_default=True)
@with_appcontext
def plans_create(leader, sponsor, slug, start_date, months, mentor, working_days) -> None:
    """Create a plan; print its id alone on the last line."""
    from . import plan_start
    from .extensions import db

    try:
        checked = plan_start.check(leader=leader, sponsor=sponsor, mentor=mentor, playbook=slug, start=start_date,
                                   months=months, working_days=working_days)
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
    from . import plans
    from .models import Plan, get_by_id

    plan = get_by_id(Plan, plan_id)
    if plan is None:
        fail(f"no plan with id {plan_id}")
    data = plans.as_json(plan)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Plan {plan.id}: {plan.leader.name} <{data['leader']}>, {plan.status}")
    click.echo(f"  playbook {data['playbook']} v{data['playbook_version']}; {data['start']} to {data['end']} ({plan.months} months)")
    click.echo(f"  sponsor {data['sponsor']}; mentor {data['mentor'] or '-'}; works {', '.join(data['working_days'])}")
    for m in data["milestones"]:
        click.echo(f"  {m['due']}  {m['status']:<7} {m['owner']:<8} {m['title']}")


def init_app(app) -> None:
    from .cli_backup import backup_command, restore_command
    from .cli_nudges import nudges_cli, run_command, scheduler_command
    from .cli_tokens import tokens_cli

    for command in (init_command, demo_command, playbooks_cli, users_cli, plans_cli, tokens_cli,
                    nudges_cli, scheduler_command, run_command, backup_command, restore_command):
        app.cli.add_command(command)
