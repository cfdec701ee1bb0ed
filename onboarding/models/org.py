"""The people around a plan beyond its leader, sponsor and mentor: the organisation's who's who
that new stakeholder maps start from, and a plan's further supporters."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SUPPORTER_ROLES, one_of, utcnow
from .core import Plan, User


class DirectoryEntry(db.Model):
    """One row of HR's who's who (Chair, Caldicott Guardian, SIRO...). A new plan's stakeholder
    map copies these; editing the who's who never changes existing maps."""

    __tablename__ = "directory_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    organisation: Mapped[str] = mapped_column(sa.String(120), default="")
    clinical: Mapped[bool] = mapped_column(default=False)  # suggested for clinician interviews
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PlanSupporter(db.Model):
    """A buddy, an executive assistant or a peer mentor named on one plan."""

    __tablename__ = "plan_supporter"
    __table_args__ = (sa.UniqueConstraint("plan_id", "user_id", "role"), one_of("role", SUPPORTER_ROLES))
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    plan: Mapped[Plan] = relationship(back_populates="supporters")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
