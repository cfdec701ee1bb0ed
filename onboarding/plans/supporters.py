"""A plan's further supporters: a buddy, an executive assistant and peer mentors.

HR names and removes them on the plan administration page; the leader nominates peer
mentors (inviting anyone new). What each may see and do is in people.access. Callers commit.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import plans
from ..extensions import db
from ..models import SUPPORTER_ROLES, Milestone, Plan, PlanSupporter, User
from ..people import access, accounts, audit
from .dashboards import OwnedMilestone

LABELS = {"buddy": "Buddy", "assistant": "Executive assistant", "peer_mentor": "Peer mentor"}
# A plan has one buddy and one assistant at most; as many peer mentors as the leader asks for.
SINGLE = {"buddy", "assistant"}
MAX_PEER_MENTORS = 5


class SupporterError(ValueError):
    """A supporter change refused; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def of_plan(plan: Plan) -> list[PlanSupporter]:
    """The plan's supporters, buddy first, then the assistant, then peer mentors by name."""
    order = {role: n for n, role in enumerate(SUPPORTER_ROLES)}
    return sorted(plan.supporters, key=lambda s: (order[s.role], s.user.name, s.id))


def holder(plan: Plan, role: str) -> User | None:
    """The plan's buddy or assistant (a single role), or None."""
    return next((s.user for s in plan.supporters if s.role == role), None)


def check(plan: Plan, user: User | None, role: str, field: str = "person") -> None:
    """Why ``user`` cannot become ``role`` on ``plan``, as a SupporterError, else nothing."""
    _check_plan(plan, role, field)
    if user is None:
        raise SupporterError("There is no user with that email address; invite them from the users page first", field)
    if not user.active:
        raise SupporterError(f"{user.name} is deactivated; choose someone else", field)
    if user.id == plan.leader_id:
        raise SupporterError("The leader cannot support their own plan", field)
    if user.id in (plan.sponsor_id, plan.mentor_id):
        raise SupporterError(f"{user.name} is already this plan's {'sponsor' if user.id == plan.sponsor_id else 'mentor'}",
                             field)
    if any(s.user_id == user.id and s.role == role for s in plan.supporters):
        raise SupporterError(f"{user.name} is already this plan's {LABELS[role].lower()}", field)


def _check_plan(plan: Plan, role: str, field: str) -> None:
    """Whether the plan can take another ``role`` at all, whoever it is."""
    if role not in SUPPORTER_ROLES:
        raise SupporterError("Choose buddy, executive assistant or peer mentor", "role")
    if not plan.is_open:
        raise SupporterError(f"This plan is {plan.status}; its supporters can no longer change", field)
    if role in SINGLE and holder(plan, role) is not None:
        raise SupporterError(f"The plan already has {'a buddy' if role == 'buddy' else 'an executive assistant'}; "
                             "remove them first", field)
    if role == "peer_mentor" and sum(s.role == role for s in plan.supporters) >= MAX_PEER_MENTORS:
        raise SupporterError(f"A plan can have at most {MAX_PEER_MENTORS} peer mentors", field)


def add(plan: Plan, user: User | None, role: str, actor: User, remote_addr=None, field: str = "person") -> PlanSupporter:
    """Name ``user`` as ``role`` on ``plan`` (checked first: nothing is written on a refusal)."""
    check(plan, user, role, field)
    row = PlanSupporter(plan=plan, user=user, role=role, created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "plan.supporter_add", plan, remote_addr, role=role, email=user.email)
    return row


def remove(plan: Plan, supporter_id: int, actor: User, remote_addr=None) -> PlanSupporter:
    """Take a supporter off the plan: their access to it ends with the row."""
    row = next((s for s in plan.supporters if s.id == supporter_id), None)
    if row is None:
        raise SupporterError("That person no longer supports this plan", "supporter")
    if not plan.is_open:
        raise SupporterError(f"This plan is {plan.status}; its supporters can no longer change", "supporter")
    plan.supporters.remove(row)
    audit.record(actor, "plan.supporter_remove", plan, remote_addr, role=row.role, email=row.user.email)
    return row


def nominate_peer_mentor(plan: Plan, leader: User, name: str, email: str, remote_addr=None) -> tuple[User, bool]:
    """The leader names a peer mentor by email: an existing user, or a new one created here
    (the caller sends the invite). Returns (the user, whether they are new)."""
    found = accounts.find_user(email or "")
    if found is not None:
        add(plan, found, "peer_mentor", leader, remote_addr, field="email")
        return found, False
    _check_plan(plan, "peer_mentor", "email")  # before anyone new is created
    try:
        user = accounts.create_user(email, name, actor=leader, remote_addr=remote_addr)
    except accounts.AccountError as exc:
        raise SupporterError(str(exc), exc.field) from exc
    add(plan, user, "peer_mentor", leader, remote_addr, field="email")
    return user, True


def plans_supported_by(user: User) -> list[tuple[Plan, list[str]]]:
    """The plans ``user`` supports, with their roles on each: open plans first, newest first."""
    rows = db.session.scalars(
        sa.select(PlanSupporter).join(Plan).where(PlanSupporter.user_id == user.id)
        .options(joinedload(PlanSupporter.plan).joinedload(Plan.leader))
        .order_by(Plan.is_closed, Plan.start_date.desc(), Plan.id, PlanSupporter.role)
    ).all()
    found: dict[int, tuple[Plan, list[str]]] = {}
    for row in rows:
        found.setdefault(row.plan_id, (row.plan, []))[1].append(row.role)
    return list(found.values())


def delegable_milestones(user: User, today: date | None = None) -> list[OwnedMilestone]:
    """Open delegable leader milestones on the running plans ``user`` is the assistant of,
    soonest first: what they may complete for the leader (in the shape of the owner lists)."""
    found = db.session.scalars(
        sa.select(Milestone).join(Plan, Plan.id == Milestone.plan_id)
        .where(access.in_role(user, "assistant"), Plan.is_open, Milestone.is_open,
               Milestone.owner == "leader", Milestone.delegable.is_(True))
        .options(joinedload(Milestone.plan).joinedload(Plan.leader))
        .order_by(Milestone.due_date, Milestone.plan_id, Milestone.position)
    )
    return [OwnedMilestone(m.id, m.plan_id, m.title, m.due_date, plans.milestone_state(m, today), m.plan.leader.name)
            for m in found]


def completed_by(milestone: Milestone) -> str:
    """Who completed a done milestone, as pages and exports say it: a leader's milestone done
    by someone else (the assistant, or HR) reads "Ann Assistant for Lee Leader"."""
    person = milestone.completed_by
    if person is None:
        return ""
    plan = milestone.plan
    if milestone.owner == "leader" and person.id != plan.leader_id:
        return f"{person.name} for {plan.leader.name}"
    return person.name


def without_buddy():
    """SQL condition on Plan: it has an open buddy-owned milestone but no buddy to do it."""
    return sa.and_(
        sa.exists().where(Milestone.plan_id == Plan.id, Milestone.owner == "buddy", Milestone.is_open),
        ~sa.exists().where(PlanSupporter.plan_id == Plan.id, PlanSupporter.role == "buddy"),
    )
