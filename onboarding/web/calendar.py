"""Calendar feeds: the secret .ics address, and a page to copy or reset it."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from .. import calendar_feed
from ..extensions import db
from . import remote_addr

bp = Blueprint("calendar", __name__)


class ResetFeedForm(FlaskForm):
    """No fields: the form carries the CSRF token for the reset."""


def feed_url(user) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}{url_for('calendar.feed', token=user.feed_token)}"


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    # The address itself is the credential (calendar apps cannot sign in), so no session is used.
    user = calendar_feed.user_for_token(token)
    if user is None:
        abort(404)
    body = calendar_feed.build(user, current_app.config["BASE_URL"])
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="onboarding.ics"',
        "Cache-Control": "private, max-age=900",
        "Referrer-Policy": "no-referrer",
    })


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def account():
    form = ResetFeedForm()
    if form.validate_on_submit():
        calendar_feed.reset_token(current_user, remote_addr())
        db.session.commit()
        flash("Your calendar feed has a new address. The old address no longer works: "
              "subscribe again with the new one.", "success")
        return redirect(url_for("calendar.account"))
    status = 400 if form.errors else 200
    return render_template("calendar/account.html", title="Calendar feed", form=form, url=feed_url(current_user)), status
