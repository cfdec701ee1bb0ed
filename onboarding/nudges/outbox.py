"""The outbox: record each due nudge once, claim rows for delivery, mark them sent,
failed or skipped. The database-specific SQL lives here.

Safe when two sweeps race (two scheduler processes by mistake): recording is
INSERT ... ON CONFLICT DO NOTHING, and delivery claims a batch of recipients' rows
with an UPDATE ... WHERE status = 'pending' (after SELECT ... FOR UPDATE SKIP LOCKED
on PostgreSQL), so only one process ever sends a given nudge.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import Milestone, Nudge, SentEmail, utcnow
from . import sent_log
from .facts import Batch, in_
from .policy import Due, due_key

# A claimed row while its email is being sent; the lease (next_attempt_at) lets a
# later sweep take it back if the process died mid-send.
SENDING = "sending"
OPEN_STATUSES = ("pending", SENDING)
LEASE = timedelta(minutes=10)
RECORD_BATCH = 1000  # rows per multi-row INSERT


def record(dues: Sequence[Due], today: date) -> int:
    """Insert each due nudge unless it is already in the outbox; return how many were new.

    Also skips pending due-soon nudges whose milestone is now overdue or closed (the
    overdue nudge replaces them). Commits.
    """
    recorded = add(dues, today)
    stale = sa.select(Milestone.id).where(sa.or_(Milestone.due_date < today, Milestone.status != "todo"))
    db.session.execute(
        sa.update(Nudge)
        .where(Nudge.kind == "due_soon", Nudge.status == "pending", Nudge.milestone_id.in_(stale))
        .values(status="skipped", last_error="milestone overdue or closed before delivery")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return recorded


def add(dues: Sequence[Due], today: date) -> int:
    """Insert each due nudge unless it is already in the outbox, in the caller's transaction
    (no commit); return how many were new."""
    created_at = utcnow()
    # A stable order means two racing sweeps take row locks in the same order (no deadlock).
    ordered = sorted(dues, key=due_key)
    if db.engine.dialect.name == "postgresql":
        return _record_postgresql(ordered, today, created_at)
    return _record_rows(ordered, today, created_at)


def checkin_actions(checkin, today: date) -> bool:
    """Queue the email telling the leader about the actions a check-in left them, once per
    check-in (the outbox's unique key), in the check-in's own transaction; the normal
    delivery run sends it. False when there are no actions or it was queued before."""
    if not (checkin.actions or "").strip():
        return False
    plan = checkin.plan
    due = Due(plan.leader_id, "checkin_actions", "checkin", checkin.id, "logged", plan.id)
    return add([due], today) == 1


def concern(concern, recipient_ids, today: date) -> int:
    """Queue the email telling each recipient (plans.concerns.recipients) that a concern was
    raised, once per concern and person, in the concern's own transaction."""
    return add([Due(r, "concern", "concern", concern.id, "raised", concern.plan_id) for r in recipient_ids], today)


_KEY = ("recipient_id", "kind", "subject_type", "subject_id", "period")
_DUE_COLUMNS = _KEY + ("plan_id", "milestone_id")


def _record_postgresql(ordered: Sequence[Due], today: date, created_at: datetime) -> int:
    """PostgreSQL: each batch is one INSERT ... SELECT FROM unnest(arrays), so the
    statement text stays short whatever the batch size (psycopg parses long ones anew)."""
    table = Nudge.__table__
    arrays = [sa.bindparam(f"due_{c}", type_=ARRAY(table.c[c].type)) for c in _DUE_COLUMNS]
    rows = sa.func.unnest(*arrays).table_valued(*_DUE_COLUMNS).render_derived(name="due")
    source = sa.select(
        *(rows.c[c] for c in _DUE_COLUMNS),
        sa.literal(today, sa.Date), sa.literal("pending"), sa.literal(0), sa.literal(created_at, sa.DateTime),
    )
    stmt = (
        pg_insert(table)
        .from_select([*_DUE_COLUMNS, "recorded_on", "status", "attempts", "created_at"], source)
        .on_conflict_do_nothing(index_elements=list(_KEY))
        .returning(table.c.id)  # a row back means this sweep recorded it
    )
    recorded = 0
    for i in range(0, len(ordered), RECORD_BATCH):
        chunk = ordered[i : i + RECORD_BATCH]
        params = {f"due_{c}": [getattr(d, c) for d in chunk] for c in _DUE_COLUMNS}
        recorded += len(db.session.execute(stmt, params).all())
    return recorded


def _record_rows(ordered: Sequence[Due], today: date, created_at: datetime) -> int:

    table = Nudge.__table__
    # One statement, compiled once; executemany sends it as multi-row INSERTs of
    # RECORD_BATCH rows ("insertmanyvalues"), each returning the ids it inserted.
    stmt = (
        sqlite_insert(table)
        .on_conflict_do_nothing(index_elements=list(_KEY))
        .returning(table.c.id)  # a row back means this sweep recorded it (rowcount is unreliable here)
        .execution_options(insertmanyvalues_page_size=RECORD_BATCH)
    )
    recorded = 0
    for i in range(0, len(ordered), RECORD_BATCH):
        values = [
            {
                "recipient_id": due.recipient_id,
                "kind": due.kind,
                "subject_type": due.subject_type,
                "subject_id": due.subject_id,
                "period": due.period,
                "plan_id": due.plan_id,
                "milestone_id": due.milestone_id,
                "recorded_on": today,
                "status": "pending",
                "attempts": 0,
                "created_at": created_at,
            }
            for due in ordered[i : i + RECORD_BATCH]
        ]
        recorded += len(db.session.execute(stmt, values).all())
    return recorded


def ready_rows(now: datetime, force: bool):
    """Deliverable rows: ``force`` (the daily sweep) ignores the retry backoff; the
    15-minute retry job honours it. A row another process is sending is never taken
    unless its lease ran out."""
    return sa.or_(
        sa.and_(
            Nudge.status == "pending",
            sa.true() if force else sa.or_(Nudge.next_attempt_at.is_(None), Nudge.next_attempt_at <= now),
        ),
        sa.and_(Nudge.status == SENDING, Nudge.next_attempt_at < now),
    )


def claim(recipient_ids: Sequence[int], now: datetime, force: bool, batch: Batch, lease_from: datetime) -> None:
    """Mark these recipients' deliverable rows as being sent by this process and keep
    them in ``batch``. Commits."""
    ready = ready_rows(now, force)
    candidates = db.session.execute(
        sa.select(Nudge.id, Nudge.status, Nudge.next_attempt_at)
        .where(in_(Nudge.recipient_id, recipient_ids), ready)
        .order_by(Nudge.id)
        .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite serialises writers anyway
    ).all()
    if not candidates:
        db.session.commit()
        return
    claimed = db.session.execute(
        sa.update(Nudge)
        .where(in_(Nudge.id, [c.id for c in candidates]), ready)
        .values(status=SENDING, next_attempt_at=lease_from + LEASE)
        .returning(Nudge.id, Nudge.recipient_id, Nudge.kind, Nudge.subject_id, Nudge.period, Nudge.plan_id,
                   Nudge.milestone_id, Nudge.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    previous = {c.id: (c.status, c.next_attempt_at) for c in candidates}
    for row in sorted(claimed, key=lambda r: r.id):
        batch.nudges.setdefault(row.recipient_id, []).append(row)
        batch.previous[row.id] = previous[row.id]


@contextmanager
def marks_connection():
    """The connection each sent email's marks are committed on, kept for a whole delivery run.

    On PostgreSQL its commits do not wait for the write-ahead log to reach the disk
    (``synchronous_commit`` off, for this connection only): a commit per email was most of a big
    sweep's time. The application crashing loses no mark; only the database server itself
    crashing within about 0.6 s (three WAL writer delays) of a mark could, and that email would
    then go again: the at-least-once the email in flight already has. It also autocommits there,
    so an email's one statement (``sent``) is its own transaction: one round trip, no COMMIT
    after it; several writes that belong together go in ``together``."""
    with db.engine.connect() as marks:
        relaxed = marks.dialect.name == "postgresql"
        if relaxed:
            marks.execution_options(isolation_level="AUTOCOMMIT")  # reset when the pool takes it back
            marks.exec_driver_sql("SET synchronous_commit TO OFF")
        try:
            yield marks
        finally:
            if relaxed:
                # Back to the server's setting before the pool lends the connection to anyone else.
                marks.exec_driver_sql("RESET synchronous_commit")


@contextmanager
def together(marks):
    """Several writes on the marks connection, committed as one transaction (on PostgreSQL it
    autocommits each statement otherwise)."""
    if marks.dialect.name != "postgresql":  # a transaction as usual: commit at the end
        try:
            yield
        except BaseException:
            marks.rollback()
            raise
        marks.commit()
        return
    marks.exec_driver_sql("BEGIN")
    try:
        yield
    except BaseException:
        marks.exec_driver_sql("ROLLBACK")
        raise
    marks.exec_driver_sql("COMMIT")


def _sent_values():
    return {"status": "sent", "sent_at": sa.bindparam("now"), "attempts": Nudge.__table__.c.attempts + 1,
            "next_attempt_at": None, "last_error": None}


@cache
def _sent_statements(dialect: str) -> tuple:
    """Built once: (the marks, the log row), or on PostgreSQL one statement doing both (a CTE)."""
    table, log = Nudge.__table__, SentEmail.__table__
    if dialect == "postgresql":
        update = sa.update(table).where(table.c.id == sa.any_(sa.bindparam("ids", type_=ARRAY(table.c.id.type))))
        marked = update.values(**_sent_values()).returning(table.c.id).cte("marked")
        # Named apart from the nudge's columns: a bind named like one (kind) would set it too.
        row = sa.select(*(sa.bindparam(f"log_{c}", type_=log.c[c].type) for c in sent_log.COLUMNS))
        # A CTE that changes rows runs to completion whether or not the main statement reads it.
        insert = sa.insert(log).from_select(list(sent_log.COLUMNS), row).add_cte(marked)
        return (insert,)
    update = sa.update(table).where(table.c.id.in_(sa.bindparam("ids", expanding=True)))
    return (update.values(**_sent_values()), sa.insert(log))


def sent(marks, nudge_ids: list[int], logged: dict) -> None:
    """Record one email as sent, as soon as the mail server has accepted it: its nudges
    marked sent and its row in the sent-email log (``logged``: sent_log.values), committed
    together at once, so whatever happens to this process afterwards they are never sent
    again and the log has it. ``marks`` is the run's connection (this runs once per email:
    no pool checkout or ORM session, and statements built once). On PostgreSQL this is one
    autocommitted statement: one round trip per email."""
    statements = _sent_statements(marks.dialect.name)
    params = {"ids": list(nudge_ids), "now": logged["sent_at"]}
    if len(statements) == 1:
        marks.execute(statements[0], params | {f"log_{c}": v for c, v in logged.items()})
        return
    update, insert = statements
    marks.execute(update, params)
    marks.execute(insert, logged)
    marks.commit()


def mark_sent(marks, nudge_ids: list[int]) -> None:
    """Mark nudges sent on the marks connection inside ``together`` (the caller commits them
    with what goes with them: their Teams cards)."""
    table = Nudge.__table__
    marks.execute(sa.update(table).where(in_(table.c.id, nudge_ids)).values(**_sent_values()), {"now": utcnow()})


def mark(failed: list[dict], skipped: list[int]) -> None:
    """Record this batch's failures and skips: one executemany UPDATE per shape of row
    (sent rows are marked one email at a time, by ``sent``). Commits."""
    table = Nudge.__table__
    by_id = table.c.id == sa.bindparam("nudge_id")
    if skipped:
        db.session.execute(
            sa.update(table).where(by_id).values(status="skipped", next_attempt_at=None),
            [{"nudge_id": i} for i in skipped],
        )
    if failed:
        db.session.execute(
            sa.update(table).where(by_id).values(
                attempts=sa.bindparam("new_attempts"), status=sa.bindparam("new_status"),
                next_attempt_at=sa.bindparam("new_next"), last_error=sa.bindparam("new_error"),
            ),
            failed,
        )
    db.session.commit()


def release(rows: list, batch: Batch) -> None:
    """Put claimed rows that were not tried back as they were (the mail server is down)."""
    if not rows:
        return
    table = Nudge.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("nudge_id"))
        .values(status=sa.bindparam("old_status"), next_attempt_at=sa.bindparam("old_next")),
        [{"nudge_id": r.id, "old_status": batch.previous[r.id][0], "old_next": batch.previous[r.id][1]} for r in rows],
    )
    db.session.commit()


def renew(rows: list, until: datetime) -> None:
    """Extend the lease on claimed rows still waiting for their email (a slow mail server)."""
    for i in range(0, len(rows), 1000):
        db.session.execute(
            sa.update(Nudge)
            .where(in_(Nudge.id, [r.id for r in rows[i : i + 1000]]), Nudge.status == SENDING)
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def count_pending(recipient_ids: list[int]) -> int:


    total = 0
    for i in range(0, len(recipient_ids), 1000):
        total += db.session.scalar(
            sa.select(sa.func.count()).where(
                in_(Nudge.recipient_id, recipient_ids[i : i + 1000]), Nudge.status == "pending"
            )
        ) or 0
    return total
