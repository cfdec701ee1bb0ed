"""Every "may this user do this to that object" decision, in one place.

It follows the access table in docs/architecture.md. A plan's roles (leader, sponsor, mentor) come from
the plan itself, its supporters' (buddy, assistant, peer_mentor) from its PlanSupporter rows; HR is
a flag on the user. Callers turn a refusal of something the user may not see into a 404.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import MAX_ID, SUPPORTER_ROLES, Milestone, Plan, PlanSupporter, get_by_id


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
    found.update(s.role for s in plan.supporters if s.user_id == user.id)
    if user.is_hr:
        found.add("hr")
    return found


def can_read_plan(user, plan: Plan) -> bool:
    return bool(roles(user, plan))


def can_change_milestone(user, milestone: Milestone) -> bool:
    """Complete or reopen: the milestone's owner role (a buddy's for the buddy), HR for any, and
    the plan's assistant for the leader's delegable (administrative) ones."""
    held = roles(user, milestone.plan)
    if "hr" in held or milestone.owner in held and milestone.owner != "hr":
        return True
    return "assistant" in held and milestone.owner == "leader" and milestone.delegable


def completes_for_leader(user, milestone: Milestone) -> bool:
    """The user may change this milestone only as the plan's assistant, on the leader's behalf."""
    held = roles(user, milestone.plan)
    return can_change_milestone(user, milestone) and not held & {"hr", milestone.owner}


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


def can_prepare_checkin(user, plan: Plan) -> bool:
    """Write the agenda and reflection for the next check-in: the plan's leader."""
    return "leader" in roles(user, plan)


def can_respond_to_checkin(user, checkin) -> bool:
    """Acknowledge a check-in ("I have read this") and comment on its actions: the plan's leader."""
    return "leader" in roles(user, checkin.plan)


def can_mark_checkin_actions(user, checkin) -> bool:
    """Tick a check-in's agreed actions done or not: the two people who agreed them, the plan's
    leader and its sponsor (not the mentor, supporters or HR, who read them)."""
    return bool(roles(user, checkin.plan) & {"leader", "sponsor"})


def can_read_leader_side(user, plan: Plan) -> bool:
    """The leader's agenda, reflection, comments and acknowledgement: written for the sponsor,
    so the leader, the sponsor and HR read them; the mentor and supporters do not."""
    return bool(roles(user, plan) & {"leader", "sponsor", "hr"})


def can_read_stakeholder_notes(user, stakeholder) -> bool:
    """Notes on the stakeholder map: whoever reads the plan, unless the leader marked them
    private; then the leader alone. ``user`` None is paper (the printable page, exports),
    which may travel, so it never carries private notes."""
    if user is None:
        return not stakeholder.notes_private
    held = roles(user, stakeholder.plan)
    return "leader" in held if stakeholder.notes_private else bool(held)


def is_hr(user) -> bool:
    """Create plans, reassign, pause, extend, close; playbooks, users, cohort reports."""
    return _ok(user) and user.is_hr


# The plan's column naming the person in each role; HR-owned milestones belong to the plan's HR contact.
ROLE_COLUMNS = {"leader": Plan.leader_id, "sponsor": Plan.sponsor_id, "mentor": Plan.mentor_id}
PLAN_ROLES = tuple(ROLE_COLUMNS) + SUPPORTER_ROLES


def _holds(role: str, user_id: int):
    """SQL condition on Plan: ``user_id`` holds ``role`` on it (a column, or a supporter row)."""
    if role in ROLE_COLUMNS:
        return ROLE_COLUMNS[role] == user_id
    return sa.exists().where(PlanSupporter.plan_id == Plan.id, PlanSupporter.user_id == user_id,
                             PlanSupporter.role == role)


def in_role(user, *roles: str):
    """SQL condition on Plan: the user is one of ``roles`` (leader, sponsor, mentor, buddy,
    assistant, peer_mentor; all of them when none are named) on the plan, whatever its status."""
    if not _ok(user):
        return sa.false()
    if not roles:
        # Every supporter role in one subquery rather than three.
        return sa.or_(*(ROLE_COLUMNS[r] == user.id for r in ROLE_COLUMNS),
                      sa.exists().where(PlanSupporter.plan_id == Plan.id, PlanSupporter.user_id == user.id))
    return sa.or_(*(_holds(r, user.id) for r in roles))


def plans_in_role(user, *roles: str) -> sa.Select:
    """A query for the plans where the user is one of ``roles`` (see in_role)."""
    return sa.select(Plan).where(in_role(user, *roles))


def visible_plans(user) -> sa.Select:
    """A query for every plan the user may read."""
    return sa.select(Plan) if is_hr(user) else plans_in_role(user)


def roles_held(user) -> set[str]:
    """The roles a user holds on any plan, whatever its status (a closed plan stays
    readable), plus HR, plus "supporter" when they hold any supporter role: what the
    navigation and the home page offer them."""
    if not _ok(user):
        return set()
    held = db.session.execute(
        sa.select(*(sa.exists().where(column == user.id) for column in ROLE_COLUMNS.values()),
                  *(sa.exists().where(PlanSupporter.user_id == user.id, PlanSupporter.role == role)
                    for role in SUPPORTER_ROLES))
    ).one()
    found = {role for role, yes in zip(PLAN_ROLES, held) if yes} | ({"hr"} if user.is_hr else set())
    return found | ({"supporter"} if found & set(SUPPORTER_ROLES) else set())


def owns_milestone(user):
    """SQL condition (Milestone joined to Plan): the milestone's owner role is the user's on
    its plan, HR-owned ones being the plan's HR contact's, buddy-owned ones the plan's buddy's."""
    columns = ROLE_COLUMNS | {"hr": Plan.hr_contact_id}
    return sa.or_(*(sa.and_(Milestone.owner == role, column == user.id) for role, column in columns.items()),
                  sa.and_(Milestone.owner == "buddy", _holds("buddy", user.id)))


def plan_for(user, plan_id: int, *options) -> Plan | None:
    """The plan if the user may read it, else None (the caller answers 404). ``options``
    (loader options) load what the caller shows with it in the same query."""
    if not options:
        plan = get_by_id(Plan, plan_id)
    elif 0 < plan_id <= MAX_ID:
        plan = db.session.scalars(sa.select(Plan).where(Plan.id == plan_id).options(*options)).unique().one_or_none()
    else:
        plan = None
    return plan if plan is not None and can_read_plan(user, plan) else None


# Completed and withdrawn plans are kept as a read-only record (docs/architecture.md: progress and
# history must not vanish or drift once onboarding ends). The two checks below add that
# rule to the role checks above; pages that change things should use them.
def plan_is_closed(plan: Plan) -> bool:
    return plan.is_closed


def milestone_refusal(user, milestone: Milestone) -> str | None:
    """Why the user may not complete or reopen the milestone now: "not_allowed" (not its owner
    role, nor HR), "closed" (the plan is kept as a record), or None when they may."""
    if not can_change_milestone(user, milestone):
        return "not_allowed"
    if plan_is_closed(milestone.plan):
        return "closed"
    return None


def can_update_milestone(user, milestone: Milestone) -> bool:
    """Complete or reopen now: the owner-role rule, and the plan is not closed."""
    return milestone_refusal(user, milestone) is None


def can_write_leader_records(user, plan: Plan) -> bool:
    """Add, edit or remove stakeholders, interviews and goals now: the leader, plan not closed."""
    return can_edit_leader_records(user, plan) and not plan_is_closed(plan)


# --- tailoring one plan (plans.tailoring) -----------------------------------------------------


def can_tailor(user, plan: Plan) -> bool:
    """Add a milestone to an open plan: HR, or the plan's leader (who may then change or mark
    not applicable only the milestones they added: can_tailor_milestone)."""
    return plan.is_open and bool(roles(user, plan) & {"hr", "leader"})


def can_tailor_milestone(user, milestone: Milestone) -> bool:
    """Mark not applicable or applicable again, change the due date or owner: HR on any
    milestone of an open plan; the leader on a milestone they added themselves (the audit
    trail's milestone.add names who added it)."""
    plan = milestone.plan
    held = roles(user, plan)
    if not plan.is_open or not held & {"hr", "leader"}:
        return False
    if "hr" in held:
        return True
    from ..models import AuditEvent  # here, not at the top: one import line is shared with other work

    return milestone.added and milestone.id is not None and bool(db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.action == "milestone.add", AuditEvent.object_type == "milestone",
        AuditEvent.object_id == milestone.id, AuditEvent.actor_id == user.id))))


# --- concerns raised in confidence (plans.concerns) -------------------------------------------
# HR and, if the leader chose, the mentor; never the sponsor, even one with HR rights.


def can_raise_concern(user, plan: Plan) -> bool:
    """The plan's leader, while the plan is not closed."""
    return "leader" in roles(user, plan) and not plan_is_closed(plan)


def can_read_concern(user, concern) -> bool:
    """The leader who raised it, HR, and the mentor when it was shared with them; never the
    plan's sponsor."""
    held = roles(user, concern.plan)
    if not held or "sponsor" in held:
        return False
    if concern.raised_by_id == user.id:
        return True
    return bool("hr" in held and "leader" not in held or "mentor" in held and concern.share_with_mentor)


def can_follow_up_concern(user, concern) -> bool:
    """HR, but not about a plan they lead or sponsor."""
    held = roles(user, concern.plan)
    return "hr" in held and not held & {"leader", "sponsor"}


def can_read_follow_up_note(user, concern) -> bool:
    """HR's note on what was done is HR's: the same people who may follow up."""
    return can_follow_up_concern(user, concern)


def follows_up_concerns(user):
    """SQL condition on Plan (joined to the concern): plans whose concerns the user may follow
    up (can_follow_up_concern), for HR's "Needs attention"."""
    if not is_hr(user):
        return sa.false()
    return sa.and_(Plan.leader_id != user.id, Plan.sponsor_id != user.id)


# --- pulse checks (plans.pulses) ----------------------------------------------------------------


def can_answer_pulse(user, plan: Plan) -> bool:
    """The leader answers their own pulse checks, while the plan is running."""
    return "leader" in roles(user, plan) and plan.is_active


def can_read_pulses(user, plan: Plan) -> bool:
    """The plan's pulse page: the leader (their history), HR (every answer), the sponsor (what
    was shared with them); anyone else is not told the plan has pulses (404)."""
    return bool(roles(user, plan) & {"leader", "hr", "sponsor"})


def can_read_pulse(user, pulse) -> bool:
    """One pulse's answers: the leader and HR always; the sponsor only when the leader shared it."""
    held = roles(user, pulse.plan)
    return bool(held & {"leader", "hr"}) or ("sponsor" in held and pulse.shared_with_sponsor)
