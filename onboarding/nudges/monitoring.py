"""What the people who run the service watch: the figures `/metrics` reports (read from the
database at scrape time, a few aggregate queries whatever the data's size) and what
`/health/ready` decides (the database answers; a sweep completed recently on a working day).
Nothing here names a person."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import PLAN_STATUSES, Nudge, Plan, SweepRun, utcnow
from ..plans import dates, planning
from .outbox import OPEN_STATUSES
from .policy import KINDS
from .sweep_runs import last_completed

# The sweep runs daily (08:00 by default): 26 hours leaves two for a slow or late one.
SWEEP_STALE_AFTER = timedelta(hours=26)
# A readiness probe must answer quickly even when PostgreSQL is struggling.
DATABASE_TIMEOUT_MS = 2000


def database_answers() -> bool:
    """``SELECT 1`` on the app's database, bounded by DATABASE_TIMEOUT_MS on PostgreSQL."""
    try:
        if db.engine.dialect.name == "postgresql":
            # SET LOCAL: for this transaction only, which the request ends.
            db.session.execute(sa.text(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MS}"))
        db.session.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return False


@dataclass
class Readiness:
    database: bool
    working_day: bool
    last_sweep: SweepRun | None = None
    sweep_overdue: bool = False

    @property
    def ready(self) -> bool:
        return self.database and not self.sweep_overdue

    def as_json(self, timezone: str | None) -> dict:
        """The public answer: states and times, no names or counts of people."""
        last = self.last_sweep
        return {
            "status": "ready" if self.ready else "not ready",
            "database": "ok" if self.database else "unreachable",
            "working_day": self.working_day,
            "sweep": "unknown" if not self.database else "overdue" if self.sweep_overdue else "ok",
            "last_completed_sweep": None if last is None else {
                "for": last.swept_for.isoformat(),
                "finished_at": last.finished_at.isoformat() + "Z",
                "finished": dates.when(last.finished_at, timezone),
            },
            "stale_after_hours": SWEEP_STALE_AFTER.total_seconds() / 3600,
        }


def readiness(timezone: str | None, now: datetime | None = None) -> Readiness:
    """Ready when the database answers and, on a working day (Monday to Friday, not an England
    and Wales bank holiday: planning.Calendar), a sweep completed in the last 26 hours. A
    weekend or bank holiday never fails on the sweep: the morning after one still has 26 hours."""
    now = now or utcnow()
    working_day = planning.Calendar().is_working_day(dates.local(now, timezone).date())
    if not database_answers():
        return Readiness(database=False, working_day=working_day)
    last = last_completed()
    stale = last is None or now - last.finished_at > SWEEP_STALE_AFTER
    return Readiness(database=True, working_day=working_day, last_sweep=last, sweep_overdue=working_day and stale)


@dataclass
class Figures:
    """The database's side of /metrics."""

    nudges: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, status) -> rows
    oldest_queued_at: datetime | None = None
    last_sweep: SweepRun | None = None
    plans: dict[str, int] = field(default_factory=dict)  # status -> plans

    def by_kind(self, statuses) -> dict[str, int]:
        """Nudges of each kind (every kind listed, 0 included) in any of ``statuses``."""
        counts = dict.fromkeys(KINDS, 0)
        for (kind, status), count in self.nudges.items():
            if statuses is None or status in statuses:
                counts[kind] = counts.get(kind, 0) + count
        return counts


def figures() -> Figures:
    """Four aggregate queries: nudges by kind and status, the oldest queued nudge, the last
    completed sweep, plans by status."""
    nudges = {(kind, status): count for kind, status, count in db.session.execute(
        sa.select(Nudge.kind, Nudge.status, sa.func.count()).group_by(Nudge.kind, Nudge.status))}
    oldest = db.session.scalar(sa.select(sa.func.min(Nudge.created_at)).where(Nudge.status.in_(OPEN_STATUSES)))
    plans = dict.fromkeys(PLAN_STATUSES, 0)
    plans.update(db.session.execute(sa.select(Plan.status, sa.func.count()).group_by(Plan.status)).all())
    return Figures(nudges=nudges, oldest_queued_at=oldest, last_sweep=last_completed(), plans=plans)
