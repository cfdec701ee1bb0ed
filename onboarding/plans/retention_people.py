"""Retention's second step: deleting deactivated people whom nothing kept in full names any more.

A person is deleted when they are deactivated, were last active (signed in, created or
deactivated) before the cutoff, and no column that BLOCKS (a plan still kept in full, in any
role: leader, sponsor, mentor, HR contact, supporter, check-in sponsor, concern, completed
milestone) points at them. Their own rows go with them (sessions, tokens, outbox rows, equality
answers, two-factor secrets), their name stays nowhere: what they did keeps its audit events,
the actor re-pointed at the placeholder, and their address is replaced wherever an event's
detail quoted it. A column pointing at people with no rule in retention_rules keeps the person
(and the run says so) rather than guess."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEvent, User
from . import retention_rules as rules

DELETED_PERSON = "(deleted person)"


def user_references() -> list[tuple[sa.Table, sa.Column, str | None]]:
    """Every column of every table that points at a user, with its rule (None: undecided)."""
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "user":
                found.append((table, fk.parent, rules.USER_REFERENCES.get((table.name, fk.parent.name))))
    return found


def deletable_people(before: datetime, placeholder: int, kept: dict[int, str]) -> list[int]:
    candidates = set(db.session.scalars(sa.select(User.id).where(User.active.is_(False), User.id != placeholder)))
    if not candidates:
        return []
    candidates -= _active_since(before, candidates)
    for table, column, rule in user_references():
        if rule in (rules.BLOCKS, None) and candidates:
            named = set(db.session.scalars(sa.select(column).where(column.in_(candidates)).distinct()))
            if rule is None:
                kept.update((user_id, f"{table.name}.{column.name} has no retention rule") for user_id in named)
            candidates -= named
    return sorted(candidates)


def _active_since(before: datetime, ids: set[int]) -> set[int]:
    """Those created, signed in or deactivated on or after ``before``: kept for now."""
    recent = set(db.session.scalars(sa.select(User.id).where(
        User.id.in_(ids), sa.or_(User.created_at >= before, User.last_login_at >= before))))
    recent.update(db.session.scalars(sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "user.deactivate", AuditEvent.object_type == "user",
        AuditEvent.object_id.in_(ids), AuditEvent.at >= before)))
    return recent


def delete_person(user_id: int, placeholder: int, rows: Counter) -> None:
    email = db.session.scalar(sa.select(User.email).where(User.id == user_id))
    for table, column, rule in user_references():
        if rule == rules.OWN:
            rows[table.name] += db.session.execute(sa.delete(table).where(column == user_id)).rowcount
        elif rule == rules.REPOINT:
            rows[table.name] += db.session.execute(
                sa.update(table).where(column == user_id).values({column.name: placeholder})).rowcount
    _forget_address(email, rows)
    tables = db.metadata.tables
    for name, column, value in (("login_throttle", "key", f"account:{email}"), ("sent_email", "recipient", email)):
        table = tables[name]
        rows[name] += db.session.execute(sa.delete(table).where(table.c[column] == value)).rowcount
    db.session.execute(sa.delete(tables["user"]).where(tables["user"].c.id == user_id))
    rows["user"] += 1


def _forget_address(email: str, rows: Counter) -> None:
    """Audit events that quoted the person's address (their account's creation, a token issued
    to them, a plan they were added to) keep the event, not the address."""
    events = db.metadata.tables["audit_event"]
    # In any case: a failed sign-in keeps the address as it was typed (Alex.Smith@...).
    quoting = db.session.execute(sa.select(events.c.id, events.c.detail).where(
        sa.func.lower(sa.cast(events.c.detail, sa.Text)).contains(email.lower()))).all()
    address = re.compile(re.escape(email), re.IGNORECASE)
    for event_id, detail in quoting:
        cleaned = {k: _without(v, address) for k, v in (detail or {}).items()}
        db.session.execute(sa.update(events).where(events.c.id == event_id).values(detail=cleaned, remote_addr=None))
        rows["audit_event"] += 1


def _without(value, address: re.Pattern):
    if isinstance(value, str):
        return address.sub(DELETED_PERSON, value)
    if isinstance(value, list):
        return [_without(v, address) for v in value]
    if isinstance(value, dict):
        return {k: _without(v, address) for k, v in value.items()}
    return value
