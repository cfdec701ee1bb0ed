"""Two-factor authentication pages (people.mfa): the second step of a password sign-in, setting
it up from the account page (QR code, then a code to confirm, then the recovery codes, shown
once) and switching it off. HR's reset and requirement are on HR's user pages (hr_people.py).

Between a right password and a right code the browser holds only a signed note of who is
half-signed-in (user, security stamp, when): no server-side session, so no page but the code
step opens, and the note expires after TWO_FACTOR_PENDING_SECONDS. A person HR requires to use
two-factor who has none is signed in with a mark that sends every page to the set-up until done.
"""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..models import User, get_by_id
from ..people import accounts, mfa, throttle
from . import auth, remote_addr
from .forms import Form

bp = Blueprint("two_factor", __name__)

PENDING_KEY = "2fa_pending"  # the half-signed-in note
SETUP_KEY = "2fa_setup_required"
# What a person HR requires to set up two-factor may still open before they have.
SETUP_EXEMPT = {"two_factor.setup", "auth.logout", "static", "nhsuk_assets", "nhsuk_dist", "main.health",
                "main.accessibility"}


class CodeForm(Form):
    code = StringField("Security code", validators=[DataRequired("Enter the code from your authenticator app"),
                                                    Length(max=40, message="Enter a 6-digit code or a recovery code")],
                       description="The 6-digit code your authenticator app shows now, or one of your recovery codes.")


class SetupForm(Form):
    code = StringField("Code from your authenticator app", validators=[
        DataRequired("Enter the 6-digit code your authenticator app shows"),
        Length(max=20, message="Enter the 6-digit code your authenticator app shows")],
        description="6 digits, for example 123456.")


class SwitchOffForm(Form):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password"), Length(max=256)])


def _policy() -> throttle.Policy:
    return throttle.Policy.from_config(current_app.config)


# --- after a right password (called by auth.login) ----------------------------------------------


def second_step(user: User, next_url: str | None):
    """The code step's redirect when ``user`` has two-factor on (no session is started), else None."""
    if not mfa.is_enabled(user):
        return None
    session.clear()
    session[PENDING_KEY] = {"u": user.id, "s": user.security_stamp, "t": int(time.time()),
                            "n": auth.safe_next(next_url)}
    return redirect(url_for("two_factor.code"))


def mark_if_setup_required(user: User) -> None:
    """Called just after a password sign-in started the session."""
    if mfa.is_required() and not mfa.is_enabled(user):
        session[SETUP_KEY] = True


@bp.before_app_request
def setup_first():
    """Someone HR requires to use two-factor goes to set it up before any other page."""
    if not session.get(SETUP_KEY) or request.endpoint in SETUP_EXEMPT or request.blueprint == "api":
        return None
    if not current_user.is_authenticated:
        return None
    return redirect(url_for("two_factor.setup"))


def _pending_user() -> User | None:
    note = session.get(PENDING_KEY)
    if not isinstance(note, dict) or not isinstance(note.get("t"), int):
        return None
    if time.time() - note["t"] > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        return None
    user = get_by_id(User, note.get("u"))
    if user is None or not user.active or user.security_stamp != note.get("s"):
        return None
    return user


@bp.route("/login/two-factor", methods=["GET", "POST"])
def code():
    """The second step: a code from the app or a recovery code; only then a session starts."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash("Sign in again: the time to enter your security code ran out.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        address = remote_addr()
        try:
            via = mfa.verify(user, form.code.data, current_app.config["SECRET_KEY"], _policy(), address)
        except mfa.MfaError as exc:
            form.code.errors = [str(exc)]
            status = 429 if str(exc) == mfa.LOCKED else 400
        else:
            next_url = session[PENDING_KEY].get("n")
            auth.start_session(user, address)  # a new session: the half-signed-in note goes with the old one
            db.session.commit()
            if via == "recovery code":
                left = mfa.remaining_recovery_codes(user)
                flash(f"You used a recovery code. You have {left} left.", "info")
            return redirect(next_url or url_for("main.home"))
    if form.errors and status == 200:
        status = 400
    return render_template("two_factor/code.html", title="Enter your security code", form=form), status


# --- the account page ---------------------------------------------------------------------------


def _qr(user: User, secret: str) -> Markup:
    uri = mfa.provisioning_uri(user, secret, current_app.config["SERVICE_NAME"])
    svg = mfa.qr_svg(uri, "QR code to scan with your authenticator app")
    # Our own markup (segno's SVG of our own address; its title is fixed text): an image to assistive technology.
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code to scan with your authenticator app" ', 1))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def setup():
    user = current_user._get_current_object()
    if mfa.is_enabled(user):
        session.pop(SETUP_KEY, None)
        return render_template("two_factor/status.html", title="Two-factor authentication",
                               remaining=mfa.remaining_recovery_codes(user), required=mfa.is_required())
    secret_key = current_app.config["SECRET_KEY"]
    secret = mfa.start_setup(user, secret_key)
    db.session.commit()
    form = SetupForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm(user, form.code.data, secret_key, _policy(), remote_addr())
        except mfa.MfaError as exc:
            form.code.errors = [str(exc)]
        else:
            db.session.commit()
            session.pop(SETUP_KEY, None)
            # Shown once, in this answer: only their hashes are kept.
            return render_template("two_factor/recovery_codes.html", title="Save your recovery codes", codes=codes)
    return render_template(
        "two_factor/setup.html", title="Set up two-factor authentication", form=form, qr=_qr(user, secret),
        secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        forced=bool(session.get(SETUP_KEY)),
    ), 400 if form.errors else 200


@bp.route("/account/two-factor/off", methods=["GET", "POST"])
@login_required
def switch_off():
    """Switch two-factor off, with the password again; refused while HR requires it."""
    user = current_user._get_current_object()
    if not mfa.is_enabled(user):
        return redirect(url_for("two_factor.setup"))
    form = SwitchOffForm()
    required = mfa.is_required()
    if form.validate_on_submit():
        address, policy = remote_addr(), _policy()
        allowed = throttle.reserve(user.email, address, policy)  # a password guess, counted as sign-in's are
        db.session.commit()
        try:
            if not allowed:
                raise mfa.MfaError(accounts.LOCKED, "password")
            mfa.switch_off(user, accounts.check_password(user, form.password.data), address)
        except mfa.MfaError as exc:
            db.session.rollback()
            form.password.errors = [str(exc)]
        else:
            throttle.release(user.email, address, policy)
            db.session.commit()
            flash("Two-factor authentication is off. You sign in with your password alone.", "success")
            return redirect(url_for("account.settings"))
    return render_template("two_factor/switch_off.html", title="Switch off two-factor authentication", form=form,
                           required=required), 400 if form.errors else 200
