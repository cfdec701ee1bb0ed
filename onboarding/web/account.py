"""The signed-in user's own settings: how they want to be nudged, their password, and what they
choose to say about themselves for equality monitoring (people.equality: shown on no other page)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from ..extensions import db
from ..hooks import teams
from ..hooks.urls import HookError
from ..models import NUDGE_CHANNELS, NUDGE_MODES
from ..people import accounts, audit, equality, sso, throttle
from . import current_user_session, remote_addr
from .forms import Form, SetPasswordForm
from .guards import password_refused

bp = Blueprint("account", __name__)

MODE_LABELS = {
    "all": "All nudges",
    "digest": "Weekly digest only",
    "mute": "No nudges",
}
MODE_HINTS = {
    "all": "Reminders when your milestones are due soon or overdue, the actions from your check-ins, check-in reminders, and the Monday digest if you sponsor a leader.",
    "digest": "Only the Monday summary of the leaders you sponsor. You get no other reminders.",
    "mute": "No emails about milestones or check-ins. Your plan pages still show what is due.",
}


class NudgeSettingsForm(Form):
    nudge_mode = RadioField(
        "Which onboarding emails do you want?",
        choices=[SelectChoice(mode, MODE_LABELS[mode]) for mode in NUDGE_MODES],
        validators=[InputRequired("Select which onboarding emails you want")],
    )


CHANNEL_LABELS = {"email": "Email", "teams": "Teams", "both": "Email and Teams"}


class ChannelForm(Form):
    nudge_channel = RadioField(
        "Where do you want escalations, check-in reminders and the weekly digest?",
        choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in NUDGE_CHANNELS],
        validators=[InputRequired("Select email, Teams or both")],
        validate_choice=False,  # the domain judges it (teams.set_choice), in the same words
    )


def _settings_page(form, channel_form, status=200):
    user = current_user._get_current_object()
    return render_template("account/settings.html", title="Your account", form=form, hints=MODE_HINTS,
                           channel_form=channel_form if teams.channel_exists_for(user) else None,
                           uses_password=sso.password_allowed(user.email, sso.settings(current_app.config))), status


@bp.post("/account/teams")
@login_required
def nudge_channel():
    """Email, Teams or both, for the nudges a Teams channel also carries (hooks.teams)."""
    user = current_user._get_current_object()
    form = ChannelForm()
    if form.validate_on_submit():
        try:
            teams.set_choice(user, form.nudge_channel.data, remote_addr())
        except HookError as exc:
            db.session.rollback()
            form.nudge_channel.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Your Teams setting is saved: {CHANNEL_LABELS[user.nudge_channel].lower()}.", "success")
            return redirect(url_for("account.settings"))
    return _settings_page(NudgeSettingsForm(nudge_mode=user.nudge_mode), form, 400)


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
    return _settings_page(form, ChannelForm(formdata=None, nudge_channel=user.nudge_channel),
                          400 if form.errors else 200)


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password"),
                                                                       Length(max=256)])
    password = PasswordField(
        "New password", description=SetPasswordForm.password.kwargs["description"],
        validators=[DataRequired("Enter a new password"),
                    Length(min=12, max=256, message="Password must be between 12 and 256 characters")],
    )
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired("Enter the new password again"), EqualTo("password", "The new passwords do not match")])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password; every other session of the user ends."""
    user = current_user._get_current_object()
    if refused := password_refused(user.email):  # single sign-on only: no password to change
        return refused
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(user, form.current_password.data, form.password.data, current_user_session(),
                                     remote_addr(), throttle.Policy.from_config(current_app.config))
        except accounts.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field if exc.field in ("current_password", "password") else "password").errors = [str(exc)]
        else:
            db.session.commit()
            flash("Your password is changed. You are signed out everywhere else.", "success")
            return redirect(url_for("account.settings"))
    status = 400 if form.errors else 200
    return render_template("account/password.html", title="Change your password", form=form), status


# --- equality monitoring: voluntary, seen by nobody else ------------------------------------


def _radio(dimension: str, hint: str | None = None) -> RadioField:
    question, items = equality.DIMENSIONS[dimension]
    # The domain checks the value (equality.check): an empty answer is allowed.
    return RadioField(f"{question} (optional)", choices=[SelectChoice(v, text) for v, text in items],
                      validate_choice=False, description=hint)


class EqualityForm(Form):
    ethnic_group = _radio("ethnic_group")
    sex = _radio("sex", "This is the wording of the 2021 census question.")
    disability = _radio("disability", "Under the Equality Act 2010: a physical or mental condition with a "
                                      "substantial, long-term effect on your day-to-day activities.")
    sector = _radio("sector", "Where you worked before this role.")
    working_pattern = _radio("working_pattern")


@bp.route("/account/about-you", methods=["GET", "POST"])
@login_required
def equality_answers():
    user = current_user._get_current_object()
    answers = equality.answers_of(user)
    form = EqualityForm(data={dim: getattr(answers, dim) for dim in equality.DIMENSIONS})
    if form.validate_on_submit():
        try:
            equality.save(user, {dim: getattr(form, dim).data for dim in equality.DIMENSIONS}, remote_addr())
        except equality.EqualityError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [str(exc)]
        else:
            db.session.commit()
            flash("Your answers are saved. Only you can see them.", "success")
            return redirect(url_for("account.equality_answers"))
    return render_template("account/equality.html", title="About you (optional)", form=form,
                           ethnic_groups=equality.ETHNIC_GROUPS, prefer_not=equality.PREFER_NOT,
                           prefer_not_label=equality.PREFER_NOT_LABEL,
                           answered=answers.any), 400 if form.errors else 200


class DeleteAnswersForm(Form):
    """Only the CSRF token: deleting asks nothing else."""


@bp.route("/account/about-you/delete", methods=["GET", "POST"])
@login_required
def delete_equality_answers():
    """Confirm, then delete the row for real."""
    user = current_user._get_current_object()
    form = DeleteAnswersForm()
    if form.validate_on_submit():
        equality.delete(user, remote_addr())
        db.session.commit()
        flash("Your answers are deleted. Nothing you told us about yourself is kept.", "success")
        return redirect(url_for("account.settings"))
    return render_template("account/equality_delete.html", title="Delete your answers", form=form,
                           answered=equality.answers_of(user).any), 400 if form.errors else 200
