"""Audit trail: who did what to which object, when (UTC) and from where."""
from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent


def record(actor, action: str, obj: Any = None, remote_addr: str | None = None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        detail={k: _plain(v) for k, v in detail.items()},
        remote_addr=remote_addr,
    )
    db.session.add(event)
    return event


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
