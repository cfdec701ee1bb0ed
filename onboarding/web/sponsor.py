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
from ..plans import checkins, dashboards
from . import remote_addr
from .sponsor_forms import CheckInForm

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
    plan = _readable_plan(plan_id)
    today = plans.today()
    history = checkins.history(plan)
    is_sponsor = access.can_log_checkin(current_user, plan)
    return render_template(
        "sponsor/checkins.html",
        plan=plan,
        history=history,
        next_due=checkins.next_due_for(plan, history[0] if history else None) if checkins.is_open(plan) else None,
        show_private=access.can_read_private_notes(current_user, plan),
        can_log=is_sponsor and checkins.is_open(plan),
        editable={c.id for c in history if access.can_edit_checkin(current_user, c)},
        milestones=dashboards.owned_milestones(current_user, "sponsor", today, plan.id) if is_sponsor else [],
        today=today,
    )


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
    checkin = checkins.of_plan(plan, checkin_id)
    if checkin is None:
        abort(404)
    if not access.can_edit_checkin(current_user, checkin):
        return _forbidden(plan, "Only the sponsor who logged a check-in can change it.")
    if not checkins.is_open(plan):
        return render_template("sponsor/closed.html", plan=plan), 409
    # Only the GET starts from the stored values: a POST is judged on what was sent.
    form = CheckInForm() if request.method == "POST" else CheckInForm(obj=checkin)
    if request.method == "POST":
        return _save(form, plan, checkin)
    return render_template("sponsor/checkin_form.html", form=form, plan=plan, checkin=checkin)
