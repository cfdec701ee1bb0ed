"""HR's user pages: the list, invitations, deactivation (after a page showing what the person
is part of) and HR rights, and the people pickers' search. Routes of the HR blueprint
(hr.py), so HR only."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from ..extensions import db
from ..models import User, get_by_id
from ..people import accounts, mfa, user_admin
from . import hr_forms as forms
from . import remote_addr
from .hr import _invited, _me, bp
from .hr_people import PolicyForm  # (and so hr_people's routes join the HR blueprint)


def _users_page(invite=None, status: int = 200, form=None):
    return render_template(
        "hr/users.html", users=user_admin.listing(), invite=invite or forms.InviteUserForm(formdata=None),
        action_form=forms.UserActionForm(), form=form,
        policy=PolicyForm(formdata=None, required=mfa.is_required()),  # two-factor (hr_people.py)
    ), status


@bp.get("/users", endpoint="users")
def users_page():
    return _users_page()


@bp.get("/people.json")
def people_search():
    """The people pickers' search: at most 20 active users whose name or email contains ``q``."""
    found = user_admin.search(request.args.get("q", ""))
    return jsonify([{"name": u.name, "email": u.email} for u in found])


def _deactivate_page(user: User, status: int = 200, form=None):
    """What ``user`` is part of, and the button to deactivate them unless open plans they
    sponsor or mentor need reassigning first."""
    return render_template("hr/deactivate.html", person=user, part=user_admin.involvement(user),
                           form=form or forms.UserActionForm()), status


@bp.get("/users/<int:user_id>/deactivation")
def confirm_deactivate(user_id: int):
    user = get_by_id(User, user_id)
    if user is None or not user.active:
        abort(404)
    return _deactivate_page(user)


@bp.post("/users/invite")
def invite_user():
    form = forms.InviteUserForm()
    if form.validate():
        try:
            user = accounts.create_user(form.email.data, form.name.data, is_hr=form.hr.data, actor=_me(), remote_addr=remote_addr())
        except accounts.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field if exc.field in ("email", "name") else "email").errors.append(str(exc))
        else:
            db.session.commit()
            _invited(user)
            return redirect(url_for("hr.users"))
    return _users_page(form, 400, form)


@bp.post("/users/<int:user_id>/<any('deactivate','reactivate','grant-hr','remove-hr','invite-link'):action>")
def user_action(user_id: int, action: str):
    user = get_by_id(User, user_id)
    if user is None:
        abort(404)
    form = forms.UserActionForm()
    if not form.validate():
        return _users_page(status=400, form=form)
    me = _me()
    try:
        if action in ("deactivate", "reactivate"):
            user_admin.set_active(user, action == "reactivate", me, remote_addr())
            message = f"{user.name} is {'reactivated' if user.active else 'deactivated and signed out'}."
        elif action in ("grant-hr", "remove-hr"):
            user_admin.set_hr(user, action == "grant-hr", me, remote_addr())
            message = f"{user.name} {'now has' if user.is_hr else 'no longer has'} HR rights."
        elif not accounts.record_invite_link(user, me, remote_addr()):
            abort(404)  # only an active user with no password yet has a link to show
        else:
            message = None
    except accounts.AccountError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        if action == "deactivate" and user.active:  # refused: the confirmation page says why
            return _deactivate_page(user, 400, form)
        return _users_page(status=400, form=form)
    db.session.commit()
    if message is None:
        _invited(user)
    else:
        flash(message, "success")
    return redirect(url_for("hr.users"))

