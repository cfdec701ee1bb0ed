"""HR's user pages: the list, invitations, deactivation and HR rights. Routes of the HR
blueprint (hr.py), so HR only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ..extensions import db
from ..models import User, get_by_id
from ..people import accounts, user_admin
from . import hr_forms as forms
from . import remote_addr
from .hr import _invited, _me, bp


def _users_page(invite=None, status: int = 200, form=None, refused=None):
    return render_template(
        "hr/users.html", users=user_admin.listing(), invite=invite or forms.InviteUserForm(formdata=None),
        action_form=forms.UserActionForm(), form=form, refused=refused,
    ), status


@bp.get("/users", endpoint="users")
def users_page():
    return _users_page()



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
        # Deactivation refused for open plans: list them, each linking to its reassign form.
        return _users_page(status=400, form=form, refused=(user, exc.plans) if isinstance(exc, user_admin.OpenPlansError) else None)
    db.session.commit()
    if message is None:
        _invited(user)
    else:
        flash(message, "success")
    return redirect(url_for("hr.users"))

