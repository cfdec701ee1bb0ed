"""The equity-of-support report: for the plans started in a period, how each group of leaders
(by their voluntary equality answers) was supported, published only through disclosure control
(``disclosure``). Seven queries, whatever the number of plans.

Definitions, said on the page too:
- leaders started: plans starting in the period; completed and withdrawn: those plans' status now;
- days to first mentor meeting: from the plan's start (0 if earlier) to the first done milestone
  owned by the mentor or in the peer-mentoring category, by its completion time;
- check-ins held within cadence: held on or before the date the previous one set (else the cadence
  after it, or after the start), the one rule ``checkins.next_due``;
- milestones overdue per plan: open milestones past due on the period's last day (today if
  sooner), on plans still running (as the cohort counts them);
- escalations per plan: escalation nudges recorded in the outbox; pauses and extensions: the audit
  trail's ``plan.pause`` and ``plan.extend`` events;
- pulse scores: the median of each statement over the group's answered pulses.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from .. import plans
from ..extensions import db
from ..models import AuditEvent, CheckIn, EqualityAnswers, Milestone, Nudge, Plan, Pulse
from . import checkins, disclosure, planning
from . import equity_groups as eg

PULSE_STATEMENTS = {
    "expectations": "I know what is expected of me",
    "sponsor_support": "My sponsor is supporting me",
    "reach": "I can reach the clinicians and stakeholders I need",
    "belonging": "I feel I belong here",
    "confidence": "I am confident in the role",
}
# key -> (title, kind): kind "count", "percent", "per_plan", "days" or "score"
MEASURES: dict[str, tuple[str, str]] = {
    "leaders": ("Leaders started", "count"),
    "completed": ("Completed", "count"),
    "withdrawn": ("Withdrawn", "count"),
    "days_to_mentor": ("Median days to first mentor meeting", "days"),
    "checkins_in_cadence": ("Check-ins held within cadence (%)", "percent"),
    "checkins_red": ("Check-ins rated red (%)", "percent"),
    "overdue_per_plan": ("Milestones overdue per plan", "per_plan"),
    "escalations_per_plan": ("Escalations per plan", "per_plan"),
    "pauses": ("Pauses", "count"),
    "extensions": ("Extensions", "count"),
    **{f"pulse_{k}": (f"Median pulse score: {t.lower()} (1 to 5)", "score") for k, t in PULSE_STATEMENTS.items()},
}
COUNTS = tuple(k for k, (_t, kind) in MEASURES.items() if kind == "count")
MESSAGES = {"order": "The start of the period must be on or before its end"}


class PeriodError(ValueError):
    """The period asked for is not one (its start after its end, or outside the planning years)."""


@dataclass
class PlanFigures:
    """What one plan contributes to its groups' figures."""

    status: str
    answers: dict[str, str]  # dimension -> group
    days_to_mentor: int | None = None
    checkins: int = 0
    in_cadence: int = 0
    red: int = 0
    overdue: int = 0
    escalations: int = 0
    pauses: int = 0
    extensions: int = 0
    pulses: list[dict[str, int]] = field(default_factory=list)


@dataclass
class Row:
    dimension: str  # its title, or "All leaders"
    group: str
    figures: dict  # measure key -> shown value (a number, "*", or None: nothing to measure)


@dataclass
class Report:
    start: date
    end: date
    rows: list[Row]

    def as_json(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "rows": [{"dimension": r.dimension, "group": r.group, **r.figures} for r in self.rows]}


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months up to and including today."""
    try:
        year_before = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_before = today.replace(year=today.year - 1, day=28)
    return year_before + timedelta(days=1), today


def check_period(start: date, end: date) -> None:
    for day, label in ((start, "The start of the period"), (end, "The end of the period")):
        if problem := planning.date_problem(day, label):
            raise PeriodError(problem)
    if start > end:
        raise PeriodError(MESSAGES["order"])


def report(start: date | None = None, end: date | None = None, today: date | None = None) -> Report:
    """The report for the plans started from ``start`` to ``end`` (both included; default the
    last 12 months), every figure already through disclosure control. Raises PeriodError."""
    today = today or plans.today()
    default_start, default_end = default_period(today)
    start, end = start or default_start, end or default_end
    check_period(start, end)
    figures = load(start, end, min(end, today))
    rows = [Row(eg.ALL_LEADERS, eg.ALL_LEADERS, disclosure.protect([summarise(figures)], COUNTS)[0])]
    for dim in eg.DIMENSIONS:
        names = eg.groups(dim)
        members: dict[str, list[PlanFigures]] = {g: [] for g in names}
        for f in figures:
            members[f.answers[dim]].append(f)
        shown = disclosure.protect([summarise(members[g]) for g in names], COUNTS)
        rows += [Row(eg.title(dim), g, s) for g, s in zip(names, shown, strict=True)]
    return Report(start, end, rows)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole) if whole else None


def _per_plan(total: int, n: int) -> float | None:
    return round(total / n, 1) if n else None


def summarise(group: list[PlanFigures]) -> dict:
    """A group's raw figures, before disclosure control."""
    n, done = len(group), [f.checkins for f in group]
    out = {
        "leaders": n,
        "completed": sum(f.status == "completed" for f in group),
        "withdrawn": sum(f.status == "withdrawn" for f in group),
        "days_to_mentor": _median([f.days_to_mentor for f in group if f.days_to_mentor is not None]),
        "checkins_in_cadence": _share(sum(f.in_cadence for f in group), sum(done)),
        "checkins_red": _share(sum(f.red for f in group), sum(done)),
        "overdue_per_plan": _per_plan(sum(f.overdue for f in group), n),
        "escalations_per_plan": _per_plan(sum(f.escalations for f in group), n),
        "pauses": sum(f.pauses for f in group),
        "extensions": sum(f.extensions for f in group),
    }
    for key in PULSE_STATEMENTS:
        out[f"pulse_{key}"] = _median([p[key] for f in group for p in f.pulses if p.get(key) is not None])
    return out


def load(start: date, end: date, on: date) -> list[PlanFigures]:
    """Each plan started in the period with what it contributes, in seven queries."""
    cohort = sa.select(Plan.id).where(Plan.start_date.between(start, end))
    columns = [getattr(EqualityAnswers, dim) for dim in eg.DIMENSIONS]
    plan_rows = db.session.execute(
        sa.select(Plan.id, Plan.status, Plan.start_date, Plan.checkin_cadence_days, *columns)
        .outerjoin(EqualityAnswers, EqualityAnswers.user_id == Plan.leader_id)
        .where(Plan.id.in_(cohort)).order_by(Plan.id)
    ).all()
    by_id: dict[int, PlanFigures] = {}
    starts: dict[int, tuple[date, int]] = {}
    for plan_id, status, start_date, cadence, *answers in plan_rows:
        by_id[plan_id] = PlanFigures(status, {dim: eg.group_of(dim, a) for dim, a in zip(eg.DIMENSIONS, answers)})
        starts[plan_id] = (start_date, cadence)
    _first_mentor_meetings(cohort, by_id, starts)
    _checkins(cohort, by_id, starts)
    _overdue(cohort, by_id, on)
    _outbox_and_audit(cohort, by_id)
    _pulses(cohort, by_id)
    return list(by_id.values())


def _first_mentor_meetings(cohort, by_id, starts) -> None:
    rows = db.session.execute(
        sa.select(Milestone.plan_id, sa.func.min(Milestone.completed_at))
        .where(Milestone.plan_id.in_(cohort), Milestone.is_done, Milestone.completed_at.is_not(None),
               sa.or_(Milestone.owner == "mentor", Milestone.category == "peer_mentoring"))
        .group_by(Milestone.plan_id)
    )
    for plan_id, first in rows:
        by_id[plan_id].days_to_mentor = max(0, (first.date() - starts[plan_id][0]).days)


def _checkins(cohort, by_id, starts) -> None:
    rows = db.session.execute(
        sa.select(CheckIn.plan_id, CheckIn.held_on, CheckIn.next_checkin_on, CheckIn.rag)
        .where(CheckIn.plan_id.in_(cohort)).order_by(CheckIn.plan_id, CheckIn.held_on, CheckIn.id)
    )
    previous: dict[int, tuple[date, date | None]] = {}
    for plan_id, held_on, next_on, rag in rows:
        start_date, cadence = starts[plan_id]
        last_held, last_next = previous.get(plan_id, (None, None))
        f = by_id[plan_id]
        f.checkins += 1
        f.in_cadence += held_on <= checkins.next_due(start_date, cadence, last_held, last_next)
        f.red += rag == "red"
        previous[plan_id] = (held_on, next_on)


def _overdue(cohort, by_id, on: date) -> None:
    rows = db.session.execute(
        sa.select(Milestone.plan_id, sa.func.count())
        .join(Plan, Plan.id == Milestone.plan_id)
        .where(Milestone.plan_id.in_(cohort), Plan.is_open, Milestone.is_open, Milestone.due_date < on)
        .group_by(Milestone.plan_id)
    )
    for plan_id, n in rows:
        by_id[plan_id].overdue = n


def _outbox_and_audit(cohort, by_id) -> None:
    escalations = db.session.execute(
        sa.select(Nudge.plan_id, sa.func.count())
        .where(Nudge.plan_id.in_(cohort), Nudge.kind == "escalation").group_by(Nudge.plan_id)
    )
    for plan_id, n in escalations:
        by_id[plan_id].escalations = n
    events = db.session.execute(
        sa.select(AuditEvent.object_id, AuditEvent.action, sa.func.count())
        .where(AuditEvent.object_type == "plan", AuditEvent.object_id.in_(cohort),
               AuditEvent.action.in_(("plan.pause", "plan.extend")))
        .group_by(AuditEvent.object_id, AuditEvent.action)
    )
    for plan_id, action, n in events:
        setattr(by_id[plan_id], "pauses" if action == "plan.pause" else "extensions", n)


def _pulses(cohort, by_id) -> None:
    columns = [getattr(Pulse, k) for k in PULSE_STATEMENTS]
    rows = db.session.execute(
        sa.select(Pulse.plan_id, *columns).where(Pulse.plan_id.in_(cohort), Pulse.answered_at.is_not(None))
    )
    for plan_id, *scores in rows:
        by_id[plan_id].pulses.append(dict(zip(PULSE_STATEMENTS, scores, strict=True)))

