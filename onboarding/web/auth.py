"""Sign in, sign out and set a password through an invite link."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .. import accounts, audit
from ..extensions import db
from ..models import utcnow
from . import remote_addr
from .forms import LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "Enter a correct email address and password"
LOCKED = "Too many failed attempts. Wait 15 minutes and try again."


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = accounts.User.normalise_email(form.email.data)
        keys = [f"account:{email}", f"address:{request.remote_addr}"]
        cfg = current_app.config
        if accounts.is_locked(keys):
            error = LOCKED
        else:
            user = accounts.find_user(email)
            if accounts.check_password(user, form.password.data) and user.active:
                accounts.clear_failures(keys)
                session.clear()  # a new session on sign-in
                session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME (8 hours) whatever happens
                login_user(user)
                user.last_login_at = utcnow()
                audit.record(user, "user.login", user, remote_addr())
                db.session.commit()
                return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
            accounts.record_failure(keys, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCK_SECONDS"])
            db.session.commit()
            error = GENERIC_FAILURE
        form.password.errors = [error]
    status = 200 if not form.errors else 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    audit.record(current_user, "user.logout", current_user._get_current_object(), remote_addr())
    db.session.commit()
    logout_user()
    session.clear()
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
            accounts.set_password(user, form.password.data)
        except accounts.AccountError as exc:
            form.password.errors = [str(exc)]
        else:
            audit.record(user, "user.set_password", user, remote_addr())
            db.session.commit()
            logout_user()
            session.clear()
            flash("Your password is set. Sign in with your email address and new password.", "success")
            return redirect(url_for("auth.login"))
    status = 200 if not form.errors else 400
    return render_template("auth/set_password.html", form=form, user=user), status
