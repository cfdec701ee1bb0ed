"""Webhooks for HR systems: the endpoints HR registers, the events recorded with the change that
caused them (one home each: ``plans.create_plan``, ``plans.complete_milestone``, ``plans.pause``,
``plans.close``; plan.started by the daily sweep), their payloads and the Standard Webhooks
signature (https://www.standardwebhooks.com/).

A payload carries ids, dates, statuses, the playbook, and the leader's and sponsor's names,
emails and employee identifiers (an HR system matches people by them). Never a private note, a
concern, a pulse, a pause's reason, a milestone's evidence or equality answers.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    WEBHOOK_EVENTS,
    HookPost,
    Milestone,
    Plan,
    PlaybookVersion,
    User,
    WebhookEndpoint,
    WebhookEvent,
    utcnow,
)
from ..people import audit
from .urls import HookError, url_problem

MAX_NAME = 80
WHAT = "endpoint address"
EVENT_HINTS = {
    "plan.created": "HR started a plan (it may start on a later date)",
    "plan.started": "a plan's start date is reached (or the plan was started on or after it)",
    "milestone.completed": "someone marked a milestone done",
    "plan.paused": "HR paused a plan",
    "plan.completed": "HR closed a plan as completed",
    "plan.withdrawn": "HR closed a plan as withdrawn",
}


# --- endpoints ------------------------------------------------------------------------------


def new_secret() -> str:
    """32 random bytes, base64 behind "whsec_", as Standard Webhooks serialises a secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def register(name: str, url: str, events: Sequence[str], actor: User, remote_addr=None, *,
             allow_loopback: bool = False) -> tuple[WebhookEndpoint, str]:
    """Check, then add an endpoint; return it and its secret (shown to HR once). HookError names
    the field at fault. The caller commits."""
    name, url = (name or "").strip(), (url or "").strip()
    if not name:
        raise HookError("Enter a name for the endpoint", "name")
    if len(name) > MAX_NAME:
        raise HookError(f"The name must be {MAX_NAME} characters or fewer", "name")
    if problem := url_problem(url, WHAT, allow_loopback=allow_loopback):
        raise HookError(problem, "url")
    chosen = [e for e in WEBHOOK_EVENTS if e in set(events or ())]
    if not chosen or len(chosen) != len(set(events)):
        raise HookError("Select at least one event" if not chosen else "Select events from the list", "events")
    endpoint = WebhookEndpoint(name=name, url=url, events=chosen, secret=new_secret(),
                               created_by_id=getattr(actor, "id", None))
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook.register", endpoint, remote_addr, name=name, events=chosen)
    return endpoint, endpoint.secret


def endpoints() -> list:
    """Every endpoint with its delivery counts, oldest first."""
    counts = (
        sa.select(HookPost.endpoint_id,
                  sa.func.count().label("total"),
                  sa.func.count().filter(HookPost.status == "sent").label("sent"),
                  sa.func.count().filter(HookPost.status == "failed").label("failed"))
        .group_by(HookPost.endpoint_id).subquery()
    )
    return db.session.execute(
        sa.select(WebhookEndpoint, sa.func.coalesce(counts.c.total, 0), sa.func.coalesce(counts.c.sent, 0),
                  sa.func.coalesce(counts.c.failed, 0))
        .outerjoin(counts, counts.c.endpoint_id == WebhookEndpoint.id)
        .order_by(WebhookEndpoint.id)
    ).all()


def get(endpoint_id: int) -> WebhookEndpoint | None:
    from ..models import get_by_id

    return get_by_id(WebhookEndpoint, endpoint_id)


def deliveries(endpoint: WebhookEndpoint, limit: int = 200) -> list:
    """The endpoint's delivery log, newest first: each event with its status, attempts, last
    status code and error."""
    return db.session.execute(
        sa.select(HookPost, WebhookEvent.type, WebhookEvent.plan_id, WebhookEvent.created_at)
        .join(WebhookEvent, WebhookEvent.id == HookPost.event_id)
        .where(HookPost.endpoint_id == endpoint.id)
        .order_by(HookPost.id.desc()).limit(limit)
    ).all()


def remove(endpoint: WebhookEndpoint, actor: User, remote_addr=None) -> None:
    """Delete the endpoint and its deliveries, those still queued too. The caller commits."""
    db.session.execute(sa.delete(HookPost).where(HookPost.endpoint_id == endpoint.id))
    audit.record(actor, "webhook.remove", endpoint, remote_addr, name=endpoint.name)
    db.session.delete(endpoint)


# --- events ---------------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value is not None else None


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    # Employee identifiers (issue 15, part B) where the columns exist.
    ids = {k: getattr(user, k) for k in ("esr_number", "external_id") if hasattr(user, k)}
    return {"id": user.id, "name": user.name, "email": user.email} | ids


def plan_data(plan: Plan) -> dict:
    version = plan.playbook_version
    ids = {k: getattr(plan, k) for k in ("esr_number", "external_id") if hasattr(plan, k)}
    return {
        "id": plan.id,
        "status": plan.status,
        "start_date": _day(plan.start_date),
        "end_date": _day(plan.end_date),
        "months": plan.months,
        "playbook": {"slug": version.playbook.slug, "version": version.number, "title": version.title},
        "leader": _person(plan.leader),
        "sponsor": _person(plan.sponsor),
        "paused_on": _day(plan.paused_on),
        "expected_return_on": _day(plan.expected_return_on),
        "closed_at": _moment(plan.closed_at),
    } | ids


def milestone_data(m: Milestone) -> dict:
    return {"id": m.id, "key": m.key, "title": m.title, "phase": m.phase, "owner": m.owner,
            "due_date": _day(m.due_date), "status": m.status, "completed_at": _moment(m.completed_at)}


def payload(event_type: str, plan: Plan, milestone: Milestone | None, at: datetime) -> dict:
    data = {"plan": plan_data(plan)}
    if milestone is not None:
        data["milestone"] = milestone_data(milestone)
    return {"type": event_type, "timestamp": _moment(at), "data": data}


def record(event_type: str, plan: Plan, milestone: Milestone | None = None, *, once_key: str | None = None,
           now: datetime | None = None) -> WebhookEvent:
    """Record an event and queue it for every endpoint that asked for its type, in the caller's
    transaction: the change and its event commit together or not at all."""
    if event_type not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}")
    now = now or utcnow()
    return _add(event_type, plan.id, payload(event_type, plan, milestone, now), once_key, now)


def _add(event_type: str, plan_id: int, data: dict, once_key: str | None, now: datetime) -> WebhookEvent:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    event = WebhookEvent(type=event_type, message_id=f"msg_{uuid.uuid4().hex}", plan_id=plan_id,
                         once_key=once_key, body=body, created_at=now)
    db.session.add(event)
    db.session.flush()
    for endpoint_id, url, events in db.session.execute(
            sa.select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.events)).all():
        if event_type in (events or ()):
            db.session.add(HookPost(channel="webhook", url=url, body=body, endpoint_id=endpoint_id,
                                    event_id=event.id, status="pending", attempts=0, created_at=now))
    return event


def started_key(plan: Plan | int) -> str:
    return f"plan.started:{getattr(plan, 'id', plan)}"


def plan_created(plan: Plan, today: date) -> None:
    """plan.created, and plan.started too when the plan starts on or before ``today`` (a new plan
    has no event yet; a later start is the daily sweep's, ``sweep_started``)."""
    record("plan.created", plan)
    if plan.start_date <= today:
        record("plan.started", plan, once_key=started_key(plan))


def sweep_started(today: date) -> int:
    """The daily sweep's part: plan.started for each running plan whose start date has come and
    that has none yet, each in a transaction of its own (a racing sweep that recorded it first
    only makes this one skip it). Returns how many were recorded."""
    from sqlalchemy.exc import IntegrityError

    recorded = 0
    done = sa.select(WebhookEvent.plan_id).where(WebhookEvent.type == "plan.started", WebhookEvent.plan_id.is_not(None))
    ids = db.session.scalars(
        sa.select(Plan.id).where(Plan.is_open, Plan.start_date <= today, Plan.id.not_in(done)).order_by(Plan.id)
    ).all()
    now = utcnow()
    # Every payload made first, from the plans and what they name loaded a few queries at a time:
    # each commit below expires the session's objects, and reloading them cost queries a plan.
    payloads = []
    for i in range(0, len(ids), 500):
        payloads += [(plan.id, payload("plan.started", plan, None, now)) for plan in db.session.scalars(
            sa.select(Plan).where(Plan.id.in_(ids[i : i + 500])).order_by(Plan.id).options(
                joinedload(Plan.playbook_version).joinedload(PlaybookVersion.playbook),
                joinedload(Plan.leader), joinedload(Plan.sponsor)))]
    for plan_id, data in payloads:
        try:
            _add("plan.started", plan_id, data, started_key(plan_id), now)
            db.session.commit()
            recorded += 1
        except IntegrityError:
            db.session.rollback()
    return recorded


# --- signing --------------------------------------------------------------------------------


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header: "v1," and the base64 HMAC-SHA256, keyed by the secret's
    decoded bytes, of "id.timestamp.body"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
