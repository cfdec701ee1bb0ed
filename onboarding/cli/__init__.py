"""The `onboarding` command: a module per command group, registered on the app by `init_app`.

The console script lists the commands from COMMANDS without importing them, and imports only the
module of the command it runs: `onboarding --help` and `onboarding nudges run --help` start
without the app, the models, Alembic or APScheduler (bench/run.py measures them).
"""
from __future__ import annotations

from importlib import import_module

import click
from flask.cli import FlaskGroup

# name -> (module, relative to this package when it starts with a dot; attribute; the line `onboarding --help` shows for it; a test
# keeps that line equal to the command's own help). A new command goes here, and nowhere else.
COMMANDS = {
    "init": (".setup", "init_command", "Bring the database to the latest migration and load the playbooks (safe to re-run)."),
    "demo": (".setup", "demo_command", "Seed demo users and plans at different stages (safe to re-run); print the logins."),
    "playbooks": (".playbooks", "playbooks_cli", "Validate, load and export playbooks."),
    "users": (".users", "users_cli", "Manage users."),
    "plans": (".plans", "plans_cli", "Create and show plans."),
    "tokens": (".tokens", "tokens_cli", "Issue, list and revoke API tokens."),
    "nudges": (".nudges", "nudges_cli", "Record and send nudges."),
    "scheduler": (".nudges", "scheduler_command", "Run the nudge jobs in this process until stopped (production: exactly one of these)."),
    "run": (".nudges", "run_command", "Run the development server with the in-process scheduler."),
    "backup": (".backup", "backup_command", "Back up the database to PATH while the app runs: a copy of the SQLite database, or a pg_dump custom-format archive of the app's PostgreSQL schema."),
    "restore": (".backup", "restore_command", "Replace the database with the backup at PATH (made by `onboarding backup`)."),
    "report": (".report", "report_cli", "Reports across plans."),
    "retention": (".retention", "retention_cli", "Keep closed plans no longer than the retention period."),
    # Flask-Migrate's, which the app registers itself.
    "db": ("flask_migrate.cli", "db", "Perform database migrations."),
}


def load(name: str) -> click.Command:
    module, attribute, _ = COMMANDS[name]
    return getattr(import_module(module, __name__), attribute)


class _Onboarding(FlaskGroup):
    """Flask's group (its `--app`, `--env-file`, `shell` and `routes`, the app made when a
    command needs it) that finds our commands in COMMANDS instead of building the app to ask it."""

    def list_commands(self, ctx) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx, name: str):
        if name in COMMANDS:
            return load(name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        # A stand-in Command shortens each line exactly as click shortens the command's own help.
        rows = [(name, (click.Command(name, help=COMMANDS[name][2]) if name in COMMANDS else self.commands[name])
                 .get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def main() -> None:
    from .. import create_app

    _Onboarding(create_app=create_app, name="onboarding", help="Leader onboarding tracker.")(prog_name="onboarding")


def init_app(app) -> None:
    for name in COMMANDS:
        app.cli.add_command(load(name), name)
