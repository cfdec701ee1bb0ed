"""Calendar feeds: the secret .ics address, and a page to create or replace it."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..people import audit
from ..plans import calendar_feed
from . import remote_addr
from .forms import Form

bp = Blueprint("calendar", __name__)


class CreateFeedForm(Form):
    """No fields: the form carries the CSRF token for creating an address."""


def feed_url(token: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}{url_for('calendar.feed', token=token)}"


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    # The address itself is the credential (calendar apps cannot sign in), so no session is used.
    user = calendar_feed.user_for_token(token)
    if user is None:
        abort(404)
    body = calendar_feed.build(user, current_app.config["BASE_URL"])
    # Calendar apps fetch every hour or so: the first fetch of each day is enough to show use.
    if audit.record_daily(user, "calendar.feed", user, remote_addr()):
        db.session.commit()
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="onboarding.ics"',
        "Cache-Control": "private, max-age=900",
        "Referrer-Policy": "no-referrer",
    })


def _page(form, new_url: str | None = None, status: int = 200):
    return render_template("calendar/account.html", title="Calendar feed", form=form, new_url=new_url,
                           created_at=current_user.feed_token_created_at), status


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def account():
    form = CreateFeedForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    token = calendar_feed.create_address(current_user, remote_addr())
    db.session.commit()
    # Shown in this response only (never flashed or redirected): only the token's hash is kept.
    return _page(CreateFeedForm(formdata=None), new_url=feed_url(token))
