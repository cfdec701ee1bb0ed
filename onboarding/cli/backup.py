"""`onboarding backup PATH` and `onboarding restore PATH` (see README, Backups)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


def _report(verb: str, result) -> None:
    click.echo(f"{verb} {result.database}")
    click.echo(f"  {result.path}: {result.size:,} bytes, {len(result.rows)} tables, {result.total_rows:,} rows")
    for name, count in sorted(result.rows.items()):
        click.echo(f"  {name:<24} {count:>8,}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Back up the database to PATH while the app runs: a copy of the SQLite database,
    or a pg_dump custom-format archive of the app's PostgreSQL schema."""
    from .. import backup
    from ..extensions import db

    try:
        result = backup.backup(db.engine.url, path, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    _report("Backed up", result)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Replace the database with the backup at PATH (made by `onboarding backup`).
    Stop the app first. Refuses a database holding data unless --force."""
    from .. import backup
    from ..extensions import db

    try:
        result = backup.restore(db.engine.url, path, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if result.replaced:
        click.echo(f"Replaced {sum(result.replaced.values()):,} rows in {len(result.replaced)} tables that were there.")
    _report(f"Restored {result.path} into", result)
