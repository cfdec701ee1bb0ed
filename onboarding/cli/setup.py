"""`onboarding init` (each deploy) and `onboarding demo`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .playbooks import load_playbooks


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Bring the database to the latest migration and load the playbooks (safe to re-run)."""
    from flask_migrate import upgrade

    from .. import playbooks, refresh_statistics

    upgrade()
    # Run on each deploy: never replace what HR has edited in the app since.
    load_playbooks(playbooks.default_paths(current_app.config["PLAYBOOK_DIR"]), keep_app_edits=True)
    refresh_statistics()


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed demo users and plans at different stages (safe to re-run); print the logins."""
    from .. import demo

    logins = demo.seed()
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<34} {email}")
