"""Sponsor check-ins: log, edit and list them, and work out when the next one is due.

Callers decide who may do what through access.py and commit the transaction (log_once
commits itself); these functions validate everything first and change nothing when the
input is wrong.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import plans
from ..extensions import db
from ..models import RAG_VALUES, CheckIn, Plan, User, get_by_id, utcnow
from ..people import audit
from . import planning

MAX_TEXT = 5000
MAX_KEY = 255  # a request key from a form or an API client's Idempotency-Key header
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}
# NHS.UK tag colours for each RAG rating; the tag always carries the word too.
RAG_COLOURS = {"red": "red", "amber": "orange", "green": "green"}

MESSAGES = {
    "held_on_missing": "Enter the date the check-in was held",
    "held_on_future": "The check-in date must be today or in the past",
    "rag_missing": "Select a RAG rating: red, amber or green",
    "summary_missing": "Enter a summary of the check-in",
    "too_long": "{label} must be {max} characters or fewer",
    "next_before": "The next check-in date must be after the date this check-in was held",
    "closed": "This plan is {status}, so its check-ins can no longer be logged or changed",
    "bad_key": "{label} must be 1 to {max} visible ASCII characters, without spaces",
}
LABELS = {"summary": "Summary", "private_note": "Private note", "actions": "Actions"}


class CheckInError(ValueError):
    """Invalid check-in input; ``errors`` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class CheckInInput:
    held_on: date | None
    rag: str | None
    summary: str | None
    private_note: str | None = ""
    actions: str | None = ""
    next_checkin_on: date | None = None


def validate(data: CheckInInput, today: date | None = None) -> dict[str, str]:
    """Field name -> message for everything wrong with ``data``; empty when it is fine."""
    today = today or plans.today()
    errors: dict[str, str] = {}
    if data.held_on is None:
        errors["held_on"] = MESSAGES["held_on_missing"]
    elif data.held_on > today:
        errors["held_on"] = MESSAGES["held_on_future"]
    elif problem := planning.date_problem(data.held_on, "The check-in date"):
        errors["held_on"] = problem
    if data.rag not in RAG_VALUES:
        errors["rag"] = MESSAGES["rag_missing"]
    if not (data.summary or "").strip():
        errors["summary"] = MESSAGES["summary_missing"]
    for name, label in LABELS.items():
        if name not in errors and len((getattr(data, name) or "").strip()) > MAX_TEXT:
            errors[name] = MESSAGES["too_long"].format(label=label, max=MAX_TEXT)
    if data.next_checkin_on is not None and data.held_on is not None and data.next_checkin_on <= data.held_on:
        errors["next_checkin_on"] = MESSAGES["next_before"]
    elif data.next_checkin_on is not None and (problem := planning.date_problem(data.next_checkin_on, "The next check-in date")):
        errors["next_checkin_on"] = problem
    return errors


def is_open(plan: Plan) -> bool:
    """New check-ins only for plans still running (a paused leader may still meet their sponsor)."""
    return plan.is_open


def action_lines(actions: str | None) -> list[str]:
    """The agreed actions, one per non-blank line (as typed, trimmed): the one way every page,
    the API and the done ticks (checkin_leader) split them."""
    return [line.strip() for line in (actions or "").splitlines() if line.strip()]


def _apply(checkin: CheckIn, data: CheckInInput) -> None:
    checkin.held_on = data.held_on
    checkin.rag = data.rag
    checkin.summary = data.summary.strip()
    checkin.private_note = (data.private_note or "").strip()
    checkin.actions = (data.actions or "").strip()
    checkin.next_checkin_on = data.next_checkin_on
    # An action the sponsor reworded or removed is no longer done; the others stay done.
    lines = action_lines(checkin.actions)
    checkin.actions_done = [line for line in (checkin.actions_done or []) if line in lines]


def key_error(key: str | None, label: str = "The request key") -> str | None:
    """What is wrong with a request key, or None (no key at all is fine)."""
    if key is None or 0 < len(key) <= MAX_KEY and key.isascii() and key.isprintable() and " " not in key:
        return None
    return MESSAGES["bad_key"].format(label=label, max=MAX_KEY)


def _stored_key(plan: Plan, sponsor: User, key: str | None) -> str | None:
    # Scoped to the sponsor and plan, so one client's key can never find someone else's check-in.
    return hashlib.sha256(f"{sponsor.id}:{plan.id}:{key}".encode()).hexdigest() if key else None


def logged_with(plan: Plan, sponsor: User, key: str | None) -> CheckIn | None:
    """The check-in this sponsor already logged on this plan with this request key."""
    stored = _stored_key(plan, sponsor, key)
    return db.session.scalar(sa.select(CheckIn).where(CheckIn.request_key == stored)) if stored else None


def log_checkin(plan: Plan, sponsor: User, data: CheckInInput, today: date | None = None, remote_addr=None,
                key: str | None = None) -> CheckIn:
    """Record a check-in held by ``sponsor``. Raises CheckInError; the caller commits."""
    if not is_open(plan):
        raise CheckInError({"plan": MESSAGES["closed"].format(status=plan.status)})
    errors = validate(data, today)
    if error := key_error(key):
        errors["request_key"] = error
    if errors:
        raise CheckInError(errors)
    checkin = CheckIn(plan=plan, sponsor=sponsor, request_key=_stored_key(plan, sponsor, key))
    _apply(checkin, data)
    _take_leader_side(checkin, plan)
    db.session.add(checkin)
    db.session.flush()
    # The private note stays out of the audit trail: it is for the sponsor and HR only.
    audit.record(sponsor, "checkin.create", checkin, remote_addr, plan=plan.id, held_on=checkin.held_on, rag=checkin.rag,
                 leader_prepared=bool(checkin.leader_agenda or checkin.leader_reflection))
    _tell_leader(checkin, today)
    return checkin


def _take_leader_side(checkin: CheckIn, plan: Plan) -> None:
    """What the leader prepared for this check-in moves onto it (web and API alike), so the
    next one starts empty: in the check-in's own transaction, never half-moved."""
    checkin.leader_agenda, checkin.leader_reflection = plan.leader_agenda, plan.leader_reflection
    plan.leader_agenda = plan.leader_reflection = None


def _tell_leader(checkin: CheckIn, today: date | None) -> None:
    """Queue the leader's email about the actions this check-in left them (once per check-in),
    in the same transaction: web and API both log through here."""
    from ..nudges import outbox  # at call time: the nudges package imports this module

    outbox.checkin_actions(checkin, today or plans.today())


def log_once(plan: Plan, sponsor: User, data: CheckInInput, key: str | None, today: date | None = None,
             remote_addr=None) -> tuple[CheckIn, bool]:
    """Log a check-in and commit, unless ``key`` already made one: then that one. Returns the
    check-in and whether it is new, so a form posted twice or an API call retried is one check-in.
    Raises CheckInError without committing. It commits itself because a repeat that arrives at the
    same moment shows only as a unique-key conflict, which ends the transaction."""
    existing = logged_with(plan, sponsor, key)
    if existing is not None:
        return existing, False
    try:
        checkin = log_checkin(plan, sponsor, data, today, remote_addr, key)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = logged_with(plan, sponsor, key)
        if existing is None:
            raise
        return existing, False
    return checkin, True


def update_checkin(checkin: CheckIn, user: User, data: CheckInInput, today: date | None = None, remote_addr=None) -> CheckIn:
    """Change a check-in. Raises CheckInError; the caller commits."""
    if not is_open(checkin.plan):
        # A closed plan is a record: its history must not drift afterwards.
        raise CheckInError({"plan": MESSAGES["closed"].format(status=checkin.plan.status)})
    errors = validate(data, today)
    if errors:
        raise CheckInError(errors)
    fields = ("held_on", "rag", "summary", "private_note", "actions", "next_checkin_on")
    before = {name: getattr(checkin, name) for name in fields}
    _apply(checkin, data)
    checkin.updated_at = utcnow()
    # Which fields changed, by name only: the texts themselves stay out of the trail.
    changed = [name for name in fields if getattr(checkin, name) != before[name]]
    audit.record(user, "checkin.update", checkin, remote_addr, plan=checkin.plan_id, held_on=checkin.held_on,
                 rag=checkin.rag, changed=changed)
    if "actions" in changed:  # actions added after the check-in was logged: the leader hears once
        _tell_leader(checkin, today)
    return checkin


def of_plan(plan: Plan, checkin_id: int) -> CheckIn | None:
    """The plan's check-in with that id, or None (a check-in of another plan is not found)."""
    checkin = get_by_id(CheckIn, checkin_id)
    return checkin if checkin is not None and checkin.plan_id == plan.id else None


def history(plan: Plan) -> list[CheckIn]:
    """The plan's check-ins, newest first, with their sponsors loaded in the same query."""
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .where(CheckIn.plan_id == plan.id)
            .options(joinedload(CheckIn.sponsor))
            .order_by(CheckIn.held_on.desc(), CheckIn.id.desc())
        )
    )


def latest(plan: Plan) -> CheckIn | None:
    return db.session.scalars(
        sa.select(CheckIn).where(CheckIn.plan_id == plan.id).order_by(CheckIn.held_on.desc(), CheckIn.id.desc()).limit(1)
    ).first()


def next_due(start_date: date, cadence_days: int, last_held_on: date | None = None, last_next_on: date | None = None) -> date:
    """When the next check-in is due: the date the latest check-in set, else the cadence
    after the latest check-in, else the cadence after the plan's start."""
    if last_next_on is not None:
        return last_next_on
    base = last_held_on if last_held_on is not None else start_date
    return base + timedelta(days=cadence_days)


def is_overdue(plan: Plan, next_due_on: date | None, on: date) -> bool:
    """The next check-in has passed on a running plan (a paused one is not chased; nudges skip it too)."""
    return plan.is_active and next_due_on is not None and next_due_on < on


def next_due_for(plan: Plan, last: CheckIn | None = None) -> date:
    return next_due(
        plan.start_date,
        plan.checkin_cadence_days,
        last.held_on if last is not None else None,
        last.next_checkin_on if last is not None else None,
    )


def latest_dates(plan_ids) -> dict[int, tuple[date, date | None]]:
    """plan id -> (held on, next check-in date it set) of each plan's latest check-in, in
    one query: what ``next_due`` needs, for many plans at once. ``plan_ids`` is a list
    or a select of ids."""
    ranked = (
        sa.select(
            CheckIn.plan_id, CheckIn.held_on, CheckIn.next_checkin_on,
            sa.func.row_number()
            .over(partition_by=CheckIn.plan_id, order_by=(CheckIn.held_on.desc(), CheckIn.id.desc()))
            .label("rank"),
        )
        .where(CheckIn.plan_id.in_(plan_ids))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.plan_id, ranked.c.held_on, ranked.c.next_checkin_on).where(ranked.c.rank == 1)
    )
    return {plan_id: (held_on, next_on) for plan_id, held_on, next_on in rows}


def suggested_next(plan: Plan, held_on: date) -> date:
    """A default for the form: the cadence after the check-in, on a working day."""
    return planning.Calendar().on_or_after(held_on + timedelta(days=plan.checkin_cadence_days))
