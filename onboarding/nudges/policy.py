"""Which nudges are due: a pure policy over plain snapshots (``PlanFacts``) and a date,
testable without a database, plus the re-check made just before an email goes out."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from .. import plans
from ..plans.checkins import next_due
from ..plans.planning import DEFAULT_WORKING_DAYS, Calendar, is_due_soon

if TYPE_CHECKING:  # only for annotations
    from .facts import Batch

# Kinds, in the order they appear in an email.
KINDS = ("concern", "escalation", "pulse_low", "overdue", "checkin_due", "checkin_actions", "pulse_reminder", "pulse_due",
         "due_soon", "digest")
PULSE_KINDS = ("pulse_due", "pulse_reminder", "pulse_low")

POLICY_KEYS = {
    "overdue_every_working_days": "NUDGE_OVERDUE_EVERY_WORKING_DAYS",
    "escalate_after_working_days": "NUDGE_ESCALATE_AFTER_WORKING_DAYS",
    "pulse_reminder_working_days": "PULSE_REMINDER_WORKING_DAYS",
}


@dataclass(frozen=True)
class Policy:
    due_soon_working_days: int = 3
    overdue_every_working_days: int = 5
    escalate_after_working_days: int = 10
    pulse_reminder_working_days: int = 5  # an unanswered pulse check is nudged once, this late

    @classmethod
    def from_settings(cls, config: Mapping, overrides: Mapping | None = None) -> Policy:
        """Global defaults from the app config, overridden by a playbook's ``nudges:`` block."""
        # "Due soon" is the pages' rule too: its one home works the number out.
        values = {"due_soon_working_days": plans.due_soon_working_days(overrides, config)}
        for key, setting in POLICY_KEYS.items():
            value = (overrides or {}).get(key, config.get(setting))
            if value is not None:
                values[key] = max(1, int(value))
        return cls(**values)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    active: bool = True
    nudge_mode: str = "all"


@dataclass(frozen=True)
class MilestoneFacts:
    id: int
    title: str
    owner: str
    due_date: date
    status: str = "todo"


@dataclass(frozen=True)
class PulseFacts:
    """One pulse of a plan's schedule (plans.pulses.schedule_for) and whether it is answered."""

    key: str
    due_on: date
    answered: bool = False
    low: bool = False  # answered with support or belonging at 1 or 2 (plans.pulses.is_low)


@dataclass(frozen=True)
class PlanFacts:
    id: int
    leader: Person
    sponsor: Person
    start_date: date
    milestones: tuple[MilestoneFacts, ...] = ()
    status: str = "active"
    working_days: tuple[str, ...] = DEFAULT_WORKING_DAYS
    mentor: Person | None = None
    hr_contact: Person | None = None
    buddy: Person | None = None  # the plan's buddy (a PlanSupporter), for buddy-owned milestones
    checkin_cadence_days: int = 14
    last_checkin: date | None = None
    next_checkin_on: date | None = None  # the date the latest check-in set, if any
    policy: Policy = field(default_factory=Policy)
    pulses: tuple[PulseFacts, ...] = ()  # soonest first
    hr_people: tuple[Person, ...] = ()  # every active HR user: low pulse scores alert them

    def holder(self, role: str) -> Person | None:
        """Who is nudged about a milestone owned by ``role``: the one place owner roles map to people."""
        return {"leader": self.leader, "sponsor": self.sponsor, "mentor": self.mentor, "hr": self.hr_contact,
                "buddy": self.buddy}.get(role)

    def calendar_for(self, role: str) -> Calendar:
        """The leader works their own pattern; sponsors, mentors, buddies and HR work Monday to Friday."""
        return Calendar(tuple(self.working_days)) if role == "leader" else Calendar()


@dataclass(frozen=True, order=True)
class Due:
    """One nudge to record. The first five fields are the outbox's unique key."""

    recipient_id: int
    kind: str
    subject_type: str
    subject_id: int
    period: str
    plan_id: int | None = None
    milestone_id: int | None = None




def due_key(due: Due) -> tuple:
    # The unique key comes first in Due, so this is Due's own order, only cheaper to sort by.
    return (due.recipient_id, due.kind, due.subject_type, due.subject_id, due.period)


def wants(person: Person | None, kind: str) -> bool:
    """Whether this person receives this kind of nudge at all."""
    if kind == "concern":  # not a reminder: a leader asked for them, whatever their email setting
        return person is not None and person.active
    if person is None or not person.active or person.nudge_mode == "mute":
        return False
    return person.nudge_mode != "digest" or kind == "digest"


def checkin_period_base(due: date, cadence_days: int) -> str:
    """The start of a check-in nudge's period key: one cadence before the next due date
    (checkins.next_due). With no date set by the sponsor that is the last check-in (or
    the start), the key earlier releases recorded; a date the sponsor sets or moves
    gives a new key."""
    return f"{(due - timedelta(days=max(1, cadence_days))).isoformat()}+"


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# Thousands of milestones share a few calendars and due dates: work each out once.
due_soon = lru_cache(maxsize=1 << 16)(is_due_soon)


@lru_cache(maxsize=1 << 16)
def between(cal: Calendar, start: date, end: date) -> int:
    # Thousands of milestones share a few calendars and due dates: count each pair once.
    return cal.working_days_between(start, end)


def milestone_nudges(plan: PlanFacts, m: MilestoneFacts, today: date) -> list[Due]:
    if m.status != "todo":
        return []
    found: list[Due] = []
    policy = plan.policy
    owner = plan.holder(m.owner)
    cal = plan.calendar_for(m.owner)
    if today <= m.due_date:
        # Due soon as the pages say it (planning.is_due_soon, the owner's working days).
        # Catching up later in the window still records it (once, keyed by the due date).
        if (
            wants(owner, "due_soon")
            and cal.is_working_day(today)
            and due_soon(m.due_date, today, policy.due_soon_working_days, cal)
        ):
            found.append(Due(owner.id, "due_soon", "milestone", m.id, m.due_date.isoformat(), plan.id, m.id))
        return found
    late = between(cal, m.due_date, today)  # the owner's working days overdue
    if late >= 1 and wants(owner, "overdue") and cal.is_working_day(today):
        # The period is the index of the repeat, so a sweep after downtime records only
        # the current one rather than one per missed repeat.
        repeat = (late - 1) // policy.overdue_every_working_days
        found.append(Due(owner.id, "overdue", "milestone", m.id, f"{m.due_date.isoformat()}#{repeat}", plan.id, m.id))
    if (
        m.owner == "leader"
        and late >= policy.escalate_after_working_days
        and wants(plan.sponsor, "escalation")
        and plan.calendar_for("sponsor").is_working_day(today)
    ):
        found.append(Due(plan.sponsor.id, "escalation", "milestone", m.id, m.due_date.isoformat(), plan.id, m.id))
    return found


def checkin_nudge(plan: PlanFacts, today: date) -> list[Due]:
    due = next_due(plan.start_date, plan.checkin_cadence_days, plan.last_checkin, plan.next_checkin_on)
    if today < due or not wants(plan.sponsor, "checkin_due"):
        return []
    if not plan.calendar_for("sponsor").is_working_day(today):
        return []
    # Once a cadence while no check-in is logged: +1 from the due date, +2 a cadence later...
    periods = (today - due).days // max(1, plan.checkin_cadence_days) + 1
    base = checkin_period_base(due, plan.checkin_cadence_days)
    return [Due(plan.sponsor.id, "checkin_due", "plan", plan.id, f"{base}{periods}", plan.id)]


def pulse_nudges(plan: PlanFacts, today: date) -> list[Due]:
    """The open pulse (the latest due) to the leader when it falls due, and once more if still
    unanswered after the policy's working days; a low answer to every HR user (never the
    sponsor). Each keyed by the pulse, so each goes once."""
    found: list[Due] = []
    current = None
    for pulse in plan.pulses:
        if pulse.due_on <= today:
            current = pulse
        if pulse.low and Calendar().is_working_day(today):
            found += [Due(hr.id, "pulse_low", "plan", plan.id, pulse.key, plan.id)
                      for hr in plan.hr_people if wants(hr, "pulse_low")]
    cal = plan.calendar_for("leader")
    if current is None or current.answered or not cal.is_working_day(today):
        return found
    late = between(cal, current.due_on, today)
    kind = "pulse_reminder" if late >= plan.policy.pulse_reminder_working_days else "pulse_due"
    if wants(plan.leader, kind):
        found.append(Due(plan.leader.id, kind, "plan", plan.id, current.key, plan.id))
    return found


def due_nudges(plans: Iterable[PlanFacts], today: date) -> list[Due]:
    """Every nudge due on ``today`` for these plans, in a stable order."""
    found: set[Due] = set()
    sponsors: dict[int, Person] = {}
    for plan in plans:
        if plan.status != "active":
            continue
        for m in plan.milestones:
            found.update(milestone_nudges(plan, m, today))
        found.update(checkin_nudge(plan, today))
        found.update(pulse_nudges(plan, today))
        sponsors[plan.sponsor.id] = plan.sponsor
    # The weekly digest goes out on the sponsor's first working day of the week (Tuesday
    # after a bank holiday Monday); keyed by ISO week, so a later sweep in the same week
    # catches up once.
    if Calendar().is_working_day(today):
        for sponsor in sponsors.values():
            if wants(sponsor, "digest"):
                found.add(Due(sponsor.id, "digest", "user", sponsor.id, week_key(today)))
    return sorted(found, key=due_key)


def backoff(attempts: int, base_minutes: int = 15) -> timedelta:
    """Wait before retry ``attempts`` + 1: 15 min, 45 min, 2 h 15, ... capped at a day."""
    return min(timedelta(minutes=base_minutes * 3 ** max(0, attempts - 1)), timedelta(days=1))


def still_wanted(nudge, batch: Batch, today: date) -> bool:
    """Re-check a nudge just before sending: things change between record and send."""
    if not wants(batch.people.get(nudge.recipient_id), nudge.kind):
        return False
    if nudge.kind == "digest":
        return any(p.status == "active" for p in batch.sponsored.get(nudge.recipient_id, ()))
    plan = batch.plans.get(nudge.plan_id)
    if nudge.kind in PULSE_KINDS:
        # Due and reminder: only while unanswered on a running plan; an alert once it is recorded.
        answered = batch.pulses.get((nudge.plan_id, nudge.period))
        if nudge.kind == "pulse_low":
            return plan is not None and answered is not None
        return plan is not None and plan.status == "active" and answered is None
    if nudge.kind == "concern":  # never to the sponsor, should they have become one since
        return plan is not None and nudge.recipient_id != plan.sponsor_id
    if nudge.kind == "checkin_actions":
        # A paused leader may still meet their sponsor; the actions may since have been cleared.
        logged = batch.logged.get(nudge.subject_id)
        return plan is not None and plan.status in ("active", "paused") and bool(logged and logged.actions.strip())
    if plan is None or plan.status != "active":
        return False
    if nudge.kind == "checkin_due":
        due = next_due(plan.start_date, plan.checkin_cadence_days, *batch.checkins.get(plan.id, (None, None)))
        return nudge.period.startswith(checkin_period_base(due, plan.checkin_cadence_days))
    m = batch.milestones.get(nudge.milestone_id)
    if m is None or m.status != "todo" or not nudge.period.startswith(m.due_date.isoformat()):
        return False  # done, skipped, or its date has moved (a new nudge will follow)
    if nudge.kind == "due_soon":
        return m.due_date >= today
    return True
