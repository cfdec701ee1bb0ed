"""The mentor's page (the plans they mentor) and the supporters' page (the plans they are the
buddy, executive assistant or peer mentor of). Each links to the shared plan pages, where
milestones are completed through the usual milestone page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import plans
from ..plans import dashboards, records, supporters

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


@bp.get("/supporting", endpoint="supporting")  # the navigation names it mentor.supporting
@login_required
def supported_plans():
    today = plans.today()
    me = current_user._get_current_object()
    rows = [{"plan": plan, "roles": [supporters.LABELS[r] for r in held], "progress": plans.progress(plan, today)}
            for plan, held in supporters.plans_supported_by(me)]
    return render_template(
        "mentor/supporting.html",
        rows=rows,
        owned=dashboards.owned_milestones(me, "buddy", today),
        delegated=supporters.delegable_milestones(me, today),
        title="Supporting",
    )
