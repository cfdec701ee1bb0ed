"""What a plan's first screen puts first: what needs doing (overdue milestones, then those due
in the next 14 days, the next check-in and the actions from the last one), then the phases with
their done milestones set apart; and the leader's welcome panel until they dismiss it.

Everything here reads the plan as loaded (records.readable_plan, records.plans_led_by load its
milestones and check-ins up front), so a page costs the same queries however long the plan is.
Overdue is Milestone.is_overdue, the window planning.is_due_within, the next check-in
checkins.next_due_for; the pages tag each milestone with plans.milestone_state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .. import plans
from ..models import CheckIn, Milestone, Plan, User, utcnow
from ..people import audit
from . import checkin_leader, checkins, planning, records

# "Due in the next 14 days" (planning.is_due_within: today and the 14th day both in).
WINDOW_DAYS = 14
# The welcome panel names this many of the leader's first open milestones.
FIRST_STEPS = 2


@dataclass(frozen=True)
class Phase:
    title: str
    open: list[Milestone]
    done: list[Milestone]
    not_applicable: list[Milestone] = field(default_factory=list)  # shown apart, not counted

    @property
    def total(self) -> int:
        return len(self.open) + len(self.done)


@dataclass(frozen=True)
class FirstScreen:
    overdue: list[Milestone]  # soonest due first
    coming_up: list[Milestone]  # open, not overdue, due within WINDOW_DAYS; soonest first
    next_checkin: date | None  # None once the plan is closed
    checkin_overdue: bool
    last_checkin: CheckIn | None
    phases: list[Phase]
    window_days: int = WINDOW_DAYS  # for the heading "Due in the next 14 days"

    @property
    def nothing_due(self) -> bool:
        return not self.overdue and not self.coming_up

    @property
    def last_actions(self) -> list[checkin_leader.Action]:
        """The last check-in's agreed actions, each with whether it is marked done."""
        return checkin_leader.action_items(self.last_checkin)


def is_coming_up(milestone: Milestone, on: date) -> bool:
    """Open, not overdue, and due on or before ``on`` + WINDOW_DAYS."""
    return milestone.is_open and planning.is_due_within(milestone.due_date, on, WINDOW_DAYS)


def _by_due(milestones) -> list[Milestone]:
    return sorted(milestones, key=lambda m: (m.due_date, m.position))


def latest_checkin(plan: Plan) -> CheckIn | None:
    """The newest of the plan's loaded check-ins (as checkins.latest orders them, without a query)."""
    return max(plan.checkins, key=lambda c: (c.held_on, c.id), default=None)


def phases(plan: Plan) -> list[Phase]:
    """The plan's phases in the order their first milestone appears, each with its open
    milestones, its done ones and its not-applicable ones apart (in plan order)."""
    return [
        Phase(title, [m for m in milestones if m.is_open], [m for m in milestones if m.is_done],
              [m for m in milestones if m.is_not_applicable])
        for title, milestones in records.milestones_by_phase(plan)
    ]


def first_screen(plan: Plan, on: date | None = None) -> FirstScreen:
    """What the plan's overview shows first on ``on`` (today by default). A closed plan is a
    record: nothing is due in it."""
    on = on or plans.today()
    last = latest_checkin(plan)
    phase_list = phases(plan)
    if plan.is_closed:
        return FirstScreen([], [], None, False, last, phase_list)
    overdue = _by_due(m for m in plan.milestones if m.is_overdue(on))
    coming_up = _by_due(m for m in plan.milestones if is_coming_up(m, on))
    next_on = checkins.next_due_for(plan, last)
    # As the dashboards say it: a paused plan is not chased for check-ins.
    return FirstScreen(overdue, coming_up, next_on, checkins.is_overdue(plan, next_on, on), last, phase_list)


# --- the welcome panel -----------------------------------------------------------------------


@dataclass(frozen=True)
class Welcome:
    plan: Plan
    first_steps: list[Milestone]  # the leader's own first open milestones, soonest first


def welcome(user: User, plan: Plan) -> Welcome | None:
    """The welcome panel for the leader of an open plan, until they dismiss it."""
    if user.welcome_dismissed_at is not None or plan.leader_id != user.id or not plan.is_open:
        return None
    own = _by_due(m for m in plan.milestones if m.owner == "leader" and m.is_open)
    return Welcome(plan, own[:FIRST_STEPS])


def dismiss_welcome(user: User, remote_addr: str | None = None) -> bool:
    """Hide the welcome panel for good. False, with nothing written, if it already was;
    the caller commits."""
    if user.welcome_dismissed_at is not None:
        return False
    user.welcome_dismissed_at = utcnow()
    audit.record(user, "user.welcome_dismiss", user, remote_addr)
    return True


# --- the pulse check ---------------------------------------------------------------------------


def pulse_due(user: User, plan: Plan, on: date | None = None):
    """The pulse check (a plans.pulses.Slot) "What needs doing" asks the leader to answer
    (plans.pulses.open_pulse); nobody else is asked."""
    from ..people import access  # here: the import lines at the top are shared with other work
    from . import pulses

    if not access.can_answer_pulse(user, plan):
        return None
    return pulses.open_pulse(plan, on or plans.today())
