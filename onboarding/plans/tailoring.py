"""Tailoring one plan: a milestone marked not applicable (with a reason) or applicable again,
a milestone added to this plan alone, and a milestone's due date or owner set by hand.

Who may is access.can_tailor / can_tailor_milestone; the pages, the API and anything else
call these functions, which judge the input (a PlanError naming the field), write, and audit
who did it and why. A rebase (rebase.py), extend and resume keep what is set here: the marks
live on the milestone (added, due_tailored, owner_tailored, not_applicable_reason).
Callers commit.
"""
from __future__ import annotations

import re
from datetime import date

from .. import plans
from ..extensions import db
from ..models import OWNER_ROLES, Milestone, Plan, User
from ..people import audit
from . import PlanError, dates, planning, records

MAX_REASON = 500
MAX_TITLE = 200  # the milestone's title column
MAX_DESCRIPTION = records.TEXT_MAX
# Roles an added milestone or a change may name; a mentor or buddy only when the plan has one.
OWNERS = OWNER_ROLES
# Playbook keys never hold "_" (playbooks.parsing.KEY_RE), so an added key never meets one a
# newer playbook version brings.
ADDED_PREFIX = "added_"
MAX_KEY = 80


def _reason(reason: str | None, missing: str | None) -> str | None:
    """The reason, stripped; ``missing`` is the message when it is required and not given."""
    reason = (reason or "").strip()
    if not reason:
        if missing:
            raise PlanError(missing, "reason")
        return None
    if len(reason) > MAX_REASON:
        raise PlanError(f"The reason must be {MAX_REASON} characters or fewer", "reason")
    return reason


def _open_plan(plan: Plan) -> None:
    if not plan.is_open:
        raise PlanError(f"This plan is {plan.status}, so it can no longer be changed", "status")


def owners(plan: Plan) -> list[str]:
    """The roles someone holds on ``plan``, so a milestone may be given to them."""
    has = {"mentor": plan.mentor_id is not None, "buddy": any(s.role == "buddy" for s in plan.supporters)}
    return [r for r in OWNERS if has.get(r, True)]


def _owner(plan: Plan, owner: str | None) -> str:
    if owner not in OWNERS:
        raise PlanError("Choose who owns the milestone", "owner")
    if owner not in owners(plan):
        raise PlanError(f"This plan has no {owner}: choose someone else", "owner")
    return owner


def _due(plan: Plan, owner: str, due: date | None, on_site: bool = False) -> date:
    """A due date in the planning years, on a working day of the owner (the leader's own days,
    never a weekend or bank holiday; for the leader's on-site milestones a day on site), and no
    later than the plan's end."""
    if due is None:
        raise PlanError("Enter the due date", "due")
    if problem := planning.date_problem(due, "The due date"):
        raise PlanError(problem, "due")
    if due > plan.end_date:
        raise PlanError(f"The due date must be on or before the plan's end, {dates.day(plan.end_date)}", "due")
    if not plans.role_calendar(plan, owner).is_working_day(due):
        whose = "one of the leader's working days" if owner == "leader" else "a working day"
        raise PlanError(f"The due date must be {whose}, not a weekend or bank holiday: "
                        f"{dates.weekday(due)} is not", "due")
    site = planning.on_site_calendar(plan.working_day_list, plans.on_site_day_list(plan))
    if on_site and owner == "leader" and not site.is_working_day(due):
        raise PlanError(f"This milestone is done on site: the due date must be a day the leader is on site, "
                        f"and {dates.weekday(due)} is not", "due")
    return due


# --- not applicable -----------------------------------------------------------------------------


def mark_not_applicable(milestone: Milestone, actor: User, reason: str | None, remote_addr=None) -> None:
    """An open milestone is not applicable to this plan: never nudged, not counted."""
    _open_plan(milestone.plan)
    reason = _reason(reason, "Enter why this milestone is not applicable")
    if not plans._change_milestone(milestone, Milestone.is_open, status="not_applicable",
                                   not_applicable_reason=reason):
        raise PlanError(f"Only a milestone still to do can be marked not applicable; this one is "
                        f"{milestone.status.replace('_', ' ')}", "status")
    audit.record(actor, "milestone.not_applicable", milestone, remote_addr, plan=milestone.plan_id,
                 key=milestone.key, reason=reason)


def mark_applicable(milestone: Milestone, actor: User, reason: str | None = None, remote_addr=None) -> None:
    """Undo mark_not_applicable: the milestone is to do again (its due date unchanged)."""
    _open_plan(milestone.plan)
    reason = _reason(reason, None)
    if not plans._change_milestone(milestone, Milestone.status == "not_applicable", status="todo",
                                   not_applicable_reason=None):
        raise PlanError("This milestone is not marked not applicable", "status")
    audit.record(actor, "milestone.applicable", milestone, remote_addr, plan=milestone.plan_id,
                 key=milestone.key, reason=reason)


# --- adding a milestone ------------------------------------------------------------------------


def _key(plan: Plan, title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "milestone"
    base = (ADDED_PREFIX + slug)[:MAX_KEY - 4].rstrip("-")
    taken = {m.key for m in plan.milestones}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def phases(plan: Plan) -> list[tuple[str, str]]:
    """(key, title) of the phases a milestone may be added to: the playbook's, in its order."""
    return [(p["key"], p["title"]) for p in plan.playbook_version.phases]


def _week(plan: Plan, due: date) -> int:
    """The playbook week a date stands for (negative before the start), as a pinned slot."""
    days = (due - plan.start_date).days
    return days // 7 + 1 if days >= 0 else -((-days + 6) // 7)


def add_milestone(plan: Plan, actor: User, *, title: str | None, description: str | None, owner: str | None,
                  due: date | None, phase: str | None, reason: str | None, remote_addr=None) -> Milestone:
    """A milestone of this plan alone, placed among the others in due-date order."""
    _open_plan(plan)
    title = (title or "").strip()
    if not title:
        raise PlanError("Enter the milestone's title", "title")
    if len(title) > MAX_TITLE:
        raise PlanError(f"The title must be {MAX_TITLE} characters or fewer", "title")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise PlanError(f"The description must be {MAX_DESCRIPTION} characters or fewer", "description")
    phase_titles = dict(phases(plan))
    if phase not in phase_titles:
        raise PlanError("Choose the phase it belongs to", "phase")
    owner = _owner(plan, owner)
    due = _due(plan, owner, due)
    reason = _reason(reason, "Enter why this plan needs the milestone")
    same_phase = next((m for m in plan.milestones if m.phase == phase), None)
    milestone = Milestone(
        key=_key(plan, title), title=title, description=description, phase=phase,
        phase_title=phase_titles[phase], category=same_phase.category if same_phase else "induction_governance",
        owner=owner, week=_week(plan, due), pinned=True, required=False, due_date=due, status="todo",
        added=True, due_tailored=True,
    )
    # Due-date order: after every milestone due on or before it.
    ordered = list(plan.milestones)
    at = next((i for i, m in enumerate(ordered) if m.due_date > due), len(ordered))
    ordered.insert(at, milestone)
    for position, m in enumerate(ordered):
        m.position = position
    plan.milestones.append(milestone)
    db.session.flush()
    audit.record(actor, "milestone.add", milestone, remote_addr, plan=plan.id, key=milestone.key, title=title,
                 owner=owner, due=due.isoformat(), reason=reason)
    return milestone


# --- changing a due date or owner ---------------------------------------------------------------


def change(milestone: Milestone, actor: User, *, due: date | None = None, owner: str | None = None,
           reason: str | None, remote_addr=None) -> None:
    """Set a milestone's due date, owner or both by hand; a rebase, extend or resume keeps them."""
    plan = milestone.plan
    _open_plan(plan)
    if not milestone.is_open:
        raise PlanError(f"Only a milestone still to do can change; this one is "
                        f"{milestone.status.replace('_', ' ')}", "status")
    new_owner = _owner(plan, owner) if owner else milestone.owner
    if due is None and new_owner != milestone.owner:
        due = milestone.due_date  # a new owner must be able to do it on the day it is due
    new_due = _due(plan, new_owner, due, milestone.on_site) if due is not None else milestone.due_date
    if (new_due, new_owner) == (milestone.due_date, milestone.owner):
        raise PlanError("Enter a new due date or choose a new owner", "due")
    reason = _reason(reason, "Enter why it changes")
    detail = {}
    if new_due != milestone.due_date:
        detail.update(due_from=milestone.due_date.isoformat(), due_to=new_due.isoformat())
        milestone.due_date, milestone.due_tailored = new_due, True
    if new_owner != milestone.owner:
        detail.update(owner_from=milestone.owner, owner_to=new_owner)
        milestone.owner, milestone.owner_tailored = new_owner, True
    audit.record(actor, "milestone.change", milestone, remote_addr, plan=plan.id, key=milestone.key,
                 reason=reason, **detail)


# --- what the plan says about it ----------------------------------------------------------------


def summary(plan: Plan) -> str | None:
    """"tailored: 2 not applicable, 1 added, 1 re-dated, 1 new owner", or None if untailored."""
    counts = (
        (sum(1 for m in plan.milestones if m.is_not_applicable), "not applicable"),
        (sum(1 for m in plan.milestones if m.added), "added"),
        (sum(1 for m in plan.milestones if m.due_tailored and not m.added), "re-dated"),
        (sum(1 for m in plan.milestones if m.owner_tailored and not m.added), "new owner"),
    )
    parts = [f"{n} {what}" + ("s" if what == "new owner" and n > 1 else "") for n, what in counts if n]
    return "tailored: " + ", ".join(parts) if parts else None
