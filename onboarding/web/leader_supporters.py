"""The leader nominates a peer mentor (a route of the leader blueprint): an existing user,
or someone new, who is invited by email. plans.supporters decides and writes."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..people import access, accounts
from ..plans import supporters
from . import remote_addr
from .leader import _forbidden, _plan_or_404, bp
from .supporter_forms import PeerMentorForm


@bp.route("/plans/<int:plan_id>/peer-mentors/new", methods=["GET", "POST"])
def nominate_peer_mentor(plan_id: int):
    plan = _plan_or_404(plan_id)
    if not access.can_write_leader_records(current_user, plan):
        if access.plan_is_closed(plan):
            return _forbidden(plan, f"This plan is {plan.status}. Its supporters can no longer change.")
        return _forbidden(plan, "Only the leader whose plan this is can nominate peer mentors.")
    form = PeerMentorForm()
    if form.validate_on_submit():
        me = current_user._get_current_object()
        try:
            user, new = supporters.nominate_peer_mentor(plan, me, form.name.data, form.email.data, remote_addr())
        except supporters.SupporterError as exc:
            db.session.rollback()
            getattr(form, exc.field if exc.field in ("name", "email") else "email").errors.append(str(exc))
        else:
            db.session.commit()
            message = f"{user.name} is now your peer mentor and can see your plan."
            if new:
                # Never show the set-password link here: it is the new person's, not the leader's.
                _link, sent = accounts.invite(user, current_app.config, sent_by=me)
                message += (" We have emailed them an invitation." if sent else
                            " We could not email their invitation; HR can send it again from the users page.")
            flash(message, "success")
            return redirect(url_for(".plan", plan_id=plan.id, _anchor="about"))
    return render_template("leader/peer_mentor_form.html", plan=plan, form=form, section="overview",
                           title="Nominate a peer mentor"), 400 if form.errors else 200
