"""HR's page for one user (employee identifiers, two-factor status and reset, the single sign-on link), a plan's
identifiers, and the setting that requires two-factor for everyone who signs in with a password.
Routes of the HR blueprint (hr.py), so HR only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from wtforms import BooleanField

from ..extensions import db
from ..models import User, get_by_id
from ..people import access, identifiers, mfa, sso
from . import remote_addr
from .forms import Form
from .hr import _me, bp
from .hr_plans import _admin_page
from .identifier_forms import IdentifiersForm, for_object
from .leader_forms import ConfirmForm


class PolicyForm(Form):
    required = BooleanField("Require two-factor authentication for everyone who signs in with a password")


def _user(user_id: int) -> User:
    user = get_by_id(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(user: User, status: int = 200, form: IdentifiersForm | None = None):
    return render_template("hr/user_details.html", title=user.name, person=user, form=form,
                           ids=form or for_object(user), reset=ConfirmForm(),
                           two_factor=mfa.is_enabled(user), required=mfa.is_required()), status


@bp.get("/users/<int:user_id>")
def user_details(user_id: int):
    return _user_page(_user(user_id))


@bp.post("/users/<int:user_id>/identifiers")
def user_identifiers(user_id: int):
    user = _user(user_id)
    form = IdentifiersForm(prefix="ids")
    if not form.validate():
        return _user_page(user, 400, form)
    try:
        identifiers.update(user, form.esr_number.data, form.external_id.data, _me(), remote_addr())
    except identifiers.IdentifierError as exc:
        db.session.rollback()
        form[exc.field].errors.append(str(exc))
        return _user_page(user, 400, form)
    db.session.commit()
    flash(f"{user.name}'s identifiers are saved.", "success")
    return redirect(url_for("hr.user_details", user_id=user.id))


@bp.post("/users/<int:user_id>/two-factor/reset")
def reset_two_factor(user_id: int):
    """A lost device: two-factor off and every session of the user ended (audited)."""
    user = _user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not mfa.is_enabled(user):  # nothing to reset: their sessions go on
        flash(f"{user.name} has not set up two-factor authentication.", "info")
        return redirect(url_for("hr.user_details", user_id=user.id))
    mfa.reset(user, _me(), remote_addr())
    db.session.commit()
    flash(f"{user.name}'s two-factor authentication is reset and they are signed out everywhere. "
          "They set it up again from their account page"
          f"{' when they next sign in' if mfa.is_required() else ''}.", "success")
    return redirect(url_for("hr.user_details", user_id=user.id))


@bp.post("/users/<int:user_id>/sso/unlink")
def unlink_sso(user_id: int):
    """Their provider account was replaced: forget the link (audited); their next single
    sign-on links again by their verified email address."""
    user = _user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if sso.unlink(user, _me(), remote_addr()):
        db.session.commit()
        flash(f"{user.name}'s single sign-on account is no longer linked. Their next single sign-on links "
              "the account the sign-in service vouches for by their email address.", "success")
    else:
        flash(f"{user.name} has no single sign-on account linked.", "info")
    return redirect(url_for("hr.user_details", user_id=user.id))


@bp.post("/two-factor")
def two_factor_policy():
    form = PolicyForm()
    if not form.validate():
        abort(400)
    changed = mfa.set_required(bool(form.required.data), _me(), remote_addr())
    db.session.commit()
    if changed:
        flash("Two-factor authentication is now required for everyone who signs in with a password, from their "
              "next sign-in." if form.required.data else "Two-factor authentication is no longer required.", "success")
    return redirect(url_for("hr.users", _anchor="two-factor"))


@bp.post("/plans/<int:plan_id>/identifiers")
def plan_identifiers(plan_id: int):
    plan = access.plan_for(_me(), plan_id)
    if plan is None:
        abort(404)
    form = IdentifiersForm(prefix="ids")
    try:
        if not form.validate():
            raise identifiers.IdentifierError("", "")
        identifiers.update(plan, form.esr_number.data, form.external_id.data, _me(), remote_addr())
    except identifiers.IdentifierError as exc:
        db.session.rollback()
        if exc.field:
            form[exc.field].errors.append(str(exc))
        return _admin_page(plan, 400, "identifiers", identifiers=form)
    db.session.commit()
    flash("The plan's identifiers are saved.", "success")
    return redirect(url_for("hr.plan_admin", plan_id=plan.id, _anchor="identifiers"))
