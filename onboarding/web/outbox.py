"""HR's view of the nudge outbox: what is queued or failed, why, and a resend."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from .. import access, audit
from ..extensions import db, login_manager
from ..models import Nudge
from ..nudges import SENDING
from . import remote_addr
from .forms import Form

bp = Blueprint("outbox", __name__, url_prefix="/hr/outbox")

KIND_LABELS = {
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "escalation": "Escalation to sponsor",
    "checkin_due": "Check-in due",
    "digest": "Weekly digest",
}
STATUS_LABELS = {"pending": "Queued", SENDING: "Sending", "failed": "Failed"}
LIMIT = 500


class ResendForm(Form):
    """Only the CSRF token: the nudge comes from the URL."""


@bp.before_request
def require_hr():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not access.is_hr(current_user):
        abort(404)


def _rows(statuses) -> list[Nudge]:
    return db.session.scalars(
        sa.select(Nudge)
        .where(Nudge.status.in_(statuses))
        .options(selectinload(Nudge.recipient), selectinload(Nudge.plan), selectinload(Nudge.milestone))
        .order_by(Nudge.recorded_on.desc(), Nudge.id.desc())
        .limit(LIMIT)
    ).all()


def _index(form: ResendForm, status: int = 200):
    return (
        render_template(
            "outbox/index.html",
            title="Outbox",
            queued=_rows(("pending", SENDING)),
            failed=_rows(("failed",)),
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
    nudge = db.session.get(Nudge, nudge_id)
    if nudge is None or nudge.status != "failed":
        abort(404)
    form = ResendForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    audit.record(current_user, "nudge.resend", nudge, remote_addr(), kind=nudge.kind,
                 recipient=nudge.recipient.email, attempts=nudge.attempts, last_error=nudge.last_error)
    nudge.status = "pending"
    nudge.attempts = 0
    nudge.next_attempt_at = None
    db.session.commit()
    flash(f"The {KIND_LABELS.get(nudge.kind, nudge.kind).lower()} nudge to {nudge.recipient.name} is queued again. It goes out with the next delivery, within 15 minutes.", "success")
    return redirect(url_for("outbox.index"))
