"""Every "may this user do this to that object" decision, in one place.

It follows DESIGN.md's table. A plan's roles (leader, sponsor, mentor) come from
the plan itself; HR is a flag on the user. Callers turn a refusal of something the
user may not see into a 404.
"""
from __future__ import annotations

import sqlalchemy as sa

from .models import Milestone, Plan, get_by_id


def _ok(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def roles(user, plan: Plan) -> set[str]:
    if not _ok(user):
        return set()
    found = set()
    if plan.leader_id == user.id:
        found.add("leader")
    if plan.sponsor_id == user.id:
        found.add("sponsor")
    if plan.mentor_id is not None and plan.mentor_id == user.id:
        found.add("mentor")
    if user.is_hr:
        found.add("hr")
    return found


def can_read_plan(user, plan: Plan) -> bool:
    return bool(roles(user, plan))


def can_change_milestone(user, milestone: Milestone) -> bool:
    """Complete or reopen: the milestone's owner role, or HR for any."""
    held = roles(user, milestone.plan)
    return "hr" in held or milestone.owner in held and milestone.owner != "hr"


def can_edit_leader_records(user, plan: Plan) -> bool:
    """Stakeholders, clinician interviews and goals belong to the leader."""
    return "leader" in roles(user, plan)


def can_log_checkin(user, plan: Plan) -> bool:
    return "sponsor" in roles(user, plan)


def can_edit_checkin(user, checkin) -> bool:
    return can_log_checkin(user, checkin.plan) and checkin.sponsor_id == user.id


def can_read_private_notes(user, plan: Plan) -> bool:
    """Check-in private notes: the plan's sponsor or HR, but never the plan's own leader, even
    one who also holds HR rights (the notes are about them)."""
    held = roles(user, plan)
    return "leader" not in held and bool(held & {"sponsor", "hr"})


def is_hr(user) -> bool:
    """Create plans, reassign, pause, extend, close; playbooks, users, cohort reports."""
    return _ok(user) and user.is_hr


def visible_plans(user) -> sa.Select:
    """A query for every plan the user may read."""
    query = sa.select(Plan)
    if not _ok(user):
        return query.where(sa.false())
    if user.is_hr:
        return query
    return query.where(
        sa.or_(Plan.leader_id == user.id, Plan.sponsor_id == user.id, Plan.mentor_id == user.id)
    )


def plan_for(user, plan_id: int) -> Plan | None:
    """The plan if the user may read it, else None (the caller answers 404)."""
    plan = get_by_id(Plan, plan_id)
    return plan if plan is not None and can_read_plan(user, plan) else None


# Completed and withdrawn plans are kept as a read-only record (DESIGN.md: progress and
# history must not vanish or drift once onboarding ends). The two checks below add that
# rule to the role checks above; pages that change things should use them.
CLOSED_PLAN_STATUSES = ("completed", "withdrawn")


def plan_is_closed(plan: Plan) -> bool:
    return plan.status in CLOSED_PLAN_STATUSES


def can_update_milestone(user, milestone: Milestone) -> bool:
    """Complete or reopen now: the owner-role rule, and the plan is not closed."""
    return can_change_milestone(user, milestone) and not plan_is_closed(milestone.plan)


def can_write_leader_records(user, plan: Plan) -> bool:
    """Add, edit or remove stakeholders, interviews and goals now: the leader, plan not closed."""
    return can_edit_leader_records(user, plan) and not plan_is_closed(plan)
