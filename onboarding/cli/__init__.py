"""The `onboarding` command: a module per command group, registered on the app by `init_app`."""
from __future__ import annotations

from flask.cli import FlaskGroup


def main() -> None:
    from .. import create_app
    from .nudges import run_command

    group = FlaskGroup(create_app=create_app, name="onboarding", help="Leader onboarding tracker.")
    # FlaskGroup's built-in `run` would win over app.cli's; ours also starts the scheduler once.
    group.add_command(run_command)
    group(prog_name="onboarding")


def init_app(app) -> None:
    from .backup import backup_command, restore_command
    from .nudges import nudges_cli, run_command, scheduler_command
    from .plans import plans_cli
    from .playbooks import playbooks_cli
    from .report import report_cli
    from .setup import demo_command, init_command
    from .tokens import tokens_cli
    from .users import users_cli

    for command in (init_command, demo_command, playbooks_cli, users_cli, plans_cli, tokens_cli,
                    nudges_cli, scheduler_command, run_command, backup_command, restore_command, report_cli):
        app.cli.add_command(command)
