"""Audit trail: who did what to which object, when (UTC) and from where.

The detail says what changed in words HR can read back (names of fields, keys, counts, reasons
given for a change), never a secret or a confidential text: no password, token, private note,
concern, pulse comment or equality answer. ``record`` refuses the keys such text would go under,
so a caller cannot add one by accident; HR's audit review shows and exports every detail."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEvent, Plan, utcnow

# Detail keys that would carry text the trail must never hold (see the module's docstring).
FORBIDDEN_KEYS = frozenset({
    "password", "new_password", "token", "raw_token", "secret", "totp", "private_note", "note", "notes",
    "text", "concern", "follow_up_note", "comment", "answers", "ethnic_group", "sex", "disability",
    "sector", "working_pattern", "summary", "agenda", "reflection", "response",
})


def record(actor, action: str, obj: Any = None, remote_addr: str | None = None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    refused = FORBIDDEN_KEYS.intersection(detail)
    if refused:
        raise ValueError(f"the audit trail never holds {', '.join(sorted(refused))}")
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        detail={k: _plain(v) for k, v in detail.items()},
        remote_addr=remote_addr,
        plan_id=_plan_of(obj, detail),
    )
    db.session.add(event)
    return event


def record_daily(actor, action: str, obj: Any = None, remote_addr: str | None = None, **detail) -> AuditEvent | None:
    """``record``, unless this actor's ``action`` on ``obj`` is already in today's trail (UTC):
    for what runs unattended many times a day (a calendar app fetching its feed), where one line
    a day says who uses it without drowning the rest."""
    since = datetime.combine(utcnow().date(), time())
    seen = db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.action == action, AuditEvent.at >= since,
        AuditEvent.actor_id == getattr(actor, "id", None),
        AuditEvent.object_id == getattr(obj, "id", None))))
    return None if seen else record(actor, action, obj, remote_addr, **detail)


def _plan_of(obj: Any, detail: dict) -> int | None:
    """The plan an event is about: the plan itself, the plan of a milestone, check-in, record,
    pulse, concern or nudge, else one the detail names."""
    if isinstance(obj, Plan):
        return obj.id
    plan_id = getattr(obj, "plan_id", None)
    if plan_id is None:
        plan_id = detail.get("plan", detail.get("plan_id"))
    return plan_id if isinstance(plan_id, int) and not isinstance(plan_id, bool) else None


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
