"""`onboarding users create`."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..extensions import db
from ..people import accounts
from .common import fail

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--hr", is_flag=True, help="Give the user HR rights.")
@with_appcontext
def users_create(email, name, hr) -> None:
    """Create a user. The password comes from ONBOARDING_PASSWORD or a prompt;
    with neither, a one-time set-password link is printed."""
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
        click.echo("Set-password link (single use): " + accounts.invite_url(user, current_app.config))
