"""Nudges: reminder emails about milestones and check-ins, and the sponsor's weekly digest.

``policy`` decides which are due from plain snapshots and a date (no database);
``facts`` loads those snapshots; ``outbox`` records each nudge once and claims rows
for delivery (the database-specific SQL); ``delivery`` sends one email per recipient
and marks each sent on acceptance; ``render`` builds the emails and their links.
The rules in plain words are in docs/architecture.md.
"""
from .delivery import DeliveryResult, SweepResult, daily_sweep, deliver, retry_queued, sweep
from .facts import load_facts
from .outbox import LEASE, OPEN_STATUSES, SENDING, record
from .policy import (
    KINDS,
    Due,
    MilestoneFacts,
    Person,
    PlanFacts,
    Policy,
    backoff,
    due_nudges,
    still_wanted,
    wants,
)
from .render import links, render_email

__all__ = [
    "KINDS", "LEASE", "OPEN_STATUSES", "SENDING", "DeliveryResult", "Due", "MilestoneFacts", "Person", "PlanFacts",
    "Policy", "SweepResult", "backoff", "daily_sweep", "deliver", "due_nudges", "links", "load_facts", "record", "render_email",
    "retry_queued", "still_wanted", "sweep", "wants",
]
