"""Sign in, sign out and set a password through an invite link."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..people import accounts, audit, sessions, throttle
from . import SESSION_ID_KEY, current_user_session, remote_addr, session_limits
from .forms import LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` rebuilt as a path on this site, or None. Browsers ignore tabs and line
    breaks and read backslashes as slashes, so "/\\t/evil.example" would leave the site:
    anything with a scheme, a host, a backslash or a control character, before or after
    percent-decoding, is refused."""
    if not target or len(target) > 2000:
        return None
    for text in (target, unquote(target)):
        if "\\" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            return None
        parts = urlsplit(text)
        if parts.scheme or parts.netloc or not text.startswith("/") or text.startswith("//"):
            return None
    parts = urlsplit(target)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def _end_current_session() -> None:
    sessions.end(current_user_session())
    logout_user()
    session.clear()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        address = remote_addr()
        try:
            user = accounts.sign_in(form.email.data, form.password.data, address,
                                    throttle.Policy.from_config(current_app.config))
        except accounts.AccountError as exc:
            form.password.errors = [str(exc)]
        else:
            session.clear()  # a new session on sign-in
            session.permanent = True  # the cookie outlives no server-side session (SESSION_MAX_SECONDS)
            _row, raw = sessions.start(user, session_limits(), address)
            session[SESSION_ID_KEY] = raw
            login_user(user)  # never remember=True: only the server-side session signs anyone in
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    status = 200 if not form.errors else 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    audit.record(current_user, "user.logout", current_user._get_current_object(), remote_addr())
    _end_current_session()
    db.session.commit()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    user = accounts.user_for_invite(token, current_app.config["SECRET_KEY"], current_app.config["INVITE_MAX_AGE"])
    if user is None:
        return render_template("auth/link_expired.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data)  # ends every session of the user
        except accounts.AccountError as exc:
            db.session.rollback()
            if exc.field != "password":  # another request used the link a moment ago
                return render_template("auth/link_expired.html"), 404
            form.password.errors = [str(exc)]
        else:
            audit.record(user, "user.set_password", user, remote_addr())
            _end_current_session()  # whoever was signed in on this browser
            db.session.commit()
            flash("Your password is set. Sign in with your email address and new password.", "success")
            return redirect(url_for("auth.login"))
    status = 200 if not form.errors else 400
    return render_template("auth/set_password.html", form=form, user=user), status
