"""What the service's own jobs did: one row per daily nudge sweep (metrics and readiness read
the last completed one). Times are naive UTC."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import one_of, utcnow

# "running" until it ends; a process killed mid-sweep leaves its row "running" for good.
SWEEP_OUTCOMES = ("running", "completed", "failed")


class SweepRun(db.Model):
    """One daily sweep (scheduler or `onboarding nudges run`): when, for which day, what it did."""

    __tablename__ = "sweep_run"
    __table_args__ = (
        one_of("outcome", SWEEP_OUTCOMES),
        # "The last completed sweep": one index lookup at every scrape and readiness check.
        sa.Index("ix_sweep_run_outcome_finished", "outcome", "finished_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    swept_for: Mapped[date]  # the day in the TIMEZONE setting it worked out nudges for
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(sa.String(10), default="running")
    recorded: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    emails: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(500))  # the exception's type and message, when failed
