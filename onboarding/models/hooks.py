"""Messages to other systems: Microsoft Teams channels (the organisation's default and a plan's
own), HR systems' webhook endpoints, the events they hear about, and the outbox of HTTP posts
that carries both. Times are naive UTC."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import one_of, utcnow

# What HR systems may subscribe to, in the order HR's form lists them.
WEBHOOK_EVENTS = ("plan.created", "plan.started", "milestone.completed", "plan.paused", "plan.completed",
                  "plan.withdrawn")
POST_CHANNELS = ("teams", "webhook")
# As the nudge outbox: "sending" while a delivery run holds it (its lease in next_attempt_at).
POST_STATUSES = ("pending", "sending", "sent", "failed")


class OrgSetting(db.Model):
    """An organisation-wide setting HR changes in the app (not a deployment setting): one row per
    key. Today only the default Teams channel, ``teams_webhook_url``."""

    __tablename__ = "org_setting"
    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TeamsChannel(db.Model):
    """One plan's own Teams channel (a Workflows webhook URL), used instead of the default."""

    __tablename__ = "teams_channel"
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookEndpoint(db.Model):
    """An HR system's URL and the events it wants. The secret signs every delivery (Standard
    Webhooks), so it is kept as given; HR sees it once, when the endpoint is registered."""

    __tablename__ = "webhook_endpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    secret: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))


class WebhookEvent(db.Model):
    """Something HR systems may hear about, recorded in the transaction of the change that caused
    it, with the exact body every endpoint receives. ``once_key`` makes an event that happens once
    per plan (plan.started) be recorded once, whoever records it."""

    __tablename__ = "webhook_event"
    __table_args__ = (one_of("type", WEBHOOK_EVENTS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(30))
    message_id: Mapped[str] = mapped_column(sa.String(40), unique=True)  # the webhook-id header
    # Kept if the plan is ever deleted: what was sent stays in the delivery log.
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id", ondelete="SET NULL"), index=True)
    once_key: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HookPost(db.Model):
    """The outbox of HTTP posts: a Teams card carrying one nudge, or one event for one endpoint.
    Each is posted until the receiver answers 2xx, with the nudges' backoff, and never twice:
    the unique keys stop a second row, the claim a second sender."""

    __tablename__ = "hook_post"
    __table_args__ = (
        sa.UniqueConstraint("nudge_id"),  # NULL for webhooks (NULLs never clash)
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index("ix_hook_post_status", "status", "next_attempt_at"),
        one_of("channel", POST_CHANNELS),
        one_of("status", POST_STATUSES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8))
    url: Mapped[str] = mapped_column(sa.String(2000))
    body: Mapped[str] = mapped_column(sa.Text)
    # A Teams post: the nudge it carries (no foreign key: the outbox's rows may be pruned).
    nudge_id: Mapped[int | None]
    endpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_endpoint.id"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_event.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint | None] = relationship()
    event: Mapped[WebhookEvent | None] = relationship()
