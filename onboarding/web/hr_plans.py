"""HR's plan pages: starting a plan (preview, warnings, confirmation) and administering one
(reassign, supporters, pause, resume, extend with a preview, close, move to a newer playbook version).
Routes of the HR blueprint (hr.py), so HR only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import plans
from ..extensions import db
from ..models import Plan
from ..people import access, accounts, user_admin
from ..plans import cohort, dates, plan_start, planning, rebase, supporters
from ..plans import tailoring as plan_tailoring
from ..plans.pulses import SCORE_LABELS, readable, scores
from . import hr_forms as forms
from . import identifier_forms, remote_addr
from .hr import _invited, _me, bp
from .leader_forms import ConfirmForm
from .supporter_forms import SupporterForm

# --- start a plan -----------------------------------------------------------------------------


def _new_plan_form() -> forms.NewPlanForm:
    form = forms.NewPlanForm()
    form.playbook.choices = forms.opts([("", "Choose a playbook")] + cohort.playbook_choices())
    if request.method == "GET":
        form.working_days.data = list(planning.DEFAULT_WORKING_DAYS)
        form.months.data = 6
    return form


def _form_page(form: forms.NewPlanForm, status: int = 200):
    return render_template("hr/new_plan.html", form=form, people=user_admin.listed_people()), status


def _check_plan(form: forms.NewPlanForm) -> plan_start.Checked | None:
    """plan_start's judgement of the form, the same rules as the API and the CLI; its
    field errors go on the form (the fields share its names)."""
    try:
        checked = plan_start.check(
            leader=form.leader.data, sponsor=form.sponsor.data, mentor=form.mentor.data or None,
            playbook=form.playbook.data, start=form.start.data, months=form.months.data,
            working_days=form.working_days.data, on_site_days=form.on_site_days.data or None,
            new_leader=form.new_leader.data,
            new_sponsor=form.new_sponsor.data, new_mentor=form.new_mentor.data)
    except plan_start.StartError as exc:
        for field, message in exc.errors.items():
            getattr(form, field).errors.append(message)
        return None
    return None if form.errors else checked


def _people(form: forms.NewPlanForm, checked: plan_start.Checked) -> list[tuple[str, str]]:
    """Who the plan is for and with, as the preview names them."""
    rows = []
    for role, label in (("leader", "Leader"), ("sponsor", "Executive sponsor"), ("mentor", "Mentor")):
        user = getattr(checked, role)
        if user is not None:
            rows.append((label, f"{user.name} ({user.email})"))
        elif getattr(form, f"new_{role}").data and getattr(form, role).data:
            name, email = getattr(form, f"{role}_name").data, getattr(form, role).data
            rows.append((label, f"{name} ({email}), invited when you confirm"))
        else:
            rows.append((label, "No mentor"))
    return rows


def _create(form: forms.NewPlanForm, checked: plan_start.Checked):
    """Invite the new people, start the plan and commit; the page to show."""
    me = _me()
    invited = {}
    try:
        for role in forms.ROLES:
            if getattr(form, f"new_{role}").data:
                try:
                    invited[role] = accounts.create_user(getattr(form, role).data, getattr(form, f"{role}_name").data,
                                                         actor=me, remote_addr=remote_addr())
                except accounts.AccountError as exc:
                    exc.field = f"{role}_name" if exc.field == "name" else role
                    raise
        plan = plan_start.start(checked, actor=me, remote_addr=remote_addr(), **invited)
    except (accounts.AccountError, plans.PlanError) as exc:
        db.session.rollback()
        getattr(form, exc.field if exc.field in form else "leader").errors.append(str(exc)[0].upper() + str(exc)[1:])
        return _form_page(form, 400)
    db.session.commit()
    flash(f"Plan started for {plan.leader.name}: {dates.day(plan.start_date)} to {dates.day(plan.end_date)}.", "success")
    for user in invited.values():
        _invited(user)
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    form = _new_plan_form()
    if request.method == "GET":
        return _form_page(form)
    step = request.form.get("step")
    if step == "edit" and form.validate():  # back from the preview to change something
        return _form_page(form)
    checked = _check_plan(form) if form.validate() else None
    if checked is None:
        return _form_page(form, 400)
    warnings = plan_start.warnings(checked)
    seen = set((form.warned.data or "").split(","))
    # Confirming creates the plan only when HR has seen every warning there now is.
    if step != "confirm" or any(w.field not in seen for w in warnings):
        form.warned.data = ",".join(w.field for w in warnings)
        return render_template("hr/new_plan_preview.html", form=form, people=_people(form, checked),
                               version=checked.version, milestones=checked.milestones, end=checked.end,
                               warnings=warnings, pattern=plan_start.pattern_note(checked),
                               on_site_days=checked.on_site_days)
    return _create(form, checked)


# --- plan administration ----------------------------------------------------------------------


def _plan(plan_id: int) -> Plan:
    plan = access.plan_for(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


def _extend_form(plan: Plan, formdata=True) -> forms.ExtendForm:
    form = forms.ExtendForm(prefix="extend") if formdata else forms.ExtendForm(prefix="extend", formdata=None)
    form.months.choices = forms.opts((n, f"{n} months") for n in range(plan.months + 1, planning.MAX_MONTHS + 1))
    return form


def _rebase_form(plan: Plan, formdata=True) -> forms.RebaseForm:
    form = forms.RebaseForm(prefix="rebase") if formdata else forms.RebaseForm(prefix="rebase", formdata=None)
    form.version.choices = forms.opts((v.id, f"Version {v.number}: {v.title}") for v in rebase.newer_versions(plan))
    return form


def _admin_forms(plan: Plan, **bound) -> dict:
    unbound = {
        "reassign": lambda: forms.ReassignForm(prefix="reassign", formdata=None, sponsor=plan.sponsor.email,
                                               mentor=plan.mentor.email if plan.mentor else ""),
        "pause": lambda: forms.PauseForm(prefix="pause", formdata=None),
        "resume": lambda: forms.ResumeForm(prefix="resume", formdata=None, on=plans.resume_date(plan)),
        "extend": lambda: _extend_form(plan, formdata=False),
        "close": lambda: forms.CloseForm(prefix="close", formdata=None),
        "rebase": lambda: _rebase_form(plan, formdata=False),
        "supporter": lambda: SupporterForm(prefix="supporter", formdata=None),
        "identifiers": lambda: identifier_forms.for_object(plan),
    }
    return {name: bound.get(name) or make() for name, make in unbound.items()}


def _admin_page(plan: Plan, status: int = 200, failed=None, **bound):
    page_forms = _admin_forms(plan, **bound)
    return render_template(
        "hr/plan_admin.html", plan=plan, forms=page_forms, failed=failed,
        people=user_admin.listed_people() if plan.is_open else None,
        progress=plans.progress(plan), today=plans.today(), state=plans.milestone_state,
        tailored=plan_tailoring.summary(plan),
        form=page_forms.get(failed) if failed else None, supporters=supporters.of_plan(plan),
        supporter_labels=supporters.LABELS,
        answers=readable(current_user, plan), scores=scores, labels=SCORE_LABELS,  # the pulse checks
    ), status


@bp.get("/plans/<int:plan_id>")
def plan_admin(plan_id: int):
    return _admin_page(_plan(plan_id))


def _refused(plan, name, form, exc):
    """The page again with the domain's refusal next to its field (or above the form)."""
    db.session.rollback()
    message = str(exc)[0].upper() + str(exc)[1:]
    if exc.field in form and exc.field != "csrf_token":
        form[exc.field].errors.append(message)
    else:
        form.form_errors.append(message)
    return _admin_page(plan, 400, name, **{name: form})


def _done(plan: Plan, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/reassign")
def reassign(plan_id: int):
    plan = _plan(plan_id)
    form = forms.ReassignForm(prefix="reassign")
    if not form.validate():
        return _admin_page(plan, 400, "reassign", reassign=form)
    try:
        sponsor = plan_start.person(form.sponsor.data, "sponsor")
        mentor = plan_start.person(form.mentor.data, "mentor") if form.mentor.data else None
        if mentor is not None and sponsor.id == mentor.id:
            raise plans.PlanError("The mentor must be someone other than the sponsor", "mentor")
        plans.reassign(plan, _me(), sponsor=sponsor, mentor=mentor, clear_mentor=mentor is None, remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _refused(plan, "reassign", form, exc)
    return _done(plan, "The sponsor and mentor are updated.")


@bp.post("/plans/<int:plan_id>/supporters")
def add_supporter(plan_id: int):
    plan = _plan(plan_id)
    form = SupporterForm(prefix="supporter")
    if not form.validate():
        return _admin_page(plan, 400, "supporter", supporter=form)
    try:
        row = supporters.add(plan, accounts.find_user(form.person.data), form.role.data, _me(), remote_addr())
    except supporters.SupporterError as exc:
        return _refused(plan, "supporter", form, exc)
    return _done(plan, f"{row.user.name} is now this plan's {supporters.LABELS[row.role].lower()}.")


@bp.post("/plans/<int:plan_id>/supporters/<int:supporter_id>/remove")
def remove_supporter(plan_id: int, supporter_id: int):
    plan = _plan(plan_id)
    if not ConfirmForm().validate_on_submit():  # a button carrying only the CSRF token
        abort(400)
    try:
        row = supporters.remove(plan, supporter_id, _me(), remote_addr())
    except supporters.SupporterError as exc:
        flash(str(exc), "info")
        return redirect(url_for("hr.plan_admin", plan_id=plan.id, _anchor="supporters"))
    return _done(plan, f"{row.user.name} is no longer this plan's {supporters.LABELS[row.role].lower()}; "
                       "they cannot see it any more.")


@bp.post("/plans/<int:plan_id>/pause")
def pause(plan_id: int):
    plan = _plan(plan_id)
    form = forms.PauseForm(prefix="pause")
    if not form.validate():
        return _admin_page(plan, 400, "pause", pause=form)
    try:
        plans.pause(plan, _me(), reason=form.reason.data, expected_return_on=form.expected_return_on.data,
                    remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _refused(plan, "pause", form, exc)
    return _done(plan, "The plan is paused. Nobody is nudged about it until it resumes.")


@bp.post("/plans/<int:plan_id>/resume")
def resume(plan_id: int):
    plan = _plan(plan_id)
    form = forms.ResumeForm(prefix="resume")
    if not form.validate():
        return _admin_page(plan, 400, "resume", resume=form)
    try:
        if form.on.data is not None:
            plans.check_return_date(form.on.data)
        days = plans.resume(plan, _me(), on=form.on.data, remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _refused(plan, "resume", form, exc)
    return _done(plan, f"The plan is resumed. Open milestones moved on by {days} working day{'s' if days != 1 else ''}.")


@bp.post("/plans/<int:plan_id>/extend")
def extend(plan_id: int):
    """The first post previews the new dates; the preview's confirmation extends."""
    plan = _plan(plan_id)
    form = _extend_form(plan)
    if not form.validate():
        return _admin_page(plan, 400, "extend", extend=form)
    try:
        if form.confirmed.data != "yes":
            end, new_dates = plans.extended_dates(plan, form.months.data)
            return render_template("hr/extend_preview.html", plan=plan, form=form, end=end,
                                   milestones=plans.planned(plan, new_dates))
        plans.extend(plan, _me(), form.months.data, remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _refused(plan, "extend", form, exc)
    return _done(plan, f"The plan now runs for {plan.months} months, to {dates.day(plan.end_date)}.")


@bp.post("/plans/<int:plan_id>/close")
def close(plan_id: int):
    plan = _plan(plan_id)
    form = forms.CloseForm(prefix="close")
    if not form.validate():
        return _admin_page(plan, 400, "close", close=form)
    try:
        plans.close(plan, _me(), form.outcome.data, remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _refused(plan, "close", form, exc)
    return _done(plan, f"The plan is {plan.status}. Its history stays visible.")


@bp.post("/plans/<int:plan_id>/rebase")
def rebase_plan(plan_id: int):
    plan = _plan(plan_id)
    form = _rebase_form(plan)
    if not form.validate():
        return _admin_page(plan, 400, "rebase", rebase=form)
    # Only a newer version of the plan's own playbook, from the domain's list: a forged id
    # names nothing here, whatever version of whichever playbook it is.
    version = next((v for v in rebase.newer_versions(plan) if v.id == form.version.data), None)
    if version is None:
        form.version.errors.append("Choose a version from the list")
        return _admin_page(plan, 400, "rebase", rebase=form)
    try:
        if form.confirmed.data != "yes":
            changes = rebase.diff(plan, version)
            return render_template("hr/rebase_preview.html", plan=plan, version=version, changes=changes, form=form)
        changes = rebase.apply(plan, version, _me(), remote_addr())
    except plans.PlanError as exc:
        return _refused(plan, "rebase", form, exc)
    return _done(plan, f"The plan now follows version {version.number}: {len(changes.added)} added, "
                       f"{len(changes.removed)} removed, {len(changes.retitled)} retitled, "
                       f"{len(changes.redated)} with new dates.")

