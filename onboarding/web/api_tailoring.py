"""The API's part of tailoring one plan (plans.tailoring): not applicable and applicable
again, adding a milestone, and a new due date or owner. Routes of the API blueprint (api.py),
under the same token and access rules: a plan the user may not read, or may not tailor, is 404;
a closed plan, or a milestone in the wrong state, is 409; bad input is 422 naming the field."""
from __future__ import annotations

from flask import abort, url_for

from .. import plans
from ..extensions import db
from ..models import Milestone, Plan
from ..people import access
from ..plans import tailoring
from . import api_models as shapes
from . import remote_addr
from .api import _body, _plan_or_404, _user, bp, error, reply
from .api_schema import LOCATION, operation

HR_OR_LEADER = "HR on any milestone; the plan's leader only on milestones they added themselves"
ADDERS = "HR, or the plan's leader"
CONFLICT = "The plan is closed, or the milestone is not in a state that allows it."


def _tailorable_milestone(plan_id: int, key: str) -> Milestone:
    plan = _plan_or_404(plan_id)
    milestone = next((m for m in plan.milestones if m.key == key), None)
    if milestone is None:
        abort(error(404, "Not found"))
    if not access.can_tailor_milestone(_user(), milestone):
        # Who could tailor it were it open hears why not; anyone else, that there is nothing here.
        abort(_closed(plan) if plan.is_closed and access.roles(_user(), plan) & {"hr", "leader"}
              else error(404, "Not found"))
    return milestone


def _closed(plan: Plan):
    return error(409, f"This plan is {plan.status}, so it can no longer be changed")


def _refused(exc: plans.PlanError):
    db.session.rollback()
    return error(409 if exc.field == "status" else 422, str(exc), None if exc.field == "status" else exc.field)


@bp.get("/plans/<int:plan_id>/milestones/<key>")
@operation("getMilestone", "One milestone of a plan", "the plan's leader, sponsor and mentor, and HR",
           errors=(404,), ok={200: (shapes.Milestone, "The milestone.")})
def get_milestone(plan_id: int, key: str):
    milestone = next((m for m in _plan_or_404(plan_id).milestones if m.key == key), None)
    if milestone is None:
        return error(404, "Not found")
    return reply(shapes.Milestone.of(milestone))


@bp.post("/plans/<int:plan_id>/milestones/<key>/not-applicable")
@operation("markMilestoneNotApplicable", "Mark a milestone not applicable to this plan, with a reason",
           HR_OR_LEADER, body=shapes.NotApplicable, errors=(404, 409), conflict=CONFLICT,
           ok={200: (shapes.Milestone, "The milestone, now not applicable: never nudged, not counted.")})
def mark_not_applicable(plan_id: int, key: str):
    milestone = _tailorable_milestone(plan_id, key)
    body = _body(shapes.NotApplicable)
    try:
        tailoring.mark_not_applicable(milestone, _user(), body.reason, remote_addr())
    except plans.PlanError as exc:
        return _refused(exc)
    db.session.commit()
    return reply(shapes.Milestone.of(milestone))


@bp.post("/plans/<int:plan_id>/milestones/<key>/applicable")
@operation("markMilestoneApplicable", "Make a not-applicable milestone applicable again", HR_OR_LEADER,
           body=shapes.Applicable, body_required=False, errors=(404, 409), conflict=CONFLICT,
           ok={200: (shapes.Milestone, "The milestone, to do again.")})
def mark_applicable(plan_id: int, key: str):
    milestone = _tailorable_milestone(plan_id, key)
    body = _body(shapes.Applicable, required=False) or shapes.Applicable()
    try:
        tailoring.mark_applicable(milestone, _user(), body.reason, remote_addr())
    except plans.PlanError as exc:
        return _refused(exc)
    db.session.commit()
    return reply(shapes.Milestone.of(milestone))


@bp.post("/plans/<int:plan_id>/milestones")
@operation("addMilestone", "Add a milestone to this plan alone", ADDERS, body=shapes.NewMilestone,
           errors=(404, 409), conflict="The plan is closed.",
           ok={201: (shapes.Milestone, "The new milestone, marked added.", LOCATION)})
def add_milestone(plan_id: int):
    plan = _plan_or_404(plan_id)
    if not access.can_tailor(_user(), plan):
        return _closed(plan) if plan.is_closed and access.roles(_user(), plan) & {"hr", "leader"} \
            else error(404, "Not found")
    new = _body(shapes.NewMilestone)
    try:
        milestone = tailoring.add_milestone(plan, _user(), **new.model_dump(), remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _refused(exc)
    db.session.commit()
    return reply(shapes.Milestone.of(milestone), 201,
                 {"Location": url_for("api.get_milestone", plan_id=plan.id, key=milestone.key)})


@bp.patch("/plans/<int:plan_id>/milestones/<key>")
@operation("changeMilestone", "Set a milestone's due date or owner on this plan", HR_OR_LEADER,
           body=shapes.MilestoneChange, errors=(404, 409), conflict=CONFLICT,
           ok={200: (shapes.Milestone, "The milestone with its new due date or owner.")})
def change_milestone(plan_id: int, key: str):
    milestone = _tailorable_milestone(plan_id, key)
    body = _body(shapes.MilestoneChange)
    try:
        tailoring.change(milestone, _user(), due=body.due, owner=body.owner, reason=body.reason,
                         remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _refused(exc)
    db.session.commit()
    return reply(shapes.Milestone.of(milestone))
