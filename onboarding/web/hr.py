"""HR pages: the cohort. The HR blueprint's plan pages (starting and administering plans),
playbook and user pages are in hr_plans.py, hr_playbooks.py and hr_users.py. Every route is HR only;
anyone else gets a 404 (sign-in first for anonymous users)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from .. import plans
from ..models import User
from ..people import accounts, sso
from ..plans import attention, cohort
from . import hr_forms as forms
from .downloads import attachment, audited
from .guards import hr_required

bp = Blueprint("hr", __name__, url_prefix="/hr")


@bp.before_request
@hr_required
def hr_only():
    """Every page here is HR's."""


def _me() -> User:
    return current_user._get_current_object()


def _invited(user: User) -> None:
    link, sent = accounts.invite(user, current_app.config, sent_by=_me())
    by_sso = sso.invites_by_sso(user, sso.settings(current_app.config))  # SSO-only: no password to set
    flash(
        f"{user.name} is invited{' and has been emailed' if sent else ''}. "
        + (f"They sign in with single sign-on at {link}" if by_sso else f"Their single-use set-password link is: {link}"),
        "success",
    )


@bp.get("/attention", endpoint="attention")
def attention_page():
    """HR's first page: what is waiting for HR across the cohort."""
    today = plans.today()
    return render_template("hr/attention.html", a=attention.attention(today, current_user._get_current_object()), today=today)


# --- cohort -----------------------------------------------------------------------------------


def _filters(form: forms.CohortFilterForm) -> cohort.Filters:
    return cohort.Filters(
        status=form.status.data or None,
        playbook=form.playbook.data or None,
        overdue_only=bool(form.overdue.data),
    )


def _filter_form() -> forms.CohortFilterForm:
    form = forms.CohortFilterForm(request.args)
    form.playbook.choices = forms.opts([("", "Any playbook")] + cohort.playbook_choices())
    return form


@bp.get("/cohort", endpoint="cohort")
def cohort_page():
    form = _filter_form()
    if not form.validate():
        return render_template("hr/cohort.html", form=form, page=None, pagination=None), 400
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    result = cohort.page(_filters(form), number)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    pagination = None
    if result.pages > 1:
        link = lambda n: url_for("hr.cohort", page=n, **args)  # noqa: E731
        pagination = {
            "items": [{"number": n, "href": link(n), "current": n == result.page} if n else {"ellipsis": True}
                      for n in cohort.page_window(result.page, result.pages)],
        }
        if result.page > 1:
            pagination["previous"] = {"href": link(result.page - 1)}
        if result.page < result.pages:
            pagination["next"] = {"href": link(result.page + 1)}
    csv_url = url_for("hr.cohort_csv", **args)
    return render_template("hr/cohort.html", form=form, page=result, pagination=pagination, csv_url=csv_url, today=plans.today())



@bp.get("/cohort.csv")
def cohort_csv():
    form = _filter_form()
    if not form.validate():
        abort(400)
    filters = _filters(form)
    body = cohort.to_csv(cohort.all_rows(filters))
    audited(_me(), "export.cohort_csv", status=filters.status, playbook=filters.playbook, overdue_only=filters.overdue_only)
    return attachment(body, "text/csv", f"cohort-{plans.today().isoformat()}.csv")
