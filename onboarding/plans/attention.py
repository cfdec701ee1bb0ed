"""What HR looks at first ("Needs attention"): concerns leaders raised in confidence not yet
followed up, open milestones HR owns, plans whose sponsor or mentor is deactivated, plans with
an overdue check-in or an escalation, and nudges that could not be delivered.

Nothing here works out a date rule of its own: milestone states come from
plans.milestone_state, overdue check-ins from dashboards.plan_rows (checkins.next_due), and
escalations are the ones the nudge sweep recorded (its policy decides when a leader's overdue
milestone goes to the sponsor). A fixed number of queries whatever the size of the cohort.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from .. import plans
from ..extensions import db
from ..models import Milestone, Nudge, Plan, PlaybookVersion, User
from . import cohort, concerns, dashboards, supporters
from .dashboards import PlanRow

# HR's own milestones listed, soonest first; the heading counts them all.
HR_MILESTONES_SHOWN = 25


@dataclass(frozen=True)
class HrMilestone:
    milestone_id: int
    plan_id: int
    title: str
    due_date: date
    state: str  # overdue | due_soon | not_started (plans.milestone_state)
    leader_name: str


@dataclass(frozen=True)
class Escalated:
    """A leader's overdue milestone the nudge sweep has escalated to the sponsor, still open."""

    milestone_id: int
    title: str
    due_date: date
    escalated_on: date


@dataclass
class PlanConcern:
    row: PlanRow
    inactive: list[str] = field(default_factory=list)  # "sponsor", "mentor"
    escalated: list[Escalated] = field(default_factory=list)

    @property
    def since(self) -> date:
        """The oldest thing waiting on this plan: the overdue check-in or milestone."""
        dates = [e.due_date for e in self.escalated]
        if self.row.checkin_overdue:
            dates.append(self.row.next_checkin_due)
        return min(dates, default=date.max)


@dataclass
class Attention:
    hr_milestones: list[HrMilestone]  # the first HR_MILESTONES_SHOWN
    hr_milestone_count: int
    inactive: list[PlanConcern]  # by leader name
    overdue: list[PlanConcern]  # check-in overdue or escalated, the longest waiting first
    failed_nudges: int
    failed_recipients: int
    no_buddy: list[PlanConcern] = field(default_factory=list)  # buddy-owned milestones, nobody named buddy
    # Not followed up, the oldest first; only those the user may follow up (never a plan they sponsor).
    open_concerns: list[concerns.OpenConcern] = field(default_factory=list)


def attention(today: date | None = None, user=None) -> Attention:
    """What needs HR's attention on ``today``, across every running plan; with ``user``, the
    open concerns they may follow up too."""
    today = today or plans.today()
    rows = dashboards.plan_rows(sa.select(Plan).where(Plan.is_open), today)
    by_plan = {row.plan_id: row for row in rows}
    who = cohort.inactive_people(sa.select(Plan.id).where(Plan.is_open))
    inactive = [PlanConcern(by_plan[plan_id], inactive=roles) for plan_id, roles in who.items() if plan_id in by_plan]
    escalated = _escalations()
    overdue = [PlanConcern(row, escalated=escalated.get(row.plan_id, []))
               for row in rows if row.checkin_overdue or row.plan_id in escalated]
    milestones, count = _hr_milestones(today)
    no_buddy = db.session.scalars(sa.select(Plan.id).where(Plan.is_open, supporters.without_buddy()))
    failed, recipients = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(Nudge.recipient_id))).where(Nudge.status == "failed")
    ).one()
    return Attention(
        hr_milestones=milestones,
        hr_milestone_count=count,
        inactive=sorted(inactive, key=lambda c: (c.row.leader_name.casefold(), c.row.plan_id)),
        overdue=sorted(overdue, key=lambda c: (c.since, c.row.leader_name.casefold(), c.row.plan_id)),
        failed_nudges=failed or 0,
        failed_recipients=recipients or 0,
        no_buddy=sorted((PlanConcern(by_plan[i]) for i in no_buddy if i in by_plan),
                        key=lambda c: (c.row.leader_name.casefold(), c.row.plan_id)),
        open_concerns=concerns.open_for(user) if user is not None else [],
    )


def _hr_milestones(today: date) -> tuple[list[HrMilestone], int]:
    """The open HR-owned milestones of running plans, soonest first (the first
    HR_MILESTONES_SHOWN), and how many there are: two queries."""
    where = (Plan.is_open, Milestone.owner == "hr", Milestone.is_open)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Milestone).join(Plan).where(*where)) or 0
    leader = aliased(User)
    found = db.session.execute(
        sa.select(Milestone, leader.name, PlaybookVersion.nudges)
        .join(Milestone.plan)
        .join(leader, leader.id == Plan.leader_id)
        .join(PlaybookVersion, PlaybookVersion.id == Plan.playbook_version_id)
        .where(*where)
        .options(contains_eager(Milestone.plan))
        .order_by(Milestone.due_date, Milestone.plan_id, Milestone.position)
        .limit(HR_MILESTONES_SHOWN)
    )
    return [
        HrMilestone(m.id, m.plan_id, m.title, m.due_date,
                    plans.milestone_state(m, today, plans.due_soon_working_days(nudges)), leader_name)
        for m, leader_name, nudges in found
    ], count


def _escalations() -> dict[int, list[Escalated]]:
    """plan id -> the escalations the nudge sweep recorded for milestones of active plans
    that are still open, earliest due first. One query."""
    found = db.session.execute(
        sa.select(Nudge.plan_id, Nudge.period, Nudge.recorded_on, Milestone.id, Milestone.title, Milestone.due_date)
        .join(Milestone, Milestone.id == Nudge.milestone_id)
        .join(Plan, Plan.id == Nudge.plan_id)
        .where(Nudge.kind == "escalation", Nudge.status != "skipped", Milestone.is_open, Plan.status == "active")
        .order_by(Milestone.due_date, Milestone.position, Nudge.recorded_on)
    )
    escalated: dict[int, dict[int, Escalated]] = {}
    for plan_id, period, recorded_on, milestone_id, title, due in found:
        # Keyed by the due date it was about: a milestone moved since (a pause, an
        # extension) is not escalated until the sweep says so again.
        if period.startswith(due.isoformat()):
            escalated.setdefault(plan_id, {}).setdefault(milestone_id, Escalated(milestone_id, title, due, recorded_on))
    return {plan_id: list(found.values()) for plan_id, found in escalated.items()}
