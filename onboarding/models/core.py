"""People, playbooks and plans: what the tracker is about. Times are naive UTC; dates are
calendar dates in the TIMEZONE setting (Europe/London)."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import (
    CATEGORIES,
    CLOSED_PLAN_STATUSES,
    MILESTONE_STATUSES,
    NUDGE_CHANNELS,
    NUDGE_MODES,
    OPEN_PLAN_STATUSES,
    OWNER_ROLES,
    PLAN_STATUSES,
    new_token,
    one_of,
    utcnow,
)

if TYPE_CHECKING:  # defined in modules that import this one
    from .org import PlanSupporter
    from .records import CheckIn, ClinicianInterview, Goal, Stakeholder

class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (one_of("nudge_mode", NUDGE_MODES), one_of("nudge_channel", NUDGE_CHANNELS))
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # The OpenID Connect issuer and subject this user signs in as, linked at their first
    # single sign-on (people.sso); NULL until then, unique together (ix_user_oidc_subject).
    oidc_issuer: Mapped[str | None] = mapped_column(sa.String(255))
    oidc_subject: Mapped[str | None] = mapped_column(sa.String(255))
    is_hr: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/London")
    nudge_mode: Mapped[str] = mapped_column(sa.String(10), default="all")
    # Email, Teams or both, for the nudges a Teams channel also carries (hooks.teams).
    nudge_channel: Mapped[str] = mapped_column(sa.String(5), default="email", server_default="email")
    # Rotated whenever the password changes or the user is deactivated: it spends invite links.
    security_stamp: Mapped[str] = mapped_column(sa.String(64), default=new_token)
    # Only the SHA-256 of the calendar-feed token is kept: the address is shown once, when made.
    feed_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    feed_token_created_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Set when a leader dismisses the welcome panel on My plan; until then it shows.
    welcome_dismissed_at: Mapped[datetime | None]
    # Employee identifiers (people.identifiers): optional, unique where given, NULL when not.
    esr_number: Mapped[str | None] = mapped_column(sa.String(11), unique=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    # The one inactive user who stands in for everyone named on plans past retention
    # (plans.retention): never listed for HR, never reactivated, never signs in.
    PLACEHOLDER_EMAIL = "anonymised@retention.invalid"

    @property
    def is_placeholder(self) -> bool:
        return self.email == self.PLACEHOLDER_EMAIL

    @staticmethod
    def normalise_email(email: str) -> str:
        return (email or "").strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # A session's validity lives in its UserSession row, not in this id.
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


# One user per provider subject: a second user linking the same subject fails at the database.
sa.Index("ix_user_oidc_subject", User.oidc_issuer, User.oidc_subject, unique=True)


class Playbook(db.Model):
    __tablename__ = "playbook"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    versions: Mapped[list[PlaybookVersion]] = relationship(
        back_populates="playbook", order_by="PlaybookVersion.number"
    )

    @property
    def latest(self) -> PlaybookVersion | None:
        return self.versions[-1] if self.versions else None


class PlaybookVersion(db.Model):
    """Immutable: a change to a playbook's content makes a new version."""

    __tablename__ = "playbook_version"
    __table_args__ = (sa.UniqueConstraint("playbook_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[int] = mapped_column(sa.ForeignKey("playbook.id"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    weeks: Mapped[int]
    phases: Mapped[list] = mapped_column(sa.JSON)
    nudges: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Pulse-check weeks (numbers and "last"); None means the default, weeks 2, 6, 12 and the last.
    pulses: Mapped[list | None] = mapped_column(sa.JSON)
    # When its content was last checked (YYYY-MM) and who checks it next; None: not recorded.
    reviewed: Mapped[str | None] = mapped_column(sa.String(7))
    next_review_by: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    playbook: Mapped[Playbook] = relationship(back_populates="versions")
    templates: Mapped[list[MilestoneTemplate]] = relationship(
        back_populates="version", order_by="MilestoneTemplate.position"
    )

    def phase_title(self, key: str) -> str:
        return next((p["title"] for p in self.phases if p["key"] == key), key)


class MilestoneTemplate(db.Model):
    __tablename__ = "milestone_template"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"), one_of("owner", OWNER_ROLES), one_of("category", CATEGORIES))
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("playbook_version.id"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    phase: Mapped[str] = mapped_column(sa.String(80))
    category: Mapped[str] = mapped_column(sa.String(40))
    owner: Mapped[str] = mapped_column(sa.String(10))
    week: Mapped[int]
    pinned: Mapped[bool] = mapped_column(default=False)
    required: Mapped[bool] = mapped_column(default=True)
    evidence_prompt: Mapped[str] = mapped_column(sa.Text, default="")
    # Timing floors: scaled onto a shorter plan, never before / after this week of the plan.
    not_before_week: Mapped[int | None]
    not_after_week: Mapped[int | None]
    on_site: Mapped[bool] = mapped_column(default=False)  # lands on a day the leader is on site
    delegable: Mapped[bool] = mapped_column(default=False)  # an assistant may complete it for the leader
    # Its public sources ({title, publisher, url, date} each); None: none listed. A plan's
    # milestone shows its version's, found by key (playbooks.sources_of), so none are copied.
    sources: Mapped[list | None] = mapped_column(sa.JSON)

    version: Mapped[PlaybookVersion] = relationship(back_populates="templates")

    # What a playbook file says about a milestone; a plan copies these onto its own milestones.
    CONTENT_FIELDS = ("key", "title", "description", "phase", "category", "owner", "week", "pinned", "required",
                      "evidence_prompt", "not_before_week", "not_after_week", "on_site", "delegable")
    # Left out of the content when None or False, so a playbook that does not use them keeps
    # the content hash it had before they existed.
    OPTIONAL_FIELDS = ("not_before_week", "not_after_week", "on_site", "delegable")

    def content(self) -> dict:
        values = {name: getattr(self, name) for name in self.CONTENT_FIELDS}
        return {k: v for k, v in values.items() if k not in self.OPTIONAL_FIELDS or v not in (None, False)}

    def playbook_content(self) -> dict:
        """``content()`` and the sources: what the playbook's YAML holds for this milestone."""
        return self.content() | ({"sources": [dict(s) for s in self.sources]} if self.sources else {})


class Plan(db.Model):
    __tablename__ = "plan"
    __table_args__ = (
        one_of("status", PLAN_STATUSES),
        # The cohort's order (newest start first) with and without its status and playbook
        # filters: a page of 25 reads 25 index entries, not every plan (issue 16).
        # The unfiltered order, also holding what the overdue filter reads: with most plans
        # overdue, walking this index newest first finds a page's 25 without touching the table
        # or sorting every match.
        sa.Index("ix_plan_start_id_status_due", "start_date", "id", "status", "next_open_due"),
        sa.Index("ix_plan_status_start_id", "status", "start_date", "id"),
        sa.Index("ix_plan_version_start_id", "playbook_version_id", "start_date", "id"),
        # The cohort's overdue filter and its count: a range of this index, not a probe per plan.
        sa.Index("ix_plan_status_next_open_due", "status", "next_open_due"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    hr_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    playbook_version_id: Mapped[int] = mapped_column(sa.ForeignKey("playbook_version.id"))
    start_date: Mapped[date]
    months: Mapped[int]
    end_date: Mapped[date]
    working_days: Mapped[str] = mapped_column(sa.String(40), default="mon,tue,wed,thu,fri")
    # The working days the leader is on site (hybrid working); empty means every working day.
    on_site_days: Mapped[str] = mapped_column(sa.String(40), default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    checkin_cadence_days: Mapped[int] = mapped_column(default=14)
    paused_on: Mapped[date | None]
    # The earliest due date of its open milestones (None when none is open): the plan has an
    # overdue milestone when this is before today. Kept by plans/next_due.py on every change.
    next_open_due: Mapped[date | None]
    # Why HR paused the plan and when they expect it to resume (shown to the leader and sponsor).
    pause_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # The leader's agenda and reflection for the next check-in, moved onto it when it is logged.
    leader_agenda: Mapped[str | None] = mapped_column(sa.Text)
    leader_reflection: Mapped[str | None] = mapped_column(sa.Text)
    expected_return_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # Set when the retention run (plans.retention) removed its names and free text: the plan
    # stays, with its dates, statuses and counts, for the cohort and equity reports.
    anonymised_at: Mapped[datetime | None]
    # The plan's own employee identifiers (people.identifiers), as on the leader's user.
    esr_number: Mapped[str | None] = mapped_column(sa.String(11), unique=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    sponsor: Mapped[User] = relationship(foreign_keys=[sponsor_id])
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    hr_contact: Mapped[User | None] = relationship(foreign_keys=[hr_contact_id])
    playbook_version: Mapped[PlaybookVersion] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="plan", order_by="Milestone.position", cascade="all, delete-orphan"
    )
    stakeholders: Mapped[list[Stakeholder]] = relationship(
        back_populates="plan", order_by="Stakeholder.name", cascade="all, delete-orphan"
    )
    interviews: Mapped[list[ClinicianInterview]] = relationship(
        back_populates="plan", order_by="ClinicianInterview.interviewed_on.desc()", cascade="all, delete-orphan"
    )
    goals: Mapped[list[Goal]] = relationship(back_populates="plan", order_by="Goal.id", cascade="all, delete-orphan")
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="plan", order_by="CheckIn.held_on.desc()", cascade="all, delete-orphan"
    )
    supporters: Mapped[list[PlanSupporter]] = relationship(
        back_populates="plan", order_by="PlanSupporter.id", cascade="all, delete-orphan"
    )

    @property
    def working_day_list(self) -> list[str]:
        return self.working_days.split(",")

    # Plan state, in Python and in SQL alike (``select(Plan).where(Plan.is_open)``).
    @hybrid_property
    def is_open(self) -> bool:
        """Active or paused: still running, its milestones and check-ins still to do."""
        return self.status in OPEN_PLAN_STATUSES

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return cls.status.in_(OPEN_PLAN_STATUSES)

    @hybrid_property
    def is_closed(self) -> bool:
        """Completed or withdrawn: a read-only record."""
        return self.status in CLOSED_PLAN_STATUSES

    @is_closed.inplace.expression
    @classmethod
    def _is_closed_expression(cls):
        return cls.status.in_(CLOSED_PLAN_STATUSES)

    @property
    def is_active(self) -> bool:
        """Running and not paused: the only state that is chased for check-ins."""
        return self.status == "active"

    @property
    def is_paused(self) -> bool:
        return self.status == "paused"

    @property
    def is_completed(self) -> bool:
        """Closed as done: shown at 100% whatever was left open."""
        return self.status == "completed"

    def has_started(self, on: date) -> bool:
        return on >= self.start_date


class Milestone(db.Model):
    __tablename__ = "milestone"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "key"),
        # Serves "a plan's open milestones" and "is anything overdue in this plan" alike.
        sa.Index("ix_milestone_plan_status_due", "plan_id", "status", "due_date"),
        # "Which plans have an overdue milestone" (the cohort's filter and its count): the open
        # milestones due before a day, read from the index alone. Partial, holding open
        # milestones only: led by the status, SQLite (which keeps no statistics) took it for a
        # sponsor's own milestones too and read every open milestone instead of their plans'.
        sa.Index("ix_milestone_open_due_plan", "due_date", "plan_id",
                 postgresql_where=sa.text("status = 'todo'"), sqlite_where=sa.text("status = 'todo'")),
        one_of("status", MILESTONE_STATUSES),
        one_of("owner", OWNER_ROLES),
        one_of("category", CATEGORIES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    phase: Mapped[str] = mapped_column(sa.String(80))
    phase_title: Mapped[str] = mapped_column(sa.String(200), default="")
    category: Mapped[str] = mapped_column(sa.String(40))
    owner: Mapped[str] = mapped_column(sa.String(10))
    week: Mapped[int]
    pinned: Mapped[bool] = mapped_column(default=False)
    required: Mapped[bool] = mapped_column(default=True)
    evidence_prompt: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(16), default="todo")
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    evidence_note: Mapped[str | None] = mapped_column(sa.Text)
    evidence_link: Mapped[str | None] = mapped_column(sa.String(500))
    # Copied from the template (see MilestoneTemplate) so re-spreading keeps them.
    not_before_week: Mapped[int | None]
    not_after_week: Mapped[int | None]
    on_site: Mapped[bool] = mapped_column(default=False)
    delegable: Mapped[bool] = mapped_column(default=False)
    # Tailoring of this one plan (who, when and why are in the audit trail): added here rather
    # than from the playbook; due date or owner set by hand (a rebase keeps them); why it is
    # not applicable.
    added: Mapped[bool] = mapped_column(default=False)
    due_tailored: Mapped[bool] = mapped_column(default=False)
    owner_tailored: Mapped[bool] = mapped_column(default=False)
    not_applicable_reason: Mapped[str | None] = mapped_column(sa.String(500))

    plan: Mapped[Plan] = relationship(back_populates="milestones")
    completed_by: Mapped[User | None] = relationship()

    @hybrid_property
    def is_open(self) -> bool:
        """Still to do."""
        return self.status == "todo"

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return cls.status == "todo"

    @hybrid_property
    def is_done(self) -> bool:
        return self.status == "done"

    @is_done.inplace.expression
    @classmethod
    def _is_done_expression(cls):
        return cls.status == "done"

    @hybrid_property
    def is_counted(self) -> bool:
        """Counts towards "N of M" and the percentage: all but a not-applicable milestone."""
        return self.status != "not_applicable"

    @is_counted.inplace.expression
    @classmethod
    def _is_counted_expression(cls):
        return cls.status != "not_applicable"

    @property
    def is_not_applicable(self) -> bool:
        return self.status == "not_applicable"

    def is_overdue(self, on: date) -> bool:
        return self.is_open and self.due_date < on
