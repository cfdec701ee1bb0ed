"""Pulse checks (routes of the leader blueprint): the leader answers the open pulse, and the
plan's pulse page shows the answers a user may read: the leader's own history, every answer
to HR, the shared ones to the sponsor. plans.pulses decides and writes; access.py says who."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from .. import plans
from ..extensions import db
from ..people import access
from ..plans import pulses
from . import remote_addr
from .forms import Form
from .leader import _forbidden, _plan_or_404, bp


def _scores(text: str) -> RadioField:
    # Strings, checked against the five: a tampered value gets the same message as none at all.
    message = pulses.score_message(text)
    return RadioField(
        text, choices=[SelectChoice(str(n), str(n)) for n in pulses.SCORES], validate_choice=False,
        description="1 means you strongly disagree, 5 that you strongly agree",
        validators=[InputRequired(message), AnyOf([str(n) for n in pulses.SCORES], message=message)],
    )


class PulseForm(Form):
    expectations, sponsor_support, reach, belonging, confidence = (_scores(text) for _, text in pulses.STATEMENTS)
    comment = TextAreaField(
        "Anything you want to add (optional)",
        validators=[Length(max=pulses.COMMENT_MAX, message=f"Your comment must be {pulses.COMMENT_MAX:,} characters or fewer")],
    )
    share = BooleanField("Share these answers with my sponsor")


def _readable_or_404(plan_id: int):
    plan = _plan_or_404(plan_id)
    if not access.can_read_pulses(current_user, plan):
        abort(404)
    return plan


@bp.route("/plans/<int:plan_id>/pulses/<pulse_key>", methods=["GET", "POST"])
def pulse(plan_id: int, pulse_key: str):
    plan = _readable_or_404(plan_id)
    if not access.can_answer_pulse(current_user, plan):
        return _forbidden(plan, "Only the leader answers their pulse checks, while the plan is running.")
    slot = next((s for s in pulses.schedule(plan) if s.key == pulse_key), None)
    if slot is None:
        abort(404)  # not a pulse of this plan
    if pulse_key in pulses.answered(plan):
        flash("You have already answered this pulse check.", "info")
        return redirect(url_for(".pulses", plan_id=plan.id))
    today = plans.today()
    is_open = pulses.open_pulse(plan, today) == slot
    form = PulseForm()
    if form.validate_on_submit():
        values = {column: int(getattr(form, column).data) for column, _ in pulses.STATEMENTS}
        try:
            pulses.answer(plan, pulse_key, current_user._get_current_object(), values, form.comment.data,
                          form.share.data, today, remote_addr())
        except pulses.PulseError as exc:
            db.session.rollback()
            (getattr(form, exc.field).errors if exc.field else form.form_errors).append(str(exc))
        else:
            db.session.commit()
            flash("Thank you. Your pulse check is saved." + (" Your sponsor can see it." if form.share.data else ""),
                  "success")
            return redirect(url_for(".pulses", plan_id=plan.id))
    return render_template("leader/pulse.html", plan=plan, form=form, slot=slot, is_open=is_open, today=today,
                           section="overview", title=f"Your week {slot.week} pulse check"), 400 if form.errors else 200


@bp.get("/plans/<int:plan_id>/pulses", endpoint="pulses")
def pulses_page(plan_id: int):
    plan = _readable_or_404(plan_id)
    held = access.roles(current_user, plan)
    return render_template(
        "leader/pulses.html", plan=plan, section="overview", answers=pulses.readable(current_user, plan),
        scores=pulses.scores, labels=pulses.SCORE_LABELS, own="leader" in held,
        slot=pulses.open_pulse(plan, plans.today()) if access.can_answer_pulse(current_user, plan) else None,
        title="Your pulse checks" if "leader" in held else "Pulse checks",
    )
