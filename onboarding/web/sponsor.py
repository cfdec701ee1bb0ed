"""The sponsor's pages: my leaders, a plan's check-in history, log and edit a check-in.

Views stay thin: the rules are in plans/checkins.py and plans/dashboards.py (the order of
"who needs me" too), and every decision about who may do what is in people/access.py.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import plans
from ..extensions import db
from ..models import CheckIn, Plan
from ..people import access
from ..plans import checkin_leader, checkins, dashboards
from . import remote_addr
from .sponsor_forms import ActionsForm, CheckInForm, PrepareForm, RespondForm, add_errors, for_checkin

bp = Blueprint("sponsor", __name__)


@bp.get("/sponsor")
@login_required
def dashboard():
    today = plans.today()
    sponsored = access.plans_in_role(current_user, "sponsor").order_by(Plan.start_date.desc(), Plan.id)
    rows = dashboards.plan_rows(sponsored, today)
    return render_template(
        "sponsor/dashboard.html",
        running=dashboards.by_need(r for r in rows if not r.closed),
        closed=[r for r in rows if r.closed],
        milestones=dashboards.owned_milestones(current_user, "sponsor", today),
        today=today,
    )


def _readable_plan(plan_id: int) -> Plan:
    plan = access.plan_for(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


def _forbidden(plan: Plan, message: str):
    """The user may read this plan, so it is no secret: say plainly why they cannot act."""
    return render_template("sponsor/forbidden.html", plan=plan, message=message), 403


@bp.get("/plans/<int:plan_id>/checkins", endpoint="checkins")
@login_required
def checkin_history(plan_id: int):
    return _history_page(_readable_plan(plan_id))


def _history_page(plan: Plan, status: int = 200, posted=None):
    """The check-ins page. ``posted`` is a form that came back with errors: it takes its own
    place (the prepare form, or one check-in's response or done ticks)."""
    today = plans.today()
    history = checkins.history(plan)
    is_sponsor = access.can_log_checkin(current_user, plan)
    is_open = checkins.is_open(plan)
    prepare = None
    if is_open and access.can_prepare_checkin(current_user, plan):
        prepare = posted if isinstance(posted, PrepareForm) else PrepareForm(formdata=None, obj=plan)
    respond, ticks = {}, {}
    for c in history if is_open else []:
        if access.can_respond_to_checkin(current_user, c):
            respond[c.id] = _respond_form(c, posted)
        if c.actions and access.can_mark_checkin_actions(current_user, c):
            ticks[c.id] = _actions_form(c, posted)
    next_due = checkins.next_due_for(plan, history[0] if history else None) if is_open else None
    return render_template(
        "sponsor/checkins.html",
        plan=plan,
        history=history,
        next_due=next_due,
        next_overdue=checkins.is_overdue(plan, next_due, today),
        show_private=access.can_read_private_notes(current_user, plan),
        show_leader_side=access.can_read_leader_side(current_user, plan),
        actions={c.id: checkin_leader.action_items(c) for c in history},
        prepare_form=prepare,
        respond_forms=respond,
        actions_forms=ticks,
        can_log=is_sponsor and is_open,
        editable={c.id for c in history if access.can_edit_checkin(current_user, c)},
        milestones=dashboards.owned_milestones(current_user, "sponsor", today, plan.id) if is_sponsor else [],
        today=today,
        form=posted,
    ), status


def _respond_form(checkin: CheckIn, posted=None) -> RespondForm:
    if isinstance(posted, RespondForm) and posted.checkin_id == checkin.id:
        return posted
    return for_checkin(RespondForm(formdata=None, prefix="respond", leader_response=checkin.leader_response or ""),
                       checkin.id)


def _actions_form(checkin: CheckIn, posted=None) -> ActionsForm:
    if isinstance(posted, ActionsForm) and posted.checkin_id == checkin.id:
        return posted
    return for_checkin(ActionsForm(formdata=None, prefix="actions", done=list(checkin.actions_done or [])), checkin.id)


def _checkin_or_404(plan: Plan, checkin_id: int) -> CheckIn:
    checkin = checkins.of_plan(plan, checkin_id)
    if checkin is None:
        abort(404)
    return checkin


def _leader_change(plan: Plan, form, change, done_message: str, anchor: str):
    """Run one of the leader-side changes for a posted form: saved, back to the page at
    ``anchor``; refused, the page again with the messages next to the fields (400)."""
    if form.validate():
        try:
            change()
        except checkins.CheckInError as exc:
            add_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(done_message, "success")
            return redirect(url_for("sponsor.checkins", plan_id=plan.id, _anchor=anchor))
    db.session.rollback()
    return _history_page(plan, 400, form)


@bp.post("/plans/<int:plan_id>/checkins/prepare")
@login_required
def prepare_checkin(plan_id: int):
    plan = _readable_plan(plan_id)
    if not access.can_prepare_checkin(current_user, plan):
        return _forbidden(plan, "Only the leader can prepare their agenda for a check-in.")
    if not checkins.is_open(plan):
        return render_template("sponsor/closed.html", plan=plan), 409
    form = PrepareForm()
    return _leader_change(plan, form, lambda: checkin_leader.prepare(
        plan, current_user, form.leader_agenda.data, form.leader_reflection.data, remote_addr()),
        "Saved for your next check-in", "prepare")


@bp.post("/plans/<int:plan_id>/checkins/<int:checkin_id>/respond")
@login_required
def respond_checkin(plan_id: int, checkin_id: int):
    plan = _readable_plan(plan_id)
    checkin = _checkin_or_404(plan, checkin_id)
    if not access.can_respond_to_checkin(current_user, checkin):
        return _forbidden(plan, "Only the leader can acknowledge a check-in or comment on it.")
    if not checkins.is_open(plan):
        return render_template("sponsor/closed.html", plan=plan), 409
    form = for_checkin(RespondForm(prefix="respond"), checkin.id)
    return _leader_change(plan, form, lambda: checkin_leader.respond(
        checkin, current_user, form.leader_response.data, form.acknowledge.data, remote_addr()),
        "Your response is saved", f"checkin-{checkin.id}")


@bp.post("/plans/<int:plan_id>/checkins/<int:checkin_id>/actions")
@login_required
def checkin_actions(plan_id: int, checkin_id: int):
    plan = _readable_plan(plan_id)
    checkin = _checkin_or_404(plan, checkin_id)
    if not access.can_mark_checkin_actions(current_user, checkin):
        return _forbidden(plan, "Only the leader and their sponsor can mark the actions done.")
    if not checkins.is_open(plan):
        return render_template("sponsor/closed.html", plan=plan), 409
    form = for_checkin(ActionsForm(prefix="actions"), checkin.id)
    return _leader_change(plan, form, lambda: checkin_leader.mark_actions(
        checkin, current_user, form.done.data or [], remote_addr()),
        "Actions updated", f"checkin-{checkin.id}")


def _save(form: CheckInForm, plan: Plan, checkin: CheckIn | None):
    """Validate everything, then write once; an invalid form comes back with status 400."""
    today = plans.today()
    form.validate()
    errors = {} if form.csrf_failed else checkins.validate(form.to_input(), today) | form.parse_errors()
    if not form.csrf_failed and not errors:
        try:
            if checkin is None:
                # A repeat of an already saved form gets the same answer as the first post.
                saved, _ = checkins.log_once(plan, current_user, form.to_input(), form.request_key.data or None,
                                             today, remote_addr())
            else:
                saved = checkins.update_checkin(checkin, current_user, form.to_input(), today, remote_addr())
                db.session.commit()
        except checkins.CheckInError as exc:
            errors = exc.errors
        else:
            flash("Check-in saved" if checkin is None else "Check-in updated", "success")
            return redirect(url_for("sponsor.checkins", plan_id=plan.id, _anchor=f"checkin-{saved.id}"))
    db.session.rollback()
    form.add_errors(errors)
    return render_template("sponsor/checkin_form.html", form=form, plan=plan, checkin=checkin), 400


@bp.route("/plans/<int:plan_id>/checkins/new", methods=["GET", "POST"])
@login_required
def new_checkin(plan_id: int):
    plan = _readable_plan(plan_id)
    if not access.can_log_checkin(current_user, plan):
        return _forbidden(plan, "Only the leader's sponsor can log a check-in for this plan.")
    if not checkins.is_open(plan):
        return render_template("sponsor/closed.html", plan=plan), 409
    form = CheckInForm()
    if request.method == "POST":
        return _save(form, plan, None)
    today = plans.today()
    form.request_key.data = secrets.token_urlsafe(32)
    form.held_on.data = today
    form.next_checkin_on.data = checkins.suggested_next(plan, today)
    return render_template("sponsor/checkin_form.html", form=form, plan=plan, checkin=None)


@bp.route("/plans/<int:plan_id>/checkins/<int:checkin_id>/edit", methods=["GET", "POST"])
@login_required
def edit_checkin(plan_id: int, checkin_id: int):
    plan = _readable_plan(plan_id)
    checkin = _checkin_or_404(plan, checkin_id)
    if not access.can_edit_checkin(current_user, checkin):
        return _forbidden(plan, "Only the sponsor who logged a check-in can change it.")
    if not checkins.is_open(plan):
        return render_template("sponsor/closed.html", plan=plan), 409
    # Only the GET starts from the stored values: a POST is judged on what was sent.
    form = CheckInForm() if request.method == "POST" else CheckInForm(obj=checkin)
    if request.method == "POST":
        return _save(form, plan, checkin)
    return render_template("sponsor/checkin_form.html", form=form, plan=plan, checkin=checkin)
