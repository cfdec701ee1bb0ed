"""HR's view of the nudge outbox: what is queued or failed, why, and a resend."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..nudges import SENDING, outbox_admin
from . import remote_addr
from .forms import Form
from .guards import hr_required

bp = Blueprint("outbox", __name__, url_prefix="/hr/outbox")

KIND_LABELS = {
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "escalation": "Escalation to sponsor",
    "checkin_due": "Check-in due",
    "digest": "Weekly digest",
}
STATUS_LABELS = {"pending": "Queued", SENDING: "Sending", "failed": "Failed"}


class ResendForm(Form):
    """Only the CSRF token: the nudge comes from the URL."""


@bp.before_request
@hr_required
def hr_only():
    """Every page here is HR's."""


def _index(form: ResendForm, status: int = 200):
    return (
        render_template(
            "outbox/index.html",
            title="Outbox",
            queued=outbox_admin.listing(("pending", SENDING)),
            failed=outbox_admin.listing(("failed",)),
            kinds=KIND_LABELS,
            statuses=STATUS_LABELS,
            form=form,
        ),
        status,
    )


@bp.get("")
def index():
    return _index(ResendForm())


@bp.post("/<int:nudge_id>/resend")
def resend(nudge_id: int):
    nudge = outbox_admin.failed_nudge(nudge_id)
    if nudge is None:
        abort(404)
    form = ResendForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    outbox_admin.requeue(nudge, current_user._get_current_object(), remote_addr())
    db.session.commit()
    flash(f"The {KIND_LABELS.get(nudge.kind, nudge.kind).lower()} nudge to {nudge.recipient.name} is queued again. It goes out with the next delivery, within 15 minutes.", "success")
    return redirect(url_for("outbox.index"))
