"""The model's shared pieces: status values (each also a CHECK constraint), id bounds, clocks."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from ..extensions import db

__all__ = [
    "OWNER_ROLES",
    "CATEGORIES",
    "PLAN_STATUSES",
    "OPEN_PLAN_STATUSES",
    "CLOSED_PLAN_STATUSES",
    "MILESTONE_STATUSES",
    "SUPPORTER_ROLES",
    "RAG_VALUES",
    "NUDGE_MODES",
    "NUDGE_CHANNELS",
    "NUDGE_STATUSES",
    "GOAL_STATUSES",
    "STANCES",
    "MAX_ID",
    "get_by_id",
    "one_of",
    "utcnow",
    "new_token",
]

# "buddy": a peer in the organisation named on the plan (see PlanSupporter).
OWNER_ROLES = ("leader", "sponsor", "mentor", "hr", "buddy")
CATEGORIES = (
    "stakeholder_mapping",
    "clinician_interviews",
    "goal_alignment",
    "induction_governance",
    "culture_inclusion",
    "peer_mentoring",
)
PLAN_STATUSES = ("active", "paused", "completed", "withdrawn")
OPEN_PLAN_STATUSES = ("active", "paused")  # still running: milestones move, check-ins are due
CLOSED_PLAN_STATUSES = ("completed", "withdrawn")  # kept read-only as a record
# "not_applicable": tailored out of one plan, with a reason; never nudged, not counted.
MILESTONE_STATUSES = ("todo", "done", "not_applicable")
# Who else may support a plan besides its sponsor and mentor.
SUPPORTER_ROLES = ("buddy", "assistant", "peer_mentor")
RAG_VALUES = ("red", "amber", "green")
NUDGE_MODES = ("all", "digest", "mute")
# Where a person's escalations, check-in reminders and digest go when a Teams channel exists.
NUDGE_CHANNELS = ("email", "teams", "both")
# "sending": claimed by a delivery run, between the outbox and the SMTP server's answer.
NUDGE_STATUSES = ("pending", "sending", "sent", "failed", "skipped")
GOAL_STATUSES = ("not_started", "on_track", "at_risk", "achieved", "dropped")
STANCES = ("champion", "supporter", "neutral", "sceptic", "opponent")


# Ids are 32-bit integers on PostgreSQL: a larger one names nothing, and would overflow the query.
MAX_ID = 2**31 - 1


def get_by_id(model, ident: int):
    """``db.session.get`` for an id that came from outside (a URL, the API, the command line)."""
    return db.session.get(model, ident) if 0 < ident <= MAX_ID else None


def one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    """The database's own guard that ``column`` holds one of ``values`` (the tuples above)."""
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_allowed")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_token() -> str:
    return secrets.token_urlsafe(32)

