"""The mentor's page: the plans they mentor. Each links to the shared plan pages, where
mentor-owned milestones are completed through the usual milestone page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import plans
from ..people import access
from ..plans import records

bp = Blueprint("mentor", __name__)


@bp.get("/mentoring", endpoint="plans")  # the navigation names it mentor.plans
@login_required
def mentored_plans():
    mentored = records.plans_mentored_by(current_user)
    today = plans.today()
    rows = [
        {
            "plan": plan,
            "progress": plans.progress(plan, today),
            # Closed plans are a read-only record, so nothing there is left for the mentor to do.
            "mine_open": []
            if access.plan_is_closed(plan)
            else [m for m in plan.milestones if m.owner == "mentor" and m.is_open],
        }
        for plan in mentored
    ]
    return render_template("mentor/plans.html", rows=rows, state=plans.milestone_state, title="Mentoring")

