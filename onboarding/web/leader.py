"""The leader's pages, and the plan pages every role that may read a plan shares:
overview, milestones, stakeholder map, clinician interviews and goals.

Views stay thin: onboarding.plans.records loads and changes things, onboarding.people.access decides.
A plan the user may not read is a 404; a readable plan where the user may not do the
thing asked is a 403 with a page that says so."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import plans, playbooks
from ..extensions import db
from ..models import Milestone
from ..people import access
from ..plans import directory, first_screen, records, supporters
from ..plans import tailoring as plan_tailoring
from . import remote_addr
from . import tailoring_forms as tailoring_pages
from .leader_forms import CompleteMilestoneForm, ConfirmForm, GoalForm, InterviewForm, StakeholderForm

bp = Blueprint("leader", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a signed-in user."""


def _plan_or_404(plan_id: int):
    plan = records.readable_plan(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


def _forbidden(plan, message: str):
    return render_template("plan/forbidden.html", plan=plan, message=message, title="You cannot do that"), 403


def overview_context(plan) -> dict:
    """What the shared plan partial needs: what needs doing first, then the phases."""
    today = plans.today()
    return {
        "plan": plan,
        "progress": plans.progress(plan, today),
        "screen": first_screen.first_screen(plan, today),
        "state": plans.milestone_state,
        "today": today,
        "show_private": access.can_read_private_notes(current_user, plan),
        "closed": access.plan_is_closed(plan),
        "tailored": plan_tailoring.summary(plan),
        "may_add_milestone": access.can_tailor(current_user, plan),
        "supporters": supporters.of_plan(plan),
        "supporter_labels": supporters.LABELS,
        "may_nominate": access.can_write_leader_records(current_user, plan),
        "pulse_due": first_screen.pulse_due(current_user, plan, today),
        "may_read_pulses": access.can_read_pulses(current_user, plan),
        "may_prepare_checkin": plan.is_open and access.can_prepare_checkin(current_user, plan),
    }


# --- overview -------------------------------------------------------------------------------


@bp.get("/my-plan")
def my_plan():
    led = records.plans_led_by(current_user)
    if not led:
        return render_template("leader/no_plan.html", title="My plan")
    plan, others = led[0], led[1:]
    return render_template(
        "leader/my_plan.html", others=others, section="overview", title="My plan",
        welcome=first_screen.welcome(current_user, plan), dismiss_form=ConfirmForm(), **overview_context(plan),
    )


@bp.post("/my-plan/welcome/dismiss")
def dismiss_welcome():
    """Hide the welcome panel on My plan for good (a bad CSRF token is the app's 400 page)."""
    if ConfirmForm().validate_on_submit() and first_screen.dismiss_welcome(current_user._get_current_object(), remote_addr()):
        db.session.commit()
    return redirect(url_for(".my_plan"))


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    plan = _plan_or_404(plan_id)
    return render_template(
        "plan/overview.html",
        section="overview",
        title=f"Onboarding plan for {plan.leader.name}",
        **overview_context(plan),
    )


# --- milestones -----------------------------------------------------------------------------


def _milestone_or_404(plan, milestone_id: int) -> Milestone:
    milestone = next((m for m in plan.milestones if m.id == milestone_id), None)
    if milestone is None:
        abort(404)
    return milestone


def _render_milestone(plan, milestone, form=None, status=200, **tailoring_bound):
    may_change = access.can_update_milestone(current_user, milestone)
    return (
        render_template(
            "plan/milestone.html",
            plan=plan,
            milestone=milestone,
            state=plans.milestone_state(milestone),
            completed_by=supporters.completed_by(milestone),
            sources=playbooks.sources_of(milestone),
            for_leader=access.completes_for_leader(current_user, milestone),
            may_change=may_change,
            closed=access.plan_is_closed(plan),
            form=form or CompleteMilestoneForm(),
            reopen_form=ConfirmForm(),
            section="overview",
            title=milestone.title,
            **tailoring_pages.milestone_forms(current_user, milestone, **tailoring_bound),
        ),
        status,
    )


@bp.get("/plans/<int:plan_id>/milestones/<int:milestone_id>")
def milestone(plan_id: int, milestone_id: int):
    plan = _plan_or_404(plan_id)
    return _render_milestone(plan, _milestone_or_404(plan, milestone_id))


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/complete")
def complete_milestone(plan_id: int, milestone_id: int):
    plan = _plan_or_404(plan_id)
    milestone = _milestone_or_404(plan, milestone_id)
    if not access.can_update_milestone(current_user, milestone):
        return _forbidden(plan, _milestone_refusal(plan, milestone))
    if not milestone.is_open:
        flash("This milestone is already done.", "info")
        return redirect(url_for(".milestone", plan_id=plan.id, milestone_id=milestone.id))
    form = CompleteMilestoneForm()
    if not form.validate_on_submit():
        return _render_milestone(plan, milestone, form, 400)
    if plans.complete_milestone(
        milestone, current_user._get_current_object(), form.evidence_note.data or "", form.evidence_link.data or "", remote_addr()
    ):
        db.session.commit()
        flash(f"‘{milestone.title}’ is marked as done.", "success")
    else:  # someone else completed it a moment ago
        flash("This milestone is already done.", "info")
    return redirect(url_for(".milestone", plan_id=plan.id, milestone_id=milestone.id))


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/reopen")
def reopen_milestone(plan_id: int, milestone_id: int):
    plan = _plan_or_404(plan_id)
    milestone = _milestone_or_404(plan, milestone_id)
    if not access.can_update_milestone(current_user, milestone):
        return _forbidden(plan, _milestone_refusal(plan, milestone))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_milestone(plan, milestone, None, 400)
    if plans.reopen_milestone(milestone, current_user._get_current_object(), remote_addr()):
        db.session.commit()
        flash(f"‘{milestone.title}’ is open again.", "success")
    return redirect(url_for(".milestone", plan_id=plan.id, milestone_id=milestone.id))


def _milestone_refusal(plan, milestone) -> str:
    if access.milestone_refusal(current_user, milestone) == "closed":
        return f"This plan is {plan.status}. Its milestones are kept as a record and cannot be changed."
    if milestone.owner == "hr":
        return "Only HR can complete or reopen this milestone."
    return f"Only the plan's {milestone.owner} or HR can complete or reopen this milestone."


# --- stakeholders, interviews, goals --------------------------------------------------------

# kind -> (form, sub-navigation section, list endpoint)
KINDS = {
    "stakeholder": (StakeholderForm, "stakeholders", ".stakeholders"),
    "interview": (InterviewForm, "interviews", ".interviews"),
    "goal": (GoalForm, "goals", ".goals"),
}


def _refuse_write(plan):
    if access.plan_is_closed(plan):
        return _forbidden(plan, f"This plan is {plan.status}. Its records are kept as they were and cannot be changed.")
    return _forbidden(plan, "Only the leader whose plan this is can add, change or remove these records.")


def _form_values(form) -> dict:
    return {name: f.data for name, f in form._fields.items() if name != "csrf_token"}


def _edit(kind: str, plan_id: int, record_id: int | None):
    """Add (record_id None) or edit a stakeholder, interview or goal."""
    plan = _plan_or_404(plan_id)
    record = None
    if record_id is not None:
        record = records.get(kind, plan, record_id)
        if record is None:
            abort(404)
    if not access.can_write_leader_records(current_user, plan):
        return _refuse_write(plan)
    form_class = KINDS[kind][0]
    form = form_class(obj=_form_obj(kind, record)) if record is not None else form_class(data=_suggested(kind))
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            if record is None:
                records.create(kind, plan, actor, _form_values(form), remote_addr())
            else:
                records.update(kind, record, actor, _form_values(form), remote_addr())
        except records.RecordError as exc:
            target = getattr(form, exc.field, None) if exc.field else None
            (target.errors if target is not None else form.form_errors).append(str(exc))
        else:
            db.session.commit()
            flash(f"The {kind} is {'added' if record is None else 'saved'}.", "success")
            return redirect(url_for(KINDS[kind][2], plan_id=plan.id))
    status = 400 if form.errors or form.form_errors else 200
    article = "an" if kind == "interview" else "a"
    return (
        render_template(
            f"leader/{kind}_form.html",
            plan=plan,
            form=form,
            record=record,
            section=KINDS[kind][1],
            title=f"Add {article} {kind}" if record is None else f"Change this {kind}",
        ),
        status,
    )


def _suggested(kind: str) -> dict | None:
    """A new interview with a clinical leader the interview page suggested (``?entry=``): their
    name and role from the who's who, filled in."""
    entry = directory.get(request.args.get("entry", 0, type=int)) if kind == "interview" else None
    return {"name": entry.name, "role": entry.role} if entry is not None and entry.clinical else None


class _InterviewView:
    """Present an interview's lists as the text the form edits."""

    def __init__(self, interview):
        self._interview = interview

    def __getattr__(self, name):
        if name == "priorities":
            return "\n".join(self._interview.priorities or [])
        if name == "themes":
            return ", ".join(self._interview.themes or [])
        return getattr(self._interview, name)


def _form_obj(kind: str, record):
    return _InterviewView(record) if kind == "interview" else record


def _remove(kind: str, plan_id: int, record_id: int, post: bool):
    plan = _plan_or_404(plan_id)
    record = records.get(kind, plan, record_id)
    if record is None:
        abort(404)
    if not access.can_write_leader_records(current_user, plan):
        return _refuse_write(plan)
    form = ConfirmForm()
    if post and form.validate_on_submit():
        records.delete(kind, record, current_user._get_current_object(), remote_addr())
        db.session.commit()
        flash(f"The {kind} is removed.", "success")
        return redirect(url_for(KINDS[kind][2], plan_id=plan.id))
    status = 400 if form.errors else 200
    return (
        render_template(
            "leader/remove.html", plan=plan, record=record, kind=kind, form=form,
            back=url_for(KINDS[kind][2], plan_id=plan.id), section=KINDS[kind][1],
            title=f"Remove this {kind}?",
        ),
        status,
    )


@bp.get("/plans/<int:plan_id>/stakeholders")
def stakeholders(plan_id: int):
    plan = _plan_or_404(plan_id)
    today = plans.today()
    return render_template(
        "leader/stakeholders.html",
        plan=plan,
        quadrants=records.quadrant_summary(plan.stakeholders),
        unscored=records.not_scored(plan.stakeholders),
        not_met=lambda s: records.not_met_recently(s, today),
        may_read_notes=lambda s: access.can_read_stakeholder_notes(current_user, s),
        titles=records.QUADRANT_TITLES,
        may_edit=access.can_write_leader_records(current_user, plan),
        section="stakeholders",
        title="Stakeholder map",
    )


@bp.route("/plans/<int:plan_id>/stakeholders/new", methods=["GET", "POST"])
def new_stakeholder(plan_id: int):
    return _edit("stakeholder", plan_id, None)


@bp.route("/plans/<int:plan_id>/stakeholders/<int:record_id>/edit", methods=["GET", "POST"])
def edit_stakeholder(plan_id: int, record_id: int):
    return _edit("stakeholder", plan_id, record_id)


@bp.route("/plans/<int:plan_id>/stakeholders/<int:record_id>/remove", methods=["GET", "POST"])
def remove_stakeholder(plan_id: int, record_id: int):
    return _remove("stakeholder", plan_id, record_id, request.method == "POST")


@bp.get("/plans/<int:plan_id>/interviews")
def interviews(plan_id: int):
    plan = _plan_or_404(plan_id)
    return render_template(
        "leader/interviews.html",
        plan=plan,
        themes=records.theme_summary(plan.interviews),
        suggestions=[] if access.plan_is_closed(plan) else directory.interview_suggestions(plan),
        may_edit=access.can_write_leader_records(current_user, plan),
        section="interviews",
        title="Clinician priority interviews",
    )


@bp.route("/plans/<int:plan_id>/interviews/new", methods=["GET", "POST"])
def new_interview(plan_id: int):
    return _edit("interview", plan_id, None)


@bp.route("/plans/<int:plan_id>/interviews/<int:record_id>/edit", methods=["GET", "POST"])
def edit_interview(plan_id: int, record_id: int):
    return _edit("interview", plan_id, record_id)


@bp.route("/plans/<int:plan_id>/interviews/<int:record_id>/remove", methods=["GET", "POST"])
def remove_interview(plan_id: int, record_id: int):
    return _remove("interview", plan_id, record_id, request.method == "POST")


@bp.get("/plans/<int:plan_id>/goals")
def goals(plan_id: int):
    plan = _plan_or_404(plan_id)
    return render_template(
        "leader/goals.html",
        plan=plan,
        may_edit=access.can_write_leader_records(current_user, plan),
        section="goals",
        title="Goals",
    )


@bp.route("/plans/<int:plan_id>/goals/new", methods=["GET", "POST"])
def new_goal(plan_id: int):
    return _edit("goal", plan_id, None)


@bp.route("/plans/<int:plan_id>/goals/<int:record_id>/edit", methods=["GET", "POST"])
def edit_goal(plan_id: int, record_id: int):
    return _edit("goal", plan_id, record_id)


@bp.route("/plans/<int:plan_id>/goals/<int:record_id>/remove", methods=["GET", "POST"])
def remove_goal(plan_id: int, record_id: int):
    return _remove("goal", plan_id, record_id, request.method == "POST")
