"""What keeps the service running: the nudge outbox, the audit trail, API tokens, sign-in
sessions and throttling. Times are naive UTC."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import NUDGE_STATUSES, one_of, utcnow
from .core import Milestone, Plan, User


class Nudge(db.Model):
    """The outbox: one row per nudge, recorded once whatever runs twice."""

    __tablename__ = "nudge"
    __table_args__ = (
        sa.UniqueConstraint("recipient_id", "kind", "subject_type", "subject_id", "period"),
        sa.Index("ix_nudge_status", "status", "next_attempt_at"),
        one_of("status", NUDGE_STATUSES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    subject_type: Mapped[str] = mapped_column(sa.String(12))  # milestone | plan | user
    subject_id: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(20))
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("milestone.id"))
    recorded_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    recipient: Mapped[User] = relationship()
    plan: Mapped[Plan | None] = relationship()
    milestone: Mapped[Milestone | None] = relationship()


class SentEmail(db.Model):
    """A log of every email the service sent (nudges, digests, invites, password links): who,
    what subject, when. Never the body: it may hold a single-use link."""

    __tablename__ = "sent_email"
    id: Mapped[int] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[str] = mapped_column(sa.String(20))  # a nudge kind, or invite / password_reset


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        # HR's audit review filters by object, by action and by plan, newest first.
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
        sa.Index("ix_audit_event_action_at", "action", "at"),
        sa.Index("ix_audit_event_plan_at", "plan_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    # The plan the event is about (itself, or its milestone, check-in, record...): a plan's
    # History tab. No foreign key: the trail outlives what it describes.
    plan_id: Mapped[int | None]

    actor: Mapped[User | None] = relationship()


class ApiToken(db.Model):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class UserSession(db.Model):
    """A signed-in browser session, kept on the server so that signing out, a password change or
    deactivation ends it. The cookie carries only the raw id; the table keeps its SHA-256."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed sign-ins counted per account and per address."""

    __tablename__ = "login_throttle"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), unique=True)  # "account:<email>" or "address:<ip>"
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
