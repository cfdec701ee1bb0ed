"""Plan exports: CSV and a printable page for a review meeting. Same access as reading the plan."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..people import access
from ..plans import exports
from .downloads import attachment, audited

bp = Blueprint("exports", __name__)


def _plan(plan_id: int):
    plan = access.plan_for(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.get("/plans/<int:plan_id>/export.csv")
@login_required
def plan_csv(plan_id: int):
    plan = _plan(plan_id)
    audited(current_user, "export.plan_csv", plan)
    return attachment(exports.plan_csv(plan), "text/csv", exports.csv_filename(plan))


@bp.get("/plans/<int:plan_id>/print")
@login_required
def plan_print(plan_id: int):
    plan = _plan(plan_id)
    audited(current_user, "export.plan_print", plan)
    return render_template("exports/print.html", title=f"Onboarding review: {plan.leader.name}", **exports.review(plan))
