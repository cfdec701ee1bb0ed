"""`onboarding users create`, `onboarding users export` (subject access) and `onboarding users unlink-sso`."""
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


@users_cli.command("export")
@click.option("--email", required=True, help="The email address of the person asking (a former user too).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="The folder to write into (made if missing); default ./subject-access-<id>-<date>.")
@with_appcontext
def users_export(email, out) -> None:
    """Everything held about one person, for a subject access request: data.json and a
    readable index.html. Audited."""
    from pathlib import Path

    from .. import plans
    from ..people import subject_access

    person = subject_access.find(email)
    if person is None:
        fail(f"No user has the email address {email.strip().lower()}")
    today = plans.today()
    data = subject_access.export(person, None, "command line", today=today)
    written = subject_access.write(data, Path(out or subject_access.filename(person, today, suffix="")))
    db.session.commit()
    for path in written:
        click.echo(f"Wrote {path}")


@users_cli.command("unlink-sso")
@click.argument("email")
@with_appcontext
def users_unlink_sso(email) -> None:
    """Forget the single sign-on account linked to a user (say their provider account was
    replaced): their next single sign-on links again by their verified email address."""
    from ..people import sso

    user = accounts.find_user(email)
    if user is None:
        fail(f"No user has the email {email}")
    if not sso.unlink(user, None):
        fail(f"{user.email} has no single sign-on account linked")
    db.session.commit()
    click.echo(f"Unlinked the single sign-on account of {user.email}")
