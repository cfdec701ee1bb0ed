"""HR's who's who: list, add, change, remove and reorder the people every new leader should know,
and add the suggested roles. Routes of the HR blueprint (hr.py), so HR only; the rules are in
onboarding.plans.directory."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..extensions import db
from ..plans import directory
from . import remote_addr
from .forms import Form
from .hr import _me, bp


def _max(n: int, what: str) -> Length:
    return Length(max=n, message=f"{what} must be {n} characters or fewer")


class EntryForm(Form):
    role = StringField("Role", description="For example: Caldicott Guardian",
                       validators=[DataRequired("Enter the role"), _max(directory.NAME_MAX, "Role")])
    name = StringField("Name (optional)", description="Leave it blank until you know who holds the role.",
                       validators=[_max(directory.NAME_MAX, "Name")])
    email = StringField("Email address (optional)", validators=[
        Optional(), _max(directory.EMAIL_MAX, "Email address"),
        Regexp(directory.EMAIL_SHAPE, message="Enter an email address like name@nhs.net")])
    organisation = StringField("Organisation (optional)", description="Leave it blank for your own trust.",
                               validators=[_max(directory.NAME_MAX, "Organisation")])
    clinical = BooleanField("A clinical leader", description="Suggested to new leaders for a clinician priority interview.")


class ConfirmForm(Form):
    """A button that only carries the CSRF token: move, remove, add the suggested roles."""


def _values(form: EntryForm) -> dict:
    return {name: f.data for name, f in form._fields.items() if name != "csrf_token"}


def _entry_or_404(entry_id: int):
    entry = directory.get(entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.get("/directory", endpoint="directory")
def directory_page():
    return render_template("hr/directory.html", entries=directory.entries(), form=ConfirmForm(),
                           suggested=directory.SUGGESTED, title="Who's who")


def _edit(entry=None):
    form, adding = EntryForm(obj=entry), entry is None
    if form.validate_on_submit():
        try:
            if adding:
                entry = directory.add(_values(form), _me(), remote_addr())
            else:
                directory.update(entry, _values(form), _me(), remote_addr())
        except directory.DirectoryError as exc:
            db.session.rollback()
            getattr(form, exc.field if exc.field in form else "role").errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{entry.role} is {'added' if adding else 'saved'}.", "success")
            return redirect(url_for("hr.directory"))
    title = "Add someone to the who's who" if adding else f"Change {entry.role}"
    return render_template("hr/directory_form.html", form=form, entry=entry, title=title), 400 if form.errors else 200


@bp.route("/directory/new", methods=["GET", "POST"])
def directory_add():
    return _edit()


@bp.route("/directory/<int:entry_id>/edit", methods=["GET", "POST"])
def directory_edit(entry_id: int):
    return _edit(_entry_or_404(entry_id))


@bp.route("/directory/<int:entry_id>/remove", methods=["GET", "POST"])
def directory_remove(entry_id: int):
    entry = _entry_or_404(entry_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        directory.remove(entry, _me(), remote_addr())
        db.session.commit()
        flash(f"{entry.role} is removed from the who's who. Plans already started keep them on their maps.", "success")
        return redirect(url_for("hr.directory"))
    return render_template("hr/directory_remove.html", entry=entry, form=form,
                           title=f"Remove {entry.role}?"), 400 if form.errors else 200


@bp.post("/directory/<int:entry_id>/<any('up','down'):action>")
def directory_move(entry_id: int, action: str):
    entry = _entry_or_404(entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if directory.move(entry, action, _me(), remote_addr()):
        db.session.commit()
        flash(f"{entry.role} is moved {action}.", "success")
    return redirect(url_for("hr.directory"))


@bp.post("/directory/suggested")
def directory_suggested():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    added = directory.add_suggested(_me(), remote_addr())
    db.session.commit()
    flash(f"{len(added)} suggested {'role is' if len(added) == 1 else 'roles are'} added. Fill in who holds each one.", "success")
    return redirect(url_for("hr.directory"))
