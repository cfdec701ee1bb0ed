"""Tailoring one plan from its pages (plans.tailoring; who may is access.can_tailor and
can_tailor_milestone): add a milestone, mark one not applicable or applicable again, change
its due date or owner. Routes of the leader blueprint (leader.py), which every plan page uses:
a plan the user may not read is a 404, a readable one they may not tailor a 403."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from .. import plans
from ..extensions import db
from ..people import access
from ..plans import tailoring
from . import remote_addr
from . import tailoring_forms as forms
from .leader import _forbidden, _milestone_or_404, _plan_or_404, _render_milestone, bp

REFUSED = "Only HR, or the leader for a milestone they added themselves, can change this milestone."


def _me():
    return current_user._get_current_object()


def _put_on_form(form, exc: plans.PlanError) -> None:
    """The domain's refusal next to its field, or above the form."""
    message = str(exc)
    if exc.field in form and exc.field != "csrf_token":
        form[exc.field].errors.append(message)
    else:
        form.form_errors.append(message)


def _tailorable(plan_id: int, milestone_id: int):
    plan = _plan_or_404(plan_id)
    milestone = _milestone_or_404(plan, milestone_id)
    if not access.can_tailor_milestone(current_user, milestone):
        closed = access.plan_is_closed(plan)
        return plan, milestone, _forbidden(plan, f"This plan is {plan.status} and can no longer change." if closed
                                           else REFUSED)
    return plan, milestone, None


def _milestone_action(plan_id: int, milestone_id: int, form_class, form_name: str, act, done: str):
    """Validate the posted form, call ``act(milestone, form)``, commit and go back to the
    milestone; or show its page again with the refusal next to the field (status 400)."""
    plan, milestone, refusal = _tailorable(plan_id, milestone_id)
    if refusal:
        return refusal
    form = form_class(prefix=forms.PREFIXES[form_class])
    if form_class is forms.ChangeMilestoneForm:
        form.owner.choices = forms.owner_choices(plan)
    if form.validate_on_submit():
        try:
            act(milestone, form)
        except plans.PlanError as exc:
            db.session.rollback()
            _put_on_form(form, exc)
        else:
            db.session.commit()
            flash(done.format(title=milestone.title), "success")
            return redirect(url_for(".milestone", plan_id=plan.id, milestone_id=milestone.id))
    return _render_milestone(plan, milestone, None, 400, **{form_name: form})


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/not-applicable")
def milestone_not_applicable(plan_id: int, milestone_id: int):
    return _milestone_action(
        plan_id, milestone_id, forms.NotApplicableForm, "na_form",
        lambda m, f: tailoring.mark_not_applicable(m, _me(), f.reason.data, remote_addr()),
        "‘{title}’ is not applicable to this plan: nobody is reminded of it and it is not counted.")


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/applicable")
def milestone_applicable(plan_id: int, milestone_id: int):
    return _milestone_action(
        plan_id, milestone_id, forms.ApplicableForm, "applicable_form",
        lambda m, f: tailoring.mark_applicable(m, _me(), f.reason.data, remote_addr()),
        "‘{title}’ applies to this plan again.")


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/change")
def change_milestone(plan_id: int, milestone_id: int):
    return _milestone_action(
        plan_id, milestone_id, forms.ChangeMilestoneForm, "change_form",
        lambda m, f: tailoring.change(m, _me(), due=f.due.data, owner=f.owner.data or None, reason=f.reason.data,
                                      remote_addr=remote_addr()),
        "‘{title}’ is changed for this plan.")


@bp.route("/plans/<int:plan_id>/milestones/new", methods=["GET", "POST"])
def add_milestone(plan_id: int):
    plan = _plan_or_404(plan_id)
    if not access.can_tailor(current_user, plan):
        return _forbidden(plan, f"This plan is {plan.status} and can no longer change." if plan.is_closed
                          else "Only HR or the plan's leader can add a milestone to it.")
    form = forms.AddMilestoneForm()
    form.owner.choices = forms.owner_choices(plan, "Choose who does it")
    form.phase.choices = [("", "Choose a phase")] + tailoring.phases(plan)
    if form.validate_on_submit():
        try:
            milestone = tailoring.add_milestone(
                plan, _me(), title=form.title.data, description=form.description.data, owner=form.owner.data,
                due=form.due.data, phase=form.phase.data, reason=form.reason.data, remote_addr=remote_addr())
        except plans.PlanError as exc:
            db.session.rollback()
            _put_on_form(form, exc)
        else:
            db.session.commit()
            flash(f"‘{milestone.title}’ is added to this plan.", "success")
            return redirect(url_for(".milestone", plan_id=plan.id, milestone_id=milestone.id))
    status = 400 if form.is_submitted() else 200
    return render_template("plan/add_milestone.html", plan=plan, form=form, section="overview",
                           title="Add a milestone"), status
