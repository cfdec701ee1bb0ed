"""`onboarding playbooks validate|load|export|check-links`."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .common import fail

playbooks_cli = AppGroup("playbooks", help="Validate, load and export playbooks.")


@playbooks_cli.command("validate")
@click.argument("paths", nargs=-1, required=True)
def playbooks_validate(paths) -> None:
    """Check playbook files; print FILE:LINE: message for each problem."""
    from .. import playbooks

    _, problems = playbooks.parse_files(paths)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        sys.exit(1)
    click.echo(f"{len(paths)} playbook file(s) valid")


def load_playbooks(paths, keep_app_edits: bool = False) -> None:
    from .. import playbooks

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
    from .. import playbooks

    load_playbooks(paths or playbooks.default_paths(current_app.config["PLAYBOOK_DIR"]))


@playbooks_cli.command("export")
@click.argument("slug")
@with_appcontext
def playbooks_export(slug) -> None:
    """Print the latest version of a playbook as YAML."""
    from .. import playbooks

    playbook = playbooks.get_playbook(slug)
    if playbook is None or playbook.latest is None:
        fail(f"no playbook with slug {slug!r}")
    click.echo(playbooks.to_yaml(playbooks.content_of(playbook.latest)), nl=False)


@playbooks_cli.command("check-links")
@click.argument("paths", nargs=-1)
@click.option("--timeout", type=click.FloatRange(0.5, 60), default=10.0, show_default=True,
              help="Seconds to wait for each site.")
@with_appcontext
def playbooks_check_links(paths, timeout) -> None:
    """Check that every source URL still opens (a monthly HR task).

    Checks the files given, or with none the latest published version of every playbook.
    Prints each URL's status with its playbook and milestone, keeps the result in the
    instance folder (link-check.json) and exits 1 if any link failed."""
    from pathlib import Path

    from .. import playbooks
    from ..playbooks import editor, links

    if paths:
        contents, problems = playbooks.parse_files(paths)
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems:
            fail("no link was checked because of the problems above")
    else:
        contents = [playbooks.content_of(p.latest) for p in editor.published()]
    found = links.links_of(contents)
    if not found:
        click.echo("No playbook lists any sources.")
        return
    results = links.check(found, timeout)
    for line in links.table(results):
        click.echo(line)
    links.save(results, Path(current_app.instance_path) / "link-check.json")
    failed = sum(1 for r in results if not r.ok)
    click.echo(f"{len(results)} link(s) checked, {failed} failed")
    if failed:
        sys.exit(1)
