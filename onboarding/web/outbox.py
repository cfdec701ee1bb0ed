"""HR's view of the nudge outbox: what is queued or failed, why, and a resend; and the
searchable log of every email sent."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length

from ..extensions import db
from ..nudges import SENDING, outbox_admin, sent_log
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
    "checkin_actions": "Check-in actions",
    "concern": "Concern raised",
}
# The sent-email log names every kind of email, nudges and the others alike.
SENT_KINDS = KIND_LABELS | {
    "invite": "Invitation",
    "password_reset": "Password reset",
}
STATUS_LABELS = {"pending": "Queued", SENDING: "Sending", "failed": "Failed"}


class ResendForm(Form):
    """Only the CSRF token: the nudge comes from the URL."""


class SentSearchForm(Form):
    """A GET form: the search lives in the URL, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Search by recipient or subject", validators=[Length(max=300, message="Search must be 300 characters or fewer")])


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
            search=SentSearchForm(formdata=None),
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


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _pagination(result: sent_log.LogPage, query: str) -> dict | None:
    """The NHS.UK pagination component's links for the log, keeping the search."""
    if result.pages <= 1:
        return None

    def link(n: int) -> str:
        return url_for("outbox.sent", page=n, **({"q": query} if query else {}))

    pagination = {"items": [{"number": n, "href": link(n), "current": n == result.page} for n in range(1, result.pages + 1)]}
    if result.page > 1:
        pagination["previous"] = {"href": link(result.page - 1)}
    if result.page < result.pages:
        pagination["next"] = {"href": link(result.page + 1)}
    return pagination


@bp.get("/sent")
def sent():
    form = SentSearchForm(request.args)
    if not form.validate():
        return render_template("outbox/sent.html", title="Sent emails", form=form, result=None, kinds=SENT_KINDS), 400
    query = (form.q.data or "").strip()
    result = sent_log.search(query, _page_number())
    return render_template("outbox/sent.html", title="Sent emails", form=form, result=result, query=query,
                           pagination=_pagination(result, query), kinds=SENT_KINDS)
