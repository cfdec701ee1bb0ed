"""The record of each daily sweep: a ``SweepRun`` row written when it starts and when it ends,
and one log line with its counts and duration (JSON with ONBOARDING_LOG_FORMAT=json).

The rows are committed on their own, before and after the sweep's work, so that a sweep that
fails still leaves a row saying so; metrics and readiness read the last completed one."""
from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import SweepRun, utcnow

log = logging.getLogger("onboarding.sweeps")
ERROR_LENGTH = 500


def begin(today: date) -> SweepRun:
    run = SweepRun(swept_for=today, started_at=utcnow(), outcome="running")
    db.session.add(run)
    db.session.commit()
    return run


def complete(run: SweepRun, recorded: int, delivery) -> None:
    """The sweep ran to its end (some emails may have failed and stay queued for a retry)."""
    run.finished_at = utcnow()
    run.outcome = "completed"
    run.recorded, run.sent, run.failed = recorded, delivery.sent, delivery.failed
    run.skipped, run.emails = delivery.skipped, delivery.emails
    db.session.commit()
    _log(run, logging.INFO)


def fail(run_id: int, exc: BaseException) -> None:
    """The sweep stopped on an error: roll its work back and say so on its row (never raising,
    so the original error is the one reported)."""
    try:
        db.session.rollback()
        run = db.session.get(SweepRun, run_id)
        run.finished_at = utcnow()
        run.outcome = "failed"
        run.error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        db.session.commit()
        _log(run, logging.ERROR)
    except Exception:  # the database itself may be what failed
        db.session.rollback()
        log.exception("could not record the failed sweep %s", run_id)


def last_completed() -> SweepRun | None:
    return db.session.scalars(
        sa.select(SweepRun).where(SweepRun.outcome == "completed")
        .order_by(SweepRun.finished_at.desc()).limit(1)
    ).first()


def _log(run: SweepRun, level: int) -> None:
    duration_ms = round((run.finished_at - run.started_at).total_seconds() * 1000, 1)
    log.log(
        level,
        "nudge sweep for %s %s: recorded %d, sent %d, failed %d, skipped %d, %d emails, %.0f ms",
        run.swept_for, run.outcome, run.recorded, run.sent, run.failed, run.skipped, run.emails, duration_ms,
        extra={"event": "sweep", "sweep_id": run.id, "swept_for": run.swept_for.isoformat(), "outcome": run.outcome,
               "recorded": run.recorded, "sent": run.sent, "failed": run.failed, "skipped": run.skipped,
               "emails": run.emails, "duration_ms": duration_ms},
    )
