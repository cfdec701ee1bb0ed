"""What people write on a plan: the leader's stakeholder map, clinician interviews and goals, and
the sponsor's check-ins."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import GOAL_STATUSES, RAG_VALUES, STANCES, one_of, utcnow
from .core import Plan, User


class Stakeholder(db.Model):
    __tablename__ = "stakeholder"
    __table_args__ = (one_of("stance", STANCES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(120), default="")
    organisation: Mapped[str] = mapped_column(sa.String(120), default="")
    power: Mapped[int | None]  # 1-5; None until the leader scores someone from the who's who
    interest: Mapped[int | None]  # 1-5
    stance: Mapped[str] = mapped_column(sa.String(12), default="neutral")
    last_met: Mapped[date | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    notes_private: Mapped[bool] = mapped_column(default=False)  # only the leader reads the notes
    directory_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directory_entry.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def quadrant(self) -> str:
        if self.power is None or self.interest is None:
            return "not_scored"
        high_power, high_interest = self.power >= 3, self.interest >= 3
        if high_power and high_interest:
            return "manage_closely"
        if high_power:
            return "keep_satisfied"
        if high_interest:
            return "keep_informed"
        return "monitor"

    plan: Mapped[Plan] = relationship(back_populates="stakeholders")


class ClinicianInterview(db.Model):
    __tablename__ = "clinician_interview"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(120), default="")
    specialty: Mapped[str] = mapped_column(sa.String(120), default="")
    interviewed_on: Mapped[date]
    priorities: Mapped[list] = mapped_column(sa.JSON, default=list)
    themes: Mapped[list] = mapped_column(sa.JSON, default=list)
    follow_up: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="interviews")


class Goal(db.Model):
    __tablename__ = "goal"
    __table_args__ = (one_of("status", GOAL_STATUSES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    objective: Mapped[str] = mapped_column(sa.String(200), default="")
    measure: Mapped[str] = mapped_column(sa.Text, default="")
    target_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(12), default="not_started")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="goals")


class CheckIn(db.Model):
    __tablename__ = "checkin"
    __table_args__ = (one_of("rag", RAG_VALUES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    held_on: Mapped[date]
    rag: Mapped[str] = mapped_column(sa.String(5))
    summary: Mapped[str] = mapped_column(sa.Text)  # shared with the leader
    private_note: Mapped[str] = mapped_column(sa.Text, default="")  # sponsor and HR only
    actions: Mapped[str] = mapped_column(sa.Text, default="")
    next_checkin_on: Mapped[date | None]
    # The leader's side: their agenda and reflection (written before, copied from the plan when
    # the check-in is logged), their response to the actions, and which actions are done.
    leader_agenda: Mapped[str | None] = mapped_column(sa.Text)
    leader_reflection: Mapped[str | None] = mapped_column(sa.Text)
    leader_response: Mapped[str | None] = mapped_column(sa.Text)
    acknowledged_at: Mapped[datetime | None]
    actions_done: Mapped[list] = mapped_column(sa.JSON, default=list)  # the action lines marked done
    # The random token of the form (or API Idempotency-Key) that made it: a repeated post is one check-in.
    request_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="checkins")
    sponsor: Mapped[User] = relationship()
