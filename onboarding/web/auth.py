"""Sign in, sign out, set a password through an invite or forgotten-password link (which
signs the person in), and ask for such a link."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..people import accounts, audit, sessions, throttle
from . import SESSION_ID_KEY, current_user_session, remote_addr, session_limits
from . import mfa as two_factor
from .forms import Form, LoginForm, SetPasswordForm
from .guards import password_refused

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


def start_session(user, address: str | None) -> None:
    """A new server-side session for ``user`` on this browser, as signing in makes."""
    session.clear()  # a new session on sign-in
    session.permanent = True  # the cookie outlives no server-side session (SESSION_MAX_SECONDS)
    _row, raw = sessions.start(user, session_limits(), address)
    session[SESSION_ID_KEY] = raw
    login_user(user)  # never remember=True: only the server-side session signs anyone in


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        if (refused := password_refused(form.email.data)) is not None:  # SSO-only mode
            return refused
        address = remote_addr()
        try:
            user = accounts.sign_in(form.email.data, form.password.data, address,
                                    throttle.Policy.from_config(current_app.config))
        except accounts.AccountError as exc:
            form.password.errors = [str(exc)]
        else:
            if (code_step := two_factor.second_step(user, request.args.get("next"))) is not None:
                db.session.commit()
                return code_step  # no session until the code is right (web/mfa.py)
            start_session(user, address)
            two_factor.mark_if_setup_required(user)
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
    config = current_app.config
    return _new_password(accounts.user_for_invite(token, config["SECRET_KEY"], config["INVITE_MAX_AGE"]), "invite")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _new_password(accounts.user_for_reset(token, current_app.config), "reset")


def _new_password(user, via: str):
    """Set a password through a single-use link, then sign the person in on this browser."""
    if user is None:
        return render_template("auth/link_expired.html"), 404
    if (refused := password_refused(user.email)) is not None:  # SSO-only mode
        return refused
    form = SetPasswordForm()
    if form.validate_on_submit():
        address = remote_addr()
        try:
            accounts.set_password(user, form.password.data)  # ends every session of the user
        except accounts.AccountError as exc:
            db.session.rollback()
            if exc.field != "password":  # another request used the link a moment ago
                return render_template("auth/link_expired.html"), 404
            form.password.errors = [str(exc)]
        else:
            audit.record(user, "user.set_password", user, address, via=via)
            _end_current_session()  # whoever was signed in on this browser
            if (code_step := two_factor.second_step(user, None)) is not None:  # a link is no second factor
                db.session.commit()
                flash("Your password is set. Enter your security code to sign in.", "success")
                return code_step
            start_session(user, address)
            two_factor.mark_if_setup_required(user)
            sessions.record_sign_in(user, address, via=f"{via} link")
            db.session.commit()
            flash("Your password is set and you are signed in.", "success")
            return redirect(url_for("main.home"))
    status = 200 if not form.errors else 400
    return render_template("auth/set_password.html", form=form, user=user, via=via), status


class ForgottenPasswordForm(Form):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)],
                       description="The address your HR team invited you with.")


@bp.route("/forgotten-password", methods=["GET", "POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        if (refused := password_refused(form.email.data)) is not None:  # SSO-only mode
            return refused
        if accounts.request_reset(form.email.data, remote_addr(), current_app.config):
            return render_template("auth/reset_sent.html", message=accounts.RESET_SENT)
        form.email.errors = [accounts.RESET_LOCKED]
        return render_template("auth/forgotten_password.html", form=form), 429
    status = 200 if not form.errors else 400
    return render_template("auth/forgotten_password.html", form=form), status
