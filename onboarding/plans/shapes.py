"""A plan and its milestones as JSON: the shape of `onboarding plans show --json` and the API
(web/api_models describes it), kept apart from the plan service that changes plans."""
from __future__ import annotations

from ..models import Milestone, Plan


def as_json(plan: Plan) -> dict:
    """The plan as one JSON object: the shape of `plans show --json` and the API."""
    from . import on_site_day_list  # the plan service imports this module first

    return {
        "id": plan.id,
        "leader": plan.leader.email,
        "sponsor": plan.sponsor.email,
        "mentor": plan.mentor.email if plan.mentor else None,
        "playbook": plan.playbook_version.playbook.slug,
        "playbook_version": plan.playbook_version.number,
        "start": plan.start_date.isoformat(),
        "end": plan.end_date.isoformat(),
        "months": plan.months,
        "working_days": plan.working_day_list,
        "on_site_days": on_site_day_list(plan),
        "status": plan.status,
        "pause_reason": plan.pause_reason,
        "expected_return_on": plan.expected_return_on.isoformat() if plan.expected_return_on else None,
        "esr_number": plan.esr_number, "external_id": plan.external_id,  # people.identifiers
        "milestones": [milestone_json(m) for m in plan.milestones],
    }


def milestone_json(m: Milestone) -> dict:
    """``added`` only on milestones added to this plan, ``not_applicable_reason`` only on
    those marked not applicable."""
    shown = {
        "key": m.key,
        "title": m.title,
        "phase": m.phase,
        "category": m.category,
        "owner": m.owner,
        "due": m.due_date.isoformat(),
        "status": m.status,
    }
    if m.added:
        shown["added"] = True
    if m.is_not_applicable:
        shown["not_applicable_reason"] = m.not_applicable_reason
    return shown
