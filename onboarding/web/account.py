"""The signed-in user's own settings: how they want to be nudged."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..extensions import db
from ..models import NUDGE_MODES
from ..people import audit
from . import remote_addr
from .forms import Form

bp = Blueprint("account", __name__)

MODE_LABELS = {
    "all": "All nudges",
    "digest": "Weekly digest only",
    "mute": "No nudges",
}
MODE_HINTS = {
    "all": "Reminders when your milestones are due soon or overdue, check-in reminders, and the Monday digest if you sponsor a leader.",
    "digest": "Only the Monday summary of the leaders you sponsor. You get no other reminders.",
    "mute": "No emails about milestones or check-ins. Your plan pages still show what is due.",
}


class NudgeSettingsForm(Form):
    nudge_mode = RadioField(
        "Which onboarding emails do you want?",
        choices=[SelectChoice(mode, MODE_LABELS[mode]) for mode in NUDGE_MODES],
        validators=[InputRequired("Select which onboarding emails you want")],
    )


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    form = NudgeSettingsForm(nudge_mode=user.nudge_mode)
    if form.validate_on_submit():
        if form.nudge_mode.data != user.nudge_mode:
            audit.record(user, "user.nudge_mode", user, remote_addr(), before=user.nudge_mode, after=form.nudge_mode.data)
            user.nudge_mode = form.nudge_mode.data
            db.session.commit()
        flash(f"Your email setting is saved: {MODE_LABELS[user.nudge_mode].lower()}.", "success")
        return redirect(url_for("account.settings"))
    status = 400 if form.errors else 200
    return (
        render_template(
            "account/settings.html",
            title="Your account",
            form=form,
            hints=MODE_HINTS,
        ),
        status,
    )
