"""Delivery: send pending nudges, one email per recipient, and the sweep that records
what is due then delivers.

Safe when a sweep dies (SIGKILL, power cut): each email's nudges are marked sent in a
commit of their own as soon as the mail server accepts it, and rows a dead process
had claimed go back into delivery only when its lease runs out. So delivery is
at-least-once for one email only, the one in flight at the moment of the crash;
everything else goes exactly once.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from .. import refresh_statistics
from ..extensions import db
from ..hooks import delivery as posts
from ..hooks import outbox as post_outbox
from ..hooks import teams, webhooks
from ..models import Nudge, utcnow
from ..plans import today as london_today
from . import mail, sent_log, sweep_runs
from .facts import Batch, load_facts, prefetch
from .outbox import (
    LEASE,
    OPEN_STATUSES,
    claim,
    count_pending,
    mark,
    mark_sent,
    marks_connection,
    record,
    release,
    renew,
    sent,
    together,
)
from .policy import KINDS, Due, backoff, due_nudges, still_wanted
from .render import card_text, links, render_email

log = logging.getLogger("onboarding.nudges")
DELIVERY_BATCH = 500  # recipients claimed, loaded and marked together (each batch costs a few queries)


@dataclass
class DeliveryResult:
    sent: int = 0  # nudges delivered
    failed: int = 0  # nudges not delivered this time (still queued, or now failed for good)
    skipped: int = 0  # no longer worth sending (done, paused, muted...)
    emails: int = 0
    errors: list[str] = field(default_factory=list)
    cards: int = 0  # Teams cards queued for these nudges (hooks.teams)
    posts: posts.PostResult = field(default_factory=posts.PostResult)  # Teams and webhook posts made


def deliver(today: date, config: Mapping, *, force: bool = True, now: datetime | None = None) -> DeliveryResult:
    """Send pending nudges, one email per recipient.

    Recipients go in batches: claim every deliverable row of the batch at once and load
    what the emails need in a few queries. Each email is marked sent the moment the mail
    server accepts it (over one SMTP connection for the whole run); failures and skips
    are recorded together at the end of the batch.
    """
    result = DeliveryResult()
    now = now or utcnow()
    # Read before anything is claimed: a broken setting is an error, not a failed delivery.
    max_attempts = int(config.get("NUDGE_MAX_ATTEMPTS", 5))
    retry_base = int(config.get("NUDGE_RETRY_BASE_MINUTES", 15))
    recipients = db.session.scalars(
        sa.select(Nudge.recipient_id).where(Nudge.status.in_(OPEN_STATUSES)).distinct().order_by(Nudge.recipient_id)
    ).all()
    untouched: list[int] = []  # recipients left queued because the mail server is down
    began = time.monotonic()
    renew_every = LEASE.total_seconds() / 3
    with mail.Mailer(config) as mailer, marks_connection() as marks:
        run = _Run(today, config, now, mailer, marks, links(config), result, max_attempts, retry_base)
        for start in range(0, len(recipients), DELIVERY_BATCH):
            chunk = recipients[start : start + DELIVERY_BATCH]
            if run.unreachable:
                untouched += chunk
                continue
            batch = Batch()
            # The lease counts from the real time of the claim, whatever ``now`` the caller gave.
            claim(chunk, now, force, batch, lease_from=now + timedelta(seconds=time.monotonic() - began))
            if not batch.nudges:
                continue
            prefetch(batch, today)
            run.routing = teams.Routing.load(r for rows in batch.nudges.values() for r in rows)
            next_renewal = time.monotonic() + renew_every
            failed: list[dict] = []
            skipped: list[int] = []
            to_release: list = []
            order = [r for r in chunk if r in batch.nudges]
            for position, recipient_id in enumerate(order):
                rows = batch.nudges[recipient_id]
                if run.unreachable:
                    # The mail server is down: leave the rest queued, untouched, for the next try.
                    to_release += rows
                    untouched.append(recipient_id)
                    continue
                if time.monotonic() > next_renewal:
                    # A slow mail server: record what is done and keep the rest of the batch ours.
                    mark(failed, skipped)
                    failed, skipped = [], []
                    waiting = [r for rid in order[position:] for r in batch.nudges[rid]]
                    renew(waiting, now + timedelta(seconds=time.monotonic() - began) + LEASE)
                    next_renewal = time.monotonic() + renew_every
                _deliver_to(run, batch, batch.people.get(recipient_id), rows, failed, skipped)
            mark(failed, skipped)
            release(to_release, batch)
    if untouched:
        result.failed += count_pending(untouched)
    # Then the HTTP posts: the cards just queued, webhook events, and retries of both.
    result.posts = posts.deliver(config, force=force, now=now)
    return result


@dataclass
class _Run:
    """One delivery run: what every email in it shares."""

    today: date
    config: Mapping
    now: datetime
    mailer: mail.Mailer
    marks: object  # the connection sent marks are committed on
    url: dict
    result: DeliveryResult
    max_attempts: int
    retry_base: int
    unreachable: str | None = None  # the error, once the mail server cannot be reached
    routing: teams.Routing = field(default_factory=teams.Routing)  # the batch's Teams channels and choices


def _deliver_to(run: _Run, batch: Batch, recipient, rows: list, failed: list[dict], skipped: list[int]) -> None:
    """One recipient's claimed nudges: skip those no longer wanted (all of them when the
    recipient is gone, None), send the rest in one email; failures go into ``failed``."""
    wanted = [row for row in rows if still_wanted(row, batch, run.today)]
    gone = sorted({row.id for row in rows} - {row.id for row in wanted})
    skipped += gone
    run.result.skipped += len(gone)
    if not wanted:
        return
    cards, wanted = run.routing.split(recipient.id, wanted)
    if cards:
        _queue_cards(run, batch, recipient, cards, emailed={row.id for row in wanted})
    if not wanted:
        return
    exc = _send(run.mailer, run.marks, recipient, wanted, run.today, run.config, batch, run.url)
    if exc is None:
        run.result.sent += len(wanted)
        run.result.emails += 1
        return
    error = str(exc) or type(exc).__name__
    failed += [_retry(row, error, run.now, run.max_attempts, run.retry_base) for row in wanted]
    run.result.failed += len(wanted)
    run.result.errors.append(f"{recipient.email}: {error}")
    log.warning("nudge email to user %s failed (%d nudges): %s", recipient.id, len(wanted), error)
    if isinstance(exc, mail.MailConnectionError):
        run.unreachable = error


def _queue_cards(run: _Run, batch: Batch, recipient, cards: list, emailed: set[int]) -> None:
    """Queue a Teams card for each of these nudges, and mark those not also emailed as sent, in
    one commit: a nudge is carried to its channel once (the card's unique key), whatever repeats."""
    link_text = f"Open in {run.config.get('SERVICE_NAME', 'Leader onboarding')}"
    queued = []
    for row, channel in cards:
        title, link = card_text(row, run.today, batch=batch, url=run.url)
        queued.append({"nudge_id": row.id, "url": channel,
                       "body": teams.card_body(title, f"For {recipient.name}", link, link_text)})
    only = [row.id for row, _ in cards if row.id not in emailed]
    with together(run.marks):  # the cards commit with the marks
        run.result.cards += post_outbox.queue_teams(run.marks, queued)
        if only:
            mark_sent(run.marks, only)
    run.result.sent += len(only)


def _send(mailer, marks, recipient, wanted: list, today: date, config: Mapping, batch: Batch, url: dict):
    """Send one recipient's email; mark its nudges sent. Returns the MailError, if any."""
    try:
        subject, text, html = render_email(recipient, wanted, today, config, batch=batch, url=url)
        mailer.send(recipient.email, subject, text, html)
    except mail.MailError as exc:
        return exc
    # Committed before the next email goes out: a crash can only ever repeat the one
    # email between the server's "accepted" and this commit. The log row commits with it
    # (one statement on PostgreSQL), logged as its subject reads: the most urgent kind in it.
    logged = sent_log.values(recipient.email, subject, min((r.kind for r in wanted), key=KINDS.index))
    sent(marks, [row.id for row in wanted], logged)
    log.info("nudge email sent to user %s: %s", recipient.id, ", ".join(f"{r.kind}#{r.id}" for r in wanted))
    return None


def _retry(row, error: str, now: datetime, max_attempts: int, retry_base: int) -> dict:
    """A failed nudge's new state: queued again after a backoff, or failed for good."""
    attempts = row.attempts + 1
    gave_up = attempts >= max_attempts
    return {
        "nudge_id": row.id,
        "new_attempts": attempts,
        "new_status": "failed" if gave_up else "pending",
        "new_next": None if gave_up else now + backoff(attempts, retry_base),
        "new_error": error[:2000],
    }


@dataclass
class SweepResult:
    recorded: int
    delivery: DeliveryResult
    due: list[Due]

    @property
    def summary(self) -> str:
        line = f"recorded {self.recorded}, sent {self.delivery.sent}, failed {self.delivery.failed}"
        made = self.delivery.posts
        return f"{line}; posted {made.posted}, posts failed {made.failed}" if made.posted or made.failed else line


def sweep(today: date | None = None, config: Mapping | None = None) -> SweepResult:
    """One sweep: record what is due today, then deliver everything pending."""
    config = config if config is not None else current_app.config
    today = today or london_today()
    run = sweep_runs.begin(today)  # its row (and log line) is what metrics and readiness read
    run_id = run.id
    try:
        dues = due_nudges(load_facts(config, today), today)
        recorded = record(dues, today)
        webhooks.sweep_started(today)  # plan.started for plans whose start date has come
        delivery = deliver(today, config, force=True)
    except Exception as exc:
        sweep_runs.fail(run_id, exc)
        raise
    sweep_runs.complete(run, recorded, delivery)
    return SweepResult(recorded, delivery, dues)


def daily_sweep(today: date | None = None, config: Mapping | None = None) -> SweepResult:
    """The daily job, from the scheduler or from cron (``onboarding nudges run``): a sweep, then
    fresh statistics about the day's plans and milestones for SQLite's query planner."""
    result = sweep(today, config)
    try:
        refresh_statistics()
    except sa.exc.SQLAlchemyError:  # the emails are sent and marked: a planner's nicety cannot undo that
        log.exception("refreshing SQLite's statistics failed")
        db.session.rollback()
    return result


def retry_queued(config: Mapping | None = None) -> DeliveryResult:
    """The 15-minute job: deliver queued nudges whose backoff has passed; records nothing."""
    return deliver(london_today(), config if config is not None else current_app.config, force=False)

