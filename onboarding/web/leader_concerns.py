"""Concerns raised in confidence (routes of the leader blueprint): the leader raises one, HR and
(if the leader chose) the mentor read it, HR records its follow-up. The sponsor never reaches
a concern: its page is a 404 for them. plans.concerns writes, access.py decides."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..people import access
from ..plans import concerns
from . import remote_addr
from .forms import Form
from .leader import _forbidden, _plan_or_404, bp

_TOO_LONG = f"must be {concerns.TEXT_MAX:,} characters or fewer"


class ConcernForm(Form):
    text = TextAreaField("Your concern", validators=[
        DataRequired("Enter your concern"), Length(max=concerns.TEXT_MAX, message=f"Your concern {_TOO_LONG}")])
    share_with_mentor = BooleanField("Also tell my mentor")


class FollowUpForm(Form):
    note = TextAreaField("What was done to follow it up", validators=[
        DataRequired("Enter what was done to follow it up"),
        Length(max=concerns.TEXT_MAX, message=f"What was done {_TOO_LONG}")])


def _me():
    return current_user._get_current_object()


@bp.route("/plans/<int:plan_id>/concerns/new", methods=["GET", "POST"])
def new_concern(plan_id: int):
    plan = _plan_or_404(plan_id)
    if not access.can_raise_concern(current_user, plan):
        if access.plan_is_closed(plan):
            return _forbidden(plan, f"This plan is {plan.status}. Speak to your HR team directly.")
        return _forbidden(plan, "Only the leader whose plan this is can raise a concern about it.")
    form = ConcernForm()
    if form.validate_on_submit():
        try:
            concern = concerns.raise_concern(plan, _me(), form.text.data, form.share_with_mentor.data, remote_addr())
        except concerns.ConcernError as exc:
            db.session.rollback()
            form.text.errors = [str(exc)]
        else:
            db.session.commit()
            told = "HR and your mentor" if concern.share_with_mentor else "HR"
            flash(f"Your concern is sent. We have told {told}; your sponsor cannot see it.", "success")
            return redirect(url_for(".concern", plan_id=plan.id, concern_id=concern.id))
    return render_template("leader/concern_form.html", plan=plan, form=form, title="Raise a concern",
                           max_length=concerns.TEXT_MAX, raised=concerns.raised_by(_me(), plan)), 400 if form.errors else 200


def _concern_or_404(plan_id: int, concern_id: int):
    plan = _plan_or_404(plan_id)
    concern = concerns.get(current_user, plan, concern_id)
    if concern is None:
        abort(404)
    return plan, concern


def _page(plan, concern, form, status: int = 200):
    return render_template(
        "leader/concern.html", plan=plan, concern=concern, form=form, title="Concern raised in confidence",
        may_follow_up=access.can_follow_up_concern(current_user, concern) and concern.followed_up_at is None,
        show_note=access.can_read_follow_up_note(current_user, concern),
    ), status


@bp.get("/plans/<int:plan_id>/concerns/<int:concern_id>")
def concern(plan_id: int, concern_id: int):
    plan, found = _concern_or_404(plan_id, concern_id)
    return _page(plan, found, FollowUpForm())


@bp.post("/plans/<int:plan_id>/concerns/<int:concern_id>/follow-up")
def follow_up_concern(plan_id: int, concern_id: int):
    plan, found = _concern_or_404(plan_id, concern_id)
    if not access.can_follow_up_concern(current_user, found):
        return _forbidden(plan, "Only HR can record that a concern was followed up.")
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            concerns.follow_up(found, _me(), form.note.data, remote_addr())
        except concerns.ConcernError as exc:
            db.session.rollback()
            form.note.errors = [str(exc)]
        else:
            db.session.commit()
            flash("The follow-up is recorded and the concern is closed.", "success")
            return redirect(url_for(".concern", plan_id=plan.id, concern_id=found.id))
    return _page(plan, found, form, 400)
