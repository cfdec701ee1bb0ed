"""The outbox of HTTP posts: queue a nudge's Teams card once, claim posts for delivery, mark
them sent or failed. The database-specific SQL lives here, as in nudges.outbox.

Safe when two runs race: a card is queued with INSERT ... ON CONFLICT DO NOTHING on the nudge's
id, and a run claims posts with UPDATE ... WHERE status = 'pending' (after SELECT ... FOR UPDATE
SKIP LOCKED on PostgreSQL), so only one run ever posts a given row. A claimed row holds a lease
(next_attempt_at) that a later run may take back if this one died mid-post.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import HookPost, WebhookEndpoint, WebhookEvent, utcnow

SENDING = "sending"
LEASE = timedelta(minutes=10)
BATCH = 20  # posts claimed at once: at a 5-second timeout each, well inside the lease


def queue_teams(connection, posts: Sequence[dict]) -> int:
    """Queue cards ({nudge_id, url, body}) on ``connection`` (no commit: the caller commits them
    with the nudges' own marks); a nudge already queued is left alone. Returns how many are new."""
    if not posts:
        return 0
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [{"channel": "teams", "url": p["url"], "body": p["body"], "nudge_id": p["nudge_id"], "status": "pending",
             "attempts": 0, "created_at": now} for p in sorted(posts, key=lambda p: p["nudge_id"])]
    stmt = insert(HookPost.__table__).on_conflict_do_nothing(index_elements=["nudge_id"]).returning(HookPost.__table__.c.id)
    return len(connection.execute(stmt, rows).all())  # a row back for each card queued now


def _ready(now: datetime, force: bool):
    """Posts to try: pending ones (``force``, the daily sweep, ignores the backoff) and those a
    dead run held past its lease."""
    return sa.or_(
        sa.and_(HookPost.status == "pending",
                sa.true() if force else sa.or_(HookPost.next_attempt_at.is_(None), HookPost.next_attempt_at <= now)),
        sa.and_(HookPost.status == SENDING, HookPost.next_attempt_at < now),
    )


def claim(now: datetime, force: bool, after_id: int, lease_from: datetime) -> list:
    """Claim up to BATCH posts after ``after_id`` (a run goes through the outbox once, in id
    order, so a post that fails is not tried again in the same run). Commits. Returns rows with
    what posting needs: the event's message id and the endpoint's secret for a webhook."""
    ready = _ready(now, force)
    candidates = db.session.execute(
        sa.select(HookPost.id, HookPost.status, HookPost.next_attempt_at)
        .where(HookPost.id > after_id, ready)
        .order_by(HookPost.id).limit(BATCH)
        .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite serialises writers anyway
    ).all()
    if not candidates:
        db.session.commit()
        return []
    claimed = db.session.scalars(
        sa.update(HookPost)
        .where(HookPost.id.in_([c.id for c in candidates]), ready)
        .values(status=SENDING, next_attempt_at=lease_from + LEASE)
        .returning(HookPost.id)
        .execution_options(synchronize_session=False)
    ).all()
    rows = db.session.execute(
        sa.select(HookPost.id, HookPost.channel, HookPost.url, HookPost.body, HookPost.attempts,
                  WebhookEvent.message_id, WebhookEndpoint.secret)
        .outerjoin(WebhookEvent, WebhookEvent.id == HookPost.event_id)
        .outerjoin(WebhookEndpoint, WebhookEndpoint.id == HookPost.endpoint_id)
        .where(HookPost.id.in_(claimed)).order_by(HookPost.id)
    ).all() if claimed else []
    db.session.commit()
    previous = {c.id: (c.status, c.next_attempt_at) for c in candidates}
    return [(row, previous[row.id]) for row in rows]


def mark_sent(post_id: int, status_code: int) -> None:
    """Record a post as delivered, in a commit of its own, as soon as the receiver answered 2xx:
    a crash after that answer and before this commit repeats only this one post."""
    db.session.execute(
        sa.update(HookPost).where(HookPost.id == post_id)
        .values(status="sent", sent_at=utcnow(), attempts=HookPost.attempts + 1, next_attempt_at=None,
                last_status_code=status_code, last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def mark_failed(post_id: int, attempts: int, status_code: int | None, error: str, next_at: datetime | None) -> None:
    """Record a failed attempt: queued again at ``next_at``, or failed for good (None)."""
    db.session.execute(
        sa.update(HookPost).where(HookPost.id == post_id)
        .values(status="pending" if next_at else "failed", attempts=attempts, next_attempt_at=next_at,
                last_status_code=status_code, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def release(post_id: int, previous: tuple) -> None:
    """Put a claimed post back as it was, untried (its receiver is unreachable in this run)."""
    db.session.execute(
        sa.update(HookPost).where(HookPost.id == post_id, HookPost.status == SENDING)
        .values(status=previous[0], next_attempt_at=previous[1])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
