"""`onboarding retention run [--dry-run]`: anonymise closed plans past RETENTION_YEARS and delete
the deactivated people they freed (plans.retention); the scheduler runs it weekly."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .common import fail

retention_cli = AppGroup("retention", help="Keep closed plans no longer than the retention period.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Print what would be anonymised and deleted; change nothing.")
@with_appcontext
def retention_run(dry_run) -> None:
    """Anonymise every plan closed more than RETENTION_YEARS ago (names and free text removed;
    dates, statuses and counts kept), then delete deactivated people no plan kept in full names.
    One transaction, audited with its counts; prints what it did (or would do) by id."""
    from ..plans import retention
    from ..plans.dates import counted

    years = current_app.config.get("RETENTION_YEARS", 6)
    try:
        result = retention.run(years, dry_run=dry_run)
    except ValueError as exc:
        fail(str(exc))
    prefix = "would " if dry_run else ""
    for plan_id in result.plans:
        click.echo(f"{prefix}anonymise plan {plan_id}")
    for user_id in result.users:
        click.echo(f"{prefix}delete user {user_id}")
    for user_id, why in sorted(result.kept.items()):
        click.echo(f"keep user {user_id}: {why}")
    for table, count in sorted(result.rows.items()):
        click.echo(f"{prefix}change {counted(count, f'{table} row', f'{table} rows')}")
    click.echo(result.summary + ("; nothing changed (dry run)" if dry_run else ""))
