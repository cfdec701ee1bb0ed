"""The leader's own voice: pulse checks, concerns raised in confidence, and voluntary equality
monitoring answers (held apart: never on a page but the leader's own account page)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .core import Plan, User


class Pulse(db.Model):
    """One pulse check of a plan: due at a playbook week ("2", "6", "12") or in the last week
    ("last"); five statements scored 1-5 once answered."""

    __tablename__ = "pulse"
    __table_args__ = (sa.UniqueConstraint("plan_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"))
    key: Mapped[str] = mapped_column(sa.String(10))
    due_on: Mapped[date]
    answered_at: Mapped[datetime | None]
    expectations: Mapped[int | None]  # I know what is expected of me
    sponsor_support: Mapped[int | None]  # my sponsor is supporting me
    reach: Mapped[int | None]  # I can reach the clinicians and stakeholders I need
    belonging: Mapped[int | None]  # I feel I belong here
    confidence: Mapped[int | None]  # I am confident in the role
    comment: Mapped[str | None] = mapped_column(sa.Text)
    shared_with_sponsor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship()


class Concern(db.Model):
    """Raised by a leader for HR (and, if they choose, their mentor); the sponsor never sees it.
    The audit trail records that it was raised, never its text."""

    __tablename__ = "concern"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    share_with_mentor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    followed_up_at: Mapped[datetime | None]
    followed_up_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    follow_up_note: Mapped[str | None] = mapped_column(sa.Text)

    plan: Mapped[Plan] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    followed_up_by: Mapped[User | None] = relationship(foreign_keys=[followed_up_by_id])


class EqualityAnswers(db.Model):
    """A leader's voluntary self-description, one row per person; every answer optional, "prefer
    not to say" allowed; deleted for real when they ask. Read only for the equity report's
    suppressed counts and the leader's own account page."""

    __tablename__ = "equality_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    ethnic_group: Mapped[str | None] = mapped_column(sa.String(80))
    sex: Mapped[str | None] = mapped_column(sa.String(40))
    disability: Mapped[str | None] = mapped_column(sa.String(40))
    sector: Mapped[str | None] = mapped_column(sa.String(40))
    working_pattern: Mapped[str | None] = mapped_column(sa.String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
