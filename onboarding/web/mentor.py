"""The mentor's page: the plans they mentor. Each links to the shared plan pages, where
mentor-owned milestones are completed through the usual milestone page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import plans
from ..plans import dashboards, records

bp = Blueprint("mentor", __name__)


@bp.get("/mentoring", endpoint="plans")  # the navigation names it mentor.plans
@login_required
def mentored_plans():
    today = plans.today()
    rows = [{"plan": plan, "progress": plans.progress(plan, today)} for plan in records.plans_mentored_by(current_user)]
    return render_template(
        "mentor/plans.html",
        rows=rows,
        # Closed plans are a read-only record, so only running plans leave the mentor anything to do.
        milestones=dashboards.owned_milestones(current_user, "mentor", today),
        title="Mentoring",
    )
