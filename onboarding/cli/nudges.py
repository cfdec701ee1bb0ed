"""Commands for nudges and scheduling: `nudges run`, `scheduler`, and `run`
(Flask's development server plus the in-process scheduler)."""
from __future__ import annotations

import contextlib
import logging
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo, pass_script_info, with_appcontext
from flask.helpers import get_debug_flag
from werkzeug.serving import run_simple

from ..config import DEFAULT_HOST, DEFAULT_PORT, base_url
from .common import PlanDate

# The nudge, scheduler and database modules are imported inside the commands that use them:
# they take almost half a second, and `onboarding --help` or `onboarding init` must start fast.

EXIT_DELIVERY_FAILED = 3
EXIT_UNEXPECTED = 1

nudges_cli = AppGroup("nudges", help="Record and send nudges.")


@nudges_cli.command("run")
@click.option("--today", default=None, type=PlanDate(), help="Sweep as if today were this date (default: today in the TIMEZONE setting).")
@click.option("--dry-run", is_flag=True, help="Print what would be recorded and sent; write and send nothing.")
@with_appcontext
def nudges_run(today, dry_run) -> None:
    """One sweep: record the nudges due today, then send everything queued (the scheduler's
    daily job, for running from cron instead).

    Prints "recorded N, sent N, failed N" (and "; posted N, posts failed N" when Teams cards
    or webhook events were posted). Exits 0 when every delivery succeeded,
    3 when any failed (those stay queued for a retry), 1 on an unexpected error.
    """
    from .. import nudges
    from ..extensions import db
    from ..plans import today as configured_today

    today = today or configured_today()
    try:
        if dry_run:
            _dry_run(today)
            return
        result = nudges.daily_sweep(today, current_app.config)
    except Exception as exc:  # an unexpected error is not the same as a failed delivery
        db.session.rollback()
        logging.getLogger(__name__).exception("nudge sweep failed")
        click.echo(f"error: nudge sweep failed: {exc}", err=True)
        sys.exit(EXIT_UNEXPECTED)
    for error in result.delivery.errors + result.delivery.posts.errors:
        click.echo(f"not delivered: {error}", err=True)
    click.echo(result.summary)
    if result.delivery.failed or result.delivery.posts.failed:
        sys.exit(EXIT_DELIVERY_FAILED)


def _dry_run(today) -> None:
    import sqlalchemy as sa

    from .. import nudges
    from ..extensions import db
    from ..models import Nudge, User

    dues = nudges.due_nudges(nudges.load_facts(current_app.config), today)
    existing = set(
        db.session.execute(
            sa.select(Nudge.recipient_id, Nudge.kind, Nudge.subject_type, Nudge.subject_id, Nudge.period)
        ).all()
    )
    new = [d for d in dues if (d.recipient_id, d.kind, d.subject_type, d.subject_id, d.period) not in existing]
    emails = {u.id: u.email for u in db.session.scalars(sa.select(User))}
    for d in new:
        click.echo(f"would record: {d.kind} to {emails.get(d.recipient_id)} ({d.subject_type} {d.subject_id}, {d.period})")
    queued = db.session.scalar(sa.select(sa.func.count()).where(Nudge.status.in_(nudges.OPEN_STATUSES))) or 0
    click.echo(f"dry run for {today}: would record {len(new)}, {queued} already queued; nothing written or sent")
    db.session.rollback()


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the nudge jobs in this process until stopped (production: exactly one of these)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from ..nudges import scheduler

    app = current_app._get_current_object()
    sched = scheduler.blocking(app)
    click.echo(
        f"Nudge scheduler: daily sweep at {int(app.config.get('SCHEDULER_HOUR', 8)):02d}:00 "
        f"{app.config.get('TIMEZONE')}, queued emails retried every {scheduler.RETRY_MINUTES} minutes, "
        "closed plans past the retention period anonymised on Sundays at 03:00. "
        "Press Ctrl+C to stop."
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()


@click.command("run", short_help="Run the development server with the in-process scheduler.")
@click.option("--host", "-h", default=DEFAULT_HOST, show_default=True,
              help="The interface to bind to (and, without ONBOARDING_BASE_URL, the host in links).")
@click.option("--port", "-p", default=DEFAULT_PORT, show_default=True, type=int,
              help="The port to bind to (and, without ONBOARDING_BASE_URL, the port in links).")
@click.option("--debug/--no-debug", default=None, help="Debug mode (implies --reload and --debugger).")
@click.option("--reload/--no-reload", default=None, help="Restart when code changes (default: on in debug mode).")
@click.option("--debugger/--no-debugger", default=None, help="Interactive debugger (default: on in debug mode).")
@click.option("--with-threads/--without-threads", default=True, help="Serve requests in threads.")
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True, show_default=True, help="Run the nudge jobs in this process.")
@pass_script_info
def run_command(info: ScriptInfo, host, port, debug, reload, debugger, with_threads, with_scheduler) -> None:
    """Serve the app for one machine and start the nudge scheduler inside it, once.

    Replaces Flask's own `run`. For production use a WSGI server without a
    scheduler plus one `onboarding scheduler` process.
    """
    if debug is not None:
        # An environment variable, so the reloader's child process sees it too.
        os.environ["FLASK_DEBUG"] = "1" if debug else "0"
    debug = get_debug_flag()
    app = info.load_app()
    app.debug = debug
    # Links in emails, invites and feeds point where this server listens unless BASE_URL is set.
    app.config["BASE_URL"] = base_url(app.config["CONFIGURED_BASE_URL"], host, port)
    use_reloader = debug if reload is None else reload
    use_debugger = debug if debugger is None else debugger
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from ..nudges import scheduler

    if with_scheduler and scheduler.start_in_process(app, use_reloader) is not None:
        click.echo(f"Nudge scheduler running in this process (daily sweep at {int(app.config.get('SCHEDULER_HOUR', 8)):02d}:00 {app.config.get('TIMEZONE')}).")
    run_simple(host, port, app, use_reloader=use_reloader, use_debugger=use_debugger, threaded=with_threads)


COMMANDS = (nudges_cli, scheduler_command, run_command)
