"""APScheduler wiring for the nudge jobs.

Three jobs: the daily sweep (08:00 Europe/London by default, followed on SQLite by a refresh
of the query planner's statistics), a retry of queued deliveries every 15 minutes, and the
weekly retention run (Sunday 03:00). ``onboarding run`` starts them in-process, once (never
in the reloader's watcher process as well as its child); production runs web
workers without a scheduler and exactly one ``onboarding scheduler`` process.
Even if two schedulers run by mistake, the outbox makes each nudge go out once.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .. import nudges
from ..extensions import db
from ..plans import planning

log = logging.getLogger(__name__)

SWEEP_JOB = "nudges-daily-sweep"
RETRY_JOB = "nudges-retry-queued"
RETENTION_JOB = "retention-weekly"
RETRY_MINUTES = 15
# A sweep missed while the machine slept still runs when it wakes, up to this long after.
SWEEP_GRACE_SECONDS = 12 * 3600
RETRY_GRACE_SECONDS = 10 * 60

_started = None
_lock = threading.Lock()


def daily_sweep(app) -> None:
    with app.app_context():
        try:
            result = nudges.daily_sweep()
            log.info("daily nudge sweep: %s", result.summary)
        except Exception:  # keep the scheduler alive; the next run tries again
            log.exception("daily nudge sweep failed")
            db.session.rollback()
        finally:
            db.session.remove()


def retry_queued(app) -> None:
    with app.app_context():
        try:
            result = nudges.retry_queued()
            if result.sent or result.failed:
                log.info("nudge retry: sent %d, failed %d", result.sent, result.failed)
        except Exception:
            log.exception("nudge retry failed")
            db.session.rollback()
        finally:
            db.session.remove()


def weekly_retention(app) -> None:
    """Anonymise closed plans past RETENTION_YEARS (plans.retention: one transaction, audited)."""
    from ..plans import retention

    with app.app_context():
        try:
            result = retention.run(app.config.get("RETENTION_YEARS", 6))
            log.info("weekly retention run: %s", result.summary)
        except Exception:  # keep the scheduler alive; next week tries again
            log.exception("weekly retention run failed")
            db.session.rollback()
        finally:
            db.session.remove()


def configure(scheduler, app):
    """Add the jobs to ``scheduler``; return it."""
    tz = planning.zone(app.config.get("TIMEZONE"))
    common = {"args": [app], "coalesce": True, "max_instances": 1, "replace_existing": True}
    scheduler.add_job(
        daily_sweep,
        CronTrigger(hour=int(app.config.get("SCHEDULER_HOUR", 8)), minute=0, timezone=tz),
        id=SWEEP_JOB,
        name="Daily nudge sweep",
        misfire_grace_time=SWEEP_GRACE_SECONDS,
        **common,
    )
    scheduler.add_job(
        retry_queued,
        IntervalTrigger(minutes=RETRY_MINUTES, timezone=tz),
        id=RETRY_JOB,
        name="Retry queued nudge emails",
        misfire_grace_time=RETRY_GRACE_SECONDS,
        **common,
    )
    # Sunday 03:00, when nobody is working on plans; a missed run still runs within the day.
    scheduler.add_job(
        weekly_retention,
        CronTrigger(day_of_week="sun", hour=3, minute=0, timezone=tz),
        id=RETENTION_JOB,
        name="Weekly retention run",
        misfire_grace_time=SWEEP_GRACE_SECONDS,
        **common,
    )
    return scheduler


def background(app):
    tz = planning.zone(app.config.get("TIMEZONE"))
    return configure(BackgroundScheduler(timezone=tz, daemon=True), app)


def blocking(app):
    tz = planning.zone(app.config.get("TIMEZONE"))
    return configure(BlockingScheduler(timezone=tz), app)


def should_start_in_process(use_reloader: bool) -> bool:
    """Under the reloader the command runs twice: in a watcher process and in the
    child that serves (WERKZEUG_RUN_MAIN=true). Only the child runs the scheduler."""
    return not use_reloader or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def start_in_process(app, use_reloader: bool = False):
    """Start the background scheduler for this process, at most once; return it
    (or None when this is the reloader's watcher process)."""
    global _started
    if not should_start_in_process(use_reloader):
        return None
    with _lock:
        if _started is None:
            scheduler = background(app)
            scheduler.start()
            atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
            _started = scheduler
            app.config["SCHEDULER_ENABLED"] = True
            log.info("in-process nudge scheduler started")
        return _started


def stop_in_process() -> None:
    """Stop the in-process scheduler (tests, shutdown)."""
    global _started
    with _lock:
        if _started is not None and _started.running:
            _started.shutdown(wait=False)
        _started = None
