"""`onboarding tokens`: issue, list and revoke API tokens."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

tokens_cli = AppGroup("tokens", help="Issue, list and revoke API tokens.")


@tokens_cli.command("create")
@click.option("--user", "email", required=True, help="Email of the user the token acts as.")
@click.option("--name", default="", help="A label to recognise the token by, e.g. the HR system's name.")
@with_appcontext
def tokens_create(email, name) -> None:
    """Issue a token; print it once, alone on the last line. Only its hash is kept."""
    from ..extensions import db
    from ..people import accounts, tokens

    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"no user with email {email!r} (--user)")
    try:
        token, raw = tokens.create(user, name)
    except tokens.TokenError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc} (--{exc.field})") from exc
    db.session.commit()
    click.echo(f"Token {token.id} for {token.user.email}{f' ({token.name})' if token.name else ''}. "
               "Copy it now: it cannot be shown again.")
    click.echo(raw)


@tokens_cli.command("list")
@click.option("--user", "email", default=None, help="Only this user's tokens.")
@with_appcontext
def tokens_list(email) -> None:
    """List tokens: id, user, label, created, last used, status."""
    from ..people import accounts, tokens

    user = None
    if email is not None:
        user = accounts.find_user(email)
        if user is None:
            raise click.ClickException(f"no user with email {email!r}")
    rows = tokens.list_tokens(user)
    if not rows:
        click.echo("No tokens.")
        return
    for t in rows:
        last = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never used"
        status = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.id:>4}  {t.user.email:<36} {t.name or '-':<20} created {t.created_at:%Y-%m-%d}  {last:<16} {status}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke(token_id) -> None:
    """Revoke a token by id; it stops working at once."""
    from ..extensions import db
    from ..people import tokens

    token = tokens.get(token_id)
    if token is None:
        raise click.ClickException(f"no token with id {token_id}")
    try:
        tokens.revoke(token)
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Revoked token {token.id} for {token.user.email}")
