"""HR's page for API tokens: issue (shown once), list and revoke."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..people import accounts, tokens
from . import remote_addr
from .forms import Form
from .guards import hr_required

bp = Blueprint("tokens_admin", __name__, url_prefix="/hr/tokens")


class IssueTokenForm(Form):
    email = EmailField("Email address of the user the token acts as",
                       description="The token has exactly this user's access. For an HR system, use an HR account.",
                       validators=[DataRequired("Enter the email address of the user the token acts as"), Length(max=254)])
    name = StringField("Label (optional)", description="To recognise the token later, for example the HR system's name.",
                       validators=[Length(max=tokens.MAX_NAME, message=f"Label must be {tokens.MAX_NAME} characters or fewer")])


class RevokeForm(Form):
    """No fields: the form carries the CSRF token for the revoke button."""


@bp.before_request
@hr_required
def hr_only():
    """Every page here is HR's."""


def _page(form, new_token=None, status=200):
    return render_template("tokens_admin/index.html", title="API tokens", form=form, revoke_form=RevokeForm(),
                           tokens=tokens.list_tokens(), new_token=new_token), status


@bp.get("/")
def index():
    return _page(IssueTokenForm())


@bp.post("/")
def issue():
    form = IssueTokenForm()
    if form.validate_on_submit():
        try:
            token, raw = tokens.create(accounts.find_user(form.email.data), form.name.data,
                                       actor=current_user, remote_addr=remote_addr())
        except tokens.TokenError as exc:
            db.session.rollback()
            (form.name if exc.field == "name" else form.email).errors = [str(exc)]
        else:
            db.session.commit()
            # Shown in this response only, never put in the session or a redirect.
            return _page(IssueTokenForm(formdata=None), new_token={"token": token, "raw": raw})
    return _page(form, status=400)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    form = RevokeForm()
    token = tokens.get(token_id)
    if token is None:
        abort(404)
    if form.validate_on_submit():
        try:
            tokens.revoke(token, actor=current_user, remote_addr=remote_addr())
        except tokens.TokenError as exc:
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"Token {token.id} for {token.user.email} is revoked. Requests with it now fail.", "success")
    return redirect(url_for("tokens_admin.index"))
