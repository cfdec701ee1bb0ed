"""HR's Teams and webhook pages: the organisation's default Teams channel, a plan's own, and the
HR systems' webhook endpoints (register, with the secret shown once; the delivery log; delete).
Routes of the HR blueprint (hr.py), so HR only; the rules are in onboarding.hooks."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..extensions import db
from ..hooks import teams, webhooks
from ..hooks.urls import MAX_URL, HookError
from ..models import WEBHOOK_EVENTS
from . import remote_addr
from .forms import Form
from .hr import _me, bp
from .hr_plans import _plan


class TeamsForm(Form):
    url = StringField("Teams webhook address (optional)",
                      description="The address a Workflows webhook in the channel gives you, starting with "
                                  "https://. Leave it empty to post nothing.",
                      validators=[Length(max=MAX_URL, message=f"The address must be {MAX_URL:,} characters or fewer")])


class EndpointForm(Form):
    name = StringField("Name", description="To recognise it later, for example the HR system's name.",
                       validators=[Length(max=webhooks.MAX_NAME,
                                          message=f"The name must be {webhooks.MAX_NAME} characters or fewer")])
    url = StringField("Endpoint address", description="Where each event is posted, starting with https://.",
                      validators=[Length(max=MAX_URL, message=f"The address must be {MAX_URL:,} characters or fewer")])
    events = SelectMultipleField("Events to send", choices=[SelectChoice(e, e) for e in WEBHOOK_EVENTS],
                                 validate_choice=False)


class ConfirmForm(Form):
    """Only the CSRF token: deleting asks nothing else."""


def _loopback() -> bool:
    # Plain http to 127.0.0.1 only while testing: the tests' receivers listen there.
    return bool(current_app.config.get("TESTING"))


def _field_error(form: Form, exc: HookError, default: str) -> None:
    db.session.rollback()
    getattr(form, exc.field if exc.field in form else default).errors = [str(exc)]


@bp.route("/integrations", methods=["GET", "POST"], endpoint="integrations")
def integrations_page():
    """The default Teams channel (a form) and the webhook endpoints (a list)."""
    form = TeamsForm(data={"url": teams.default_url() or ""})
    if form.validate_on_submit():
        try:
            url = teams.set_default(form.url.data, _me(), remote_addr(), allow_loopback=_loopback())
        except HookError as exc:
            _field_error(form, exc, "url")
        else:
            db.session.commit()
            flash("The default Teams channel is saved." if url else "No default Teams channel: nothing is posted "
                  "to Teams except for plans with a channel of their own.", "success")
            return redirect(url_for("hr.integrations"))
    return render_template("hr/integrations.html", title="Teams and webhooks", form=form,
                           endpoints=webhooks.endpoints()), 400 if form.errors else 200


@bp.route("/plans/<int:plan_id>/teams", methods=["GET", "POST"])
def plan_teams(plan_id: int):
    plan = _plan(plan_id)
    form = TeamsForm(data={"url": teams.plan_url(plan) or ""})
    if form.validate_on_submit():
        try:
            url = teams.set_plan_url(plan, form.url.data, _me(), remote_addr(), allow_loopback=_loopback())
        except HookError as exc:
            _field_error(form, exc, "url")
        else:
            db.session.commit()
            flash(f"{plan.leader.name}'s plan {'has its own Teams channel' if url else 'uses the default Teams channel'}.",
                  "success")
            return redirect(url_for("hr.plan_admin", plan_id=plan.id))
    return render_template("hr/plan_teams.html", title=f"Teams channel for {plan.leader.name}'s plan", form=form,
                           plan=plan, default=teams.default_url()), 400 if form.errors else 200


@bp.route("/integrations/webhooks/new", methods=["GET", "POST"])
def webhook_new():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = webhooks.register(form.name.data, form.url.data, form.events.data or [], _me(),
                                                 remote_addr(), allow_loopback=_loopback())
        except HookError as exc:
            _field_error(form, exc, "name")
        else:
            db.session.commit()
            # Shown in this response only, never put in the session or a redirect.
            return render_template("hr/webhook_created.html", title=f"{endpoint.name} is registered",
                                   endpoint=endpoint, secret=secret)
    return render_template("hr/webhook_form.html", title="Register a webhook endpoint", form=form,
                           hints=webhooks.EVENT_HINTS), 400 if form.errors else 200


def _endpoint(endpoint_id: int):
    endpoint = webhooks.get(endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.get("/integrations/webhooks/<int:endpoint_id>")
def webhook_log(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    return render_template("hr/webhook_log.html", title=f"Deliveries to {endpoint.name}", endpoint=endpoint,
                           deliveries=webhooks.deliveries(endpoint))


@bp.route("/integrations/webhooks/<int:endpoint_id>/delete", methods=["GET", "POST"])
def webhook_delete(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = endpoint.name
        webhooks.remove(endpoint, _me(), remote_addr())
        db.session.commit()
        flash(f"{name} is deleted. Nothing more is sent to it.", "success")
        return redirect(url_for("hr.integrations"))
    return render_template("hr/webhook_delete.html", title=f"Delete {endpoint.name}?", endpoint=endpoint,
                           form=form), 400 if form.errors else 200
