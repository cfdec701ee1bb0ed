"""HR's review of the audit trail: the events by filter, newest first, a page at a time; a plan's
history; the filtered set as rows for a CSV; and each event's detail in words.

Two queries a page whatever its size (the count and the page, each event's actor joined in).
Dates are calendar days in the TIMEZONE setting, turned into UTC bounds here: the trail is UTC."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AuditEvent, User

PER_PAGE = 50
MAX_CSV_ROWS = 100_000  # a year of a large trust's trail; narrow the filters for more
CSV_COLUMNS = ("When (UTC)", "Who", "Email", "Action", "Object", "Object id", "Plan", "Detail", "Address")

# What each action means, in HR's words; an action missing here reads as its own name.
ACTIONS = {
    "user.login": "Signed in",
    "user.login_failed": "Failed sign-in",
    "user.logout": "Signed out",
    "user.set_password": "Set a password by link",
    "user.change_password": "Changed password",
    "user.change_password_failed": "Failed password change",
    "user.password_reset_requested": "Asked for a password link",
    "user.create": "Invited a user",
    "user.invite_link": "Showed an invite link",
    "user.deactivate": "Deactivated a user",
    "user.reactivate": "Reactivated a user",
    "user.grant_hr": "Gave HR rights",
    "user.remove_hr": "Removed HR rights",
    "user.subject_access": "Exported a person's data (subject access)",
    "api_token.create": "Issued an API token",
    "api_token.revoke": "Revoked an API token",
    "api_token.use": "Used an API token (first use of the day)",
    "calendar.feed": "Calendar app fetched the feed (first fetch of the day)",
    "plan.create": "Started a plan",
    "plan.pause": "Paused a plan",
    "plan.resume": "Resumed a plan",
    "plan.extend": "Extended a plan",
    "plan.complete": "Closed a plan as completed",
    "plan.withdraw": "Withdrew a plan",
    "plan.reassign": "Changed sponsor or mentor",
    "plan.rebase": "Moved a plan to a newer playbook",
    "plan.supporter_add": "Named a supporter",
    "plan.supporter_remove": "Removed a supporter",
    "plan.checkin_prepare": "Prepared for a check-in",
    "milestone.complete": "Completed a milestone",
    "milestone.reopen": "Reopened a milestone",
    "milestone.add": "Added a milestone",
    "milestone.change": "Changed a milestone's due date or owner",
    "milestone.not_applicable": "Marked a milestone not applicable",
    "milestone.applicable": "Marked a milestone applicable again",
    "checkin.create": "Logged a check-in",
    "checkin.update": "Changed a check-in",
    "checkin.respond": "Responded to a check-in",
    "checkin.actions_done": "Ticked check-in actions",
    "stakeholder.create": "Added a stakeholder",
    "stakeholder.update": "Changed a stakeholder",
    "stakeholder.delete": "Removed a stakeholder",
    "stakeholder.from_directory": "Added stakeholders from the who's who",
    "interview.create": "Recorded an interview",
    "interview.update": "Changed an interview",
    "interview.delete": "Removed an interview",
    "goal.create": "Set a goal",
    "goal.update": "Changed a goal",
    "goal.delete": "Removed a goal",
    "concern.raise": "Raised a concern",
    "concern.follow_up": "Followed up a concern",
    "pulse.answer": "Answered a pulse check",
    "equality.change": "Changed their equality answers",
    "equality.delete": "Deleted their equality answers",
    "user.feed_create": "Made a calendar feed address",
    "user.feed_reset": "Replaced a calendar feed address",
    "user.nudge_mode": "Changed their email settings",
    "user.welcome_dismiss": "Dismissed the welcome panel",
    "nudge.resend": "Queued a failed email again",
    "playbook.publish": "Published a playbook",
    "playbook.upload": "Uploaded a playbook",
    "export.plan_csv": "Downloaded a plan (CSV)",
    "export.plan_print": "Opened a plan's printable review",
    "export.cohort_csv": "Downloaded the cohort (CSV)",
    "export.equity_csv": "Downloaded the equity report (CSV)",
    "export.playbook_yaml": "Downloaded a playbook (YAML)",
    "export.whos_who_yaml": "Downloaded the who's who (YAML)",
    "audit.view": "Read the audit trail",
    "audit.export": "Downloaded the audit trail (CSV)",
    "access_review.view": "Read the access review",
    "access_review.export": "Downloaded the access review (CSV)",
}
OBJECTS = {"clinicianinterview": "Interview", "checkin": "Check-in", "api_token": "API token",
           "apitoken": "API token", "playbookdraft": "Playbook draft", "directoryentry": "Who's who entry"}


@dataclass(frozen=True)
class Filters:
    actor: User | None = None
    object_type: str | None = None
    object_id: int | None = None
    action: str | None = None
    start: date | None = None  # on or after, in the TIMEZONE setting
    end: date | None = None  # on or before
    plan_id: int | None = None  # the plan's history: its own events and its parts'
    timezone: str = "Europe/London"

    def described(self) -> dict:
        """The filters as the audit trail records a reading of it."""
        values = {"actor": self.actor.email if self.actor else None, "object_type": self.object_type,
                  "object_id": self.object_id, "action": self.action, "plan_id": self.plan_id,
                  "start": self.start.isoformat() if self.start else None,
                  "end": self.end.isoformat() if self.end else None}
        return {k: v for k, v in values.items() if v is not None}


@dataclass
class Page:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int
    filters: Filters = field(default_factory=Filters)


def _utc(day: date, zone: str) -> datetime:
    """The UTC time (naive, as stored) at which ``day`` starts in ``zone``."""
    local = datetime.combine(day, time(), tzinfo=ZoneInfo(zone))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _query(filters: Filters) -> sa.Select:
    statement = sa.select(AuditEvent)
    if filters.actor is not None:
        statement = statement.where(AuditEvent.actor_id == filters.actor.id)
    if filters.object_type:
        statement = statement.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        statement = statement.where(AuditEvent.object_id == filters.object_id)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.plan_id is not None:
        statement = statement.where(AuditEvent.plan_id == filters.plan_id)
    if filters.start:
        statement = statement.where(AuditEvent.at >= _utc(filters.start, filters.timezone))
    if filters.end:
        statement = statement.where(AuditEvent.at < _utc(filters.end + timedelta(days=1), filters.timezone))
    return statement


def _newest_first(statement: sa.Select) -> sa.Select:
    return statement.options(joinedload(AuditEvent.actor)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def page(filters: Filters, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """Page ``number`` (kept within the pages there are) of the events ``filters`` select."""
    statement = _query(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, number), pages)
    events = db.session.scalars(_newest_first(statement).offset((number - 1) * per_page).limit(per_page)).all()
    return Page(list(events), number, pages, total, filters)


def all_events(filters: Filters, limit: int = MAX_CSV_ROWS) -> list[AuditEvent]:
    """Every event ``filters`` select, newest first, up to ``limit``: the CSV download."""
    return list(db.session.scalars(_newest_first(_query(filters)).limit(limit)))


def action_choices() -> list[tuple[str, str]]:
    """The actions in the trail (and every one HR's list names), as (action, label), by label."""
    found = set(db.session.scalars(sa.select(AuditEvent.action).distinct())) | set(ACTIONS)
    return sorted(((a, action_label(a)) for a in found), key=lambda pair: pair[1].lower())


def object_choices() -> list[tuple[str, str]]:
    found = db.session.scalars(sa.select(AuditEvent.object_type).distinct().where(AuditEvent.object_type != ""))
    return sorted(((t, object_label(t)) for t in found), key=lambda pair: pair[1].lower())


def action_label(action: str) -> str:
    return ACTIONS.get(action, action.replace(".", ": ").replace("_", " ").capitalize())


def object_label(object_type: str) -> str:
    return OBJECTS.get(object_type, object_type.replace("_", " ").capitalize()) if object_type else ""


def _words(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in value.items())
    if isinstance(value, str) and value.isidentifier():
        return value.replace("_", " ")  # a field's name: "private_note" reads "private note"
    return "" if value is None else str(value)


def summary(event: AuditEvent) -> str:
    """The event's detail in words, "reason: Annual leave; expected return on: 2026-12-07". The
    plan is left out (it has a column of its own); the detail never holds confidential text
    (audit.record refuses it)."""
    parts = [f"{key.replace('_', ' ')}: {_words(value)}" for key, value in (event.detail or {}).items()
             if key not in ("plan", "plan_id") and value not in (None, "", [])]
    return "; ".join(parts)


def csv_rows(events: list[AuditEvent]) -> list[tuple]:
    """One row per event under CSV_COLUMNS, plain values (the caller makes them CSV-safe)."""
    return [(
        e.at.replace(microsecond=0).isoformat(sep=" "),
        e.actor.name if e.actor else "The system or an unknown person",
        e.actor.email if e.actor else "",
        action_label(e.action),
        object_label(e.object_type),
        e.object_id if e.object_id is not None else "",
        e.plan_id if e.plan_id is not None else "",
        summary(e),
        e.remote_addr or "",
    ) for e in events]
