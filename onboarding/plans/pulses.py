"""Pulse checks: at the playbook's pulse weeks (``pulses:``, default weeks 2, 6, 12 and the last)
the leader scores five statements 1-5 and may add a comment. The pulse falls due on the leader's
first working day of that plan week (``planning.pulse_due_on``) and stays open until the next one
falls due; a row is written when the leader answers (the unique plan and key make each pulse
answered once). Who reads the answers is decided in ``people.access`` (``can_read_pulse``); the
nudges (due, one reminder, HR's low-score alert) in ``nudges.policy``."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Plan, utcnow
from ..models.voice import Pulse
from ..people import access, audit
from ..playbooks.content import DEFAULT_PULSES
from . import planning

# The five statements, by the Pulse column that holds each score.
STATEMENTS = (
    ("expectations", "I know what is expected of me"),
    ("sponsor_support", "My sponsor is supporting me"),
    ("reach", "I can reach the clinicians and stakeholders I need"),
    ("belonging", "I feel I belong here"),
    ("confidence", "I am confident in the role"),
)
SCORES = range(1, 6)
SCORE_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
LOW_SCORE = 2  # a score of 1 or 2 on support or belonging alerts HR
COMMENT_MAX = 2000


def score_message(statement: str) -> str:
    """What a missing or unknown score is told, next to its statement."""
    return f"Select a score from 1 to 5 for: {statement}"


class PulseError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Slot:
    """One pulse of a plan's schedule: its key ("2", "last"), plan week and due date."""

    key: str
    week: int
    due_on: date


def is_low(sponsor_support: int | None, belonging: int | None) -> bool:
    """The one rule for HR's alert: support or belonging scored 1 or 2."""
    return any(score is not None and score <= LOW_SCORE for score in (sponsor_support, belonging))


def schedule_for(start: date, end: date, working_days: Sequence[str], weeks: Sequence | None) -> list[Slot]:
    """The pulses of a plan from these dates and the playbook's ``pulses`` (None: the default),
    soonest first. A numbered week past the plan's last is not asked; one on the last week is
    left to "last" when both are listed."""
    weeks = DEFAULT_PULSES if weeks is None else weeks
    last = planning.plan_weeks(start, end)
    slots = {}
    for week in weeks:
        n = last if week == "last" else int(week)
        due = planning.pulse_due_on(start, end, week, working_days)
        if due is not None and not (week != "last" and n == last and "last" in weeks):
            slots[str(week)] = Slot(str(week), n, due)
    return sorted(slots.values(), key=lambda s: (s.due_on, s.week))


def schedule(plan: Plan) -> list[Slot]:
    return schedule_for(plan.start_date, plan.end_date, planning.parse_working_days(plan.working_days),
                        plan.playbook_version.pulses)


def current(slots: Sequence[Slot], on: date) -> Slot | None:
    """The pulse open on ``on``: the latest one due on or before it."""
    due = [s for s in slots if s.due_on <= on]
    return due[-1] if due else None


def answered(plan: Plan) -> dict[str, Pulse]:
    """The plan's answered pulses by key."""
    rows = db.session.scalars(sa.select(Pulse).where(Pulse.plan_id == plan.id, Pulse.answered_at.is_not(None)))
    return {p.key: p for p in rows}


def open_pulse(plan: Plan, on: date) -> Slot | None:
    """The pulse the leader is asked to answer now: the current one of an active plan, unanswered."""
    if not plan.is_active:
        return None
    slot = current(schedule(plan), on)
    return slot if slot is not None and slot.key not in answered(plan) else None


def readable(user, plan: Plan) -> list[Pulse]:
    """The answered pulses of the plan this user may read (access.can_read_pulse), oldest first."""
    return sorted((p for p in answered(plan).values() if access.can_read_pulse(user, p)), key=lambda p: p.due_on)


def scores(pulse: Pulse) -> list[tuple[str, int]]:
    """Each statement with its score, in the order they are asked."""
    return [(text, getattr(pulse, column)) for column, text in STATEMENTS]


def answer(plan: Plan, key: str, user, values: dict, comment: str, share: bool, on: date,
           remote_addr: str | None = None) -> Pulse:
    """Record the leader's answers to the open pulse ``key``: every score 1-5, an optional comment.
    Refused (PulseError, nothing written) when it is not theirs to answer, not open or answered
    already. The caller commits; the audit event holds no scores."""
    if not access.can_answer_pulse(user, plan):
        raise PulseError("Only the leader can answer their pulse check while the plan is running.")
    slot = open_pulse(plan, on)
    if slot is None or slot.key != key:
        raise PulseError("This pulse check is not open: it has been answered, or a newer one is due.")
    for column, text in STATEMENTS:
        if values.get(column) not in SCORES:
            raise PulseError(score_message(text), column)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise PulseError(f"Your comment must be {COMMENT_MAX:,} characters or fewer", "comment")
    pulse = Pulse(plan_id=plan.id, key=key, due_on=slot.due_on, answered_at=utcnow(), comment=comment or None,
                  shared_with_sponsor=bool(share), **{column: values[column] for column, _ in STATEMENTS})
    try:
        with db.session.begin_nested():  # the unique plan and key: answered once, whoever is first
            db.session.add(pulse)
    except IntegrityError:
        raise PulseError("This pulse check has already been answered.") from None
    audit.record(user, "pulse.answer", pulse, remote_addr, plan_id=plan.id, key=key, shared=bool(share))
    return pulse


def week_label(key: str, start: date, end: date) -> int:
    """The plan week a pulse key stands for ("last": the plan's last week), for emails."""
    return planning.plan_weeks(start, end) if key == "last" else int(key)
