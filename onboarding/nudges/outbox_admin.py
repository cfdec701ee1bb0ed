"""HR's side of the nudge outbox: what is queued or has failed, and sending a failed
nudge again. Callers commit."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Nudge, User
from ..people import audit

LIMIT = 500  # newest first; an outbox longer than this has a bigger problem than paging


def listing(statuses) -> list[Nudge]:
    """The newest nudges in these statuses, with who and what they are about."""
    return db.session.scalars(
        sa.select(Nudge)
        .where(Nudge.status.in_(statuses))
        .options(selectinload(Nudge.recipient), selectinload(Nudge.plan), selectinload(Nudge.milestone))
        .order_by(Nudge.recorded_on.desc(), Nudge.id.desc())
        .limit(LIMIT)
    ).all()


def failed_nudge(nudge_id: int) -> Nudge | None:
    """The nudge if it has failed (only those can be sent again), else None."""
    nudge = db.session.get(Nudge, nudge_id)
    return nudge if nudge is not None and nudge.status == "failed" else None


def requeue(nudge: Nudge, actor: User, remote_addr: str | None = None) -> None:
    """Queue a failed nudge again with a fresh set of attempts; the next delivery run sends it."""
    audit.record(actor, "nudge.resend", nudge, remote_addr, kind=nudge.kind,
                 recipient=nudge.recipient.email, attempts=nudge.attempts, last_error=nudge.last_error)
    nudge.status = "pending"
    nudge.attempts = 0
    nudge.next_attempt_at = None
